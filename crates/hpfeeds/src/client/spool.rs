//! The on-disk spool: a bounded, ordered, crash-tolerant queue of records (encoded PUBLISH frames) that the
//! client has accepted but the broker has not yet confirmed.
//!
//! # Why it exists
//! A sensor must not lose the events it accepted while the broker is unreachable, nor when the sensor
//! itself restarts. The client therefore writes every publish here first and deletes it only once the
//! connection has survived long enough after sending it (see `client/mod.rs`, "Delivery guarantee").
//!
//! # Format (version 1)
//! The spool is a directory holding:
//! - `lock`: held with `flock(LOCK_EX)` while a process has the spool open, so two clients never share one.
//! - `NNNNNNNNNNNNNNNN.seg`: segment files, the id as 16 lowercase hex digits, read in id order.
//!   Each starts with the 8-byte magic [`SEGMENT_MAGIC`], then records back to back:
//!   ```text
//!   u32 LE  len     payload length in bytes
//!   u32 LE  crc     CRC-32 (IEEE) of the 4 len bytes followed by the payload
//!   [len]   payload
//!   ```
//!   New records are appended to the last segment; a new segment starts when the last one would grow past
//!   `segment_bytes`. A segment is deleted once every record in it is acknowledged.
//! - `ack`: the read position, `u64 LE segment id`, `u64 LE byte offset`, `u32 LE CRC-32 of those 16 bytes`,
//!   rewritten in place after every acknowledgement. Records before it are done.
//!
//! # Crash behaviour
//! Every append is one `write(2)` and every acknowledgement one `pwrite(2)`, with no user-space buffer, so a
//! process crash loses nothing that `append` had returned `Ok` for. There is no `fsync`: after a power
//! loss the newest records may be missing or torn. On open, every segment is scanned; at the first record
//! whose length or CRC does not check out the segment is truncated there (a torn tail after a crash is the
//! normal case; in an older segment it means disk corruption and the rest of that segment is lost). The
//! bytes cut are reported in [`OpenReport::truncated_bytes`] and logged. A missing or torn `ack` file makes
//! the spool start again from its oldest segment: records may be delivered twice, never lost.
//!
//! # Bounds
//! The records not yet acknowledged (header included, [`RECORD_HEADER_LEN`] bytes each) never exceed
//! `max_bytes`: an append that would exceed it is refused with [`SpoolError::Full`] and counted in
//! [`Spool::dropped`]. Disk use is at most `max_bytes` plus one segment (the acknowledged head of the oldest
//! segment waits for the rest of that segment) plus the segment header.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};

/// Magic that opens every segment file, so a stray file is never taken for a segment (and the format can change).
pub const SEGMENT_MAGIC: &[u8; 8] = b"HPFSPL01";

/// Length of the segment header (the magic).
pub const SEGMENT_HEADER_LEN: u64 = SEGMENT_MAGIC.len() as u64;

/// Per-record overhead on disk: length and CRC, four bytes each. It counts towards `max_bytes`.
pub const RECORD_HEADER_LEN: usize = 8;

/// Largest record the spool accepts or believes when scanning: well above any hpfeeds frame (1 MiB + 5), and
/// small enough that a corrupted length field never makes us allocate gigabytes.
pub const MAX_RECORD_LEN: usize = 16 * 1024 * 1024;

/// Default cap on unacknowledged bytes: 256 MiB holds hours of a busy sensor's events.
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Default segment size: small enough that acknowledged data is freed soon, large enough that files are few.
pub const DEFAULT_SEGMENT_BYTES: u64 = 4 * 1024 * 1024;

/// Length of the `ack` file: segment id, offset, CRC.
const ACK_LEN: usize = 20;

/// Name of the read-position file.
const ACK_FILE: &str = "ack";

/// Name of the lock file.
const LOCK_FILE: &str = "lock";

/// Extension of segment files.
const SEGMENT_EXT: &str = "seg";

/// Where and how large the spool is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolConfig {
    /// Directory of the spool; created if missing. One process at a time: a second one gets [`SpoolError::Locked`].
    pub dir: PathBuf,
    /// Cap on unacknowledged bytes (records plus 8 bytes each). Default [`DEFAULT_MAX_BYTES`]. Publishes beyond it
    /// are dropped and counted, so size it for the longest broker outage you want to ride out.
    pub max_bytes: u64,
    /// Target size of one segment file. Default [`DEFAULT_SEGMENT_BYTES`]; disk use can exceed `max_bytes` by this much.
    pub segment_bytes: u64,
}

