//! Fuzzes the writers: arbitrary bytes choose a hostile output directory (files, links inside
//! and out, folders, FIFOs, `.stave-output` lines), then `--check` and a compile run on it; the
//! harness `stave::cli::fuzz_writers` asserts that nothing outside is touched, nothing not
//! provably Stave's is deleted or overwritten, and the gate never reads through a link.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| stave::cli::fuzz_writers::run(data));
