//! Generated DHO-like SOAP messages for the XML benchmarks (`benches/xml.rs`, which
//! includes this file with `#[path]`) and the memory test (`tests/xml_memory.rs`). Deterministic: the same bytes
//! on every run, so dho-wss, lxml and libxml2 read identical inputs.

#![allow(dead_code)] // each binary uses a different part

const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const WSU: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const NS3: &str = "http://raadpleegleerkredietsaldo.persoondienst-01_00.dho2.ov.vlaanderen.be";

/// One benchmark input.
pub(crate) struct Sample {
    /// Short id (`vragen-5KB`, …).
    pub name: &'static str,
    /// What it stresses.
    pub what: &'static str,
    /// The whole SOAP envelope.
    pub xml: String,
}

fn open(out: &mut String) {
    out.push_str(&format!(
        "<soapenv:Envelope xmlns:soapenv=\"{SOAP}\" xmlns:wsu=\"{WSU}\">\n  <soapenv:Header/>\n  \
         <soapenv:Body wsu:Id=\"id-8d0e1c2a-body\">\n    <ns3:RaadpleegLeerkredietsaldo xmlns:ns3=\"{NS3}\">\n      \
         <Verzoek>\n        <Context>\n          <Naam>RaadpleegLeerkredietsaldo</Naam>\n          \
         <Versie>01.00.0000</Versie>\n          <Bericht>\n            <Type>VRAAG</Type>\n            \
         <Tijdstip>\n              <Datum>2021-03-24</Datum>\n              <Tijd>12:55:17.000</Tijd>\n            \
         </Tijdstip>\n            <Afzender>\n              <Identificatie>143354</Identificatie>\n              \
         <Naam>Studentenadministratie</Naam>\n              <Referte>6723c408-4ec1-464d-a91d-bb4277f09dff</Referte>\n              \
         <Hoedanigheid>801</Hoedanigheid>\n            </Afzender>\n            <Ontvanger>\n              \
         <Identificatie>dho2.ov.vlaanderen.be</Identificatie>\n            </Ontvanger>\n          \
         </Bericht>\n        </Context>\n"
    ));
}

fn close(out: &mut String) {
    out.push_str("      </Verzoek>\n    </ns3:RaadpleegLeerkredietsaldo>\n  </soapenv:Body>\n</soapenv:Envelope>\n");
}

/// A Verzoek whose Body is about `target` bytes of Vraag elements, each with
/// a Referte and INSZ + Periode criteria.
pub(crate) fn vragen(target: usize) -> String {
    let mut out = String::with_capacity(target + 4096);
    open(&mut out);
    out.push_str("        <Vragen>\n");
    let mut i: u64 = 0;
    while out.len() < target.saturating_sub(120) {
        // A valid-looking INSZ (check digits: 97 - (first 9 digits mod 97)).
        let base = 800_101_001 + (i * 7_919) % 199_000_000;
        let check = 97 - base % 97;
        out.push_str(&format!(
            "          <Vraag>\n            <Referte>{:08x}-4ec1-5{:03x}-91d4-{:012x}</Referte>\n            \
             <Inhoud>\n              <Criteria>\n                <INSZ>{base:09}{check:02}</INSZ>\n                \
             <Periode>\n                  <Begin>2024-09-01</Begin>\n                  <Einde>2025-08-31</Einde>\n                \
             </Periode>\n              </Criteria>\n            </Inhoud>\n          </Vraag>\n",
            i * 2_654_435_761 % (1 << 32),
            i % 4096,
            i.wrapping_mul(11_400_714_819_323_198_485) % (1 << 48),
        ));
        i += 1;
    }
    out.push_str("        </Vragen>\n");
    close(&mut out);
    out
}

/// A Verzoek carrying one attachment: a single base64 text node of about
/// `target` bytes, wrapped at 76 columns like MIME base64.
pub(crate) fn base64(target: usize) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(target + 4096);
    open(&mut out);
    out.push_str(
        "        <Bijlage>\n          <Naam>attest-inschrijving.pdf</Naam>\n          \
         <MimeType>application/pdf</MimeType>\n          <Inhoud>",
    );
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut col = 0;
    while out.len() < target.saturating_sub(120) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(ALPHABET[(x & 63) as usize] as char);
        col += 1;
        if col == 76 {
            out.push('\n');
            col = 0;
        }
    }
    out.push_str("==</Inhoud>\n        </Bijlage>\n");
    close(&mut out);
    out
}

/// The benchmark corpus.
pub(crate) fn samples() -> Vec<Sample> {
    vec![
        Sample {
            name: "vragen-5KB",
            what: "a typical single request: Context + a few Vragen; per-call overhead",
            xml: vragen(5 << 10),
        },
        Sample {
            name: "vragen-100KB",
            what: "a batch of 266 Vragen: many small elements, short text, indentation",
            xml: vragen(100 << 10),
        },
        Sample { name: "vragen-5MB", what: "13,758 Vragen: element/node throughput at scale", xml: vragen(5 << 20) },
        Sample {
            name: "base64-5MB",
            what: "one 5 MB base64 text node (76-column lines): text scanning and copying",
            xml: base64(5 << 20),
        },
    ]
}
