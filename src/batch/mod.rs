//! MAGDA batch request files ("vraagbestanden"), feature `batch`; their transfer over FTPS is
//! [`ftps`] (feature `ftps`).
//!
//! Besides web services MAGDA exchanges files: the institution puts request files in the
//! `to_vip` folder of its FTPS account, MAGDA picks them up by a per-service naming pattern and
//! puts the answer files in `from_vip` (SPEC §11). A request file holds one or more Vragen for
//! one operation. Here each file is a complete SOAP envelope with one Verzoek — the same
//! message the web service takes, with up to [`Verzoek::MAX_VRAGEN`] Vragen — signed with the
//! [`Signer`] it is given (the DHO profile) unless it is built unsigned on purpose.
//!
//! [`RequestFiles`] splits many Vragen into files by a count limit and, optionally, a size
//! limit on the written file, and names them with a [`FileNamePattern`] (service, date,
//! sequence): the real per-service patterns are in MAGDA's service manuals, not in public, so
//! the pattern is configurable and [`FileNamePattern::DEFAULT`] is only a sensible default.
//! Vraag Refertes must be unique across the whole batch (MAGDA: "unieke referte over al de
//! vragen heen").
//!
//! [`Journal`] is the local record of what was put on the server: the FTPS client consults it
//! so that a rerun never uploads a file twice.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use dho_wss::batch::{FileNamePattern, RequestFiles};
//! use dho_wss::model::{Afzender, Inhoud, Instellingsnummer, Operatie, Referte, Versie, Vraag};
//!
//! let operatie = Operatie::new("http://webservice.geefhistoriekinschrijvingdienst-02_01.onderwijs.vlaanderen.be",
//!     "GeefHistoriekInschrijving")?;
//! let afzender = Afzender::instelling(&Instellingsnummer::new("001234")?);
//! let vragen = (0..5).map(|i| -> Result<Vraag, dho_wss::model::ModelError> {
//!     Ok(Vraag::new(Referte::new(&format!("vraag-{i}"))?,
//!         Inhoud::from_fragment(&format!("<Criteria><Nummer>{i}</Nummer></Criteria>"))?))
//! }).collect::<Result<Vec<_>, _>>()?;
//! let files = RequestFiles::unsigned(operatie, Versie::new("02.01.0000")?, afzender)
//!     .per_file(2)?
//!     .pattern(FileNamePattern::new("HI_{date}_{seq:4}.xml")?)
//!     .date("20261204")?
//!     .build(vragen)?;
//! let names: Vec<&str> = files.iter().map(|f| f.name()).collect();
//! assert_eq!(names, ["HI_20261204_0001.xml", "HI_20261204_0002.xml", "HI_20261204_0003.xml"]);
//! # Ok(()) }
//! ```

mod journal;

#[cfg(feature = "ftps")]
pub mod ftps;

use std::collections::HashSet;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::{AfzenderBuilder, Envelope, ModelError, Operatie, Referte, Versie, Verzoek, Vraag};
use crate::pki::hex;
use crate::wss::{SignError, Signer};
use crate::xml::WriteError;

pub use journal::{Journal, JournalEntry};

/// The most Vragen one batch may hold (a bound on what one call builds in memory).
pub const MAX_VRAGEN_PER_BATCH: usize = 1_000_000;

