//! The gateway end to end: the binary as a child process, real TLS clients (curl, Python
//! `ssl`, rustls), the counting backend, SQLite and PostgreSQL stores. See `gateway/README.md`.

#[path = "../../../tests/common/skip.rs"]
#[allow(dead_code)]
mod skip;
#[allow(dead_code)]
mod support;

mod bad_input;
mod delivery;
mod endtoend;
