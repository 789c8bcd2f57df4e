//! Builders: every rule refused with its exact error, defaults, replying, CRUD, Inhoud.

use crate::common::model::*;
use dho_wss::model::*;
use dho_wss::soap::SOAP11_NS;
use dho_wss::xml::{Element, WriteError, XmlWriter};

const V2: SchemaVersion = SchemaVersion::V02_00;
const V1: SchemaVersion = SchemaVersion::V01_02;

fn invalid(field: &'static str, reason: Reason) -> ModelError {
    ModelError::Invalid { field, reason }
}

fn too_long(field: &'static str, max: usize, actual: usize) -> ModelError {
    invalid(field, Reason::TooLong { max, actual })
}

fn afz() -> Afzender {
    ok(Afzender::instelling(&ok(Instellingsnummer::new("001234"))).build())
}

fn versie() -> Versie {
    ok(Versie::new("02.01.0000"))
}

fn builder() -> VerzoekBuilder {
    Verzoek::builder("GeefHistoriekInschrijving", versie(), afz())
}

// ---------------------------------------------------------------- Vragen

#[test]
fn zero_vragen() {
    assert_eq!(builder().build(), Err(ModelError::NoVragen));
}

#[test]
fn hundred_vragen() {
    let mut b = builder();
    for _ in 0..100 {
        b = b.vraag_inhoud(Inhoud::empty());
    }
    assert_eq!(b.build(), Err(ModelError::TooManyVragen { count: 100 }));
}

#[test]
fn ninety_nine_vragen_are_fine() {
    let mut b = builder();
    for _ in 0..99 {
        b = b.vraag_inhoud(Inhoud::empty());
    }
    assert_eq!(ok(b.build()).vragen().len(), 99);
}

#[test]
fn duplicate_vraag_referte() {
    let r = ok(Referte::new("a"));
    let e = builder()
        .vraag(Vraag::new(r.clone(), Inhoud::empty()))
        .vraag(Vraag::new(ok(Referte::new("b")), Inhoud::empty()))
        .vraag(Vraag::new(r, Inhoud::empty()))
        .build();
    assert_eq!(e, Err(ModelError::DuplicateReferte { field: "Vraag/Referte", referte: "a".into() }));
}

// ---------------------------------------------------------------- value types

#[test]
fn referte_length() {
    assert_eq!(Referte::new(""), Err(invalid("Referte", Reason::Empty)));
    assert_eq!(Referte::new(&"x".repeat(37)), Err(too_long("Referte", 36, 37)));
    assert!(Referte::new(&"é".repeat(36)).is_ok(), "length counts characters");
    assert_eq!(Referte::new("a\u{0}"), Err(invalid("Referte", Reason::IllegalCharacter { code: 0 })));
}

#[test]
fn referte_over_24_in_01_02() {
    let long = ok(Referte::new(&"v".repeat(25)));
    let a = ok(Afzender::builder("x").referte(Referte::generate_for(V1)).build());
    let e = Verzoek::builder("N", versie(), a.clone())
        .schema_version(V1)
        .vraag(Vraag::new(long.clone(), Inhoud::empty()))
        .build();
    assert_eq!(e, Err(too_long("Vraag/Referte", 24, 25)));
    // The default Afzender Referte is a 36-character UUID: too long for 01.02.
    let e = builder().schema_version(V1).vraag(Vraag::new(ok(Referte::new("k")), Inhoud::empty())).build();
    assert_eq!(e, Err(too_long("Afzender/Referte", 24, 36)));
    // Ontvanger and Antwoord Refertes too.
    let e = Verzoek::builder("N", versie(), a.clone())
        .schema_version(V1)
        .ontvanger(ok(Ontvanger::builder("y").referte(long.clone()).build()))
        .vraag_inhoud(Inhoud::empty())
        .build();
    assert_eq!(e, Err(too_long("Ontvanger/Referte", 24, 25)));
    let e = Repliek::builder("N", versie(), a).schema_version(V1).antwoord(Antwoord::ok(long, Inhoud::empty())).build();
    assert_eq!(e, Err(too_long("Antwoord/Referte", 24, 25)));
}

#[test]
fn default_refertes_fit_the_version() {
    let a = ok(Afzender::builder("x").referte(Referte::generate_for(V1)).build());
    let v = ok(Verzoek::builder("N", versie(), a).schema_version(V1).vraag_inhoud(Inhoud::empty()).build());
    assert_eq!(v.vragen()[0].referte().char_len(), 24);
}

