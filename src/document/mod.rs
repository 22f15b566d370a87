//! Documents, whatever their kind (Score workloads, platform files, provisioner files): reading
//! bytes safely, parsing YAML into a tree that keeps every span, dotted paths, and JSON Schema
//! validation whose errors point into the tree, JSON trees at their exact size. Nothing here
//! knows what a document means.

pub(crate) mod dotted;
pub(crate) mod exact;
pub mod fast_yaml;
pub mod read;
mod scan;
pub(crate) mod schema;
pub mod yaml;
