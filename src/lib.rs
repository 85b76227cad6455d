//! akslint: a linter for the network configuration of Azure Kubernetes Service clusters.

pub mod baseline;
pub mod capacity;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod docs;
pub mod hash;
pub mod ingest;
pub mod lint;
pub mod load;
pub mod model;
pub mod nsg_check;
pub mod output;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;
