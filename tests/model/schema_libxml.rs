//! Every message the writer produces validates against `schemas/` in-process,
//! with libxml2 through the `libxml` crate (feature `libxml`), and a message
//! that breaks a rule does not — the same schemas `schema.rs`
//! checks with xmllint.

use crate::common::model::{faults, operatie, repliek, repliek_level2, verzoek};
use crate::common::root;
use dho_wss::model::{Envelope, SchemaVersion};
use libxml::parser::Parser;
use libxml::schemas::{SchemaParserContext, SchemaValidationContext};

fn validator(version: SchemaVersion) -> SchemaValidationContext {
    let xsd = root().join(format!("schemas/dho-envelope-{}.xsd", version.as_str()));
    let mut parser = SchemaParserContext::from_file(xsd.to_str().expect("utf-8 path"));
    SchemaValidationContext::from_parser(&mut parser).unwrap_or_else(|e| panic!("{}: {e:?}", xsd.display()))
}

fn validate(ctx: &mut SchemaValidationContext, bytes: &[u8]) -> Result<(), String> {
    let doc = Parser::default().parse_string(bytes).map_err(|e| format!("{e:?}"))?;
    ctx.validate_document(&doc)
        .map_err(|errors| errors.iter().map(|e| e.message.clone().unwrap_or_default()).collect::<Vec<_>>().join("; "))
}

#[test]
fn written_messages_validate_in_process() {
    let mut count = 0;
    for version in [SchemaVersion::V02_00, SchemaVersion::V01_02] {
        let mut ctx = validator(version);
        let mut envelopes = vec![
            ("verzoek", Envelope::Verzoek { operatie: operatie(), verzoek: verzoek(version) }),
            ("repliek", Envelope::Repliek { operatie: operatie(), repliek: repliek(version) }),
            ("repliek-level2", Envelope::Repliek { operatie: operatie(), repliek: repliek_level2(version) }),
        ];
        envelopes.extend(faults().into_iter().map(|f| ("fault", Envelope::Fault(f))));
        for (label, env) in envelopes {
            let bytes = env.to_bytes().expect("write");
            if let Err(e) = validate(&mut ctx, &bytes) {
                panic!("{label} ({}) does not validate: {e}\n{}", version.as_str(), String::from_utf8_lossy(&bytes));
            }
            count += 1;
        }
    }
    assert_eq!(count, 2 * (3 + faults().len()));
}

#[test]
fn a_message_that_breaks_a_rule_does_not_validate() {
    let mut ctx = validator(SchemaVersion::V02_00);
    let ok = std::fs::read(root().join("tests/fixtures/messages/magda-geefhistoriekinschrijving-verzoek.xml"))
        .expect("fixture");
    assert!(validate(&mut ctx, &ok).is_ok());
    for bad in ["verzoek-100-vragen.xml", "afzender-referte-37-chars.xml", "vragen-empty.xml"] {
        let path = root().join("tests/fixtures/messages/invalid").join(bad);
        let bytes = std::fs::read(&path).expect("invalid fixture");
        assert!(validate(&mut ctx, &bytes).is_err(), "{bad} validated");
    }
    // A Verzoek without Vragen, made from the valid fixture.
    let text = String::from_utf8(ok).expect("utf-8");
    let (start, end) = (text.find("<Vragen>").expect("Vragen"), text.find("</Vragen>").expect("/Vragen"));
    let broken = format!("{}{}", &text[..start], &text[end + "</Vragen>".len()..]);
    assert!(validate(&mut ctx, broken.as_bytes()).is_err(), "a Verzoek without Vragen validated");
}
