//! The answer stores the gateway can use: `memory`, `sqlite:PATH` (one instance), and
//! `postgres://…` (several instances sharing one database).
//!
//! Every store method blocks; the gateway calls them only on the runtime's blocking threads
//! (inside `spawn_blocking`), never on its worker threads.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dho_wss::model::{Instellingsnummer, Referte};
use dho_wss::provider::{
    AnswerKey, AnswerStore, Claim, Fingerprint, MemoryStore, Requester, SqliteStore, StoreError, StoredAnswer,
};
use tokio::runtime::Handle;
use tokio_postgres::{Client, NoTls};

use crate::metrics::Metrics;

/// The store chosen by the configuration, with what the gateway needs beyond
/// [`AnswerStore`]: a reachability check and releasing this instance's claims at shutdown.
#[derive(Clone)]
pub(crate) enum Store {
    Memory(Arc<MemoryStore>),
    Sqlite(Arc<SqliteStore>),
    Postgres(Arc<PgStore>),
}

impl Store {
    /// Opens the store `uri` (already checked by the configuration).
    pub(crate) async fn open(config: &crate::config::StoreConfig) -> Result<Store, StoreError> {
        let wait = Duration::from_millis(config.claim_wait_ms);
        let lease = Duration::from_millis(config.lease_ms);
        let uri = config.uri.as_str();
        if uri == "memory" {
            return Ok(Store::Memory(Arc::new(MemoryStore::new().with_wait(wait))));
        }
        if let Some(path) = uri.strip_prefix("sqlite:") {
            let path = path.to_owned();
            let store = tokio::task::spawn_blocking(move || SqliteStore::open(path))
                .await
                .map_err(|e| StoreError::Backend(e.into()))??;
            return Ok(Store::Sqlite(Arc::new(store.with_wait(wait).with_stale_claim_after(lease))));
        }
        Ok(Store::Postgres(Arc::new(PgStore::connect(uri, config.connections, wait, lease).await?)))
    }

    /// The store as the library's provider uses it, counting store hits.
    pub(crate) fn answer_store(&self, metrics: Arc<Metrics>) -> Arc<dyn AnswerStore> {
        let inner: Arc<dyn AnswerStore> = match self {
            Store::Memory(s) => s.clone(),
            Store::Sqlite(s) => s.clone(),
            Store::Postgres(s) => s.clone(),
        };
        Arc::new(Counting { inner, metrics })
    }

    /// Whether the store answers (blocking).
    pub(crate) fn ping(&self) -> Result<(), StoreError> {
        match self {
            Store::Memory(_) => Ok(()),
            Store::Sqlite(s) => s.get(&probe_key()?).map(|_| ()),
            Store::Postgres(s) => s.ping(),
        }
    }

    /// Ends the claims this process still holds (blocking; at shutdown).
    pub(crate) fn release_own_claims(&self) -> Result<usize, StoreError> {
        match self {
            Store::Postgres(s) => s.release_all(),
            _ => Ok(0),
        }
    }

    /// A short name for logs.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Store::Memory(_) => "memory",
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }
}

fn probe_key() -> Result<AnswerKey, StoreError> {
    let nummer = Instellingsnummer::new("0").map_err(|e| StoreError::Backend(e.into()))?;
    let referte = Referte::new("dho-wss-gateway-readiness-probe").map_err(|e| StoreError::Backend(e.into()))?;
    Ok(AnswerKey::new(&nummer, referte))
}

/// Counts claims answered from the store.
struct Counting {
    inner: Arc<dyn AnswerStore>,
    metrics: Arc<Metrics>,
}

impl AnswerStore for Counting {
    fn claim(&self, key: &AnswerKey) -> Result<Claim, StoreError> {
        let c = self.inner.claim(key)?;
        if matches!(c, Claim::Answered(_)) {
            self.metrics.store_hit();
        }
        Ok(c)
    }
    fn complete(&self, key: &AnswerKey, answer: &StoredAnswer) -> Result<(), StoreError> {
        self.inner.complete(key, answer)
    }
    fn release(&self, key: &AnswerKey) -> Result<(), StoreError> {
        self.inner.release(key)
    }
    fn get(&self, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError> {
        self.inner.get(key)
    }
}

/// The advisory-lock key that serializes migrations of instances starting together.
const MIGRATION_LOCK: i64 = 0x4448_4f57_5353_0001;

/// The schema, one step per version; applied in order, each once, under [`MIGRATION_LOCK`].
const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE dho_answers (
        instellingsnummer text NOT NULL,
        referte text NOT NULL,
        state text NOT NULL CHECK (state IN ('claimed', 'answered')),
        owner text,
        lease_until timestamptz,
        fingerprint bytea,
        signer_sha256 bytea,
        context_digest bytea,
        antwoord bytea,
        answered_at timestamptz,
        PRIMARY KEY (instellingsnummer, referte),
        CHECK ((state = 'claimed') = (owner IS NOT NULL AND lease_until IS NOT NULL)),
        CHECK ((state = 'answered') = (fingerprint IS NOT NULL AND antwoord IS NOT NULL))
    )",
)];

