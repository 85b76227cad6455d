//! akslint: a linter for the network configuration of Azure Kubernetes Service clusters.

pub mod ingest;
pub mod source;
pub mod syntax;
