//! Where events go: one writer task appends every event to the local JSONL log (and Cowrie's format when asked) and
//! publishes it over hpfeeds through the client's on-disk spool, so nothing accepted is lost when the server is down.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use event::{Event, FileInfo, Kind};
use tokio::sync::mpsc;

use crate::capture::FileStore;
use crate::compat;

/// Events waiting for the writer; a full queue makes sessions wait rather than drop.
const QUEUE: usize = 16_384;

/// A cloneable handle that sessions emit events through.
#[derive(Debug, Clone)]
pub struct Events {
    /// To the writer task.
    tx: mpsc::Sender<Event>,
    /// The sensor name stamped on every event.
    sensor: String,
}

/// The writer task; [`EventWriter::run`] ends when every [`Events`] handle is dropped, after flushing.
pub struct EventWriter {
    /// From the handles.
    rx: mpsc::Receiver<Event>,
    /// `apiary.json` in the log folder.
    log: std::io::BufWriter<std::fs::File>,
    /// Optional publisher (shared with the heartbeat task).
    hpfeeds: Option<Arc<hpfeeds::client::Client>>,
    /// Cowrie compatibility outputs, when switched on.
    cowrie: Option<Cowrie>,
    /// The captured-files folder, read to send a stored file's bytes on `apiary.files`.
    files_dir: PathBuf,
    /// The data folder that `session.end`'s recording names are relative to, read to send them on `apiary.ttylog`.
    data_dir: PathBuf,
    /// The broker refused `apiary.ttylog` (already logged once).
    ttylog_refused: bool,
}

/// Largest captured file whose bytes go to the server on `apiary.files` with its event: what fits in the
/// reference broker's 1 MiB frame beside the event JSON. Larger files stay on the sensor (the event still goes).
pub const MAX_PUBLISHED_FILE: u64 = 960 * 1024;

/// Most bytes of one recording sent on `apiary.ttylog` (the header line aside): what fits in the reference broker's
/// 1 MiB frame. A longer recording is sent cut at a line boundary and marked truncated; the file stays whole here.
pub const MAX_PUBLISHED_RECORDING: usize = 960 * 1024;

/// Cowrie's JSON log and `cowrie.sessions` summaries, for pipelines and MHN servers built around Cowrie.
pub struct Cowrie {
    /// `cowrie.json` beside our log, when `[log] cowrie_json` is set.
    json: Option<std::io::BufWriter<std::fs::File>>,
    /// Sensor name, uuid and download prefix Cowrie's lines carry.
    ctx: compat::CowrieCtx,
    /// Open sessions' summaries, when `[server] cowrie_sessions` is set (bounded: oldest dropped past the cap).
    summaries: Option<HashMap<String, compat::SessionSummary>>,
}

/// Most sessions summarized at once; beyond it the oldest summary is published early.
const MAX_SUMMARIES: usize = 8192;

/// What to write besides our own log.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outputs {
    /// Cowrie's JSON log in `log/cowrie.json`.
    pub cowrie_json: bool,
    /// Cowrie's `cowrie.sessions` summaries over hpfeeds.
    pub cowrie_sessions: bool,
}

/// Opens `dir/log/apiary.json` (and Cowrie's outputs if asked) for appending; returns the handle and its writer.
pub fn open(
    dir: &Path,
    sensor: &str,
    hpfeeds: Option<Arc<hpfeeds::client::Client>>,
    outputs: Outputs,
) -> anyhow::Result<(Events, EventWriter)> {
    let log_dir = dir.join("log");
    std::fs::create_dir_all(&log_dir).with_context(|| format!("cannot create log folder {}", log_dir.display()))?;
    let path = log_path(dir);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open event log {}", path.display()))?;
    let cowrie = if outputs.cowrie_json || outputs.cowrie_sessions {
        let json = if outputs.cowrie_json {
            let path = log_dir.join("cowrie.json");
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot open Cowrie log {}", path.display()))?;
            Some(std::io::BufWriter::new(f))
        } else {
            None
        };
        Some(Cowrie {
            json,
            ctx: compat::CowrieCtx::new(sensor),
            summaries: outputs.cowrie_sessions.then(HashMap::new),
        })
    } else {
        None
    };
    let (tx, rx) = mpsc::channel(QUEUE);
    Ok((
        Events {
            tx,
            sensor: sensor.to_owned(),
        },
        EventWriter {
            rx,
            log: std::io::BufWriter::new(file),
            hpfeeds,
            cowrie,
            files_dir: dir.join("files"),
            data_dir: dir.to_path_buf(),
            ttylog_refused: false,
        },
    ))
}

