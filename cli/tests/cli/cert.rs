//! `cert csr`, `cert p12 create|modernize`, `cert jwk`, each checked by openssl (and jwcrypto).

use std::path::Path;

use crate::support::*;

const KEY_PW: (&str, &str) = ("DHO_WSS_PASSWORD", "new-key-pw");

fn csr(dir: &Path, env: &[(&str, &str)], extra: &[&str]) -> Out {
    let mut a: Vec<String> =
        ["cert", "csr", "--cn", "dho-001234-test", "--c", "BE", "--o", "Hogeschool Test"].map(str::to_owned).to_vec();
    a.extend(["--ou", "ICT", "--serial", "0123456789", "--bits", "2048"].map(str::to_owned));
    a.extend(["--key-out".into(), dir.join("k.pem").display().to_string()]);
    a.extend(["--csr-out".into(), dir.join("r.csr").display().to_string()]);
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    dho_env(a, env)
}

#[test]
fn csr_verifies_in_openssl_with_the_subject_asked_and_an_encrypted_0600_key() {
    let Some(ossl) = openssl() else { return };
    let dir = tmp();
    csr(dir.path(), &[KEY_PW], &[]).code(0);
    let (k, r) = (dir.path().join("k.pem"), dir.path().join("r.csr"));
    let (ok, out, err) =
        peer(ossl, ["req".as_ref(), "-verify".as_ref(), "-noout".as_ref(), "-in".as_ref(), r.as_os_str()], &[]);
    assert!(ok, "openssl req -verify: {out}{err}");
    let (ok, subject, _) = peer(
        ossl,
        [
            "req".as_ref(),
            "-noout".as_ref(),
            "-subject".as_ref(),
            "-nameopt".as_ref(),
            "compat".as_ref(),
            "-in".as_ref(),
            r.as_os_str(),
        ],
        &[],
    );
    assert!(ok);
    assert_eq!(subject.trim(), "subject=/C=BE/O=Hogeschool Test/OU=ICT/serialNumber=0123456789/CN=dho-001234-test");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&k).expect("key").permissions().mode() & 0o777, 0o600);
    }
    let key = std::fs::read_to_string(&k).expect("key");
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let (_, parsed, _) = peer(ossl, ["asn1parse".as_ref(), "-in".as_ref(), k.as_os_str()], &[]);
    for alg in ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"] {
        assert!(parsed.contains(alg), "{alg} in\n{parsed}");
    }
    // openssl opens the key with the password (and not without), and it is the CSR's key.
    let pubkey = |args: &[&std::ffi::OsStr], env: &[(&str, &str)]| peer(ossl, args, env);
    let (ok, key_pub, err) = pubkey(
        &["pkey".as_ref(), "-in".as_ref(), k.as_os_str(), "-passin".as_ref(), "env:PW".as_ref(), "-pubout".as_ref()],
        &[("PW", "new-key-pw")],
    );
    assert!(ok, "{err}");
    let (ok, _, _) = pubkey(
        &[
            "pkey".as_ref(),
            "-in".as_ref(),
            k.as_os_str(),
            "-passin".as_ref(),
            "pass:wrong".as_ref(),
            "-pubout".as_ref(),
        ],
        &[],
    );
    assert!(!ok, "a wrong password opens the key");
    let (_, csr_pub, _) =
        pubkey(&["req".as_ref(), "-in".as_ref(), r.as_os_str(), "-noout".as_ref(), "-pubkey".as_ref()], &[]);
    assert_eq!(key_pub, csr_pub);
    assert_eq!(names(dir.path()), ["k.pem", "r.csr"]);
}