#[test]
fn instellingsnummer() {
    let pattern = invalid("Instellingsnummer", Reason::Pattern { expected: "1 to 6 digits" });
    assert_eq!(Instellingsnummer::new(""), Err(invalid("Instellingsnummer", Reason::Empty)));
    assert_eq!(Instellingsnummer::new("1234567"), Err(pattern.clone()));
    assert_eq!(Instellingsnummer::new("12a4"), Err(pattern.clone()));
    assert_eq!(Instellingsnummer::new(" 1234"), Err(pattern.clone()));
    assert_eq!(Instellingsnummer::new("١٢٣"), Err(pattern));
    assert_eq!(ok(Instellingsnummer::new("001234")).as_str(), "001234");
    assert_eq!(ok("7".parse::<Instellingsnummer>()).to_string(), "7");
}

#[test]
fn insz_from_the_fixture_list() {
    // tests/fixtures/messages/insz.txt, copied so the test runs without the fixtures.
    for good in [
        "85073003328",
        "93051512357",
        "85010101697",
        "75210123403",
        "01010112301",
        "05022845616",
        "00123198739",
        "00101018797",
    ] {
        assert!(Insz::new(good).is_ok(), "{good}");
    }
    for bad in ["85073003329", "01010112302", "93051512375", "93051521357", "00000000000"] {
        assert_eq!(Insz::new(bad), Err(invalid("Insz", Reason::CheckDigits)), "{bad}");
    }
    for bad in ["8507300332", "850730033280", "8507300332A", "85.07.30-033.28"] {
        assert_eq!(Insz::new(bad), Err(invalid("Insz", Reason::Pattern { expected: "11 digits" })), "{bad}");
    }
}

#[test]
fn insz_file_when_present() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/messages/insz.txt");
    let Ok(list) = std::fs::read_to_string(path) else {
        eprintln!("SKIPPED: {path} not found");
        return;
    };
    for line in list.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let (Some(n), Some(verdict)) = (parts.next(), parts.next()) else {
            continue;
        };
        assert_eq!(Insz::new(n).is_ok(), verdict == "valid", "{line}");
    }
}

#[test]
fn versie_form() {
    for bad in ["2.1.0", "02.01.000", "02.01.00000", "02-01-0000", "0a.01.0000", ""] {
        assert_eq!(Versie::new(bad), Err(invalid("Versie", Reason::Pattern { expected: "NN.NN.NNNN" })), "{bad}");
    }
}

#[test]
fn enumerations() {
    assert_eq!(ok(BerichtType::new("VOORLOPIG_ANTWOORD")), BerichtType::VoorlopigAntwoord);
    assert!(matches!(
        BerichtType::new("VERZOEK"),
        Err(ModelError::Invalid { field: "Bericht/Type", reason: Reason::NotInEnumeration { .. } })
    ));
    assert!(matches!(
        UitzonderingType::new("INFO"),
        Err(ModelError::Invalid { field: "Uitzondering/Type", reason: Reason::NotInEnumeration { .. } })
    ));
    for t in BerichtType::ALL {
        assert_eq!(ok(t.as_str().parse::<BerichtType>()), *t);
    }
}

// ---------------------------------------------------------------- text limits

#[test]
fn context_naam() {
    let e = Verzoek::builder("x".repeat(49), versie(), afz()).vraag_inhoud(Inhoud::empty()).build();
    assert_eq!(e, Err(too_long("Context/Naam", 48, 49)));
    let e = Verzoek::builder("", versie(), afz()).vraag_inhoud(Inhoud::empty()).build();
    assert_eq!(e, Err(invalid("Context/Naam", Reason::Empty)));
    let e = Verzoek::builder("Geef\u{1}", versie(), afz()).vraag_inhoud(Inhoud::empty()).build();
    assert_eq!(e, Err(invalid("Context/Naam", Reason::IllegalCharacter { code: 1 })));
}

