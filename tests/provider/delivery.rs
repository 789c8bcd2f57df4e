//! Guaranteed delivery: a resent Vraag Referte gets the stored Antwoord without the work
//! running again; FOUT answers and reads are not stored; a reused Referte with another
//! Inhoud is refused; the SQLite store survives a reopen, runs concurrent resends once,
//! and never shows half an answer when a write fails.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dho_wss::model::{
    Afzender, Inhoud, Insz, ObjectId, Referte, Repliek, SchemaVersion, Uitkomst, Uitzondering, Vraag,
};
use dho_wss::provider::{
    AnswerKey, AnswerStore, AuthorizedVerzoek, Claim, Code, Fingerprint, HandlerError, MemoryStore, Outcome, Pep,
    ProcessingError, Provider, Requester, StoreError, StoredAnswer, VraagHandler,
};

use crate::common::provider::*;

fn provider<S: AnswerStore>(store: S) -> Provider<S> {
    Provider::new(pep(), store)
}

/// Handles signed `bytes` and returns the Repliek (panics on a Fault or a rejection).
fn answer<S: AnswerStore, H: VraagHandler>(p: &Provider<S>, h: &H, bytes: &[u8]) -> Repliek {
    let r = p.handle(bytes, h);
    match r.outcome() {
        Outcome::Answered { .. } => repliek_of(r.envelope()).clone(),
        other => panic!("not answered: {other:?}"),
    }
}

/// The first level-3 Uitzondering Identificatie of the Antwoord to `referte`.
fn code_of<'a>(repliek: &'a Repliek, referte: &Referte) -> Option<&'a str> {
    repliek.antwoord(referte).expect("Antwoord").uitzonderingen().first().map(|u| u.identificatie())
}

fn key(nummer: &str, referte: &Referte) -> AnswerKey {
    AnswerKey::new(&instellingsnummer(nummer), referte.clone())
}

fn resigned(original: &(dho_wss::model::Operatie, dho_wss::model::Verzoek)) -> Vec<u8> {
    let again = (original.0.clone(), original.1.resend());
    assert_ne!(again.1.afzender().referte(), original.1.afzender().referte());
    signed("institution", &again)
}

// ------------------------------------------------------------------ the rules, on every store

fn resent_vraag_gets_the_identical_antwoord_without_rework<S: AnswerStore>(store: S) {
    let p = provider(store);
    let h = CountingHandler::default();
    let (r1, r2) = (Referte::generate(), Referte::generate());
    let first = write_verzoek("001234", &[(&r1, inschrijving("a")), (&r2, inschrijving("b"))]);
    let one = answer(&p, &h, &signed("institution", &first));
    assert_eq!(h.calls(), 2);
    assert!(one.antwoorden().iter().all(|a| a.inhoud().is_some() && a.uitzonderingen().is_empty()));

    // The client resends: a new message (new Afzender Referte and Tijdstip), same Vragen.
    let two = answer(&p, &h, &resigned(&first));
    assert_eq!(h.calls(), 2, "the work must not run again");
    assert_eq!(two.antwoorden(), one.antwoorden());
    assert_ne!(two.context().bericht().ontvanger(), one.context().bericht().ontvanger());

    // Not necessarily an identical message: r2 again next to a new Vraag r3.
    let r3 = Referte::generate();
    let third = write_verzoek("001234", &[(&r3, inschrijving("c")), (&r2, inschrijving("b"))]);
    let three = answer(&p, &h, &signed("institution", &third));
    assert_eq!(h.calls(), 3);
    assert_eq!(three.antwoord(&r2), one.antwoord(&r2));
    assert!(three.antwoord(&r3).and_then(|a| a.inhoud()).is_some());
    assert!(p.store().get(&key("001234", &r1)).expect("get").is_some());
    // 1234 is 001234.
    let four = answer(&p, &h, &signed("institution", &write_verzoek("1234", &[(&r1, inschrijving("a"))])));
    assert_eq!(h.calls(), 3);
    assert_eq!(four.antwoord(&r1), one.antwoord(&r1));
}

