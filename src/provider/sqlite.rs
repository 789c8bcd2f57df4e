//! The embedded persistent answer store: one SQLite file (rusqlite, SQLite bundled).

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::store::DEFAULT_CLAIM_WAIT;
use super::store::{lock, AnswerKey, AnswerStore, Claim, Fingerprint, KeyGate, Requester, StoreError, StoredAnswer};

/// How old another owner's claim must be before it is taken over by default (the owner
/// is then taken to have died mid-work).
pub const DEFAULT_STALE_CLAIM: Duration = Duration::from_secs(600);
/// How long a connection waits for a database lock held by another connection.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);
/// The schema this code writes (`PRAGMA user_version`):
/// - 1: `dho_claims`, `dho_answers` without a requester;
/// - 2: `dho_answers` with `signer_sha256` and `context_digest` (the [`Requester`]; issue 10, F6).
const SCHEMA_VERSION: i64 = 2;

/// Schema 2 from scratch.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS dho_claims (
    instelling TEXT NOT NULL,
    referte    TEXT NOT NULL,
    owner      TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (instelling, referte)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dho_answers (
    instelling     TEXT NOT NULL,
    referte        TEXT NOT NULL,
    fingerprint    BLOB NOT NULL CHECK (length(fingerprint) = 32),
    antwoord       BLOB NOT NULL,
    stored_at      INTEGER NOT NULL,
    signer_sha256  BLOB CHECK (signer_sha256 IS NULL OR length(signer_sha256) = 32),
    context_digest BLOB CHECK (context_digest IS NULL OR length(context_digest) = 32),
    PRIMARY KEY (instelling, referte)
) WITHOUT ROWID;
";

/// Schema 1 → 2: the requester columns; the answers already stored keep NULL there (their
/// requester is unknown), so they are never handed out again.
const MIGRATE_1_TO_2: &str = "
ALTER TABLE dho_answers ADD COLUMN signer_sha256 BLOB
    CHECK (signer_sha256 IS NULL OR length(signer_sha256) = 32);
ALTER TABLE dho_answers ADD COLUMN context_digest BLOB
    CHECK (context_digest IS NULL OR length(context_digest) = 32);
";

/// Every column this code reads or writes: prepared (not run) when a store is opened.
const LAYOUT_CHECK: [&str; 2] = [
    "SELECT instelling, referte, fingerprint, antwoord, stored_at, signer_sha256, context_digest FROM dho_answers",
    "SELECT instelling, referte, owner, claimed_at FROM dho_claims",
];

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An [`AnswerStore`] in one SQLite file that survives restarts and may be shared by
/// several processes.
///
/// - **Durability**: WAL journal, `synchronous=FULL`; an answer is written by one
///   `BEGIN IMMEDIATE` transaction that inserts it into `dho_answers` and deletes the claim
///   row from `dho_claims`. If anything in it fails, the transaction rolls back: no half
///   answer is ever visible.
/// - **Claims**: a claim is a row in `dho_claims` (`INSERT … ON CONFLICT DO NOTHING`) owned by
///   this store instance (a random id). Inside one process a per-key gate lets one caller
///   claim and makes the others wait (up to [`with_wait`](Self::with_wait)) and then read
///   the stored answer. A claim row of another process is waited for by polling; one older
///   than [`with_stale_claim_after`](Self::with_stale_claim_after) is taken over (its owner
///   died mid-work).
/// - **Locking**: one connection behind a mutex, held only for the duration of a
///   transaction, never during the work; `busy_timeout` for locks of other processes.
/// - **Requesters**: each answer row keeps its [`Requester`] in `signer_sha256` and
///   `context_digest` (see [`StoredAnswer`]).
/// - **Schema versions** (`PRAGMA user_version`): [`open`](Self::open) creates schema 2, or
///   migrates a schema 1 file (written before requesters were recorded) in one transaction by
///   adding the two columns. The answers already in it keep NULL there: nobody can tell
///   which certificate and context asked them, so they are kept — their Refertes stay
///   used, the work is not done twice — but never handed out; a resend of one gets
///   [`Code::ReferteReused`](super::Code::ReferteReused). A file of a newer schema is refused
///   ([`StoreError::Corrupt`]); a process of the previous version refuses a migrated file
///   the same way.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    gate: KeyGate,
    owner: String,
    wait: Duration,
    stale_after: Duration,
}

