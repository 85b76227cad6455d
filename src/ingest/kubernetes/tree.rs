//! Building new spanned nodes out of manifest nodes: every value keeps the
//! span of the text it came from, so findings point into the manifest.

use crate::source::Span;
use crate::syntax::{Entry, Node, NodeKind};

/// `vnetSubnetId` → `vnet_subnet_id`, `vnetSubnetID` → `vnet_subnet_id`,
/// `NATGateway` → `nat_gateway`, `ipv4Enabled` → `ipv4_enabled`.
pub fn snake_case(camel: &str) -> String {
    let chars: Vec<char> = camel.chars().collect();
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            // A new word starts after a lowercase letter or digit, or where an
            // acronym ends and a capitalised word begins (`NATGateway`).
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `kubernetes_cluster` → `KubernetesCluster`.
pub fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// True for text that a template tool fills in before applying: clusterctl's
/// and envsubst's `${VAR}`, uptest's `${Rand.RFC1123Subdomain}`.
pub fn is_template_text(s: &str) -> bool {
    s.contains("${")
}

/// A deep copy in which template placeholders are unknown values.
pub fn resolved(node: &Node) -> Node {
    match &node.kind {
        NodeKind::String(s) if is_template_text(s) => Node::unknown(node.span, s.clone()),
        NodeKind::Array(items) => Node::new(
            node.span,
            NodeKind::Array(items.iter().map(resolved).collect()),
        ),
        NodeKind::Object(entries) => Node::new(
            node.span,
            NodeKind::Object(
                entries
                    .iter()
                    .map(|e| Entry {
                        key: e.key.clone(),
                        key_span: e.key_span,
                        value: resolved(&e.value),
                    })
                    .collect(),
            ),
        ),
        _ => node.clone(),
    }
}

pub fn entry(key: impl Into<String>, key_span: Span, value: Node) -> Entry {
    Entry {
        key: key.into(),
        key_span,
        value,
    }
}

pub fn object(span: Span, entries: Vec<Entry>) -> Node {
    Node::new(span, NodeKind::Object(entries))
}

/// A string value as text, when it is a plain (non-template) string.
pub fn text(node: Option<&Node>) -> Option<&str> {
    node.and_then(Node::as_str).filter(|s| !is_template_text(s))
}

/// One segment of a Crossplane field path (`spec.forProvider.a[0].b[key.with.dots]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Splits a field path into keys and indices; brackets may hold keys with dots.
pub fn parse_field_path(path: &str) -> Vec<Segment> {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut segs, &mut cur),
            '[' => {
                flush(&mut segs, &mut cur);
                let inner: String = chars.by_ref().take_while(|&c| c != ']').collect();
                let inner = inner.trim_matches(|c| c == '"' || c == '\'');
                segs.push(match inner.parse() {
                    Ok(i) => Segment::Index(i),
                    Err(_) => Segment::Key(inner.to_string()),
                });
            }
            _ => cur.push(c),
        }
    }
    flush(&mut segs, &mut cur);
    segs
}

fn flush(segs: &mut Vec<Segment>, cur: &mut String) {
    if !cur.is_empty() {
        segs.push(Segment::Key(std::mem::take(cur)));
    }
}

/// Largest list index a patch may create: a bigger one is a typo, not a list.
const MAX_CREATED_INDEX: usize = 64;

