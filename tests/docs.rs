//! The generated documentation is up to date: `docs/rules/<CODE>.md` and the
//! README's rule table are rebuilt in memory from the rules' metadata and
//! compared with the files. `AKSLINT_UPDATE_DOCS=1 cargo test --test docs`
//! rewrites them.

use std::fs;
use std::path::{Path, PathBuf};

const TABLE_START: &str =
    "<!-- rules-table:start (generated: AKSLINT_UPDATE_DOCS=1 cargo test --test docs) -->\n";
const TABLE_END: &str = "<!-- rules-table:end -->";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var("AKSLINT_UPDATE_DOCS").is_ok_and(|v| v == "1")
}

fn stale_hint(problems: &[String]) -> String {
    format!(
        "generated documentation is stale:\n  {}\nregenerate with: AKSLINT_UPDATE_DOCS=1 cargo test --test docs",
        problems.join("\n  ")
    )
}

/// Markdown files in docs/rules that no rule generates.
fn orphans(dir: &Path, expected: &[(String, String)]) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !expected.iter().any(|(n, _)| n == name)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn rule_pages_are_up_to_date() {
    let dir = root().join(akslint::docs::RULE_DOCS_DIR);
    let expected = akslint::docs::rule_pages();
    if updating() {
        fs::create_dir_all(&dir).expect("docs/rules can be created");
        for (name, text) in &expected {
            fs::write(dir.join(name), text).expect("a rule page can be written");
        }
        for orphan in orphans(&dir, &expected) {
            fs::remove_file(orphan).expect("a stale page can be removed");
        }
        return;
    }
    let mut problems = Vec::new();
    for (name, text) in &expected {
        match fs::read_to_string(dir.join(name)) {
            Ok(found) if found == *text => {}
            Ok(_) => problems.push(format!(
                "docs/rules/{name} differs from the rule's metadata"
            )),
            Err(_) => problems.push(format!("docs/rules/{name} is missing")),
        }
    }
    for orphan in orphans(&dir, &expected) {
        let name = orphan.file_name().unwrap_or_default().to_string_lossy();
        problems.push(format!("docs/rules/{name} belongs to no rule"));
    }
    assert!(problems.is_empty(), "{}", stale_hint(&problems));
}

#[test]
fn readme_rule_table_is_up_to_date() {
    let path = root().join("README.md");
    let readme = fs::read_to_string(&path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(TABLE_START), readme.find(TABLE_END)) else {
        panic!("README.md lacks the rules-table markers:\n{TABLE_START}{TABLE_END}");
    };
    let body_start = start + TABLE_START.len();
    assert!(
        body_start <= end,
        "README.md: rules-table markers out of order"
    );
    let table = akslint::docs::rules_markdown_table();
    if readme[body_start..end] == table {
        return;
    }
    if updating() {
        let updated = format!("{}{table}{}", &readme[..body_start], &readme[end..]);
        fs::write(&path, updated).expect("README.md can be written");
        return;
    }
    panic!(
        "{}",
        stale_hint(&["README.md's rule table differs from the rules' metadata".into()])
    );
}