fn fout_and_handler_errors_are_not_stored<S: AnswerStore>(store: S) {
    let p = provider(store);
    let h = CountingHandler::default();
    let (rf, rc) = (Referte::generate(), Referte::generate());
    let fout = Inhoud::from_fragment("<Fout/>").expect("inhoud");
    let crash = Inhoud::from_fragment("<Crash/>").expect("inhoud");
    let request = write_verzoek("001234", &[(&rf, fout), (&rc, crash)]);
    for round in 1..=2 {
        let bytes = if round == 1 { signed("institution", &request) } else { resigned(&request) };
        let r = p.handle(&bytes, &h);
        let Outcome::Answered { handler_errors } = r.outcome() else { panic!("{:?}", r.outcome()) };
        assert_eq!(handler_errors.len(), 1);
        assert_eq!(handler_errors[0].0, rc);
        let repliek = repliek_of(r.envelope());
        assert_eq!(code_of(repliek, &rf), Some("30001"));
        assert_eq!(code_of(repliek, &rc), Some("13090"));
        assert!(repliek.antwoord(&rc).expect("a").is_fout());
        assert_eq!(h.calls(), 2 * round, "round {round}: errors run again");
    }
    assert!(p.store().get(&key("001234", &rf)).expect("get").is_none());
    assert!(p.store().get(&key("001234", &rc)).expect("get").is_none());
}

fn reads_are_not_stored<S: AnswerStore>(store: S) {
    let p = provider(store);
    let h = CountingHandler::default();
    let request = demo_verzoek("001234");
    let one = answer(&p, &h, &signed("institution", &request));
    let two = answer(&p, &h, &resigned(&request));
    assert_eq!(h.calls(), 4);
    assert_ne!(one.antwoorden(), two.antwoorden(), "each read ran again (fresh ObjectIDs)");
    for v in request.1.vragen() {
        assert!(p.store().get(&key("001234", v.referte())).expect("get").is_none());
    }

    // A write operation whose handler says per Vraag: ObjectID-only Inhoud is a Raadpleeg.
    struct Crud(CountingHandler);
    impl VraagHandler for Crud {
        fn is_read(&self, _: &AuthorizedVerzoek, vraag: &Vraag) -> bool {
            vraag.inhoud().read_object_id().is_ok()
        }
        fn answer(&self, r: &AuthorizedVerzoek, v: &Vraag) -> Result<Uitkomst, HandlerError> {
            self.0.answer(r, v)
        }
    }
    let crud = Crud(CountingHandler::default());
    let (read, write) = (Referte::generate(), Referte::generate());
    let raadpleeg = Inhoud::from_fragment("<ObjectID>42</ObjectID>").expect("inhoud");
    let request = write_verzoek("001234", &[(&read, raadpleeg), (&write, inschrijving("w"))]);
    answer(&p, &crud, &signed("institution", &request));
    answer(&p, &crud, &resigned(&request));
    assert_eq!(crud.0.calls(), 3, "the Raadpleeg ran twice, the Aanmaak once");
    assert!(p.store().get(&key("001234", &read)).expect("get").is_none());
    assert!(p.store().get(&key("001234", &write)).expect("get").is_some());
}

fn reused_referte_with_other_inhoud_is_13010<S: AnswerStore>(store: S) {
    let p = provider(store);
    let h = CountingHandler::default();
    let r = Referte::generate();
    let original = write_verzoek("001234", &[(&r, inschrijving("a"))]);
    let first = answer(&p, &h, &signed("institution", &original));
    let other = answer(&p, &h, &signed("institution", &write_verzoek("001234", &[(&r, inschrijving("B"))])));
    assert_eq!(h.calls(), 1);
    assert_eq!(code_of(&other, &r), Some(Code::ReferteReused.identificatie()));
    let u = &other.antwoord(&r).expect("a").uitzonderingen()[0];
    assert!(u.is_fout());
    assert_eq!(u.diagnose(), Code::ReferteReused.diagnose());
    assert!(other.antwoord(&r).expect("a").inhoud().is_none());
    // The refusal is not stored over the answer: the real resend still gets it.
    assert_eq!(answer(&p, &h, &resigned(&original)).antwoorden(), first.antwoorden());
    // Refertes are per institution: the same Referte from 005678 is new work.
    answer(&p, &h, &signed("other", &write_verzoek("005678", &[(&r, inschrijving("a"))])));
    assert_eq!(h.calls(), 2);
}

