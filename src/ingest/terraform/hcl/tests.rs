//! Evaluator tests over in-memory module trees.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{evaluate_module, is_tf_json, Evaluation, ModuleFile, NOTE_CODE};
use crate::ingest::terraform::TfResource;
use crate::source::{FileId, Span};
use crate::syntax::{json, Node, NodeKind};

/// A set of files by path; the root module is the directory `root`.
struct Tree {
    files: Vec<ModuleFile>,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let files = files
            .iter()
            .enumerate()
            .map(|(i, (p, t))| ModuleFile {
                file: FileId(i as u32),
                path: PathBuf::from(p),
                text: Arc::from(*t),
                parsed: None,
            })
            .collect();
        Tree { files }
    }

    fn in_dir(&self, dir: &Path) -> Vec<ModuleFile> {
        self.files
            .iter()
            .filter(|f| f.path.parent() == Some(dir))
            .cloned()
            .collect()
    }

    fn eval(&self) -> Evaluation {
        let root = self.in_dir(Path::new("root"));
        let mut loader = |d: &Path| self.in_dir(d);
        evaluate_module(Path::new("root"), &root, &mut loader)
    }

    fn text(&self, span: Span) -> &str {
        let f = &self.files[span.file.0 as usize];
        f.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

fn main_tf(text: &str) -> Tree {
    Tree::new(&[("root/main.tf", text)])
}

fn res<'a>(ev: &'a Evaluation, address: &str) -> &'a TfResource {
    ev.resources
        .iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("no {address} in {:?}", addresses(ev)))
}

fn addresses(ev: &Evaluation) -> Vec<&str> {
    ev.resources.iter().map(|r| r.address.as_str()).collect()
}

fn at<'a>(r: &'a TfResource, path: &[&str]) -> &'a Node {
    r.values
        .path(path)
        .unwrap_or_else(|| panic!("no {path:?} in {}", r.address))
}

fn s<'a>(r: &'a TfResource, path: &[&str]) -> &'a str {
    at(r, path)
        .as_str()
        .unwrap_or_else(|| panic!("{path:?} is {:?}", at(r, path).kind))
}

/// The value of `local.x` in a one-file module, as a resource attribute.
fn local_value(locals: &str) -> Node {
    let t = main_tf(&format!(
        "locals {{\n{locals}\n}}\nresource \"azurerm_x\" \"t\" {{\n  v = local.x\n}}\n"
    ));
    let ev = t.eval();
    at(res(&ev, "azurerm_x.t"), &["v"]).clone()
}

fn local_str(locals: &str) -> String {
    let v = local_value(locals);
    match v.kind {
        NodeKind::String(s) => s,
        other => panic!("{locals} gave {other:?}"),
    }
}

fn local_json(locals: &str) -> serde_json::Value {
    to_json(&local_value(locals))
}

fn to_json(n: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &n.kind {
        NodeKind::Null => J::Null,
        NodeKind::Bool(b) => J::Bool(*b),
        NodeKind::Number(crate::syntax::Number::Int(i)) => J::from(*i),
        NodeKind::Number(crate::syntax::Number::Float(f)) => J::from(*f),
        NodeKind::String(s) => J::String(s.clone()),
        NodeKind::Array(items) => J::Array(items.iter().map(to_json).collect()),
        NodeKind::Object(entries) => J::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_json(&e.value)))
                .collect(),
        ),
        NodeKind::Unknown(_) => J::String("<unknown>".into()),
    }
}

#[test]
fn literals_interpolation_and_operators() {
    assert_eq!(local_str("x = \"aks-${1 + 2}-${true}\""), "aks-3-true");
    assert_eq!(local_json("x = 7 / 2"), serde_json::json!(3.5));
    assert_eq!(local_json("x = 8 / 2"), serde_json::json!(4));
    assert_eq!(local_json("x = 10 % 4 * 3 - 1"), serde_json::json!(5));
    assert_eq!(
        local_json("x = 2 > 1 && !(1 == 2) || false"),
        serde_json::json!(true)
    );
    assert_eq!(
        local_json("x = [1, \"a\"] == [1, \"a\"]"),
        serde_json::json!(true)
    );
    assert_eq!(local_json("x = -3 < -2"), serde_json::json!(true));
}

#[test]
fn conditionals_and_template_directives() {
    assert_eq!(local_str("x = 1 > 2 ? \"a\" : \"b\""), "b");
    assert_eq!(local_str("x = \"%{if 1 == 1}yes%{else}no%{endif}\""), "yes");
    assert_eq!(
        local_str("x = <<-EOT\n    ab\n      c\n    EOT"),
        "ab\n  c\n"
    );
    assert_eq!(
        local_str("x = \"%{for k, v in {b = 2, a = 1}}${k}=${v};%{endfor}\""),
        "a=1;b=2;"
    );
    assert!(local_value(
        "x = \"%{for v in data.azurerm_x.d.list}${v}%{endfor}\"\n}\ndata \"azurerm_x\" \"d\" {"
    )
    .is_unknown());
    // An unknown condition makes the whole value unknown.
    let t = main_tf(
        "data \"azurerm_subnet\" \"s\" {}\nresource \"azurerm_x\" \"t\" {\n  v = data.azurerm_subnet.s.id == \"\" ? \"a\" : \"b\"\n}\n",
    );
    let ev = t.eval();
    assert!(at(res(&ev, "azurerm_x.t"), &["v"]).is_unknown());
}

#[test]
fn cidr_functions_match_terraform_documentation() {
    assert_eq!(
        local_str("x = cidrsubnet(\"172.16.0.0/12\", 4, 2)"),
        "172.18.0.0/16"
    );
    assert_eq!(
        local_str("x = cidrsubnet(\"10.1.2.0/24\", 4, 15)"),
        "10.1.2.240/28"
    );
    assert_eq!(
        local_str("x = cidrsubnet(\"fd00:fd12:3456:7890::/56\", 16, 162)"),
        "fd00:fd12:3456:7800:a200::/72"
    );
    assert_eq!(
        local_str("x = cidrhost(\"10.12.112.0/20\", 16)"),
        "10.12.112.16"
    );
    assert_eq!(
        local_str("x = cidrhost(\"10.12.112.0/20\", 268)"),
        "10.12.113.12"
    );
    assert_eq!(
        local_str("x = cidrhost(\"fd00:fd12:3456:7890:00a2::/72\", 34)"),
        "fd00:fd12:3456:7890::22"
    );
    assert_eq!(local_str("x = cidrhost(\"10.0.0.0/24\", -2)"), "10.0.0.254");
    assert_eq!(
        local_str("x = cidrnetmask(\"172.16.0.0/12\")"),
        "255.240.0.0"
    );
    assert_eq!(
        local_json("x = cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)"),
        serde_json::json!([
            "10.1.0.0/20",
            "10.1.16.0/20",
            "10.1.32.0/24",
            "10.1.48.0/20"
        ])
    );
    assert_eq!(
        local_json("x = cidrsubnets(\"fd00:fd12:3456:7890::/56\", 16, 16, 16, 32)"),
        serde_json::json!([
            "fd00:fd12:3456:7800::/72",
            "fd00:fd12:3456:7800:100::/72",
            "fd00:fd12:3456:7800:200::/72",
            "fd00:fd12:3456:7800:300::/88"
        ])
    );
    // Out of range: an error, so the value is unknown, not a wrong address.
    assert!(local_value("x = cidrsubnet(\"10.0.0.0/30\", 4, 0)").is_unknown());
    assert!(local_value("x = cidrsubnet(\"10.0.0.0/24\", 2, 4)").is_unknown());
}

