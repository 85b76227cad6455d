#![no_main]
//! One in-memory `main.tf` -> `ingest::terraform::hcl::evaluate_module`.
//! Child modules resolve to nothing (the loader returns no files).
use std::path::{Path, PathBuf};
use std::sync::Arc;

use akslint::ingest::terraform::hcl::{evaluate_module, ModuleFile};
use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let files = [ModuleFile {
        file: FileId(0),
        path: PathBuf::from("fuzz/main.tf"),
        text: Arc::from(text),
        parsed: None,
    }];
    let mut loader = |_: &Path| Vec::new();
    let _ = evaluate_module(Path::new("fuzz"), &files, &mut loader);
});
