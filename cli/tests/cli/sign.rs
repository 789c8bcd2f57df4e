//! `sign` and `verify` (and `sign --batch`), top-level usage, completions and man page.

use std::path::Path;

use crate::support::*;

fn sign_pem(out: &Path, extra: &[&str]) -> Out {
    let mut args: Vec<std::ffi::OsString> = vec!["sign".into(), "--key".into(), pki("institution.key.pem").into()];
    args.extend(["--cert".into(), pki("institution.chain.pem").into()]);
    args.extend(extra.iter().map(Into::into));
    args.extend([unsigned_message().into(), out.into()]);
    dho(args)
}

#[test]
fn sign_then_verify_with_pem_identity_and_ca() {
    let dir = tmp();
    let out = dir.path().join("signed.xml");
    sign_pem(&out, &[]).code(0);
    let v = dho(["verify".as_ref(), "--ca".as_ref(), pki("ca.pem").as_os_str(), out.as_os_str()]);
    v.code(0);
    assert!(v.last_line().starts_with("OK ") && v.last_line().contains("CN=dho-wss-test"), "{}", v.stdout);
    assert_eq!(names(dir.path()), ["signed.xml"]);
}

#[test]
fn sign_with_p12_pkipath_timestamp_sha256_verifies() {
    let dir = tmp();
    let out = dir.path().join("signed.xml");
    dho_env(
        [
            "sign".as_ref(),
            "--p12".as_ref(),
            pki("institution.p12").as_os_str(),
            "--token".as_ref(),
            "pkipath".as_ref(),
            "--timestamp".as_ref(),
            "--profile".as_ref(),
            "sha256".as_ref(),
            unsigned_message().as_os_str(),
            out.as_os_str(),
        ],
        &[PW],
    )
    .code(0);
    let xml = std::fs::read_to_string(&out).expect("signed");
    assert!(xml.contains("X509PKIPathv1") && xml.contains("Timestamp") && xml.contains("rsa-sha256"));
    let v = dho(["verify".as_ref(), "--test-ca".as_ref(), "--profile".as_ref(), "sha256".as_ref(), out.as_os_str()]);
    v.code(0);
    // The DHO-only profile refuses an RSA-SHA256 signature.
    dho(["verify".as_ref(), "--test-ca".as_ref(), "--profile".as_ref(), "dho".as_ref(), out.as_os_str()])
        .code(1)
        .error_names(&out, "");
}

#[test]
fn encrypted_key_with_password_file_and_env() {
    let dir = tmp();
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, "test-only\n").expect("pw");
    let out = dir.path().join("signed.xml");
    let key = pki("institution.key.enc.pem");
    let cert = pki("institution.chain.pem");
    let base = |extra: &[&std::ffi::OsStr]| {
        let mut a: Vec<std::ffi::OsString> = vec!["sign".into(), "--key".into(), key.clone().into()];
        a.extend(["--cert".into(), cert.clone().into()]);
        a.extend(extra.iter().map(|s| s.to_os_string()));
        a.extend([unsigned_message().into(), out.clone().into()]);
        a
    };
    dho(base(&["--password-file".as_ref(), pwfile.as_os_str()])).code(0);
    std::fs::remove_file(&out).expect("rm");
    dho_env(base(&["--password-env".as_ref(), "MY_PW".as_ref()]), &[("MY_PW", "test-only")]).code(0);
    std::fs::remove_file(&out).expect("rm");
    // Wrong password: exit 1, the key named, no output.
    dho_env(base(&[]), &[("DHO_WSS_PASSWORD", "wrong")]).code(1).error_names(&key, "wrong password");
    // No password source and no terminal: a usage error naming the key.
    dho(base(&[])).code(2).error_names(&key, "needs a password");
    // A named variable that is not set.
    dho(base(&["--password-env".as_ref(), "NOT_SET_ANYWHERE".as_ref()]))
        .code(2)
        .error_names(Path::new("NOT_SET_ANYWHERE"), "");
    assert!(names(dir.path()) == ["pw"], "{:?}", names(dir.path()));
}

#[test]
fn no_identity_is_refused_and_test_identity_is_explicit() {
    let dir = tmp();
    let out = dir.path().join("signed.xml");
    let o = dho(["sign".as_ref(), unsigned_message().as_os_str(), out.as_os_str()]);
    o.code(2);
    assert!(o.stderr.contains("no identity"), "{}", o.stderr);
    assert!(!out.exists());
    dho(["sign".as_ref(), "--test-identity".as_ref(), unsigned_message().as_os_str(), out.as_os_str()]).code(0);
    dho(["verify".as_ref(), "--test-ca".as_ref(), out.as_os_str()]).code(0);
}