#[test]
fn collection_and_string_functions() {
    assert_eq!(
        local_json("x = concat([1], [2, 3])"),
        serde_json::json!([1, 2, 3])
    );
    assert_eq!(
        local_json("x = merge({a = 1, b = 2}, {b = 3}, null)"),
        serde_json::json!({"a": 1, "b": 3})
    );
    assert_eq!(
        local_json("x = lookup({a = 1}, \"b\", 9)"),
        serde_json::json!(9)
    );
    assert_eq!(
        local_json("x = element([\"a\", \"b\"], 3)"),
        serde_json::json!("b")
    );
    assert_eq!(local_json("x = length(\"héllo\")"), serde_json::json!(5));
    assert_eq!(local_str("x = upper(lower(\"AbC\"))"), "ABC");
    assert_eq!(
        local_str("x = format(\"%s-%03d-%.1f%%\", \"n\", 7, 2.25)"),
        "n-007-2.2%"
    );
    assert_eq!(
        local_str("x = join(\",\", split(\"/\", \"a/b\"), [\"c\"])"),
        "a,b,c"
    );
    assert_eq!(local_str("x = replace(\"a-b-c\", \"-\", \"_\")"), "a_b_c");
    assert_eq!(
        local_json("x = toset([\"b\", \"a\", \"b\"])"),
        serde_json::json!(["a", "b"])
    );
    assert_eq!(
        local_json("x = tonumber(\"42\") + 1"),
        serde_json::json!(43)
    );
    assert_eq!(local_str("x = tostring(5)"), "5");
    assert_eq!(
        local_json("x = coalesce(null, \"\", \"z\")"),
        serde_json::json!("z")
    );
    assert_eq!(
        local_json("x = flatten([[1], [[2]], 3])"),
        serde_json::json!([1, 2, 3])
    );
    assert_eq!(
        local_json("x = keys({b = 1, a = 2})"),
        serde_json::json!(["a", "b"])
    );
    assert_eq!(
        local_json("x = values({b = 1, a = 2})"),
        serde_json::json!([2, 1])
    );
    assert_eq!(
        local_json("x = contains([\"a\"], \"a\")"),
        serde_json::json!(true)
    );
    assert_eq!(
        local_json("x = max(1, 5, 3) + min(4, 2)"),
        serde_json::json!(7)
    );
    assert_eq!(
        local_json("x = tolist(tomap({a = 1}).*)"),
        serde_json::json!([{"a": 1}])
    );
    assert_eq!(local_json("x = max([3, 9]...)"), serde_json::json!(9));
}

#[test]
fn try_can_and_unsupported_functions() {
    assert_eq!(
        local_json("x = try({a = 1}.b, \"dflt\")"),
        serde_json::json!("dflt")
    );
    assert_eq!(
        local_json("x = try({a = 1}.a, \"dflt\")"),
        serde_json::json!(1)
    );
    assert_eq!(local_json("x = can({a = 1}.b)"), serde_json::json!(false));
    assert_eq!(
        local_json("x = [can(1), can(cidrsubnet(\"x\", 1, 1))]"),
        serde_json::json!([true, false])
    );
    assert!(local_value("x = sha256(\"a\")").is_unknown());
    // An unsupported function is unknown, not an error try() would skip.
    assert!(local_value("x = try(sha256(\"a\"), \"b\")").is_unknown());
}

#[test]
fn for_expressions_and_splats() {
    assert_eq!(
        local_json("x = [for s in [\"a\", \"b\"] : upper(s) if s != \"b\"]"),
        serde_json::json!(["A"])
    );
    assert_eq!(
        local_json("x = {for k, v in {b = 1, a = 2} : v => k}"),
        serde_json::json!({"2": "a", "1": "b"})
    );
    assert_eq!(
        local_json("x = {for s in [\"ab\", \"ac\", \"b\"] : substr_none(s) => s...}"),
        serde_json::json!("<unknown>")
    );
    assert_eq!(
        local_json("x = {for s in [\"a1\", \"a2\", \"b\"] : split(\"\", s)[0] => s...}"),
        serde_json::json!({"a": ["a1", "a2"], "b": ["b"]})
    );
    assert_eq!(
        local_json("x = [{n = 1}, {n = 2}][*].n"),
        serde_json::json!([1, 2])
    );
    assert_eq!(local_json("x = {a = [1, 2]}.a[1]"), serde_json::json!(2));
}

#[test]
fn variables_tfvars_and_locals() {
    let t = Tree::new(&[
        (
            "root/variables.tf",
            "variable \"plugin\" {\n  default = \"kubenet\"\n}\nvariable \"pods\" {\n  default = 30\n}\nvariable \"unset\" {}\n",
        ),
        ("root/terraform.tfvars", "plugin = \"azure\"\n"),
        ("root/x.auto.tfvars", "pods = 50\n"),
        (
            "root/main.tf",
            "locals {\n  a = local.b\n  b = \"${var.plugin}-${var.pods}\"\n  c = local.d\n  d = local.c\n}\nresource \"azurerm_x\" \"t\" {\n  a = local.a\n  c = local.c\n  u = var.unset\n  p = var.pods\n}\n",
        ),
    ]);
    let ev = t.eval();
    let r = res(&ev, "azurerm_x.t");
    assert_eq!(s(r, &["a"]), "azure-50");
    assert!(at(r, &["c"]).is_unknown(), "a cycle is unknown");
    assert!(
        at(r, &["u"]).is_unknown(),
        "a variable without value is unknown"
    );
    // Scalars point at the resource's own attribute.
    assert_eq!(t.text(at(r, &["a"]).span), "local.a");
    assert_eq!(t.text(at(r, &["p"]).span), "var.pods");
}

