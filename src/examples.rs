//! The files bundled into the binary from `fixtures/valid/`: the example workload (`stave compile
//! --example`, the README) and what `stave init` writes.

/// The bundled example's name in diagnostics: a name no file on disk has, which says what it is
/// (its source is `fixtures/valid/example/workload.yaml` in Stave's repository).
pub(crate) const EXAMPLE_NAME: &str = "<example>/workload.yaml";

/// A small web shop with a database, a cache, a DNS name and a route.
pub const EXAMPLE_WORKLOAD: &str = include_str!("../fixtures/valid/example/workload.yaml");

/// What `stave init` writes as `workload.yaml`: a web service with a database, commented.
pub(crate) const INIT_WORKLOAD: &str = include_str!("../fixtures/valid/init/workload.yaml");

/// What `stave init` writes as `stave.yaml`: `dev` (Kubernetes) and `prod` (Helm).
pub(crate) const INIT_PLATFORM: &str = include_str!("../fixtures/valid/init/stave.yaml");
