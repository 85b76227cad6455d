//! Front-ends that turn input text into one spanned [`Node`] tree.

pub mod json;
pub mod node;

pub use json::SyntaxError;
pub use node::{Entry, Node, NodeKind, Number};