#[test]
fn blocks_become_objects_and_repeated_blocks_arrays() {
    let t = main_tf(
        r#"resource "azurerm_virtual_network" "vnet" {
  name = "vnet"
  subnet {
    name           = "a"
    address_prefix = "10.0.0.0/24"
  }
  subnet {
    name           = "b"
    address_prefix = "10.0.1.0/24"
  }
  lifecycle {
    ignore_changes = [tags]
  }
}
resource "azurerm_kubernetes_cluster" "aks" {
  default_node_pool {
    name = "system"
  }
  network_profile {
    network_plugin = "azure"
  }
  depends_on = [azurerm_virtual_network.vnet]
}
"#,
    );
    let ev = t.eval();
    let vnet = res(&ev, "azurerm_virtual_network.vnet");
    let subnets = at(vnet, &["subnet"]).as_array().expect("array");
    assert_eq!(subnets.len(), 2);
    assert_eq!(subnets[1].get("name").and_then(Node::as_str), Some("b"));
    let all = t.text(at(vnet, &["subnet"]).span);
    assert!(all.starts_with("subnet {") && all.ends_with('}') && all.contains("\"b\""));
    assert!(vnet.values.get("lifecycle").is_none());
    assert!(t
        .text(vnet.decl)
        .starts_with("resource \"azurerm_virtual_network\""));
    let aks = res(&ev, "azurerm_kubernetes_cluster.aks");
    assert_eq!(s(aks, &["network_profile", "network_plugin"]), "azure");
    assert!(t
        .text(at(aks, &["default_node_pool"]).span)
        .starts_with("default_node_pool {"));
    assert!(aks.values.get("depends_on").is_none());
    assert!(
        aks.refs.is_empty(),
        "depends_on is not an attribute reference"
    );
}

#[test]
fn resource_references_are_recorded_and_resolved() {
    let t = main_tf(
        r#"resource "azurerm_subnet" "nodes" {
  name             = "snet-nodes"
  address_prefixes = ["10.0.0.0/24"]
}
resource "azurerm_kubernetes_cluster" "aks" {
  default_node_pool {
    vnet_subnet_id = azurerm_subnet.nodes.id
  }
  tags = {
    subnet = azurerm_subnet.nodes.name
    prefix = azurerm_subnet.nodes.address_prefixes[0]
  }
}
"#,
    );
    let ev = t.eval();
    let aks = res(&ev, "azurerm_kubernetes_cluster.aks");
    assert!(at(aks, &["default_node_pool", "vnet_subnet_id"]).is_unknown());
    assert_eq!(s(aks, &["tags", "subnet"]), "snet-nodes");
    assert_eq!(s(aks, &["tags", "prefix"]), "10.0.0.0/24");
    assert_eq!(
        t.text(at(aks, &["tags", "prefix"]).span),
        "azurerm_subnet.nodes.address_prefixes[0]"
    );
    assert_eq!(
        aks.refs,
        vec![
            (
                "default_node_pool.vnet_subnet_id".to_string(),
                "azurerm_subnet.nodes".to_string()
            ),
            (
                "tags.prefix".to_string(),
                "azurerm_subnet.nodes".to_string()
            ),
            (
                "tags.subnet".to_string(),
                "azurerm_subnet.nodes".to_string()
            ),
        ]
    );
}

#[test]
fn count_and_for_each_expand_instances() {
    let t = main_tf(
        r#"variable "subnets" {
  default = {
    system = "10.0.0.0/24"
    user   = "10.0.1.0/24"
  }
}
resource "azurerm_subnet" "s" {
  for_each         = var.subnets
  name             = "snet-${each.key}"
  address_prefixes = [each.value]
}
resource "azurerm_network_security_group" "n" {
  count = 2
  name  = "nsg-${count.index}"
}
resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.s["user"].id
  network_security_group_id = azurerm_network_security_group.n[1].id
  name_check                = azurerm_network_security_group.n[1].name
}
"#,
    );
    let ev = t.eval();
    assert_eq!(
        addresses(&ev),
        vec![
            "azurerm_subnet.s[\"system\"]",
            "azurerm_subnet.s[\"user\"]",
            "azurerm_network_security_group.n[0]",
            "azurerm_network_security_group.n[1]",
            "azurerm_subnet_network_security_group_association.a",
        ]
    );
    let user = res(&ev, "azurerm_subnet.s[\"user\"]");
    assert_eq!(s(user, &["name"]), "snet-user");
    let prefix = &at(user, &["address_prefixes"]).as_array().expect("array")[0];
    assert_eq!(prefix.as_str(), Some("10.0.1.0/24"));
    assert_eq!(t.text(prefix.span), "each.value");
    let assoc = res(&ev, "azurerm_subnet_network_security_group_association.a");
    assert_eq!(s(assoc, &["name_check"]), "nsg-1");
    assert!(assoc
        .refs
        .contains(&("subnet_id".into(), "azurerm_subnet.s[\"user\"]".into())));
    assert!(assoc.refs.contains(&(
        "network_security_group_id".into(),
        "azurerm_network_security_group.n[1]".into()
    )));
}

#[test]
fn unknown_count_skips_the_resource_with_a_note() {
    let t = main_tf(
        "data \"azurerm_subnet\" \"s\" {}\nresource \"azurerm_subnet\" \"x\" {\n  count = length(data.azurerm_subnet.s.address_prefixes)\n  name = \"x\"\n}\nresource \"azurerm_subnet\" \"y\" {\n  for_each = data.azurerm_subnet.s.tags\n  name = \"y\"\n}\n",
    );
    let ev = t.eval();
    assert!(ev.resources.is_empty());
    assert_eq!(
        ev.diagnostics
            .iter()
            .filter(|d| d.code == NOTE_CODE)
            .count(),
        2
    );
}

#[test]
fn dynamic_blocks_expand() {
    let t = main_tf(
        r#"locals {
  subnets = { a = "10.0.0.0/24", b = "10.0.1.0/24" }
}
resource "azurerm_virtual_network" "v" {
  dynamic "subnet" {
    for_each = local.subnets
    iterator = sn
    content {
      name           = sn.key
      address_prefix = sn.value
    }
  }
}
"#,
    );
    let ev = t.eval();
    let v = res(&ev, "azurerm_virtual_network.v");
    assert_eq!(
        to_json(&v.values),
        serde_json::json!({"subnet": [
            {"name": "a", "address_prefix": "10.0.0.0/24"},
            {"name": "b", "address_prefix": "10.0.1.0/24"}
        ]})
    );
}

