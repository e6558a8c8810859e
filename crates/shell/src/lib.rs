//! The fake machine behind the SSH and Telnet honeypots: persona, copy-on-write filesystem, shell parser, and one
//! file per emulated command.
//!
//! Architecture invariant: nothing here touches the real file system or runs a real process.
//! It is filled in by the SSH + Telnet honeypot issue; see `ARCHITECTURE.md`.
//!
//! # Layout
//!
//! - [`commands`]: the emulated commands, one file each (`commands/<name>.rs`), and the alphabetical `ALL` table.
//! - [`exec`]: the interpreter: a connection's [`exec::Session`] (variables, cwd, `$?`, aliases, history) runs parsed
//!   lines with expansion, redirections into the fs and pipelines; pure code, nothing is ever executed.
//!   - `exec/expand.rs`: tilde, parameters, command substitution, field splitting, globbing.
//!   - `exec/redirect.rs`: stdin, stdout and stderr of one command.
//!   - `exec/arith.rs`: `$((...))`.
//! - [`fs`]: the copy-on-write fake filesystem: an immutable base tree shared by all sessions through an `Arc`, and
//!   one overlay per connection holding only what that connection wrote; pure code, no real paths.
//! - [`parse`]: the command-line parser (bash 5.2 syntax to a syntax tree, with bash's exact error texts); pure code.
//!   - `parse/lexer.rs`: words (with their quoted and expandable parts) and operators.
//!   - `parse/parser.rs`: lists, and-or lists, pipelines, simple commands and redirections.
//!   - `parse/ast.rs`: the tree and its canonical re-rendering.
//! - [`persona`]: the fake Debian 12 machine's facts (host, kernel, CPU, memory, disks, NICs, accounts, boot time),
//!   generated at random per sensor, and the exact text of `/proc/cpuinfo`, `/etc/passwd`, … rendered from them.

pub mod commands;
pub mod exec;
pub mod fs;
pub mod net;
pub mod parse;
pub mod persona;
