//! The integration tests, as one test binary (one link of the crate, not one per area): a module
//! per area. Tests that are about the command line run the real binary (`CARGO_BIN_EXE_stave`);
//! the rest call the library in-process where they can. Shared helpers live in `common`.

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