#[test]
fn afzender_fields() {
    assert_eq!(Afzender::builder("i".repeat(121)).build(), Err(too_long("Afzender/Identificatie", 120, 121)));
    assert!(Afzender::builder("i".repeat(120)).build().is_ok());
    assert_eq!(Afzender::builder("").build(), Err(invalid("Afzender/Identificatie", Reason::Empty)));
    assert_eq!(Afzender::builder("x").naam("n".repeat(25)).build(), Err(too_long("Afzender/Naam", 24, 25)));
    assert_eq!(
        Afzender::builder("x").organisatie_eenheid("o".repeat(25)).build(),
        Err(too_long("Afzender/OrganisatieEenheid", 24, 25))
    );
    assert_eq!(
        Afzender::builder("x").hoedanigheid("h".repeat(25)).build(),
        Err(too_long("Afzender/Hoedanigheid", 24, 25))
    );
    assert_eq!(
        Afzender::builder("x").hoedanigheid("\u{FFFE}").build(),
        Err(invalid("Afzender/Hoedanigheid", Reason::IllegalCharacter { code: 0xFFFE }))
    );
    assert_eq!(Ontvanger::builder("x").naam("n".repeat(25)).build(), Err(too_long("Ontvanger/Naam", 24, 25)));
    assert_eq!(Ontvanger::builder("i".repeat(121)).build(), Err(too_long("Ontvanger/Identificatie", 120, 121)));
}

#[test]
fn afzender_instellingsnummer_reads_back() {
    let a = afz();
    assert_eq!(a.identificatie(), "001234");
    assert_eq!(a.instellingsnummer(), Some(ok(Instellingsnummer::new("001234"))));
    let b = ok(Afzender::builder("dho2.ov.vlaanderen.be").build());
    assert_eq!(b.instellingsnummer(), None);
    assert_eq!(ok(Afzender::builder("1234567").build()).instellingsnummer(), None);
}

#[test]
fn annotatie_chars() {
    assert_eq!(
        Annotatie::new("n", "a\u{1F}b"),
        Err(invalid("Annotatie/Waarde", Reason::IllegalCharacter { code: 0x1F }))
    );
    assert_eq!(
        Annotatie::new("\u{FFFF}", ""),
        Err(invalid("Annotatie/Naam", Reason::IllegalCharacter { code: 0xFFFF }))
    );
}

// ---------------------------------------------------------------- Uitzondering

#[test]
fn uitzondering_identificatie() {
    let pattern = invalid("Uitzondering/Identificatie", Reason::Pattern { expected: "1 to 10 digits" });
    assert_eq!(Uitzondering::fout("12345678901", "d").build(), Err(pattern.clone()));
    assert_eq!(Uitzondering::fout("3000a", "d").build(), Err(pattern));
    assert_eq!(Uitzondering::fout("", "d").build(), Err(invalid("Uitzondering/Identificatie", Reason::Empty)));
    assert!(Uitzondering::fout("1234567890", "d").build().is_ok());
}

#[test]
fn oorsprong() {
    let pattern = invalid("Oorsprong", Reason::Pattern { expected: "[0-9A-Za-z_]{1,5}" });
    assert_eq!(Oorsprong::new("MAGDA2"), Err(pattern.clone()));
    assert_eq!(Oorsprong::new("DH-2"), Err(pattern.clone()));
    assert_eq!(Oorsprong::new("é"), Err(pattern));
    assert_eq!(Oorsprong::new(""), Err(invalid("Oorsprong", Reason::Empty)));
    assert!(Oorsprong::new("Dis_1").is_ok());
}

#[test]
fn uitzondering_text_chars() {
    assert_eq!(
        Uitzondering::fout("1", "bad \u{8}").build(),
        Err(invalid("Uitzondering/Diagnose", Reason::IllegalCharacter { code: 8 }))
    );
    assert_eq!(
        Uitzondering::fout("1", "d").omstandigheid("\u{0}").build(),
        Err(invalid("Uitzondering/Omstandigheid", Reason::IllegalCharacter { code: 0 }))
    );
}

#[test]
fn oorsprong_per_version() {
    let zonder = ok(Uitzondering::fout("1", "d").build());
    let met = ok(Uitzondering::fout("1", "d").oorsprong(ok(Oorsprong::new("DHO2"))).build());
    let a1 = ok(Afzender::builder("x").referte(Referte::generate_for(V1)).build());
    let e = Repliek::builder("N", versie(), afz()).uitzondering(zonder.clone()).build();
    assert_eq!(e, Err(invalid("Uitzondering/Oorsprong", Reason::RequiredIn(V2))));
    let e = Repliek::builder("N", versie(), a1.clone())
        .schema_version(V1)
        .antwoord(ok(Antwoord::fout(ok(Referte::new("r")), met.clone(), [])))
        .build();
    assert_eq!(e, Err(invalid("Uitzondering/Oorsprong", Reason::NotAllowedIn(V1))));
    assert!(Repliek::builder("N", versie(), a1).schema_version(V1).uitzondering(zonder).build().is_ok());
    assert!(Repliek::builder("N", versie(), afz()).uitzondering(met).build().is_ok());
}

