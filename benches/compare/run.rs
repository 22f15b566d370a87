//! Running the measured programs: wall time of one run (output to /dev/null), peak RSS of one run
//! (through GNU time, when `/usr/bin/time` exists), and medians.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// One program to measure: what it is called in the table, and how to start it.
pub struct Program {
    pub name: &'static str,
    pub argv: Vec<String>,
    pub envs: Vec<(String, String)>,
}

impl Program {
    pub fn new(name: &'static str, argv: Vec<String>) -> Program {
        Program { name, argv, envs: Vec::new() }
    }

    pub fn env(mut self, key: &str, value: &str) -> Program {
        self.envs.push((key.into(), value.into()));
        self
    }

    fn command(&self, cwd: &Path) -> Command {
        let mut command = Command::new(&self.argv[0]);
        command.args(&self.argv[1..]).current_dir(cwd).envs(self.envs.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Seconds of one run, less what the program reports as setup (`load <seconds>` on stderr:
    /// the floor's JSON load). Panics when it fails.
    pub fn time(&self, cwd: &Path) -> f64 {
        let start = Instant::now();
        let output = self.command(cwd).stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("spawn");
        let elapsed = start.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{} failed: {stderr}", self.name);
        elapsed - setup(&stderr)
    }

    /// Standard output of one run.
    pub fn output(&self, cwd: &Path) -> Vec<u8> {
        let output = self.command(cwd).stderr(Stdio::piped()).output().expect("spawn");
        assert!(output.status.success(), "{} failed: {}", self.name, String::from_utf8_lossy(&output.stderr));
        output.stdout
    }

    /// Peak resident memory, in MiB: the median of three runs (it varies by a few MiB from
    /// run to run), `None` without GNU time.
    pub fn peak_rss(&self, cwd: &Path) -> Option<f64> {
        let mut runs = (0..3).map(|_| self.peak_rss_once(cwd)).collect::<Option<Vec<f64>>>()?;
        runs.sort_by(f64::total_cmp);
        Some(runs[1])
    }

    /// Peak resident memory of one run, in MiB.
    fn peak_rss_once(&self, cwd: &Path) -> Option<f64> {
        let time = Path::new("/usr/bin/time");
        if !time.exists() {
            return None;
        }
        let report = tempfile::NamedTempFile::new().ok()?;
        let status = Command::new(time)
            .args(["-f", "%M", "-o"])
            .arg(report.path())
            .args(&self.argv)
            .current_dir(cwd)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        assert!(status.success(), "{} failed", self.name);
        let kib: f64 = std::fs::read_to_string(report.path()).ok()?.trim().lines().last()?.parse().ok()?;
        Some(kib / 1024.0)
    }
}

fn setup(stderr: &str) -> f64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("load "))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// A duration for the table: milliseconds below 10 s.
pub fn show(seconds: f64) -> String {
    if seconds < 10.0 { format!("{:.0} ms", seconds * 1e3) } else { format!("{seconds:.2} s") }
}
