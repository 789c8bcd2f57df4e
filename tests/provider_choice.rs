//! The crypto provider is chosen once and everything that does cryptography uses it (issue 11
//! §2): an identity remembers the provider that loaded its key and its `Signer` digests and
//! signs with it; a `Verifier` verifies messages and chains with one provider; the `Pep` and
//! the reply signer of a `Provider` run the provider they were given; `install_default` fixes
//! the process default once. Also: the `Pep` reads the time from its verifier's clock.
//!
//! Every provider here is a counting wrapper (digests made, signatures verified, keys loaded,
//! signatures made by its keys, certificate-chain signatures verified by its chain algorithms)
//! around a real one. This binary installs the counting [`DEFAULT`] as its process default, so
//! a test can tell "the chosen provider did it" from "the default did it". Every test holds
//! [`SERIAL`] (through [`setup`]): the counters are process-wide. That is why this is a binary
//! of its own, not a module of `tests/provider/`: there, the other tests would run on this
//! default (and move its counters) or take the default first, so that `install_default`
//! failed; and the child process it starts runs this binary's tests by their bare names.

mod common;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime};

use common::{pki, t2026, validator};
use dho_wss::clock::FixedClock;
use dho_wss::crypto::{
    default_provider, install_default, CryptoError, CryptoProvider, Digest, DigestAlgorithm, RustCryptoProvider,
    SignatureAlgorithm, SigningKey,
};
use dho_wss::model::{Afzender, Envelope, Inhoud, Operatie, Uitkomst, Versie, Verzoek, Vraag};
use dho_wss::pki::{SigningIdentity, TrustError};
use dho_wss::provider::{
    AuthorizedVerzoek, Bindings, HandlerError, MemoryStore, OperationSpec, Outcome, Pep, PepPolicy, Provider,
    Rejection, VraagHandler,
};
use dho_wss::wss::{SignatureProfile, Signer, VerificationPolicy, Verifier, VerifyError};
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

// ------------------------------------------------------------------ the counting provider

/// What a [`Counting`] provider did.
#[derive(Debug, Default)]
struct Counts {
    digests: AtomicUsize,
    verifications: AtomicUsize,
    keys_loaded: AtomicUsize,
    signatures: AtomicUsize,
    chain_signatures: AtomicUsize,
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    digests: usize,
    verifications: usize,
    keys_loaded: usize,
    signatures: usize,
    chain_signatures: usize,
}

impl Counts {
    const fn new() -> Self {
        Counts {
            digests: AtomicUsize::new(0),
            verifications: AtomicUsize::new(0),
            keys_loaded: AtomicUsize::new(0),
            signatures: AtomicUsize::new(0),
            chain_signatures: AtomicUsize::new(0),
        }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            digests: self.digests.load(Ordering::SeqCst),
            verifications: self.verifications.load(Ordering::SeqCst),
            keys_loaded: self.keys_loaded.load(Ordering::SeqCst),
            signatures: self.signatures.load(Ordering::SeqCst),
            chain_signatures: self.chain_signatures.load(Ordering::SeqCst),
        }
    }
}

impl Snapshot {
    /// What happened since `before`.
    fn since(self, before: Snapshot) -> Snapshot {
        Snapshot {
            digests: self.digests - before.digests,
            verifications: self.verifications - before.verifications,
            keys_loaded: self.keys_loaded - before.keys_loaded,
            signatures: self.signatures - before.signatures,
            chain_signatures: self.chain_signatures - before.chain_signatures,
        }
    }

    const NOTHING: Snapshot =
        Snapshot { digests: 0, verifications: 0, keys_loaded: 0, signatures: 0, chain_signatures: 0 };
}

/// A provider that counts what it does and lets `inner` do it.
struct Counting {
    name: &'static str,
    inner: &'static dyn CryptoProvider,
    counts: &'static Counts,
    chain: OnceLock<&'static [&'static dyn SignatureVerificationAlgorithm]>,
    legacy_sha1: OnceLock<Option<&'static dyn SignatureVerificationAlgorithm>>,
}

impl Counting {
    const fn new(name: &'static str, inner: &'static dyn CryptoProvider, counts: &'static Counts) -> Self {
        Counting { name, inner, counts, chain: OnceLock::new(), legacy_sha1: OnceLock::new() }
    }

