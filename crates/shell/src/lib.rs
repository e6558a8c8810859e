//! The fake machine behind the SSH and Telnet honeypots: persona, copy-on-write filesystem, shell parser, and one
//! file per emulated command.
//!
//! Architecture invariant: nothing here touches the real file system or runs a real process.
//! It is filled in by the SSH + Telnet honeypot issue; see `ARCHITECTURE.md`.
//!
//! # Layout
//!
//! - [`parse`]: the command-line parser (bash 5.2 syntax to a syntax tree, with bash's exact error texts); pure code.
//!   - `parse/lexer.rs`: words (with their quoted and expandable parts) and operators.
//!   - `parse/parser.rs`: lists, and-or lists, pipelines, simple commands and redirections.
//!   - `parse/ast.rs`: the tree and its canonical re-rendering.

pub mod parse;
