//! Distinct source addresses over long windows: a HyperLogLog sketch per hour (`ip_sketches`), merged at query time.
//!
//! Counting distinct addresses exactly means reading every (hour, address) rollup row of the window: ~14k per hour
//! at 10 M sessions a month, so 10 M rows for 30 days. Windows up to [`EXACT_HOURS`] are still counted exactly;
//! longer ones merge the hours' sketches (4 KiB each, standard error 1.6 %) and say the count is an estimate.
//!
//! The writer keeps each hour's sketch: the first batch of an hour (or of an hour stored before sketches existed)
//! builds it from that hour's `src_ip` rollups, which already hold the batch; later batches add their addresses.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use sqlx::AnyPool;

use crate::bulk::{self, Col, Spec, Tx};
use crate::sql::{db, query, Val};
use crate::StoreError;

/// Windows up to this many hours are counted exactly.
pub(crate) const EXACT_HOURS: i64 = 48;
/// Register index bits: 2^12 registers of one byte.
const P: u32 = 12;
/// Registers per sketch.
const M: usize = 1 << P;

/// A HyperLogLog sketch of addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sketch(Vec<u8>);

impl Default for Sketch {
    fn default() -> Self {
        Sketch(vec![0; M])
    }
}

/// A fixed 64-bit hash of an address (stable across builds and machines, unlike `std`'s hasher): SplitMix64's
/// finalizer over the canonical address's two halves.
fn hash(ip: IpAddr) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let b = crate::ip::encode(ip.to_canonical());
    let hi = u64::from_be_bytes(b[..8].try_into().unwrap_or_default());
    let lo = u64::from_be_bytes(b[8..].try_into().unwrap_or_default());
    mix(lo ^ mix(hi ^ 0x9e37_79b9_7f4a_7c15))
}

impl Sketch {
    /// A stored sketch, or `None` if it is not one (wrong length).
    pub fn from_bytes(b: Vec<u8>) -> Option<Sketch> {
        (b.len() == M).then_some(Sketch(b))
    }

    /// The sketch of an hour's `src_ip` rollup keys (addresses as text; anything else is skipped).
    pub fn of_keys(keys: Vec<String>) -> Sketch {
        let mut s = Sketch::default();
        for ip in keys.iter().filter_map(|k| k.parse::<IpAddr>().ok()) {
            s.add(ip);
        }
        s
    }

    /// Adds an address.
    pub fn add(&mut self, ip: IpAddr) {
        let h = hash(ip);
        let idx = (h >> (64 - P)) as usize;
        let rank = ((h << P) | (1 << (P - 1))).leading_zeros() as u8 + 1;
        if rank > self.0[idx] {
            self.0[idx] = rank;
        }
    }

    /// Takes in another sketch (the union of both sets).
    pub fn merge(&mut self, o: &Sketch) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a = (*a).max(*b);
        }
    }

    /// The estimated number of distinct addresses (linear counting while registers are still empty).
    pub fn estimate(&self) -> u64 {
        let m = M as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self.0.iter().map(|&r| 2f64.powi(-i32::from(r))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.0.iter().filter(|&&r| r == 0).count();
        let e = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        e.round() as u64
    }

    /// The stored form.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// One hour's sketch per row.
static SKETCHES: Spec = Spec {
    table: "ip_sketches",
    cols: "hour, sketch",
    tail: "ON CONFLICT (hour) DO UPDATE SET sketch = excluded.sketch",
    returning: false,
};

/// Brings the sketches of the hours a batch touched up to date (inside the batch's transaction, after its rollups).
pub(crate) async fn update(tx: &mut Tx, batch: &BTreeMap<i64, HashSet<IpAddr>>) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    // Read, merge, write: the caller holds `bulk::lock_aggregates`, so no other writer (thread or process) changes
    // these sketches before this transaction ends.
    let hours: Vec<i64> = batch.keys().copied().collect();
    let mut stored = bulk::sketches(tx, &hours).await?;
    let (mut hs, mut sk) = (Vec::new(), Vec::new());
    for (h, ips) in batch {
        let s = match stored.remove(h).and_then(Sketch::from_bytes) {
            Some(mut s) => {
                for ip in ips {
                    s.add(*ip);
                }
                s
            }
            // First batch of the hour, or an hour stored before sketches: every address the rollups hold for
            // it, this batch's included.
            None => Sketch::of_keys(bulk::rollup_keys(tx, "src_ip", *h).await?),
        };
        hs.push(*h);
        sk.push(s.into_bytes());
    }
    bulk::write(
        tx,
        &SKETCHES,
        vec![Col::I(hs.into_iter().map(Some).collect()), Col::B(sk)],
    )
    .await?;
    Ok(())
}

