//! The example workload bundled into the binary, for `stave compile --example` and the README.

/// The bundled example's display name.
pub const EXAMPLE_NAME: &str = "example/shop.yaml";

/// A small web shop with a database, a cache, a DNS name and a route.
pub const EXAMPLE_WORKLOAD: &str = include_str!("../fixtures/valid/example/workload.yaml");
