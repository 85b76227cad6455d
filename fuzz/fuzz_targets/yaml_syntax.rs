#![no_main]
//! `syntax::yaml::parse` over arbitrary UTF-8.
use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = akslint::syntax::yaml::parse(FileId(0), text);
});