#[test]
fn local_modules_prefix_addresses_and_resolve_outputs() {
    let t = Tree::new(&[
        (
            "root/main.tf",
            r#"module "net" {
  source = "./modules/network"
  prefix = "10.1.0.0/16"
}
module "remote" {
  source = "Azure/aks/azurerm"
}
resource "azurerm_kubernetes_cluster" "aks" {
  default_node_pool {
    vnet_subnet_id = module.net.subnet_id
    pods_cidr      = module.net.cidr
    other          = module.remote.x
  }
}
"#,
        ),
        (
            "root/modules/network/main.tf",
            r#"variable "prefix" {}
resource "azurerm_subnet" "nodes" {
  name             = "snet"
  address_prefixes = [cidrsubnet(var.prefix, 8, 1)]
}
output "subnet_id" {
  value = azurerm_subnet.nodes.id
}
output "cidr" {
  value = azurerm_subnet.nodes.address_prefixes[0]
}
"#,
        ),
    ]);
    let ev = t.eval();
    assert_eq!(
        addresses(&ev),
        vec![
            "azurerm_kubernetes_cluster.aks",
            "module.net.azurerm_subnet.nodes"
        ]
    );
    let sn = res(&ev, "module.net.azurerm_subnet.nodes");
    let p = &at(sn, &["address_prefixes"]).as_array().expect("array")[0];
    assert_eq!(p.as_str(), Some("10.1.1.0/24"));
    assert_eq!(t.text(p.span), "cidrsubnet(var.prefix, 8, 1)");
    let aks = res(&ev, "azurerm_kubernetes_cluster.aks");
    assert_eq!(s(aks, &["default_node_pool", "pods_cidr"]), "10.1.1.0/24");
    assert!(at(aks, &["default_node_pool", "other"]).is_unknown());
    assert!(aks.refs.contains(&(
        "default_node_pool.vnet_subnet_id".into(),
        "module.net.azurerm_subnet.nodes".into()
    )));
    assert!(ev
        .diagnostics
        .iter()
        .any(|d| d.message.contains("remote source")));
    assert_eq!(ev.module_dirs, vec![PathBuf::from("root/modules/network")]);
}

#[test]
fn syntax_errors_are_diagnostics_and_the_rest_still_evaluates() {
    let t = Tree::new(&[
        ("root/broken.tf", "resource \"a\" {\n  = oops\n"),
        (
            "root/main.tf",
            "resource \"azurerm_x\" \"t\" {\n  v = 1\n}\n",
        ),
    ]);
    let ev = t.eval();
    assert_eq!(ev.diagnostics.len(), 1);
    assert_eq!(ev.diagnostics[0].code, "parse-error");
    let span = ev.diagnostics[0].primary.span;
    assert_eq!((span.file, t.text(span)), (FileId(0), "="));
    assert_eq!(addresses(&ev), vec!["azurerm_x.t"]);
}

#[test]
fn hostile_inputs_stay_bounded() {
    // Exponential string growth stops at the size cap.
    let mut locals = String::from("l0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..60 {
        locals.push_str(&format!(
            "l{i} = \"${{local.l{}}}${{local.l{}}}\"\n",
            i - 1,
            i - 1
        ));
    }
    locals.push_str("x = local.l59\n");
    assert!(local_value(&locals).is_unknown());
    // A long chain of locals is cut off rather than overflowing the stack.
    let mut chain = String::new();
    for i in 0..5000 {
        chain.push_str(&format!("c{i} = local.c{}\n", i + 1));
    }
    chain.push_str("c5000 = 1\nx = local.c0\n");
    assert!(local_value(&chain).is_unknown());
    // A huge count is capped.
    let t = main_tf("resource \"azurerm_x\" \"t\" {\n  count = 100000\n}\n");
    assert_eq!(t.eval().resources.len(), super::eval::MAX_INSTANCES);
    // A module that calls itself ends at the depth cap.
    let t = Tree::new(&[(
        "root/main.tf",
        "module \"m\" {\n  source = \"./\"\n}\nresource \"azurerm_x\" \"t\" {}\n",
    )]);
    let ev = t.eval();
    assert!(ev.resources.len() <= 10);
}

#[test]
fn tf_json_documents_evaluate_like_hcl() {
    let text = r#"{
  "variable": {"plugin": {"default": "azure"}},
  "locals": {"name": "snet-${var.plugin}"},
  "resource": {
    "azurerm_subnet": {"nodes": {"name": "${local.name}", "address_prefixes": ["10.0.0.0/24"]}},
    "azurerm_kubernetes_cluster": {"aks": {
      "default_node_pool": {"vnet_subnet_id": "${azurerm_subnet.nodes.id}", "os_type": "Linux"},
      "network_profile": [{"network_plugin": "${var.plugin}"}],
      "dynamic": {"tag": {"for_each": ["a"], "content": {"v": "${tag.value}"}}}
    }}
  }
}"#;
    let t = Tree::new(&[("root/main.tf.json", text)]);
    let ev = t.eval();
    let sn = res(&ev, "azurerm_subnet.nodes");
    assert_eq!(s(sn, &["name"]), "snet-azure");
    assert_eq!(t.text(at(sn, &["name"]).span), "\"${local.name}\"");
    let aks = res(&ev, "azurerm_kubernetes_cluster.aks");
    assert_eq!(
        aks.refs,
        vec![(
            "default_node_pool.vnet_subnet_id".into(),
            "azurerm_subnet.nodes".into()
        )]
    );
    assert_eq!(
        to_json(&aks.values),
        serde_json::json!({
            "default_node_pool": {"vnet_subnet_id": "<unknown>", "os_type": "Linux"},
            "network_profile": [{"network_plugin": "azure"}],
            "tag": {"v": "a"}
        })
    );
}

