//! The HTTPS client (feature `client`) against an independent peer: a Python standard-library
//! HTTPS server (`peer/server.py`, OpenSSL) that requires our client certificate, checks each
//! request's signature with xmlsec1 and answers with replies signed by xmlsec1.
//! `cargo test --features client --test client`.

#[path = "../common/mod.rs"]
mod common;

mod https;
