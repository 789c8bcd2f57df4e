//! Generators of valid messages with arbitrary field values, for property tests.

use dho_wss::model::*;
use dho_wss::xml::XmlWriter;
use proptest::prelude::*;

use super::GHI_NS;

/// Text with markup characters, CR/LF/TAB, non-ASCII (incl. outside the BMP).
pub(crate) fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z'),
            1 => Just(' '),
            1 => prop::sample::select(vec!['&', '<', '>', '"', '\'', '\r', '\n', '\t', ']', ';']),
            1 => prop::sample::select(vec!['é', 'ë', '€', '字', '𝄞', '\u{FFFD}', '\u{85}', '\u{2028}']),
        ],
        min..=max,
    )
    .prop_map(|v| v.into_iter().collect())
}

pub(crate) fn insz() -> impl Strategy<Value = Insz> {
    (0u64..1_000_000_000, any::<bool>()).prop_map(|(n, after2000)| {
        let base = if after2000 { 2_000_000_000 + n } else { n };
        let check = 97 - base % 97;
        Insz::new(&format!("{n:09}{check:02}")).expect("valid INSZ")
    })
}

pub(crate) fn tijdstip_s() -> impl Strategy<Value = Tijdstip> {
    (1990u32..2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, 0u32..1000, 0u8..3).prop_map(
        |(y, mo, d, h, mi, s, ms, p)| {
            let datum = format!("{y:04}-{mo:02}-{d:02}");
            let tijd = match p {
                0 => format!("{h:02}:{mi:02}"),
                1 => format!("{h:02}:{mi:02}:{s:02}"),
                _ => format!("{h:02}:{mi:02}:{s:02}.{ms:03}"),
            };
            Tijdstip::parse(&datum, &tijd).expect("valid Tijdstip")
        },
    )
}

/// A Referte prefix; an index suffix makes Refertes distinct. ≤ 24 characters in all.
pub(crate) fn referte_prefix() -> impl Strategy<Value = String> {
    text(1, 18)
}

pub(crate) fn mk_referte(prefix: &str, i: usize) -> Referte {
    Referte::new(&format!("{prefix}-{i}")).expect("valid Referte")
}

#[derive(Debug, Clone)]
pub(crate) struct AdresIn {
    id: String,
    naam: Option<String>,
    oe: Option<String>,
    hoed: Option<String>,
    gebruiker: Option<Insz>,
}

pub(crate) fn adres() -> impl Strategy<Value = AdresIn> {
    (
        text(1, 120),
        proptest::option::of(text(1, 24)),
        proptest::option::of(text(1, 24)),
        proptest::option::of(text(1, 24)),
        proptest::option::of(insz()),
    )
        .prop_map(|(id, naam, oe, hoed, gebruiker)| AdresIn { id, naam, oe, hoed, gebruiker })
}

pub(crate) fn afzender(a: &AdresIn, r: Referte) -> Afzender {
    let mut b = Afzender::builder(a.id.clone()).referte(r);
    if let Some(x) = &a.naam {
        b = b.naam(x.clone());
    }
    if let Some(x) = &a.oe {
        b = b.organisatie_eenheid(x.clone());
    }
    if let Some(x) = &a.hoed {
        b = b.hoedanigheid(x.clone());
    }
    if let Some(x) = &a.gebruiker {
        b = b.gebruiker(x.clone());
    }
    b.build().expect("valid Afzender")
}

/// Typed content: text elements whose values are arbitrary text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Velden(pub Vec<String>);

impl InhoudContent for Velden {
    fn write_inhoud(&self, w: &mut XmlWriter) -> Result<(), dho_wss::xml::WriteError> {
        for v in &self.0 {
            w.text_element(None, "Veld", v)?;
        }
        Ok(())
    }
    fn read_inhoud(inhoud: dho_wss::xml::Element<'_>) -> Result<Self, ModelError> {
        let mut out = Vec::new();
        for e in inhoud.child_elements() {
            out.push(simple_text(e, "Inhoud/Veld")?);
        }
        Ok(Velden(out))
    }
}

