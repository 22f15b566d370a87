//! Stave: a workload compiler. Score workload files in; Kubernetes manifests, a Helm chart or
//! Terraform out.
//!
//! The data flows `score -> ir -> graph -> provision -> targets` (see `ARCHITECTURE.md`):
//! - [`score`] reads Score files into the typed [`ir`], reporting every mistake at its place;
//! - [`graph`] settles resource identity and orders workloads and resources;
//! - [`provision`] meets each resource with a provisioner of the [`platform`]'s environment and
//!   binds every placeholder to the output it reads;
//! - [`targets`] lower all of it through one entry point, [`targets::emit`], into files.
//!
//! [`pipeline::run`] runs the phases in order. Problems are [`diagnostics::Diagnostic`] values
//! with stable codes, positions and help.
//!
//! **The API is [`api`]**: a [`api::Request`], then [`api::check`], [`api::compile`] and
//! [`api::render`]. The other modules are internal: public so that this project's tests,
//! benchmarks and fuzz targets can reach them, and free to change in any release.
//!
//! ```
//! use stave::builtins::Target;
//! use stave::pipeline::{self, Request, Stage};
//! use stave::provision::seed::Seed;
//! use stave::source::Sources;
//! use stave::score::Input;
//! use stave::targets::{self, Options};
//!
//! let workload = "
//! apiVersion: score.dev/v1b1
//! metadata: {name: hello}
//! containers:
//!   main:
//!     image: nginx:1.27
//!     variables: {DB_HOST: '${resources.db.host}'}
//! resources:
//!   db: {type: postgres}
//! ";
//! let request = Request {
//!     inputs: vec![Input::Text { name: "hello.yaml".into(), bytes: workload.into() }],
//!     seed: Some(Seed::from_text("example")),
//!     ..Request::default()
//! };
//! let mut sources = Sources::new();
//! let (compiled, diagnostics) = pipeline::run(&request, Stage::Provision, &mut sources);
//! assert!(!diagnostics.has_errors());
//! let compiled = compiled.unwrap();
//! let emitted = targets::emit(Target::Kubernetes, &[compiled.target_input().unwrap()], &Options::default()).unwrap();
//! let names: Vec<&str> = emitted.files.iter().map(|f| f.path.as_str()).collect();
//! assert!(names.iter().any(|n| n.contains("-statefulset-hello-db-")));
//! assert!(names.iter().any(|n| n.ends_with("-deployment-hello.yaml")));
//! ```

pub mod api;
pub mod backstage;
pub mod builtins;
pub mod cli;
pub mod diagnostics;
pub mod document;
pub mod examples;
pub mod graph;
pub mod ir;
pub mod limits;
pub mod naming;
pub mod pipeline;
pub mod platform;
pub mod provision;
pub mod score;
pub mod sorted;
pub mod source;
pub mod spool;
pub mod suggest;
pub mod targets;
