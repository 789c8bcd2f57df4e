//! The crate's layering, checked on its source: data flows one way, from bytes to verified
//! types (xml → soap → model, crypto → pki, all of them → wss → provider / institution), and
//! no module imports one above it. `clock` is the ground floor beside `xml` and `crypto`: it
//! imports nothing, and what reads the time (pki, wss, provider, institution) may import it.
//! Run alone with `cargo test --test wss layering`.
//!
//! The check reads every file under `src/`, attributes it to its top-level module and collects
//! the top-level modules it names through `crate::…` paths in code (comments and doc links are
//! not imports). Each module may name only those listed for it in `ALLOWED`; `ALLOWED` itself
//! must be acyclic, so the layers form one order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules it may import.
const ALLOWED: &[(&str, &[&str])] = &[
    ("xml", &[]),
    ("crypto", &[]),
    ("clock", &[]),
    ("soap", &["xml"]),
    ("pki", &["crypto", "clock"]),
    ("tls", &["crypto", "clock", "pki"]),
    ("model", &["xml", "soap"]),
    ("wss", &["xml", "soap", "crypto", "clock", "pki", "model"]),
    ("provider", &["xml", "soap", "crypto", "clock", "pki", "model", "wss"]),
    ("institution", &["xml", "soap", "crypto", "clock", "pki", "model", "wss"]),
    ("client", &["xml", "soap", "crypto", "clock", "pki", "model", "wss", "institution", "tls", "oauth"]),
    ("oauth", &["crypto", "clock", "pki"]),
    ("batch", &["xml", "soap", "crypto", "clock", "pki", "model", "wss", "institution"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments (line comments, doc comments, block comments) and
/// without string literals, so that only real paths remain.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// The top-level modules named by `crate::name` and `crate::{a, b::c}` in `code`.
fn imported_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect() };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `dho_wss_crate::` or similar, not a path root
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = ident(item.trim());
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

fn imports_by_module() -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut by_module: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let first = rel.components().next().expect("a path").as_os_str().to_string_lossy().into_owned();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        for imported in imported_modules(&code_only(&text)) {
            if imported != module {
                by_module
                    .entry(module.clone())
                    .or_default()
                    .entry(imported)
                    .or_default()
                    .push(rel.display().to_string());
            }
        }
        by_module.entry(module).or_default();
    }
    by_module
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut violations = Vec::new();
    for (module, imports) in imports_by_module() {
        let Some(may) = allowed.get(module.as_str()) else {
            violations.push(format!("src/{module}: a top-level module missing from ALLOWED"));
            continue;
        };
        for (imported, files) in imports {
            if !may.contains(&imported.as_str()) {
                violations.push(format!("{module} imports {imported} (in {})", files.join(", ")));
            }
        }
    }
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

#[test]
fn the_allowed_layers_form_one_order() {
    // Kahn's algorithm: every module must be placed after all it may import.
    let mut placed: Vec<&str> = Vec::new();
    let mut left: Vec<(&str, &[&str])> = ALLOWED.to_vec();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|(m, deps)| {
            if deps.iter().all(|d| placed.contains(d)) {
                placed.push(m);
                false
            } else {
                true
            }
        });
        assert!(left.len() < before, "a cycle among {:?}", left.iter().map(|(m, _)| *m).collect::<Vec<_>>());
    }
}

/// The checker itself: it must see `use crate::x`, grouped imports and inline paths, and
/// ignore comments, doc links and strings.
#[test]
fn the_checker_finds_imports_and_ignores_comments() {
    let code = code_only(
        "use crate::wss::Verifier;\nuse crate::{model::Verzoek, xml};\nfn f() { crate::pki::x(); }\n\
         /// [`A`](crate::provider::A)\n// crate::institution\n/* crate::soap */ let s = \"crate::crypto\";",
    );
    let found: Vec<String> = imported_modules(&code).into_iter().collect();
    assert_eq!(found, ["model", "pki", "wss", "xml"]);
}