#[test]
fn csr_never_overwrites_and_refuses_bad_arguments() {
    let dir = tmp();
    std::fs::write(dir.path().join("k.pem"), "precious").expect("write");
    csr(dir.path(), &[KEY_PW], &[]).code(3).error_names(&dir.path().join("k.pem"), "refusing to overwrite");
    assert_eq!(std::fs::read_to_string(dir.path().join("k.pem")).expect("k"), "precious");
    assert_eq!(names(dir.path()), ["k.pem"]);
    let dir = tmp();
    // No password source: usage, nothing written.
    csr(dir.path(), &[], &[]).code(2);
    csr(dir.path(), &[("DHO_WSS_PASSWORD", "")], &[]).code(2);
    dho_env(["cert", "csr", "--cn", "x", "--bits", "1024", "--key-out", "a", "--csr-out", "b"], &[KEY_PW]).code(2);
    dho_env(["cert", "csr", "--cn", "x", "--c", "Belgium", "--key-out", "a", "--csr-out", "b"], &[KEY_PW]).code(2);
    dho_env(["cert", "csr", "--cn", "", "--key-out", "a", "--csr-out", "b"], &[KEY_PW]).code(2);
    dho_env(["cert", "csr", "--cn", "x", "--key-out", "a"], &[KEY_PW]).code(2);
    assert!(names(dir.path()).is_empty());
}

fn p12_info(ossl: &str, file: &Path, legacy: bool) -> (bool, String) {
    let mut args = vec!["pkcs12".to_owned(), "-info".into(), "-noout".into(), "-in".into(), file.display().to_string()];
    args.extend(["-passin".into(), "env:PW".into()]);
    if legacy {
        args.push("-legacy".into());
    }
    let (ok, out, err) = peer(ossl, args, &[("PW", "test-only")]);
    (ok, format!("{out}{err}"))
}

#[test]
fn p12_create_is_modern_and_signs() {
    let Some(ossl) = openssl() else { return };
    let dir = tmp();
    let out = dir.path().join("inst.p12");
    dho_env(
        [
            "cert".as_ref(),
            "p12".as_ref(),
            "create".as_ref(),
            "--key".as_ref(),
            pki("institution.key.enc.pem").as_os_str(),
            "--cert".as_ref(),
            pki("institution.crt.pem").as_os_str(),
            "--chain".as_ref(),
            pki("ca.pem").as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        &[PW],
    )
    .code(0);
    let (ok, info) = p12_info(ossl, &out, false);
    assert!(ok, "openssl pkcs12 -info without -legacy: {info}");
    assert!(info.contains("AES-256-CBC") && info.contains("sha256"), "{info}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).expect("p12").permissions().mode() & 0o777, 0o600);
    }
    let signed = dir.path().join("s.xml");
    dho_env(
        ["sign".as_ref(), "--p12".as_ref(), out.as_os_str(), unsigned_message().as_os_str(), signed.as_os_str()],
        &[PW],
    )
    .code(0);
    dho(["verify".as_ref(), "--test-ca".as_ref(), signed.as_os_str()]).code(0);
}

#[test]
fn p12_create_refuses_wrong_password_mismatch_and_corrupt_inputs() {
    let dir = tmp();
    let out = dir.path().join("x.p12");
    let run = |key: &Path, cert: &Path, env: &[(&str, &str)]| {
        dho_env(
            [
                "cert".as_ref(),
                "p12".as_ref(),
                "create".as_ref(),
                "--key".as_ref(),
                key.as_os_str(),
                "--cert".as_ref(),
                cert.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ],
            env,
        )
    };
    run(&pki("institution.key.enc.pem"), &pki("institution.crt.pem"), &[("DHO_WSS_PASSWORD", "wrong")])
        .code(1)
        .error_names(&pki("institution.key.enc.pem"), "wrong password");
    run(&pki("other.key.pem"), &pki("institution.crt.pem"), &[PW])
        .code(1)
        .error_names(&pki("other.key.pem"), "does not match");
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "garbage").expect("write");
    run(&pki("institution.key.pem"), &garbage, &[PW]).code(1).error_names(&garbage, "no certificate");
    run(&dir.path().join("none.pem"), &pki("institution.crt.pem"), &[PW])
        .code(3)
        .error_names(&dir.path().join("none.pem"), "");
    assert_eq!(names(dir.path()), ["garbage.pem"]);
}

