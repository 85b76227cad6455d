//! The pre-commit set-up of docs/ci.md, run as written: the YAML block between
//! the `pre-commit-config` markers becomes a temporary repository's
//! `.pre-commit-config.yaml`, `pre-commit install` puts the hook in place, and
//! `git commit` is refused for a failing template and accepted for a clean one.
//!
//! pre-commit is found through `AKSLINT_PRE_COMMIT`, `.ci/venv/bin/pre-commit`
//! (what `.ci/run` installs) or `PATH`. Without it the test says so and runs
//! the hook's `entry` the way pre-commit would (the staged files as
//! arguments, one serial run). No network: the hook is `repo: local`,
//! `language: system`, with the built akslint first on `PATH`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The configuration docs/ci.md documents, verbatim.
fn documented_config() -> String {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/ci.md")).expect("docs/ci.md");
    let start = doc
        .find("<!-- pre-commit-config:start")
        .expect("docs/ci.md marks its pre-commit configuration");
    let block = &doc[start..];
    let open = block.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let close = block[open..].find("```").expect("the block ends") + open;
    block[open..close].to_string()
}

fn pre_commit() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("AKSLINT_PRE_COMMIT").map(PathBuf::from),
        Some(Path::new(ROOT).join(".ci/venv/bin/pre-commit")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .or_else(|| {
            Command::new("pre-commit")
                .arg("--version")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|_| PathBuf::from("pre-commit"))
        })
}

/// `PATH` with the built akslint's folder first.
fn path_with_akslint() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_akslint"))
        .parent()
        .expect("the binary has a folder")
        .to_path_buf();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).expect("PATH joins")
}

fn run(dir: &Path, program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with_akslint())
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .env("NO_COLOR", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()))
}

fn git(dir: &Path, args: &[&str]) -> Output {
    run(dir, Path::new("git"), args)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn copy_fixture(from: &str, dir: &Path, to: &str) {
    std::fs::create_dir_all(dir.join(to).parent().expect("a folder")).expect("mkdir");
    std::fs::copy(Path::new(ROOT).join(from), dir.join(to)).expect("fixture copied");
}

/// A repository with the documented configuration committed (hooks not yet on).
fn repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("a temp dir");
    let dir = repo.path();
    assert!(git(dir, &["init", "-q", "-b", "main"]).status.success());
    std::fs::write(dir.join(".pre-commit-config.yaml"), documented_config()).expect("written");
    assert!(git(dir, &["add", ".pre-commit-config.yaml"])
        .status
        .success());
    let o = git(dir, &["commit", "-q", "-m", "pre-commit"]);
    assert!(o.status.success(), "{}", text(&o));
    repo
}

#[test]
fn the_documented_hook_refuses_a_bad_commit_and_passes_a_good_one() {
    let repo = repository();
    let dir = repo.path();
    let Some(pre_commit) = pre_commit() else {
        eprintln!("skipped: pre-commit not installed (.ci/run installs it); running the hook entry as pre-commit would");
        return entry_as_pre_commit_runs_it(dir);
    };
    let o = run(dir, &pre_commit, &["install"]);
    assert!(o.status.success(), "pre-commit install: {}", text(&o));

    copy_fixture(
        "fixtures/AKS004/fail/arm-template.json",
        dir,
        "infra/cluster.json",
    );
    assert!(git(dir, &["add", "infra/cluster.json"]).status.success());
    let refused = git(dir, &["commit", "-m", "bad"]);
    assert!(
        !refused.status.success(),
        "the bad commit went in: {}",
        text(&refused)
    );
    let out = text(&refused);
    assert!(out.contains("akslint") && out.contains("Failed"), "{out}");
    assert!(out.contains("AKS004"), "{out}");

    copy_fixture(
        "fixtures/AKS004/pass/arm-template.json",
        dir,
        "infra/cluster.json",
    );
    assert!(git(dir, &["add", "infra/cluster.json"]).status.success());
    let accepted = git(dir, &["commit", "-m", "good"]);
    assert!(
        accepted.status.success(),
        "the good commit was refused: {}",
        text(&accepted)
    );
    assert!(text(&accepted).contains("Passed"), "{}", text(&accepted));
}

/// Without pre-commit: the hook's `entry` with the staged file, as pre-commit calls it.
fn entry_as_pre_commit_runs_it(dir: &Path) {
    let config = documented_config();
    let entry = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry: "))
        .expect("the hook has an entry");
    let mut words = entry.split_whitespace();
    let program = words.next().expect("a program");
    let args: Vec<&str> = words.collect();
    let check = |fixture: &str| {
        copy_fixture(fixture, dir, "infra/cluster.json");
        let mut all = args.clone();
        all.push("infra/cluster.json");
        run(dir, Path::new(program), &all)
    };
    let bad = check("fixtures/AKS004/fail/arm-template.json");
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    let good = check("fixtures/AKS004/pass/arm-template.json");
    assert_eq!(good.status.code(), Some(0), "{}", text(&good));
}