fn concurrent_resends_run_the_work_once<S: AnswerStore + 'static>(store: S) {
    let p = Arc::new(provider(store));
    let h = Arc::new(CountingHandler { delay: Duration::from_millis(150), ..Default::default() });
    let r = Referte::generate();
    let request = write_verzoek("001234", &[(&r, inschrijving("concurrent"))]);
    // Four differently signed resends of the same Vraag, each sent by four threads.
    let messages: Vec<Arc<Vec<u8>>> = (0..4).map(|_| Arc::new(resigned(&request))).collect();
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let (p, h, m) = (p.clone(), h.clone(), messages[i % 4].clone());
            std::thread::spawn(move || answer(&p, &*h, &m))
        })
        .collect();
    let replies: Vec<Repliek> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    assert_eq!(h.calls(), 1, "16 concurrent resends, one run");
    let first = replies[0].antwoord(&r).expect("a").clone();
    assert!(first.inhoud().is_some());
    for rep in &replies {
        assert_eq!(rep.antwoord(&r), Some(&first));
    }
}

// ------------------------------------------------------------------ whose answer (attack catalogue F6)

fn two_applications<S: AnswerStore>(store: S) -> Provider<S> {
    Provider::new(Pep::new(policy_with_second_application()), store)
}

fn insz(s: &str) -> Insz {
    Insz::new(s).expect("insz")
}

/// An Afzender of 001234 with every context field the answer store binds.
fn full_afzender() -> dho_wss::model::AfzenderBuilder {
    Afzender::builder("001234").organisatie_eenheid("FIN").hoedanigheid("801").gebruiker(insz("85073003328"))
}

/// The ObjectID the [`CountingHandler`] answered `referte` with (unique per run).
fn object_id(repliek: &Repliek, referte: &Referte) -> String {
    let inhoud = repliek.antwoord(referte).and_then(|a| a.inhoud()).expect("Inhoud");
    inhoud.read_object_id().expect("ObjectID").as_str().to_owned()
}

/// `original` resent (new message, same Vragen) and signed by `who`.
fn resigned_by(who: &str, original: &(dho_wss::model::Operatie, dho_wss::model::Verzoek)) -> Vec<u8> {
    signed(who, &(original.0.clone(), original.1.resend()))
}

/// Handles `bytes`, which must be refused for `referte` with exactly [`Code::ReferteReused`],
/// without the handler running and without `not_leaked` anywhere in the reply.
fn assert_referte_reused<S: AnswerStore>(
    p: &Provider<S>,
    h: &CountingHandler,
    bytes: &[u8],
    referte: &Referte,
    not_leaked: &str,
) {
    let calls = h.calls();
    let response = p.handle(bytes, h);
    assert!(matches!(response.outcome(), Outcome::Answered { .. }), "{:?}", response.outcome());
    let repliek = repliek_of(response.envelope());
    let antwoord = repliek.antwoord(referte).expect("Antwoord");
    assert_eq!(code_of(repliek, referte).and_then(Code::from_identificatie), Some(Code::ReferteReused));
    assert!(antwoord.is_fout() && antwoord.inhoud().is_none());
    // Refused for who asks, not for what: the Omstandigheid says so.
    let omstandigheid = antwoord.uitzonderingen()[0].omstandigheid().unwrap_or_default();
    assert!(omstandigheid.contains("ander certificaat"), "{omstandigheid:?}");
    assert_eq!(h.calls(), calls, "the handler must not run");
    assert!(!String::from_utf8_lossy(response.bytes()).contains(not_leaked), "another signer's answer was handed out");
}