impl SpoolConfig {
    /// A spool in `dir` with the default size limits.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SpoolConfig {
            dir: dir.into(),
            max_bytes: DEFAULT_MAX_BYTES,
            segment_bytes: DEFAULT_SEGMENT_BYTES,
        }
    }
}

/// Why a spool operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// The record would push the unacknowledged bytes past the cap; it was dropped and counted.
    #[error("spool full: a {len}-byte record does not fit ({pending} of {max} bytes pending); the record was dropped — raise max_bytes or restore the broker connection")]
    Full {
        /// Size of the refused record on disk, header included.
        len: usize,
        /// Bytes already pending.
        pending: u64,
        /// The cap.
        max: u64,
    },
    /// A file operation failed.
    #[error("spool I/O on {}: {source}; check that the directory is writable and the disk not full", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// Another process holds the spool.
    #[error("spool directory {} is in use by another process; give each client its own spool directory", .0.display())]
    Locked(PathBuf),
    /// A record no longer matched its CRC when read back; the spool was rescanned and the bad part cut off.
    #[error("spool record in {} at offset {offset} is corrupt; the spool was rescanned and {lost} bytes were cut", path.display())]
    Corrupt {
        /// The segment file.
        path: PathBuf,
        /// Offset of the bad record.
        offset: u64,
        /// Bytes cut by the rescan.
        lost: u64,
    },
}

/// What opening the spool found on disk, so the caller can log it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Records waiting to be sent.
    pub records: u64,
    /// Their bytes on disk, headers included.
    pub bytes: u64,
    /// Bytes cut because they were torn or corrupt (a crash's torn tail, or disk damage).
    pub truncated_bytes: u64,
}

/// A position in the spool: segment id and byte offset inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pos {
    seg: u64,
    off: u64,
}

/// One segment file: its id and the length of its valid prefix.
#[derive(Debug)]
struct Segment {
    id: u64,
    len: u64,
}

/// A bounded on-disk FIFO with a separate read cursor (what was handed out) and ack cursor (what is done).
///
/// `read` hands records out, `ack` retires the oldest handed-out ones, `rewind` hands the unacknowledged ones out
/// again (after a connection loss).
#[derive(Debug)]
pub struct Spool {
    cfg: SpoolConfig,
    /// Oldest first; the last one is appended to. Never empty.
    segments: VecDeque<Segment>,
    /// Append handle on the last segment.
    writer: File,
    /// Read handle, cached for the segment being read.
    reader: Option<(u64, File)>,
    /// The ack file, rewritten in place.
    ack_file: File,
    /// Held for the spool's lifetime; dropping it releases the `flock`.
    _lock: File,
    ack: Pos,
    read: Pos,
    /// End position and on-disk size of each record handed out but not acknowledged, oldest first.
    inflight: VecDeque<(Pos, u64)>,
    pending_records: u64,
    pending_bytes: u64,
    dropped: u64,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn record_crc(len_bytes: [u8; 4], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&len_bytes);
    h.update(payload);
    h.finalize()
}

fn encode_ack(pos: Pos) -> [u8; ACK_LEN] {
    let mut b = [0u8; ACK_LEN];
    b[0..8].copy_from_slice(&pos.seg.to_le_bytes());
    b[8..16].copy_from_slice(&pos.off.to_le_bytes());
    let crc = crc32fast::hash(&b[0..16]);
    b[16..20].copy_from_slice(&crc.to_le_bytes());
    b
}

fn decode_ack(b: &[u8]) -> Option<Pos> {
    if b.len() < ACK_LEN {
        return None;
    }
    let crc = u32::from_le_bytes(b[16..20].try_into().ok()?);
    if crc32fast::hash(&b[0..16]) != crc {
        return None;
    }
    Some(Pos {
        seg: u64::from_le_bytes(b[0..8].try_into().ok()?),
        off: u64::from_le_bytes(b[8..16].try_into().ok()?),
    })
}

