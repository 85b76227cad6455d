//! Scaffolds a new Rust rule: `cargo run --example new_rule -- AKS306 rule-name placement`.
//!
//! Writes `src/rules/<family>/<rule_name>.rs` (metadata, the four explanation
//! sections, a check that walks the inventory, a unit test), registers it in the
//! family's `mod.rs` and in the static table of `src/rules/mod.rs`, and creates
//! `fixtures/<CODE>/{fail,pass}/` with an ARM template to edit and an `.expect`
//! file. The fixture harness (`tests/fixtures.rs`) then says what is still
//! missing (a second family, the expected findings). CONTRIBUTING.md walks
//! through the rest. Run it from the repository root; it refuses to overwrite.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

const FAMILIES: &[&str] = &[
    "capacity",
    "addressing",
    "compat",
    "placement",
    "egress",
    "nsg",
    "exposure",
    "appservice",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(done) => {
            for line in done {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("new_rule: {e}");
            eprintln!("usage: cargo run --example new_rule -- AKSnnn kebab-name family");
            eprintln!("families: {}", FAMILIES.join(", "));
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<Vec<String>, String> {
    let [code, name, family] = args else {
        return Err("three arguments are needed".into());
    };
    check_code(code)?;
    check_name(name)?;
    if !FAMILIES.contains(&family.as_str()) {
        return Err(format!("unknown family `{family}`"));
    }
    let root = Path::new("src/rules");
    if !root.is_dir() {
        return Err("run this from the repository root".into());
    }
    let registry = read(&root.join("mod.rs"))?;
    if registry.contains(&format!("\"{code}\"")) || code_in_use(code)? {
        return Err(format!("{code} is taken"));
    }
    let module = name.replace('-', "_");
    let strukt = camel(name);
    let file = root.join(family).join(format!("{module}.rs"));
    if file.exists() {
        return Err(format!("{} exists", file.display()));
    }
    fs::write(&file, rule_file(code, name, &strukt)).map_err(|e| e.to_string())?;
    register_in_family(&root.join(family).join("mod.rs"), &module, &strukt)?;
    register_in_table(&root.join("mod.rs"), family, &strukt, code)?;
    let fixtures = scaffold_fixtures(code)?;
    let mut done = vec![
        format!("wrote {}", file.display()),
        format!("registered {strukt} in src/rules/{family}/mod.rs and src/rules/mod.rs"),
    ];
    done.extend(fixtures);
    done.push("next: write the check, edit the fixtures, fill the .expect file, then".into());
    done.push("      AKSLINT_UPDATE_DOCS=1 cargo test --test docs && cargo test".into());
    Ok(done)
}

fn check_code(code: &str) -> Result<(), String> {
    let digits = code.strip_prefix("AKS").unwrap_or_default();
    if digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("`{code}` is not a code like AKS306"))
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` is not a kebab-case name"))
    }
}

/// True when a rule file or a shipped YAML rule already declares the code.
fn code_in_use(code: &str) -> Result<bool, String> {
    let needle = format!("code: \"{code}\"");
    let mut dirs = vec![Path::new("src/rules").to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).map_err(|e| e.to_string())?.flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if read(&p)?.contains(&needle) {
                return Ok(true);
            }
        }
    }
    Ok(Path::new("rules").is_dir()
        && fs::read_dir("rules")
            .map_err(|e| e.to_string())?
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(code)))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn rule_file(code: &str, name: &str, strukt: &str) -> String {
    format!(
        r##"use super::{{declare_rule, Context, Rule, RuleMeta}};
use crate::model::{{Field, Inventory}};

declare_rule! {{
    /// ## What it checks
    /// TODO: the settings this rule reads, in ARM's names, and what it reports.
    /// Say what stays silent (unknown values, resources not among the inputs).
    ///
    /// ## Why it matters
    /// TODO: what breaks in Azure, and when (create, scale, upgrade), citing the
    /// facts (F-nnn) and Microsoft's documentation.
    ///
    /// ## How to fix
    /// TODO: the change a person makes, in the input they edit.
    ///
    /// ## Example
    /// ```json
    /// "networkProfile": {{ "networkPlugin": "azure", "networkPluginMode": "overlay" }}
    /// ```
    pub struct {strukt} {{
        code: "{code}",
        name: "{name}",
        category: Compatibility,
        severity: Error,
        summary: "TODO: one line",
    }}
}}

impl Rule for {strukt} {{
    fn meta(&self) -> &'static RuleMeta {{
        &Self::META
    }}

    fn check(&self, inv: &Inventory, cx: &mut Context<'_>) {{
        for cluster in &inv.clusters {{
            // Only a value the input proves decides: unknown stays silent.
            let Field::Known(plugin, span) = &cluster.network.plugin else {{
                continue;
            }};
            let _ = (plugin, span, &mut *cx); // TODO: the check; cx.report(span, message, label)
        }}
    }}
}}