    fn counted(&self, alg: &'static dyn SignatureVerificationAlgorithm) -> &'static dyn SignatureVerificationAlgorithm {
        Box::leak(Box::new(CountingAlgorithm { inner: alg, counts: self.counts }))
    }
}

impl fmt::Debug for Counting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Counting({}, {:?})", self.name, self.inner)
    }
}

impl CryptoProvider for Counting {
    fn new_digest(&self, alg: DigestAlgorithm) -> Box<dyn Digest> {
        self.counts.digests.fetch_add(1, Ordering::SeqCst);
        self.inner.new_digest(alg)
    }

    fn load_signing_key(&self, pkcs8_der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        self.counts.keys_loaded.fetch_add(1, Ordering::SeqCst);
        let inner = self.inner.load_signing_key(pkcs8_der)?;
        Ok(Box::new(CountingKey { inner, counts: self.counts }))
    }

    fn verify_signature(
        &self,
        alg: SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        self.counts.verifications.fetch_add(1, Ordering::SeqCst);
        self.inner.verify_signature(alg, spki_der, message, signature)
    }

    fn chain_algorithms(&self) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
        self.chain.get_or_init(|| {
            let counted: Vec<_> = self.inner.chain_algorithms().iter().map(|a| self.counted(*a)).collect();
            Box::leak(counted.into_boxed_slice())
        })
    }

    fn legacy_sha1_chain_algorithm(&self) -> Option<&'static dyn SignatureVerificationAlgorithm> {
        *self.legacy_sha1.get_or_init(|| self.inner.legacy_sha1_chain_algorithm().map(|a| self.counted(a)))
    }
}

/// A key of a [`Counting`] provider: counts its signatures.
struct CountingKey {
    inner: Box<dyn SigningKey>,
    counts: &'static Counts,
}

impl fmt::Debug for CountingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl SigningKey for CountingKey {
    fn sign(&self, alg: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.counts.signatures.fetch_add(1, Ordering::SeqCst);
        self.inner.sign(alg, message)
    }

    fn public_key_spki_der(&self) -> &[u8] {
        self.inner.public_key_spki_der()
    }

    fn modulus_bits(&self) -> usize {
        self.inner.modulus_bits()
    }
}

/// A chain algorithm of a [`Counting`] provider: counts the certificate signatures it checks.
#[derive(Debug)]
struct CountingAlgorithm {
    inner: &'static dyn SignatureVerificationAlgorithm,
    counts: &'static Counts,
}

