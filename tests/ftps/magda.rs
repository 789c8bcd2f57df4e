//! A MAGDA stand-in on the server's file system: polls `to_vip`, checks every file it picks up
//! against the sender's manifest (size and SHA-256: an incomplete file under a final name is a
//! violation), moves it to `cache/to_vip` and writes a Repliek signed by the test provider to
//! `from_vip`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use dho_wss::batch::RequestFile;
use dho_wss::model::{Afzender, Envelope, Inhoud, Uitkomst};
use sha2::{Digest, Sha256};

use crate::common::signer;

/// What the stand-in saw.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// Files picked up, in order (a name twice is a duplicate upload).
    pub(crate) picked: Vec<String>,
    /// Files under a final name that did not match the manifest.
    pub(crate) violations: Vec<String>,
}

pub(crate) struct Magda {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    thread: Option<JoinHandle<()>>,
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl Magda {
    /// Starts polling `root/to_vip` for files of `manifest` (name → content).
    pub(crate) fn start(root: &Path, manifest: &[RequestFile]) -> Magda {
        Self::start_with(root, manifest.iter().map(|f| (f.name().to_owned(), f.bytes().to_vec())).collect())
    }

    /// [`start`](Self::start) with the manifest as (name, content) pairs.
    pub(crate) fn start_with(root: &Path, manifest: Vec<(String, Vec<u8>)>) -> Magda {
        let manifest: HashMap<String, (usize, [u8; 32])> =
            manifest.into_iter().map(|(name, bytes)| (name, (bytes.len(), sha256(&bytes)))).collect();
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let root = root.to_path_buf();
        let (s, w) = (stop.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            let answerer = signer("provider");
            loop {
                let last = s.load(Ordering::SeqCst);
                poll(&root, &manifest, &answerer, &w);
                if last {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Magda { stop, seen, thread: Some(thread) }
    }

    /// Stops after one more poll and returns what it saw.
    pub(crate) fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().expect("stand-in thread");
        }
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }
}

fn poll(
    root: &Path,
    manifest: &HashMap<String, (usize, [u8; 32])>,
    answerer: &dho_wss::wss::Signer,
    seen: &Mutex<Seen>,
) {
    let Ok(dir) = std::fs::read_dir(root.join("to_vip")) else { return };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path: PathBuf = entry.path();
        // MAGDA's naming pattern: final names only (the staging names end in .tmp; folders skipped).
        if !name.ends_with(".xml") || path.is_dir() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_default();
        let mut seen = seen.lock().expect("lock");
        match manifest.get(&name) {
            Some(&(len, digest)) if len == bytes.len() && digest == sha256(&bytes) => {}
            _ => seen.violations.push(format!("{name}: {} bytes", bytes.len())),
        }
        seen.picked.push(name.clone());
        std::fs::rename(&path, root.join("cache/to_vip").join(&name)).expect("move to cache/to_vip");
        if let Ok(Envelope::Verzoek { operatie, verzoek }) = Envelope::from_envelope_bytes(&bytes) {
            let repliek = verzoek
                .beantwoord(Afzender::builder("MAGDA").build().expect("afzender"), |_| {
                    Ok(Uitkomst::ok(Inhoud::empty()))
                })
                .and_then(|b| b.build())
                .expect("repliek");
            let answer = answerer.sign_message(&Envelope::Repliek { operatie, repliek }).expect("sign answer");
            let out = root.join("from_vip").join(name.replace(".xml", "_antwoord.xml"));
            let tmp = root.join(format!(".{name}.writing"));
            std::fs::write(&tmp, answer).expect("write answer");
            std::fs::rename(&tmp, out).expect("answer into from_vip");
        }
    }
}