#[test]
fn expired_certificate_is_refused_unless_allowed() {
    let dir = tmp();
    let out = dir.path().join("signed.xml");
    let args = |extra: Option<&str>| {
        let mut a = vec![
            "sign".to_owned(),
            "--key".into(),
            pki("expired.key.pem").display().to_string(),
            "--cert".into(),
            pki("expired.crt.pem").display().to_string(),
        ];
        a.extend(extra.map(str::to_owned));
        a.extend([unsigned_message().display().to_string(), out.display().to_string()]);
        a
    };
    let o = dho(args(None));
    o.code(1);
    assert!(o.stderr.contains("expired on 2020-01-01") && o.stderr.contains("--allow-expired"), "{}", o.stderr);
    assert!(!out.exists());
    let o = dho(args(Some("--allow-expired")));
    o.code(0);
    assert!(o.stderr.contains("warning: the signing certificate") && o.stderr.contains("expired"), "{}", o.stderr);
    assert!(out.exists());
}

#[test]
fn hostile_inputs_of_sign() {
    let dir = tmp();
    let out = dir.path().join("signed.xml");
    // Missing input: I/O, named.
    let missing = dir.path().join("missing.xml");
    sign_pem(&out, &[]).code(0);
    std::fs::remove_file(&out).expect("rm");
    let o = dho(["sign".as_ref(), "--test-identity".as_ref(), missing.as_os_str(), out.as_os_str()]);
    o.code(3).error_names(&missing, "");
    // Corrupt input: invalid, named, no output.
    let corrupt = dir.path().join("corrupt.xml");
    std::fs::write(&corrupt, "<soapenv:Envelope><oops").expect("write");
    dho(["sign".as_ref(), "--test-identity".as_ref(), corrupt.as_os_str(), out.as_os_str()])
        .code(1)
        .error_names(&corrupt, "");
    // Missing and corrupt key, corrupt certificate.
    let bad_key = dir.path().join("bad.key.pem");
    std::fs::write(&bad_key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").expect("write");
    for (key, cert, named, code) in [
        (dir.path().join("nokey.pem"), pki("institution.chain.pem"), dir.path().join("nokey.pem"), 3),
        (bad_key.clone(), pki("institution.chain.pem"), bad_key.clone(), 1),
        (pki("institution.key.pem"), corrupt.clone(), corrupt.clone(), 1),
        (pki("other.key.pem"), pki("institution.chain.pem"), pki("other.key.pem"), 1),
        (pki("ec.key.pem"), pki("ec.crt.pem"), pki("ec.key.pem"), 1),
    ] {
        dho([
            "sign".as_ref(),
            "--key".as_ref(),
            key.as_os_str(),
            "--cert".as_ref(),
            cert.as_os_str(),
            unsigned_message().as_os_str(),
            out.as_os_str(),
        ])
        .code(code)
        .error_names(&named, "");
    }
    // Wrong p12 password; a corrupt p12.
    dho_env(
        [
            "sign".as_ref(),
            "--p12".as_ref(),
            pki("institution.p12").as_os_str(),
            unsigned_message().as_os_str(),
            out.as_os_str(),
        ],
        &[("DHO_WSS_PASSWORD", "nope")],
    )
    .code(1)
    .error_names(&pki("institution.p12"), "wrong password");
    dho_env(
        ["sign".as_ref(), "--p12".as_ref(), corrupt.as_os_str(), unsigned_message().as_os_str(), out.as_os_str()],
        &[PW],
    )
    .code(1)
    .error_names(&corrupt, "PKCS#12");
    // Bad arguments: exit 2 (a password on argv does not exist as a flag).
    for bad in [
        vec!["sign", "--token", "saml", "a", "b"],
        vec!["sign", "--password", "secret", "--test-identity", "a", "b"],
        vec!["sign", "--test-identity", "a"],
        vec!["sign", "--key", "k.pem", "a", "b"],
        vec!["sign", "--test-identity", "--p12", "x.p12", "a", "b"],
        vec!["sign", "--test-identity", "--timestamp-ttl", "0", "--timestamp", "a", "b"],
        vec!["frobnicate"],
    ] {
        dho(&bad).code(2);
    }
    assert_eq!(names(dir.path()), ["bad.key.pem", "corrupt.xml"]);
}

#[test]
fn verify_rejects_tampered_untrusted_and_bad_arguments() {
    let dir = tmp();
    let out = dir.path().join("signed.xml");
    sign_pem(&out, &[]).code(0);
    let xml = std::fs::read_to_string(&out).expect("signed");
    let tampered = dir.path().join("tampered.xml");
    std::fs::write(&tampered, xml.replacen("85073003328", "85073003329", 1)).expect("write");
    assert_ne!(std::fs::read(&tampered).expect("t"), xml.as_bytes());
    let o = dho(["verify".as_ref(), "--test-ca".as_ref(), tampered.as_os_str()]);
    o.code(1).error_names(&tampered, "wsse:FailedCheck");
    assert!(!o.stdout.contains("OK"));
    // Signed by the test CA, trusted only the rogue CA: rejected.
    dho(["verify".as_ref(), "--ca".as_ref(), pki("rogue-ca.pem").as_os_str(), out.as_os_str()])
        .code(1)
        .error_names(&out, "");
    // JSON for scripts.
    let o = dho(["verify".as_ref(), "--test-ca".as_ref(), "--json".as_ref(), out.as_os_str()]);
    o.code(0);
    let v: serde_json::Value = serde_json::from_str(o.last_line()).expect("json");
    assert_eq!(v["verdict"], "OK");
    assert!(v["signer"]["subject"].as_str().is_some_and(|s| s.contains("CN=dho-wss-test")));
    let o = dho(["verify".as_ref(), "--test-ca".as_ref(), "--json".as_ref(), tampered.as_os_str()]);
    o.code(1);
    let v: serde_json::Value = serde_json::from_str(o.last_line()).expect("json");
    assert_eq!(v["verdict"], "REJECTED");
    // No trust anchors named: usage. A corrupt CA file: named.
    dho(["verify".as_ref(), out.as_os_str()]).code(2);
    let bad_ca = dir.path().join("bad-ca.pem");
    std::fs::write(&bad_ca, "not a certificate").expect("write");
    dho(["verify".as_ref(), "--ca".as_ref(), bad_ca.as_os_str(), out.as_os_str()]).code(1).error_names(&bad_ca, "");
    let missing = dir.path().join("missing.xml");
    dho(["verify".as_ref(), "--test-ca".as_ref(), missing.as_os_str()]).code(3).error_names(&missing, "");
}

#[test]
fn batch_signs_every_file_and_reports_failures() {
    let dir = tmp();
    let (input, output) = (dir.path().join("in"), dir.path().join("out"));
    std::fs::create_dir_all(&input).expect("in");
    std::fs::create_dir_all(&output).expect("out");
    let msg = std::fs::read(unsigned_message()).expect("msg");
    std::fs::write(input.join("a.xml"), &msg).expect("a");
    std::fs::write(input.join("b.xml"), "<broken").expect("b");
    std::fs::write(input.join("c.xml"), &msg).expect("c");
    let o =
        dho(["sign".as_ref(), "--test-identity".as_ref(), "--batch".as_ref(), input.as_os_str(), output.as_os_str()]);
    o.code(1);
    assert!(o.stderr.contains("b.xml"), "{}", o.stderr);
    assert!(o.stderr.contains("signed 2 of 3 files"), "{}", o.stderr);
    assert_eq!(names(&output), ["a.xml", "c.xml"]);
    for f in ["a.xml", "c.xml"] {
        dho(["verify".as_ref(), "--test-ca".as_ref(), output.join(f).as_os_str()]).code(0);
    }
    std::fs::remove_file(input.join("b.xml")).expect("rm");
    dho(["sign".as_ref(), "--test-identity".as_ref(), "--batch".as_ref(), input.as_os_str(), output.as_os_str()])
        .code(0);
    // Same directory in and out, a missing output directory.
    dho(["sign".as_ref(), "--test-identity".as_ref(), "--batch".as_ref(), input.as_os_str(), input.as_os_str()])
        .code(2);
    let nowhere = dir.path().join("nowhere");
    dho(["sign".as_ref(), "--test-identity".as_ref(), "--batch".as_ref(), input.as_os_str(), nowhere.as_os_str()])
        .code(3)
        .error_names(&nowhere, "");
}

#[test]
fn help_names_exit_codes_and_completions_and_man_render() {
    let o = dho(["--help"]);
    o.code(0);
    assert!(o.stdout.contains("Exit codes:") && o.stdout.contains("3  I/O"), "{}", o.stdout);
    for sub in
        [&["sign", "--help"][..], &["verify", "--help"], &["cert", "csr", "--help"], &["oauth", "assertion", "--help"]]
    {
        assert!(dho(sub).code(0).stdout.contains("Example"), "{sub:?}");
    }
    let o = dho(["completions", "bash"]);
    o.code(0);
    assert!(o.stdout.contains("_dho__wss()") && o.stdout.contains("modernize"), "bash completion");
    dho(["completions", "zsh"]).code(0);
    dho(["completions", "tcsh"]).code(2);
    let o = dho(["man"]);
    o.code(0);
    assert!(
        o.stdout.starts_with(".ie") || o.stdout.contains(".TH dho-wss"),
        "{}",
        &o.stdout[..200.min(o.stdout.len())]
    );
}
