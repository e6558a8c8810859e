//! One address's reverse DNS: the PTR query, name validation, and the A/AAAA query that confirms it (FCrDNS).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};

use super::name;
use crate::enrich::{EnrichConfig, EnrichError};

/// What one lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A valid PTR name, and whether its A/AAAA records include the address.
    Name {
        /// Validated, lower case, no trailing dot.
        hostname: String,
        /// Forward-confirmed.
        confirmed: bool,
    },
    /// No PTR record (NXDOMAIN or no data), only names that failed validation, or an answer that does not decode:
    /// stored as not resolved.
    NoName,
    /// Timeout, refusal, network error: nothing is stored, the address is tried again later.
    Failed,
}

/// The resolver and the per-query time limit.
pub(super) struct Lookup {
    /// hickory's stub resolver over tokio (its own cache kept small: ours decides when to ask again).
    resolver: TokioResolver,
    /// Longest wait for one query.
    timeout: Duration,
}

/// What to tell the operator when the resolver cannot be set up.
const REMEDY: &str = "list resolvers as enrich.dns_servers = [\"IP:port\", ...], fix /etc/resolv.conf, or set \
                      enrich.reverse_dns = false";

impl Lookup {
    /// A resolver asking `config.dns_servers` (or the system's resolvers when the list is empty).
    pub(super) fn new(config: &EnrichConfig) -> Result<Lookup, EnrichError> {
        let fail = |problem: String| EnrichError::ReverseDns {
            problem,
            remedy: REMEDY,
        };
        let provider = TokioRuntimeProvider::default();
        let mut builder = if config.dns_servers.is_empty() {
            Resolver::builder(provider)
                .map_err(|e| fail(format!("cannot read the system resolver configuration: {e}")))?
        } else {
            let servers = config
                .dns_servers
                .iter()
                .map(|s| server(s).map_err(fail))
                .collect::<Result<Vec<_>, _>>()?;
            Resolver::builder_with_config(ResolverConfig::from_name_servers(servers), provider)
        };
        let timeout = Duration::from_millis(config.reverse_dns_timeout_ms.max(1));
        let opts: &mut ResolverOpts = builder.options_mut();
        opts.timeout = timeout;
        opts.attempts = 1;
        opts.cache_size = 256;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.ndots = 0;
        let resolver = builder
            .build()
            .map_err(|e| fail(format!("cannot build the resolver: {e}")))?;
        Ok(Lookup { resolver, timeout })
    }

    /// Looks `ip` up: PTR, then the first valid name's A (IPv4) or AAAA (IPv6) records.
    pub(super) async fn resolve(&self, ip: IpAddr) -> Outcome {
        let answer = match tokio::time::timeout(self.timeout, self.resolver.reverse_lookup(ip)).await {
            Err(_) => return Outcome::Failed,
            Ok(Err(e)) if e.is_no_records_found() => return Outcome::NoName,
            // An answer that does not decode (a name over 255 bytes, say) is the zone owner's doing, like a bad name.
            Ok(Err(NetError::Proto(e))) => {
                tracing::debug!(%ip, error = %e, "malformed PTR answer; stored as not resolved");
                return Outcome::NoName;
            }
            Ok(Err(e)) => {
                tracing::debug!(%ip, error = %e, "reverse DNS lookup failed; will try again later");
                return Outcome::Failed;
            }
            Ok(Ok(answer)) => answer,
        };
        let mut refused = 0;
        let mut hostname = None;
        for record in answer.answers() {
            if let RData::PTR(ptr) = &record.data {
                match name::from_labels(ptr.0.iter()) {
                    Some(h) => {
                        hostname = Some(h);
                        break;
                    }
                    None => refused += 1,
                }
            }
        }
        let Some(hostname) = hostname else {
            if refused > 0 {
                tracing::debug!(%ip, refused, "PTR name is not a plain host name; stored as not resolved");
            }
            return Outcome::NoName;
        };
        let confirmed = self.forward_confirms(&hostname, ip).await;
        Outcome::Name { hostname, confirmed }
    }

    /// Whether `hostname`'s addresses of `ip`'s family include `ip` (a failed query counts as no).
    async fn forward_confirms(&self, hostname: &str, ip: IpAddr) -> bool {
        let fqdn = format!("{hostname}.");
        let lookup = async {
            match ip {
                IpAddr::V4(_) => self.resolver.ipv4_lookup(fqdn.as_str()).await,
                IpAddr::V6(_) => self.resolver.ipv6_lookup(fqdn.as_str()).await,
            }
        };
        let Ok(Ok(answer)) = tokio::time::timeout(self.timeout, lookup).await else {
            return false;
        };
        answer.answers().iter().any(|r| match &r.data {
            RData::A(a) => IpAddr::V4(a.0) == ip,
            RData::AAAA(aaaa) => IpAddr::V6(aaaa.0) == ip,
            _ => false,
        })
    }
}

/// One `dns_servers` entry as a name server: "IP:port", "[v6]:port", or a bare IP (port 53).
fn server(entry: &str) -> Result<NameServerConfig, String> {
    let addr = entry
        .parse::<SocketAddr>()
        .or_else(|_| entry.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| format!("enrich.dns_servers entry {entry:?} is not \"IP:port\""))?;
    let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
    for c in &mut ns.connections {
        c.port = addr.port();
    }
    Ok(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_entries_take_a_port_or_default_to_53() {
        let ports = |s: &str| {
            server(s)
                .unwrap()
                .connections
                .iter()
                .map(|c| c.port)
                .collect::<Vec<_>>()
        };
        assert_eq!(ports("127.0.0.1:5353"), [5353, 5353]);
        assert_eq!(ports("[::1]:5300"), [5300, 5300]);
        assert_eq!(ports("127.0.0.1"), [53, 53]);
        let err = server("localhost:53").unwrap_err();
        assert!(
            err.contains("enrich.dns_servers") && err.contains("localhost:53"),
            "{err}"
        );
    }
}
