#![no_main]
//! The whole check (`akslint check -`) over arbitrary bytes on standard input:
//! detection, every ingest path, linking and all rules.
use akslint::check::{check, CheckOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = CheckOptions {
        paths: vec!["-".into()],
        ..CheckOptions::default()
    };
    let mut stdin: &[u8] = data;
    let _ = check(&opts, &mut stdin);
});