fn resend_by_the_same_signer_and_context_gets_the_stored_answer<S: AnswerStore>(store: S) {
    let p = two_applications(store);
    let h = CountingHandler::default();
    let r = Referte::generate();
    let request = write_verzoek_from(full_afzender().build().expect("afzender"), &[(&r, inschrijving("a"))]);
    let first = answer(&p, &h, &signed("institution-app2", &request));
    assert_eq!(h.calls(), 1);
    // Verzoek::resend keeps OrganisatieEenheid, Hoedanigheid and Gebruiker.
    let again = answer(&p, &h, &resigned_by("institution-app2", &request));
    assert_eq!(h.calls(), 1, "the work must not run again");
    assert_eq!(again.antwoord(&r), first.antwoord(&r));
    // Afzender/Naam is not part of the bound context (a display name, not an identity).
    let renamed = full_afzender().naam("Andere naam").build().expect("afzender");
    let named = answer(&p, &h, &signed("institution-app2", &write_verzoek_from(renamed, &[(&r, inschrijving("a"))])));
    assert_eq!(h.calls(), 1);
    assert_eq!(named.antwoord(&r), first.antwoord(&r));
}

fn referte_of_another_application_of_the_institution_is_13010<S: AnswerStore>(store: S) {
    let p = two_applications(store);
    let h = CountingHandler::default();
    let r = Referte::generate();
    let request = write_verzoek("001234", &[(&r, inschrijving("a"))]);
    let first = answer(&p, &h, &signed("institution", &request));
    let first_id = object_id(&first, &r);
    // The second application of the same institution, same Afzender, same Vraag: refused.
    assert_referte_reused(&p, &h, &resigned_by("institution-app2", &request), &r, &first_id);
    // Its refusal did not replace the answer: the first application's resend still gets it.
    assert_eq!(answer(&p, &h, &resigned_by("institution", &request)).antwoord(&r), first.antwoord(&r));
    assert_eq!(h.calls(), 1);
    // And the other way round.
    let r2 = Referte::generate();
    let theirs = write_verzoek("001234", &[(&r2, inschrijving("b"))]);
    let second = answer(&p, &h, &signed("institution-app2", &theirs));
    assert_eq!(h.calls(), 2);
    assert_referte_reused(&p, &h, &resigned_by("institution", &theirs), &r2, &object_id(&second, &r2));
}

fn same_signer_with_another_afzender_context_is_13010<S: AnswerStore>(store: S) {
    let p = provider(store);
    let h = CountingHandler::default();
    let r = Referte::generate();
    let vraag = |afzender: Afzender| write_verzoek_from(afzender, &[(&r, inschrijving("a"))]);
    let first = answer(&p, &h, &signed("institution", &vraag(full_afzender().build().expect("afzender"))));
    let first_id = object_id(&first, &r);
    let others = [
        ("another Gebruiker", full_afzender().gebruiker(insz("05022845616"))),
        ("another Hoedanigheid", full_afzender().hoedanigheid("802")),
        ("another OrganisatieEenheid", full_afzender().organisatie_eenheid("HR")),
        ("no Gebruiker", Afzender::builder("001234").organisatie_eenheid("FIN").hoedanigheid("801")),
    ];
    for (what, afzender) in others {
        let bytes = signed("institution", &vraag(afzender.build().expect(what)));
        assert_referte_reused(&p, &h, &bytes, &r, &first_id);
    }
    assert_eq!(h.calls(), 1);
    // The original context still gets its answer.
    let again = answer(&p, &h, &signed("institution", &vraag(full_afzender().build().expect("afzender"))));
    assert_eq!(again.antwoord(&r), first.antwoord(&r));
}

macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            use super::*;
            $( #[test] fn $name() { super::$name(MemoryStore::new()); } )*
        }
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $( #[test] fn $name() {
                let dir = tempfile::tempdir().expect("tmp");
                super::$name(dho_wss::provider::SqliteStore::open(dir.path().join("answers.sqlite")).expect("open"));
            } )*
        }
    };
}

on_every_store!(
    resent_vraag_gets_the_identical_antwoord_without_rework,
    fout_and_handler_errors_are_not_stored,
    reads_are_not_stored,
    reused_referte_with_other_inhoud_is_13010,
    concurrent_resends_run_the_work_once,
    resend_by_the_same_signer_and_context_gets_the_stored_answer,
    referte_of_another_application_of_the_institution_is_13010,
    same_signer_with_another_afzender_context_is_13010,
);

// ------------------------------------------------------------------ failures and waits

/// A store whose `complete` fails the first `fail` times.
struct Flaky<S> {
    inner: S,
    fail: AtomicUsize,
}