/// What went wrong building or writing request files, or reading the journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// No Vragen were given.
    #[error("batch: no Vragen to put in a request file")]
    NoVragen,
    /// More Vragen than [`MAX_VRAGEN_PER_BATCH`].
    #[error("batch: more than {max} Vragen in one batch")]
    TooManyVragen {
        /// The limit.
        max: usize,
    },
    /// Two Vragen of the batch share a Referte (it must be unique over all of them).
    #[error("batch: Vraag Referte `{referte}` occurs twice (Refertes must be unique across the batch)")]
    DuplicateReferte {
        /// The repeated Referte.
        referte: String,
    },
    /// The per-file count is 0 or above [`Verzoek::MAX_VRAGEN`].
    #[error("batch: Vragen per file must be 1..={max}, not {given}")]
    PerFile {
        /// The value given.
        given: usize,
        /// The largest allowed.
        max: usize,
    },
    /// One Vraag alone makes a file larger than the size limit.
    #[error("batch: Vraag `{referte}` alone makes a {size}-byte file, above the limit of {max} bytes")]
    VraagTooLarge {
        /// The Vraag's Referte.
        referte: String,
        /// The size of the file with only that Vraag.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// A file-name pattern that is not allowed (see [`FileNamePattern::new`]).
    #[error("batch: file-name pattern `{pattern}`: {reason}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A date for file names that is not 8 digits `YYYYMMDD`.
    #[error("batch: date `{given}` is not YYYYMMDD")]
    Date {
        /// The value given.
        given: String,
    },
    /// The sequence number no longer fits the pattern's width.
    #[error("batch: sequence number {seq} does not fit {width} digits of the file-name pattern")]
    SequenceOverflow {
        /// The number.
        seq: u64,
        /// The pattern's width.
        width: usize,
    },
    /// A value put into a file name has characters outside `A-Z a-z 0-9 . _ -`.
    #[error("batch: `{value}` ({what}) cannot be part of a file name (only A-Z a-z 0-9 . _ -)")]
    UnsafeName {
        /// What the value is (`service`).
        what: &'static str,
        /// The value.
        value: String,
    },
    /// Building the Verzoek of a file failed.
    #[error("batch: request file {file}: {source}")]
    Model {
        /// The file name.
        file: String,
        /// The model's error.
        #[source]
        source: ModelError,
    },
    /// Writing the envelope of a file failed.
    #[error("batch: request file {file}: {source}")]
    Write {
        /// The file name.
        file: String,
        /// The writer's error.
        #[source]
        source: WriteError,
    },
    /// Signing a file failed.
    #[error("batch: signing request file {file}: {source}")]
    Sign {
        /// The file name.
        file: String,
        /// The signer's error.
        #[source]
        source: SignError,
    },
    /// A local file could not be read or written.
    #[error("batch: {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file with this name already exists locally with other content.
    #[error("batch: {path} already exists with other content; not overwritten")]
    FileExists {
        /// The file.
        path: PathBuf,
    },
    /// A line of the journal file is not `sha256<TAB>size<TAB>name`.
    #[error("batch: journal {path}, line {line}: {reason}")]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// A request file's name pattern: literal characters `A-Z a-z 0-9 . _ -` and the placeholders
/// `{service}` (the operation's name, e.g. `GeefHistoriekInschrijving`), `{date}` (`YYYYMMDD`,
/// the Brussels date unless [`RequestFiles::date`] sets it) and `{seq}` or `{seq:N}` (the
/// sequence number, zero-padded to N digits, 1 ≤ N ≤ 9). `{seq}` must occur exactly once, so
/// names within a batch are distinct; the name may not end in `.tmp` or `.part` (the names of
/// unfinished uploads and downloads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNamePattern {
    source: String,
    parts: Vec<Part>,
    seq_width: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Service,
    Date,
    Seq,
}

/// The longest name a pattern may produce (common file systems and FTP servers allow 255).
const MAX_NAME_LEN: usize = 200;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

impl FileNamePattern {
    /// The default: `{service}_{date}_{seq:6}.xml`, e.g.
    /// `GeefHistoriekInschrijving_20261204_000001.xml`. Replace it with the service manual's
    /// pattern for production.
    pub const DEFAULT: &'static str = "{service}_{date}_{seq:6}.xml";