/// Takes an exclusive, non-blocking `flock` on `file`.
fn lock_exclusive(file: &File) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: `flock` only reads the descriptor number, which `file` keeps open for the duration of the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(err)
    }
}

/// Result of scanning one segment: its valid length and the record boundaries found at or after `from`.
struct Scan {
    valid_len: u64,
    /// Offsets just past each valid record, in order.
    ends: Vec<u64>,
}

/// Walks the records of a segment and stops at the first one that is torn or fails its CRC.
fn scan_segment(file: &File, file_len: u64) -> io::Result<Scan> {
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut magic = [0u8; SEGMENT_HEADER_LEN as usize];
    if file_len < SEGMENT_HEADER_LEN || r.read_exact(&mut magic).is_err() || &magic != SEGMENT_MAGIC {
        return Ok(Scan {
            valid_len: 0,
            ends: Vec::new(),
        });
    }
    let mut off = SEGMENT_HEADER_LEN;
    let mut ends = Vec::new();
    let mut payload = Vec::new();
    loop {
        let mut hdr = [0u8; RECORD_HEADER_LEN];
        if file_len - off < RECORD_HEADER_LEN as u64 || r.read_exact(&mut hdr).is_err() {
            break;
        }
        let len_bytes = [hdr[0], hdr[1], hdr[2], hdr[3]];
        let len = u32::from_le_bytes(len_bytes) as usize;
        let crc = u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]);
        let size = (RECORD_HEADER_LEN + len) as u64;
        if len > MAX_RECORD_LEN || file_len - off < size {
            break;
        }
        payload.resize(len, 0);
        if r.read_exact(&mut payload).is_err() || record_crc(len_bytes, &payload) != crc {
            break;
        }
        off += size;
        ends.push(off);
    }
    Ok(Scan { valid_len: off, ends })
}

