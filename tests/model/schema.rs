//! Every message the writer produces validates against schemas/ with
//! tests/schema/validate.sh (xmllint).
//!
//! Without xmllint (or without the script) the test prints `SKIPPED: …` to stderr and
//! passes, unless `DHO_WSS_REQUIRE_PEERS=1`, in which case it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::model::gen::{repliek_s, verzoek_s};
use crate::common::model::*;
use crate::common::skip;
use dho_wss::model::*;
use dho_wss::xml::XmlWriter;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// The validator script, if it and xmllint can run.
fn validator() -> Option<PathBuf> {
    if Command::new("xmllint").arg("--version").output().is_err() {
        skip("xmllint not found");
        return None;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema/validate.sh");
    if !script.is_file() {
        skip(&format!("{} not found", script.display()));
        return None;
    }
    Some(script)
}

struct Validator {
    script: PathBuf,
    dir: tempfile::TempDir,
    failures: Vec<String>,
    count: usize,
}

impl Validator {
    fn check(&mut self, label: &str, version: SchemaVersion, bytes: &[u8]) {
        let file = self.dir.path().join(format!("{}-{label}.xml", self.count));
        self.count += 1;
        std::fs::write(&file, bytes).expect("write temp file");
        let out =
            Command::new("bash").arg(&self.script).arg(version.as_str()).arg(&file).output().expect("run validate.sh");
        if !out.status.success() {
            self.failures.push(format!(
                "{label} ({version}): exit {:?}\n{}{}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(bytes)
            ));
        }
    }
}

#[test]
fn written_messages_validate() {
    let Some(script) = validator() else { return };
    let mut v = Validator { script, dir: tempfile::tempdir().expect("tempdir"), failures: Vec::new(), count: 0 };

    // Hand-made samples: both versions, both Uitzondering levels, default-namespace
    // form, 99 Vragen, Faults.
    for (label, version, env) in envelopes() {
        v.check(&label, version, &env.to_bytes().expect("write"));
        // The Body child alone, as the signer writes it into its own envelope.
        if !matches!(env, Envelope::Fault(_)) {
            let mut w = XmlWriter::new();
            env.write_body_child(&mut w).expect("write body child");
            v.check(&format!("{label}-body-child"), version, &w.finish().expect("finish"));
        }
    }

    // Generated messages (fixed seed, so failures reproduce).
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    for i in 0..12 {
        let (op, vz) = verzoek_s().new_tree(&mut runner).expect("generate").current();
        let version = vz.schema_version();
        let env = Envelope::Verzoek { operatie: op, verzoek: vz };
        v.check(&format!("generated-verzoek-{i}"), version, &env.to_bytes().expect("write"));
        let r = repliek_s().new_tree(&mut runner).expect("generate").current();
        let version = r.schema_version();
        let env = Envelope::Repliek { operatie: operatie(), repliek: r };
        v.check(&format!("generated-repliek-{i}"), version, &env.to_bytes().expect("write"));
    }

    // The real-world fixtures as the writer writes them back.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/messages");
    match std::fs::read_dir(&fixtures) {
        Ok(entries) => {
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".xml") {
                    continue;
                }
                let bytes = std::fs::read(e.path()).expect("read fixture");
                let version =
                    if name.starts_with("generiek-01.02") { SchemaVersion::V01_02 } else { SchemaVersion::V02_00 };
                let env =
                    Envelope::from_envelope_bytes_with(&bytes, Some(version)).unwrap_or_else(|e| panic!("{name}: {e}"));
                v.check(&format!("rewritten-{name}"), version, &env.to_bytes().expect("write"));
            }
        }
        Err(_) => skip(&format!("{} not found", fixtures.display())),
    }

    eprintln!("validated {} messages with {}", v.count, v.script.display());
    assert!(
        v.failures.is_empty(),
        "{} of {} messages do not validate:\n\n{}",
        v.failures.len(),
        v.count,
        v.failures.join("\n\n")
    );
}