pub(crate) fn uitzondering(v: SchemaVersion) -> impl Strategy<Value = Uitzondering> {
    (
        prop::sample::select(UitzonderingType::ALL.to_vec()),
        "[0-9]{1,10}",
        text(0, 60),
        "[0-9A-Za-z_]{1,5}",
        proptest::option::of(tijdstip_s()),
        proptest::option::of(text(0, 30)),
        proptest::collection::vec((text(0, 10), text(0, 20)), 0..3),
    )
        .prop_map(move |(t, id, diag, oors, tijd, omst, ann)| {
            let mut b = Uitzondering::builder(t, id, diag);
            if v.has_oorsprong() {
                b = b.oorsprong(Oorsprong::new(&oors).expect("valid Oorsprong"));
            }
            if let Some(t) = tijd {
                b = b.tijdstip(t);
            }
            if let Some(o) = omst {
                b = b.omstandigheid(o);
            }
            for (n, w) in ann {
                b = b.annotatie(Annotatie::new(n, w).expect("valid Annotatie"));
            }
            b.build().expect("valid Uitzondering")
        })
}

pub(crate) fn version() -> impl Strategy<Value = SchemaVersion> {
    prop_oneof![Just(SchemaVersion::V02_00), Just(SchemaVersion::V01_02)]
}

pub(crate) fn verzoek_s() -> impl Strategy<Value = (Operatie, Verzoek)> {
    (
        version(),
        text(1, 48),
        "[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}",
        adres(),
        proptest::option::of(adres()),
        referte_prefix(),
        tijdstip_s(),
        proptest::collection::vec(proptest::collection::vec(text(0, 30), 0..3), 1..6),
        proptest::collection::vec((text(0, 10), text(0, 20)), 0..3),
        any::<bool>(),
    )
        .prop_map(|(v, naam, versie, afz, ontv, rp, tijd, vragen, ann, default_ns)| {
            let mut b =
                Verzoek::builder(naam, Versie::new(&versie).expect("Versie"), afzender(&afz, mk_referte(&rp, 0)))
                    .schema_version(v)
                    .tijdstip(tijd);
            if let Some(o) = ontv {
                let a = afzender(&o, mk_referte(&rp, 1000));
                b = b.ontvanger(Ontvanger::from(&a));
            }
            for (n, w) in ann {
                b = b.annotatie(Annotatie::new(n, w).expect("Annotatie"));
            }
            for (i, velden) in vragen.into_iter().enumerate() {
                let inhoud = Inhoud::from_content(&Velden(velden)).expect("Inhoud");
                b = b.vraag(Vraag::new(mk_referte(&rp, i + 1), inhoud));
            }
            let mut op = Operatie::new(GHI_NS, "GeefHistoriekInschrijving").expect("Operatie");
            if default_ns {
                op = op.with_default_namespace();
            }
            (op, b.build().expect("valid Verzoek"))
        })
}

pub(crate) fn repliek_s() -> impl Strategy<Value = Repliek> {
    (verzoek_s(), adres(), tijdstip_s())
        .prop_flat_map(|((_, vz), afz, tijd)| {
            let v = vz.schema_version();
            let n = vz.vragen().len();
            (
                Just(vz),
                Just(afz),
                Just(tijd),
                proptest::collection::vec(
                    (
                        0u8..4,
                        proptest::collection::vec(text(0, 20), 0..3),
                        proptest::collection::vec(uitzondering(v), 1..3),
                    ),
                    n,
                ),
                proptest::collection::vec(uitzondering(v), 0..3),
            )
        })
        .prop_map(|(vz, afz, tijd, uitkomsten, level2)| {
            let rp = format!("{}-R", vz.afzender().referte().as_str().chars().take(10).collect::<String>());
            let mut it = uitkomsten.into_iter();
            let mut b = vz
                .beantwoord(afzender(&afz, mk_referte(&rp, 0)), |_| {
                    let (kind, velden, mut uitz) = it.next().expect("one per Vraag");
                    let inhoud = Inhoud::from_content(&Velden(velden))?;
                    Ok(match kind {
                        0 => Uitkomst::ok(inhoud),
                        1 => {
                            uitz.retain(|u| !u.is_fout());
                            Uitkomst::ok_met_meldingen(inhoud, uitz)?
                        }
                        2 => {
                            let first = uitz.remove(0);
                            Uitkomst::zonder_inhoud(first, uitz)
                        }
                        _ => {
                            let first = Uitzondering::builder(UitzonderingType::Fout, "1", "fout");
                            let first = if vz.schema_version().has_oorsprong() {
                                first.oorsprong(Oorsprong::new("X").expect("Oorsprong"))
                            } else {
                                first
                            };
                            Uitkomst::fout(first.build()?, uitz)?
                        }
                    })
                })
                .expect("beantwoord")
                .tijdstip(tijd);
            for u in level2 {
                b = b.uitzondering(u);
            }
            b.build().expect("valid Repliek")
        })
}
