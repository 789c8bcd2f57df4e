//! Prometheus metrics in the text exposition format, written by hand (a few counters and
//! histograms do not need a metrics crate).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Histogram bucket upper bounds, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default)]
struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if s <= *b {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {}", self.counts[i].load(Ordering::Relaxed));
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// The gateway's metrics; shared by every request.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, String), u64>>,
    latency: Histogram,
    backend: Histogram,
    backend_failures: AtomicU64,
    store_hits: AtomicU64,
    handshake_failures: AtomicU64,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
    certificates: Mutex<BTreeMap<String, SystemTime>>,
}

impl Metrics {
    /// Counts a finished request: its `outcome` (`repliek`, `fault`, or an HTTP refusal such
    /// as `too_large`) and `reason` (the fault's or Uitzondering's stable name, or `-`).
    pub fn request(&self, outcome: &'static str, reason: &str, elapsed: Duration) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((outcome, reason.to_owned())).or_insert(0) += 1;
        drop(m);
        self.latency.observe(elapsed);
    }

    /// How many requests ended with `outcome` and `reason`.
    pub fn requests(&self, outcome: &str, reason: &str) -> u64 {
        let m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().filter(|((o, r), _)| *o == outcome && r == reason).map(|(_, n)| *n).sum()
    }

    pub(crate) fn backend_call(&self, elapsed: Duration, ok: bool) {
        self.backend.observe(elapsed);
        if !ok {
            self.backend_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn store_hit(&self) {
        self.store_hits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn handshake_failed(&self) {
        self.handshake_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn reloaded(&self, ok: bool) {
        if ok { &self.reloads } else { &self.reload_failures }.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn certificate(&self, name: &str, not_after: SystemTime) {
        self.certificates.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_owned(), not_after);
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP dho_gateway_requests_total SOAP requests by outcome and reason.\n");
        out.push_str("# TYPE dho_gateway_requests_total counter\n");
        for ((outcome, reason), n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ =
                writeln!(out, "dho_gateway_requests_total{{outcome=\"{outcome}\",reason=\"{}\"}} {n}", escape(reason));
        }
        self.latency.write(&mut out, "dho_gateway_request_seconds", "Time from request head to reply.");
        self.backend.write(&mut out, "dho_gateway_backend_seconds", "Time of one backend call per Vraag.");
        for (name, help, v) in [
            ("dho_gateway_backend_failures_total", "Backend calls that failed.", &self.backend_failures),
            ("dho_gateway_store_hits_total", "Vragen answered from the answer store.", &self.store_hits),
            ("dho_gateway_tls_handshake_failures_total", "TLS handshakes refused or failed.", &self.handshake_failures),
            ("dho_gateway_reloads_total", "Successful SIGHUP reloads.", &self.reloads),
            (
                "dho_gateway_reload_failures_total",
                "Failed SIGHUP reloads (the old state stays).",
                &self.reload_failures,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", v.load(Ordering::Relaxed));
        }
        out.push_str("# HELP dho_gateway_certificate_days_to_expiry Days until a loaded certificate expires.\n");
        out.push_str("# TYPE dho_gateway_certificate_days_to_expiry gauge\n");
        let now = SystemTime::now();
        for (name, not_after) in self.certificates.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let days = match not_after.duration_since(now) {
                Ok(d) => d.as_secs_f64() / 86_400.0,
                Err(e) => -(e.duration().as_secs_f64() / 86_400.0),
            };
            let _ =
                writeln!(out, "dho_gateway_certificate_days_to_expiry{{certificate=\"{}\"}} {days:.3}", escape(name));
        }
        out
    }

    /// Whether every loaded certificate is valid now.
    pub(crate) fn certificates_valid(&self) -> bool {
        let now = SystemTime::now();
        self.certificates.lock().unwrap_or_else(|e| e.into_inner()).values().all(|t| *t > now)
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_counts_and_buckets() {
        let m = Metrics::default();
        m.request("fault", "FailedCheck", Duration::from_millis(3));
        m.request("fault", "FailedCheck", Duration::from_millis(30));
        m.request("too_large", "-", Duration::from_millis(1));
        let text = m.render();
        assert!(text.contains("dho_gateway_requests_total{outcome=\"fault\",reason=\"FailedCheck\"} 2"), "{text}");
        assert!(text.contains("dho_gateway_request_seconds_bucket{le=\"0.005\"} 2"), "{text}");
        assert!(text.contains("dho_gateway_request_seconds_count 3"), "{text}");
        assert_eq!(m.requests("fault", "FailedCheck"), 2);
        assert_eq!(escape("a\"b"), "a\\\"b");
    }
}
