//! The `stave` binary: see `stave --help`.
#![forbid(unsafe_code)]

/// mimalloc: a compile allocates and frees millions of small values (YAML and JSON trees,
/// strings), where it is markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A template that outgrows memory where its fuel does not count it: reported in the run's
    // diagnostics format, then the process ends (the render cannot be stopped from outside).
    stave::provision::watchdog::on_overrun(|diagnostic| {
        stave::cli::report_fatal(diagnostic);
        std::process::exit(1);
    });
    stave::cli::main()
}