    /// Parses a pattern (see the type's documentation for the rules).
    pub fn new(pattern: &str) -> Result<Self, BatchError> {
        let err = |reason: &str| BatchError::Pattern { pattern: pattern.to_owned(), reason: reason.to_owned() };
        if pattern.len() > MAX_NAME_LEN {
            return Err(err("longer than 200 bytes"));
        }
        let mut parts = Vec::new();
        let mut seq_width = None;
        let mut rest = pattern;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after.find('}').ok_or_else(|| err("`{` without `}`"))?;
                let placeholder = &after[..end];
                rest = &after[end + 1..];
                let part = match placeholder {
                    "service" => Part::Service,
                    "date" => Part::Date,
                    "seq" | "seq:1" | "seq:2" | "seq:3" | "seq:4" | "seq:5" | "seq:6" | "seq:7" | "seq:8" | "seq:9" => {
                        if seq_width.is_some() {
                            return Err(err("`{seq}` occurs more than once"));
                        }
                        seq_width =
                            Some(placeholder.strip_prefix("seq:").map_or(1, |w| usize::from(w.as_bytes()[0] - b'0')));
                        Part::Seq
                    }
                    other => return Err(err(&format!("unknown placeholder `{{{other}}}`"))),
                };
                parts.push(part);
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if let Some(c) = literal.chars().find(|&c| !is_name_char(c)) {
                    return Err(err(&format!("character {c:?} (only A-Z a-z 0-9 . _ - and placeholders)")));
                }
                parts.push(Part::Literal(literal.to_owned()));
                rest = &rest[end..];
            }
        }
        let seq_width = seq_width.ok_or_else(|| err("no `{seq}` placeholder (names would repeat)"))?;
        if pattern.starts_with('.') {
            return Err(err("a name may not start with `.`"));
        }
        if pattern.ends_with(".tmp") || pattern.ends_with(".part") {
            return Err(err("a final name may not end in .tmp or .part"));
        }
        Ok(FileNamePattern { source: pattern.to_owned(), parts, seq_width })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The name for `service`, `date` (`YYYYMMDD`) and sequence number `seq`.
    pub fn render(&self, service: &str, date: &str, seq: u64) -> Result<String, BatchError> {
        if service.is_empty() || !service.chars().all(is_name_char) {
            return Err(BatchError::UnsafeName { what: "service", value: service.to_owned() });
        }
        check_date(date)?;
        let digits = seq.to_string();
        if self.seq_width > 1 && digits.len() > self.seq_width {
            return Err(BatchError::SequenceOverflow { seq, width: self.seq_width });
        }
        let mut name = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => name.push_str(s),
                Part::Service => name.push_str(service),
                Part::Date => name.push_str(date),
                Part::Seq => name.push_str(&format!("{seq:0width$}", width = self.seq_width)),
            }
        }
        if name.len() > MAX_NAME_LEN {
            return Err(BatchError::Pattern {
                pattern: self.source.clone(),
                reason: format!("name `{name}` is longer than 200 bytes"),
            });
        }
        Ok(name)
    }
}

impl Default for FileNamePattern {
    fn default() -> Self {
        // The constant is a valid pattern; the unit tests parse it.
        FileNamePattern::new(Self::DEFAULT).unwrap_or_else(|_| unreachable!("DEFAULT is a valid pattern"))
    }
}

impl fmt::Display for FileNamePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

fn check_date(date: &str) -> Result<(), BatchError> {
    if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(BatchError::Date { given: date.to_owned() })
    }
}

/// Builds the request files of one operation: see the [module documentation](self).
#[derive(Debug)]
#[must_use]
pub struct RequestFiles {
    operatie: Operatie,
    versie: Versie,
    afzender: AfzenderBuilder,
    signer: Option<Signer>,
    per_file: usize,
    max_bytes: Option<usize>,
    pattern: FileNamePattern,
    date: Option<String>,
    first_seq: u64,
}

impl RequestFiles {
    /// Request files for `operatie` in version `versie`, each Verzoek with an Afzender built
    /// from `afzender` (give it no fixed Referte: each file's Verzoek gets a new one), each file
    /// signed by `signer` (build it with the DHO profile, `SignatureProfile::dho_legacy_rsa_sha1`).
    /// Defaults: [`Verzoek::MAX_VRAGEN`] Vragen per file, no size limit,
    /// [`FileNamePattern::DEFAULT`], today's Brussels date, sequence from 1.
    pub fn new(operatie: Operatie, versie: Versie, afzender: AfzenderBuilder, signer: Signer) -> Self {
        Self::with_signer(operatie, versie, afzender, Some(signer))
    }

    /// Like [`new`](Self::new), but the files are not signed: only for a service whose manual
    /// says its request files carry no signature.
    pub fn unsigned(operatie: Operatie, versie: Versie, afzender: AfzenderBuilder) -> Self {
        Self::with_signer(operatie, versie, afzender, None)
    }

    fn with_signer(operatie: Operatie, versie: Versie, afzender: AfzenderBuilder, signer: Option<Signer>) -> Self {
        RequestFiles {
            operatie,
            versie,
            afzender,
            signer,
            per_file: Verzoek::MAX_VRAGEN,
            max_bytes: None,
            pattern: FileNamePattern::default(),
            date: None,
            first_seq: 1,
        }
    }

