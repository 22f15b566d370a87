//! Throughput: how many workloads per second Stave compiles. The front end alone (read, validate,
//! lower), then the whole pipeline (graph, provisioning, objects) for the Kubernetes and the Helm
//! target, and `helm template` rendering the chart of 1,000 workloads. Run with
//! `cargo bench`; it prints figures rather than asserting them (timing belongs here, not in tests).
#![allow(clippy::print_stdout, reason = "a benchmark reports its figures")]

use std::time::{Duration, Instant};

use stave::api::{self, File, Input, LoadOptions, Options, Request, Seed, Sources, Target};
use stave::examples::EXAMPLE_WORKLOAD;
use stave::score;

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
        let loaded = score::load(&inputs, &LoadOptions::default(), &mut sources);
        let elapsed = start.elapsed();
        assert_eq!(loaded.workloads.len(), count);
        assert!(!loaded.diagnostics.has_errors());
        best = best.min(elapsed);
    }
    best
}

/// The whole pipeline for one target: every workload has its own database, cache, DNS name and
/// route, compiled through the library's API. Returns the best time, the number of files and the
/// last run's files.
fn measure_compile(count: usize, rounds: u32, target: Target) -> (Duration, usize, Vec<File>) {
    let request = Request {
        inputs: inputs(count),
        target: Some(target),
        seed: Some(Seed::from_text("bench")),
        ..Request::default()
    };
    let mut best = Duration::MAX;
    let mut files = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let outcome = api::compile(&request, &Options::default());
        assert!(!outcome.diagnostics.has_errors());
        let emitted = outcome.emitted.expect("files");
        let bytes: usize = emitted.files.iter().map(|f| f.bytes.len()).sum();
        let elapsed = start.elapsed();
        assert!(bytes > 0);
        files = emitted.files;
        best = best.min(elapsed);
    }
    (best, files.len(), files)
}

/// `helm template` of a chart Stave wrote (helm as the tests install it, under target/).
fn measure_helm_template(files: &[File], rounds: u32) -> Option<Duration> {
    let helm = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/validators/helm-4.1.4/helm");
    if !helm.exists() {
        println!("  (helm is not installed under target/validators: run `cargo test` once to install it)");
        return None;
    }
    let dir = tempfile::tempdir().ok()?;
    for file in files {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent()?).ok()?;
        std::fs::write(&path, file.bytes.bytes()).ok()?;
    }
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        let output = std::process::Command::new(&helm)
            .args(["template", "bench"])
            .arg(dir.path())
            .args(["-f", "values-local.yaml", "--set-string", "global.seed=bench"])
            .current_dir(dir.path())
            .output()
            .ok()?;
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        best = best.min(start.elapsed());
    }
    Some(best)
}

/// The sizes to measure: `STAVE_BENCH_MAX` caps them (for a quick look).
fn counts(all: &[usize]) -> Vec<usize> {
    let max = std::env::var("STAVE_BENCH_MAX").ok().and_then(|m| m.parse().ok()).unwrap_or(usize::MAX);
    all.iter().copied().filter(|c| *c <= max).collect()
}

fn main() {
    println!("front end: load + validate + lower the bundled example workload (best of 5)");
    for count in counts(&[100, 1_000, 10_000]) {
        let best = measure(count, 5);
        let per_second = count as f64 / best.as_secs_f64();
        println!("  {count:>6} workloads: {:>8.1} ms  ({per_second:>8.0} workloads/s)", best.as_secs_f64() * 1e3);
    }
    for (target, what) in [(Target::Kubernetes, "Kubernetes YAML"), (Target::Helm, "a Helm chart")] {
        println!("whole compile to {what}: 4 resources and 11 objects per workload (best of 3)");
        for count in counts(&[100, 1_000, 5_000]) {
            let (best, files, emitted) = measure_compile(count, 3, target);
            let per_second = count as f64 / best.as_secs_f64();
            println!(
                "  {count:>6} workloads: {:>8.1} ms  ({per_second:>8.0} workloads/s, {files} files)",
                best.as_secs_f64() * 1e3
            );
            if target == Target::Helm
                && count == 1_000
                && let Some(rendered) = measure_helm_template(&emitted, 3)
            {
                println!("         helm template of that chart: {:>8.1} ms", rendered.as_secs_f64() * 1e3);
            }
        }
    }
}