impl SignatureVerificationAlgorithm for CountingAlgorithm {
    fn verify_signature(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        self.counts.chain_signatures.fetch_add(1, Ordering::SeqCst);
        self.inner.verify_signature(public_key, message, signature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }
}

static RUST_CRYPTO: RustCryptoProvider = RustCryptoProvider::new();

static DEFAULT_COUNTS: Counts = Counts::new();
/// This binary's process default (installed by [`setup`]).
static DEFAULT: Counting = Counting::new("default", &RUST_CRYPTO, &DEFAULT_COUNTS);

static CHOSEN_COUNTS: Counts = Counts::new();
/// The provider the tests choose explicitly (RustCrypto too: what differs is the choice).
static CHOSEN: Counting = Counting::new("chosen", &RUST_CRYPTO, &CHOSEN_COUNTS);

/// Serializes the tests that compare counters.
static SERIAL: Mutex<()> = Mutex::new(());

/// Installs [`DEFAULT`] as the process default (once; every later call finds it installed)
/// and takes [`SERIAL`].
fn setup() -> MutexGuard<'static, ()> {
    match install_default(&DEFAULT) {
        Ok(()) => {}
        Err(current) => assert!(std::ptr::addr_eq(current, &DEFAULT), "another default: {current:?}"),
    }
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn is(p: &'static dyn CryptoProvider, which: &'static Counting) -> bool {
    std::ptr::addr_eq(p, which)
}

// ------------------------------------------------------------------ the message and its PEP

const NAMESPACE: &str = "urn:dho-wss:test:provider-choice";
const NAAM: &str = "GeefProviderKeuze";
const VERSIE: &str = "01.00.0000";

/// The test identity `name` (`institution` with its chain), loaded by `provider` or, with
/// `None`, by the process default.
fn identity(name: &str, provider: Option<&'static dyn CryptoProvider>) -> SigningIdentity {
    let chain = if name == "institution" { pki("institution.chain.pem") } else { pki(&format!("{name}.crt.pem")) };
    let key = pki(&format!("{name}.key.pem"));
    match provider {
        Some(p) => SigningIdentity::from_pem_files_with_provider(key, chain, None, p),
        None => SigningIdentity::from_pem_files(key, chain, None),
    }
    .expect("test identity")
}

fn verzoek() -> Envelope {
    let afzender = Afzender::builder("001234").build().expect("afzender");
    let verzoek = Verzoek::builder(NAAM, Versie::new(VERSIE).expect("versie"), afzender)
        .vraag_inhoud(Inhoud::from_fragment("<Vraag1>1</Vraag1>").expect("inhoud"))
        .build()
        .expect("verzoek");
    Envelope::Verzoek { operatie: Operatie::new(NAMESPACE, NAAM).expect("operatie"), verzoek }
}

/// Answers every Vraag with `<Keuze/>`.
struct Answer;

impl VraagHandler for Answer {
    fn answer(&self, _: &AuthorizedVerzoek, _: &Vraag) -> Result<Uitkomst, HandlerError> {
        Ok(Uitkomst::ok(Inhoud::from_fragment("<Keuze/>")?))
    }
}

/// A provider side that verifies with `verifier` and signs replies as `provider`'s identity.
fn provider_side(verifier: Verifier, reply_identity: SigningIdentity) -> Provider<MemoryStore> {
    let bindings = Bindings::from_file(format!("{}/testdata/bindings/test.bindings", env!("CARGO_MANIFEST_DIR")))
        .expect("test.bindings");
    let spec = OperationSpec::new(NAMESPACE, NAAM).versie(Versie::new(VERSIE).expect("versie"));
    let policy = PepPolicy::new(verifier).bindings(bindings).operation(spec);
    Provider::new(Pep::new(policy), MemoryStore::new())
        .with_reply_signer(Signer::new(reply_identity, SignatureProfile::dho_legacy_rsa_sha1()))
}

/// Signs the Verzoek with `request_signer`, answers it with `provider`, and checks the signed
/// reply with `reply_verifier`.
fn round_trip(request_signer: &Signer, provider: &Provider<MemoryStore>, reply_verifier: &Verifier) {
    let request = request_signer.sign_message(&verzoek()).expect("sign the Verzoek");
    let response = provider.handle(&request, &Answer);
    assert!(matches!(response.outcome(), Outcome::Answered { .. }), "{:?}", response.outcome());
    assert!(response.is_signed());
    let reply = reply_verifier.verify(response.bytes()).expect("the signed reply verifies");
    assert_eq!(reply.signer().common_name(), Some("dho-wss-test.dho-provider"));
}

// ------------------------------------------------------------------ the tests

/// The provider chosen for the identities and the verifiers does all the work — loading both
/// keys, both signatures, every digest, both message verifications and the chains — and the
/// process default does none of it, although the validators were built with it
/// (`CertificateValidator::new` takes the default; `Verifier::with_provider` switches it).
#[test]
fn the_pep_and_the_signers_run_the_chosen_provider() {
    let _serial = setup();
    let (default_before, chosen_before) = (DEFAULT_COUNTS.snapshot(), CHOSEN_COUNTS.snapshot());

    let request_signer = Signer::new(identity("institution", Some(&CHOSEN)), SignatureProfile::dho_legacy_rsa_sha1());
    assert!(is(request_signer.identity().provider(), &CHOSEN));
    let pep_verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator())
        .with_provider(&CHOSEN)
        .with_clock(Arc::new(FixedClock(t2026())));
    assert!(is(pep_verifier.provider(), &CHOSEN));
    let provider = provider_side(pep_verifier, identity("provider", Some(&CHOSEN)));
    assert!(is(provider.pep().verifier().provider(), &CHOSEN), "the PEP verifies with the verifier it was given");
    let reply_verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator()).with_provider(&CHOSEN);

    round_trip(&request_signer, &provider, &reply_verifier);

    let chosen = CHOSEN_COUNTS.snapshot().since(chosen_before);
    assert_eq!(chosen.keys_loaded, 2, "{chosen:?}");
    assert_eq!(chosen.signatures, 2, "the Verzoek and the reply: {chosen:?}");
    assert_eq!(chosen.verifications, 2, "the PEP and the reply's verifier: {chosen:?}");
    // One Body digest per signature, and one per verification.
    assert_eq!(chosen.digests, 4, "{chosen:?}");
    // institution: leaf ← CA; provider: leaf ← CA.
    assert!(chosen.chain_signatures >= 2, "{chosen:?}");
    assert_eq!(DEFAULT_COUNTS.snapshot().since(default_before), Snapshot::NOTHING, "the default was not used");
}

