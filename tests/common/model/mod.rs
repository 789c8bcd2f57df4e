//! Sample messages shared by the model tests.

pub(crate) mod gen;

use dho_wss::model::*;

pub(crate) const GHI_NS: &str = "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be";
pub(crate) const LKS_NS: &str = "http://raadpleegleerkredietsaldo.persoondienst-01_00.dho2.ov.vlaanderen.be";

pub(crate) fn ok<T>(r: Result<T, ModelError>) -> T {
    match r {
        Ok(t) => t,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

pub(crate) fn tijdstip(d: &str, t: &str) -> Tijdstip {
    ok(Tijdstip::parse(d, t))
}

/// A Referte that fits the version (UUID for 02.00, 24 characters for 01.02).
pub(crate) fn referte(v: SchemaVersion, n: u32) -> Referte {
    match v {
        SchemaVersion::V02_00 => ok(Referte::new(&format!("6723c408-4ec1-464d-a91d-bb4277f0{n:04x}"))),
        SchemaVersion::V01_02 => ok(Referte::new(&format!("XE:1072:25023:8163:{n}"))),
    }
}

pub(crate) fn criteria(insz: &str) -> Inhoud {
    ok(Inhoud::from_fragment(&format!(
        "<Criteria><INSZ>{insz}</INSZ><Periode><Begin>2015-01-01</Begin><Einde>2016-06-30</Einde></Periode></Criteria>"
    )))
}

/// A Verzoek with every optional field set, text with markup characters, CR and non-ASCII.
pub(crate) fn verzoek(v: SchemaVersion) -> Verzoek {
    let afzender = ok(Afzender::instelling(&ok(Instellingsnummer::new("001234")))
        .naam("Administratie €&<>\"'")
        .referte(referte(v, 1))
        .organisatie_eenheid("DSA")
        .hoedanigheid("801")
        .gebruiker(ok(Insz::new("83620711905")))
        .build());
    ok(Verzoek::builder("GeefHistoriekInschrijving", ok(Versie::new("02.01.0000")), afzender)
        .schema_version(v)
        .tijdstip(tijdstip("2025-01-06", "10:15:08.000"))
        .ontvanger(ok(Ontvanger::builder("dho2.ov.vlaanderen.be").naam("DHO2").build()))
        .annotatie(ok(Annotatie::new("toepassing", "studentenadministratie 4.2\r\nlijn twee é")))
        .vraag(Vraag::new(referte(v, 2), criteria("85073003328")))
        .vraag(Vraag::new(referte(v, 3), criteria("05022845616")))
        .vraag(Vraag::new(
            referte(v, 4),
            ok(Inhoud::from_fragment("tekst &amp; <x:a xmlns:x=\"urn:x\" x:b=\"1&#xD;\">mixed<!-- c --></x:a>")),
        ))
        .build())
}

pub(crate) fn oorsprong(v: SchemaVersion, u: UitzonderingBuilder) -> UitzonderingBuilder {
    match v {
        SchemaVersion::V02_00 => u.oorsprong(ok(Oorsprong::new("DHO2"))),
        SchemaVersion::V01_02 => u,
    }
}

/// A Repliek to [`verzoek`] with: an ok Antwoord, an ok one with a warning, a failed one,
/// and a level-2 Uitzondering.
pub(crate) fn repliek(v: SchemaVersion) -> Repliek {
    let vz = verzoek(v);
    let afzender = ok(Afzender::builder("dho2.ov.vlaanderen.be").referte(referte(v, 100)).build());
    let mut i = 0;
    let b = ok(vz.beantwoord(afzender, |_vraag| {
        i += 1;
        Ok(match i {
            1 => Uitkomst::ok(ok(Inhoud::from_fragment("<Melding>OK</Melding><Saldo>200</Saldo>"))),
            2 => Uitkomst::ok_met_meldingen(
                Inhoud::empty(),
                [ok(oorsprong(v, Uitzondering::waarschuwing("30101", "Geen gegevens <gevonden>")).build())],
            )?,
            _ => Uitkomst::fout(
                ok(oorsprong(v, Uitzondering::fout("60000", "Fout tegen bedrijfsregel."))
                    .tijdstip(tijdstip("2021-03-24", "12:51:55.308"))
                    .omstandigheid("BR_LKA0001\r")
                    .annotatie(ok(Annotatie::new("dho2logid", "32047b8e/DHO2")))
                    .build()),
                [ok(oorsprong(v, Uitzondering::informatie("1", "ter info")).build())],
            )?,
        })
    }));
    ok(b.tijdstip(tijdstip("2021-03-24", "12:55:17.536"))
        .annotatie(ok(Annotatie::new("a", "")))
        .uitzondering(ok(oorsprong(v, Uitzondering::waarschuwing("13001", "level 2 'waarschuwing'"))
            .tijdstip(tijdstip("2021-03-24", "12:55"))
            .build()))
        .build())
}

/// A Repliek with only a level-2 Uitzondering (no Antwoorden).
pub(crate) fn repliek_level2(v: SchemaVersion) -> Repliek {
    let afzender = ok(Afzender::builder("vip.vlaanderen.be").naam("MagdaGateway").referte(referte(v, 7)).build());
    ok(Repliek::builder("GeefPersoon", ok(Versie::new("02.02.0000")), afzender)
        .schema_version(v)
        .tijdstip(tijdstip("2026-08-24", "10:15:08"))
        .uitzondering(ok(oorsprong(
            v,
            Uitzondering::fout(
                "13001",
                "Geen machtiging van de afzender in deze hoedanigheid voor de gevraagde dienst",
            ),
        )
        .build()))
        .build())
}

pub(crate) fn operatie() -> Operatie {
    ok(Operatie::new(GHI_NS, "GeefHistoriekInschrijving"))
}

pub(crate) fn faults() -> Vec<Fault> {
    vec![
        ok(Fault::new(FaultCode::server(), "10001 Fout formaat in de vraag")),
        ok(ok(Fault::new(ok(FaultCode::wsse("FailedCheck")), "The signature or decryption was invalid"))
            .with_actor("https://dho.example.invalid/pep")),
        ok(Fault::new(ok(FaultCode::new(None, "Server")), "99995 - Te veel gelijktijdige bevragingen"))
            .with_detail(ok(Detail::message("Exceeded the max throttle rate of 10 within 1000ms"))),
        ok(Fault::new(ok(ok(FaultCode::new(Some("urn:example:codes"), "Eigen")).with_prefix("ex")), "é & <x>"))
            .with_detail(ok(Detail::from_fragment("<e:info xmlns:e=\"urn:e\">x</e:info><message>m</message>"))),
    ]
}

/// Every kind of envelope the writer makes, labelled, with its schema version.
pub(crate) fn envelopes() -> Vec<(String, SchemaVersion, Envelope)> {
    let mut out = Vec::new();
    for v in [SchemaVersion::V02_00, SchemaVersion::V01_02] {
        out.push((format!("verzoek-{v}"), v, Envelope::Verzoek { operatie: operatie(), verzoek: verzoek(v) }));
        out.push((
            format!("verzoek-default-ns-{v}"),
            v,
            Envelope::Verzoek { operatie: operatie().with_default_namespace(), verzoek: verzoek(v) },
        ));
        out.push((
            format!("repliek-{v}"),
            v,
            Envelope::Repliek { operatie: ok(operatie().with_prefix("web")), repliek: repliek(v) },
        ));
        out.push((
            format!("repliek-level2-{v}"),
            v,
            Envelope::Repliek {
                operatie: ok(Operatie::new(
                    "http://magda.vlaanderen.be/persoon/soap/geefpersoon/v02_02",
                    "GeefPersoon",
                ))
                .with_default_namespace(),
                repliek: repliek_level2(v),
            },
        ));
    }
    // 99 Vragen with default Refertes and Tijdstip.
    let mut b = Verzoek::builder(
        "RaadpleegLeerkredietsaldo",
        ok(Versie::new("01.00.0000")),
        ok(Afzender::instelling(&ok(Instellingsnummer::new("143354"))).build()),
    );
    for _ in 0..99 {
        b = b.vraag_inhoud(criteria("93051512357"));
    }
    out.push((
        "verzoek-99-vragen".into(),
        SchemaVersion::V02_00,
        Envelope::Verzoek { operatie: ok(Operatie::new(LKS_NS, "RaadpleegLeerkredietsaldo")), verzoek: ok(b.build()) },
    ));
    for (i, f) in faults().into_iter().enumerate() {
        out.push((format!("fault-{i}"), SchemaVersion::V02_00, Envelope::Fault(f)));
    }
    out
}