#[test]
fn terraform_shaped_yaml_and_detection() {
    let yaml = "resource:\n  azurerm_subnet:\n    nodes:\n      name: snet-${var.env}\nvariable:\n  env:\n    default: prod\n";
    let t = Tree::new(&[("root/main.yaml", yaml)]);
    let ev = t.eval();
    assert_eq!(s(res(&ev, "azurerm_subnet.nodes"), &["name"]), "snet-prod");
    let doc = |s: &str| json::parse(FileId(0), s).expect("json");
    assert!(is_tf_json(&doc(
        r#"{"resource": {"azurerm_subnet": {"a": {}}}}"#
    )));
    assert!(is_tf_json(&doc(
        r#"{"module": {"aks": {"source": "./x"}}}"#
    )));
    assert!(!is_tf_json(&doc(r#"{"variable": {"a": {}}}"#)));
    assert!(!is_tf_json(&doc(r#"{"resources": []}"#)));
    assert!(!is_tf_json(&doc(
        r#"{"resource": {"Microsoft.Network/x": {}}}"#
    )));
}

#[test]
fn computed_values_keep_the_instance_they_come_from() {
    let t = Tree::new(&[
        (
            "root/main.tf",
            r#"locals {
  ids = { a = azurerm_subnet.a.id, b = azurerm_subnet.b.id }
}
resource "azurerm_subnet" "a" {}
resource "azurerm_subnet" "b" {}
module "net" {
  source = "./net"
}
resource "azurerm_kubernetes_cluster" "aks" {
  default_node_pool {
    vnet_subnet_id = local.ids.b
  }
  pod_subnet_id = module.net.ids["pods"]
  other_id      = data.azurerm_subnet.existing.id
}
"#,
        ),
        (
            "root/net/main.tf",
            r#"resource "azurerm_subnet" "this" {
  for_each = toset(["nodes", "pods"])
  name     = each.key
}
output "ids" {
  value = { for k, s in azurerm_subnet.this : k => s.id }
}
"#,
        ),
    ]);
    let ev = t.eval();
    let aks = res(&ev, "azurerm_kubernetes_cluster.aks");
    assert_eq!(
        aks.refs,
        vec![
            (
                "default_node_pool.vnet_subnet_id".to_string(),
                "azurerm_subnet.b".to_string()
            ),
            (
                "other_id".to_string(),
                "data.azurerm_subnet.existing".to_string()
            ),
            (
                "pod_subnet_id".to_string(),
                "module.net.azurerm_subnet.this[\"pods\"]".to_string()
            ),
        ]
    );
    // The hidden address is not part of the emitted values.
    let pods = res(&ev, "module.net.azurerm_subnet.this[\"pods\"]");
    assert_eq!(to_json(&pods.values), serde_json::json!({"name": "pods"}));
}

/// Fixture directories on disk, read the way the pipeline will read them.
mod fixtures {
    use super::*;
    use crate::source::{LineCol, SourceMap};

    struct Disk {
        sources: SourceMap,
    }

    impl Disk {
        fn read_dir(&mut self, dir: &Path) -> Vec<ModuleFile> {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return Vec::new();
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            paths.sort();
            paths
                .into_iter()
                .filter_map(|p| {
                    let text = std::fs::read_to_string(&p).ok()?;
                    let file = self.sources.add(p.display().to_string(), text);
                    Some(ModuleFile {
                        file,
                        path: p,
                        text: Arc::clone(&self.sources.get(file).text),
                        parsed: None,
                    })
                })
                .collect()
        }
    }

    pub(super) fn eval_dir(rel: &str) -> (Evaluation, SourceMap) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let mut disk = Disk {
            sources: SourceMap::default(),
        };
        let root = disk.read_dir(&dir);
        let ev = {
            let mut loader = |d: &Path| disk.read_dir(d);
            evaluate_module(&dir, &root, &mut loader)
        };
        (ev, disk.sources)
    }

    fn locate(sources: &SourceMap, span: Span) -> (String, LineCol) {
        let f = sources.get(span.file);
        let name = Path::new(&f.path)
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| f.path.clone());
        (name, f.line_col(span.start as usize))
    }

    /// (fixture dir, resource address, value path) of each failing case's
    /// primary value; where it is (file, line, column, text) is what the
    /// fixture's expectation file (`<dir>.expect`) says the finding points at.
    type Primary = (&'static str, &'static str, &'static [&'static str]);
    const PRIMARY: &[Primary] = &[
        (
            "fixtures/AKS001/fail/terraform-hcl",
            "module.network.azurerm_subnet.nodes",
            &["name"],
        ),
        (
            "fixtures/AKS002/fail/terraform-hcl",
            "azurerm_kubernetes_cluster_node_pool.win[\"win1\"]",
            &["os_type"],
        ),
        (
            "fixtures/AKS003/fail/terraform-hcl",
            "azurerm_kubernetes_cluster.aks",
            &["network_profile", "outbound_type"],
        ),
        (
            "fixtures/AKS004/fail/terraform-hcl",
            "azurerm_subnet.nodes",
            &["address_prefixes"],
        ),
        (
            "fixtures/AKS001/fail/terraform-json",
            "azurerm_subnet.nodes",
            &["name"],
        ),
        (
            "fixtures/AKS002/fail/terraform-json",
            "azurerm_kubernetes_cluster_node_pool.win",
            &["os_type"],
        ),
        (
            "fixtures/AKS003/fail/terraform-json",
            "azurerm_kubernetes_cluster.aks",
            &["network_profile", "outbound_type"],
        ),
        (
            "fixtures/AKS004/fail/terraform-json",
            "azurerm_subnet.nodes",
            &["address_prefixes"],
        ),
        (
            "fixtures/AKS001/fail/terraform-yaml",
            "azurerm_subnet.nodes",
            &["name"],
        ),
        (
            "fixtures/AKS002/fail/terraform-yaml",
            "azurerm_kubernetes_cluster_node_pool.win",
            &["os_type"],
        ),
        (
            "fixtures/AKS003/fail/terraform-yaml",
            "azurerm_kubernetes_cluster.aks",
            &["network_profile", "outbound_type"],
        ),
        (
            "fixtures/AKS004/fail/terraform-yaml",
            "azurerm_subnet.nodes",
            &["address_prefixes"],
        ),
    ];

    /// (file, line, column, text) of the one finding `<dir>.expect` lists.
    fn expected_at(dir: &str) -> (String, usize, usize, String) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{dir}.expect"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{dir}.expect: {e}"));
        let line = text
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .unwrap_or_else(|| panic!("{dir}.expect lists nothing"));
        let mut words = line.splitn(3, ' ');
        let (_code, location, quoted) = (words.next(), words.next(), words.next());
        let location = location.unwrap_or_else(|| panic!("{dir}.expect: `{line}`"));
        let mut parts = location.rsplitn(3, ':');
        let number = |n: Option<&str>| -> usize {
            n.and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{dir}.expect: `{line}`"))
        };
        let column = number(parts.next());
        let line_no = number(parts.next());
        let file = parts.next().unwrap_or_default();
        let parent = Path::new(dir)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let quoted = quoted.unwrap_or_else(|| panic!("{dir}.expect: no text in `{line}`"));
        let text: String = serde_json::from_str(quoted.trim())
            .unwrap_or_else(|e| panic!("{dir}.expect: `{line}`: {e}"));
        (
            parent.join(file).display().to_string(),
            line_no,
            column,
            text,
        )
    }

    #[test]
    fn every_fixture_evaluates_cleanly() {
        for family in ["terraform-hcl", "terraform-json", "terraform-yaml"] {
            for rule in ["AKS001", "AKS002", "AKS003", "AKS004"] {
                for case in ["fail", "pass"] {
                    let rel = format!("fixtures/{rule}/{case}/{family}");
                    let (ev, _) = eval_dir(&rel);
                    assert!(ev.diagnostics.is_empty(), "{rel}: {:?}", ev.diagnostics);
                    assert!(
                        ev.resources
                            .iter()
                            .any(|r| r.resource_type == "azurerm_kubernetes_cluster"),
                        "{rel}: {:?}",
                        addresses(&ev)
                    );
                    for r in &ev.resources {
                        assert!(
                            !r.values.contains_unknown() || !r.refs.is_empty(),
                            "{rel}: {} has unknowns but no references: {:?}",
                            r.address,
                            r.values
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn failing_fixtures_put_the_primary_value_where_the_expectation_says() {
        for (rel, address, path) in PRIMARY {
            let (file, line, column, text) = expected_at(rel);
            let (ev, sources) = eval_dir(rel);
            let r = res(&ev, address);
            let node = at(r, path);
            let node = node.as_array().and_then(|a| a.first()).unwrap_or(node);
            let (f, lc) = locate(&sources, node.span);
            assert_eq!(
                (
                    f.as_str(),
                    lc.line,
                    lc.column,
                    sources.get(node.span.file).slice(node.span)
                ),
                (file.as_str(), line, column, text.as_str()),
                "{rel}"
            );
        }
    }

    #[test]
    fn module_fixture_links_the_pool_to_the_module_subnet() {
        for case in ["fail", "pass"] {
            let (ev, _) = eval_dir(&format!("fixtures/AKS001/{case}/terraform-hcl"));
            let aks = res(&ev, "azurerm_kubernetes_cluster.aks");
            assert!(aks.refs.contains(&(
                "default_node_pool.vnet_subnet_id".into(),
                "module.network.azurerm_subnet.nodes".into()
            )));
            let assoc = ev
                .resources
                .iter()
                .find(|r| r.resource_type == "azurerm_subnet_network_security_group_association");
            match (case, assoc) {
                ("fail", None) => {}
                ("pass", Some(a)) => assert!(a.refs.contains(&(
                    "subnet_id".into(),
                    "module.network.azurerm_subnet.nodes".into()
                ))),
                other => panic!(
                    "{case}: unexpected association {:?}",
                    other.1.map(|a| &a.address)
                ),
            }
        }
    }
}

#[test]
fn deep_nesting_fits_in_a_small_stack() {
    // Chains of locals, each nested as deeply as the parser allows, run on a
    // thread with a 2 MiB stack (rayon's default).
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let mut locals = String::new();
            for i in 0..60 {
                let open = "concat([".repeat(15);
                let close = "])".repeat(15);
                locals.push_str(&format!("l{i} = {open}local.l{}{close}\n", i + 1));
            }
            locals.push_str("l60 = 1\nx = local.l0\n");
            let v = local_value(&locals);
            assert!(v.contains_unknown() || v.as_array().is_some());
            let mut json = String::from(r#"{"resource": {"azurerm_x": {"t": {"v": "#);
            json.push_str(&"[".repeat(500));
            json.push_str(&"]".repeat(500));
            json.push_str("}}}}");
            let t = Tree::new(&[("root/main.tf.json", &json)]);
            let ev = t.eval();
            assert_eq!(ev.resources.len(), 1);
        })
        .expect("thread");
    assert!(handle.join().is_ok());
}

#[test]
fn modules_with_count_and_for_each_expand() {
    let t = Tree::new(&[
        (
            "root/main.tf",
            r#"module "spoke" {
  source   = "./spoke"
  for_each = { a = "10.1.0.0/16", b = "10.2.0.0/16" }
  cidr     = each.value
}
module "c" {
  source = "./spoke"
  count  = 2
  cidr   = "10.${count.index + 5}.0.0/16"
}
resource "azurerm_x" "t" {
  a   = module.spoke["b"].cidr_out
  all = [for k, v in module.spoke : v.cidr_out]
  c   = module.c[1].cidr_out
  id  = module.spoke["a"].id
}
"#,
        ),
        (
            "root/spoke/main.tf",
            r#"variable "cidr" {}
resource "azurerm_subnet" "s" {
  address_prefixes = [cidrsubnet(var.cidr, 8, 0)]
}
output "cidr_out" {
  value = azurerm_subnet.s.address_prefixes[0]
}
output "id" {
  value = azurerm_subnet.s.id
}
"#,
        ),
    ]);
    let ev = t.eval();
    assert_eq!(
        addresses(&ev),
        vec![
            "azurerm_x.t",
            "module.spoke[\"a\"].azurerm_subnet.s",
            "module.spoke[\"b\"].azurerm_subnet.s",
            "module.c[0].azurerm_subnet.s",
            "module.c[1].azurerm_subnet.s",
        ]
    );
    let x = res(&ev, "azurerm_x.t");
    assert_eq!(s(x, &["a"]), "10.2.0.0/24");
    assert_eq!(s(x, &["c"]), "10.6.0.0/24");
    assert_eq!(
        to_json(at(x, &["all"])),
        serde_json::json!(["10.1.0.0/24", "10.2.0.0/24"])
    );
    assert!(x
        .refs
        .contains(&("id".into(), "module.spoke[\"a\"].azurerm_subnet.s".into())));
}

#[test]
fn parsed_documents_evaluate_without_a_directory() {
    let yaml = "resource:\n  azurerm_subnet:\n    a:\n      name: \"${local.n}\"\nlocals:\n  n: snet-a\nmodule:\n  net:\n    source: ./net\n";
    let docs = crate::syntax::yaml::parse(FileId(0), yaml).expect("yaml");
    let refs: Vec<&Node> = docs.iter().collect();
    let ev = super::evaluate_documents(&refs);
    assert_eq!(addresses(&ev), vec!["azurerm_subnet.a"]);
    assert_eq!(s(&ev.resources[0], &["name"]), "snet-a");
    assert!(ev
        .diagnostics
        .iter()
        .any(|d| d.message.contains("no Terraform files")));
}

#[test]
fn range_and_substr() {
    assert_eq!(local_json("x = range(3)"), serde_json::json!([0, 1, 2]));
    assert_eq!(
        local_json("x = range(1, 7, 2)"),
        serde_json::json!([1, 3, 5])
    );
    assert_eq!(local_json("x = range(3, 0)"), serde_json::json!([3, 2, 1]));
    assert!(local_value("x = range(100000)").is_unknown());
    assert_eq!(local_str("x = substr(\"hello world\", 1, 4)"), "ello");
    assert_eq!(local_str("x = substr(\"hello\", -3, -1)"), "llo");
    assert_eq!(
        local_json("x = {for i in range(2) : \"worker${i}\" => i}"),
        serde_json::json!({"worker0": 0, "worker1": 1})
    );
}

#[test]
fn variable_types_fill_optional_attributes() {
    let t = Tree::new(&[
        (
            "root/variables.tf",
            r#"variable "pools" {
  type = map(object({
    name      = string
    max_pods  = optional(number, 30)
    kubelet   = optional(object({ x = string }))
    count     = number
    zones     = optional(set(string), ["3", "1", "1"])
  }))
  default = {
    a = { name = "a", count = "3" }
  }
}
"#,
        ),
        (
            "root/main.tf",
            r#"resource "azurerm_kubernetes_cluster_node_pool" "p" {
  for_each   = var.pools
  name       = each.value.name
  max_pods   = each.value.max_pods
  node_count = each.value.count
  has_kubelet = each.value.kubelet == null ? "no" : "yes"
  zones      = each.value.zones
}
"#,
        ),
    ]);
    let ev = t.eval();
    let p = res(&ev, "azurerm_kubernetes_cluster_node_pool.p[\"a\"]");
    assert_eq!(
        to_json(&p.values),
        serde_json::json!({"name": "a", "max_pods": 30, "node_count": 3, "has_kubelet": "no", "zones": ["1", "3"]})
    );
}

#[test]
fn override_files_merge_into_declarations() {
    let t = Tree::new(&[
        (
            "root/main.tf",
            "resource \"azurerm_subnet\" \"s\" {\n  name = \"a\"\n  address_prefixes = [\"10.0.0.0/24\"]\n  delegation {\n    name = \"x\"\n  }\n}\nvariable \"v\" {\n  default = 1\n}\n",
        ),
        (
            "root/main_override.tf",
            "resource \"azurerm_subnet\" \"s\" {\n  name = \"b\"\n  delegation {\n    name = \"y\"\n  }\n}\nvariable \"v\" {\n  default = 2\n}\n",
        ),
        (
            "root/other.tf",
            "resource \"azurerm_x\" \"t\" {\n  v = var.v\n}\n",
        ),
    ]);
    let ev = t.eval();
    assert_eq!(addresses(&ev), vec!["azurerm_subnet.s", "azurerm_x.t"]);
    assert_eq!(
        to_json(&res(&ev, "azurerm_subnet.s").values),
        serde_json::json!({"address_prefixes": ["10.0.0.0/24"], "name": "b", "delegation": {"name": "y"}})
    );
    assert_eq!(
        to_json(at(res(&ev, "azurerm_x.t"), &["v"])),
        serde_json::json!(2)
    );
}

#[test]
fn dynamic_blocks_over_lists_and_conditions() {
    let t = main_tf(
        r#"variable "auto" {
  default = false
}
variable "kubelet" {
  default = [{ pod_max_pid = 100 }]
}
resource "azurerm_kubernetes_cluster" "k" {
  dynamic "default_node_pool" {
    for_each = var.auto ? ["auto"] : []
    content {
      name = "auto"
    }
  }
  dynamic "default_node_pool" {
    for_each = var.auto ? [] : ["manual"]
    content {
      name = default_node_pool.value
      dynamic "kubelet_config" {
        for_each = var.kubelet
        content {
          pod_max_pid = kubelet_config.value.pod_max_pid
        }
      }
    }
  }
  dynamic "api_server_access_profile" {
    for_each = []
    content {}
  }
}
"#,
    );
    let ev = t.eval();
    assert_eq!(
        to_json(&res(&ev, "azurerm_kubernetes_cluster.k").values),
        serde_json::json!({"default_node_pool": {"name": "manual", "kubelet_config": {"pod_max_pid": 100}}})
    );
}