/// The JSONL event log inside the data folder.
pub fn log_path(dir: &Path) -> PathBuf {
    dir.join("log").join("apiary.json")
}

impl EventWriter {
    /// Writes events until every handle is gone; flushes the log whenever the queue runs dry.
    pub async fn run(mut self) {
        while let Some(first) = self.rx.recv().await {
            let mut batch = vec![first];
            while batch.len() < 512 {
                match self.rx.try_recv() {
                    Ok(e) => batch.push(e),
                    Err(_) => break,
                }
            }
            for e in &batch {
                let line = e.to_json();
                if let Err(err) = writeln!(self.log, "{line}") {
                    tracing::error!(%err, "cannot write the event log; is the disk full?");
                }
                let summary = self.cowrie.as_mut().and_then(|c| c.write(e));
                if let Some(client) = &self.hpfeeds {
                    let (channel, payload) = match &e.kind {
                        Kind::FileDownload(f) | Kind::FileUpload(f) => {
                            (event::CHANNEL_FILES, files_payload(line, f, &self.files_dir))
                        }
                        _ => (event::CHANNEL_EVENTS, line.into_bytes()),
                    };
                    if let Err(err) = client.publish(channel, payload).await {
                        tracing::warn!(%err, "cannot queue an event for the server");
                    }
                    if let Kind::SessionEnd { recordings, .. } = &e.kind {
                        for name in recordings {
                            let Some(p) = ttylog_payload(&self.data_dir, &e.sensor, &e.session, name) else {
                                continue;
                            };
                            match client.publish(event::CHANNEL_TTYLOG, p).await {
                                Ok(()) => {}
                                // Said once: an ident made before recordings were sent lacks the channel.
                                Err(hpfeeds::client::ClientError::Rejected { .. }) => {
                                    if !self.ttylog_refused {
                                        self.ttylog_refused = true;
                                        tracing::warn!(
                                            "the server refuses apiary.ttylog from this sensor's ident; recordings \
                                             stay on the sensor until the ident may publish on that channel"
                                        );
                                    }
                                }
                                Err(err) => tracing::warn!(%err, "cannot queue a session recording for the server"),
                            }
                        }
                    }
                    if let Some(summary) = summary {
                        if let Err(err) = client
                            .publish(compat::cowrie_sessions::CHANNEL, summary.into_bytes())
                            .await
                        {
                            tracing::warn!(%err, "cannot queue a cowrie.sessions summary");
                        }
                    }
                }
            }
            if let Err(err) = self.log.flush() {
                tracing::error!(%err, "cannot flush the event log");
            }
            if let Some(Cowrie { json: Some(f), .. }) = &mut self.cowrie {
                if let Err(err) = f.flush() {
                    tracing::error!(%err, "cannot flush the Cowrie log");
                }
            }
        }
        if let Some(client) = &self.hpfeeds {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), client.flush()).await;
        }
    }
}

/// An `apiary.files` payload: the event's JSON line, then `\n` and the stored file's bytes when it has some that fit.
fn files_payload(line: String, f: &FileInfo, files_dir: &Path) -> Vec<u8> {
    let mut payload = line.into_bytes();
    let Some(sha) = f
        .sha256
        .as_deref()
        .filter(|s| f.stored && s.len() == 64 && f.size <= MAX_PUBLISHED_FILE)
    else {
        return payload;
    };
    let path = files_dir.join(&sha[..2]).join(sha);
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() as u64 <= MAX_PUBLISHED_FILE => {
            payload.reserve(bytes.len() + 1);
            payload.push(b'\n');
            payload.extend_from_slice(&bytes);
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(%err, path = %path.display(), "cannot read a captured file to publish it"),
    }
    payload
}

