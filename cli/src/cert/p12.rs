//! `dho-wss cert p12 create|modernize`: PKCS#12 files in the modern form OpenSSL 3 opens
//! without `-legacy` (PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256 for the bags, an HMAC-SHA256
//! MAC). `modernize` re-encrypts a legacy RC2/3DES/SHA-1 file — the fix for OpenSSL 3's
//! "digital envelope routines::unsupported" without re-issuing the certificate.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use dho_wss::pki::SigningIdentity;
use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, LocalKeyId, Pkcs12ImportPolicy, PrivateKey, PrivateKeyChain};
use pkcs8::{EncodePrivateKey as _, EncryptedPrivateKeyInfoRef};
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use sha2::{Digest as _, Sha256};

use crate::cert::pem;
use crate::fail::{Exit, Failure, Result};
use crate::files::{self, Mode};
use crate::password::PasswordArgs;

/// PBKDF2 iterations of the bags and of the MAC.
const ITERATIONS: u32 = 100_000;

#[derive(Debug, Subcommand)]
pub(crate) enum P12Command {
    /// A modern PKCS#12 from a PEM key and certificate (+ chain)
    #[command(
        after_help = "Example:\n  DHO_WSS_PASSWORD=… dho-wss cert p12 create --key inst.key.pem --cert inst.crt.pem --chain ca-chain.pem --out inst.p12\n\nThe password opens the key (when it is encrypted) and protects the new file."
    )]
    Create(CreateArgs),
    /// Re-encrypt a legacy (RC2/3DES/SHA-1) PKCS#12 in the modern form
    #[command(
        after_help = "Example:\n  DHO_WSS_PASSWORD=… dho-wss cert p12 modernize old.p12 new.p12\n\nThe new file has the same password, key and certificates."
    )]
    Modernize(ModernizeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The private key (PEM: PKCS#8, encrypted PKCS#8 or PKCS#1)
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The certificate (PEM; may hold the chain after it)
    #[arg(long, value_name = "CERT.pem")]
    cert: PathBuf,
    /// The CA chain (PEM), added after the certificate
    #[arg(long, value_name = "CHAIN.pem")]
    chain: Option<PathBuf>,
    /// Where the PKCS#12 file is written (mode 0600; never overwritten)
    #[arg(long, value_name = "F.p12")]
    out: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ModernizeArgs {
    /// The legacy PKCS#12 file
    #[arg(value_name = "IN.p12")]
    input: PathBuf,
    /// Where the modern PKCS#12 file is written (mode 0600; never overwritten)
    #[arg(value_name = "OUT.p12")]
    output: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
}

pub(crate) fn run(cmd: &P12Command) -> Result<()> {
    match cmd {
        P12Command::Create(a) => create(a),
        P12Command::Modernize(a) => modernize(a),
    }
}

fn create(args: &CreateArgs) -> Result<()> {
    files::check_new(&args.out)?;
    let key_pem = files::read(&args.key, files::MAX_PKI_FILE)?;
    let cert_pem = files::read(&args.cert, files::MAX_PKI_FILE)?;
    let mut certs = pem::certificates(&args.cert, &cert_pem)?;
    if let Some(chain) = &args.chain {
        let chain_pem = files::read(chain, files::MAX_PKI_FILE)?;
        for der in pem::certificates(chain, &chain_pem)? {
            if !certs.contains(&der) {
                certs.push(der);
            }
        }
    }
    let password = args.password.new_password(&args.out.display().to_string())?;
    // The library checks the key (RSA, size, password) and that it belongs to the certificate.
    let chain_pem: String = certs.iter().map(|c| pem::encode("CERTIFICATE", c)).collect();
    let identity = SigningIdentity::from_pem(&key_pem, chain_pem.as_bytes(), Some(&password)).map_err(|e| {
        if matches!(e.root(), dho_wss::pki::KeyError::MalformedCertificate { .. }) {
            Failure::invalid(&args.cert, e)
        } else {
            Failure::invalid(&args.key, e)
        }
    })?;
    let pkcs8 = pkcs8_der(&args.key, &key_pem, &password)?;
    let p12 = write_p12(&args.cert, pkcs8, &certs, &password, identity.certificate().common_name())?;
    place(&args.out, &p12, &password, &identity)
}

fn modernize(args: &ModernizeArgs) -> Result<()> {
    files::check_new(&args.output)?;
    let der = files::read(&args.input, files::MAX_PKI_FILE)?;
    let password = args.password.require(&args.input.display().to_string())?;
    let identity = SigningIdentity::from_pkcs12(&der, &password).map_err(|e| Failure::invalid(&args.input, e))?;
    let store = KeyStore::from_pkcs12(&der, &password, Pkcs12ImportPolicy::Strict)
        .map_err(|e| Failure::invalid(&args.input, format!("PKCS#12: {e}")))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| Failure::invalid(&args.input, "PKCS#12 file: no private key entry found"))?;
    let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
    let p12 =
        write_p12(&args.input, chain.key().as_der().to_vec(), &certs, &password, identity.certificate().common_name())?;
    place(&args.output, &p12, &password, &identity)
}

/// The PKCS#8 DER of the single private key of `key_pem` (the library has checked it already).
fn pkcs8_der(path: &Path, key_pem: &[u8], password: &str) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| Failure::invalid(path, e);
    if let Some(der) = pem::blocks(path, key_pem, "ENCRYPTED PRIVATE KEY")?.first() {
        let info = EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).map_err(|e| fail(&e))?;
        return Ok(info
            .decrypt(password)
            .map_err(|_| fail(&"wrong password for the encrypted private key"))?
            .as_bytes()
            .to_vec());
    }
    if let Some(der) = pem::blocks(path, key_pem, "PRIVATE KEY")?.first() {
        return Ok(der.clone());
    }
    if let Some(der) = pem::blocks(path, key_pem, "RSA PRIVATE KEY")?.first() {
        let key = rsa::PrivateKey::from_pkcs1_der(der).map_err(|e| fail(&e))?;
        return Ok(key.to_pkcs8_der().map_err(|e| fail(&e))?.as_bytes().to_vec());
    }
    Err(fail(&"no private key found"))
}

