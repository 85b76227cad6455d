//! Discovery: which files to read. Paths as given, directories walked
//! (honouring `.gitignore`), `-` for standard input.

mod pairing;
pub mod read;
pub mod siblings;

use std::path::{Path, PathBuf};

pub use pairing::pair_parameter_files;

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    File(PathBuf),
    Stdin,
}

/// One input to read, with the path to show in reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub display: String,
    pub origin: Origin,
    /// Given by name on the command line (read whatever its extension).
    pub explicit: bool,
}

/// A path that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoverError {
    pub path: String,
    pub message: String,
}

/// Extensions read when walking a directory; files named on the command line are read whatever their name.
const WALKED_EXTENSIONS: &[&str] = &[
    "json",
    "jsonc",
    "yaml",
    "yml",
    "tf",
    "tfvars",
    "bicep",
    "bicepparam",
];

/// Directories never worth walking into.
const SKIPPED_DIRS: &[&str] = &[".git", "target", "node_modules", ".terraform"];

static STDIN_NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names standard input for the rest of the process (`--stdin-filename`):
/// findings, SARIF artifact URIs and `[[per-path]]` globs use this path
/// instead of `-`. False when a name was set already.
pub fn set_stdin_name(name: &str) -> bool {
    STDIN_NAME.set(name.to_string()).is_ok()
}

/// How standard input is shown: its `--stdin-filename`, else `-`.
pub fn stdin_display() -> &'static str {
    STDIN_NAME.get().map_or("-", String::as_str)
}

pub fn discover(paths: &[String]) -> (Vec<Input>, Vec<DiscoverError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for given in paths {
        if given == "-" {
            inputs.push(Input {
                display: stdin_display().into(),
                origin: Origin::Stdin,
                explicit: true,
            });
            continue;
        }
        let path = Path::new(given);
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut inputs, &mut errors),
            Ok(_) => inputs.push(Input {
                display: given.clone(),
                origin: Origin::File(path.to_path_buf()),
                explicit: true,
            }),
            Err(e) => errors.push(DiscoverError {
                path: given.clone(),
                message: e.to_string(),
            }),
        }
    }
    // The same file given twice (or found twice) is read once.
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| seen.insert(i.origin.clone()));
    (inputs, errors)
}

/// Whether a directory walk reads this file.
pub fn is_walked_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| WALKED_EXTENSIONS.iter().any(|w| x.eq_ignore_ascii_case(w)))
}

/// `a/./b/../c` → `a/c`, so a module folder named two ways is recognised once.
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if matches!(
                    out.components().next_back(),
                    Some(std::path::Component::Normal(_))
                ) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A walk of `root` as akslint walks: `.gitignore` honoured, hidden files
/// included, the folders of [`SKIPPED_DIRS`] left out, in path order.
fn walker(root: &Path) -> ignore::Walk {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .parents(true)
        .sort_by_file_path(|a, b| a.cmp(b))
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && e.depth() > 0 && SKIPPED_DIRS.iter().any(|d| e.file_name() == *d))
        });
    builder.build()
}

/// Every file named `file_name` that governs an input of `paths`: the nearest
/// one above each path, and those inside the directories given (walked as
/// inputs are). In the order found, each once.
pub fn governing_files(paths: &[String], file_name: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    let mut add = |p: PathBuf| {
        if !found.contains(&p) {
            found.push(p);
        }
    };
    for given in paths.iter().filter(|p| *p != "-") {
        let path = Path::new(given);
        let start = if path.is_dir() {
            path
        } else {
            path.parent().unwrap_or(Path::new(""))
        };
        // Absolute, so the search goes on above the working directory.
        let Ok(start) = std::path::absolute(if start.as_os_str().is_empty() {
            Path::new(".")
        } else {
            start
        }) else {
            continue;
        };
        // Anything there but a folder counts: a FIFO of that name is refused when
        // read, not passed over for a file further up.
        let present = |p: &Path| {
            std::fs::symlink_metadata(p).is_ok() && !std::fs::metadata(p).is_ok_and(|m| m.is_dir())
        };
        if let Some(above) = start
            .ancestors()
            .map(|d| d.join(file_name))
            .find(|p| present(p))
        {
            add(above);
        }
        if path.is_dir() {
            for e in walker(path).flatten() {
                if e.file_type().is_some_and(|t| !t.is_dir()) && e.file_name() == file_name {
                    add(e.path().to_path_buf());
                }
            }
        }
    }
    found
}

