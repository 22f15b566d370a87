//! The comparison benchmark (`cargo bench --bench compare`): for N generated workloads (see
//! `workloads.rs`), the whole `stave compile` (the release binary, as users run it) beside the
//! floor (`floor.rs`: parse the inputs, serialize the same objects) and `helm template` of a
//! chart that loops over the same workloads (`chart/`, helm installed as the tests install it).
//! Runs are paired (each round runs every program once, in turn) and the table shows medians,
//! the ratios stave/floor and helm/stave, the cost per workload, peak RSS, and the Helm and
//! Terraform targets of the same workloads. Before timing, it checks that helm, the floor and
//! stave emit the same set of objects. Then one workload with many resources, and cold start.
//!
//! `STAVE_BENCH_MAX` caps N (default 10,000), `STAVE_BENCH_ROUNDS` sets the rounds (default 5,
//! 3 at 10,000). It prints figures rather than asserting them.
#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a benchmark reports its figures")]

#[path = "../../tests/it/common/mod.rs"]
mod common;
mod floor;
mod objects;
mod run;
mod workloads;

use std::path::Path;

use run::{Program, median, show};

const STAVE: &str = env!("CARGO_BIN_EXE_stave");

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.parse().ok()
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("floor") {
        return floor::main(&args[2..]);
    }
    let max = env_number("STAVE_BENCH_MAX").unwrap_or(10_000);
    let helm = common::validators::helm();
    let root = tempfile::tempdir().expect("a temporary directory");
    println!("machine: {}", machine());
    println!();
    println!(
        "| N | stave | floor | helm template | stave/floor | helm/stave | per workload | stave peak RSS | helm target | terraform target |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for count in [10, 100, 1_000, 10_000].into_iter().filter(|c| *c <= max) {
        let rounds = env_number("STAVE_BENCH_ROUNDS").unwrap_or(if count >= 10_000 { 3 } else { 5 });
        let dir = root.path().join(count.to_string());
        workloads::write(&dir, count).expect("workload files");
        row(&dir, count, rounds, &helm);
    }
    println!();
    wide(root.path());
    cold_start(root.path());
    std::process::ExitCode::SUCCESS
}

fn stave(args: &[&str]) -> Program {
    let argv = std::iter::once(STAVE).chain(args.iter().copied()).map(String::from).collect();
    Program::new("stave", argv).env("STAVE_SEED", "bench")
}

fn helm_program(helm: &Path, dir: &Path) -> Program {
    let chart = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/compare/chart");
    let argv = vec![
        helm.display().to_string(),
        "template".into(),
        "bench".into(),
        chart.display().to_string(),
        "-f".into(),
        dir.join("values.yaml").display().to_string(),
    ];
    let home = helm.parent().expect("helm's directory").join("home");
    let mut program = Program::new("helm template", argv);
    for (var, sub) in [("HELM_CACHE_HOME", "cache"), ("HELM_CONFIG_HOME", "config"), ("HELM_DATA_HOME", "data")] {
        program = program.env(var, &home.join(sub).display().to_string());
    }
    program
}

/// One row of the table: checks that the three emit the same objects, then times them paired.
fn row(dir: &Path, count: usize, rounds: usize, helm: &Path) {
    let kubernetes = stave(&["compile", "workloads"]);
    let stream = String::from_utf8(kubernetes.output(dir)).expect("UTF-8");
    let documents = objects::documents(&stream);
    std::fs::write(dir.join("objects.json"), serde_json::to_string(&documents).expect("JSON")).expect("write");
    drop(documents);
    let exe = std::env::current_exe().expect("this benchmark").display().to_string();
    let floor = Program::new("floor", vec![exe, "floor".into(), "objects.json".into(), "workloads".into()]);
    let helm = helm_program(helm, dir);
    let floor_stream = String::from_utf8(floor.output(dir)).expect("UTF-8");
    assert!(floor_stream == stream, "the floor's stream differs from stave's at N={count}");
    let helm_stream = String::from_utf8(helm.output(dir)).expect("UTF-8");
    let objects = objects::same(&stream, &helm_stream)
        .unwrap_or_else(|e| panic!("helm template and stave emit different objects at N={count}: {e}"));
    drop((stream, floor_stream, helm_stream));
    let helm_target = stave(&["compile", "workloads", "--target", "helm", "-o", "chart"]);
    let terraform_target = stave(&["compile", "workloads", "--target", "terraform", "-o", "module"]);
    let programs = [&kubernetes, &floor, &helm, &helm_target, &terraform_target];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); programs.len()];
    for round in 0..rounds {
        // Paired: every program once per round, starting with a different one each round.
        for k in 0..programs.len() {
            let i = (k + round) % programs.len();
            times[i].push(programs[i].time(dir));
        }
    }
    let [stave_t, floor_t, helm_t, chart_t, module_t] = [0, 1, 2, 3, 4].map(|i| median(&times[i]));
    let ratio = |a: &[f64], b: &[f64]| median(&a.iter().zip(b).map(|(a, b)| a / b).collect::<Vec<_>>());
    let rss = |p: &Program| p.peak_rss(dir).map_or("-".to_string(), |m| format!("{m:.0} MiB"));
    println!(
        "| {count} ({objects} objects) | {} | {} | {} | {:.2} | {:.2} | {:.0} µs | {} | {} ({}) | {} ({}) |",
        show(stave_t),
        show(floor_t),
        show(helm_t),
        ratio(&times[0], &times[1]),
        ratio(&times[2], &times[0]),
        stave_t / count as f64 * 1e6,
        rss(&kubernetes),
        show(chart_t),
        rss(&helm_target),
        show(module_t),
        rss(&terraform_target),
    );
}

/// One workload with many resources of one type: the time should grow linearly.
fn wide(root: &Path) {
    println!("one workload with K resources (one run each):");
    println!();
    println!("| K | dns | per resource | postgres | per resource |");
    println!("|---|---|---|---|---|");
    let max = env_number("STAVE_BENCH_WIDE").unwrap_or(4_000);
    for count in [1_000, 2_000, 4_000].into_iter().filter(|c| *c <= max) {
        let mut cells = Vec::new();
        for kind in ["dns", "postgres"] {
            let dir = root.join(format!("wide-{kind}-{count}"));
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::write(dir.join("workload.yaml"), workloads::wide(kind, count)).expect("write");
            let seconds = stave(&["compile", "workload.yaml"]).time(&dir);
            cells.push(format!("{} | {:.0} µs", show(seconds), seconds / count as f64 * 1e6));
        }
        println!("| {count} | {} |", cells.join(" | "));
    }
    println!();
}

/// `stave compile --example`, 21 runs: the median.
fn cold_start(root: &Path) {
    let program = stave(&["compile", "--example"]);
    let times: Vec<f64> = (0..21).map(|_| program.time(root)).collect();
    println!("cold start, `stave compile --example`: {:.1} ms (median of 21)", median(&times) * 1e3);
}

/// The CPU and core count, for the table's caption.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{cpu}, {cores} cores")
}
