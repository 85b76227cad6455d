//! `--format html` as a person sees it: the page rendered by headless Chromium
//! (`--dump-dom` after its script ran, and a screenshot kept under
//! `target/html-report/`), the structure of the page as a snapshot, and input
//! text that tries to be markup.
//!
//! Chromium is Debian's `chromium` (`.ci/run` installs it); `AKSLINT_CHROMIUM`
//! names another binary. Without one the browser tests say so and pass.
//! `AKSLINT_UPDATE_SCREENSHOT=1` also copies the screenshot to `docs/report.png`
//! (the README's).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{akslint, akslint_in, json, stderr};

const AKS004: &str = "fixtures/AKS004/fail/arm-template.json";

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AKSLINT_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
    .find(|p| p.is_file())
}

fn skip_without_chromium() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        eprintln!(
            "SKIPPED: no Chromium found (install Debian's `chromium`, or set AKSLINT_CHROMIUM); the browser test did not run"
        );
    }
    found
}

/// Runs headless Chromium on a local file with `extra` arguments, in a fresh
/// profile, with nothing that reaches the network; returns its standard output.
fn run_chromium(browser: &Path, page: &Path, extra: &[&str]) -> String {
    run_chromium_at(browser, &format!("file://{}", page.display()), extra)
}

/// [`run_chromium`] on a `file://` URL, which may end in a `#fragment`.
fn run_chromium_at(browser: &Path, url: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Read while it runs: a page larger than the pipe's buffer would block it.
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut bytes);
        bytes
    });
    // A browser that hangs must not hang the suite.
    let started = Instant::now();
    loop {
        if child.try_wait().expect("chromium runs").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish rendering {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let bytes = reader.join().expect("stdout reader");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Writes the HTML report of `input` into `dir` and returns its path.
fn report(input: &str, dir: &Path) -> PathBuf {
    let path = dir.join("report.html");
    let out = akslint(&[
        "check",
        input,
        "--format",
        "html",
        "--output",
        path.to_str().expect("utf-8 temp path"),
    ]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    path
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not in the page"))
        + start.len();
    let len = text[from..].find(end).unwrap_or(text.len() - from);
    &text[from..from + len]
}

/// The JSON of the page's data block.
fn embedded_data(html: &str) -> serde_json::Value {
    let json = between(
        html,
        "<script type=\"application/json\" id=\"data\">",
        "</script>",
    );
    serde_json::from_str(json).expect("the data block is JSON")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

#[test]
fn chromium_shows_the_map_capacity_and_findings_of_aks004() {
    let Some(browser) = skip_without_chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = report(AKS004, dir.path());
    let dom = run_chromium(&browser, &page, &["--dump-dom"]);

    // The numbers of the finding's message…
    let check = akslint(&["check", AKS004, "--format", "json"]);
    let finding = json(&check)["diagnostics"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["code"] == "AKS004"))
        .cloned()
        .expect("an AKS004 finding");
    let message = finding["message"].as_str().expect("message");
    let usable = between(message, "has ", " usable addresses");
    let need = between(message, "node pools need ", " at maximum scale");
    assert_eq!((usable, need), ("251", "341"));

    // …are the ones the red bar of the subnet's row reads.
    let vnet = between(&dom, "<details class=\"vnet bad\" id=\"v0\"", "</details>");
    assert!(vnet.contains("<b>vnet-aks-demo</b> <code>10.24.0.0/16</code>"));
    assert!(vnet.contains("href=\"#s0\" style=\"left:0.000%;width:0.391%\""));
    let row = between(vnet, "<tr id=\"s0\" class=\"bad\">", "</tr>");
    assert!(row.contains("<th>snet-aks-nodes "), "{row}");
    assert!(row.contains("<code>10.24.0.0/24</code>"));
    assert!(row.contains("<a class=\"pool\" href=\"#p0\">aks-demo/system</a> <small>nodes</small>"));
    assert!(row.contains("<a href=\"#n0\">nsg-aks-demo-nodes</a>"));
    assert!(row.contains("<div class=\"meter bad\""));
    assert!(row.contains("<i style=\"width:100.0%\"></i>"));
    assert!(row.contains(&format!(
        "<b class=\"need\">{need}</b> needed of <b class=\"usable\">{usable}</b> usable · headroom <b class=\"head\">-90</b>"
    )));
    assert!(row.contains(
        "<li>aks-demo/system: (10 nodes + 1 surge (default)) × (1 + 30 pods) = 341 (fits up to 7 nodes)</li>"
    ));
    // The map links to the findings and back.
    assert!(row.contains("<a class=\"b error\" href=\"#f-s0\">1 finding</a>"));
    let group = between(
        &dom,
        "<details class=\"res\" id=\"f-s0\" open=\"\">",
        "</details>",
    );
    assert!(group.contains("<a class=\"tomap\" href=\"#s0\">on the map</a>"));
    assert!(group.contains(&format!("<span class=\"sev\">error</span> {message}</p>")));
    assert!(group.contains("<mark>\"10.24.0.0/24\"</mark>"));
    assert!(group.contains("arm-template.json:63:46"));
    // The pool and its cluster are drawn.
    assert!(dom.contains(
        "<div class=\"pool\" id=\"p0\"><b>system</b> 10 nodes (count) · maxPods 30 · nodes in <a href=\"#s0\">snet-aks-nodes</a>"
    ));
    // The rule's explanation is there, folded.
    assert!(dom.contains(
        "<details class=\"expl\" id=\"rule-AKS004\"><summary><b>AKS004</b> cni-subnet-too-small"
    ));

    // What the script drew, as structure.
    insta::assert_snapshot!("html_dom_structure_aks004", structure(&dom));

    // A screenshot, kept for people to look at.
    let shots = target_dir().join("html-report");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let shot = shots.join("aks004.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &browser,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,1000",
            "--hide-scrollbars",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    if std::env::var_os("AKSLINT_UPDATE_SCREENSHOT").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.png");
        std::fs::copy(&shot, docs).expect("copy the screenshot to docs/");
    }
}

#[test]
fn chromium_shows_other_families_and_pod_cidr_budgets() {
    let Some(browser) = skip_without_chromium() else {
        return;
    };
    let cases = [
        // Overlay: the pod CIDR budget, 132 nodes against the 128 /24s of a /17.
        (
            "fixtures/AKS101/fail/arm-template.json",
            "<b class=\"need\">132</b> nodes of <b class=\"usable\">128</b> in <code>10.244.0.0/17</code>",
        ),
        (
            "fixtures/AKS004/fail/az-cli.json",
            "<b class=\"need\">",
        ),
    ];
    for (input, expected) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let page = report(input, dir.path());
        let dom = run_chromium(&browser, &page, &["--dump-dom"]);
        assert!(dom.contains("<section id=\"map\">"), "{input}");
        assert!(
            dom.contains("<details class=\"vnet"),
            "{input}: no VNet drawn"
        );
        assert!(dom.contains("<tr id=\"s0\""), "{input}: no subnet drawn");
        assert!(dom.contains("<article class=\"f "), "{input}: no finding");
        assert!(
            dom.contains(expected),
            "{input}: `{expected}` not in the page"
        );
    }
}

/// The page as nested tags with their ids and classes, without text: what a
/// change to the renderer changes, not what a run changes.
fn structure(html: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut rest = html;
    const VOID: [&str; 6] = ["meta", "br", "input", "hr", "img", "link"];
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end.min(rest.len())..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            depth = depth.saturating_sub(1);
            if name == "style" || name == "script" {
                continue;
            }
            continue;
        }
        let name = tag.split_whitespace().next().unwrap_or("");
        let attr = |key: &str| {
            let k = format!("{key}=\"");
            tag.find(&k).map(|i| {
                let v = &tag[i + k.len()..];
                format!(" {key}={}", &v[..v.find('"').unwrap_or(v.len())])
            })
        };
        out.push_str(&"  ".repeat(depth));
        out.push_str(name);
        out.push_str(&attr("id").unwrap_or_default());
        out.push_str(&attr("class").unwrap_or_default());
        out.push('\n');
        if name == "style" || name == "script" {
            // Their text is not markup.
            let close = format!("</{name}>");
            rest = &rest[rest.find(&close).unwrap_or(rest.len())..];
            depth += 1;
        } else if !VOID.contains(&name) {
            depth += 1;
        }
    }
    out
}