/// The schema version this gateway writes.
pub const SCHEMA_VERSION: i32 = 1;

/// A new claim, or the takeover of a claim whose lease ran out; no row when the key is
/// answered or claimed by a live holder.
const CLAIM_SQL: &str = "INSERT INTO dho_answers (instellingsnummer, referte, state, owner, lease_until)
    VALUES ($1, $2, 'claimed', $3, now() + $4::bigint * interval '1 millisecond')
    ON CONFLICT (instellingsnummer, referte) DO UPDATE
        SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until
        WHERE dho_answers.state = 'claimed' AND dho_answers.lease_until < now()
    RETURNING 1";

const COMPLETE_SQL: &str = "UPDATE dho_answers
    SET state = 'answered', owner = NULL, lease_until = NULL, fingerprint = $4, signer_sha256 = $5,
        context_digest = $6, antwoord = $7, answered_at = now()
    WHERE instellingsnummer = $1 AND referte = $2 AND state = 'claimed' AND owner = $3";

const RELEASE_SQL: &str =
    "DELETE FROM dho_answers WHERE instellingsnummer = $1 AND referte = $2 AND state = 'claimed' AND owner = $3";

const GET_SQL: &str = "SELECT state, fingerprint, signer_sha256, context_digest, antwoord
    FROM dho_answers WHERE instellingsnummer = $1 AND referte = $2";

/// The PostgreSQL answer store: one row per [`AnswerKey`], a claim being a row in state
/// `claimed` with its holder (`owner`, unique per claim) and a lease; a claim whose lease
/// ran out is taken over. Blocking methods (they run the queries on the runtime `handle`),
/// for the runtime's blocking threads.
pub(crate) struct PgStore {
    handle: Handle,
    url: String,
    clients: Mutex<Vec<Option<Arc<Client>>>>,
    next: AtomicUsize,
    instance: String,
    held: Mutex<HashMap<AnswerKey, String>>,
    wait: Duration,
    lease: Duration,
}

fn backend(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(e))
}

impl PgStore {
    /// Connects `connections` clients and brings the schema to [`SCHEMA_VERSION`].
    pub(crate) async fn connect(
        url: &str,
        connections: usize,
        wait: Duration,
        lease: Duration,
    ) -> Result<PgStore, StoreError> {
        let mut first = open_client(url).await?;
        migrate(&mut first).await?;
        let mut clients = vec![Some(Arc::new(first))];
        for _ in 1..connections {
            clients.push(Some(Arc::new(open_client(url).await?)));
        }
        Ok(PgStore {
            handle: Handle::current(),
            url: url.to_owned(),
            clients: Mutex::new(clients),
            next: AtomicUsize::new(0),
            instance: uuid::Uuid::new_v4().to_string(),
            held: Mutex::new(HashMap::new()),
            wait,
            lease,
        })
    }

