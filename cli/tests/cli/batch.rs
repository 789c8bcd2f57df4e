//! `dho-wss batch build`: signed MAGDA request files from Vraag files, each checked by
//! `dho-wss verify`; hostile arguments and inputs.

use std::path::PathBuf;

use crate::support::{dho, root, tmp};

const OPERATION: &str = "http://example.test/dienst:GeefVoorbeeld";

fn vragen() -> [String; 2] {
    ["vraag-0001.xml", "vraag-0002.xml"].map(|f| root().join("testdata/batch").join(f).display().to_string())
}

fn build(out: &str, extra: &[&str], inputs: &[String]) -> crate::support::Out {
    let mut args: Vec<String> =
        ["batch", "build", "--operation", OPERATION, "--versie", "02.01.0000", "--out", out].map(String::from).into();
    args.extend(["--test-identity".to_owned()]);
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(inputs.iter().cloned());
    dho(args)
}

#[test]
fn batch_build_writes_signed_request_files() {
    let dir = tmp();
    let out = dir.path().join("to_vip");
    let o = build(&out.display().to_string(), &["--per-file", "1", "--json"], &vragen());
    let v: serde_json::Value = serde_json::from_str(&o.code(0).stdout).expect("JSON summary");
    let listed = v["files"].as_array().expect("files");
    assert_eq!(listed.len(), 2, "one file per Vraag: {v}");
    let mut written: Vec<PathBuf> = std::fs::read_dir(&out).expect("out").flatten().map(|e| e.path()).collect();
    written.sort();
    assert_eq!(written.len(), 2);
    for ((entry, path), input) in listed.iter().zip(&written).zip(vragen()) {
        assert_eq!(entry["vragen"], 1);
        assert_eq!(entry["file"].as_str(), Some(path.display().to_string().as_str()));
        let text = std::fs::read_to_string(path).expect("read");
        let inhoud = std::fs::read_to_string(&input).expect("input");
        assert!(text.contains(inhoud.trim()), "the Inhoud of {input} in {text}");
        let verified = dho(["verify".as_ref(), "--test-ca".as_ref(), path.as_os_str()]);
        verified.code(0);
        assert!(verified.last_line().starts_with("OK "), "{}", verified.stdout);
    }
    // Both Vragen in one file.
    let out2 = dir.path().join("one");
    let o = build(&out2.display().to_string(), &["--per-file", "2"], &vragen());
    assert_eq!(o.code(0).stdout.lines().count(), 1, "{}", o.stdout);
    assert!(o.stdout.contains("(2 Vragen"), "{}", o.stdout);
}

#[test]
fn batch_build_hostile_inputs() {
    let dir = tmp();
    let out = dir.path().join("out").display().to_string();
    // Not XML: exit 1, names the file, nothing written.
    let bad = dir.path().join("vraag-bad.xml");
    std::fs::write(&bad, "<Criteria><open>").expect("write");
    build(&out, &["--per-file", "1"], &[bad.display().to_string()]).code(1).error_names(&bad, "");
    assert!(!dir.path().join("out").exists(), "no output folder after a refused input");
    // A missing input: exit 3.
    let missing = dir.path().join("missing.xml");
    build(&out, &["--per-file", "1"], &[missing.display().to_string()]).code(3).error_names(&missing, "");
    // Usage errors: exit 2.
    build(&out, &["--per-file", "0"], &vragen()).code(2);
    build(&out, &["--per-file", "1", "--instelling", "12ab"], &vragen()).code(2);
    build(&out, &["--per-file", "1", "--pattern", "../{seq}.xml"], &vragen()).code(2);
    let o = dho(["batch", "build", "--operation", "no-colon", "--versie", "1", "--per-file", "1", "--out", &out]);
    o.code(2);
}