#[test]
fn page_structure_snapshot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = report(AKS004, dir.path());
    let html = std::fs::read_to_string(page).expect("report written");
    insta::assert_snapshot!("html_structure_aks004", structure(&html));
    let dir = tempfile::tempdir().expect("temp dir");
    let page = report("fixtures/AKS101/fail/arm-template.json", dir.path());
    let html = std::fs::read_to_string(page).expect("report written");
    insta::assert_snapshot!("html_structure_aks101", structure(&html));
}

#[test]
fn the_page_is_the_same_on_every_run_and_fetches_nothing() {
    let a = tempfile::tempdir().expect("temp dir");
    let b = tempfile::tempdir().expect("temp dir");
    let first = std::fs::read_to_string(report(AKS004, a.path())).expect("report");
    let second = std::fs::read_to_string(report(AKS004, b.path())).expect("report");
    // Only the command line (with the output path) differs.
    let strip = |s: &str| {
        s.replace(a.path().to_str().unwrap(), "")
            .replace(b.path().to_str().unwrap(), "")
    };
    assert_eq!(strip(&first), strip(&second));
    // Nothing that loads from elsewhere: no links, images, frames, imports or requests.
    for fetching in [
        "<link",
        "<img",
        "<iframe",
        " src=",
        "url(",
        "@import",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!first.contains(fetching), "{fetching}");
    }
    assert!(!first.contains("<link"));
    assert!(!first.contains("<img"));
    // The data block and the page's own script.
    assert_eq!(first.matches("<script").count(), 2);
    assert_eq!(
        first
            .matches("<script type=\"application/json\" id=\"data\">")
            .count(),
        1
    );
}