impl<S: AnswerStore> AnswerStore for Flaky<S> {
    fn claim(&self, key: &AnswerKey) -> Result<Claim, StoreError> {
        self.inner.claim(key)
    }
    fn complete(&self, key: &AnswerKey, answer: &StoredAnswer) -> Result<(), StoreError> {
        if self.fail.load(Ordering::SeqCst) > 0 {
            self.fail.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::Backend("injected failure".into()));
        }
        self.inner.complete(key, answer)
    }
    fn release(&self, key: &AnswerKey) -> Result<(), StoreError> {
        self.inner.release(key)
    }
    fn get(&self, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError> {
        self.inner.get(key)
    }
}

#[test]
fn failing_store_gives_a_server_fault_and_releases_the_claim() {
    let p =
        provider(Flaky { inner: MemoryStore::new().with_wait(Duration::from_millis(50)), fail: AtomicUsize::new(1) });
    let h = CountingHandler::default();
    let r = Referte::generate();
    let request = write_verzoek("001234", &[(&r, inschrijving("x"))]);
    let resp = p.handle(&signed("institution", &request), &h);
    assert!(resp.is_fault());
    assert_eq!(fault_of(resp.envelope()).faultcode(), &dho_wss::model::FaultCode::server());
    assert!(matches!(resp.outcome(), Outcome::Failed(ProcessingError::Store(StoreError::Backend(_)))));
    assert!(p.store().get(&key("001234", &r)).expect("get").is_none());
    // The claim was released: the resend is worked (not 13011) and stored.
    let again = answer(&p, &h, &resigned(&request));
    assert_eq!(code_of(&again, &r), None);
    assert_eq!(h.calls(), 2);
    assert!(p.store().get(&key("001234", &r)).expect("get").is_some());
}

#[test]
fn a_key_claimed_elsewhere_gets_13011_after_the_wait() {
    let p = provider(MemoryStore::new().with_wait(Duration::from_millis(50)));
    let h = CountingHandler::default();
    let r = Referte::generate();
    let k = key("001234", &r);
    assert_eq!(p.store().claim(&k).expect("claim"), Claim::Claimed);
    let request = write_verzoek("001234", &[(&r, inschrijving("x"))]);
    let busy = answer(&p, &h, &signed("institution", &request));
    assert_eq!(code_of(&busy, &r), Some(Code::InProgress.identificatie()));
    assert_eq!(h.calls(), 0);
    p.store().release(&k).expect("release");
    let done = answer(&p, &h, &resigned(&request));
    assert_eq!(code_of(&done, &r), None);
    assert_eq!(h.calls(), 1);
}

#[test]
fn a_panicking_handler_releases_its_claim() {
    struct Panics;
    impl VraagHandler for Panics {
        fn answer(&self, _: &AuthorizedVerzoek, _: &Vraag) -> Result<Uitkomst, HandlerError> {
            panic!("handler bug")
        }
    }
    let p = provider(MemoryStore::new().with_wait(Duration::from_millis(50)));
    let r = Referte::generate();
    let request = write_verzoek("001234", &[(&r, inschrijving("x"))]);
    let bytes = signed("institution", &request);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| p.handle(&bytes, &Panics)));
    assert!(caught.is_err());
    assert_eq!(p.store().claim(&key("001234", &r)).expect("claim"), Claim::Claimed);
}

/// A store that gives back no requester (as one that does not keep it would) fails closed.
#[test]
fn an_answer_without_a_requester_is_never_handed_out() {
    let p = provider(MemoryStore::new());
    let h = CountingHandler::default();
    let r = Referte::generate();
    let request = write_verzoek("001234", &[(&r, inschrijving("x"))]);
    let k = key("001234", &r);
    let orphan = Uitkomst::ok(Inhoud::object_id(&ObjectId::new("orphan-answer").expect("id")).expect("i"));
    assert_eq!(p.store().claim(&k).expect("claim"), Claim::Claimed);
    let fingerprint = Fingerprint::of(&request.0, request.1.vragen()[0].inhoud());
    let stored = StoredAnswer {
        requester: None,
        ..StoredAnswer::new(fingerprint, Requester::from_parts([8; 32], [9; 32]), &r, &orphan).expect("encode")
    };
    p.store().complete(&k, &stored).expect("complete");
    assert_referte_reused(&p, &h, &signed("institution", &request), &r, "orphan-answer");
}

