//! Inputs akslint adds to the ones given: parameter files beside a template,
//! and (for the pre-commit hook) the other data files in the given files' folders.

use std::path::{Path, PathBuf};

use super::{is_walked_extension, Input, Origin};

/// The other data files in the folders of the files given (not recursive).
/// Context only: a sibling that is a symbolic link (it may lead out of the
/// folder) or larger than `limit` is not read, and says nothing.
pub fn add_siblings(inputs: &mut Vec<Input>, excluded: impl Fn(&str) -> bool, limit: u64) {
    let dirs: std::collections::BTreeSet<PathBuf> = inputs
        .iter()
        .filter_map(|i| match &i.origin {
            Origin::File(p) if i.explicit => {
                Some(p.parent().map(Path::to_path_buf).unwrap_or_default())
            }
            _ => None,
        })
        .collect();
    for dir in dirs {
        let read_from = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.clone()
        };
        let Ok(entries) = std::fs::read_dir(&read_from) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                // `DirEntry::metadata` does not follow symbolic links.
                e.metadata()
                    .is_ok_and(|m| m.file_type().is_file() && m.len() <= limit)
            })
            .map(|e| dir.join(e.file_name()))
            .filter(|p| is_walked_extension(p))
            .collect();
        found.sort();
        for p in found {
            let display = p.to_string_lossy().into_owned();
            if excluded(&display) || inputs.iter().any(|i| i.origin == Origin::File(p.clone())) {
                continue;
            }
            inputs.push(Input {
                display,
                origin: Origin::File(p),
                explicit: false,
            });
        }
    }
}

/// Adds `X.parameters*.json` files lying beside a given template `X.json`, so a
/// user naming only the template still gets its parameters.
pub fn add_sibling_parameter_files(inputs: &mut Vec<Input>) {
    let mut extra = Vec::new();
    for input in inputs.iter().filter(|i| i.explicit) {
        let Origin::File(path) = &input.origin else {
            continue;
        };
        let (Some(dir), Some(stem)) = (path.parent(), path.file_stem().and_then(|s| s.to_str()))
        else {
            continue;
        };
        if stem.to_ascii_lowercase().contains(".parameters") {
            continue;
        }
        let dir_read = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let Ok(entries) = std::fs::read_dir(dir_read) else {
            continue;
        };
        let prefix = format!("{}.parameters", stem.to_ascii_lowercase());
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    let n = n.to_ascii_lowercase();
                    n.starts_with(&prefix) && n.ends_with(".json")
                })
            })
            .map(|p| dir.join(p.file_name().unwrap_or_default()))
            .collect();
        found.sort();
        extra.extend(found);
    }
    for p in extra {
        if !inputs.iter().any(|i| i.origin == Origin::File(p.clone())) {
            inputs.push(Input {
                display: p.to_string_lossy().into_owned(),
                origin: Origin::File(p),
                explicit: false,
            });
        }
    }
}
