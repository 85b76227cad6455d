// Draws the network map, the clusters, the NSGs and route tables and the
// findings from the data block (its columns: `fields` in the data). Input text
// only ever goes in through text nodes and attribute values, never parsed as
// markup. A folded part is drawn when first opened (or when a link leads into
// it), so an estate's page opens with a small DOM. Nothing here fetches anything.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  // More VNets, clusters or groups than this start folded (and undrawn).
  var OPEN_LIMIT = 20, GROUP_OPEN_LIMIT = 50;
  var SEVERITY_RANK = {info: 0, warning: 1, error: 2};

  function el(tag, attrs, parent) {
    var e = document.createElement(tag);
    for (var i = 0; attrs && i + 1 < attrs.length; i += 2) e.setAttribute(attrs[i], attrs[i + 1]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function txt(parent, s) { parent.appendChild(document.createTextNode(s)); return parent; }
  function tel(tag, attrs, parent, s) { return txt(el(tag, attrs, parent), s); }
  function plural(n, what) { return n === 1 ? "1 " + what : n + " " + what + "s"; }
  function each(list, f) { for (var i = 0; i < list.length; i++) f(list[i], i); }

  // The joins the data leaves to the page: who uses what, and findings per map element.
  var J = {nodePools: [], podPools: [], subnetsOf: [], orphans: [], poolsOf: [], loose: [],
           nsgSubnets: [], rtSubnets: [], found: {}, groupOf: {}, groupOfFinding: []};
  each(D.subnets, function () { J.nodePools.push([]); J.podPools.push([]); });
  each(D.vnets, function () { J.subnetsOf.push([]); });
  each(D.clusters, function () { J.poolsOf.push([]); });
  each(D.nsgs, function () { J.nsgSubnets.push([]); });
  each(D.routeTables, function () { J.rtSubnets.push([]); });
  each(D.pools, function (p, pi) {
    if (p[6] !== null) J.nodePools[p[6]].push(pi);
    if (p[7] !== null) J.podPools[p[7]].push(pi);
    (p[2] !== null ? J.poolsOf[p[2]] : J.loose).push(pi);
  });
  each(D.subnets, function (s, si) {
    (s[2] !== null ? J.subnetsOf[s[2]] : J.orphans).push(si);
    if (typeof s[4] === "number" && s[4] >= 0) J.nsgSubnets[s[4]].push(si);
    if (typeof s[5] === "number" && s[5] >= 0) J.rtSubnets[s[5]].push(si);
  });
  each(D.groups, function (g, gi) {
    each(g[2], function (n) { J.groupOfFinding[n] = gi; });
    if (g[0] === null) return;
    J.groupOf[g[0]] = gi;
    var worst = "info";
    each(g[2], function (n) {
      if (SEVERITY_RANK[D.findings[n][1]] > SEVERITY_RANK[worst]) worst = D.findings[n][1];
    });
    J.found[g[0]] = [g[2].length, worst];
  });

  // Draws `fill` into a <details> when it is first open.
  function lazy(d, fill) {
    var done = false;
    d.fill = function () { if (!done) { done = true; fill(); } };
    if (d.open) d.fill();
    else d.addEventListener("toggle", function () { if (d.open) d.fill(); });
  }
  function folded(cls, id, open, parent) {
    var d = el("details", ["class", cls].concat(id ? ["id", id] : []), parent);
    if (open) d.open = true;
    return d;
  }

  function badge(parent, anchor) {
    var f = J.found[anchor];
    if (f) tel("a", ["class", "b " + f[1], "href", "#f-" + anchor], parent, plural(f[0], "finding"));
  }
  function prefixes(parent, list) {
    if (!list.length) tel("code", ["class", "unk"], parent, "no prefix");
    each(list, function (p, i) {
      if (i > 0) txt(parent, " ");
      if (p === null) tel("code", ["class", "unk"], parent, "unknown");
      else tel("code", null, parent, p);
    });
  }
  // A reference column: index when in the inputs, name when not, -1 unknown, null absent.
  function reference(parent, r, table, prefix, lead) {
    if (typeof r === "number" && r >= 0) tel("a", ["href", "#" + prefix + r], parent, lead + table[r][0]);
    else if (typeof r === "string") {
      txt(parent, lead + r + " ");
      tel("small", null, parent, "(not in the inputs)");
    } else if (r === -1) {
      txt(parent, lead);
      tel("span", ["class", "unk"], parent, "unknown");
    } else tel("span", ["class", "none"], parent, "none");
  }

  function drawMap() {
    var map = document.getElementById("map");
    if (!D.vnets.length && !J.orphans.length)
      tel("p", ["class", "none"], map, "No virtual network or subnet was found in the inputs.");
    var open = D.vnets.length <= OPEN_LIMIT;
    each(D.vnets, function (v, vi) { vnet(map, v, vi, open); });
    if (J.orphans.length) {
      var d = folded("vnet", "v-none", open, map);
      var sum = el("summary", null, d);
      tel("b", null, sum, "Subnets whose VNet is not in the inputs");
      txt(sum, " · " + plural(J.orphans.length, "subnet"));
      var body = el("div", ["class", "body"], d);
      lazy(d, function () { subnetTable(body, J.orphans); });
    }
  }

  function vnet(map, v, vi, open) {
    var subnets = J.subnetsOf[vi];
    var bad = subnets.some(function (si) { return D.subnets[si][3] === "bad"; });
    var d = folded(bad ? "vnet bad" : "vnet", "v" + vi, false, map);
    d.setAttribute("data-name", v[0].toLowerCase());
    if (open) d.open = true;
    var sum = el("summary", null, d);
    tel("b", null, sum, v[0]);
    txt(sum, " ");
    prefixes(sum, v[1]);
    txt(sum, " · " + plural(subnets.length, "subnet") + " ");
    badge(sum, "v" + vi);
    var body = el("div", ["class", "body"], d);
    lazy(d, function () { vnetBody(body, v, subnets); });
  }

  function vnetBody(body, v, subnets) {
    each(v[2], function (bar) {
      if (bar === null) tel("p", ["class", "unk"], body, "Address space unknown: not drawn.");
      else spaceBar(body, bar);
    });
    if (!v[1].length) tel("p", ["class", "unk"], body, "No address space in the inputs: not drawn.");
    if (v[3].length) {
      var p = tel("p", ["class", "peer"], body, "Peered with ");
      each(v[3], function (r, i) {
        if (i > 0) txt(p, ", ");
        reference(p, r, D.vnets, "v", "↔ ");
      });
    }
    subnetTable(body, subnets);
  }

  function spaceBar(parent, b) {
    var space = el("div", ["class", "space"], parent);
    var bar = el("div", ["class", "bar"], space);
    each(b[5], function (seg) {
      var s = D.subnets[seg[0]];
      el("a", ["class", "seg " + s[3], "href", "#s" + seg[0],
               "style", "left:" + seg[2].toFixed(3) + "%;width:" + seg[3].toFixed(3) + "%",
               "title", s[0] + " " + seg[1]], bar);
    });
    var ends = el("div", ["class", "ends"], space);
    tel("span", null, ends, b[1]);
    tel("span", null, ends, b[0] + ": " + b[3] + " of " + b[4] + " addresses in subnets");
    tel("span", null, ends, b[2]);
  }

  function headRow(table, names) {
    var tr = el("tr", null, el("thead", null, table));
    each(names, function (n) { tel("th", null, tr, n); });
  }

  function subnetTable(parent, subnets) {
    if (!subnets.length) {
      tel("p", ["class", "none"], parent, "No subnet of this VNet is in the inputs.");
      return;
    }
    var table = el("table", ["class", "subnets"], parent);
    headRow(table, ["Subnet", "Prefix", "Used by", "NSG", "Route table", "Delegation", "Capacity at maximum scale"]);
    var tbody = el("tbody", null, table);
    each(subnets, function (si) { subnetRow(tbody, si); });
  }

  function subnetRow(tbody, si) {
    var s = D.subnets[si];
    var tr = el("tr", ["id", "s" + si, "class", s[3]], tbody);
    var th = tel("th", null, tr, s[0] + " ");
    badge(th, "s" + si);
    prefixes(el("td", null, tr), s[1]);
    var users = el("td", null, tr);
    each(J.nodePools[si], function (pi) { user(users, pi, "nodes"); });
    each(J.podPools[si], function (pi) { user(users, pi, "pods"); });
    if (!J.nodePools[si].length && !J.podPools[si].length) tel("span", ["class", "none"], users, "no node pool");
    reference(el("td", null, tr), s[4], D.nsgs, "n", "");
    reference(el("td", null, tr), s[5], D.routeTables, "t", "");
    var deleg = el("td", null, tr);
    if (!s[6].length) tel("span", ["class", "none"], deleg, "none");
    each(s[6], function (v, i) {
      if (i > 0) el("br", null, deleg);
      if (v === null) tel("span", ["class", "unk"], deleg, "unknown");
      else txt(deleg, v);
    });
    var cap = el("td", null, tr);
    if (s[7] === null) tel("span", ["class", "none"], cap, "not a node or pod subnet");
    else capacityCell(cap, s[3], s[7]);
  }

  function user(parent, pi, what) {
    tel("a", ["class", "pool", "href", "#p" + pi], parent, D.pools[pi][1]);
    txt(parent, " ");
    tel("small", null, parent, what);
    el("br", null, parent);
  }

  function meter(parent, cls, width, lines) {
    var m = el("div", ["class", "meter " + cls, "title", lines.join("\n")], parent);
    el("i", ["style", "width:" + width.toFixed(1) + "%"], m);
  }
  function arithmetic(parent, lines) {
    var ul = el("ul", ["class", "arith"], parent);
    each(lines, function (l) { tel("li", null, ul, l); });
  }

  // [meter %, needed, usable, headroom, needed when full, smallest prefix, lines]
  function capacityCell(parent, state, c) {
    meter(parent, state, c[0], c[6]);
    var nums = el("div", ["class", "nums"], parent);
    tel("b", ["class", "need"], nums, c[1]);
    txt(nums, " needed of ");
    tel("b", ["class", "usable"], nums, c[2]);
    txt(nums, " usable");
    if (c[3] !== null) {
      txt(nums, " · headroom ");
      tel("b", ["class", "head"], nums, c[3]);
    }
    if (c[4] !== null) txt(nums, " · " + c[4] + " when every node is full");
    if (c[5] !== null) txt(nums, " · needs a /" + c[5]);
    arithmetic(parent, c[6]);
  }

  function drawClusters() {
    var section = document.getElementById("clusters");
    if (!D.clusters.length && !D.pools.length) {
      tel("p", ["class", "none"], section, "No cluster was found in the inputs.");
      return;
    }
    var d = folded("list", "cluster-list", D.clusters.length <= OPEN_LIMIT, section);
    tel("summary", null, d, plural(D.clusters.length, "cluster") + ", " + plural(D.pools.length, "node pool"));
    lazy(d, function () {
      var table = el("table", ["class", "clusters"], d);
      headRow(table, ["Cluster", "Pod addresses", "Node pools", "Pod CIDR budget (one /24 per node)"]);
      var tbody = el("tbody", null, table);
      each(D.clusters, function (c, ci) { clusterRow(tbody, c, ci); });
      if (J.loose.length) {
        var tr = el("tr", null, tbody);
        tel("th", null, tr, "Pools whose cluster is not in the inputs");
        el("td", null, tr);
        var td = el("td", null, tr);
        each(J.loose, function (pi) { pool(td, pi); });
        el("td", null, tr);
      }
      applyFilter();
    });
  }

  function clusterRow(tbody, c, ci) {
    var tr = el("tr", ["id", "c" + ci, "data-name", c[0].toLowerCase()], tbody);
    badge(tel("th", null, tr, c[0] + " "), "c" + ci);
    var mode = el("td", null, tr);
    if (c[1] === null) tel("span", ["class", "unk"], mode, "unknown");
    else txt(mode, c[1]);
    var pools = el("td", null, tr);
    each(J.poolsOf[ci], function (pi) { pool(pools, pi); });
    var budget = el("td", null, tr);
    if (c[2] === null) tel("span", ["class", "none"], budget, "pods take subnet addresses");
    else if (c[2] === -1) tel("span", ["class", "unk"], budget, "unknown");
    else podCidrCell(budget, c[2]);
  }

  // [name, label, cluster, nodes, count field, maxPods, node subnet, pod subnet, node subnet unknown]
  function pool(parent, pi) {
    var p = D.pools[pi];
    var div = el("div", ["class", "pool", "id", "p" + pi], parent);
    tel("b", null, div, p[0]);
    txt(div, " " + p[3] + " nodes (" + p[4] + ") · maxPods " + p[5]);
    if (p[6] !== null) {
      txt(div, " · nodes in ");
      tel("a", ["href", "#s" + p[6]], div, D.subnets[p[6]][0]);
    }
    if (p[7] !== null) {
      txt(div, " · pods in ");
      tel("a", ["href", "#s" + p[7]], div, D.subnets[p[7]][0]);
    }
    if (p[8]) {
      txt(div, " · nodes in ");
      tel("span", ["class", "unk"], div, "unknown subnet");
    }
    txt(div, " ");
    badge(div, "p" + pi);
  }

  // [meter %, fits, nodes needed, nodes it holds, pod CIDR, smallest prefix, lines]
  function podCidrCell(parent, b) {
    meter(parent, b[1] ? "ok" : "bad", b[0], b[6]);
    var nums = el("div", ["class", "nums"], parent);
    tel("b", ["class", "need"], nums, b[2]);
    txt(nums, " nodes of ");
    tel("b", ["class", "usable"], nums, b[3]);
    txt(nums, " in ");
    tel("code", null, nums, b[4]);
    if (b[5] !== null) txt(nums, " · needs a /" + b[5]);
    arithmetic(parent, b[6]);
  }

  function drawAttached() {
    var section = document.getElementById("attached");
    if (!D.nsgs.length && !D.routeTables.length) {
      tel("p", ["class", "none"], section, "No NSG or route table was found in the inputs.");
      return;
    }
    var d = folded("list", "attached-list", D.nsgs.length + D.routeTables.length <= OPEN_LIMIT, section);
    tel("summary", null, d, plural(D.nsgs.length, "NSG") + ", " + plural(D.routeTables.length, "route table"));
    lazy(d, function () {
      var ul = el("ul", ["class", "attached"], d);
      each(D.nsgs, function (n, i) { attachedItem(ul, "n" + i, "NSG", n[0], plural(n[1], "rule"), J.nsgSubnets[i]); });
      each(D.routeTables, function (r, i) { attachedItem(ul, "t" + i, "Route table", r[0], plural(r[1], "route"), J.rtSubnets[i]); });
    });
  }

  function attachedItem(ul, id, kind, name, what, subnets) {
    var li = tel("li", ["id", id], ul, kind + " ");
    tel("b", null, li, name);
    txt(li, " · " + what);
    each(subnets, function (si) {
      txt(li, " · ");
      tel("a", ["href", "#s" + si], li, D.subnets[si][0]);
    });
    txt(li, " ");
    badge(li, id);
  }

  function drawFindings() {
    var section = document.getElementById("findings");
    if (!D.findings.length) tel("p", ["class", "none"], section, "No findings.");
    var open = D.groups.length <= GROUP_OPEN_LIMIT;
    each(D.groups, function (g) { group(section, g, open); });
  }

  // [anchor, title, findings ordered by rule]
  function group(section, g, open) {
    var d = folded("res", g[0] === null ? null : "f-" + g[0], open, section);
    var sum = el("summary", null, d);
    tel("b", null, sum, g[1]);
    txt(sum, " · " + plural(g[2].length, "finding"));
    if (g[0] !== null) {
      txt(sum, " ");
      tel("a", ["class", "tomap", "href", "#" + g[0]], sum, "on the map");
    }
    lazy(d, function () {
      var div = null, rule = -1;
      each(g[2], function (n) {
        var f = D.findings[n];
        if (f[0] !== rule) {
          rule = f[0];
          var r = D.rules[rule];
          div = el("div", ["class", "rule"], d);
          tel("a", ["href", "#rule-" + r[0]], el("h4", null, div), r[0] + " " + r[1]);
        }
        finding(div, f, n);
      });
    });
  }

  // [rule, severity, message, file, line, column, snippet, labels, labels not listed, help]
  function finding(parent, f, n) {
    var code = D.rules[f[0]][0];
    var art = el("article", ["class", "f " + f[1], "id", "d" + n, "data-code", code], parent);
    var msg = el("p", ["class", "msg"], art);
    tel("span", ["class", "sev"], msg, f[1]);
    txt(msg, " " + f[2]);
    tel("p", ["class", "loc"], art, D.files[f[3]] + ":" + f[4] + ":" + f[5]);
    if (f[6] !== null) snippet(art, f[6]);
    if (f[7].length) {
      var ul = el("ul", ["class", "labels"], art);
      each(f[7], function (l) {
        var li = el("li", null, ul);
        tel("span", ["class", "loc"], li, D.files[l[0]] + ":" + l[1] + ":" + l[2]);
        txt(li, " " + l[3]);
      });
      if (f[8] > 0) tel("li", null, ul, "… and " + f[8] + " more");
    }
    if (f[9] !== null) tel("p", ["class", "help"], art, "help: " + f[9]);
  }

  // [label, lines], a line [number, before, marked or null, after]
  function snippet(parent, s) {
    var pre = el("pre", ["class", "snip"], parent);
    each(s[1], function (l) {
      var num = String(l[0]);
      tel("span", ["class", "ln"], pre, "     ".slice(num.length) + num);
      txt(pre, " " + l[1]);
      if (l[2] !== null) tel("mark", null, pre, l[2]);
      txt(pre, l[3] + "\n");
    });
    if (s[0] !== "") tel("span", ["class", "lbl"], pre, "      ↳ " + s[0]);
  }

  // Draws the folded part an element id lives in, so a link can land on it.
  function drawAround(id) {
    var m = /^(f-)?([a-z])(\d+)$/.exec(id);
    if (!m) return;
    var i = +m[3], home = null;
    if (m[1]) home = document.getElementById(id);
    else if (m[2] === "d") home = document.querySelectorAll("#findings > details")[J.groupOfFinding[i]];
    else if (m[2] === "s" && D.subnets[i]) home = document.getElementById(D.subnets[i][2] === null ? "v-none" : "v" + D.subnets[i][2]);
    else if (m[2] === "c" || m[2] === "p") home = document.getElementById("cluster-list");
    else if (m[2] === "n" || m[2] === "t") home = document.getElementById("attached-list");
    if (home && home.fill) home.fill();
  }

  // Opens the folded parts around a linked element, so links between the map
  // and the findings land on something visible.
  function reveal(id) {
    if (!id) return;
    drawAround(id);
    var target = document.getElementById(id);
    for (var p = target; p; p = p.parentElement) {
      if (p.tagName === "DETAILS") p.open = true;
    }
    if (target) target.scrollIntoView({block: "start"});
  }

  function applyFilter() {
    var q = filter.value.trim().toLowerCase();
    var items = document.querySelectorAll("[data-name]");
    for (var i = 0; i < items.length; i++) {
      items[i].classList.toggle("hidden", q !== "" && items[i].getAttribute("data-name").indexOf(q) < 0);
    }
  }

  var filter = document.getElementById("filter");
  drawMap();
  drawClusters();
  drawAttached();
  drawFindings();

  function fromHash() { reveal(decodeURIComponent(location.hash.slice(1))); }
  window.addEventListener("hashchange", fromHash);
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href^='#']");
    if (a && a.getAttribute("href") === location.hash) reveal(location.hash.slice(1));
  });
  function all(open) {
    var ds = document.querySelectorAll("details");
    for (var i = 0; i < ds.length; i++) ds[i].open = open;
  }
  document.getElementById("expand").addEventListener("click", function () { all(true); });
  document.getElementById("collapse").addEventListener("click", function () { all(false); });
  filter.addEventListener("input", applyFilter);
  if (location.hash) fromHash();
})();
