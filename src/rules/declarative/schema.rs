//! The JSON Schema of the rule format (`akslint schema rules`), for editors.
//! `rules/schema.json` is a committed copy; a test keeps them equal
//! (`AKSLINT_UPDATE_SCHEMA=1 cargo test --lib schema` rewrites it).

use serde_json::{json, Map, Value};

use super::fields::Kind;

const LEAF_OPERATORS: &[(&str, &str)] = &[
    ("exists", "true: the value is set (written, defaulted or unknown), or the list is non-empty."),
    ("stated", "true: the value is written in the input (known or unknown); false for defaults and absent values."),
    ("unknown", "true: the value is written in the input but akslint cannot evaluate it (a runtime reference, an unknown-until-apply value)."),
    ("equals", "Equal to the value (strings compare case-insensitively unless caseSensitive)."),
    ("notEquals", "Not equal to the value; TRUE when the field is absent."),
    ("in", "Equal to one of the values."),
    ("notIn", "Equal to none of the values; TRUE when the field is absent."),
    ("matches", "Matches the regular expression (Rust `regex` syntax, unanchored: use ^…$)."),
    ("startsWith", "The string starts with this text."),
    ("endsWith", "The string ends with this text."),
    ("contains", "The string contains this text; on a list field, the list has this element."),
    ("greater", "The integer is greater than this."),
    ("greaterOrEquals", "The integer is at least this."),
    ("less", "The integer is less than this."),
    ("lessOrEquals", "The integer is at most this."),
    ("cidrWithin", "The prefix lies inside one of these CIDRs, or of the prefixes of {field: PATH} on the checked object."),
    ("cidrOverlaps", "The prefix overlaps one of these CIDRs, or of the prefixes of {field: PATH}."),
    ("cidrContainsAddress", "The prefix contains this IP address."),
    ("prefixAtMost", "The prefix length is at most this (a /16 is at most /20)."),
    ("prefixAtLeast", "The prefix length is at least this."),
];

fn operand(op: &str) -> Value {
    let scalar = json!({ "type": ["string", "number", "boolean"] });
    let cidrs = json!({ "anyOf": [
        { "type": "string" },
        { "type": "array", "items": { "type": "string" }, "minItems": 1 },
        { "type": "object", "properties": { "field": { "$ref": "#/$defs/path" } }, "required": ["field"], "additionalProperties": false }
    ] });
    match op {
        "exists" | "stated" | "unknown" => json!({ "type": "boolean" }),
        "in" | "notIn" => json!({ "type": "array", "items": scalar, "minItems": 1 }),
        "matches" | "startsWith" | "endsWith" | "cidrContainsAddress" => {
            json!({ "type": "string" })
        }
        "greater" | "greaterOrEquals" | "less" | "lessOrEquals" => json!({ "type": "integer" }),
        "prefixAtMost" | "prefixAtLeast" => {
            json!({ "type": "integer", "minimum": 0, "maximum": 128 })
        }
        "cidrWithin" | "cidrOverlaps" => cidrs,
        _ => scalar,
    }
}

fn leaf() -> Value {
    let mut props = Map::new();
    props.insert("field".into(), json!({ "$ref": "#/$defs/path" }));
    props.insert("caseSensitive".into(), json!({ "type": "boolean", "description": "Compare strings case-sensitively (default: case-insensitive, as Azure does)." }));
    let mut one_of = Vec::new();
    for (op, doc) in LEAF_OPERATORS {
        let mut schema = operand(op);
        if let Value::Object(m) = &mut schema {
            m.insert("description".into(), (*doc).into());
        }
        props.insert((*op).into(), schema);
        one_of.push(json!({ "required": [op] }));
    }
    props.insert("any".into(), json!({ "$ref": "#/$defs/condition", "description": "TRUE when the condition holds for some element of the list field (paths relative to the element; `item` is the element)." }));
    props.insert("all".into(), json!({ "$ref": "#/$defs/condition", "description": "TRUE when the condition holds for every element of the list field." }));
    props.insert("count".into(), json!({ "$ref": "#/$defs/count" }));
    for q in ["any", "all", "count"] {
        one_of.push(json!({ "required": [q] }));
    }
    json!({
        "type": "object",
        "description": "A field and exactly one operator.",
        "properties": props,
        "required": ["field"],
        "additionalProperties": false,
        "oneOf": one_of
    })
}