// ---------------------------------------------------------------- Antwoord

fn u(t: UitzonderingType) -> Uitzondering {
    ok(Uitzondering::builder(t, "1", "d").oorsprong(ok(Oorsprong::new("DHO2"))).build())
}

#[test]
fn antwoord_combinations() {
    let r = ok(Referte::new("r"));
    assert_eq!(
        Antwoord::fout(r.clone(), u(UitzonderingType::Waarschuwing), []),
        Err(invalid("Antwoord/Uitzonderingen", Reason::WrongUitzonderingType { required: "FOUT" }))
    );
    assert_eq!(
        Antwoord::ok_met_meldingen(
            r.clone(),
            Inhoud::empty(),
            [u(UitzonderingType::Informatie), u(UitzonderingType::Fout)]
        ),
        Err(invalid(
            "Antwoord/Uitzonderingen",
            Reason::WrongUitzonderingType { required: "WAARSCHUWING or INFORMATIE" }
        ))
    );
    let f = ok(Antwoord::fout(r.clone(), u(UitzonderingType::Fout), [u(UitzonderingType::Waarschuwing)]));
    assert!(f.is_fout() && f.inhoud().is_none() && f.uitzonderingen().len() == 2);
    let o = Antwoord::ok(r.clone(), Inhoud::empty());
    assert!(!o.is_fout() && o.inhoud().is_some() && o.uitzonderingen().is_empty());
    let z = Antwoord::new(r, Uitkomst::zonder_inhoud(u(UitzonderingType::Waarschuwing), []));
    assert!(!z.is_fout() && z.inhoud().is_none());
}

#[test]
fn antwoorden_limits() {
    let mut b = Repliek::builder("N", versie(), afz());
    for i in 0..100 {
        b = b.antwoord(Antwoord::ok(ok(Referte::new(&i.to_string())), Inhoud::empty()));
    }
    assert_eq!(b.build(), Err(ModelError::TooManyAntwoorden { count: 100 }));
    let e = Repliek::builder("N", versie(), afz())
        .antwoord(Antwoord::ok(ok(Referte::new("a")), Inhoud::empty()))
        .antwoord(Antwoord::ok(ok(Referte::new("a")), Inhoud::empty()))
        .build();
    assert_eq!(e, Err(ModelError::DuplicateReferte { field: "Antwoord/Referte", referte: "a".into() }));
}

// ---------------------------------------------------------------- defaults, replying

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'4',
            _ => c.is_ascii_hexdigit() && !c.is_ascii_uppercase(),
        })
}

#[test]
fn defaults() {
    let v = ok(builder().vraag_inhoud(Inhoud::empty()).build());
    let b = v.context().bericht();
    assert_eq!(b.type_(), BerichtType::Vraag);
    assert!(is_uuid_v4(b.afzender().referte().as_str()));
    assert!(is_uuid_v4(v.vragen()[0].referte().as_str()));
    assert_ne!(b.afzender().referte(), v.vragen()[0].referte());
    let t = b.tijdstip().tijd_str();
    assert_eq!(t.len(), 12);
    assert!(t.ends_with(".000"), "{t}");
    assert_eq!(b.tijdstip().precisie(), TijdPrecisie::Milliseconden);
    assert_eq!(v.schema_version(), V2);
    let r = ok(Repliek::builder("N", versie(), afz()).build());
    assert_eq!(r.context().bericht().type_(), BerichtType::Antwoord);
}

