//! Build → write → read → equal, for every message kind and both schema versions,
//! plus property tests over generated messages.

use crate::common::model::gen::*;
use crate::common::model::*;
use dho_wss::model::*;
use dho_wss::soap::{SOAP11_NS, WSSE_NS};
use dho_wss::xml::{Document, XmlWriter};
use proptest::prelude::*;

fn roundtrip(env: &Envelope, version: Option<SchemaVersion>) -> Envelope {
    let bytes = env.to_bytes().expect("write");
    let back = Envelope::from_envelope_bytes_with(&bytes, version)
        .unwrap_or_else(|e| panic!("read back: {e}\n{}", String::from_utf8_lossy(&bytes)));
    // Writing again gives the same bytes.
    assert_eq!(back.to_bytes().expect("rewrite"), bytes);
    back
}

#[test]
fn every_sample_roundtrips_with_declared_version() {
    for (label, v, env) in envelopes() {
        let back = roundtrip(&env, Some(v));
        assert_eq!(back, env, "{label}");
    }
}

#[test]
fn repliek_version_is_detected() {
    for v in [SchemaVersion::V02_00, SchemaVersion::V01_02] {
        for r in [repliek(v), repliek_level2(v)] {
            let env = Envelope::Repliek { operatie: operatie(), repliek: r };
            let back = roundtrip(&env, None);
            assert_eq!(back.schema_version(), Some(v));
            assert_eq!(back, env);
        }
    }
}

#[test]
fn verzoek_detected_as_02_00() {
    let env = Envelope::Verzoek { operatie: operatie(), verzoek: verzoek(SchemaVersion::V01_02) };
    let back = roundtrip(&env, None);
    assert_eq!(back.schema_version(), Some(SchemaVersion::V02_00));
}

#[test]
fn repliek_keeps_both_uitzondering_levels() {
    let r = repliek(SchemaVersion::V02_00);
    let env = Envelope::Repliek { operatie: operatie(), repliek: r.clone() };
    let Envelope::Repliek { repliek: back, .. } = roundtrip(&env, None) else { panic!("not a Repliek") };
    assert_eq!(back.uitzonderingen().len(), 1);
    assert_eq!(back.antwoorden().len(), 3);
    assert!(!back.antwoorden()[0].is_fout());
    assert!(!back.antwoorden()[1].is_fout());
    assert_eq!(back.antwoorden()[1].uitzonderingen().len(), 1);
    assert!(back.antwoorden()[2].is_fout());
    assert!(back.antwoorden()[2].inhoud().is_none());
    assert_eq!(back.antwoorden()[2].uitzonderingen()[0].omstandigheid(), Some("BR_LKA0001\r"));
    assert_eq!(back, r);
}

#[test]
fn faults_roundtrip_with_resolved_codes() {
    for f in faults() {
        let env = Envelope::Fault(f.clone());
        assert_eq!(roundtrip(&env, None), env);
    }
    let env = Envelope::Fault(ok(Fault::new(ok(FaultCode::wsse("FailedCheck")), "x")));
    let bytes = env.to_bytes().expect("write");
    let text = String::from_utf8(bytes).expect("utf8");
    // The code's prefix is bound on the Envelope, where a signature's PrefixList covers it (F4).
    assert!(
        text.starts_with(&format!("<soapenv:Envelope xmlns:soapenv=\"{SOAP11_NS}\" xmlns:wsse=\"{WSSE_NS}\">")),
        "{text}"
    );
    assert!(text.contains("<faultcode>wsse:FailedCheck</faultcode>"), "{text}");
    // Written alone (no Envelope), the Fault declares it on faultcode itself.
    let mut w = XmlWriter::fragment_in_scope([(Some("soapenv"), SOAP11_NS)]);
    env.write_body_child(&mut w).expect("write");
    let alone = String::from_utf8(w.finish().expect("finish")).expect("utf8");
    assert!(alone.contains(&format!("<faultcode xmlns:wsse=\"{WSSE_NS}\">wsse:FailedCheck</faultcode>")), "{alone}");
}