/// An ARM template whose names try to be markup, with quotes and control
/// characters (no `/`: that would split the subnet's resource id).
fn hostile_template() -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(AKS004))
        .expect("fixture");
    let evil = r#"x<script>alert(1)<script>\"'\u0007\u001b\u202e&amp;<img src=x onerror=alert(2)>"#;
    text.replace(
        "\"defaultValue\": \"aks-demo\"",
        &format!("\"defaultValue\": \"aks{evil}\""),
    )
    .replace(
        "\"subnetName\": \"snet-aks-nodes\"",
        &format!("\"subnetName\": \"snet{evil}\""),
    )
}

#[test]
fn names_from_the_inputs_are_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("evil.json");
    std::fs::write(&input, hostile_template()).expect("write input");
    let out = akslint_in(
        dir.path(),
        &[
            "check",
            "evil.json",
            "--format",
            "html",
            "-o",
            "report.html",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report");
    assert_eq!(
        html.matches("<script").count(),
        2,
        "only the page's data block and its script"
    );
    assert_eq!(html.matches("</script").count(), 2);
    assert!(!html.contains("<img") && !html.contains("<!--"));
    assert!(!html.contains('\u{7}') && !html.contains('\u{1b}') && !html.contains('\u{202e}'));
    // The header's HTML escapes the command line; the data block escapes
    // `<`, `>` and `&` as JSON escapes and shows control characters.
    assert!(html.contains(r#"snetx\u003cscript\u003ealert(1)\u003cscript\u003e\"'"#));
    let data = embedded_data(&html);
    let evil =
        "x<script>alert(1)<script>\"'\u{2407}\u{241b}\\u{202e}&amp;<img src=x onerror=alert(2)>";
    assert_eq!(data["subnets"][0][0], format!("snet{evil}"));
    assert_eq!(data["clusters"][0][0], format!("aks{evil}"));

    if let Some(browser) = skip_without_chromium() {
        let dom = run_chromium(&browser, &dir.path().join("report.html"), &["--dump-dom"]);
        assert_eq!(dom.matches("<script").count(), 2);
        assert!(!dom.contains("<img"));
        // Drawn as text, in elements and in attributes (the map's segment titles and filter names).
        assert!(dom.contains("<th>snetx&lt;script&gt;alert(1)&lt;script&gt;"));
        assert!(dom.contains("<th>aksx&lt;script&gt;alert(1)&lt;script&gt;"));
        assert!(dom.contains("title=\"snetx&lt;script&gt;"));
        assert!(dom.contains("data-name=\"aksx&lt;script&gt;"));
    }
}

/// Every finding of a run is in the page's data, in report order, whether or
/// not the page draws it before a part is opened.
#[test]
fn every_finding_is_in_the_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = report("fixtures", dir.path());
    let data = embedded_data(&std::fs::read_to_string(page).expect("report"));
    let check = akslint(&["check", "fixtures", "--format", "json"]);
    let expected = json(&check)["diagnostics"]
        .as_array()
        .cloned()
        .expect("diagnostics");
    let found = data["findings"].as_array().expect("findings");
    assert!(expected.len() > 100, "fixtures/ has many findings");
    assert_eq!(found.len(), expected.len());
    let rules = data["rules"].as_array().expect("rules");
    let files = data["files"].as_array().expect("files");
    for (f, d) in found.iter().zip(&expected) {
        let rule = &rules[f[0].as_u64().expect("rule index") as usize];
        assert_eq!(rule[0], d["code"]);
        assert_eq!(f[1], d["severity"]);
        assert_eq!(f[2], d["message"]);
        let file = files[f[3].as_u64().expect("file index") as usize]
            .as_str()
            .expect("path");
        assert!(
            d["file"].as_str().expect("path").ends_with(file),
            "{file} / {}",
            d["file"]
        );
        assert_eq!((&f[4], &f[5]), (&d["line"], &d["column"]));
    }
    // Every finding is in exactly one group.
    let mut grouped: Vec<u64> = data["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g[2].as_array().expect("members").iter())
        .map(|n| n.as_u64().expect("finding index"))
        .collect();
    grouped.sort_unstable();
    assert_eq!(grouped, (0..found.len() as u64).collect::<Vec<_>>());
}

/// A large report starts folded and undrawn; a link into a folded part
/// (here the page opened at a finding's or a subnet's id) draws and opens it.
#[test]
fn chromium_draws_a_folded_part_when_a_link_leads_into_it() {
    let Some(browser) = skip_without_chromium() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = report("fixtures", dir.path());
    let data = embedded_data(&std::fs::read_to_string(&page).expect("report"));
    let groups = data["groups"].as_array().expect("groups");
    assert!(groups.len() > 50 && data["vnets"].as_array().expect("vnets").len() > 20);

    let dom = run_chromium(&browser, &page, &["--dump-dom"]);
    assert_eq!(dom.matches("<details class=\"res\"").count(), groups.len());
    assert!(!dom.contains("<article"), "folded groups are not drawn");
    assert!(!dom.contains("<tr id=\"s"), "folded VNets are not drawn");

    // A subnet's finding: its group is drawn and opened, no other.
    let (group, subnet) = groups
        .iter()
        .find_map(|g| {
            let anchor = g[0].as_str()?;
            Some((g, anchor.strip_prefix('s')?.parse::<usize>().ok()?))
        })
        .expect("a group about a subnet");
    let members = group[2].as_array().expect("members");
    let first = members[0].as_u64().expect("finding index");
    let url = format!("file://{}#d{first}", page.display());
    let dom = run_chromium_at(&browser, &url, &["--dump-dom"]);
    assert!(dom.contains(&format!(
        "<details class=\"res\" id=\"f-s{subnet}\" open=\"\">"
    )));
    assert!(dom.contains(&format!(" id=\"d{first}\" data-code=")));
    assert_eq!(dom.matches("<article").count(), members.len());

    // The subnet on the map: its VNet is drawn and opened, with its rows.
    let vnet = data["subnets"][subnet][2]
        .as_u64()
        .expect("the subnet's VNet");
    let url = format!("file://{}#s{subnet}", page.display());
    let dom = run_chromium_at(&browser, &url, &["--dump-dom"]);
    let drawn = between(&dom, &format!(" id=\"v{vnet}\""), "</details>");
    assert!(drawn.contains(" open=\"\""), "the VNet is opened");
    assert!(drawn.contains(&format!("<tr id=\"s{subnet}\"")));
    let rows = data["subnets"]
        .as_array()
        .expect("subnets")
        .iter()
        .filter(|s| s[2].as_u64() == Some(vnet))
        .count();
    assert_eq!(dom.matches("<tr id=\"s").count(), rows);
}

/// A subnet prefix the template leaves to a parameter without a default is
/// unknown: written as unknown, its meter empty and grey, and no segment drawn.
#[test]
fn unknown_values_are_shown_as_unknown() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(AKS004))
        .expect("fixture")
        .replacen(
            "\"parameters\": {\n",
            "\"parameters\": {\n        \"nodePrefix\": { \"type\": \"string\" },\n",
            1,
        )
        .replace(
            "\"addressPrefix\": \"10.24.0.0/24\"",
            "\"addressPrefix\": \"[parameters('nodePrefix')]\"",
        );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("unknown.json"), text).expect("write input");
    let page = report(
        dir.path()
            .join("unknown.json")
            .to_str()
            .expect("utf-8 path"),
        dir.path(),
    );
    let data = embedded_data(&std::fs::read_to_string(&page).expect("report"));
    assert_eq!(data["subnets"][0][1], serde_json::json!([null]));
    assert_eq!(data["subnets"][0][3], "unk");
    assert_eq!(data["subnets"][0][7][2], "unknown");

    let Some(browser) = skip_without_chromium() else {
        return;
    };
    let dom = run_chromium(&browser, &page, &["--dump-dom"]);
    let row = between(&dom, "<tr id=\"s0\" class=\"unk\">", "</tr>");
    assert!(
        row.contains("<td><code class=\"unk\">unknown</code></td>"),
        "{row}"
    );
    assert!(row.contains("<div class=\"meter unk\""));
    assert!(row.contains("<b class=\"usable\">unknown</b> usable"));
    assert!(
        !dom.contains("class=\"seg"),
        "an unknown prefix is not drawn"
    );
}
