#![no_main]
//! `syntax::json::parse` over arbitrary UTF-8.
use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = akslint::syntax::json::parse(FileId(0), text);
});