/// Estimated distinct addresses over the hours `[from, to)`; hours with rollups but no sketch (stored before
/// sketches existed and not written to since) are read from their rollups once and their sketch kept.
pub(crate) async fn estimate(pool: &AnyPool, from: i64, to: i64) -> Result<u64, StoreError> {
    let vals = || vec![Val::I(Some(from)), Val::I(Some(to))];
    let rows = query(
        "SELECT hour, sketch FROM ip_sketches WHERE hour >= $1 AND hour < $2",
        vals(),
    )
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut all = Sketch::default();
    let mut have = HashSet::new();
    for r in &rows {
        let h: i64 = crate::query::col(r, "hour")?;
        if let Some(s) = Sketch::from_bytes(crate::query::col(r, "sketch")?) {
            all.merge(&s);
            have.insert(h);
        }
    }
    let sql = "SELECT hour FROM rollup_sums WHERE dim = 'src_ip' AND hour >= $1 AND hour < $2";
    let hours = query(sql, vals()).fetch_all(pool).await.map_err(db)?;
    for r in &hours {
        let h: i64 = crate::query::col(r, "hour")?;
        if have.contains(&h) {
            continue;
        }
        let sql = "SELECT key FROM rollups WHERE dim = 'src_ip' AND hour = $1";
        let rows = query(sql, vec![Val::I(Some(h))]).fetch_all(pool).await.map_err(db)?;
        let keys = rows.iter().map(|k| crate::query::col::<String>(k, "key"));
        let s = Sketch::of_keys(keys.collect::<Result<Vec<_>, _>>()?);
        all.merge(&s);
        // Kept, so the hour is read once. A writer that got there first (a late batch) built its sketch from the
        // same rollups plus its batch, so ours yields to it.
        let sql = "INSERT INTO ip_sketches (hour, sketch) VALUES ($1, $2) ON CONFLICT (hour) DO NOTHING";
        query(sql, vec![Val::I(Some(h)), Val::B(s.into_bytes())])
            .execute(pool)
            .await
            .map_err(db)?;
    }
    Ok(all.estimate())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn v4(i: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i))
    }

    #[test]
    fn small_sets_are_exact_and_large_ones_within_five_percent() {
        for n in [0u32, 1, 3, 100] {
            let mut s = Sketch::default();
            for i in 0..n {
                s.add(v4(i));
                s.add(v4(i));
            }
            assert_eq!(s.estimate(), u64::from(n));
        }
        for n in [10_000u32, 300_000] {
            let mut s = Sketch::default();
            for i in 0..n {
                s.add(v4(i));
            }
            let e = s.estimate() as f64;
            assert!((e - f64::from(n)).abs() / f64::from(n) < 0.05, "{n} estimated as {e}");
        }
    }

    #[test]
    fn merging_is_the_union_and_mapped_v4_is_v4() {
        let (mut a, mut b, mut both) = (Sketch::default(), Sketch::default(), Sketch::default());
        for i in 0..5000 {
            a.add(v4(i));
            both.add(v4(i));
        }
        for i in 2500..7500 {
            b.add(v4(i));
            both.add(v4(i));
        }
        a.merge(&b);
        assert_eq!(a, both);
        let mut m = Sketch::default();
        m.add("::ffff:10.0.0.1".parse().unwrap());
        let mut p = Sketch::default();
        p.add(v4(1));
        assert_eq!(m, p);
        assert_eq!(Sketch::from_bytes(vec![0; 7]), None);
    }
}
