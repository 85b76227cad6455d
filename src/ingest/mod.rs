//! Front-ends that turn a parsed input document into the resources it describes.

pub mod arm;