/// Without a choice, the same flow runs entirely on the process default.
#[test]
fn without_a_choice_everything_runs_the_process_default() {
    let _serial = setup();
    let (default_before, chosen_before) = (DEFAULT_COUNTS.snapshot(), CHOSEN_COUNTS.snapshot());

    let request_signer = Signer::new(identity("institution", None), SignatureProfile::dho_legacy_rsa_sha1());
    assert!(is(request_signer.identity().provider(), &DEFAULT));
    let pep_verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator());
    assert!(is(pep_verifier.provider(), &DEFAULT));
    let provider = provider_side(pep_verifier, identity("provider", None));
    let reply_verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator());

    round_trip(&request_signer, &provider, &reply_verifier);

    let default = DEFAULT_COUNTS.snapshot().since(default_before);
    assert_eq!(
        (default.keys_loaded, default.signatures, default.verifications, default.digests),
        (2, 2, 2, 4),
        "{default:?}"
    );
    assert!(default.chain_signatures >= 2, "{default:?}");
    assert_eq!(CHOSEN_COUNTS.snapshot().since(chosen_before), Snapshot::NOTHING);
}

/// `Verifier::new` takes its validator's provider: a validator built for the chosen provider
/// makes a verifier that verifies the message with it too. And switching a verifier's
/// provider moves its chain validation with it.
#[test]
fn a_verifier_and_its_validator_share_one_provider() {
    let _serial = setup();
    let signed = Signer::new(identity("institution", Some(&CHOSEN)), SignatureProfile::dho_legacy_rsa_sha1())
        .sign_message(&verzoek())
        .expect("sign");

    let (default_before, chosen_before) = (DEFAULT_COUNTS.snapshot(), CHOSEN_COUNTS.snapshot());
    let adopted = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator().with_provider(&CHOSEN));
    assert!(is(adopted.provider(), &CHOSEN));
    adopted.verify(&signed).expect("verifies");
    let chosen = CHOSEN_COUNTS.snapshot().since(chosen_before);
    assert_eq!((chosen.verifications, chosen.digests), (1, 1), "{chosen:?}");
    assert!(chosen.chain_signatures >= 1, "{chosen:?}");
    assert_eq!(DEFAULT_COUNTS.snapshot().since(default_before), Snapshot::NOTHING);

    // The other way round: a verifier on the chosen provider switched to the default.
    let (default_before, chosen_before) = (DEFAULT_COUNTS.snapshot(), CHOSEN_COUNTS.snapshot());
    let switched = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator().with_provider(&CHOSEN))
        .with_provider(default_provider());
    assert!(is(switched.provider(), &DEFAULT));
    switched.verify(&signed).expect("verifies");
    let default = DEFAULT_COUNTS.snapshot().since(default_before);
    assert_eq!((default.verifications, default.digests), (1, 1), "{default:?}");
    assert!(default.chain_signatures >= 1, "chains follow the verifier's provider: {default:?}");
    assert_eq!(CHOSEN_COUNTS.snapshot().since(chosen_before), Snapshot::NOTHING);
}

/// The PEP has no clock of its own: it reads the time from the verifier it is given, so a
/// verifier whose clock stands after the signer's certificate expired makes the PEP refuse
/// the message that the same PEP with the system clock accepts.
#[test]
fn the_pep_reads_the_time_from_its_verifier() {
    let _serial = setup(); // it uses the default provider
    let request = Signer::new(identity("institution", None), SignatureProfile::dho_legacy_rsa_sha1())
        .sign_message(&verzoek())
        .expect("sign");
    let pep_at = |clock: Option<SystemTime>| {
        let mut verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator());
        if let Some(t) = clock {
            verifier = verifier.with_clock(Arc::new(FixedClock(t)));
        }
        provider_side(verifier, identity("provider", None))
    };
    // 2060-01-01: after the test PKI's 2055 end.
    let after_expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(2_840_140_800);
    match pep_at(Some(after_expiry)).pep().verify_and_authorize(&request) {
        Err(Rejection::Verification(VerifyError::Untrusted(TrustError::Expired { not_after }))) => {
            assert_eq!(not_after, SystemTime::UNIX_EPOCH + Duration::from_secs(2_682_374_400));
        }
        other => panic!("expected an expired certificate, got {other:?}"),
    }
    assert!(pep_at(Some(t2026())).pep().verify_and_authorize(&request).is_ok());
    assert!(pep_at(None).pep().verify_and_authorize(&request).is_ok(), "the system clock (before 2055)");
}

