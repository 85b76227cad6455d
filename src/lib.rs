//! akslint: a linter for the network configuration of Azure Kubernetes Service clusters.

pub mod diagnostic;
pub mod report;
pub mod source;
pub mod syntax;