    /// At most `n` Vragen per file, 1 ≤ n ≤ [`Verzoek::MAX_VRAGEN`].
    pub fn per_file(mut self, n: usize) -> Result<Self, BatchError> {
        if n == 0 || n > Verzoek::MAX_VRAGEN {
            return Err(BatchError::PerFile { given: n, max: Verzoek::MAX_VRAGEN });
        }
        self.per_file = n;
        Ok(self)
    }

    /// At most `bytes` bytes per written (signed) file; a file at exactly the limit is kept.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// The file-name pattern.
    pub fn pattern(mut self, pattern: FileNamePattern) -> Self {
        self.pattern = pattern;
        self
    }

    /// The date for `{date}`, `YYYYMMDD` (default: today in Brussels).
    pub fn date(mut self, date: &str) -> Result<Self, BatchError> {
        check_date(date)?;
        self.date = Some(date.to_owned());
        Ok(self)
    }

    /// The first sequence number (default 1): continue a series begun by an earlier batch.
    pub fn first_sequence(mut self, seq: u64) -> Self {
        self.first_seq = seq;
        self
    }

    /// Splits `vragen` into files, in order: a file is closed when it holds the per-file count,
    /// or when the next Vraag would take it over the size limit.
    pub fn build(&self, vragen: impl IntoIterator<Item = Vraag>) -> Result<Vec<RequestFile>, BatchError> {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        for v in vragen {
            if all.len() == MAX_VRAGEN_PER_BATCH {
                return Err(BatchError::TooManyVragen { max: MAX_VRAGEN_PER_BATCH });
            }
            if !seen.insert(v.referte().as_str().to_owned()) {
                return Err(BatchError::DuplicateReferte { referte: v.referte().as_str().to_owned() });
            }
            all.push(v);
        }
        if all.is_empty() {
            return Err(BatchError::NoVragen);
        }
        let date = match &self.date {
            Some(d) => d.clone(),
            None => crate::model::Tijdstip::now().datum_str().replace('-', ""),
        };
        let mut files = Vec::new();
        let mut rest = all.as_slice();
        let mut seq = self.first_seq;
        while !rest.is_empty() {
            let name = self.pattern.render(self.operatie.naam(), &date, seq)?;
            let take = rest.len().min(self.per_file);
            let file = self.fill(&name, &rest[..take])?;
            rest = &rest[file.refertes.len()..];
            files.push(file);
            seq = seq.checked_add(1).ok_or(BatchError::SequenceOverflow { seq, width: 20 })?;
        }
        Ok(files)
    }

    /// The file of the longest prefix of `vragen` within the size limit (all of them without one).
    fn fill(&self, name: &str, vragen: &[Vraag]) -> Result<RequestFile, BatchError> {
        let Some(max) = self.max_bytes else {
            return self.render(name, vragen);
        };
        // The largest n whose file fits, by bisection over the rendered (signed) size: sizes
        // grow with n, and each probe is one render.
        let mut file = self.render(name, &vragen[..1])?;
        if file.bytes.len() > max {
            return Err(BatchError::VraagTooLarge {
                referte: vragen[0].referte().as_str().to_owned(),
                size: file.bytes.len(),
                max,
            });
        }
        let (mut lo, mut hi) = (1, vragen.len());
        if hi > 1 {
            let all = self.render(name, vragen)?;
            if all.bytes.len() <= max {
                return Ok(all);
            }
            hi -= 1;
        }
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            let probe = self.render(name, &vragen[..mid])?;
            if probe.bytes.len() <= max {
                lo = mid;
                file = probe;
            } else {
                hi = mid - 1;
            }
        }
        if file.refertes.len() != lo {
            file = self.render(name, &vragen[..lo])?;
        }
        Ok(file)
    }

    fn render(&self, name: &str, vragen: &[Vraag]) -> Result<RequestFile, BatchError> {
        let model = |source| BatchError::Model { file: name.to_owned(), source };
        let afzender = self.afzender.clone().build().map_err(model)?;
        let mut builder = Verzoek::builder(self.operatie.naam(), self.versie.clone(), afzender);
        for v in vragen {
            builder = builder.vraag(v.clone());
        }
        let verzoek = builder.build().map_err(model)?;
        let envelope = Envelope::Verzoek { operatie: self.operatie.clone(), verzoek };
        let bytes = match &self.signer {
            Some(signer) => {
                signer.sign_message(&envelope).map_err(|source| BatchError::Sign { file: name.to_owned(), source })?
            }
            None => envelope.to_bytes().map_err(|source| BatchError::Write { file: name.to_owned(), source })?,
        };
        Ok(RequestFile {
            name: name.to_owned(),
            bytes,
            refertes: vragen.iter().map(|v| v.referte().clone()).collect(),
            signed: self.signer.is_some(),
        })
    }
}

