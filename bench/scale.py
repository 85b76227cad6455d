#!/usr/bin/env python3
"""akslint beside the parse floor, at growing sizes (issue 20's targets).

    python3 bench/scale.py [--sizes 5,50,200,500] [--runs 5] [--tf-files 1000,5000]
                           [--tree] [--work DIR]

Builds nothing: run `cargo build --release --examples` first. For each size it
generates one Resource Graph export (`examples/gen`, seed 7; 8,600 clusters
are 50 MB) and runs, alternately, the floor (`examples/floor`: the file read
and parsed into `serde_json::Value`, with the binary's allocator) and
`akslint check --format json --max-file-size 1GB`, as whole processes. It
prints medians (and minimums) of wall time, peak memory from each process's
own report (Linux `VmHWM`), the ratio to the floor, and the growth from the
previous size. `--tf-files` times one folder of N `.tf` files (a VNet, a
subnet and a cluster each, chained by references); `--tree` times the
1,002-file tree of all six families at `--threads 1` and `--threads 2`. The
load average is printed before and after: measure on a quiet machine.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
AKSLINT = os.path.join(RELEASE, "akslint")
GEN = os.path.join(RELEASE, "examples", "gen")
FLOOR = os.path.join(RELEASE, "examples", "floor")
CLUSTERS_PER_MB = 8600 / 50


def run(cmd):
    """Wall seconds and the process's own `peak memory N MB` line (0 if none)."""
    started = time.perf_counter()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wall = time.perf_counter() - started
    if out.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)}: exit code {out.returncode}")
    peak = 0.0
    for line in out.stdout.splitlines():
        if line.startswith("peak memory ") and line.endswith(" MB"):
            peak = float(line[len("peak memory "):-3])
    return wall, peak


def timed(cmds, runs):
    """Runs each command `runs` times, interleaved; (median, min, peak MB) each."""
    walls = [[] for _ in cmds]
    peaks = [0.0 for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            wall, peak = run(cmd)
            walls[i].append(wall)
            peaks[i] = max(peaks[i], peak)
    return [(statistics.median(w), min(w), p) for w, p in zip(walls, peaks)]


def generate(args, out):
    if not os.path.isdir(out):
        subprocess.run([GEN, *args, "--seed", "7", "--out", out], check=True, stdout=subprocess.DEVNULL)
    return out


def tf_folder(work, n):
    """N `.tf` files in one folder: a VNet, a subnet and a cluster each, chained."""
    out = os.path.join(work, f"tf{n}")
    if os.path.isdir(out):
        return out
    os.makedirs(out)
    for i in range(n):
        with open(os.path.join(out, f"c{i}.tf"), "w") as f:
            f.write(f'''resource "azurerm_virtual_network" "v{i}" {{
  name                = "vnet-{i}"
  location            = "eastus2"
  resource_group_name = "rg"
  address_space       = ["10.{i % 250}.0.0/16"]
}}

resource "azurerm_subnet" "s{i}" {{
  name                 = "nodes"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v{i}.name
  address_prefixes     = ["10.{i % 250}.0.0/{24 if i % 10 else 28}"]
}}

resource "azurerm_kubernetes_cluster" "k{i}" {{
  name                = "aks-{i}"
  location            = "eastus2"
  resource_group_name = "rg"
  dns_prefix          = "aks{i}"
  default_node_pool {{
    name           = "system"
    node_count     = 3
    vm_size        = "Standard_D4ds_v5"
    vnet_subnet_id = azurerm_subnet.s{i}.id
    max_pods       = 30
  }}
  network_profile {{
    network_plugin = "azure"
  }}
  identity {{
    type = "SystemAssigned"
  }}
}}
''')
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="5,50,200,500")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tf-files", default="")
    ap.add_argument("--tree", action="store_true")
    ap.add_argument("--work", default="/tmp/akslint-scale")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    print(f"load average before: {os.getloadavg()}")
    check = [AKSLINT, "check", "--format", "json", "--statistics", "--max-file-size", "1GB"]
    if a.sizes:
        print("| export | floor | akslint | ratio | growth | floor peak | akslint peak |")
        print("|---|---|---|---|---|---|---|")
        previous = None
        for mb in [int(s) for s in a.sizes.split(",")]:
            clusters = round(mb * CLUSTERS_PER_MB)
            d = generate(["--family", "graph", "--clusters", str(clusters)], os.path.join(a.work, f"g{clusters}"))
            path = os.path.join(d, os.listdir(d)[0])
            size = os.path.getsize(path) / 1e6
            runs = a.runs if mb < 200 else max(3, a.runs // 2)
            (fm, fmin, fp), (am, amin, ap_) = timed([[FLOOR, path], [*check, path]], runs)
            growth = "" if previous is None else f"{am / previous[0]:.1f}× for {size / previous[1]:.1f}× input"
            previous = (am, size)
            print(
                f"| {size:.0f} MB | {fm * 1000:.0f} ms (min {fmin * 1000:.0f}) | {am * 1000:.0f} ms (min {amin * 1000:.0f}) "
                f"| {am / fm:.2f}× | {growth} | {fp:.0f} MB ({fp / size:.1f}×) | {ap_:.0f} MB ({ap_ / size:.1f}×) |",
                flush=True,
            )
    if a.tf_files:
        first = None
        for n in [int(s) for s in a.tf_files.split(",")]:
            d = tf_folder(a.work, n)
            [(m, mn, p)] = timed([[*check, d]], a.runs)
            note = "" if first is None else f", {m / first[0]:.2f}× the time for {n / first[1]:.1f}× the files"
            first = first or (m, n)
            print(f"{n} .tf files in one folder: {m * 1000:.0f} ms (min {mn * 1000:.0f}), {p:.0f} MB{note}", flush=True)
    if a.tree:
        d = generate(["--family", "all", "--clusters", "167", "--per-file", "1"], os.path.join(a.work, "tree"))
        (m1, n1, _), (m2, n2, _) = timed(
            [[*check, "--threads", "1", d], [*check, "--threads", "2", d]], max(a.runs, 20)
        )
        print(f"1,002-file tree: --threads 1 {m1 * 1000:.1f} ms (min {n1 * 1000:.1f}), "
              f"--threads 2 {m2 * 1000:.1f} ms (min {n2 * 1000:.1f}): {m1 / m2:.2f}× (minimums {n1 / n2:.2f}×)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
