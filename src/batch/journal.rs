//! The local journal of request files put on the server.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::BatchError;

/// The longest journal file read (64 MiB: about half a million entries).
const MAX_JOURNAL_BYTES: u64 = 64 << 20;

/// One journal line: a file put on the server under `name`, with its size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// The final name on the server.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// The SHA-256 of the content, lowercase hex.
    pub sha256: String,
}

/// The local record of what was put (a text file, one `sha256<TAB>size<TAB>name` line per
/// file, appended and fsynced after the server confirmed the file under its final name).
/// The FTPS client asks it before each upload, so a file is never put twice, even across
/// runs and crashes.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    entries: HashMap<String, JournalEntry>,
}

impl Journal {
    /// Opens the journal at `path`, creating it when absent. A line that is not
    /// `sha256<TAB>size<TAB>name` is [`BatchError::Journal`] with its line number.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, BatchError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| BatchError::Io { path: path.clone(), source };
        let file = OpenOptions::new().read(true).append(true).create(true).open(&path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len > MAX_JOURNAL_BYTES {
            return Err(BatchError::Journal {
                path,
                line: 0,
                reason: format!("larger than {MAX_JOURNAL_BYTES} bytes"),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(io)?;
        let mut entries = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let bad = |reason: &str| BatchError::Journal { path: path.clone(), line: i + 1, reason: reason.to_owned() };
            let mut fields = line.split('\t');
            let (Some(sha256), Some(size), Some(name), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("expected three tab-separated fields: sha256, size, name"));
            };
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                return Err(bad("the SHA-256 is not 64 lowercase hex digits"));
            }
            let size = size.parse::<u64>().map_err(|_| bad("the size is not a number"))?;
            if name.is_empty() || name.contains('/') {
                return Err(bad("the name is empty or has a `/`"));
            }
            entries.insert(name.to_owned(), JournalEntry { name: name.to_owned(), size, sha256: sha256.to_owned() });
        }
        if !text.is_empty() && !text.ends_with('\n') {
            // A crash in the middle of an append: the last line is incomplete (and was refused
            // above unless it happened to parse); refuse rather than guess.
            return Err(BatchError::Journal {
                path,
                line: text.lines().count(),
                reason: "the last line is not terminated (interrupted write?)".to_owned(),
            });
        }
        Ok(Journal { path, entries })
    }

    /// The entry for `name`, if that name was put.
    pub fn get(&self, name: &str) -> Option<&JournalEntry> {
        self.entries.get(name)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the journal is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records that `name` (size, SHA-256) is on the server under its final name: one line,
    /// appended and fsynced before this returns.
    pub fn record(&mut self, entry: JournalEntry) -> Result<(), BatchError> {
        let io = |source| BatchError::Io { path: self.path.clone(), source };
        if entry.name.is_empty() || entry.name.contains(['/', '\t', '\n', '\r']) {
            return Err(BatchError::Journal {
                path: self.path.clone(),
                line: 0,
                reason: format!("cannot record name {:?}", entry.name),
            });
        }
        let mut file: File = OpenOptions::new().append(true).open(&self.path).map_err(io)?;
        file.write_all(format!("{}\t{}\t{}\n", entry.sha256, entry.size, entry.name).as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        self.entries.insert(entry.name.clone(), entry);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(name: &str) -> JournalEntry {
        JournalEntry { name: name.to_owned(), size: 12, sha256: "ab".repeat(32) }
    }

    #[test]
    fn records_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let mut j = Journal::open(&path).unwrap();
        assert!(j.is_empty());
        j.record(entry("a.xml")).unwrap();
        j.record(entry("b.xml")).unwrap();
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.len(), 2);
        assert_eq!(j.get("b.xml"), Some(&entry("b.xml")));
        assert_eq!(j.get("c.xml"), None);
    }

    #[test]
    fn hostile_journal_lines_are_refused_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal");
        let good = format!("{}\t12\ta.xml\n", "ab".repeat(32));
        for (bad, line) in [
            (format!("{good}garbage\n"), 2),
            (format!("{}\tx\ta.xml\n", "ab".repeat(32)), 1),
            (format!("{}\t1\ta.xml\n", "AB".repeat(32)), 1),
            (format!("{}\t1\t../a.xml\n", "ab".repeat(32)), 1),
            (format!("{}\t1\ta\tb\n", "ab".repeat(32)), 1),
            (format!("{good}{}", &good[..20]), 2),
        ] {
            std::fs::write(&path, &bad).unwrap();
            match Journal::open(&path) {
                Err(BatchError::Journal { line: l, .. }) => assert_eq!(l, line, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let mut j = Journal::open(dir.path().join("other")).unwrap();
        assert!(matches!(j.record(entry("a/b")), Err(BatchError::Journal { .. })));
    }
}