#[test]
fn a_large_configuration_evaluates_quickly() {
    let mut text = String::from("locals {\n  subnets = {\n");
    for i in 0..400 {
        text.push_str(&format!("    s{i} = cidrsubnet(\"10.0.0.0/8\", 16, {i})\n"));
    }
    text.push_str("  }\n}\n");
    text.push_str("resource \"azurerm_subnet\" \"s\" {\n  for_each = local.subnets\n  name = each.key\n  address_prefixes = [each.value]\n}\n");
    for i in 0..400 {
        text.push_str(&format!(
            "resource \"azurerm_kubernetes_cluster_node_pool\" \"p{i}\" {{\n  name = \"p{i}\"\n  vnet_subnet_id = azurerm_subnet.s[\"s{i}\"].id\n  tag = azurerm_subnet.s[\"s{i}\"].address_prefixes[0]\n}}\n"
        ));
    }
    let t = main_tf(&text);
    let started = std::time::Instant::now();
    let ev = t.eval();
    assert_eq!(ev.resources.len(), 800);
    assert!(ev.diagnostics.is_empty(), "{:?}", ev.diagnostics.first());
    let p = res(&ev, "azurerm_kubernetes_cluster_node_pool.p399");
    assert_eq!(s(p, &["tag"]), "10.1.143.0/24");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "resource ",
        "\"azurerm_subnet\" ",
        "\"a\" ",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "\n",
        "=",
        "locals",
        "variable",
        "module",
        "output",
        "count",
        "for_each",
        "each.key",
        "count.index",
        "local.a",
        "local.b",
        "var.v",
        "azurerm_subnet.a.id",
        "azurerm_subnet.a[0]",
        "module.m.x",
        "\"${",
        "}\"",
        "%{if true}",
        "%{endif}",
        "? ",
        ": ",
        "for x in ",
        " => ",
        "...",
        "[*]",
        ".*",
        "cidrsubnet(",
        "\"10.0.0.0/8\"",
        ", ",
        "8",
        "-1",
        "99999999999999999999",
        "1.5",
        "null",
        "true",
        "try(",
        "can(",
        "concat(",
        "merge(",
        "range(",
        "format(\"%s%d\"",
        "a = ",
        "b = ",
        "dynamic \"x\" ",
        "content ",
        "source = \"./\"",
        "<<EOT\nx\nEOT\n",
        "!",
        "&&",
        "%",
    ];

    fn eval_text(text: &str) -> Evaluation {
        let t = Tree::new(&[("root/main.tf", text)]);
        t.eval()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn token_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 0..80)) {
            let text: String = idx.iter().map(|i| TOKENS[*i]).collect();
            let _ = eval_text(&text);
        }

        #[test]
        fn json_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 0..30)) {
            let inner: String = idx.iter().map(|i| TOKENS[*i]).collect();
            let doc = serde_json::json!({
                "locals": {"a": inner.clone(), "b": [inner.clone(), {"k": inner.clone()}]},
                "resource": {"azurerm_subnet": {"a": {"count": inner.clone(), "name": "${local.a}", "x": inner}}}
            });
            let t = Tree::new(&[("root/main.tf.json", &doc.to_string())]);
            let _ = t.eval();
        }
    }

    /// Well-formed expressions built from the constructs the evaluator knows.
    fn expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            (-3i64..300).prop_map(|i| i.to_string()),
            Just("\"10.1.0.0/16\"".to_string()),
            Just("\"a\"".to_string()),
            Just("null".to_string()),
            Just("true".to_string()),
            (0..5u8).prop_map(|i| format!("local.l{i}")),
            Just("var.v".to_string()),
            Just("var.m".to_string()),
            Just("azurerm_subnet.s".to_string()),
            Just("azurerm_subnet.s[0].name".to_string()),
            Just("data.azurerm_subnet.d.id".to_string()),
            Just("module.m.o".to_string()),
        ];
        leaf.prop_recursive(4, 48, 4, |inner| {
            let fns = prop_oneof![
                Just("cidrsubnet"),
                Just("cidrhost"),
                Just("cidrsubnets"),
                Just("concat"),
                Just("merge"),
                Just("lookup"),
                Just("element"),
                Just("length"),
                Just("format"),
                Just("join"),
                Just("split"),
                Just("replace"),
                Just("toset"),
                Just("tomap"),
                Just("tostring"),
                Just("tonumber"),
                Just("coalesce"),
                Just("try"),
                Just("can"),
                Just("flatten"),
                Just("keys"),
                Just("values"),
                Just("contains"),
                Just("max"),
                Just("range"),
                Just("substr"),
                Just("upper"),
                Just("sha1"),
            ];
            prop_oneof![
                (fns, proptest::collection::vec(inner.clone(), 0..4))
                    .prop_map(|(f, a)| format!("{f}({})", a.join(", "))),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
                (
                    inner.clone(),
                    inner.clone(),
                    prop_oneof![
                        Just("+"),
                        Just("*"),
                        Just("%"),
                        Just("=="),
                        Just("<"),
                        Just("&&")
                    ]
                )
                    .prop_map(|(a, b, o)| format!("({a} {o} {b})")),
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{{ k = {a}, j = {b} }}")),
                (inner.clone(), inner.clone()).prop_map(|(c, v)| format!("[for x in {c} : {v}]")),
                (inner.clone(), inner.clone())
                    .prop_map(|(c, v)| format!("{{for k, x in {c} : k => {v}...}}")),
                inner
                    .clone()
                    .prop_map(|a| format!("\"p-${{{a}}}-%{{if {a} == 1}}y%{{endif}}\"")),
                (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("{a}[{i}]")),
                inner.clone().prop_map(|a| format!("{a}[*].k")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn generated_configurations_never_panic(ls in proptest::collection::vec(expr(), 5), c in expr(), a in expr()) {
            let mut text = String::from("variable \"v\" {\n  default = 3\n}\nvariable \"m\" {\n  default = { a = \"10.0.0.0/8\" }\n}\nlocals {\n");
            for (i, l) in ls.iter().enumerate() {
                text.push_str(&format!("  l{i} = {l}\n"));
            }
            text.push_str(&format!("}}\nresource \"azurerm_subnet\" \"s\" {{\n  count = {c}\n  name = {a}\n  for_each_like = each.key\n}}\n"));
            text.push_str("module \"m\" {\n  source = \"./\"\n}\ndata \"azurerm_subnet\" \"d\" {}\n");
            let _ = eval_text(&text);
        }
    }

    #[test]
    fn truncated_fixtures_never_panic() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/AKS002/fail/terraform-hcl/main.tf");
        let text = std::fs::read_to_string(dir).expect("fixture");
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                let _ = eval_text(&text[..cut]);
            }
            cut += 13;
        }
    }
}