#[test]
fn stored_answers_keep_warnings_and_01_02_uitzonderingen() {
    let r = Referte::generate();
    let warning = Uitzondering::waarschuwing("40001", "Let op")
        .oorsprong(dho_wss::model::Oorsprong::new("TEST").expect("o"))
        .build()
        .expect("u");
    let with_warning = Uitkomst::ok_met_meldingen(inschrijving("w"), [warning]).expect("uitkomst");
    let round_trip = |referte: &Referte, uitkomst: &Uitkomst| {
        let fingerprint = Fingerprint([1; 32]);
        let stored = StoredAnswer::new(fingerprint, Requester::from_parts([8; 32], [9; 32]), referte, uitkomst);
        stored.expect("encode").uitkomst().expect("decode")
    };
    assert_eq!(round_trip(&r, &with_warning), with_warning);
    // A generiek-01.02 warning has no Oorsprong.
    let old = Uitkomst::ok_met_meldingen(Inhoud::empty(), [Uitzondering::informatie("1", "i").build().expect("u")])
        .expect("uitkomst");
    let r12 = Referte::generate_for(SchemaVersion::V01_02);
    assert_eq!(round_trip(&r12, &old), old);
    let corrupt = |antwoord: &[u8]| StoredAnswer {
        fingerprint: Fingerprint([1; 32]),
        requester: None,
        antwoord: antwoord.to_vec(),
    };
    assert!(matches!(corrupt(b"<Repliek/>").uitkomst(), Err(StoreError::Corrupt { .. })));
    assert!(matches!(corrupt(b"\xff").uitkomst(), Err(StoreError::Corrupt { .. })));
}

// ------------------------------------------------------------------ SQLite specifics

#[cfg(feature = "sqlite")]
mod sqlite_store {
    use super::*;
    use dho_wss::provider::SqliteStore;

