//! Request files built and signed: each verifies as the institution's signed Verzoek.

use dho_wss::batch::{FileNamePattern, RequestFiles};
use dho_wss::model::{Afzender, Envelope, Inhoud, Instellingsnummer, Operatie, Referte, Versie, Vraag};
use dho_wss::wss::{VerificationPolicy, Verifier};

use crate::common::{signer, validator};

pub(crate) fn operatie() -> Operatie {
    Operatie::new(
        "http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
        "GeefHistoriekInschrijving",
    )
    .expect("operatie")
}

pub(crate) fn vragen(prefix: &str, n: usize, padding: usize) -> Vec<Vraag> {
    (0..n)
        .map(|i| {
            let inhoud = Inhoud::from_fragment(&format!(
                "<Criteria><INSZ>85073003328</INSZ><Opvulling>{}</Opvulling></Criteria>",
                "x".repeat(padding)
            ))
            .expect("inhoud");
            Vraag::new(Referte::new(&format!("{prefix}-{i:05}")).expect("referte"), inhoud)
        })
        .collect()
}

/// Signed request files with the institution's test identity, `per_file` Vragen each.
pub(crate) fn request_files(
    prefix: &str,
    n: usize,
    per_file: usize,
    first_seq: u64,
) -> Vec<dho_wss::batch::RequestFile> {
    let afzender = Afzender::instelling(&Instellingsnummer::new("001234").expect("nr"));
    RequestFiles::new(operatie(), Versie::new("02.01.0000").expect("versie"), afzender, signer("institution"))
        .per_file(per_file)
        .expect("per file")
        .pattern(FileNamePattern::new(&format!("HI{prefix}_{{date}}_{{seq:4}}.xml")).expect("pattern"))
        .date("20261204")
        .expect("date")
        .first_sequence(first_seq)
        .build(vragen(prefix, n, 0))
        .expect("build")
}

#[test]
fn signed_files_verify_and_hold_their_vragen() {
    let files = request_files("sig", 5, 2, 1);
    assert_eq!(files.len(), 3);
    let verifier = Verifier::new(VerificationPolicy::dho_legacy_rsa_sha1(), validator());
    for f in &files {
        assert!(f.is_signed());
        let verified = verifier.verify(f.bytes()).expect("signature verifies");
        assert_eq!(verified.signer().info().common_name(), Some("dho-wss-test.instelling-001234.hogeschool-test"));
        let Envelope::Verzoek { verzoek, .. } = verified.message(None).expect("message") else {
            panic!("not a Verzoek")
        };
        assert_eq!(verzoek.vragen().len(), f.refertes().len());
    }
    // Tampering with a file breaks its signature.
    let mut bad = files[0].bytes().to_vec();
    let at = bad.windows(11).position(|w| w == b"85073003328").expect("insz");
    bad[at] = b'9';
    assert!(verifier.verify(&bad).is_err());
}
