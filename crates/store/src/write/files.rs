//! Rare per-event rows, merged per batch and written in bulk: passive fingerprints (`ip_meta`), files seen and
//! stored blobs, and the sessions that dropped each file (`file_sessions`).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::path::Path;

use event::{Event, FileInfo, Fingerprint};

use crate::bulk::{self, Col, Spec, Tx};
use crate::sql::micros;
use crate::{blob, ip, Blob, StoreError};

/// Passive-fingerprint metadata, merged field by field.
static IP_META: Spec = Spec {
    table: "ip_meta",
    cols: "ip, os, link, uptime, distance, app, updated",
    tail: "ON CONFLICT (ip) DO UPDATE SET os = COALESCE(excluded.os, ip_meta.os), \
           link = COALESCE(excluded.link, ip_meta.link), uptime = COALESCE(excluded.uptime, ip_meta.uptime), \
           distance = COALESCE(excluded.distance, ip_meta.distance), app = COALESCE(excluded.app, ip_meta.app), \
           updated = CASE WHEN excluded.updated > ip_meta.updated THEN excluded.updated ELSE ip_meta.updated END",
    returning: false,
};

/// Files by key (SHA-256, else MD5, else SHA-1).
static FILES: Spec = Spec {
    table: "files",
    cols: "key, sha256, sha1, md5, size, mime, first_seen, last_seen, count, stored",
    tail: "ON CONFLICT (key) DO UPDATE SET sha256 = COALESCE(files.sha256, excluded.sha256), \
           sha1 = COALESCE(files.sha1, excluded.sha1), md5 = COALESCE(files.md5, excluded.md5), \
           size = COALESCE(files.size, excluded.size), mime = COALESCE(files.mime, excluded.mime), \
           first_seen = CASE WHEN excluded.first_seen < files.first_seen THEN excluded.first_seen \
           ELSE files.first_seen END, \
           last_seen = CASE WHEN excluded.last_seen > files.last_seen THEN excluded.last_seen ELSE files.last_seen END, \
           count = files.count + excluded.count, \
           stored = CASE WHEN files.stored > excluded.stored THEN files.stored ELSE excluded.stored END",
    returning: false,
};

/// URLs a file was fetched from.
static FILE_URLS: Spec = Spec {
    table: "file_urls",
    cols: "key, url",
    tail: "ON CONFLICT DO NOTHING",
    returning: false,
};

/// The sessions that dropped a file: one row per (file, session), at the session's earliest mention of it.
static FILE_SESSIONS: Spec = Spec {
    table: "file_sessions",
    cols: "key, session_id, ts, src_ip, sensor",
    tail: "ON CONFLICT (key, session_id) DO UPDATE SET \
           ts = CASE WHEN excluded.ts < file_sessions.ts THEN excluded.ts ELSE file_sessions.ts END",
    returning: false,
};

/// One session's drop of one file: earliest time, source address (16 bytes), sensor.
type Dropped = (i64, Vec<u8>, String);

/// What a batch knows about one file (merged in batch order, as sequential upserts would).
#[derive(Debug, Default)]
struct FileDelta {
    /// SHA-256, SHA-1, MD5 (lowercase), first known.
    hashes: [Option<String>; 3],
    /// Size, first known.
    size: Option<i64>,
    /// MIME type, first known.
    mime: Option<String>,
    /// Earliest and latest time seen.
    seen: (i64, i64),
    /// Events that mentioned it.
    count: i64,
    /// Whether its bytes were stored.
    stored: i64,
}

/// The files a batch mentions or stores, and the URLs they came from.
#[derive(Debug, Default)]
pub(super) struct Files {
    /// By key (SHA-256, else MD5, else SHA-1, lowercase), in first-seen order.
    files: Vec<(String, FileDelta)>,
    /// Index into `files` by key.
    index: HashMap<String, usize>,
    /// (key, url) pairs.
    urls: HashSet<(String, String)>,
    /// (key, store-wide session id) → the session's drop (one entry per row, as one upsert may touch a row once).
    drops: HashMap<(String, String), Dropped>,
}