#[cfg(test)]
mod tests {{
    use super::*;
    use crate::rules::testing::check;

    const CLUSTER: &str = r#"{{"id":"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1",
        "name":"aks1","type":"Microsoft.ContainerService/managedClusters",
        "properties":{{"kubernetesVersion":"1.31.5","networkProfile":{{"networkPlugin":"azure","networkPluginMode":"overlay"}},
        "agentPoolProfiles":[{{"name":"sys","count":1}}]}}}}"#;

    #[test]
    fn accepts_a_cluster_without_the_problem() {{
        assert!(check(&{strukt}, &[CLUSTER]).1.is_empty());
    }}

    // TODO: a test that reports, asserting the primary text (testing::primary_text) and the message.
}}
"##
    )
}

fn register_in_family(path: &Path, module: &str, strukt: &str) -> Result<(), String> {
    let text = read(path)?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mod_line = format!("mod {module};");
    let use_line = format!("pub use {module}::{strukt};");
    let last_mod = lines
        .iter()
        .rposition(|l| l.starts_with("mod ") || l.starts_with("pub(crate) mod "))
        .ok_or("no `mod` lines in the family's mod.rs")?;
    lines.insert(last_mod + 1, mod_line);
    let last_use = lines
        .iter()
        .rposition(|l| l.starts_with("pub use "))
        .ok_or("no `pub use` lines in the family's mod.rs")?;
    lines.insert(last_use + 1, use_line);
    fs::write(path, lines.join("\n") + "\n").map_err(|e| e.to_string())
}

/// Adds `&family::Struct,` to the static table in code order (a test checks it).
fn register_in_table(path: &Path, family: &str, strukt: &str, code: &str) -> Result<(), String> {
    let text = read(path)?;
    let start = text
        .find("static BUILTIN: &[&dyn Rule] = &[")
        .ok_or("no static BUILTIN table in src/rules/mod.rs")?;
    let end = start + text[start..].find("];").ok_or("unterminated table")?;
    let codes = declared_codes()?;
    // The first entry whose rule has a later code: the new one goes before it.
    let mut at = end;
    let mut offset = start;
    for line in text[start..end].split_inclusive('\n') {
        let entry = line.trim().trim_start_matches('&').trim_end_matches(',');
        let entry = entry.rsplit("::").next().unwrap_or(entry);
        if codes.get(entry).is_some_and(|c| c.as_str() > code) {
            at = offset;
            break;
        }
        offset += line.len();
    }
    let mut out = text.clone();
    out.insert_str(at, &format!("    &{family}::{strukt},\n"));
    fs::write(path, out).map_err(|e| e.to_string())
}

/// Struct name → code, read from every rule file's `declare_rule!`.
fn declared_codes() -> Result<std::collections::HashMap<String, String>, String> {
    let mut out = std::collections::HashMap::new();
    let mut dirs = vec![Path::new("src/rules").to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).map_err(|e| e.to_string())?.flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let text = read(&p)?;
            let mut name = None;
            for line in text.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("pub struct ") {
                    name = rest.split([' ', '{']).next().map(str::to_string);
                } else if let (Some(n), Some(rest)) = (&name, line.strip_prefix("code: \"")) {
                    out.insert(n.clone(), rest.trim_end_matches(['"', ',']).to_string());
                    name = None;
                }
            }
        }
    }
    Ok(out)
}

fn scaffold_fixtures(code: &str) -> Result<Vec<String>, String> {
    let mut done = Vec::new();
    for outcome in ["fail", "pass"] {
        let dir = Path::new("fixtures").join(code).join(outcome);
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let file = dir.join("arm-template.json");
        if !file.exists() {
            fs::write(&file, ARM_TEMPLATE).map_err(|e| e.to_string())?;
            done.push(format!("wrote {} (edit it)", file.display()));
        }
    }
    let expect = Path::new("fixtures")
        .join(code)
        .join("fail/arm-template.json.expect");
    if !expect.exists() {
        fs::write(
            &expect,
            format!(
                "# {code} PATH:LINE:COLUMN \"TEXT\" — one line per finding (fixtures/README.md)\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        done.push(format!("wrote {}", expect.display()));
    }
    Ok(done)
}

const ARM_TEMPLATE: &str = r#"{
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [
        {
            "type": "Microsoft.ContainerService/managedClusters",
            "apiVersion": "2024-09-01",
            "name": "aks-demo",
            "location": "westeurope",
            "properties": {
                "kubernetesVersion": "1.31.5",
                "agentPoolProfiles": [
                    { "name": "system", "mode": "System", "count": 3, "vmSize": "Standard_D4ds_v5" }
                ],
                "networkProfile": { "networkPlugin": "azure", "networkPluginMode": "overlay" },
                "apiServerAccessProfile": { "enablePrivateCluster": true }
            }
        }
    ]
}
"#;