    #[test]
    fn answers_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("answers.sqlite");
        let h = CountingHandler::default();
        let r = Referte::generate();
        let request = write_verzoek("001234", &[(&r, inschrijving("persist"))]);
        let first = {
            let p = provider(SqliteStore::open(&path).expect("open"));
            answer(&p, &h, &signed("institution", &request))
        };
        let p = provider(SqliteStore::open(&path).expect("reopen"));
        let again = answer(&p, &h, &resigned(&request));
        assert_eq!(h.calls(), 1);
        assert_eq!(again.antwoorden(), first.antwoorden());
    }

    #[test]
    fn injected_failure_mid_write_leaves_no_half_answer() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("answers.sqlite");
        let p = provider(SqliteStore::open(&path).expect("open"));
        // Fail `complete` after it has inserted the answer, when it ends the claim.
        let raw = rusqlite::Connection::open(&path).expect("raw connection");
        raw.execute_batch(
            "CREATE TRIGGER inject_failure BEFORE DELETE ON dho_claims BEGIN SELECT RAISE(ABORT, 'injected'); END;",
        )
        .expect("trigger");
        let h = CountingHandler::default();
        let r = Referte::generate();
        let request = write_verzoek("001234", &[(&r, inschrijving("x"))]);
        let resp = p.handle(&signed("institution", &request), &h);
        assert!(resp.is_fault());
        assert!(matches!(resp.outcome(), Outcome::Failed(ProcessingError::Store(_))));
        assert_eq!(h.calls(), 1);
        // No answer row, through the store and in the file.
        assert!(p.store().get(&key("001234", &r)).expect("get").is_none());
        let rows: i64 = raw.query_row("SELECT count(*) FROM dho_answers", [], |row| row.get(0)).expect("count");
        assert_eq!(rows, 0);
        // Once the fault is gone, the resend is worked again and stored.
        raw.execute_batch("DROP TRIGGER inject_failure").expect("drop trigger");
        let again = answer(&p, &h, &resigned(&request));
        assert_eq!(code_of(&again, &r), None);
        assert_eq!(h.calls(), 2);
        assert!(p.store().get(&key("001234", &r)).expect("get").is_some());
        let claims: i64 = raw.query_row("SELECT count(*) FROM dho_claims", [], |row| row.get(0)).expect("count");
        assert_eq!(claims, 0);
    }

    #[test]
    fn claims_of_another_process_are_waited_for_then_taken_over_when_stale() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("answers.sqlite");
        let a = SqliteStore::open(&path).expect("a");
        let k = key("001234", &Referte::generate());
        assert_eq!(a.claim(&k).expect("claim"), Claim::Claimed);
        // Another process (store instance) waits, then gives up.
        let b = SqliteStore::open(&path).expect("b").with_wait(Duration::from_millis(100));
        assert_eq!(b.claim(&k).expect("claim"), Claim::Busy);
        // Once the claim counts as stale (its owner died mid-work), it is taken over.
        let c = SqliteStore::open(&path).expect("c").with_stale_claim_after(Duration::ZERO);
        assert_eq!(c.claim(&k).expect("claim"), Claim::Claimed);
        let answer = StoredAnswer {
            fingerprint: dho_wss::provider::Fingerprint([7; 32]),
            requester: Some(Requester::from_parts([8; 32], [9; 32])),
            antwoord: b"x".to_vec(),
        };
        // The first owner lost it: its answer is refused, atomically.
        assert!(matches!(a.complete(&k, &answer), Err(StoreError::ClaimLost { .. })));
        a.release(&k).expect("release");
        assert!(a.get(&k).expect("get").is_none());
        c.complete(&k, &answer).expect("complete");
        assert_eq!(b.claim(&k).expect("claim"), Claim::Answered(answer.clone()));
        assert_eq!(a.get(&k).expect("get"), Some(answer));
    }

    /// `dho_answers` and `dho_claims` exactly as the code before issue 10 created them
    /// (`PRAGMA user_version = 1`): no requester columns.
    const SCHEMA_1: &str = "
    CREATE TABLE IF NOT EXISTS dho_claims (
        instelling TEXT NOT NULL,
        referte    TEXT NOT NULL,
        owner      TEXT NOT NULL,
        claimed_at INTEGER NOT NULL,
        PRIMARY KEY (instelling, referte)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS dho_answers (
        instelling  TEXT NOT NULL,
        referte     TEXT NOT NULL,
        fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),
        antwoord    BLOB NOT NULL,
        stored_at   INTEGER NOT NULL,
        PRIMARY KEY (instelling, referte)
    ) WITHOUT ROWID;
    ";

    fn columns(raw: &rusqlite::Connection) -> Vec<String> {
        let mut stmt = raw.prepare("SELECT name FROM pragma_table_info('dho_answers')").expect("prepare");
        let names = stmt.query_map([], |row| row.get(0)).expect("query");
        names.collect::<Result<_, _>>().expect("names")
    }

    /// Attack catalogue F6, migration: an answer stored by schema 1 has no requester; it is
    /// kept (its Referte stays used, the work is not redone) but never handed out.
    #[test]
    fn a_schema_1_file_is_migrated_and_its_answers_are_never_replayed() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("answers.sqlite");
        let r = Referte::generate();
        let request = write_verzoek("001234", &[(&r, inschrijving("before the upgrade"))]);
        let old_answer = Uitkomst::ok(Inhoud::object_id(&ObjectId::new("stored-by-schema-1").expect("id")).expect("i"));
        let fingerprint = Fingerprint::of(&request.0, request.1.vragen()[0].inhoud());
        {
            // The file as the previous version left it, with one answer whose fingerprint
            // matches the Vraag (so that only the missing requester can refuse it).
            let raw = rusqlite::Connection::open(&path).expect("raw");
            raw.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(())).expect("wal");
            raw.execute_batch(SCHEMA_1).expect("schema 1");
            raw.execute_batch("PRAGMA user_version = 1").expect("version");
            raw.execute(
                "INSERT INTO dho_answers (instelling, referte, fingerprint, antwoord, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![
                    "001234",
                    r.as_str(),
                    fingerprint.as_bytes().as_slice(),
                    StoredAnswer::new(fingerprint, Requester::from_parts([8; 32], [9; 32]), &r, &old_answer)
                        .expect("encode")
                        .antwoord,
                    1_700_000_000_i64,
                ],
            )
            .expect("old answer");
            assert!(!columns(&raw).contains(&"signer_sha256".to_owned()));
        }

        let store = SqliteStore::open(&path).expect("open migrates");
        let raw = rusqlite::Connection::open(&path).expect("raw");
        let version: i64 = raw.query_row("PRAGMA user_version", [], |row| row.get(0)).expect("version");
        assert_eq!(version, 2);
        let cols = columns(&raw);
        assert!(cols.contains(&"signer_sha256".to_owned()) && cols.contains(&"context_digest".to_owned()), "{cols:?}");
        // The old answer is kept, without a requester.
        let kept = store.get(&key("001234", &r)).expect("get").expect("the old answer is kept");
        assert_eq!(kept.requester, None);
        assert_eq!(kept.uitkomst().expect("decode"), old_answer);

        // Never handed out, not even to the resend its fingerprint matches; the work is not redone.
        let p = provider(store);
        let h = CountingHandler::default();
        let response = p.handle(&signed("institution", &request), &h);
        let refused = repliek_of(response.envelope());
        assert_eq!(code_of(refused, &r).and_then(Code::from_identificatie), Some(Code::ReferteReused));
        assert!(refused.antwoord(&r).expect("a").inhoud().is_none());
        assert!(!String::from_utf8_lossy(response.bytes()).contains("stored-by-schema-1"));
        assert_eq!(h.calls(), 0);
        let rows: i64 = raw.query_row("SELECT count(*) FROM dho_answers", [], |row| row.get(0)).expect("count");
        assert_eq!(rows, 1, "the refusal is not stored");

        // New answers record their requester and are replayed to it, also after a reopen.
        let r2 = Referte::generate();
        let fresh = write_verzoek("001234", &[(&r2, inschrijving("after the upgrade"))]);
        let first = answer(&p, &h, &signed("institution", &fresh));
        assert_eq!(h.calls(), 1);
        assert!(p.store().get(&key("001234", &r2)).expect("get").and_then(|a| a.requester).is_some());
        drop(p);
        let p = provider(SqliteStore::open(&path).expect("reopen schema 2"));
        assert_eq!(answer(&p, &h, &resigned(&fresh)).antwoord(&r2), first.antwoord(&r2));
        assert_eq!(h.calls(), 1);
        let refused = answer(&p, &h, &resigned(&request));
        assert_eq!(code_of(&refused, &r).and_then(Code::from_identificatie), Some(Code::ReferteReused));
    }

    #[test]
    fn a_file_with_an_unexpected_layout_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("answers.sqlite");
        // Schema 1's tables but no version: not something this code wrote.
        rusqlite::Connection::open(&path).expect("raw").execute_batch(SCHEMA_1).expect("schema 1");
        assert!(matches!(SqliteStore::open(&path), Err(StoreError::Corrupt { .. })));
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("answers.sqlite");
        drop(SqliteStore::open(&path).expect("open"));
        rusqlite::Connection::open(&path).expect("raw").execute_batch("PRAGMA user_version = 99").expect("pragma");
        assert!(matches!(SqliteStore::open(&path), Err(StoreError::Corrupt { .. })));
    }
}

#[test]
fn resend_vragen_keeps_only_the_chosen_vragen() {
    let (r1, r2) = (Referte::generate(), Referte::generate());
    let original = write_verzoek("001234", &[(&r1, inschrijving("a")), (&r2, inschrijving("b"))]).1;
    let again = original.resend_vragen(|v| v.referte() == &r2).expect("resend");
    assert_eq!(again.vragen().len(), 1);
    assert_eq!(again.vragen()[0], original.vragen()[1]);
    assert_ne!(again.afzender().referte(), original.afzender().referte());
    assert_eq!(again.afzender().identificatie(), original.afzender().identificatie());
    assert_eq!(again.afzender().hoedanigheid(), original.afzender().hoedanigheid());
    assert_eq!(again.context().naam(), original.context().naam());
    assert_eq!(again.context().versie(), original.context().versie());
    assert!(original.resend_vragen(|_| false).is_err(), "a Verzoek needs a Vraag");
}
