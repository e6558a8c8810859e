//! `apiary`: the one binary. Parsing and wiring live in [`cli`]; the work is done by the library crates.

mod alloc;
mod cli;

/// glibc's malloc, or mimalloc for `apiary server` (see [`alloc`]).
#[global_allocator]
static ALLOC: alloc::Alloc = alloc::Alloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