/// A modern PKCS#12 with one key entry: the key and the chain, leaf first.
fn write_p12(source: &Path, pkcs8: Vec<u8>, certs: &[Vec<u8>], password: &str, name: Option<&str>) -> Result<Vec<u8>> {
    let fail = |e: p12_keystore::error::Error| Failure::invalid(source, format!("PKCS#12: {e}"));
    let key = PrivateKey::from_der(&pkcs8).map_err(fail)?;
    let certs =
        certs.iter().map(|c| Certificate::from_der(c)).collect::<std::result::Result<Vec<_>, _>>().map_err(fail)?;
    let local_key_id =
        LocalKeyId::from(Sha256::digest(certs.first().map(Certificate::as_der).unwrap_or_default()).to_vec());
    let mut store = KeyStore::new();
    store.add_entry(
        name.unwrap_or("dho-wss"),
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
    );
    store.writer(password).encryption_iterations(ITERATIONS).mac_iterations(ITERATIONS).write().map_err(fail)
}

/// Reads the new file back through the library before it is put in place: the same identity.
fn place(out: &Path, p12: &[u8], password: &str, identity: &SigningIdentity) -> Result<()> {
    let back = SigningIdentity::from_pkcs12(p12, password)
        .map_err(|e| Failure::new(Exit::Invalid, format!("{}: the new file does not read back: {e}", out.display())))?;
    if back.certificate_der() != identity.certificate_der()
        || back.signing_key().public_key_spki_der() != identity.signing_key().public_key_spki_der()
    {
        return Err(Failure::new(
            Exit::Invalid,
            format!("{}: the new file reads back as another identity", out.display()),
        ));
    }
    files::write(out, p12, Mode::Secret)?;
    eprintln!("dho-wss: wrote {} ({})", out.display(), identity.certificate().subject_dn());
    Ok(())
}
