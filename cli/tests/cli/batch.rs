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
