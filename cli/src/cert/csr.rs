//! `dho-wss cert csr`: a new RSA key, written as encrypted PKCS#8 (PBES2: PBKDF2-HMAC-SHA256 +
//! AES-256-CBC, mode 0600, never overwriting), and a PKCS#10 certificate signing request
//! (SHA-256 with RSA) for the subject the service assigned.

use std::path::PathBuf;

use clap::Args;
use der::asn1::{Any, BitString, PrintableStringRef, Utf8StringRef};
use der::{Decode as _, Encode as _};
use dho_wss::crypto::{default_provider, SignatureAlgorithm};
use pkcs8::pkcs5::pbes2;
use pkcs8::{EncodePrivateKey as _, PrivateKeyInfoRef};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, Version};

use crate::cert::pem;
use crate::fail::{Exit, Failure, Result};
use crate::files::{self, Mode};
use crate::password::PasswordArgs;

/// PBKDF2-HMAC-SHA256 iterations for the key file (OWASP's figure for PBKDF2-SHA256).
pub(crate) const PBKDF2_ITERATIONS: u32 = 600_000;

const OID_C: &str = "2.5.4.6";
const OID_O: &str = "2.5.4.10";
const OID_OU: &str = "2.5.4.11";
const OID_SERIAL: &str = "2.5.4.5";
const OID_CN: &str = "2.5.4.3";
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
/// X.520 upper bound of the name attributes (ub-common-name 64; O and OU 64; serialNumber 64).
const MAX_ATTR_LEN: usize = 64;

#[derive(Debug, Args)]
pub(crate) struct CsrArgs {
    /// The common name the service assigned (DOV/MAGDA: one per organisation, application and environment)
    #[arg(long, value_name = "CN")]
    cn: String,
    /// Country (two letters)
    #[arg(long = "c", value_name = "CC")]
    country: Option<String>,
    /// Organisation
    #[arg(long = "o", value_name = "ORG")]
    organisation: Option<String>,
    /// Organisational unit
    #[arg(long = "ou", value_name = "OU")]
    unit: Option<String>,
    /// The subject serialNumber (e.g. the KBO or OVO number)
    #[arg(long, value_name = "SERIAL")]
    serial: Option<String>,
    /// RSA key size
    #[arg(long, default_value_t = 3072, value_parser = parse_bits)]
    bits: usize,
    /// Where the new encrypted private key is written (mode 0600; never overwritten)
    #[arg(long, value_name = "KEY.pem")]
    key_out: PathBuf,
    /// Where the CSR is written (PEM)
    #[arg(long, value_name = "CSR.pem")]
    csr_out: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
}

fn parse_bits(s: &str) -> std::result::Result<usize, String> {
    match s {
        "2048" => Ok(2048),
        "3072" => Ok(3072),
        "4096" => Ok(4096),
        _ => Err("RSA key size must be 2048, 3072 or 4096".to_owned()),
    }
}

fn attribute(oid: &str, value: &str, printable: bool) -> Result<RelativeDistinguishedName> {
    let bad = |why: &str| Failure::usage(format!("subject attribute {oid} = {value:?}: {why}"));
    if value.is_empty() || value.chars().count() > MAX_ATTR_LEN {
        return Err(bad("must have 1..=64 characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(bad("holds a control character"));
    }
    let any = if printable {
        Any::encode_from(&PrintableStringRef::new(value).map_err(|_| bad("is not a PrintableString"))?)
    } else {
        Any::encode_from(&Utf8StringRef::new(value).map_err(|e| bad(&e.to_string()))?)
    }
    .map_err(|e| bad(&e.to_string()))?;
    let oid = ObjectIdentifier::new(oid).map_err(|e| bad(&e.to_string()))?;
    RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid, value: any }])
        .map_err(|e| bad(&e.to_string()))
}

