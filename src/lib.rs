//! Stave: a workload compiler. Score workload files in; Kubernetes manifests, a Helm chart or
//! Terraform out.
//!
//! **The API is [`api`]**: describe what to compile in an [`api::Request`], then [`api::check`]
//! or [`api::compile`] it, and [`api::render`] the diagnostics in any format the command line
//! prints.
//!
//! Inside, the data flows `score -> ir -> graph -> provision -> targets` (`ARCHITECTURE.md` is
//! the map): the Score front end reads workload files into a typed IR, reporting every mistake
//! at its place; the graph settles resource identity and order; provisioning meets each resource
//! with a provisioner of the platform file's environment and binds every placeholder; the
//! targets lower all of it, through one entry point, into files. Those modules are internal:
//! hidden from these docs, `pub(crate)` wherever nothing outside the crate needs them, and public
//! only where this project's own binary, tests, benchmarks or fuzz targets reach in. They are
//! free to change in any release.

#![forbid(unsafe_code)]

pub mod api;
#[doc(hidden)]
pub mod backstage;
#[doc(hidden)]
pub mod builtins;
#[doc(hidden)]
pub mod cli;
pub(crate) mod contained;
#[doc(hidden)]
pub mod diagnostics;
#[doc(hidden)]
pub mod document;
#[doc(hidden)]
pub mod examples;
#[doc(hidden)]
pub mod graph;
#[doc(hidden)]
pub mod ir;
#[doc(hidden)]
pub mod limits;
#[doc(hidden)]
pub mod naming;
#[doc(hidden)]
pub mod pipeline;
#[doc(hidden)]
pub mod platform;
#[doc(hidden)]
pub mod provision;
#[doc(hidden)]
pub mod score;
#[doc(hidden)]
pub mod sorted;
#[doc(hidden)]
pub mod source;
#[doc(hidden)]
pub mod spool;
#[doc(hidden)]
pub mod suggest;
#[doc(hidden)]
pub mod targets;
