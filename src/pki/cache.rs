//! The validated-chain cache of a [`CertificateValidator`](super::CertificateValidator) (see
//! the [module documentation](super#caching)).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use der::Decode;
use sha2::{Digest as _, Sha256};

use super::trust::ValidatedCertificate;

/// Settings of the validated-chain cache of a
/// [`CertificateValidator`](super::CertificateValidator) (see the [module
/// documentation](crate::pki#caching)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChainCacheConfig {
    /// Most entries kept; the least recently used one makes room for a new one. 0 disables
    /// the cache. Default 1024.
    pub capacity: usize,
    /// How long after a validation its entry may be used. Default 10 minutes.
    pub max_age: Duration,
}

impl ChainCacheConfig {
    /// A cache of `capacity` entries, each used for at most `max_age`.
    pub const fn new(capacity: usize, max_age: Duration) -> Self {
        ChainCacheConfig { capacity, max_age }
    }

    /// No caching: every validation does the full work.
    pub const fn disabled() -> Self {
        Self::new(0, Duration::ZERO)
    }
}

impl Default for ChainCacheConfig {
    /// 1024 entries, 10 minutes.
    fn default() -> Self {
        Self::new(1024, Duration::from_secs(600))
    }
}

/// Cache key: SHA-256 of the leaf, SHA-256 over the extra chain (each certificate framed by
/// its length; all zero without one).
pub(super) type CacheKey = ([u8; 32], [u8; 32]);

/// The chain part of the key of a leaf without an extra chain.
const NO_CHAIN: [u8; 32] = [0; 32];

pub(super) fn cache_key(leaf_der: &[u8], extra_chain_ders: &[&[u8]]) -> CacheKey {
    let leaf: [u8; 32] = Sha256::digest(leaf_der).into();
    let mut chain = NO_CHAIN;
    if !extra_chain_ders.is_empty() {
        let mut h = Sha256::new();
        for der in extra_chain_ders {
            h.update((der.len() as u64).to_be_bytes());
            h.update(der);
        }
        chain = h.finalize().into();
    }
    (leaf, chain)
}

/// notBefore and notAfter of a certificate, in seconds since the epoch.
pub(super) fn validity_secs(der: &[u8]) -> Option<(u64, u64)> {
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let validity = cert.tbs_certificate().validity();
    Some((validity.not_before.to_unix_duration().as_secs(), validity.not_after.to_unix_duration().as_secs()))
}

struct CacheEntry {
    certificate: ValidatedCertificate,
    /// Seconds since the epoch, both included.
    window: (u64, u64),
    created: Instant,
    last_used: u64,
}

#[derive(Default)]
struct CacheMap {
    entries: HashMap<CacheKey, CacheEntry>,
    tick: u64,
    /// The key of the entry last found for a leaf without an extra chain: a peer that sends
    /// the same certificate with every message is found by comparing its bytes with the
    /// entry's, without the SHA-256 of the key (see [`ChainCache::get_recent`]).
    recent: Option<CacheKey>,
}

pub(super) struct ChainCache {
    pub(super) config: ChainCacheConfig,
    map: Mutex<CacheMap>,
}

impl fmt::Debug for ChainCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.map.lock().map(|m| m.entries.len()).unwrap_or(0);
        f.debug_struct("ChainCache").field("config", &self.config).field("entries", &len).finish()
    }
}

impl ChainCache {
    pub(super) fn new(config: ChainCacheConfig) -> Self {
        ChainCache { config, map: Mutex::new(CacheMap::default()) }
    }

    /// The same settings, no entries.
    pub(super) fn emptied(&self) -> Self {
        Self::new(self.config)
    }

    pub(super) fn enabled(&self) -> bool {
        self.config.capacity > 0 && !self.config.max_age.is_zero()
    }

    /// The entry for `key` if `at_secs` is in its window and it is young enough. A stale
    /// entry is removed. A poisoned lock is a miss.
    pub(super) fn get(&self, key: &CacheKey, at_secs: u64) -> Option<ValidatedCertificate> {
        let mut map = self.map.lock().ok()?;
        let hit = Self::lookup(&mut map, key, at_secs, self.config.max_age);
        if hit.is_some() && key.1 == NO_CHAIN {
            map.recent = Some(*key);
        }
        hit
    }

    /// [`get`](Self::get) for `cache_key(leaf_der, &[])` when it is the key last found for a
    /// leaf without an extra chain: its entry's certificate is `leaf_der` byte for byte, so the
    /// key is the same without hashing (the same entry, the same checks). `None` otherwise.
    pub(super) fn get_recent(&self, leaf_der: &[u8], at_secs: u64) -> Option<ValidatedCertificate> {
        let mut map = self.map.lock().ok()?;
        let key = map.recent?;
        if map.entries.get(&key)?.certificate.certificate_der() != leaf_der {
            return None;
        }
        Self::lookup(&mut map, &key, at_secs, self.config.max_age)
    }

