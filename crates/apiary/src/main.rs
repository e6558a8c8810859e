//! `apiary`: the one binary. Parsing and wiring live in [`cli`]; the work is done by the library crates.

mod alloc;
mod cli;

/// Every allocation of the process (see [`alloc`]: jemalloc for `apiary server`, glibc's malloc otherwise).
#[global_allocator]
static ALLOC: alloc::Alloc = alloc::Alloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
