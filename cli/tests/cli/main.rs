//! The `dho-wss` binary, driven as an operator would: every subcommand with its happy path
//! checked by an independent tool (openssl, PyJWT, jwcrypto, the library's verifier) and its
//! hostile inputs (bad arguments, missing files, wrong passwords, corrupt inputs) checked for
//! the exit code, a one-line error naming the file, and no partial output file.
//!
//! Run: `cargo test -p dho-wss-cli` (peers: `openssl`; a Python with
//! `cli/tests/peer/requirements.txt` in `DHO_WSS_PYTHON`; `DHO_WSS_REQUIRE_PEERS=1` turns a
//! missing peer into a failure).

mod answer;
mod batch;
mod cert;
mod inspect;
mod oauth;
mod send;
mod sign;
mod support;