#[test]
fn modernize_fixes_the_openssl3_legacy_error() {
    let Some(ossl) = openssl() else { return };
    let legacy = pki("institution-legacy.p12");
    let (ok, info) = p12_info(ossl, &legacy, false);
    assert!(!ok, "OpenSSL 3 opened the legacy file without -legacy: {info}");
    assert!(p12_info(ossl, &legacy, true).0, "the legacy file opens with -legacy");
    let dir = tmp();
    let out = dir.path().join("modern.p12");
    dho_env(["cert".as_ref(), "p12".as_ref(), "modernize".as_ref(), legacy.as_os_str(), out.as_os_str()], &[PW])
        .code(0);
    let (ok, info) = p12_info(ossl, &out, false);
    assert!(ok, "modernized file without -legacy: {info}");
    // Never overwritten; wrong password and corrupt input: exit 1 naming the input.
    dho_env(["cert".as_ref(), "p12".as_ref(), "modernize".as_ref(), legacy.as_os_str(), out.as_os_str()], &[PW])
        .code(3)
        .error_names(&out, "refusing to overwrite");
    let out2 = dir.path().join("m2.p12");
    dho_env(
        ["cert".as_ref(), "p12".as_ref(), "modernize".as_ref(), legacy.as_os_str(), out2.as_os_str()],
        &[("DHO_WSS_PASSWORD", "wrong")],
    )
    .code(1)
    .error_names(&legacy, "wrong password");
    let corrupt = dir.path().join("corrupt.p12");
    let mut bytes = std::fs::read(&legacy).expect("legacy");
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&corrupt, bytes).expect("write");
    dho_env(["cert".as_ref(), "p12".as_ref(), "modernize".as_ref(), corrupt.as_os_str(), out2.as_os_str()], &[PW])
        .code(1)
        .error_names(&corrupt, "");
    dho(["cert".as_ref(), "p12".as_ref(), "modernize".as_ref(), legacy.as_os_str(), out2.as_os_str()]).code(2);
    assert_eq!(names(dir.path()), ["corrupt.p12", "modern.p12"]);
}

