//! The `stave` binary: see `stave --help`.

fn main() -> std::process::ExitCode {
    stave::cli::main()
}