#[test]
fn body_child_is_written_for_the_signer() {
    let env = Envelope::Verzoek { operatie: operatie(), verzoek: verzoek(SchemaVersion::V02_00) };
    let mut w = XmlWriter::new();
    env.write_with(
        &mut w,
        |w| {
            w.start_element(Some("wsse"), "Security")?.declare_namespace(Some("wsse"), WSSE_NS)?.end_element()?;
            Ok(())
        },
        |w| {
            w.declare_namespace(Some("wsu"), "urn:wsu")?.attribute(Some("wsu"), "Id", "id-1")?;
            Ok(())
        },
    )
    .expect("write");
    let bytes = w.finish().expect("finish");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("<soapenv:Header><wsse:Security"), "{text}");
    assert!(
        text.contains("<soapenv:Body xmlns:wsu=\"urn:wsu\" wsu:Id=\"id-1\"><op:GeefHistoriekInschrijving xmlns:op="),
        "{text}"
    );
    let doc = Document::parse(&bytes).expect("parse");
    assert_eq!(Envelope::read(doc.root(), None).expect("read"), env);

    // write_body_child alone gives the same operation element.
    let mut w = XmlWriter::new();
    env.write_body_child(&mut w).expect("write body child");
    let child = w.finish().expect("finish");
    assert!(text.contains(std::str::from_utf8(&child).expect("utf8")));
    let doc = Document::parse(&child).expect("parse");
    assert_eq!(Envelope::read_body_child(doc.root(), None).expect("read"), env);
}

// ---------------------------------------------------------------- property tests

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn generated_verzoek_roundtrips((op, vz) in verzoek_s()) {
        let v = vz.schema_version();
        let env = Envelope::Verzoek { operatie: op, verzoek: vz };
        let bytes = env.to_bytes().expect("write");
        let back = Envelope::from_envelope_bytes_with(&bytes, Some(v)).expect("read");
        prop_assert_eq!(&back, &env);
        prop_assert_eq!(back.to_bytes().expect("rewrite"), bytes);
        // Typed Inhoud survives text with CR, markup characters and non-ASCII.
        if let (Envelope::Verzoek { verzoek: a, .. }, Envelope::Verzoek { verzoek: b, .. }) = (&back, &env) {
            for (x, y) in a.vragen().iter().zip(b.vragen()) {
                prop_assert_eq!(x.inhoud().decode::<Velden>().expect("decode"), y.inhoud().decode::<Velden>().expect("decode"));
            }
        }
    }

    #[test]
    fn generated_repliek_roundtrips(r in repliek_s()) {
        let v = r.schema_version();
        let env = Envelope::Repliek { operatie: operatie(), repliek: r };
        let bytes = env.to_bytes().expect("write");
        let back = Envelope::from_envelope_bytes_with(&bytes, Some(v)).expect("read");
        prop_assert_eq!(&back, &env);
        prop_assert_eq!(back.to_bytes().expect("rewrite"), bytes);
    }

    #[test]
    fn generated_fault_roundtrips(s in text(0, 80), actor in proptest::option::of(text(1, 40)), detail in proptest::option::of(text(0, 40))) {
        let mut f = Fault::new(FaultCode::client(), s).expect("Fault");
        if let Some(a) = actor { f = f.with_actor(a).expect("actor"); }
        if let Some(d) = detail { f = f.with_detail(Detail::message(&d).expect("detail")); }
        let env = Envelope::Fault(f);
        let bytes = env.to_bytes().expect("write");
        prop_assert_eq!(Envelope::from_envelope_bytes(&bytes).expect("read"), env);
    }

    /// The reader never panics, whatever the bytes.
    #[test]
    fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Envelope::from_envelope_bytes(&bytes);
    }

    /// Nor on mutations of a valid message.
    #[test]
    fn reader_never_panics_on_mutations(pos in 0usize..4000, len in 0usize..20, with in text(0, 10)) {
        let env = Envelope::Repliek { operatie: operatie(), repliek: repliek(SchemaVersion::V02_00) };
        let s = String::from_utf8(env.to_bytes().expect("write")).expect("utf8");
        let mut cut = pos.min(s.len());
        while !s.is_char_boundary(cut) { cut -= 1; }
        let mut end = (cut + len).min(s.len());
        while !s.is_char_boundary(end) { end -= 1; }
        let mutated = format!("{}{}{}", &s[..cut], with, &s[end..]);
        let _ = Envelope::from_envelope_bytes(mutated.as_bytes());
    }
}
