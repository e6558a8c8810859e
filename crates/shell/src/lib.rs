//! The fake machine behind the SSH and Telnet honeypots: persona, copy-on-write filesystem, shell parser, and one
//! file per emulated command.
//!
//! Architecture invariant: nothing here touches the real file system or runs a real process.
//! It is filled in by the SSH + Telnet honeypot issue; see `ARCHITECTURE.md`.
