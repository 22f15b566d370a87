//! The benchmark's workloads: N Score files, each one container with 4 or 5 variables reading
//! postgres and redis outputs, a service port, a postgres and a redis, and a DNS name (even
//! workloads) or a route (odd ones): 11 or 12 objects each. Also the same workloads as the
//! values of the looping chart (`chart/`), and single workloads with many resources.

use std::fmt::Write as _;
use std::path::Path;

/// The name of workload `i`.
pub fn name(i: usize) -> String {
    format!("svc-{i:05}")
}

/// The Score file of workload `i`.
pub fn workload(i: usize) -> String {
    let name = name(i);
    let (variable, resource) = if i.is_multiple_of(2) {
        ("      PUBLIC_URL: https://${resources.dns.host}\n".to_string(), "  dns:\n    type: dns\n".to_string())
    } else {
        (
            String::new(),
            format!(
                "  route:\n    type: route\n    params:\n      host: {name}.example.com\n      path: /\n      port: web\n"
            ),
        )
    };
    format!(
        "apiVersion: score.dev/v1b1
metadata:
  name: {name}
service:
  ports:
    web:
      port: 80
      targetPort: 8080
containers:
  main:
    image: ghcr.io/example/app:1.0.0
    variables:
      DB_HOST: ${{resources.db.host}}
      DB_PORT: ${{resources.db.port}}
      DB_PASSWORD: ${{resources.db.password}}
      CACHE_URL: redis://${{resources.cache.host}}:${{resources.cache.port}}
{variable}resources:
  db:
    type: postgres
  cache:
    type: redis
{resource}"
    )
}

/// Writes `count` workload files into `dir/workloads/` and the chart's values into
/// `dir/values.yaml`.
pub fn write(dir: &Path, count: usize) -> std::io::Result<()> {
    let workloads = dir.join("workloads");
    std::fs::create_dir_all(&workloads)?;
    let mut values = String::from("seed: bench\nworkloads:\n");
    for i in 0..count {
        std::fs::write(workloads.join(format!("{}.score.yaml", name(i))), workload(i))?;
        let _ = writeln!(values, "- {{name: {}, route: {}}}", name(i), !i.is_multiple_of(2));
    }
    std::fs::write(dir.join("values.yaml"), values)
}

/// One workload with `count` resources of `kind` (`dns` or `postgres`), one variable reading each.
pub fn wide(kind: &str, count: usize) -> String {
    let key = if kind == "dns" { "host" } else { "port" };
    let mut text = String::from(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: wide\ncontainers:\n  main:\n    image: ghcr.io/example/app:1.0.0\n    variables:\n",
    );
    for i in 0..count {
        let _ = writeln!(text, "      V{i}: ${{resources.r{i}.{key}}}");
    }
    text.push_str("resources:\n");
    for i in 0..count {
        let _ = writeln!(text, "  r{i}:\n    type: {kind}");
    }
    text
}