/// `dho-wss batch put|get` against the ProFTPD of `tests/ftps/servers.sh` (`DHO_WSS_PROFTPD`,
/// `DHO_WSS_PROFTPD_ROOT`): put twice (the journal keeps the second from putting again), then
/// get a signed answer (verified) and a tampered one (refused, left on the server, exit 1).
#[test]
fn batch_put_and_get_against_proftpd() {
    let (Ok(addr), Ok(server_root)) = (std::env::var("DHO_WSS_PROFTPD"), std::env::var("DHO_WSS_PROFTPD_ROOT")) else {
        crate::support::unavailable("ProFTPD (DHO_WSS_PROFTPD, DHO_WSS_PROFTPD_ROOT from tests/ftps/servers.sh)");
        return;
    };
    let server_root = PathBuf::from(server_root);
    let (host, port) = addr.rsplit_once(':').expect("DHO_WSS_PROFTPD is HOST:PORT");
    for dir in ["to_vip", "from_vip", "cache/to_vip", "cache/from_vip"] {
        for e in std::fs::read_dir(server_root.join(dir)).expect("server folder").flatten() {
            if e.path().is_file() {
                std::fs::remove_file(e.path()).expect("clean the server folder");
            }
        }
    }
    let dir = tmp();
    let out = dir.path().join("out");
    build(&out.display().to_string(), &["--per-file", "1"], &vragen()).code(0);
    let mut files: Vec<String> =
        std::fs::read_dir(&out).expect("out").flatten().map(|e| e.path().display().to_string()).collect();
    files.sort();
    let server = ["--host", host, "--port", port, "--server-ca"].map(String::from);
    let ca = root().join("testdata/pki/ca.pem").display().to_string();
    let journal = dir.path().join("journal").display().to_string();
    let put = || {
        let mut a: Vec<String> = ["batch", "put"].map(String::from).into();
        a.extend(server.iter().cloned());
        a.extend([ca.clone(), "--test-identity".into(), "--journal".into(), journal.clone(), "--json".into()]);
        a.extend(files.iter().cloned());
        dho(a)
    };
    let first: serde_json::Value = serde_json::from_str(&put().code(0).stdout).expect("JSON");
    assert_eq!(first["files"].as_array().map(Vec::len), Some(2), "{first}");
    assert!(first["files"].as_array().expect("files").iter().all(|f| f["status"] == "put"), "{first}");
    // Files only: the FTPS library tests leave their upload subfolder in to_vip.
    let mut on_server: Vec<String> = std::fs::read_dir(server_root.join("to_vip"))
        .expect("to_vip")
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_server.sort();
    let local: Vec<String> =
        files.iter().map(|f| PathBuf::from(f).file_name().expect("name").to_string_lossy().into_owned()).collect();
    assert_eq!(on_server, local, "both files in to_vip");
    let again: serde_json::Value = serde_json::from_str(&put().code(0).stdout).expect("JSON");
    assert_eq!(again["bytes_put"], 0, "the journal keeps a second put from putting: {again}");

    // Answers: a Repliek signed by the provider verifies; a tampered one is refused and stays.
    let signed = signed_answer(&files[0]);
    std::fs::write(server_root.join("from_vip/answer.xml"), &signed).expect("place the answer");
    let cn = "dho-wss-test.dho-provider";
    let get = |got: &std::path::Path| {
        let mut a: Vec<String> = ["batch", "get"].map(String::from).into();
        a.extend(server.iter().cloned());
        a.extend([ca.clone(), "--test-identity".into(), "--reply-cn".into(), cn.into(), "--json".into()]);
        a.extend(["--out".into(), got.display().to_string()]);
        dho(a)
    };
    let got = dir.path().join("got");
    let fetched: serde_json::Value = serde_json::from_str(&get(&got).code(0).stdout).expect("JSON");
    assert_eq!(fetched["fetched"].as_array().map(Vec::len), Some(1), "{fetched}");
    assert_eq!(std::fs::read_to_string(got.join("answer.xml")).expect("stored answer"), signed);
    let tampered = signed.replacen("<Identificatie>MAGDA</Identificatie>", "<Identificatie>MAGDX</Identificatie>", 1);
    assert_ne!(tampered, signed, "the tampering changed the file");
    std::fs::write(server_root.join("from_vip/bad.xml"), tampered).expect("place the tampered answer");
    let refused = get(&dir.path().join("got2"));
    refused.code(1);
    assert!(refused.stderr.contains("refused"), "{}", refused.stderr);
    assert!(server_root.join("from_vip/bad.xml").exists(), "a refused file stays on the server");
}

/// The provider's signed Repliek (as MAGDA would write it) to the request file `request`.
fn signed_answer(request: &str) -> String {
    use dho_wss::model::{Afzender, Envelope, Inhoud, Uitkomst};
    use dho_wss::pki::SigningIdentity;
    use dho_wss::wss::{SignatureProfile, Signer};
    let bytes = std::fs::read(request).expect("request file");
    let Ok(Envelope::Verzoek { operatie, verzoek }) = Envelope::from_envelope_bytes(&bytes) else {
        panic!("{request} is a Verzoek");
    };
    let repliek = verzoek
        .beantwoord(Afzender::builder("MAGDA").build().expect("afzender"), |_| Ok(Uitkomst::ok(Inhoud::empty())))
        .and_then(|b| b.build())
        .expect("repliek");
    let provider = SigningIdentity::from_pem_files(
        root().join("testdata/pki/provider.key.pem"),
        root().join("testdata/pki/provider.crt.pem"),
        None,
    )
    .expect("provider identity");
    let signer = Signer::new(provider, SignatureProfile::dho_legacy_rsa_sha1());
    let signed = signer.sign_message(&Envelope::Repliek { operatie, repliek }).expect("sign the answer");
    String::from_utf8(signed).expect("UTF-8")
}