fn walk(root: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<DiscoverError>) {
    for entry in walker(root) {
        match entry {
            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                let p = e.path();
                if is_walked_extension(p) {
                    // `akslint check` (the current directory) shows `infra/a.json`, not `./infra/a.json`.
                    let shown = if root == Path::new(".") {
                        p.strip_prefix(".").unwrap_or(p)
                    } else {
                        p
                    };
                    inputs.push(Input {
                        display: shown.to_string_lossy().into_owned(),
                        origin: Origin::File(p.to_path_buf()),
                        explicit: false,
                    });
                }
            }
            Ok(_) => {}
            Err(e) => errors.push(DiscoverError {
                path: root.to_string_lossy().into_owned(),
                message: e.to_string(),
            }),
        }
    }
}

/// The most akslint reads of a configuration file: far more than any real one,
/// little enough that a mistaken `--config` cannot fill the memory.
pub const CONFIG_LIMIT: u64 = 16 << 20;
/// The most akslint reads of a baseline: a few hundred bytes per finding, so
/// room for hundreds of thousands of findings.
pub const BASELINE_LIMIT: u64 = 256 << 20;

/// Reads a file that is not an input (configuration, baseline) the way inputs
/// are read: only a regular file, checked before it is opened, so a FIFO or
/// `/dev/zero` is refused at once instead of blocking or never ending; and only
/// up to `limit` bytes. `what` names such files in the message, which reads like
/// an input's: `PATH: not a regular file (a named pipe); not read`.
pub fn read_side_file(path: &Path, what: &str, limit: u64) -> Result<String, String> {
    use read::{read_file, NotRead};
    let shown = path.display();
    let too_large = |size: String| {
        format!(
            "{shown}: larger than the {} akslint reads of {what} ({size} bytes); not read",
            mib(limit)
        )
    };
    let bytes = match read_file(path, limit) {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(NotRead::NotAFile(kind))) => {
            return Err(format!("{shown}: not a regular file ({kind}); not read"))
        }
        Ok(Err(NotRead::TooLarge(size))) => return Err(too_large(size.to_string())),
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    // It grew while being read.
    if bytes.len() as u64 > limit {
        return Err(too_large(format!("more than {limit}")));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        format!("{shown}: not UTF-8 text (a bad byte at offset {at}); not read")
    })
}

/// `16777216` → `16 MiB`; other sizes in bytes.
fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_directories_skipping_ignored_and_build_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/node_modules")).unwrap();
        std::fs::create_dir_all(root.join("target")).unwrap();
        std::fs::create_dir_all(root.join("gen")).unwrap();
        for f in [
            "a/x.json",
            "a/node_modules/y.json",
            "target/z.json",
            "gen/w.json",
            "a/readme.md",
            "b.yaml",
        ] {
            std::fs::write(root.join(f), "{}").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "gen/\n").unwrap();
        let (inputs, errors) = discover(&[root.to_string_lossy().into_owned()]);
        assert!(errors.is_empty());
        let names: Vec<String> = inputs
            .iter()
            .map(|i| {
                Path::new(&i.display)
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, vec!["a/x.json", "b.yaml"]);
    }

    #[test]
    fn missing_paths_are_errors_and_stdin_is_an_input() {
        let (inputs, errors) = discover(&["-".into(), "/no/such/file.json".into()]);
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].origin, Origin::Stdin);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "/no/such/file.json");
    }

    #[test]
    fn side_files_must_be_small_regular_utf8_files() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.toml");
        std::fs::write(&ok, "a = 1\n").unwrap();
        assert_eq!(
            read_side_file(&ok, "configuration files", 100).unwrap(),
            "a = 1\n"
        );
        let big = read_side_file(&ok, "configuration files", 3).unwrap_err();
        assert!(big.ends_with(": larger than the 3 bytes akslint reads of configuration files (6 bytes); not read"), "{big}");
        assert_eq!(mib(CONFIG_LIMIT), "16 MiB");
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, b"a\xff").unwrap();
        let err = read_side_file(&bad, "configuration files", 100).unwrap_err();
        assert!(
            err.ends_with("not UTF-8 text (a bad byte at offset 1); not read"),
            "{err}"
        );
        let err = read_side_file(dir.path(), "configuration files", 100).unwrap_err();
        assert!(
            err.ends_with(": not a regular file (a directory); not read"),
            "{err}"
        );
    }
}