/// Sets the value at `path` to `value`, creating the objects and list items on
/// the way. Gives up quietly where the path runs through a scalar.
pub fn set_path(node: &mut Node, path: &[Segment], value: Node) {
    let Some((first, rest)) = path.split_first() else {
        *node = value;
        return;
    };
    let span = value.span;
    if node.is_null() {
        *node = match first {
            Segment::Key(_) => object(span, Vec::new()),
            Segment::Index(_) => Node::new(span, NodeKind::Array(Vec::new())),
        };
    }
    match (first, &mut node.kind) {
        (Segment::Key(k), NodeKind::Object(entries)) => {
            let i = match entries.iter().position(|e| e.key == *k) {
                Some(i) => i,
                None => {
                    entries.push(entry(k.clone(), span, Node::new(span, NodeKind::Null)));
                    entries.len() - 1
                }
            };
            set_path(&mut entries[i].value, rest, value);
        }
        (Segment::Index(i), NodeKind::Array(items)) if *i <= MAX_CREATED_INDEX => {
            while items.len() <= *i {
                items.push(Node::new(span, NodeKind::Null));
            }
            set_path(&mut items[*i], rest, value);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_to_snake() {
        for (camel, snake) in [
            ("vnetSubnetId", "vnet_subnet_id"),
            ("vnetSubnetID", "vnet_subnet_id"),
            ("podCidr", "pod_cidr"),
            ("dnsServiceIp", "dns_service_ip"),
            ("dnsServiceIP", "dns_service_ip"),
            ("addressPrefixes", "address_prefixes"),
            ("osType", "os_type"),
            ("maxPods", "max_pods"),
            ("defaultNodePool", "default_node_pool"),
            ("networkProfile", "network_profile"),
            ("nextHopInIpAddress", "next_hop_in_ip_address"),
            ("NATGateway", "nat_gateway"),
            ("PublicIP", "public_ip"),
            ("ipv4Enabled", "ipv4_enabled"),
            ("osDiskSizeGb", "os_disk_size_gb"),
            ("name", "name"),
            ("", ""),
        ] {
            assert_eq!(snake_case(camel), snake, "{camel}");
        }
    }

    #[test]
    fn snake_to_pascal() {
        assert_eq!(pascal_case("kubernetes_cluster"), "KubernetesCluster");
        assert_eq!(pascal_case("subnet"), "Subnet");
    }

    #[test]
    fn field_paths_with_bracketed_keys() {
        use Segment::*;
        assert_eq!(
            parse_field_path("spec.forProvider.pool[0].matchLabels[azure.io/network-id]"),
            vec![
                Key("spec".into()),
                Key("forProvider".into()),
                Key("pool".into()),
                Index(0),
                Key("matchLabels".into()),
                Key("azure.io/network-id".into()),
            ]
        );
        assert_eq!(parse_field_path(""), Vec::<Segment>::new());
        assert_eq!(
            parse_field_path("a[\"b.c\"]"),
            vec![Key("a".into()), Key("b.c".into())]
        );
    }

    #[test]
    fn set_path_creates_and_ignores_scalars() {
        let sp = Span::default();
        let mut n = object(sp, Vec::new());
        let path = parse_field_path("spec.forProvider.pools[1].maxPods");
        set_path(&mut n, &path, Node::unknown(sp, "patch"));
        let pools = n
            .path(&["spec", "forProvider", "pools"])
            .and_then(Node::as_array);
        assert_eq!(pools.map(<[Node]>::len), Some(2));
        assert!(pools.is_some_and(|p| p[1].get("maxPods").is_some_and(Node::is_unknown)));
        // Through a scalar: nothing happens, nothing panics.
        let mut s = Node::string(sp, "x");
        set_path(&mut s, &parse_field_path("a.b"), Node::unknown(sp, "patch"));
        assert_eq!(s.as_str(), Some("x"));
        // A huge index is not a list anyone wrote.
        set_path(
            &mut n,
            &parse_field_path("list[100000]"),
            Node::unknown(sp, "p"),
        );
        assert!(n
            .get("list")
            .and_then(Node::as_array)
            .is_some_and(<[Node]>::is_empty));
    }

    #[test]
    fn placeholders_become_unknown() {
        let sp = Span::default();
        let n = object(
            sp,
            vec![
                entry("name", sp, Node::string(sp, "${CLUSTER_NAME}")),
                entry("x", sp, Node::string(sp, "y")),
            ],
        );
        let r = resolved(&n);
        assert!(r.get("name").is_some_and(Node::is_unknown));
        assert_eq!(r.get("x").and_then(Node::as_str), Some("y"));
    }
}