/// An `apiary.ttylog` payload for the finished recording `name` (relative to `data_dir`, as `session.end` lists it):
/// a JSON header line, `\n`, then the cast's bytes up to [`MAX_PUBLISHED_RECORDING`], cut after the last whole line.
/// `None` (logged) when the name is not one of ours or the file cannot be read.
fn ttylog_payload(data_dir: &Path, sensor: &str, session: &str, name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let ours = name
        .strip_prefix("recordings/")
        .is_some_and(|f| f.ends_with(".cast") && !f.starts_with('.') && !f.contains(['/', '\\']));
    if !ours {
        tracing::warn!(name, "not a recording name this sensor makes; not sent");
        return None;
    }
    let path = data_dir.join(name);
    let read = || -> std::io::Result<(u64, Vec<u8>)> {
        let f = std::fs::File::open(&path)?;
        let size = f.metadata()?.len();
        let mut body = Vec::new();
        f.take(MAX_PUBLISHED_RECORDING as u64).read_to_end(&mut body)?;
        Ok((size, body))
    };
    let (size, mut body) = match read() {
        Ok(v) => v,
        Err(err) => {
            tracing::warn!(%err, path = %path.display(), "cannot read a session recording to send it");
            return None;
        }
    };
    // A partial last line (the cap cut it, or a write was in flight) is left out so every line sent parses.
    let whole = body.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    body.truncate(whole);
    let header = serde_json::json!({
        "session": session,
        "sensor": sensor,
        "name": name,
        "size": size,
        "sha256": sha256_hex(&body),
        "truncated": (body.len() as u64) < size,
    });
    let mut payload = header.to_string().into_bytes();
    payload.reserve(body.len() + 1);
    payload.push(b'\n');
    payload.extend_from_slice(&body);
    Some(payload)
}

impl Cowrie {
    /// Writes the Cowrie lines of `e`; returns a finished `cowrie.sessions` summary when `e` ends a session.
    fn write(&mut self, e: &Event) -> Option<String> {
        if !compat::applies_to(e) {
            return None;
        }
        if let Some(f) = &mut self.json {
            for line in compat::lines(e, &self.ctx) {
                if let Err(err) = writeln!(f, "{line}") {
                    tracing::error!(%err, "cannot write the Cowrie log");
                }
            }
        }
        let summaries = self.summaries.as_mut()?;
        if !summaries.contains_key(&e.session) && summaries.len() >= MAX_SUMMARIES {
            // Bounded memory under a flood of half-open sessions: the summary of an arbitrary open one is lost.
            let victim = summaries.keys().next().cloned();
            if let Some(v) = victim {
                summaries.remove(&v);
            }
        }
        let summary = summaries.entry(e.session.clone()).or_default();
        summary.add(e);
        if matches!(e.kind, Kind::SessionEnd { .. }) {
            return summaries.remove(&e.session).map(|s| s.finish());
        }
        None
    }
}

/// The fixed facts of one connection, stamped on each of its events.
#[derive(Debug, Clone)]
pub struct Conn {
    /// 12 hex digits, as Cowrie's.
    pub session: String,
    /// `apiary-ssh` or `apiary-telnet`.
    pub honeypot: &'static str,
    /// `ssh` or `telnet`.
    pub proto: &'static str,
    /// The attacker.
    pub peer: SocketAddr,
    /// Our listening address.
    pub local: SocketAddr,
    /// The emitter.
    pub events: Events,
    /// Files already reported as uploads (`path`, SHA-256), so the end-of-session sweep does not repeat them.
    reported: Arc<std::sync::Mutex<HashSet<(String, String)>>>,
    /// Recordings made for this connection, relative to the data folder.
    recordings: Arc<std::sync::Mutex<Vec<String>>>,
    /// Where captured files are stored (none in unit tests).
    files: Option<Arc<FileStore>>,
}