#[cfg(feature = "openssl")]
static OPENSSL: dho_wss::crypto::OpenSslProvider = dho_wss::crypto::OpenSslProvider::new();
#[cfg(feature = "openssl")]
static OPENSSL_COUNTS: Counts = Counts::new();
#[cfg(feature = "openssl")]
static COUNTING_OPENSSL: Counting = Counting::new("openssl", &OPENSSL, &OPENSSL_COUNTS);

/// A `Signer` on an identity that OpenSSL loaded signs with OpenSSL: the key is an OpenSSL key,
/// and its digests and signature are made by the OpenSSL provider, not by the (RustCrypto)
/// default. (`Signer::with_provider`, which moved only the digests, is gone.)
#[cfg(feature = "openssl")]
#[test]
fn a_signer_on_an_openssl_identity_signs_with_openssl() {
    let _serial = setup();
    let (default_before, openssl_before) = (DEFAULT_COUNTS.snapshot(), OPENSSL_COUNTS.snapshot());

    let signer = Signer::new(identity("institution", Some(&COUNTING_OPENSSL)), SignatureProfile::rsa_sha256());
    assert!(is(signer.identity().provider(), &COUNTING_OPENSSL));
    let key = format!("{:?}", signer.identity().signing_key());
    assert!(key.starts_with("OpenSslSigningKey"), "{key}");
    let signed = signer.sign_message(&verzoek()).expect("sign");

    let openssl = OPENSSL_COUNTS.snapshot().since(openssl_before);
    assert_eq!((openssl.keys_loaded, openssl.signatures, openssl.digests), (1, 1, 1), "{openssl:?}");
    assert_eq!(DEFAULT_COUNTS.snapshot().since(default_before), Snapshot::NOTHING);

    // And what it signed verifies, on either provider.
    let policy = VerificationPolicy::new(SignatureProfile::rsa_sha256());
    Verifier::new(policy.clone(), validator()).with_provider(&COUNTING_OPENSSL).verify(&signed).expect("OpenSSL");
    Verifier::new(policy, validator()).verify(&signed).expect("RustCrypto");
}

/// Set in the child process of [`install_default_works_once_in_a_fresh_process`].
const CHILD: &str = "DHO_WSS_PROVIDER_CHOICE_CHILD";

static FIRST: RustCryptoProvider = RustCryptoProvider::new();
static SECOND: RustCryptoProvider = RustCryptoProvider::new();

/// `install_default` is process-global, so the check that the first call succeeds runs in a
/// fresh process: this binary runs itself with only this test and [`CHILD`] set. There, the
/// first call installs, the default is what was installed, and later calls fail with the
/// installed provider; constructors without a provider take it. In this process (where
/// [`setup`] installed [`DEFAULT`]) a second install fails the same way.
#[test]
fn install_default_works_once_in_a_fresh_process() {
    if std::env::var_os(CHILD).is_some() {
        assert!(install_default(&FIRST).is_ok(), "the first install");
        assert!(std::ptr::addr_eq(default_provider(), &FIRST));
        match install_default(&SECOND) {
            Err(current) => assert!(std::ptr::addr_eq(current, &FIRST), "{current:?}"),
            Ok(()) => panic!("a second install succeeded"),
        }
        assert!(install_default(&FIRST).is_err(), "not even the same one twice");
        assert!(std::ptr::addr_eq(default_provider(), &FIRST));
        assert!(std::ptr::addr_eq(validator().provider(), &FIRST));
        assert!(std::ptr::addr_eq(identity("institution", None).provider(), &FIRST));
        return;
    }

    let _serial = setup();
    match install_default(&SECOND) {
        Err(current) => assert!(is(current, &DEFAULT), "{current:?}"),
        Ok(()) => panic!("a second install succeeded"),
    }

    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new(exe)
        .args(["--exact", "install_default_works_once_in_a_fresh_process", "--test-threads=1", "--nocapture"])
        .env(CHILD, "1")
        .output()
        .expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