    fn lookup(map: &mut CacheMap, key: &CacheKey, at_secs: u64, max_age: Duration) -> Option<ValidatedCertificate> {
        map.tick += 1;
        let tick = map.tick;
        let entry = map.entries.get_mut(key)?;
        if entry.created.elapsed() >= max_age {
            map.entries.remove(key);
            return None;
        }
        let (lo, hi) = entry.window;
        if !(lo..=hi).contains(&at_secs) {
            return None;
        }
        entry.last_used = tick;
        Some(entry.certificate.clone())
    }

    pub(super) fn insert(&self, key: CacheKey, certificate: ValidatedCertificate, window: (u64, u64)) {
        let Ok(mut map) = self.map.lock() else { return };
        map.tick += 1;
        let tick = map.tick;
        if map.entries.len() >= self.config.capacity && !map.entries.contains_key(&key) {
            // Misses cost a full path validation; a linear scan for the LRU entry is noise.
            let max_age = self.config.max_age;
            map.entries.retain(|_, e| e.created.elapsed() < max_age);
            if map.entries.len() >= self.config.capacity {
                if let Some(oldest) = map.entries.iter().min_by_key(|(_, e)| e.last_used).map(|(k, _)| *k) {
                    map.entries.remove(&oldest);
                }
            }
        }
        map.entries.insert(key, CacheEntry { certificate, window, created: Instant::now(), last_used: tick });
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.map.lock().map(|m| m.entries.len()).unwrap_or(0)
    }

    /// The window of the entry for `key`, if there is one.
    #[cfg(test)]
    pub(super) fn window(&self, key: &CacheKey) -> Option<(u64, u64)> {
        self.map.lock().ok()?.entries.get(key).map(|e| e.window)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    use crate::pki::test_support::{at, pki_der, validator, T2026};

    #[test]
    fn entries_expire_after_max_age() {
        let v = validator(ChainCacheConfig::new(16, Duration::from_millis(30)));
        let cert = pki_der("institution.crt.pem");
        v.validate(&cert, &[], at(T2026)).unwrap();
        let key = cache_key(&cert, &[]);
        assert!(v.cache.get(&key, T2026).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(v.cache.get(&key, T2026).is_none(), "too old");
        assert_eq!(v.cache.len(), 0, "a stale entry is dropped");
        v.validate(&cert, &[], at(T2026)).unwrap();
        assert_eq!(v.cache.len(), 1);
    }

    /// The byte comparison with the last hit finds exactly what the SHA-256 key finds.
    #[test]
    fn recent_leaf_is_found_without_hashing_and_only_by_its_bytes() {
        let v = validator(ChainCacheConfig::new(16, Duration::from_secs(600)));
        let [a, b] = ["institution.crt.pem", "other.crt.pem"].map(pki_der);
        v.validate(&a, &[], at(T2026)).unwrap();
        assert!(v.cache.get_recent(&a, T2026).is_none(), "set by a hit, not by the insertion");
        let by_key = v.cache.get(&cache_key(&a, &[]), T2026).unwrap();
        let by_bytes = v.cache.get_recent(&a, T2026).unwrap();
        assert_eq!(by_key.certificate_der(), by_bytes.certificate_der());
        assert!(v.cache.get_recent(&b, T2026).is_none());
        let mut changed = a.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(v.cache.get_recent(&changed, T2026).is_none());
        assert!(v.cache.get_recent(&a, 0).is_none(), "the window still applies");
        v.validate(&b, &[], at(T2026)).unwrap();
        v.validate(&b, &[], at(T2026)).unwrap();
        assert!(v.cache.get_recent(&a, T2026).is_none(), "only the last hit");
        assert!(v.cache.get_recent(&b, T2026).is_some());
    }

    #[test]
    fn capacity_evicts_the_least_recently_used() {
        let v = validator(ChainCacheConfig::new(2, Duration::from_secs(600)));
        let [a, b, c] = ["institution.crt.pem", "other.crt.pem", "provider.crt.pem"].map(pki_der);
        v.validate(&a, &[], at(T2026)).unwrap();
        v.validate(&b, &[], at(T2026)).unwrap();
        v.validate(&a, &[], at(T2026)).unwrap(); // a is now more recent than b
        v.validate(&c, &[], at(T2026)).unwrap();
        assert_eq!(v.cache.len(), 2);
        assert!(v.cache.get(&cache_key(&a, &[]), T2026).is_some());
        assert!(v.cache.get(&cache_key(&b, &[]), T2026).is_none());
        assert!(v.cache.get(&cache_key(&c, &[]), T2026).is_some());
    }
}