impl Conn {
    /// A new connection with a fresh random session id.
    pub fn new(
        events: Events,
        files: Option<Arc<FileStore>>,
        honeypot: &'static str,
        proto: &'static str,
        peer: SocketAddr,
        local: SocketAddr,
    ) -> Conn {
        let session = format!("{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff);
        Conn {
            session,
            honeypot,
            proto,
            peer,
            local,
            events,
            reported: Arc::default(),
            recordings: Arc::default(),
            files,
        }
    }

    /// Stores a captured file by SHA-256 (never executable) and fills in what the store learned; a store failure is
    /// logged and the event says why the file is missing.
    async fn store(&self, data: Arc<[u8]>, info: &mut FileInfo) {
        let Some(files) = self.files.clone() else {
            return;
        };
        match tokio::task::spawn_blocking(move || files.put(&data)).await {
            Ok(Ok(stored)) => {
                info.sha256 = Some(stored.sha256);
                info.md5 = Some(stored.md5);
                info.sha1 = Some(stored.sha1);
                info.mime = Some(stored.mime);
                info.stored = true;
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "cannot store a captured file; is the disk full?");
                info.reason = Some(format!("not stored: {e}"));
            }
            Err(_) => info.reason = Some("not stored: store task failed".to_owned()),
        }
    }

    /// Reports a file the attacker fetched (`wget`, `curl`, `tftp`): stored, then a `file.download` event.
    pub async fn capture_download(&self, url: String, saved_as: Option<String>, body: Arc<[u8]>) {
        let mut info = FileInfo {
            url: Some(url),
            filename: saved_as,
            sha256: Some(sha256_hex(&body)),
            md5: None,
            sha1: None,
            size: body.len() as u64,
            mime: None,
            stored: false,
            reason: None,
        };
        self.store(body, &mut info).await;
        self.emit(Kind::FileDownload(info)).await;
    }

    /// Reports a file the attacker put on the machine (SFTP, scp, or written in the session), once per path and
    /// content: stored, then a `file.upload` event.
    pub async fn capture_upload(&self, path: &str, data: Arc<[u8]>, reason: Option<&str>) {
        let sha = sha256_hex(&data);
        let key = (path.to_owned(), sha.clone());
        let fresh = self
            .reported
            .lock()
            .map(|mut r| r.len() < 10_000 && r.insert(key))
            .unwrap_or(false);
        if !fresh {
            return;
        }
        let mut info = FileInfo {
            url: None,
            filename: Some(path.to_owned()),
            sha256: Some(sha),
            md5: None,
            sha1: None,
            size: data.len() as u64,
            mime: None,
            stored: false,
            reason: reason.map(str::to_owned),
        };
        self.store(data, &mut info).await;
        self.emit(Kind::FileUpload(info)).await;
    }

    /// A unique recording name for the next channel of this connection: `<session>-<n>`.
    pub fn next_recording_id(&self) -> String {
        let n = self.recordings.lock().map(|r| r.len()).unwrap_or(0);
        format!("{}-{n}", self.session)
    }

    /// Remembers a recording file, for the `session.end` event.
    pub fn note_recording(&self, path: String) {
        if let Ok(mut r) = self.recordings.lock() {
            if r.len() < 100 {
                r.push(path);
            }
        }
    }

