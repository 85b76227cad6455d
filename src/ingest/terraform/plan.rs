//! `terraform show -json` output: plans and states.

use crate::model::InventoryBuilder;
use crate::syntax::Node;

use super::{ingest_tf, TfResource};

pub fn is_plan_or_state(root: &Node) -> bool {
    let _ = root;
    false
}

pub fn resources(root: &Node) -> Vec<TfResource> {
    let _ = root;
    Vec::new()
}

pub fn ingest_plan(b: &mut InventoryBuilder, root: &Node) -> usize {
    let rs = resources(root);
    ingest_tf(b, &rs);
    rs.len()
}
