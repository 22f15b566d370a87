//! The `stave` binary: see `stave --help`.

/// mimalloc: a compile allocates and frees millions of small values (YAML and JSON trees,
/// strings), where it is markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stave::cli::main()
}
