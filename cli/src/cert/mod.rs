//! `dho-wss cert …`: the certificate lifecycle of the Flemish PKI pages — a key and CSR,
//! PKCS#12 files, the JWK for ACM.

use clap::Subcommand;

use crate::fail::Result;

pub(crate) mod check;
pub(crate) mod csr;
pub(crate) mod jwk;
pub(crate) mod p12;
pub(crate) mod pem;

#[derive(Debug, Subcommand)]
pub(crate) enum CertCommand {
    /// A new RSA key (encrypted PKCS#8, mode 0600) and a PKCS#10 CSR for the CN the service assigned
    #[command(
        after_help = "Example:\n  DHO_WSS_PASSWORD=… dho-wss cert csr --cn dho-001234-test --c BE --o 'Hogeschool X' \\\n    --serial 0123456789 --key-out inst.key.pem --csr-out inst.csr.pem\n\nThe subject is written in the order C, O, OU, serialNumber, CN."
    )]
    Csr(csr::CsrArgs),
    /// PKCS#12 files: create a modern one, or modernize a legacy one
    #[command(subcommand)]
    P12(p12::P12Command),
    /// Validity, days left, key, KeyUsage/EKU, CN/serialNumber and chain of a certificate (exit 1 when it needs attention)
    #[command(after_help = "Example:\n  dho-wss cert check --ca dho-ca.pem --warn-days 30 --json inst.crt.pem")]
    Check(check::CheckArgs),
    /// The certificate's public key as an RFC 7517 JWK (for ACM's Beheerportaal)
    #[command(after_help = "Example:\n  dho-wss cert jwk inst.crt.pem > inst.jwk.json")]
    Jwk(jwk::JwkArgs),
}

pub(crate) fn run(cmd: &CertCommand) -> Result<()> {
    match cmd {
        CertCommand::Csr(a) => csr::run(a),
        CertCommand::P12(c) => p12::run(c),
        CertCommand::Check(a) => check::run(a),
        CertCommand::Jwk(a) => jwk::run(a),
    }
}