    /// A live client, reconnecting a slot whose connection closed.
    fn client(&self) -> Result<Arc<Client>, StoreError> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let n = clients.len();
        let slot = &mut clients[i % n];
        if let Some(c) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        *slot = None;
        // Reconnecting under the lock keeps a dead database from getting a connection storm.
        let c = Arc::new(self.handle.block_on(open_client(&self.url))?);
        *slot = Some(c.clone());
        Ok(c)
    }

    fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let client = self.client()?;
        self.handle.block_on(client.query(sql, params)).map_err(backend)
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.query("SELECT 1", &[]).map(|_| ())
    }

    fn release_all(&self) -> Result<usize, StoreError> {
        let held: Vec<(AnswerKey, String)> = self.held.lock().unwrap_or_else(|e| e.into_inner()).drain().collect();
        for (key, token) in &held {
            self.query(RELEASE_SQL, &[&key.instellingsnummer().as_str(), &key.referte().as_str(), token])?;
        }
        Ok(held.len())
    }

    fn read_answer(&self, key: &AnswerKey) -> Result<Option<Result<StoredAnswer, ()>>, StoreError> {
        let rows = self.query(GET_SQL, &[&key.instellingsnummer().as_str(), &key.referte().as_str()])?;
        let Some(row) = rows.first() else { return Ok(None) };
        let state: String = row.try_get(0).map_err(backend)?;
        if state != "answered" {
            return Ok(Some(Err(())));
        }
        let corrupt = |d: &str| StoreError::Corrupt { detail: format!("{d} of {}", key.referte()) };
        let fingerprint: Vec<u8> = row.try_get(1).map_err(backend)?;
        let signer: Option<Vec<u8>> = row.try_get(2).map_err(backend)?;
        let context: Option<Vec<u8>> = row.try_get(3).map_err(backend)?;
        let antwoord: Vec<u8> = row.try_get(4).map_err(backend)?;
        let fingerprint = Fingerprint(fingerprint.try_into().map_err(|_| corrupt("fingerprint length"))?);
        let requester = match (signer, context) {
            (Some(s), Some(c)) => Some(Requester::from_parts(
                s.try_into().map_err(|_| corrupt("signer length"))?,
                c.try_into().map_err(|_| corrupt("context length"))?,
            )),
            _ => None,
        };
        Ok(Some(Ok(StoredAnswer { fingerprint, requester, antwoord })))
    }
}

impl AnswerStore for PgStore {
    fn claim(&self, key: &AnswerKey) -> Result<Claim, StoreError> {
        let deadline = Instant::now() + self.wait;
        let nummer = key.instellingsnummer().as_str();
        let referte = key.referte().as_str();
        let lease_ms = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
        let mut pause = Duration::from_millis(10);
        loop {
            let token = format!("{}/{}", self.instance, uuid::Uuid::new_v4());
            if !self.query(CLAIM_SQL, &[&nummer, &referte, &token, &lease_ms])?.is_empty() {
                self.held.lock().unwrap_or_else(|e| e.into_inner()).insert(key.clone(), token);
                return Ok(Claim::Claimed);
            }
            match self.read_answer(key)? {
                Some(Ok(answer)) => return Ok(Claim::Answered(answer)),
                // Released between the two queries: claim again at once (within the wait).
                None if Instant::now() < deadline => continue,
                None | Some(Err(())) => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Claim::Busy);
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    fn complete(&self, key: &AnswerKey, answer: &StoredAnswer) -> Result<(), StoreError> {
        let lost = || StoreError::ClaimLost {
            instellingsnummer: key.instellingsnummer().to_string(),
            referte: key.referte().to_string(),
        };
        let token = self.held.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned().ok_or_else(lost)?;
        let signer = answer.requester.map(|r| r.signer_sha256().to_vec());
        let context = answer.requester.map(|r| r.context_digest().to_vec());
        let fingerprint = answer.fingerprint.as_bytes().to_vec();
        let client = self.client()?;
        let n = self
            .handle
            .block_on(client.execute(
                COMPLETE_SQL,
                &[
                    &key.instellingsnummer().as_str(),
                    &key.referte().as_str(),
                    &token,
                    &fingerprint,
                    &signer,
                    &context,
                    &answer.antwoord,
                ],
            ))
            .map_err(backend)?;
        if n != 1 {
            return Err(lost());
        }
        self.held.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        Ok(())
    }

    fn release(&self, key: &AnswerKey) -> Result<(), StoreError> {
        let token = self.held.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
        if let Some(token) = token {
            self.query(RELEASE_SQL, &[&key.instellingsnummer().as_str(), &key.referte().as_str(), &token])?;
        }
        Ok(())
    }

    fn get(&self, key: &AnswerKey) -> Result<Option<StoredAnswer>, StoreError> {
        Ok(self.read_answer(key)?.and_then(Result::ok))
    }
}

async fn open_client(url: &str) -> Result<Client, StoreError> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(backend)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// Applies the missing [`MIGRATIONS`] in one transaction under an advisory lock, so that
/// instances starting together apply each step once.
async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(backend)?;
    tx.query("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(backend)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS dho_wss_schema_version (
            version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .await
    .map_err(backend)?;
    let row =
        tx.query_one("SELECT coalesce(max(version), 0) FROM dho_wss_schema_version", &[]).await.map_err(backend)?;
    let current: i32 = row.try_get(0).map_err(backend)?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::Corrupt {
            detail: format!("the database has schema version {current}; this gateway knows up to {SCHEMA_VERSION}"),
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(backend)?;
        tx.execute("INSERT INTO dho_wss_schema_version (version) VALUES ($1)", &[version]).await.map_err(backend)?;
    }
    tx.commit().await.map_err(backend)?;
    Ok(())
}