#[test]
fn single_blocks_index_like_lists_of_one() {
    let t = main_tf(
        r#"resource "azurerm_kubernetes_cluster" "k" {
  network_profile {
    pod_cidr = "10.244.0.0/16"
  }
}
resource "azurerm_x" "t" {
  cidr      = azurerm_kubernetes_cluster.k.network_profile[0].pod_cidr
  principal = azurerm_kubernetes_cluster.k.kubelet_identity[0].object_id
}
"#,
    );
    let ev = t.eval();
    let x = res(&ev, "azurerm_x.t");
    assert_eq!(s(x, &["cidr"]), "10.244.0.0/16");
    assert!(at(x, &["principal"]).is_unknown());
}

#[test]
fn a_directory_may_mix_hcl_json_and_tfvars_json() {
    let t = Tree::new(&[
        ("root/variables.tf", "variable \"cidr\" {\n  default = \"10.0.0.0/16\"\n}\n"),
        ("root/terraform.tfvars.json", r#"{"cidr": "10.9.0.0/16"}"#),
        (
            "root/net.tf.json",
            r#"{"resource": {"azurerm_subnet": {"nodes": {"name": "n", "address_prefixes": ["${cidrsubnet(var.cidr, 8, 0)}"]}}}}"#,
        ),
        (
            "root/main.tf",
            "resource \"azurerm_kubernetes_cluster\" \"k\" {\n  default_node_pool {\n    vnet_subnet_id = azurerm_subnet.nodes.id\n    note = azurerm_subnet.nodes.address_prefixes[0]\n  }\n}\n",
        ),
        ("root/README.md", "# not Terraform"),
        ("root/k8s.yaml", "apiVersion: v1\nkind: ConfigMap\n"),
    ]);
    let ev = t.eval();
    assert!(ev.diagnostics.is_empty(), "{:?}", ev.diagnostics);
    let k = res(&ev, "azurerm_kubernetes_cluster.k");
    assert_eq!(s(k, &["default_node_pool", "note"]), "10.9.0.0/24");
    assert!(k.refs.contains(&(
        "default_node_pool.vnet_subnet_id".into(),
        "azurerm_subnet.nodes".into()
    )));
}

#[test]
fn module_inputs_are_evaluated_when_used() {
    let t = Tree::new(&[
        (
            "root/main.tf",
            r#"module "a" {
  source = "./m"
  input  = module.b.constant
}
module "b" {
  source = "./m"
  input  = module.a.echo
}
module "c" {
  source = "./m"
  input  = module.c.constant
}
resource "azurerm_x" "t" {
  a = module.a.echo
  b = module.b.echo
  c = module.c.echo
}
"#,
        ),
        (
            "root/m/main.tf",
            "variable \"input\" {}\noutput \"constant\" {\n  value = \"k\"\n}\noutput \"echo\" {\n  value = \"got-${var.input}\"\n}\n",
        ),
    ]);
    let ev = t.eval();
    let x = res(&ev, "azurerm_x.t");
    assert_eq!(s(x, &["a"]), "got-k");
    assert_eq!(s(x, &["b"]), "got-got-k");
    assert_eq!(s(x, &["c"]), "got-k");
}

