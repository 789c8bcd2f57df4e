//! Prints the exclusive canonical form of a document or of one element in it.
//!
//! `cargo run --example c14n -- [--comments] [--prefixes "a b #default"] [--select LOCALNAME[#N]] FILE`
//!
//! The selector picks the N-th element (1-based, document order) with that
//! local name; without it the whole document is canonicalized.

use std::io::Write;
use std::process::ExitCode;

use dho_wss::xml::{Document, ExcC14n};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut comments, mut prefixes, mut select, mut file) = (false, String::new(), None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--comments" => comments = true,
            "--prefixes" => prefixes = args.next().ok_or("--prefixes needs a value")?,
            "--select" => select = Some(args.next().ok_or("--select needs a value")?),
            _ if file.is_none() && !a.starts_with("--") => file = Some(a),
            _ => return Err(format!("unexpected argument {a:?}")),
        }
    }
    let file = file.ok_or("usage: c14n [--comments] [--prefixes LIST] [--select NAME[#N]] FILE")?;
    let bytes = std::fs::read(&file).map_err(|e| format!("{file}: {e}"))?;
    let doc = Document::parse(&bytes).map_err(|e| format!("{file}: {e}"))?;
    let c14n = ExcC14n::new().with_comments(comments).with_prefix_list(&prefixes).map_err(|e| e.to_string())?;
    let out = match select {
        None => c14n.canonicalize_document(&doc),
        Some(sel) => {
            let (name, n) = match sel.split_once('#') {
                Some((name, n)) => (name.to_owned(), n.parse::<usize>().map_err(|_| format!("bad selector {sel:?}"))?),
                None => (sel.clone(), 1),
            };
            let el = doc
                .root()
                .descendants()
                .filter(|e| e.local_name() == name)
                .nth(n.saturating_sub(1))
                .ok_or_else(|| format!("no element {sel:?}"))?;
            c14n.canonicalize(el)
        }
    }
    .map_err(|e| e.to_string())?;
    std::io::stdout().write_all(&out).map_err(|e| e.to_string())
}