impl Files {
    /// Merges one mention into the file's delta.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        key: String,
        hashes: [Option<&String>; 3],
        size: Option<i64>,
        mime: Option<&String>,
        ts: i64,
        count: i64,
        stored: i64,
    ) {
        let i = *self.index.entry(key.clone()).or_insert_with(|| {
            self.files.push((
                key,
                FileDelta {
                    seen: (ts, ts),
                    ..FileDelta::default()
                },
            ));
            self.files.len() - 1
        });
        let d = &mut self.files[i].1;
        for (have, new) in d.hashes.iter_mut().zip(hashes) {
            if have.is_none() {
                *have = new.map(|h| h.to_ascii_lowercase());
            }
        }
        d.size = d.size.or(size);
        if d.mime.is_none() {
            d.mime = mime.cloned();
        }
        d.seen = (d.seen.0.min(ts), d.seen.1.max(ts));
        d.count += count;
        d.stored = d.stored.max(stored);
    }

    /// A file seen in a download or upload event `e` (its bytes may come later, or never); the event's session, if
    /// it has one, is recorded as having dropped it.
    pub fn seen(&mut self, e: &Event, f: &FileInfo) {
        let Some(key) = f.sha256.as_ref().or(f.md5.as_ref()).or(f.sha1.as_ref()) else {
            return;
        };
        let key = key.to_ascii_lowercase();
        let ts = micros(e.ts);
        if !e.session.is_empty() {
            let sid = crate::rollup::session_id(&e.sensor, &e.session);
            self.drops
                .entry((key.clone(), sid))
                .and_modify(|d| d.0 = d.0.min(ts))
                .or_insert_with(|| (ts, ip::encode(e.src_ip), e.sensor.clone()));
        }
        if let Some(u) = &f.url {
            self.urls.insert((key.clone(), u.clone()));
        }
        let hashes = [f.sha256.as_ref(), f.sha1.as_ref(), f.md5.as_ref()];
        let size = i64::try_from(f.size).ok();
        self.add(key, hashes, size, f.mime.as_ref(), ts, 1, 0);
    }

    /// Stores a blob's bytes on disk and records its hashes.
    pub fn blob(&mut self, dir: &Path, bl: &Blob) -> Result<(), StoreError> {
        let h = blob::hashes(&bl.bytes);
        blob::write(dir, &h.sha256, &bl.bytes)?;
        let size = i64::try_from(bl.bytes.len()).ok();
        let hashes = [Some(&h.sha256), Some(&h.sha1), Some(&h.md5)];
        self.add(
            h.sha256.clone(),
            hashes,
            size,
            bl.mime.as_ref(),
            micros(bl.received),
            0,
            1,
        );
        Ok(())
    }

    /// Upserts the files rows, then the URLs, then the sessions that dropped them.
    pub async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        let mut t: [Vec<Option<String>>; 5] = Default::default();
        let mut i: [Vec<Option<i64>>; 5] = Default::default();
        for (key, d) in self.files {
            let [a, b, c] = d.hashes;
            for (col, v) in t.iter_mut().zip([Some(key), a, b, c, d.mime]) {
                col.push(v);
            }
            let ints = [d.size, Some(d.seen.0), Some(d.seen.1), Some(d.count), Some(d.stored)];
            for (col, v) in i.iter_mut().zip(ints) {
                col.push(v);
            }
        }
        let [key, sha256, sha1, md5, mime] = t;
        let [size, first, last, count, stored] = i;
        let cols = vec![
            Col::T(key),
            Col::T(sha256),
            Col::T(sha1),
            Col::T(md5),
            Col::I(size),
            Col::T(mime),
            Col::I(first),
            Col::I(last),
            Col::I(count),
            Col::I(stored),
        ];
        bulk::write(tx, &FILES, cols).await?;
        let (keys, urls): (Vec<_>, Vec<_>) = self.urls.into_iter().map(|(k, u)| (Some(k), Some(u))).unzip();
        bulk::write(tx, &FILE_URLS, vec![Col::T(keys), Col::T(urls)]).await?;
        let n = self.drops.len();
        let (mut key, mut sid, mut ts, mut src, mut sensor) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for ((k, s), (t, a, sn)) in self.drops {
            key.push(Some(k));
            sid.push(Some(s));
            ts.push(Some(t));
            src.push(a);
            sensor.push(Some(sn));
        }
        let cols = vec![Col::T(key), Col::T(sid), Col::I(ts), Col::B(src), Col::T(sensor)];
        bulk::write(tx, &FILE_SESSIONS, cols).await?;
        Ok(())
    }
}

/// One address's merged fingerprint: os, link, uptime, app; distance; latest time.
type FpDelta = ([Option<String>; 4], Option<i64>, i64);

/// Passive fingerprints of a batch, merged per address (later non-empty fields win, as sequential upserts would).
#[derive(Debug, Default)]
pub(super) struct Fingerprints {
    /// By address.
    by_ip: HashMap<IpAddr, FpDelta>,
}

impl Fingerprints {
    /// Merges one fingerprint.
    pub fn add(&mut self, src: IpAddr, ts: i64, f: &Fingerprint) {
        let e = self.by_ip.entry(src).or_insert_with(|| (Default::default(), None, ts));
        for (have, new) in e.0.iter_mut().zip([&f.os, &f.link, &f.uptime, &f.app]) {
            if new.is_some() {
                have.clone_from(new);
            }
        }
        e.1 = f.distance.map(i64::from).or(e.1);
        e.2 = e.2.max(ts);
    }

    /// Upserts them into `ip_meta`.
    pub async fn write(self, tx: &mut Tx) -> Result<(), StoreError> {
        let mut t: [Vec<Option<String>>; 4] = Default::default();
        let (mut ips, mut dist, mut upd) = (Vec::new(), Vec::new(), Vec::new());
        for (addr, (texts, d, u)) in self.by_ip {
            ips.push(ip::encode(addr));
            for (col, v) in t.iter_mut().zip(texts) {
                col.push(v);
            }
            dist.push(d);
            upd.push(Some(u));
        }
        let [os, link, uptime, app] = t;
        let cols = vec![
            Col::B(ips),
            Col::T(os),
            Col::T(link),
            Col::T(uptime),
            Col::I(dist),
            Col::T(app),
            Col::I(upd),
        ];
        bulk::write(tx, &IP_META, cols).await.map(|_| ())
    }
}
