//! The integration tests, as one test binary (one link of the crate, not one per area): a module
//! per area. Tests of the command line run it in-process (`common::stave`), or the real binary
//! where the process itself is tested; the rest call the library. Shared helpers live in
//! `common`.

mod admission;
mod architecture;
mod catalog;
mod cli;
mod common;
mod completions;
mod conformance;
mod dns;
mod docs;
mod drift;
mod environments;
mod external;
mod external_targets;
mod fast_yaml;
mod first_hour;
mod fixtures;
mod helm;
mod hostile;
mod init;
mod inputs;
mod kubernetes;
mod newcomer;
mod provisioners;
mod readme;
mod rollouts;
mod score_k8s;
mod security;
mod targets_served;
mod terraform;
mod threads;
mod validators_selftest;
