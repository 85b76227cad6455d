#![no_main]
//! JSON text -> `ingest::terraform::ingest_plan`, then the inventory is linked.
use akslint::model::InventoryBuilder;
use akslint::source::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(root) = akslint::syntax::json::parse(FileId(0), text) {
        let mut b = InventoryBuilder::default();
        let _ = akslint::ingest::terraform::ingest_plan(&mut b, &root);
        let _ = b.finish();
    }
});
