//! Front-end throughput: how many workloads per second `spec::load` reads, validates and lowers.
//! Run with `cargo bench`; it prints figures rather than asserting them (timing belongs here,
//! not in tests).
#![allow(clippy::print_stdout, reason = "a benchmark reports its figures")]

use std::time::{Duration, Instant};

use stave::examples::EXAMPLE_WORKLOAD;
use stave::source::Sources;
use stave::spec::{self, Input, LoadOptions};

fn inputs(count: usize) -> Vec<Input> {
    (0..count)
        .map(|i| Input::Text {
            name: format!("w{i}.yaml"),
            bytes: EXAMPLE_WORKLOAD.replace("name: shop", &format!("name: shop-{i}")).into_bytes(),
        })
        .collect()
}

fn measure(count: usize, rounds: u32) -> Duration {
    let inputs = inputs(count);
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let mut sources = Sources::new();
        let start = Instant::now();
        let loaded = spec::load(&inputs, &LoadOptions::default(), &mut sources);
        let elapsed = start.elapsed();
        assert_eq!(loaded.workloads.len(), count);
        assert!(!loaded.diagnostics.has_errors());
        best = best.min(elapsed);
    }
    best
}

fn main() {
    println!("front end: load + validate + lower the bundled example workload (best of 5)");
    for count in [100, 1_000, 10_000] {
        let best = measure(count, 5);
        let per_second = count as f64 / best.as_secs_f64();
        println!("  {count:>6} workloads: {:>8.1} ms  ({per_second:>8.0} workloads/s)", best.as_secs_f64() * 1e3);
    }
}