impl Spool {
    /// Opens (or creates) the spool, locks it, cuts any torn tail and positions the reader at the oldest
    /// unacknowledged record.
    pub fn open(cfg: SpoolConfig) -> Result<(Spool, OpenReport), SpoolError> {
        let dir = cfg.dir.clone();
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        if !lock_exclusive(&lock).map_err(io_err(&lock_path))? {
            return Err(SpoolError::Locked(dir));
        }
        let ack_path = dir.join(ACK_FILE);
        let ack_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&ack_path)
            .map_err(io_err(&ack_path))?;
        let (state, report) = Self::load(&cfg, &ack_file)?;
        let mut spool = Spool {
            cfg,
            segments: state.segments,
            writer: state.writer,
            reader: None,
            ack_file,
            _lock: lock,
            ack: state.ack,
            read: state.ack,
            inflight: VecDeque::new(),
            pending_records: state.pending_records,
            pending_bytes: state.pending_bytes,
            dropped: 0,
        };
        spool.persist_ack()?;
        Ok((spool, report))
    }

    fn seg_path(dir: &Path, id: u64) -> PathBuf {
        dir.join(format!("{id:016x}.{SEGMENT_EXT}"))
    }

    /// Lists the segment ids present in `dir`, sorted.
    fn list_segments(dir: &Path) -> Result<Vec<u64>, SpoolError> {
        let mut ids = Vec::new();
        for entry in fs::read_dir(dir).map_err(io_err(dir))? {
            let entry = entry.map_err(io_err(dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(stem) = name.strip_suffix(".seg") else {
                continue;
            };
            if stem.len() == 16 {
                if let Ok(id) = u64::from_str_radix(stem, 16) {
                    ids.push(id);
                }
            }
        }
        ids.sort_unstable();
        Ok(ids)
    }

    /// Creates a fresh segment file holding only the header.
    fn create_segment(dir: &Path, id: u64) -> Result<File, SpoolError> {
        let path = Self::seg_path(dir, id);
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .read(true)
            .open(&path)
            .map_err(io_err(&path))?;
        f.write_all(SEGMENT_MAGIC).map_err(io_err(&path))?;
        Ok(f)
    }

    /// Reads the directory into a consistent state: segments scanned and cut, ack position normalized.
    fn load(cfg: &SpoolConfig, ack_file: &File) -> Result<(Loaded, OpenReport), SpoolError> {
        let dir = &cfg.dir;
        let mut buf = [0u8; ACK_LEN];
        let saved_ack = match ack_file.read_exact_at(&mut buf, 0) {
            Ok(()) => decode_ack(&buf),
            Err(_) => None,
        };
        let ids = Self::list_segments(dir)?;
        let mut report = OpenReport::default();
        let mut ack = match (saved_ack, ids.first()) {
            (Some(a), Some(&first)) if a.seg >= first => a,
            (Some(a), None) => Pos {
                seg: a.seg.max(1),
                off: SEGMENT_HEADER_LEN,
            },
            (None, Some(_)) if ack_file.metadata().map(|m| m.len()).unwrap_or(0) > 0 => {
                tracing::warn!(dir = %dir.display(), "Spool ack file is torn; replaying from the oldest segment, so some messages may be sent twice.");
                Pos { seg: 0, off: 0 }
            }
            _ => Pos { seg: 0, off: 0 },
        };
        let mut segments = VecDeque::new();
        let mut pending_records = 0u64;
        let mut pending_bytes = 0u64;
        for &id in &ids {
            let path = Self::seg_path(dir, id);
            if id < ack.seg {
                // Fully acknowledged before a crash that came between writing the ack and deleting the file.
                fs::remove_file(&path).map_err(io_err(&path))?;
                continue;
            }
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(io_err(&path))?;
            let file_len = file.metadata().map_err(io_err(&path))?.len();
            let scan = scan_segment(&file, file_len).map_err(io_err(&path))?;
            let mut valid_len = scan.valid_len;
            if valid_len < SEGMENT_HEADER_LEN {
                // Torn while being created, or not ours at all: start it afresh.
                file.set_len(0).map_err(io_err(&path))?;
                file.write_all_at(SEGMENT_MAGIC, 0).map_err(io_err(&path))?;
                valid_len = SEGMENT_HEADER_LEN;
            }
            if valid_len != file_len {
                let cut = file_len.saturating_sub(valid_len);
                report.truncated_bytes += cut;
                tracing::warn!(segment = %path.display(), cut, "Spool segment had a torn or corrupt tail; cut it off.");
                file.set_len(valid_len).map_err(io_err(&path))?;
            }
            // Records at or after the ack position are pending.
            let start = if id == ack.seg {
                // Snap the ack to the last record boundary at or before it: replays rather than skips.
                let boundary = scan
                    .ends
                    .iter()
                    .copied()
                    .filter(|&e| e <= valid_len && e <= ack.off)
                    .max()
                    .unwrap_or(SEGMENT_HEADER_LEN);
                ack.off = boundary;
                boundary
            } else {
                if segments.is_empty() {
                    ack = Pos {
                        seg: id,
                        off: SEGMENT_HEADER_LEN,
                    };
                }
                SEGMENT_HEADER_LEN
            };
            let mut prev = SEGMENT_HEADER_LEN;
            for &end in scan.ends.iter().filter(|&&e| e <= valid_len) {
                if prev >= start {
                    pending_records += 1;
                    pending_bytes += end - prev;
                }
                prev = end;
            }
            segments.push_back(Segment { id, len: valid_len });
        }
        if segments.is_empty() {
            let id = ack.seg.max(1);
            Self::create_segment(dir, id)?;
            segments.push_back(Segment {
                id,
                len: SEGMENT_HEADER_LEN,
            });
            ack = Pos {
                seg: id,
                off: SEGMENT_HEADER_LEN,
            };
        }
        let last = segments.back().map(|s| s.id).unwrap_or(1);
        let last_path = Self::seg_path(dir, last);
        let writer = OpenOptions::new()
            .append(true)
            .open(&last_path)
            .map_err(io_err(&last_path))?;
        report.records = pending_records;
        report.bytes = pending_bytes;
        let mut loaded = Loaded {
            segments,
            writer,
            ack,
            pending_records,
            pending_bytes,
        };
        loaded.skip_finished_segments(dir)?;
        Ok((loaded, report))
    }

    /// Appends one record. Refuses (and counts) it if the cap would be exceeded.
    pub fn append(&mut self, payload: &[u8]) -> Result<(), SpoolError> {
        let size = (RECORD_HEADER_LEN + payload.len()) as u64;
        if payload.len() > MAX_RECORD_LEN || self.pending_bytes + size > self.cfg.max_bytes {
            self.dropped += 1;
            return Err(SpoolError::Full {
                len: size as usize,
                pending: self.pending_bytes,
                max: self.cfg.max_bytes,
            });
        }
        let last_len = self.segments.back().map(|s| s.len).unwrap_or(SEGMENT_HEADER_LEN);
        if last_len > SEGMENT_HEADER_LEN && last_len + size > self.cfg.segment_bytes {
            if let Err(e) = self.rotate() {
                self.dropped += 1;
                return Err(e);
            }
        }
        let len_bytes = (payload.len() as u32).to_le_bytes();
        let mut buf = BytesMut::with_capacity(size as usize);
        buf.extend_from_slice(&len_bytes);
        buf.extend_from_slice(&record_crc(len_bytes, payload).to_le_bytes());
        buf.extend_from_slice(payload);
        let seg = self.segments.back_mut().expect("a spool always has a segment");
        let path = Self::seg_path(&self.cfg.dir, seg.id);
        if let Err(e) = self.writer.write_all(&buf) {
            // Cut whatever part got written so the file stays a sequence of whole records.
            let _ = self.writer.set_len(seg.len);
            self.dropped += 1;
            return Err(io_err(&path)(e));
        }
        seg.len += size;
        self.pending_records += 1;
        self.pending_bytes += size;
        Ok(())
    }

    /// Starts a new segment after the last one.
    fn rotate(&mut self) -> Result<(), SpoolError> {
        let id = self.segments.back().map(|s| s.id + 1).unwrap_or(1);
        self.writer = Self::create_segment(&self.cfg.dir, id)?;
        self.segments.push_back(Segment {
            id,
            len: SEGMENT_HEADER_LEN,
        });
        Ok(())
    }

    fn segment_len(&self, id: u64) -> Option<u64> {
        self.segments.iter().find(|s| s.id == id).map(|s| s.len)
    }

    /// Hands out the next unread records, oldest first: at least one if any is unread, then more while their
    /// payloads total at most `max_bytes`. They stay in the spool until [`Spool::ack`].
    pub fn read(&mut self, max_bytes: usize) -> Result<Vec<Bytes>, SpoolError> {
        let mut out = Vec::new();
        let mut total = 0usize;
        while self.unread() > 0 {
            let seg_len = self.segment_len(self.read.seg).unwrap_or(0);
            if self.read.off >= seg_len {
                match self.segments.iter().find(|s| s.id > self.read.seg) {
                    Some(next) => {
                        self.read = Pos {
                            seg: next.id,
                            off: SEGMENT_HEADER_LEN,
                        };
                        continue;
                    }
                    None => break,
                }
            }
            let pos = self.read;
            let (len_bytes, crc) = match self.read_header_at(pos, seg_len) {
                Some(h) => h,
                None => return Err(self.corrupt(pos)?),
            };
            let len = u32::from_le_bytes(len_bytes) as usize;
            if !out.is_empty() && total + len > max_bytes {
                break;
            }
            let mut payload = BytesMut::zeroed(len);
            let body_ok = match self.reader.as_ref() {
                Some((_, file)) => file
                    .read_exact_at(&mut payload, pos.off + RECORD_HEADER_LEN as u64)
                    .is_ok(),
                None => false,
            };
            if !body_ok || record_crc(len_bytes, &payload) != crc {
                return Err(self.corrupt(pos)?);
            }
            let size = (RECORD_HEADER_LEN + len) as u64;
            total += len;
            self.read.off += size;
            self.inflight.push_back((self.read, size));
            out.push(payload.freeze());
        }
        Ok(out)
    }

    /// Reads the record header at `pos` (opening the segment if needed); `None` if it is unreadable or does not fit.
    fn read_header_at(&mut self, pos: Pos, seg_len: u64) -> Option<([u8; 4], u32)> {
        if self.reader.as_ref().map(|(id, _)| *id) != Some(pos.seg) {
            let f = File::open(Self::seg_path(&self.cfg.dir, pos.seg)).ok()?;
            self.reader = Some((pos.seg, f));
        }
        let (_, file) = self.reader.as_ref()?;
        let mut hdr = [0u8; RECORD_HEADER_LEN];
        file.read_exact_at(&mut hdr, pos.off).ok()?;
        let len = u32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
        if len > MAX_RECORD_LEN || pos.off + (RECORD_HEADER_LEN + len) as u64 > seg_len {
            return None;
        }
        Some((
            [hdr[0], hdr[1], hdr[2], hdr[3]],
            u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]),
        ))
    }

    /// Handles a record that failed its checks on read: rescans the spool and describes what was cut.
    fn corrupt(&mut self, pos: Pos) -> Result<SpoolError, SpoolError> {
        let lost = self.rescan()?;
        Ok(SpoolError::Corrupt {
            path: Self::seg_path(&self.cfg.dir, pos.seg),
            offset: pos.off,
            lost,
        })
    }

    /// Rebuilds the in-memory state from disk after corruption was found; everything unacknowledged is unread again.
    fn rescan(&mut self) -> Result<u64, SpoolError> {
        self.reader = None;
        let (state, report) = Self::load(&self.cfg, &self.ack_file)?;
        self.segments = state.segments;
        self.writer = state.writer;
        self.ack = state.ack;
        self.read = state.ack;
        self.inflight.clear();
        self.pending_records = state.pending_records;
        self.pending_bytes = state.pending_bytes;
        self.persist_ack()?;
        Ok(report.truncated_bytes)
    }

    /// Retires the `n` oldest handed-out records (fewer if fewer are out), persists the position and deletes
    /// segments that are wholly done.
    pub fn ack(&mut self, n: usize) -> Result<(), SpoolError> {
        let n = n.min(self.inflight.len());
        if n == 0 {
            return Ok(());
        }
        for (end, size) in self.inflight.drain(..n) {
            self.ack = end;
            self.pending_records -= 1;
            self.pending_bytes -= size;
        }
        let mut loaded = LoadedRef {
            segments: &mut self.segments,
            ack: &mut self.ack,
        };
        let removed = loaded.skip_finished(&self.cfg.dir)?;
        if removed && self.reader.as_ref().is_some_and(|(id, _)| *id < self.ack.seg) {
            self.reader = None;
        }
        self.persist_ack()
    }

    /// Makes every handed-out but unacknowledged record unread again, for re-sending after a connection loss.
    pub fn rewind(&mut self) {
        self.read = self.ack;
        self.inflight.clear();
    }

    fn persist_ack(&mut self) -> Result<(), SpoolError> {
        let path = self.cfg.dir.join(ACK_FILE);
        self.ack_file
            .write_all_at(&encode_ack(self.ack), 0)
            .map_err(io_err(&path))
    }

    /// Records not yet acknowledged (handed out or not).
    pub fn pending_records(&self) -> u64 {
        self.pending_records
    }

    /// Bytes on disk of the records not yet acknowledged, headers included: what the cap applies to.
    pub fn pending_bytes(&self) -> u64 {
        self.pending_bytes
    }

    /// Records handed out by `read` and not yet acknowledged.
    pub fn inflight(&self) -> usize {
        self.inflight.len()
    }

    /// Records not yet handed out.
    pub fn unread(&self) -> u64 {
        self.pending_records - self.inflight.len() as u64
    }

    /// Records refused since open because the spool was full or the disk failed.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The configuration it was opened with.
    pub fn config(&self) -> &SpoolConfig {
        &self.cfg
    }
}