/// One request file: its name, its bytes (a SOAP envelope with one Verzoek) and the Refertes
/// of its Vragen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFile {
    name: String,
    bytes: Vec<u8>,
    refertes: Vec<Referte>,
    signed: bool,
}

impl RequestFile {
    /// The file name (from the pattern).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The file's content.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The Refertes of its Vragen, in order.
    pub fn refertes(&self) -> &[Referte] {
        &self.refertes
    }
    /// Whether the envelope is signed.
    pub fn is_signed(&self) -> bool {
        self.signed
    }
    /// The SHA-256 of the content, lowercase hex (what the journal records).
    pub fn sha256_hex(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }

    /// Writes the file into `dir` under its name: to a temporary name, fsynced, then renamed,
    /// so no incomplete file ever has the final name. An existing file with the same content is
    /// left as it is; one with other content is [`BatchError::FileExists`].
    pub fn write_into(&self, dir: &Path) -> Result<PathBuf, BatchError> {
        let path = dir.join(&self.name);
        write_file_atomically(&path, &self.bytes)?;
        Ok(path)
    }
}

/// Writes `bytes` to `path` through `.NAME.part` + fsync + rename (+ fsync of the folder).
/// An existing `path` with the same bytes is kept; with other bytes it is an error.
pub(crate) fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| BatchError::Io { path: p, source }
    };
    match std::fs::read(path) {
        Ok(existing) if existing == bytes => return Ok(()),
        Ok(_) => return Err(BatchError::FileExists { path: path.to_path_buf() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(path)(e)),
    }
    let tmp = part_path(path);
    let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io(path))?;
    sync_dir(path).map_err(io(path))
}

/// `dir/.NAME.part` for `dir/NAME`: hidden, and never a final name.
pub(crate) fn part_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.part"))
}