fn check_properties() -> Map<String, Value> {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let mut p = Map::new();
    p.insert(
        "match".into(),
        json!({ "enum": kinds, "description": "The kind of model object the check applies to." }),
    );
    p.insert("where".into(), json!({ "$ref": "#/$defs/condition", "description": "Only objects for which this is TRUE are checked." }));
    p.insert("forEach".into(), json!({ "$ref": "#/$defs/path", "description": "Check once per element of this list field; `item` names the element." }));
    p.insert("assert".into(), json!({ "$ref": "#/$defs/condition", "description": "Must hold: a finding for each object (or item) where it is FALSE. UNKNOWN is silent." }));
    p.insert("message".into(), json!({ "$ref": "#/$defs/template", "description": "The finding's message (default: the summary)." }));
    p.insert("label".into(), json!({ "$ref": "#/$defs/template", "description": "Text at the primary span (default: the failing condition)." }));
    p.insert(
        "help".into(),
        json!({ "$ref": "#/$defs/template", "description": "How to fix." }),
    );
    p.insert("at".into(), json!({
        "description": "Where the finding points: the first path with a value wins (default: the failing value, or its object).",
        "anyOf": [ { "$ref": "#/$defs/path" }, { "type": "array", "items": { "$ref": "#/$defs/path" } } ]
    }));
    p.insert("labels".into(), json!({
        "type": "array",
        "description": "Secondary labels, each shown when its field is written in the input and `when` holds.",
        "items": {
            "type": "object",
            "properties": {
                "field": { "$ref": "#/$defs/path" },
                "when": { "$ref": "#/$defs/condition" },
                "message": { "$ref": "#/$defs/template" }
            },
            "required": ["field", "message"],
            "additionalProperties": false
        }
    }));
    p
}

/// The schema, generated from the format's keys and the registry's kinds.
pub fn rules_schema() -> Value {
    let mut rule = Map::new();
    rule.insert("id".into(), json!({ "type": "string", "pattern": "^[A-Z][A-Z0-9_-]{0,31}$", "description": "The rule's code, like ACME001. User rules must not start with AKS." }));
    rule.insert("name".into(), json!({ "type": "string", "pattern": "^[a-z][a-z0-9]*(-[a-z0-9]+)*$", "description": "Kebab-case name." }));
    rule.insert(
        "severity".into(),
        json!({ "enum": ["error", "warning", "info"] }),
    );
    rule.insert("category".into(), json!({ "type": "string", "description": "ip-planning, compatibility, supportability, security, or a kebab-case word of your own.", "examples": ["ip-planning", "compatibility", "supportability", "security"] }));
    rule.insert(
        "summary".into(),
        json!({ "type": "string", "description": "One line." }),
    );
    rule.insert(
        "url".into(),
        json!({ "type": "string", "pattern": "^https?://" }),
    );
    rule.insert(
        "tags".into(),
        json!({ "type": "array", "items": { "type": "string" } }),
    );
    rule.insert("explanation".into(), json!({ "type": "string", "description": "Markdown shown by `akslint explain`: ## What it checks, ## Why it matters, ## How to fix, ## Example." }));
    let checks = check_properties();
    for (k, v) in &checks {
        rule.insert(k.clone(), v.clone());
    }
    rule.insert(
        "checks".into(),
        json!({ "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/check" } }),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/akslint/akslint/rules/schema.json",
        "title": "akslint rule file",
        "description": "One akslint declarative rule (a YAML file may hold several, separated by ---). Generated by `akslint schema rules`.",
        "type": "object",
        "properties": rule,
        "required": ["id", "name", "severity", "summary"],
        "additionalProperties": false,
        "oneOf": [
            { "required": ["checks"], "not": { "anyOf": [ { "required": ["match"] }, { "required": ["assert"] } ] } },
            { "required": ["match", "assert"], "not": { "required": ["checks"] } }
        ],
        "$defs": {
            "path": {
                "type": "string",
                "pattern": "^[a-z_][a-z0-9_]*(\\.[A-Za-z0-9_-]+)*$",
                "description": "Dot-separated field names relative to the matched object (`network.plugin`, `pools.subnet.nsg`, `tags.env`); `akslint schema model` lists them."
            },
            "template": {
                "type": "string",
                "description": "Text with {{path}} placeholders ({{name}}, {{cluster.name}}, {{value}}, {{item}})."
            },
            "check": {
                "type": "object",
                "properties": checks,
                "required": ["match", "assert"],
                "additionalProperties": false
            },
            "condition": {
                "anyOf": [
                    { "type": "object", "properties": { "allOf": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/condition" } } }, "required": ["allOf"], "additionalProperties": false },
                    { "type": "object", "properties": { "anyOf": { "type": "array", "minItems": 1, "items": { "$ref": "#/$defs/condition" } } }, "required": ["anyOf"], "additionalProperties": false },
                    { "type": "object", "properties": { "not": { "$ref": "#/$defs/condition" } }, "required": ["not"], "additionalProperties": false },
                    { "$ref": "#/$defs/leaf" }
                ]
            },
            "leaf": leaf(),
            "count": {
                "type": "object",
                "description": "Count the elements (that satisfy `where`) and compare.",
                "properties": {
                    "where": { "$ref": "#/$defs/condition" },
                    "equals": { "type": "integer" },
                    "greater": { "type": "integer" },
                    "greaterOrEquals": { "type": "integer" },
                    "less": { "type": "integer" },
                    "lessOrEquals": { "type": "integer" }
                },
                "additionalProperties": false,
                "oneOf": [
                    { "required": ["equals"] }, { "required": ["greater"] }, { "required": ["greaterOrEquals"] },
                    { "required": ["less"] }, { "required": ["lessOrEquals"] }
                ]
            }
        }
    })
}

/// The schema as `akslint schema rules` prints it and `rules/schema.json` holds it.
pub fn rules_schema_text() -> String {
    let mut s = serde_json::to_string_pretty(&rules_schema()).unwrap_or_default();
    s.push('\n');
    s
}
