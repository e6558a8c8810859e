//! `[metrics] listen`: one Prometheus scrape for the whole server, so an operator sees ingest stall or fail
//! (retries, raw events, broker refusals, reverse DNS skipping) without reading logs.
//!
//! The broker's metrics come first under `hpfeeds_`, then the collector's and reverse DNS's under `apiary_`. No
//! label carries anything an attacker chose: the broker's only label values are channel names its ACL allowed.

use hpfeeds::broker::Broker;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::registry::Registry;

use collector::enrich::ReverseDns;
use collector::pipeline::CollectorMetrics;

/// What a scrape reads: shared handles on live counters, cheap to clone into the HTTP handler.
#[derive(Clone)]
pub struct ServerMetrics {
    /// The broker (connections, channels, drops).
    pub broker: Broker,
    /// The collector's counters, the same ones its pipeline increments.
    pub collector: CollectorMetrics,
    /// The reverse DNS resolver, when `[enrich] reverse_dns` is on.
    pub rdns: Option<ReverseDns>,
}

impl ServerMetrics {
    /// The OpenMetrics text of one scrape (a single `# EOF` at the end).
    pub fn render(&self) -> String {
        let broker = self.broker.metrics_text();
        let mut out = broker.strip_suffix("# EOF\n").unwrap_or(&broker).to_owned();
        let mut r = Registry::with_prefix("apiary");
        let c = &self.collector;
        r.register(
            "collector_messages",
            "hpfeeds messages the collector received",
            c.messages.clone(),
        );
        r.register(
            "collector_inserted_events",
            "Events stored for the first time",
            c.inserted.clone(),
        );
        r.register(
            "collector_duplicate_events",
            "Redelivered events found already stored (not stored again)",
            c.duplicates.clone(),
        );
        r.register(
            "collector_raw_events",
            "Messages stored raw, with the reason: no normalizer for the channel, or a parse error",
            c.raw.clone(),
        );
        r.register(
            "collector_store_retries",
            "Store writes that failed and were retried (is the database up?)",
            c.retries.clone(),
        );
        r.register(
            "collector_write_seconds",
            "Seconds each stored batch took to write (transaction and commit)",
            c.write_seconds.clone(),
        );
        if let Some(rdns) = &self.rdns {
            let n = rdns.counts();
            for (name, help, v) in [
                (
                    "reverse_dns_queued",
                    "Source addresses queued for a PTR lookup",
                    n.queued,
                ),
                (
                    "reverse_dns_skipped",
                    "Lookups skipped because the queue was full",
                    n.skipped,
                ),
                ("reverse_dns_lookups", "PTR lookups finished, any outcome", n.lookups),
                ("reverse_dns_resolved", "Lookups that found a valid name", n.resolved),
                (
                    "reverse_dns_failed",
                    "Lookups that timed out or failed (retried later)",
                    n.failed,
                ),
                ("reverse_dns_stored", "Lookup results written to the store", n.stored),
            ] {
                r.register(name, help, ConstCounter::new(v));
            }
        }
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &r);
        out
    }
}
