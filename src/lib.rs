//! Stave: a workload compiler. Score workload files in; Kubernetes manifests, a Helm chart or
//! Terraform out.
//!
//! The data flows `spec -> ir -> graph -> provision -> targets`:
//! - [`spec`] reads Score files into the typed [`ir`], reporting every mistake at its place;
//! - the graph, provisioners and targets build on the IR (later stages of the pipeline).
//!
//! Problems are [`diagnostics::Diagnostic`] values with stable codes, positions and help.

pub mod cli;
pub mod diagnostics;
pub mod examples;
pub mod graph;
pub mod ir;
pub mod pipeline;
pub mod platform;
pub mod provision;
pub mod source;
pub mod spec;
pub mod suggest;
pub mod targets;