impl SqliteStore {
    /// Opens (or creates) the store in the file `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(db)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(db)?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            return Err(StoreError::Backend(format!("cannot switch to WAL (journal_mode={mode})").into()));
        }
        conn.pragma_update(None, "synchronous", "FULL").map_err(db)?;
        // One IMMEDIATE transaction: two processes opening an old file migrate it once.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
        match version {
            0 => tx.execute_batch(SCHEMA).map_err(db)?,
            1 => tx.execute_batch(MIGRATE_1_TO_2).map_err(db)?,
            SCHEMA_VERSION => {}
            newer if newer > SCHEMA_VERSION => {
                return Err(StoreError::Corrupt { detail: format!("store schema {newer} is newer than this library") })
            }
            other => return Err(StoreError::Corrupt { detail: format!("unknown store schema {other}") }),
        }
        for query in LAYOUT_CHECK {
            tx.prepare(query).map_err(|e| StoreError::Corrupt {
                detail: format!("not a schema {SCHEMA_VERSION} answer store: {e}"),
            })?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            gate: KeyGate::default(),
            owner: uuid::Uuid::new_v4().simple().to_string(),
            wait: DEFAULT_CLAIM_WAIT,
            stale_after: DEFAULT_STALE_CLAIM,
        })
    }

    /// Sets how long `claim` waits for another caller's claim before [`Claim::Busy`].
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Sets the age after which another owner's claim is taken over.
    pub fn with_stale_claim_after(mut self, age: Duration) -> Self {
        self.stale_after = age;
        self
    }

    fn claim_db(&self, key: &AnswerKey, deadline: Instant) -> Result<Claim, StoreError> {
        let (inst, referte) = (key.instellingsnummer().as_str(), key.referte().as_str());
        let stale = i64::try_from(self.stale_after.as_secs()).unwrap_or(i64::MAX);
        loop {
            let outcome = {
                let mut conn = lock(&self.conn);
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
                if let Some(a) = select_answer(&tx, key)? {
                    tx.commit().map_err(db)?;
                    return Ok(Claim::Answered(a));
                }
                let now = unix_now();
                let inserted = tx
                    .execute(
                        "INSERT INTO dho_claims (instelling, referte, owner, claimed_at) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT DO NOTHING",
                        params![inst, referte, self.owner, now],
                    )
                    .map_err(db)?;
                let claimed = if inserted == 1 {
                    true
                } else {
                    let (owner, at): (String, i64) = tx
                        .query_row(
                            "SELECT owner, claimed_at FROM dho_claims WHERE instelling = ?1 AND referte = ?2",
                            params![inst, referte],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .map_err(db)?;
                    // Our own row while we hold the gate is a leftover of a failed release.
                    if owner == self.owner || now.saturating_sub(at) >= stale {
                        tx.execute(
                            "UPDATE dho_claims SET owner = ?3, claimed_at = ?4 WHERE instelling = ?1 AND referte = ?2",
                            params![inst, referte, self.owner, now],
                        )
                        .map_err(db)?;
                        true
                    } else {
                        false
                    }
                };
                tx.commit().map_err(db)?;
                claimed
            };
            if outcome {
                return Ok(Claim::Claimed);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Claim::Busy);
            }
            std::thread::sleep(POLL.min(deadline - now));
        }
    }
}

type AnswerRow = (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, Vec<u8>);

fn select_answer(conn: &Connection, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError> {
    let row: Option<AnswerRow> = conn
        .query_row(
            "SELECT fingerprint, signer_sha256, context_digest, antwoord FROM dho_answers
             WHERE instelling = ?1 AND referte = ?2",
            params![key.instellingsnummer().as_str(), key.referte().as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(db)?;
    let Some((fp, signer, context, antwoord)) = row else {
        return Ok(None);
    };
    let bytes32 = |b: &[u8], what: &str| {
        <[u8; 32]>::try_from(b).map_err(|_| StoreError::Corrupt { detail: format!("{what} is not 32 bytes") })
    };
    let requester = match (signer, context) {
        (Some(s), Some(c)) => {
            Some(Requester::from_parts(bytes32(&s, "signer_sha256")?, bytes32(&c, "context_digest")?))
        }
        // Stored by schema 1, before requesters were recorded: never handed out.
        (None, None) => None,
        _ => {
            return Err(StoreError::Corrupt {
                detail: "half a requester (signer_sha256 or context_digest NULL)".into(),
            })
        }
    };
    Ok(Some(StoredAnswer { fingerprint: Fingerprint(bytes32(&fp, "fingerprint")?), requester, antwoord }))
}

impl AnswerStore for SqliteStore {
    fn claim(&self, key: &AnswerKey) -> Result<Claim, StoreError> {
        let deadline = Instant::now() + self.wait;
        if !self.gate.acquire(key, deadline) {
            return Ok(Claim::Busy);
        }
        let r = self.claim_db(key, deadline);
        if !matches!(r, Ok(Claim::Claimed)) {
            self.gate.release(key);
        }
        r
    }

    fn complete(&self, key: &AnswerKey, answer: &StoredAnswer) -> Result<(), StoreError> {
        let (inst, referte) = (key.instellingsnummer().as_str(), key.referte().as_str());
        {
            let mut conn = lock(&self.conn);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db)?;
            let requester = answer.requester.as_ref();
            tx.execute(
                "INSERT INTO dho_answers
                     (instelling, referte, fingerprint, antwoord, stored_at, signer_sha256, context_digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    inst,
                    referte,
                    answer.fingerprint.as_bytes().as_slice(),
                    answer.antwoord,
                    unix_now(),
                    requester.map(|r| r.signer_sha256().as_slice()),
                    requester.map(|r| r.context_digest().as_slice()),
                ],
            )
            .map_err(db)?;
            let ended = tx
                .execute(
                    "DELETE FROM dho_claims WHERE instelling = ?1 AND referte = ?2 AND owner = ?3",
                    params![inst, referte, self.owner],
                )
                .map_err(db)?;
            if ended != 1 {
                // Dropping the transaction rolls the answer back.
                return Err(StoreError::ClaimLost { instellingsnummer: inst.to_owned(), referte: referte.to_owned() });
            }
            tx.commit().map_err(db)?;
        }
        self.gate.release(key);
        Ok(())
    }

    fn release(&self, key: &AnswerKey) -> Result<(), StoreError> {
        let r = lock(&self.conn)
            .execute(
                "DELETE FROM dho_claims WHERE instelling = ?1 AND referte = ?2 AND owner = ?3",
                params![key.instellingsnummer().as_str(), key.referte().as_str(), self.owner],
            )
            .map(|_| ())
            .map_err(db);
        self.gate.release(key);
        r
    }

    fn get(&self, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError> {
        select_answer(&lock(&self.conn), key)
    }
}
