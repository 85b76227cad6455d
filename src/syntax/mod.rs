//! Front-ends that turn input text into one spanned [`Node`] tree.

pub mod density;
pub mod document;
mod fast_json;
pub mod json;
pub mod node;
pub mod yaml;

pub use json::SyntaxError;
pub use node::{Entry, Node, NodeKind, Number};
