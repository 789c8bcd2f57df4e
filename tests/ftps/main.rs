//! MAGDA batch files (`batch`) and their transfer over FTPS (`batch::ftps`) against real
//! vsftpd and ProFTPD servers on loopback, started by `tests/ftps/servers.sh` (which `.ci/run`
//! runs) and found through `DHO_WSS_VSFTPD*` / `DHO_WSS_PROFTPD*`; absent → SKIPPED unless
//! `DHO_WSS_REQUIRE_PEERS=1`. `cargo test --features ftps --test ftps`; see `tests/README.md`.

#[path = "../common/mod.rs"]
mod common;

mod example;
mod files;
mod magda;
mod transfer;
