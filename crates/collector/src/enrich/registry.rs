//! Country of registration for any public address, built in: no file to download.
//!
//! The table is the `iptocc` crate's copy of the five RIRs' delegation statistics. It says which country a block
//! was *registered* to, not where its hosts are: a cloud provider's addresses registered in the US may serve from
//! anywhere. A City or Country database, when configured, wins over it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 ranges that are not routed on the public internet (RFC 6890 and friends): no registration country.
const NON_PUBLIC_V4: [(Ipv4Addr, u8); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private (RFC 1918)
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT (RFC 6598)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private (RFC 1918)
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation TEST-NET-1 (RFC 5737)
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // deprecated 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private (RFC 1918)
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking (RFC 2544)
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation TEST-NET-2 (RFC 5737)
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation TEST-NET-3 (RFC 5737)
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, and the limited broadcast address
];

/// IPv6 ranges that are not routed on the public internet (RFC 6890 and friends): no registration country.
const NON_PUBLIC_V6: [(Ipv6Addr, u8); 9] = [
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96), // unspecified, loopback, IPv4-compatible (deprecated)
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use IPv4/IPv6 translation (RFC 8215)
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only (RFC 6666)
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation (RFC 3849)
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation (RFC 9637)
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

/// The country a public address is registered to, or `None` for non-public or unallocated addresses.
///
/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is looked up as the IPv4 address it carries.
pub(crate) fn country(ip: IpAddr) -> Option<&'static str> {
    let ip = ip.to_canonical();
    if !is_public(ip) {
        return None;
    }
    iptocc::country_code(ip)
}

/// Whether `ip` may be routed on the public internet: not private, loopback, link-local, documentation, …
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            !NON_PUBLIC_V4
                .iter()
                .any(|&(net, len)| bits >> (32 - len) == u32::from(net) >> (32 - len))
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            !NON_PUBLIC_V6
                .iter()
                .any(|&(net, len)| bits >> (128 - len) == u128::from(net) >> (128 - len))
        }
    }
}
