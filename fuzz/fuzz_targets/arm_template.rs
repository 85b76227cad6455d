#![no_main]
//! JSON text -> `ingest::arm::evaluate_template` (no parameter files).
use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(root) = akslint::syntax::json::parse(FileId(0), text) {
        let _ = akslint::ingest::arm::evaluate_template(&root, &[]);
    }
});