#[test]
fn reply_copies_the_context() {
    let vz = verzoek(V2);
    let dho = ok(Afzender::builder("dho2.ov.vlaanderen.be").build());
    let mut seen = Vec::new();
    let r = ok(ok(vz.beantwoord(dho.clone(), |vraag| {
        seen.push(vraag.referte().clone());
        Ok(Uitkomst::ok(vraag.inhoud().clone()))
    }))
    .build());
    let c = r.context();
    assert_eq!(c.naam(), vz.context().naam());
    assert_eq!(c.versie(), vz.context().versie());
    assert_eq!(c.bericht().type_(), BerichtType::Antwoord);
    assert_eq!(c.bericht().afzender(), &dho);
    assert_ne!(c.bericht().afzender().referte(), vz.afzender().referte());
    let o = c.bericht().ontvanger().expect("Ontvanger");
    assert_eq!(o, &Ontvanger::from(vz.afzender()));
    assert_eq!(o.referte(), Some(vz.afzender().referte()));
    assert_eq!(o.identificatie(), "001234");
    assert_eq!(o.gebruiker(), vz.afzender().gebruiker());
    assert_eq!(o.hoedanigheid(), Some("801"));
    let refs: Vec<_> = r.antwoorden().iter().map(|a| a.referte().clone()).collect();
    let vrefs: Vec<_> = vz.vragen().iter().map(|v| v.referte().clone()).collect();
    assert_eq!(refs, vrefs);
    assert_eq!(seen, vrefs);
    // The reply takes the request's schema version.
    let r1 = ok(verzoek(V1).repliek(ok(Afzender::builder("x").referte(Referte::generate_for(V1)).build())).build());
    assert_eq!(r1.schema_version(), V1);
}

#[test]
fn reply_with_level_2_only() {
    let vz = verzoek(V2);
    let r = ok(vz
        .repliek(ok(Afzender::builder("dho2.ov.vlaanderen.be").build()))
        .uitzondering(ok(Uitzondering::fout("13001", "Geen machtiging").oorsprong(ok(Oorsprong::new("DHO2"))).build()))
        .build());
    assert!(r.antwoorden().is_empty());
    assert_eq!(r.uitzonderingen().len(), 1);
}

#[test]
fn answer_errors_propagate() {
    let vz = verzoek(V2);
    let e = vz.beantwoord(afz(), |_| Uitkomst::fout(u(UitzonderingType::Informatie), []));
    assert!(matches!(e, Err(ModelError::Invalid { field: "Antwoord/Uitzonderingen", .. })));
}

/// The Context setters the two builders share set the same Context.
#[test]
fn verzoek_and_repliek_builders_set_the_context_alike() {
    let t = tijdstip("2025-01-06", "10:15:08.000");
    let o = ok(Ontvanger::builder("dho2.ov.vlaanderen.be").referte(referte(V1, 7)).build());
    let a = ok(Annotatie::new("toepassing", "test"));
    let afzender = ok(Afzender::instelling(&ok(Instellingsnummer::new("001234"))).referte(referte(V1, 2)).build());
    let v = ok(Verzoek::builder("GeefHistoriekInschrijving", versie(), afzender.clone())
        .schema_version(V1)
        .bericht_type(BerichtType::Datagram)
        .tijdstip(t)
        .ontvanger(o.clone())
        .annotatie(a.clone())
        .annotatie(a.clone())
        .vraag(Vraag::new(referte(V1, 1), Inhoud::empty()))
        .build());
    let r = ok(Repliek::builder("GeefHistoriekInschrijving", versie(), afzender)
        .schema_version(V1)
        .bericht_type(BerichtType::Datagram)
        .tijdstip(t)
        .ontvanger(o)
        .annotatie(a.clone())
        .annotatie(a)
        .build());
    assert_eq!(v.context(), r.context());
    assert_eq!((v.schema_version(), r.schema_version()), (V1, V1));
    assert_eq!(v.context().annotaties().len(), 2);
}

// ---------------------------------------------------------------- resending