/// fsync of the folder holding `path`, so a rename survives a crash.
pub(crate) fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::File::open(dir)?.sync_all(),
        _ => std::fs::File::open(".")?.sync_all(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Afzender, Inhoud, Instellingsnummer};

    fn vragen(n: usize, padding: usize) -> Vec<Vraag> {
        (0..n)
            .map(|i| {
                let inhoud = Inhoud::from_fragment(&format!(
                    "<Criteria><Nummer>{i}</Nummer><Opvulling>{}</Opvulling></Criteria>",
                    "x".repeat(padding)
                ))
                .unwrap();
                Vraag::new(Referte::new(&format!("vraag-{i:05}")).unwrap(), inhoud)
            })
            .collect()
    }

    fn files() -> RequestFiles {
        let operatie = Operatie::new("http://webservice.example.onderwijs.vlaanderen.be", "GeefVoorbeeld").unwrap();
        let afzender = Afzender::instelling(&Instellingsnummer::new("001234").unwrap());
        RequestFiles::unsigned(operatie, Versie::new("02.01.0000").unwrap(), afzender).date("20261204").unwrap()
    }

    #[test]
    fn count_limit_n_fits_one_file_n_plus_one_splits() {
        let b = files().per_file(3).unwrap();
        assert_eq!(b.build(vragen(3, 0)).unwrap().len(), 1);
        let split = b.build(vragen(4, 0)).unwrap();
        assert_eq!(split.iter().map(|f| f.refertes().len()).collect::<Vec<_>>(), [3, 1]);
        assert_eq!(split[1].refertes()[0].as_str(), "vraag-00003");
    }

    #[test]
    fn size_limit_exact_fits_one_byte_less_splits() {
        let whole = files().build(vragen(5, 100)).unwrap();
        assert_eq!(whole.len(), 1);
        let size = whole[0].bytes().len();
        assert_eq!(files().max_bytes(size).build(vragen(5, 100)).unwrap().len(), 1);
        let split = files().max_bytes(size - 1).build(vragen(5, 100)).unwrap();
        assert_eq!(split.iter().map(|f| f.refertes().len()).collect::<Vec<_>>(), [4, 1]);
        assert!(split.iter().all(|f| f.bytes().len() < size));
    }

    #[test]
    fn size_limit_below_one_vraag_is_refused() {
        let err = files().max_bytes(100).build(vragen(2, 10)).unwrap_err();
        assert!(
            matches!(err, BatchError::VraagTooLarge { ref referte, max: 100, .. } if referte == "vraag-00000"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_referte_and_empty_batch_are_refused() {
        let mut v = vragen(2, 0);
        v.push(v[0].clone());
        assert!(matches!(files().build(v), Err(BatchError::DuplicateReferte { referte }) if referte == "vraag-00000"));
        assert!(matches!(files().build(Vec::new()), Err(BatchError::NoVragen)));
        assert!(matches!(files().per_file(0), Err(BatchError::PerFile { given: 0, max: 99 })));
        assert!(matches!(files().per_file(100), Err(BatchError::PerFile { given: 100, max: 99 })));
    }

    #[test]
    fn names_follow_the_pattern_and_continue_the_sequence() {
        let b = files().per_file(1).unwrap().first_sequence(9);
        let names: Vec<String> = b.build(vragen(2, 0)).unwrap().iter().map(|f| f.name().to_owned()).collect();
        assert_eq!(names, ["GeefVoorbeeld_20261204_000009.xml", "GeefVoorbeeld_20261204_000010.xml"]);
        let p = FileNamePattern::new("VB-{seq:2}.xml").unwrap();
        assert_eq!(p.render("X", "20261204", 99).unwrap(), "VB-99.xml");
        assert!(matches!(p.render("X", "20261204", 100), Err(BatchError::SequenceOverflow { seq: 100, width: 2 })));
        assert!(matches!(p.render("a/b", "20261204", 1), Err(BatchError::UnsafeName { .. })));
    }

    #[test]
    fn hostile_patterns_are_refused() {
        for bad in [
            "x.xml",
            "{seq}/../x.xml",
            "{seq}{seq}.xml",
            "{seq}.tmp",
            "{seq}.xml.part",
            "{sequence}.xml",
            "{seq",
            ".{seq}.xml",
            "a b{seq}",
        ] {
            assert!(matches!(FileNamePattern::new(bad), Err(BatchError::Pattern { .. })), "{bad}");
        }
        assert!(FileNamePattern::new(&format!("{}{{seq}}", "a".repeat(200))).is_err());
        assert!(matches!(files().date("2026-12-04"), Err(BatchError::Date { .. })));
    }

    #[test]
    fn each_file_is_a_valid_verzoek_envelope() {
        let out = files().per_file(2).unwrap().build(vragen(3, 0)).unwrap();
        for f in &out {
            let Envelope::Verzoek { operatie, verzoek } = Envelope::from_envelope_bytes(f.bytes()).unwrap() else {
                panic!("not a Verzoek");
            };
            assert_eq!(operatie.naam(), "GeefVoorbeeld");
            let refs: Vec<&Referte> = verzoek.vragen().iter().map(|v| v.referte()).collect();
            assert_eq!(refs, f.refertes().iter().collect::<Vec<_>>());
            assert!(!f.is_signed());
        }
        // Each file's Verzoek has its own Afzender Referte.
        let a = Envelope::from_envelope_bytes(out[0].bytes()).unwrap();
        let b = Envelope::from_envelope_bytes(out[1].bytes()).unwrap();
        let (Envelope::Verzoek { verzoek: a, .. }, Envelope::Verzoek { verzoek: b, .. }) = (a, b) else {
            unreachable!()
        };
        assert_ne!(a.afzender().referte(), b.afzender().referte());
    }

    #[test]
    fn write_into_is_atomic_and_refuses_to_overwrite_other_content() {
        let dir = tempfile::tempdir().unwrap();
        let f = &files().build(vragen(1, 0)).unwrap()[0];
        let path = f.write_into(dir.path()).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), f.bytes());
        f.write_into(dir.path()).unwrap();
        std::fs::write(&path, b"other").unwrap();
        assert!(matches!(f.write_into(dir.path()), Err(BatchError::FileExists { .. })));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no .part left behind");
    }
}
