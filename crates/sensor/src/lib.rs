//! Honeypot front ends (SSH, Telnet, HTTP, low-interaction catchers, port-scan detector) and the sensor runtime that
//! writes events to the JSONL log and publishes them over hpfeeds.
//!
//! It is filled in by the SSH + Telnet honeypot issue; see `ARCHITECTURE.md`.
