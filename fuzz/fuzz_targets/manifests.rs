#![no_main]
//! YAML text -> `ingest::kubernetes::ingest_manifests`, then the inventory is linked.
use akslint::model::InventoryBuilder;
use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(docs) = akslint::syntax::yaml::parse(FileId(0), text) {
        let refs: Vec<_> = docs.iter().collect();
        let mut b = InventoryBuilder::default();
        let _ = akslint::ingest::kubernetes::ingest_manifests(&mut b, &refs);
        let _ = b.finish();
    }
});