/// Segment list and positions produced by [`Spool::load`].
struct Loaded {
    segments: VecDeque<Segment>,
    writer: File,
    ack: Pos,
    pending_records: u64,
    pending_bytes: u64,
}

impl Loaded {
    fn skip_finished_segments(&mut self, dir: &Path) -> Result<bool, SpoolError> {
        LoadedRef {
            segments: &mut self.segments,
            ack: &mut self.ack,
        }
        .skip_finished(dir)
    }
}

/// Borrowed view used to share the "delete finished segments" step between open and ack.
struct LoadedRef<'a> {
    segments: &'a mut VecDeque<Segment>,
    ack: &'a mut Pos,
}

impl LoadedRef<'_> {
    /// While the ack sits at the end of a segment that is not the last, moves it to the next one and deletes the
    /// finished file. The ack file must be persisted afterwards; a crash in between only replays nothing (the
    /// file is gone) or finds an older ack (and deletes the file on open).
    fn skip_finished(&mut self, dir: &Path) -> Result<bool, SpoolError> {
        let mut removed = false;
        while self.segments.len() > 1 {
            let front = &self.segments[0];
            let done = front.id < self.ack.seg || (front.id == self.ack.seg && self.ack.off >= front.len);
            if !done {
                break;
            }
            let id = front.id;
            self.segments.pop_front();
            if self.ack.seg == id {
                *self.ack = Pos {
                    seg: self.segments[0].id,
                    off: SEGMENT_HEADER_LEN,
                };
            }
            let path = Spool::seg_path(dir, id);
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&path)(e)),
            }
            removed = true;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod model;

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(dir: &Path, max_bytes: u64, segment_bytes: u64) -> SpoolConfig {
        SpoolConfig {
            dir: dir.to_path_buf(),
            max_bytes,
            segment_bytes,
        }
    }

    fn open(c: &SpoolConfig) -> (Spool, OpenReport) {
        Spool::open(c.clone()).expect("open spool")
    }

    fn drain(s: &mut Spool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let batch = s.read(1 << 20).expect("read");
            if batch.is_empty() {
                return out;
            }
            s.ack(batch.len()).expect("ack");
            out.extend(batch.into_iter().map(|b| b.to_vec()));
        }
    }

    fn seg_files(dir: &Path) -> Vec<PathBuf> {
        Spool::list_segments(dir)
            .expect("list")
            .into_iter()
            .map(|id| Spool::seg_path(dir, id))
            .collect()
    }

    #[test]
    fn segment_bytes_match_the_documented_format() {
        let dir = tempfile::tempdir().unwrap();
        let c = SpoolConfig::new(dir.path());
        let (mut s, _) = open(&c);
        s.append(b"hi").unwrap();
        let seg = fs::read(&seg_files(dir.path())[0]).unwrap();
        #[rustfmt::skip]
        let expect: &[u8] = &[
            b'H', b'P', b'F', b'S', b'P', b'L', b'0', b'1', // magic "HPFSPL01"
            0x02, 0x00, 0x00, 0x00,                         // len 2, little-endian
            0xfb, 0x38, 0x40, 0x65,                         // CRC-32 of len bytes + "hi" (zlib.crc32: 0x654038fb)
            b'h', b'i',                                     // payload "hi"
        ];
        assert_eq!(seg, expect);
    }

    #[test]
    fn unacked_records_survive_reopen_and_acked_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let c = SpoolConfig::new(dir.path());
        {
            let (mut s, report) = open(&c);
            assert_eq!(report, OpenReport::default());
            for m in [&b"one"[..], b"two", b"three"] {
                s.append(m).unwrap();
            }
            let got = s.read(1).unwrap();
            assert_eq!(
                got,
                vec![Bytes::from_static(b"one")],
                "a small limit still yields one record"
            );
            s.ack(1).unwrap();
            // "two" is handed out but never acknowledged: the crash must not lose it.
            assert_eq!(s.read(3).unwrap(), vec![Bytes::from_static(b"two")]);
        }
        let (mut s, report) = open(&c);
        assert_eq!(report.records, 2);
        assert_eq!(report.bytes, 2 * RECORD_HEADER_LEN as u64 + 3 + 5);
        assert_eq!(drain(&mut s), vec![b"two".to_vec(), b"three".to_vec()]);
        drop(s);
        let (mut s, report) = open(&c);
        assert_eq!(report.records, 0);
        assert!(drain(&mut s).is_empty());
    }

    #[test]
    fn torn_tail_is_cut_on_open_and_earlier_records_kept() {
        let dir = tempfile::tempdir().unwrap();
        let c = SpoolConfig::new(dir.path());
        {
            let (mut s, _) = open(&c);
            s.append(b"kept").unwrap();
            s.append(b"torn-record").unwrap();
        }
        let seg = &seg_files(dir.path())[0];
        let len = fs::metadata(seg).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(seg)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        let (mut s, report) = open(&c);
        assert_eq!(report.truncated_bytes, (RECORD_HEADER_LEN + 11 - 3) as u64);
        assert_eq!(report.records, 1);
        s.append(b"after").unwrap();
        assert_eq!(drain(&mut s), vec![b"kept".to_vec(), b"after".to_vec()]);
    }

    #[test]
    fn flipped_bit_fails_the_crc_and_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let c = SpoolConfig::new(dir.path());
        let (mut s, _) = open(&c);
        s.append(b"good").unwrap();
        s.append(b"soon-bad").unwrap();
        s.append(b"lost-with-it").unwrap();
        // Damage the second payload behind the running spool's back.
        let seg = &seg_files(dir.path())[0];
        let off = SEGMENT_HEADER_LEN + (RECORD_HEADER_LEN + 4 + RECORD_HEADER_LEN) as u64;
        let f = OpenOptions::new().write(true).open(seg).unwrap();
        f.write_all_at(b"S", off).unwrap();
        assert_eq!(s.read(4).unwrap(), vec![Bytes::from_static(b"good")]);
        match s.read(1 << 20) {
            Err(SpoolError::Corrupt { lost, .. }) => assert_eq!(lost, (2 * RECORD_HEADER_LEN + 8 + 12) as u64),
            other => panic!("expected Corrupt, got {other:?}"),
        }
        // The rescan made "good" unread again (it was never acknowledged) and dropped the damaged rest.
        assert_eq!(drain(&mut s), vec![b"good".to_vec()]);
    }

    #[test]
    fn torn_ack_file_replays_from_the_oldest_record() {
        let dir = tempfile::tempdir().unwrap();
        let c = SpoolConfig::new(dir.path());
        {
            let (mut s, _) = open(&c);
            s.append(b"a").unwrap();
            s.append(b"b").unwrap();
            s.read(1).unwrap();
            s.ack(1).unwrap();
        }
        fs::write(dir.path().join(ACK_FILE), b"garbage-garbage-garb").unwrap();
        let (mut s, report) = open(&c);
        assert_eq!(report.records, 2, "a torn ack may duplicate, never lose");
        assert_eq!(drain(&mut s), vec![b"a".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn cap_refuses_and_counts_then_frees_space_on_ack() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), 3 * (RECORD_HEADER_LEN as u64 + 10), 1 << 20);
        let (mut s, _) = open(&c);
        for _ in 0..3 {
            s.append(&[7u8; 10]).unwrap();
        }
        assert!(matches!(s.append(&[7u8; 10]), Err(SpoolError::Full { .. })));
        assert!(matches!(s.append(&[7u8; 1]), Err(SpoolError::Full { .. })));
        assert_eq!(s.dropped(), 2);
        let got = s.read(10).unwrap();
        assert_eq!(got.len(), 1);
        // Handed out is still pending: no room yet.
        assert!(s.append(&[7u8; 10]).is_err());
        s.ack(1).unwrap();
        s.append(&[7u8; 10]).unwrap();
        assert_eq!(s.dropped(), 3);
        assert_eq!(s.pending_records(), 3);
    }

    #[test]
    fn segments_rotate_and_are_deleted_once_read() {
        let dir = tempfile::tempdir().unwrap();
        let c = cfg(dir.path(), 1 << 20, 64);
        let (mut s, _) = open(&c);
        for i in 0..20u8 {
            s.append(&[i; 20]).unwrap();
        }
        assert!(seg_files(dir.path()).len() >= 10, "28-byte records in 64-byte segments");
        let got = drain(&mut s);
        assert_eq!(got, (0..20u8).map(|i| vec![i; 20]).collect::<Vec<_>>());
        assert_eq!(seg_files(dir.path()).len(), 1, "only the write segment remains");
        drop(s);
        let (s, report) = open(&c);
        assert_eq!(report.records, 0);
        assert_eq!(s.pending_bytes(), 0);
    }

    #[test]
    fn second_open_of_the_same_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = SpoolConfig::new(dir.path());
        let (_held, _) = open(&c);
        assert!(matches!(Spool::open(c.clone()), Err(SpoolError::Locked(_))));
    }

    #[test]
    fn rewind_hands_out_unacknowledged_records_again_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, _) = open(&SpoolConfig::new(dir.path()));
        for m in [&b"1"[..], b"2", b"3"] {
            s.append(m).unwrap();
        }
        assert_eq!(s.read(2).unwrap().len(), 2);
        s.ack(1).unwrap();
        s.rewind();
        assert_eq!(s.inflight(), 0);
        assert_eq!(drain(&mut s), vec![b"2".to_vec(), b"3".to_vec()]);
    }
}
