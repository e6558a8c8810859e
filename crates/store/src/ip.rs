//! IP encoding: 16 bytes, IPv4 mapped into IPv6, so one sortable column and one range filter serve both families.

use std::net::{IpAddr, Ipv6Addr};

/// The stored form of an address.
pub(crate) fn encode(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// Back from the stored form; mapped IPv4 comes back as IPv4. `None` if the column is not 16 bytes.
pub(crate) fn decode(b: &[u8]) -> Option<IpAddr> {
    let arr: [u8; 16] = b.try_into().ok()?;
    let v6 = Ipv6Addr::from(arr);
    Some(match v6.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(v6),
    })
}

/// The inclusive stored range of a network, for `BETWEEN`.
pub(crate) fn range(net: &ipnet::IpNet) -> (Vec<u8>, Vec<u8>) {
    (encode(net.network()), encode(net.broadcast()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_and_v6_round_trip_and_ranges_sort() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(decode(&encode(v4)), Some(v4));
        assert_eq!(decode(&encode(v6)), Some(v6));
        let net: ipnet::IpNet = "203.0.113.0/24".parse().unwrap();
        let (lo, hi) = range(&net);
        assert!(lo <= encode(v4) && encode(v4) <= hi);
        assert!(!(lo <= encode(v6) && encode(v6) <= hi));
        assert_eq!(decode(&[1, 2]), None);
    }
}
