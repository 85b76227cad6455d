#![no_main]
//! `.akslint.toml` text -> `config::parse`.
use std::path::PathBuf;

use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = akslint::config::parse(text, FileId(0), PathBuf::from("."));
});