#[test]
fn jwk_matches_openssl_modulus_and_jwcrypto_thumbprint() {
    let Some(ossl) = openssl() else { return };
    let cert = pki("institution.chain.pem");
    let o = dho(["cert".as_ref(), "jwk".as_ref(), "--x5c".as_ref(), cert.as_os_str()]);
    o.code(0);
    let jwk: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    assert_eq!(
        (jwk["kty"].as_str(), jwk["alg"].as_str(), jwk["use"].as_str()),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(jwk["e"], "AQAB");
    let (_, modulus, _) =
        peer(ossl, ["x509".as_ref(), "-noout".as_ref(), "-modulus".as_ref(), "-in".as_ref(), cert.as_os_str()], &[]);
    let hex = modulus.trim().trim_start_matches("Modulus=");
    use base64::Engine as _;
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwk["n"].as_str().expect("n")).expect("b64");
    let n_hex: String = n.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(n_hex, hex);
    let (_, text, _) =
        peer(ossl, ["x509".as_ref(), "-noout".as_ref(), "-text".as_ref(), "-in".as_ref(), cert.as_os_str()], &[]);
    assert!(text.contains("Exponent: 65537"));
    let (_, der, _) =
        peer(ossl, ["x509".as_ref(), "-outform".as_ref(), "DER".as_ref(), "-in".as_ref(), cert.as_os_str()], &[]);
    let _ = der; // DER on stdout is binary; compared through base64 below instead.
    let leaf_pem = std::fs::read_to_string(&cert).expect("pem");
    let first: String = leaf_pem.lines().skip(1).take_while(|l| !l.starts_with("-----")).collect();
    assert_eq!(jwk["x5c"][0], first.as_str());
    assert_eq!(jwk["x5c"].as_array().map(Vec::len), Some(2));
    if let Some(py) = python() {
        let dir = tmp();
        let f = dir.path().join("jwk.json");
        std::fs::write(&f, &o.stdout).expect("write");
        let script = "import json,sys; from jwcrypto import jwk; d=json.load(open(sys.argv[1])); \
                      print(jwk.JWK(kty=d['kty'], n=d['n'], e=d['e']).thumbprint())";
        let (ok, tp, err) = peer(&py, ["-c".as_ref(), script.as_ref(), f.as_os_str()], &[]);
        assert!(ok, "{err}");
        assert_eq!(jwk["kid"], tp.trim());
    }
    let o = dho([
        "cert".as_ref(),
        "jwk".as_ref(),
        "--kid".as_ref(),
        "none".as_ref(),
        pki("institution.crt.pem").as_os_str(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&o.code(0).stdout).expect("json");
    assert!(v.get("kid").is_none() && v.get("x5c").is_none());
}

#[test]
fn jwk_hostile_inputs() {
    dho(["cert".as_ref(), "jwk".as_ref(), pki("ec.crt.pem").as_os_str()])
        .code(1)
        .error_names(&pki("ec.crt.pem"), "not an RSA key");
    dho(["cert".as_ref(), "jwk".as_ref(), pki("institution.key.pem").as_os_str()])
        .code(1)
        .error_names(&pki("institution.key.pem"), "no certificate");
    let dir = tmp();
    let bad = dir.path().join("bad.der");
    std::fs::write(&bad, [0x30, 0x82, 0xff, 0xff, 0x00]).expect("write");
    dho(["cert".as_ref(), "jwk".as_ref(), bad.as_os_str()]).code(1).error_names(&bad, "malformed");
    let missing = dir.path().join("missing.pem");
    dho(["cert".as_ref(), "jwk".as_ref(), missing.as_os_str()]).code(3).error_names(&missing, "");
    dho(["cert", "jwk", "--kid", "sha1", "x.pem"]).code(2);
}

#[test]
fn check_reports_what_openssl_sees_and_fails_for_monitoring() {
    let cert = pki("institution.crt.pem");
    let o = dho([
        "cert".as_ref(),
        "check".as_ref(),
        "--json".as_ref(),
        "--ca".as_ref(),
        pki("ca.pem").as_os_str(),
        cert.as_os_str(),
    ]);
    let v: serde_json::Value = serde_json::from_str(o.code(0).last_line()).expect("json");
    assert_eq!((v["ok"].as_bool(), v["chain"].as_str(), v["key"].as_str()), (Some(true), Some("ok"), Some("RSA 2048")));
    assert_eq!(v["serial_number"], "001234");
    assert!(v["key_usage"].as_array().is_some_and(|k| k.iter().any(|u| u == "DigitalSignature")));
    assert_eq!(v["extended_key_usage"][0], "clientAuth");
    if let Some(ossl) = openssl() {
        let (_, end, _) = peer(
            ossl,
            ["x509".as_ref(), "-noout".as_ref(), "-enddate".as_ref(), "-in".as_ref(), cert.as_os_str()],
            &[],
        );
        assert!(end.contains("2055") && v["not_after"].as_str().is_some_and(|t| t.starts_with("2055-01-01")), "{end}");
    }
    // Monitoring: expired, not yet valid, within --warn-days, untrusted → exit 1, one line.
    dho(["cert".as_ref(), "check".as_ref(), pki("expired.crt.pem").as_os_str()])
        .code(1)
        .error_names(&pki("expired.crt.pem"), "expired on 2020-01-01");
    dho(["cert".as_ref(), "check".as_ref(), pki("notyet.crt.pem").as_os_str()])
        .code(1)
        .error_names(&pki("notyet.crt.pem"), "not valid before");
    dho(["cert".as_ref(), "check".as_ref(), "--warn-days".as_ref(), "20000".as_ref(), cert.as_os_str()])
        .code(1)
        .error_names(&cert, "expires in");
    dho(["cert".as_ref(), "check".as_ref(), "--ca".as_ref(), pki("rogue-ca.pem").as_os_str(), cert.as_os_str()])
        .code(1)
        .error_names(&cert, "does not chain");
    let dir = tmp();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "garbage").expect("write");
    dho(["cert".as_ref(), "check".as_ref(), garbage.as_os_str()]).code(1).error_names(&garbage, "no certificate");
    dho(["cert".as_ref(), "check".as_ref(), "--ca".as_ref(), garbage.as_os_str(), cert.as_os_str()])
        .code(1)
        .error_names(&garbage, "");
    dho(["cert", "check", "--warn-days", "-1", "x.pem"]).code(2);
}