/// The subject in the order the DOV/MAGDA pages show: C, O, OU, serialNumber, CN.
fn subject(args: &CsrArgs) -> Result<Name> {
    let mut rdns = RdnSequence::default();
    if let Some(c) = &args.country {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Failure::usage(format!("--c {c:?}: a country is two capital letters (BE)")));
        }
        rdns.push(attribute(OID_C, c, true)?);
    }
    if let Some(o) = &args.organisation {
        rdns.push(attribute(OID_O, o, false)?);
    }
    if let Some(ou) = &args.unit {
        rdns.push(attribute(OID_OU, ou, false)?);
    }
    if let Some(serial) = &args.serial {
        rdns.push(attribute(OID_SERIAL, serial, true)?);
    }
    rdns.push(attribute(OID_CN, &args.cn, false)?);
    // Name has no public constructor from an RdnSequence; both have the same DER.
    let der = rdns.to_der().map_err(|e| internal("subject", e))?;
    Name::from_der(&der).map_err(|e| internal("subject", e))
}

fn internal(what: &str, e: impl std::fmt::Display) -> Failure {
    Failure::new(Exit::Invalid, format!("{what}: {e}"))
}

pub(crate) fn run(args: &CsrArgs) -> Result<()> {
    let subject = subject(args)?;
    if args.key_out == args.csr_out {
        return Err(Failure::usage("--key-out and --csr-out must differ"));
    }
    files::check_new(&args.key_out)?;
    let password = args.password.new_password(&args.key_out.display().to_string())?;

    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, args.bits).map_err(|e| internal("key generation", e))?;
    let pkcs8 = key.to_pkcs8_der().map_err(|e| internal("key encoding", e))?;
    let signing_key = default_provider().load_signing_key(pkcs8.as_bytes()).map_err(|e| internal("new key", e))?;

    let public_key = SubjectPublicKeyInfoOwned::from_der(signing_key.public_key_spki_der())
        .map_err(|e| internal("public key", e))?;
    let info = CertReqInfo { version: Version::V1, subject, public_key, attributes: Default::default() };
    let tbs = info.to_der().map_err(|e| internal("CSR encoding", e))?;
    let signature = signing_key.sign(SignatureAlgorithm::RsaSha256, &tbs).map_err(|e| internal("CSR signature", e))?;
    let oid = ObjectIdentifier::new(SHA256_WITH_RSA).map_err(|e| internal("OID", e))?;
    let req = CertReq {
        info,
        algorithm: AlgorithmIdentifierOwned { oid, parameters: Some(Any::null()) },
        signature: BitString::from_bytes(&signature).map_err(|e| internal("CSR signature", e))?,
    };
    let csr_der = req.to_der().map_err(|e| internal("CSR encoding", e))?;

    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    getrandom::fill(&mut salt).and_then(|()| getrandom::fill(&mut iv)).map_err(|e| internal("random", e))?;
    let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, iv)
        .map_err(|e| internal("PBES2 parameters", e))?;
    let encrypted = PrivateKeyInfoRef::try_from(pkcs8.as_bytes())
        .and_then(|info| info.encrypt_with_params(params, password.as_bytes()))
        .map_err(|e| internal("key encryption", e))?;
    let key_pem = pem::encode("ENCRYPTED PRIVATE KEY", encrypted.as_bytes());

    // Both files staged before either is placed; if the CSR cannot be placed, the new key
    // is taken away again (it would be a key without a request).
    let key_file = files::stage(&args.key_out, key_pem.as_bytes(), Mode::Secret)?;
    let csr_file = files::stage(&args.csr_out, pem::encode("CERTIFICATE REQUEST", &csr_der).as_bytes(), Mode::Replace)?;
    key_file.commit()?;
    if let Err(e) = csr_file.commit() {
        let _ = std::fs::remove_file(&args.key_out);
        return Err(e);
    }
    eprintln!(
        "dho-wss: wrote {} (RSA {} bits, encrypted) and {}",
        args.key_out.display(),
        args.bits,
        args.csr_out.display()
    );
    Ok(())
}
