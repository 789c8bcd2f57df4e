//! Peak heap memory of signing and verifying, measured with a counting global allocator
//! (`peak_alloc`: requested bytes, not allocator overhead). See `benches/README.md`,
//! section "WS-Security".
//!
//! For each provider and sample: the highest number of bytes allocated at once during one
//! `sign_envelope` / `verify`, above what was allocated before the call (the input message is
//! the caller's and is not counted; the result — signed bytes, or the `VerifiedEnvelope` with
//! its parsed tree — is). Target: ≤ 4 × the message size for the 5 MB message.
//!
//! Deterministic (no timing), so it runs in full under `cargo test --benches` as well.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod wss_support;

use peak_alloc::PeakAlloc;
use wss_support::*;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

/// Peak bytes above the current level while `f` runs, and bytes still held after it (by what
/// it returned, which is dropped after the measurement).
fn measure<T>(f: impl FnOnce() -> T) -> (usize, usize) {
    let base = PEAK.current_usage();
    PEAK.reset_peak_usage();
    let kept = f();
    let peak = PEAK.peak_usage().saturating_sub(base);
    let retained = PEAK.current_usage().saturating_sub(base);
    drop(kept);
    (peak, retained)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // For a heap profiler (valgrind --tool=massif): `DHO_WSS_MEMORY_ONE=sign|verify,FILE`
    // signs (an unsigned) or verifies (a signed) envelope from FILE once, with RustCrypto, and
    // does nothing else, so the profile's peak is that operation's.
    if let Ok(spec) = std::env::var("DHO_WSS_MEMORY_ONE") {
        let (op, file) = spec.split_once(',').expect("DHO_WSS_MEMORY_ONE=sign|verify,FILE");
        let input = std::fs::read(file).expect("FILE");
        let p = providers()[0];
        match op {
            "sign" => drop(signer(p).sign_envelope(&input).unwrap()),
            _ => drop(verifier(p, true).verify(&input).unwrap()),
        }
        return;
    }
    let corpus = corpus();
    println!("\n## Peak heap per operation (counting allocator)\n");
    println!("| provider | sample | message | sign peak | ratio | verify peak | ratio | verify retained |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut worst_5mb: f64 = 0.0;
    for p in providers() {
        let signer = signer(p);
        let verifier = verifier(p, true);
        for sample in &corpus {
            // Warm up: one-time initialization (OpenSSL, caches) is not per-message memory.
            let signed = signer.sign_envelope(&sample.unsigned).unwrap();
            verifier.verify(&signed).unwrap();

            // The owned entry points: the message buffer (allocated before the call, like
            // the borrowed input) becomes the parsed document's source without a copy.
            let (signer_ref, verifier_ref) = (&signer, &verifier);
            let unsigned = sample.unsigned.clone();
            let (sign_peak, _) = measure(move || signer_ref.sign_envelope_owned(unsigned).unwrap());
            let input = signed.clone();
            let (verify_peak, verify_kept) = measure(move || verifier_ref.verify_owned(input).unwrap());
            let (borrowed_sign_peak, _) = measure(|| signer.sign_envelope(&sample.unsigned).unwrap());
            let (borrowed_verify_peak, _) = measure(|| verifier.verify(&signed).unwrap());
            println!(
                "<!-- {} {}: borrowed input sign {:.2}×, verify {:.2}× -->",
                p.name,
                sample.name,
                borrowed_sign_peak as f64 / signed.len() as f64,
                borrowed_verify_peak as f64 / signed.len() as f64
            );
            let size = signed.len() as f64;
            let (rs, rv) = (sign_peak as f64 / size, verify_peak as f64 / size);
            if sample.name == "body5mb" {
                worst_5mb = worst_5mb.max(rs).max(rv);
            }
            println!(
                "| {} | {} | {} | {} | {rs:.2}× | {} | {rv:.2}× | {} |",
                p.name,
                sample.name,
                fmt_size(signed.len()),
                fmt_size(sign_peak),
                fmt_size(verify_peak),
                fmt_size(verify_kept),
            );
        }
    }
    println!(
        "\nPeak memory for the 5 MB message: {worst_5mb:.2} × its size (target ≤ 4: {})",
        if worst_5mb <= 4.0 { "met" } else { "MISSED" }
    );
    stages(&corpus);
}

/// Where the memory goes: the XML stages alone, on the signed messages.
fn stages(corpus: &[Sample]) {
    use dho_wss::xml::{Document, ExcC14n};
    let p = providers()[0];
    let signer = signer(p);
    println!("\n## Peak heap of the XML stages (signed message)\n");
    println!("| sample | message | parse peak | ratio | parsed tree kept | ratio | c14n of the Body peak | nodes |");
    println!("|---|---|---|---|---|---|---|---|");
    for sample in corpus {
        let signed = signer.sign_envelope(&sample.unsigned).unwrap();
        let size = signed.len() as f64;
        let (parse_peak, kept) = measure(|| Document::parse(&signed).unwrap());
        let doc = Document::parse(&signed).unwrap();
        let body = doc.root().child_elements().find(|e| e.local_name() == "Body").unwrap();
        let (c14n_peak, _) = measure(|| ExcC14n::new().canonicalize_to(body, &mut std::io::sink()).unwrap());
        println!(
            "| {} | {} | {} | {:.2}× | {} | {:.2}× | {} | {} |",
            sample.name,
            fmt_size(signed.len()),
            fmt_size(parse_peak),
            parse_peak as f64 / size,
            fmt_size(kept),
            kept as f64 / size,
            fmt_size(c14n_peak),
            doc.node_count(),
        );
    }
}
