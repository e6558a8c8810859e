//! `apiary`: the one binary. Parsing and wiring live in [`cli`]; the work is done by the library crates.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
