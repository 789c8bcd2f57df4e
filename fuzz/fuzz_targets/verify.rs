//! cargo-fuzz target `verify`: arbitrary bytes, and mutations of genuine signed
//! messages, through the WS-Security verifier. It must never panic, and any
//! input it accepts must carry the signed Body of a genuine message (one of the
//! checked-in fixtures that verify): the fuzzer cannot make signatures, so a
//! mutation that verifies may only have touched what the signature does not
//! cover, never a Body's canonical bytes.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use dho_wss::clock::FixedClock;
use dho_wss::pki::{CertificateValidator, TrustAnchors};
use dho_wss::wss::{SignatureProfile, VerificationPolicy, Verifier};
use dho_wss::xml::{Document, ExcC14n};

const SEEDS: [&[u8]; 3] = [
    include_bytes!("../../tests/fixtures/attacks/ok_baseline.xml"),
    include_bytes!("../../tests/fixtures/attacks/ok_pkipath.xml"),
    include_bytes!("../../tests/fixtures/attacks/ok_timestamp.xml"),
];

struct State {
    verifier: Verifier,
    /// The canonical Body of every genuine signed message this verifier accepts.
    bodies: Vec<Vec<u8>>,
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/attacks");

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| {
        let anchors = TrustAnchors::from_pem(include_bytes!("../../testdata/pki/ca.pem")).expect("test CA");
        // The fixtures' clock (tests/fixtures/attacks/manifest.tsv), 30 s later.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_244_143 + 30);
        let verifier = Verifier::new(
            VerificationPolicy::dho_legacy_rsa_sha1().also_accept(SignatureProfile::rsa_sha256()),
            CertificateValidator::new(anchors),
        )
        .with_clock(Arc::new(FixedClock(now)));
        for seed in SEEDS {
            verifier.verify(seed).expect("seed verifies");
        }
        let mut bodies = Vec::new();
        for entry in std::fs::read_dir(FIXTURES).expect("tests/fixtures/attacks").flatten() {
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            if let Ok(v) = verifier.verify(&bytes) {
                bodies.push(ExcC14n::new().canonicalize(v.body()).expect("c14n"));
            }
        }
        State { verifier, bodies }
    })
}

fn check(message: &[u8]) {
    let st = state();
    if let Ok(verified) = st.verifier.verify(message) {
        let body = ExcC14n::new().canonicalize(verified.body()).expect("verified body canonicalizes");
        assert!(st.bodies.contains(&body), "accepted a message whose signed Body is not a genuine one");
        // The typed view reads from the same tree without panicking.
        let _ = verified.message(None);
        // And the verified bytes parse as a document on their own.
        assert!(Document::parse(message).is_ok());
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        // Splice: replace a range of a genuine message with the rest of the input.
        Some((&mode, rest)) if mode & 1 == 1 && rest.len() >= 4 => {
            let seed = SEEDS[(mode as usize >> 1) % SEEDS.len()];
            let at = u16::from_le_bytes([rest[0], rest[1]]) as usize % seed.len();
            let cut = (rest[2] as usize).min(seed.len() - at);
            let mut m = Vec::with_capacity(seed.len() + rest.len());
            m.extend_from_slice(&seed[..at]);
            m.extend_from_slice(&rest[3..]);
            m.extend_from_slice(&seed[at + cut..]);
            check(&m);
        }
        _ => check(data),
    }
});