/// HCL into the model: tag maps (literal, merged, from a variable without a
/// value) and the 3.x HTTP application routing argument.
#[test]
fn tags_and_http_application_routing_reach_the_model() {
    let t = main_tf(
        r#"variable "tags" {}
variable "env" { default = "prod" }
locals { common = { Owner = "net" } }
resource "azurerm_kubernetes_cluster" "aks" {
  name                             = "aks1"
  resource_group_name              = "rg"
  http_application_routing_enabled = true
  default_node_pool {
    name       = "sys"
    node_count = 1
    tags       = { tier = "system" }
  }
  tags = merge(local.common, { Env = var.env })
}
resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id
  tags                  = var.tags
}
resource "azurerm_virtual_network" "v" {
  name                = "v"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
  tags                = { "cost-center" = 42 }
}
"#,
    );
    let ev = t.eval();
    let mut b = crate::model::InventoryBuilder::default();
    crate::ingest::terraform::ingest_tf(&mut b, &ev.resources);
    let inv = b.finish();
    let c = &inv.clusters[0];
    assert_eq!(c.addons.http_application_routing.known(), Some(&true));
    let env = c.tags.lookup("env");
    assert_eq!(env.known().map(|s| s.as_str()), Some("prod"));
    assert_eq!(t.text(env.span().unwrap_or_default()), "var.env");
    assert_eq!(
        c.tags.lookup("OWNER").known().map(|s| s.as_str()),
        Some("net")
    );
    let sys = &inv.pools[c.pools[0]];
    assert_eq!(
        sys.tags.lookup("tier").known().map(|s| s.as_str()),
        Some("system")
    );
    let user = &inv.pools[c.pools[1]];
    assert!(user.tags.is_unknown());
    assert_eq!(
        t.text(user.tags.unknown_span().unwrap_or_default()),
        "var.tags"
    );
    assert_eq!(
        inv.vnets[0]
            .tags
            .lookup("Cost-Center")
            .known()
            .map(|s| s.as_str()),
        Some("42")
    );
}