    /// The recordings made so far.
    pub fn recordings(&self) -> Vec<String> {
        self.recordings.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Emits one event of this connection; waits if the writer is behind.
    ///
    /// The wait is boxed: every front end awaits this from its protocol handler, and an inline event and channel
    /// send would grow each connection's state machine (measured: the russh session future was 26 KB).
    pub async fn emit(&self, kind: Kind) {
        Box::pin(self.send(kind)).await
    }

    /// Builds and queues the event.
    async fn send(&self, kind: Kind) {
        let e = Event {
            id: event::id::new_id(),
            ts: Event::now(),
            sensor: self.events.sensor.clone(),
            honeypot: self.honeypot.to_owned(),
            session: self.session.clone(),
            proto: self.proto.to_owned(),
            src_ip: self.peer.ip().to_canonical(),
            src_port: self.peer.port(),
            dst_ip: Some(self.local.ip().to_canonical()),
            dst_port: self.local.port(),
            kind,
        };
        if self.events.tx.send(e).await.is_err() {
            tracing::error!("event writer is gone; event lost");
        }
    }
}

/// Lowercase hex SHA-256.
fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_payload_carries_the_stored_bytes_after_the_event_line() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path()).unwrap();
        let stored = store.put(b"#!/bin/sh\necho hi\n").unwrap();
        let info = FileInfo {
            sha256: Some(stored.sha256.clone()),
            size: stored.size,
            stored: true,
            ..FileInfo::default()
        };
        let p = files_payload("{\"kind\":\"file.upload\"}".into(), &info, dir.path());
        assert_eq!(p, b"{\"kind\":\"file.upload\"}\n#!/bin/sh\necho hi\n");
        let not_stored = FileInfo {
            stored: false,
            ..info.clone()
        };
        assert_eq!(files_payload("{}".into(), &not_stored, dir.path()), b"{}");
        let too_big = FileInfo {
            size: MAX_PUBLISHED_FILE + 1,
            ..info
        };
        assert_eq!(files_payload("{}".into(), &too_big, dir.path()), b"{}");
    }

    fn split(p: &[u8]) -> (serde_json::Value, &[u8]) {
        let nl = p.iter().position(|&b| b == b'\n').unwrap();
        (serde_json::from_slice(&p[..nl]).unwrap(), &p[nl + 1..])
    }

    #[test]
    fn ttylog_payload_carries_the_whole_cast_after_a_header() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("recordings")).unwrap();
        let cast = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"$ \"]\n";
        std::fs::write(dir.path().join("recordings/abc-0.cast"), cast).unwrap();
        let p = ttylog_payload(dir.path(), "s1", "abc", "recordings/abc-0.cast").unwrap();
        let (h, body) = split(&p);
        assert_eq!(body, cast.as_bytes());
        assert_eq!(h["session"], "abc");
        assert_eq!(h["sensor"], "s1");
        assert_eq!(h["name"], "recordings/abc-0.cast");
        assert_eq!(h["size"], cast.len());
        assert_eq!(h["sha256"], sha256_hex(cast.as_bytes()));
        assert_eq!(h["truncated"], false);
        assert!(ttylog_payload(dir.path(), "s1", "abc", "recordings/missing.cast").is_none());
        assert!(ttylog_payload(dir.path(), "s1", "abc", "../etc/passwd").is_none());
        assert!(ttylog_payload(dir.path(), "s1", "abc", "recordings/../x.cast").is_none());
    }

    #[test]
    fn ttylog_payload_cuts_a_long_cast_at_a_line_boundary() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("recordings")).unwrap();
        let mut cast = String::from("{\"version\": 2, \"width\": 80, \"height\": 24}\n");
        let mut n = 0u32;
        while cast.len() <= MAX_PUBLISHED_RECORDING + 1000 {
            cast.push_str(&format!("[{n}.5, \"o\", \"line {n} of a long session\\r\\n\"]\n"));
            n += 1;
        }
        std::fs::write(dir.path().join("recordings/big-0.cast"), &cast).unwrap();
        let p = ttylog_payload(dir.path(), "s1", "big", "recordings/big-0.cast").unwrap();
        let (h, body) = split(&p);
        assert!(body.len() <= MAX_PUBLISHED_RECORDING && body.len() > MAX_PUBLISHED_RECORDING - 100);
        assert!(body.ends_with(b"\n") && cast.as_bytes().starts_with(body));
        assert_eq!(h["truncated"], true);
        assert_eq!(h["size"], cast.len());
        assert_eq!(h["sha256"], sha256_hex(body));
    }
}