/// A resend is a new message (new Afzender Referte that fits the version, new Tijdstip) with
/// the same Vragen; everything else is the original's.
#[test]
fn resend_keeps_the_vragen_and_everything_but_the_message_referte_and_tijdstip() {
    for v in [V2, V1] {
        let original = verzoek(v);
        let again = original.resend();
        assert_eq!(again.vragen(), original.vragen(), "{v:?}");
        assert_eq!(again.schema_version(), v);
        let (a, o) = (again.afzender(), original.afzender());
        assert_ne!(a.referte(), o.referte(), "{v:?}: a new message");
        assert_eq!(a.referte().char_len(), if v == V1 { 24 } else { 36 }, "{v:?}");
        assert_eq!(
            (a.identificatie(), a.naam(), a.organisatie_eenheid(), a.hoedanigheid(), a.gebruiker()),
            (o.identificatie(), o.naam(), o.organisatie_eenheid(), o.hoedanigheid(), o.gebruiker())
        );
        let (c, oc) = (again.context(), original.context());
        assert_eq!((c.naam(), c.versie(), c.annotaties()), (oc.naam(), oc.versie(), oc.annotaties()));
        assert_eq!(c.bericht().type_(), oc.bericht().type_());
        assert_eq!(c.bericht().ontvanger(), oc.bericht().ontvanger());
        // The original was built at 2025-01-06 10:15:08; the resend is stamped now.
        assert_ne!(c.bericht().tijdstip(), oc.bericht().tijdstip());
        // It writes and reads back like any Verzoek.
        let op = ok(Operatie::new(GHI_NS, "GeefHistoriekInschrijving"));
        let bytes = ok(Envelope::Verzoek { operatie: op, verzoek: again.clone() }.to_bytes().map_err(ModelError::from));
        match ok(Envelope::from_envelope_bytes_with(&bytes, Some(v))) {
            Envelope::Verzoek { verzoek, .. } => assert_eq!(verzoek, again),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn resend_vragen_keeps_the_chosen_vragen_in_order_and_needs_one() {
    let original = verzoek(V2);
    let (r2, r4) = (referte(V2, 2), referte(V2, 4));
    let again = ok(original.resend_vragen(|v| v.referte() == &r4 || v.referte() == &r2));
    let kept: Vec<&Referte> = again.vragen().iter().map(Vraag::referte).collect();
    assert_eq!(kept, [&r2, &r4]);
    assert_eq!(again.vraag(&r4), original.vraag(&r4));
    assert_ne!(again.afzender().referte(), original.afzender().referte());
    assert_eq!(original.resend_vragen(|_| false), Err(ModelError::NoVragen));
}

// ---------------------------------------------------------------- Inhoud

#[test]
fn fragment_is_checked_by_the_reader() {
    for hostile in [
        "</Inhoud><Inhoud>",
        "</Inhoud>",
        "<a>",
        "<a></b>",
        "<!DOCTYPE x>",
        "<?pi x?>",
        "&ent;",
        "<x:a/>",
        "<a xmlns:p=\"\"/>",
        "]]>",
        "<a b='1' b='2'/>",
        "\u{1}",
    ] {
        assert!(
            matches!(Inhoud::from_fragment(hostile), Err(ModelError::Fragment { field: "Inhoud", .. })),
            "{hostile:?} was accepted"
        );
    }
    assert!(matches!(
        Inhoud::from_fragment("<a xmlns=\"rel/ative\"/>"),
        Err(ModelError::Invalid { field: "Inhoud", .. })
    ));
}

#[test]
fn fragment_equality_is_canonical() {
    let a = ok(Inhoud::from_fragment("<a y='2' x=\"1\"></a><!-- c -->"));
    let b = ok(Inhoud::from_fragment("<a x=\"1\" y=\"2\"/>"));
    assert_eq!(a, b);
    assert_eq!(b.canonical(), b"<Inhoud><a x=\"1\" y=\"2\"></a></Inhoud>");
    assert_ne!(a, ok(Inhoud::from_fragment("<a x=\"1\" y=\"3\"/>")));
    let c = ok(Inhoud::from_fragment("text &amp; &#x20AC; <b>x</b>"));
    assert_eq!(c.element().text(), "text & € ");
}

#[test]
fn fragment_is_copied_not_spliced() {
    let i = ok(Inhoud::from_fragment("<p:a xmlns:p=\"urn:p\"><b>&lt;c/&gt;</b></p:a>"));
    let mut w = XmlWriter::new();
    w.start_element(None, "Vraag").unwrap();
    i.write(&mut w).unwrap();
    w.end_element().unwrap();
    let out = String::from_utf8(w.finish().unwrap()).unwrap();
    assert_eq!(out, "<Vraag><Inhoud><p:a xmlns:p=\"urn:p\"><b>&lt;c/&gt;</b></p:a></Inhoud></Vraag>");
}

// ---------------------------------------------------------------- CRUD

#[derive(Debug, Clone, PartialEq)]
struct Inschrijving {
    insz: Insz,
    opleiding: String,
}

impl CrudObject for Inschrijving {
    const ELEMENT: &'static str = "Inschrijving";
    fn write_fields(&self, w: &mut XmlWriter) -> Result<(), WriteError> {
        w.text_element(None, "INSZ", self.insz.as_str())?;
        w.text_element(None, "Opleiding", &self.opleiding)?;
        Ok(())
    }
    fn read_fields(el: Element<'_>) -> Result<Self, ModelError> {
        let mut c = ElementCursor::new(el, "Inhoud/Inschrijving")?;
        let insz = Insz::new(&c.required_text("INSZ")?)?;
        let opleiding = c.required_text("Opleiding")?;
        c.finish()?;
        Ok(Inschrijving { insz, opleiding })
    }
}

#[test]
fn crud_conventions() {
    let obj = Inschrijving { insz: ok(Insz::new("93051512357")), opleiding: "Bachelor <informatica>".into() };
    let id = ok(ObjectId::new("INS-42"));
    let cases = [
        (
            Crud::Aanmaak(obj.clone()),
            "<Inhoud><Inschrijving><INSZ>93051512357</INSZ><Opleiding>Bachelor &lt;informatica&gt;</Opleiding></Inschrijving></Inhoud>",
        ),
        (
            Crud::Raadpleeg(id.clone()),
            "<Inhoud><ObjectID>INS-42</ObjectID></Inhoud>",
        ),
        (
            Crud::Wijzig(id.clone(), obj.clone()),
            "<Inhoud><ObjectID>INS-42</ObjectID><Inschrijving><INSZ>93051512357</INSZ><Opleiding>Bachelor &lt;informatica&gt;</Opleiding></Inschrijving></Inhoud>",
        ),
        (
            Crud::Verwijder(id.clone()),
            "<Inhoud><ObjectID>INS-42</ObjectID></Inhoud>",
        ),
    ];
    for (crud, wire) in cases {
        let inhoud = ok(crud.to_inhoud());
        assert_eq!(String::from_utf8_lossy(inhoud.canonical()), wire);
        assert_eq!(ok(Crud::from_inhoud(crud.actie(), &inhoud)), crud);
        assert_eq!(crud.is_read(), crud.actie() == CrudActie::Raadpleeg);
    }
    // Aanmaak answers with the new ObjectID.
    let answer = ok(Inhoud::object_id(&id));
    assert_eq!(ok(answer.read_object_id()), id);
    // Shapes the action forbids.
    let with_id = ok(Crud::Wijzig(id.clone(), obj.clone()).to_inhoud());
    assert!(matches!(
        Crud::<Inschrijving>::from_inhoud(CrudActie::Aanmaak, &with_id),
        Err(ModelError::UnexpectedElement { .. })
    ));
    assert!(matches!(
        Crud::<Inschrijving>::from_inhoud(CrudActie::Raadpleeg, &with_id),
        Err(ModelError::UnexpectedElement { .. })
    ));
    let only_id = ok(Crud::<Inschrijving>::Verwijder(id).to_inhoud());
    assert!(matches!(
        Crud::<Inschrijving>::from_inhoud(CrudActie::Wijzig, &only_id),
        Err(ModelError::MissingElement { expected: "Inschrijving", .. })
    ));
    assert!(ObjectId::new(" x").is_err());
    assert!(ObjectId::new("").is_err());
}

// ---------------------------------------------------------------- Operatie, Fault

#[test]
fn operatie_rules() {
    assert!(matches!(Operatie::new("relative", "Geef"), Err(ModelError::Invalid { field: "Operatie/namespace", .. })));
    assert!(matches!(Operatie::new(SOAP11_NS, "Geef"), Err(ModelError::Invalid { field: "Operatie/namespace", .. })));
    assert!(matches!(Operatie::new(GHI_NS, "a:b"), Err(ModelError::Invalid { field: "Operatie/naam", .. })));
    for p in ["soapenv", "xmlns", "xml", "1a", ""] {
        assert!(matches!(operatie().with_prefix(p), Err(ModelError::Invalid { field: "Operatie/prefix", .. })), "{p}");
    }
    assert_eq!(operatie().response_naam(), "GeefHistoriekInschrijvingResponse");
}

#[test]
fn fault_rules() {
    assert!(matches!(FaultCode::new(None, "a b"), Err(ModelError::Invalid { field: "faultcode", .. })));
    assert!(matches!(Fault::new(FaultCode::server(), "\u{0}"), Err(ModelError::Invalid { field: "faultstring", .. })));
    assert!(matches!(Detail::from_fragment("</detail>"), Err(ModelError::Fragment { field: "detail", .. })));
    assert_eq!(ok(Detail::message("m")).message_text().as_deref(), Some("m"));
    assert_eq!(FaultCode::server(), ok(FaultCode::new(Some(SOAP11_NS), "Server")));
}
