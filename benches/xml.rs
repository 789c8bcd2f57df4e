//! XML core benchmarks: parse, exclusive c14n of the SOAP Body, and both, on
//! generated DHO messages (`tests/common/dho_corpus.rs`).
//!
//! `cargo bench --bench xml` runs criterion, then a side-by-side comparison in
//! the same process run: dho-wss and lxml (`benches/compare_lxml.py` on
//! `/usr/bin/python3`) timed the same way on the same bytes, and libxml2 through
//! the `libxml` crate when built with `--features libxml`. See `benches/README.md`.

#[path = "../tests/common/dho_corpus.rs"]
mod dho_corpus;

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use dho_corpus::Sample;
use dho_wss::xml::{Document, Element, ExcC14n};

const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";

fn body(doc: &Document) -> Element<'_> {
    doc.root().child_elements().find(|e| e.is(Some(SOAP), "Body")).expect("the sample has a soap:Body")
}

fn parse(xml: &[u8]) -> Document {
    Document::parse(xml).expect("the sample parses")
}

fn c14n_body(doc: &Document) -> Vec<u8> {
    ExcC14n::new().canonicalize(body(doc)).expect("c14n")
}

fn criterion_benches(c: &mut Criterion, samples: &[Sample]) {
    for (group, op) in [("parse", 0), ("c14n_body", 1), ("parse_c14n_body", 2)] {
        let mut g = c.benchmark_group(group);
        for s in samples {
            let bytes = s.xml.as_bytes();
            g.throughput(Throughput::Bytes(bytes.len() as u64));
            if bytes.len() > 1 << 20 {
                g.sample_size(15).measurement_time(Duration::from_secs(4));
            } else {
                g.sample_size(50).measurement_time(Duration::from_secs(3));
            }
            let doc = parse(bytes);
            g.bench_with_input(BenchmarkId::from_parameter(s.name), bytes, |b, bytes| match op {
                0 => b.iter(|| parse(black_box(bytes))),
                1 => b.iter(|| c14n_body(black_box(&doc))),
                _ => b.iter(|| c14n_body(&parse(black_box(bytes)))),
            });
        }
        g.finish();
    }
}

/// Median seconds per call: 7 rounds, each of as many calls as fit in ~0.15 s.
fn median_secs(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    let once = start.elapsed().as_secs_f64().max(1e-7);
    let n = ((0.15 / once) as usize).clamp(1, 100_000);
    let mut rounds: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            t.elapsed().as_secs_f64() / n as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[3]
}

/// Seconds per call for parse, c14n of the Body, and both.
type Times = [f64; 3];

fn time_dho_wss(xml: &[u8]) -> Times {
    let doc = parse(xml);
    [
        median_secs(|| drop(black_box(parse(black_box(xml))))),
        median_secs(|| drop(black_box(c14n_body(black_box(&doc))))),
        median_secs(|| drop(black_box(c14n_body(&parse(black_box(xml)))))),
    ]
}

#[cfg(feature = "libxml")]
fn time_libxml(xml: &[u8]) -> Times {
    use libxml::parser::{Parser, ParserOptions};
    use libxml::tree::c14n::CanonicalizationOptions;
    let options = || ParserOptions { recover: false, no_net: true, huge: false, ..ParserOptions::default() };
    let parser = Parser::default();
    let parse = || parser.parse_string_with_options(xml, options()).expect("libxml2 parses the sample");
    let c14n = |doc: &libxml::tree::Document| {
        let root = doc.get_root_element().expect("root");
        let mut body = root.get_child_elements().into_iter().find(|n| n.get_name() == "Body").expect("Body");
        body.canonicalize(CanonicalizationOptions::default()).expect("libxml2 c14n")
    };
    let doc = parse();
    [
        median_secs(|| drop(black_box(parse()))),
        median_secs(|| drop(black_box(c14n(&doc)))),
        median_secs(|| drop(black_box(c14n(&parse())))),
    ]
}

/// lxml's times from `benches/compare_lxml.py`, or why there are none.
fn time_lxml(files: &[(String, std::path::PathBuf)]) -> Result<Vec<Times>, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/compare_lxml.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .args(files.iter().map(|(_, p)| p))
        .output()
        .map_err(|e| format!("cannot run /usr/bin/python3: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("compare_lxml.py output: {e}"))?;
    eprintln!("lxml {} on libxml2 {}", v["lxml"].as_str().unwrap_or("?"), v["libxml2"].as_str().unwrap_or("?"));
    v["results"]
        .as_array()
        .ok_or("no results")?
        .iter()
        .map(|r| {
            let t = |k: &str| r[k].as_f64().ok_or(format!("missing {k}"));
            Ok([t("parse")?, t("c14n_body")?, t("parse_c14n_body")?])
        })
        .collect()
}

fn mb_s(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / secs / 1e6
}

/// The side-by-side table (markdown), all in this one run.
fn compare(samples: &[Sample]) {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return eprintln!("comparison skipped: {e}"),
    };
    let files: Vec<(String, std::path::PathBuf)> = samples
        .iter()
        .map(|s| {
            let p = dir.path().join(format!("{}.xml", s.name));
            std::fs::write(&p, &s.xml).expect("write sample");
            (s.name.to_owned(), p)
        })
        .collect();
    let ours: Vec<Times> = samples.iter().map(|s| time_dho_wss(s.xml.as_bytes())).collect();
    #[cfg(feature = "libxml")]
    let libxml: Vec<Times> = samples.iter().map(|s| time_libxml(s.xml.as_bytes())).collect();
    let lxml = time_lxml(&files);
    if let Err(e) = &lxml {
        eprintln!("SKIPPED lxml comparison: {e}");
    }
    println!("\n| sample | bytes | operation | dho-wss | lxml | dho-wss / lxml |");
    println!("|---|---:|---|---:|---:|---:|");
    for (i, s) in samples.iter().enumerate() {
        for (k, op) in ["parse", "c14n(Body)", "parse + c14n(Body)"].iter().enumerate() {
            let ours_t = ours[i][k];
            let (lx, ratio) = match &lxml {
                Ok(l) => (format!("{:.3} ms", l[i][k] * 1e3), format!("{:.2}", ours_t / l[i][k])),
                Err(_) => ("-".into(), "-".into()),
            };
            println!(
                "| {} | {} | {op} | {:.3} ms ({:.0} MB/s) | {lx} | {ratio} |",
                s.name,
                s.xml.len(),
                ours_t * 1e3,
                mb_s(s.xml.len(), ours_t)
            );
        }
    }
    #[cfg(feature = "libxml")]
    {
        println!("\n| sample | operation | libxml crate | dho-wss / libxml crate |");
        println!("|---|---|---:|---:|");
        for (i, s) in samples.iter().enumerate() {
            for (k, op) in ["parse", "c14n(Body)", "parse + c14n(Body)"].iter().enumerate() {
                println!("| {} | {op} | {:.3} ms | {:.2} |", s.name, libxml[i][k] * 1e3, ours[i][k] / libxml[i][k]);
            }
        }
    }
}

fn main() {
    let samples = dho_corpus::samples();
    // Every implementation must agree on what it is timing.
    for s in &samples {
        let doc = parse(s.xml.as_bytes());
        assert!(!c14n_body(&doc).is_empty(), "{}", s.name);
    }
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &samples);
    c.final_summary();
    // `cargo test --benches` runs each benchmark once; the comparison only in `cargo bench`.
    if std::env::args().any(|a| a == "--bench") && std::env::var_os("DHO_WSS_NO_COMPARE").is_none() {
        compare(&samples);
    }
}
