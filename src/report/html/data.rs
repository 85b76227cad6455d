//! The data block the page's script draws from: one JSON object in a
//! `<script type="application/json" id="data">`. Tables are arrays of rows
//! (arrays, not objects: the key names would be most of an estate's page);
//! `fields` names each table's columns for a reader other than the page, and
//! the comments of `map.rs` and `findings.rs` say what a column holds.

use serde_json::{json, Value};

use super::{findings, map, Anchors, Page};
use crate::capacity::Capacity;

/// Bumped when a table's columns change meaning.
const DATA_VERSION: u32 = 1;

pub(super) fn build(page: &Page<'_>, anchors: &Anchors<'_>, cap: &Capacity) -> Value {
    let inv = page.inventory;
    let mut tables = findings::Tables::default();
    let findings = findings::findings(page, &mut tables);
    let (nsgs, route_tables) = map::attached(inv);
    json!({
        "version": DATA_VERSION,
        "fields": fields(),
        "vnets": map::vnets(inv),
        "subnets": map::subnets(inv, cap),
        "clusters": map::clusters(inv, cap),
        "pools": map::pools(inv),
        "nsgs": nsgs,
        "routeTables": route_tables,
        "files": tables.files,
        "rules": tables.rules,
        "findings": findings,
        "groups": findings::groups(page, anchors),
    })
}

fn fields() -> Value {
    json!({
        "vnets": ["name", "prefixes", "bars", "peerings"],
        "bar": ["prefix", "first", "last", "inSubnets", "size", "segments"],
        "segment": ["subnet", "prefix", "leftPercent", "widthPercent"],
        "subnets": ["name", "prefixes", "vnet", "state", "nsg", "routeTable", "delegations", "capacity"],
        "capacity": ["meterPercent", "needed", "usable", "headroom", "neededWhenFull", "smallestPrefix", "arithmetic"],
        "clusters": ["name", "podAddresses", "podCidrBudget"],
        "podCidrBudget": ["meterPercent", "fits", "nodesNeeded", "nodesItHolds", "podCidr", "smallestPrefix", "arithmetic"],
        "pools": ["name", "label", "cluster", "nodes", "countField", "maxPods", "nodeSubnet", "podSubnet", "nodeSubnetUnknown"],
        "nsgs": ["name", "rules"],
        "routeTables": ["name", "routes"],
        "reference": "index in the table when in the inputs, name when not, -1 when unknown, null when absent",
        "rules": ["code", "name"],
        "findings": ["rule", "severity", "message", "file", "line", "column", "snippet", "labels", "labelsNotListed", "help"],
        "snippet": ["label", "lines"],
        "snippetLine": ["number", "before", "marked", "after"],
        "label": ["file", "line", "column", "message"],
        "groups": ["anchor", "title", "findings"],
    })
}

/// Writes `data` as JSON that cannot end its `<script>` element or open a
/// comment: `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026` (they occur
/// only inside JSON strings, where the escape means the same character), and
/// U+2028/U+2029 are escaped for older script parsers.
pub(super) fn embed(out: &mut String, data: &Value) {
    let json = data.to_string();
    out.reserve(json.len());
    let mut from = 0;
    for (i, c) in json.char_indices() {
        let rep = match c {
            '<' => "\\u003c",
            '>' => "\\u003e",
            '&' => "\\u0026",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            _ => continue,
        };
        out.push_str(&json[from..i]);
        out.push_str(rep);
        from = i + c.len_utf8();
    }
    out.push_str(&json[from..]);
}

#[cfg(test)]
mod tests {
    use super::embed;
    use serde_json::json;

    #[test]
    fn embedded_json_cannot_close_its_script() {
        let v = json!(["</script><!-- & \u{2028}\u{2029}"]);
        let mut out = String::new();
        embed(&mut out, &v);
        assert_eq!(
            out,
            r#"["\u003c/script\u003e\u003c!-- \u0026 \u2028\u2029"]"#
        );
        let back: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert_eq!(back, v);
    }
}
