//! The `clerkmap` command: the library's command line (`clerkmap::cli`).
#![forbid(unsafe_code)]

// mimalloc: the engine allocates many small values per record from several threads; glibc's
// allocator spent a quarter of the run time in malloc/free (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    clerkmap::cli::main()
}
