//! Model test of the spool, after Vector's `disk_v2` model: random appends, reads, acks, rewinds, crashes and
//! torn tails run against both the real spool and a `VecDeque`, which must agree after every step.
//!
//! The one loss the model allows is the documented one: a crash that tears bytes off the newest segment loses
//! exactly the records those bytes belonged to, and nothing else.

use proptest::prelude::*;

use super::*;

/// Small limits so that rotation, the cap and segment deletion all happen within a short run.
const MAX_BYTES: u64 = 600;
const SEGMENT_BYTES: u64 = 128;

#[derive(Debug, Clone)]
enum Op {
    /// Append a record with this many payload bytes beyond the 8-byte id.
    Append(usize),
    /// Read with this payload-byte limit.
    Read(usize),
    /// Acknowledge this fraction (per 256) of the records handed out.
    Ack(u8),
    /// Make handed-out records unread again.
    Rewind,
    /// Drop the spool and open it again, first cutting this fraction (per 256) of the newest segment's records.
    Crash(Option<u8>),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..90).prop_map(Op::Append),
        1 => (600usize..700).prop_map(Op::Append),
        4 => (0usize..200).prop_map(Op::Read),
        4 => any::<u8>().prop_map(Op::Ack),
        1 => Just(Op::Rewind),
        1 => proptest::option::of(any::<u8>()).prop_map(Op::Crash),
    ]
}

/// The reference: unacknowledged records in order, how many are handed out, and every accepted record still on
/// disk (acknowledged or not) so a torn tail can be mapped to records.
#[derive(Default)]
struct Model {
    queue: VecDeque<(u64, usize)>,
    inflight: usize,
    /// Id and size on disk of every accepted record still on disk, acknowledged or not, oldest first.
    history: Vec<(u64, u64)>,
    dropped: u64,
    next_id: u64,
}

impl Model {
    fn pending_bytes(&self) -> u64 {
        self.queue
            .iter()
            .map(|&(_, len)| (RECORD_HEADER_LEN + len) as u64)
            .sum()
    }
}

fn payload(id: u64, extra: usize) -> Vec<u8> {
    let mut p = id.to_le_bytes().to_vec();
    p.extend(std::iter::repeat_n((id % 251) as u8, extra));
    p
}

fn id_of(p: &[u8]) -> u64 {
    u64::from_le_bytes(p[..8].try_into().expect("payloads start with an 8-byte id"))
}

fn newest_segment(dir: &Path) -> PathBuf {
    let ids = Spool::list_segments(dir).expect("list segments");
    Spool::seg_path(dir, *ids.last().expect("a spool always has a segment"))
}

fn check(spool: &Spool, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(spool.pending_records(), model.queue.len() as u64);
    prop_assert_eq!(spool.pending_bytes(), model.pending_bytes());
    prop_assert_eq!(spool.inflight(), model.inflight);
    prop_assert_eq!(spool.dropped(), model.dropped);
    prop_assert!(spool.pending_bytes() <= MAX_BYTES);
    Ok(())
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = SpoolConfig {
        dir: dir.path().to_path_buf(),
        max_bytes: MAX_BYTES,
        segment_bytes: SEGMENT_BYTES,
    };
    let (mut spool, _) = Spool::open(cfg.clone()).expect("open");
    let mut m = Model::default();
    for op in ops {
        match op {
            Op::Append(extra) => {
                let id = m.next_id;
                m.next_id += 1;
                let p = payload(id, extra);
                let size = (RECORD_HEADER_LEN + p.len()) as u64;
                let fits = m.pending_bytes() + size <= MAX_BYTES;
                let r = spool.append(&p);
                prop_assert_eq!(r.is_ok(), fits, "append of {} bytes: {:?}", size, r);
                if fits {
                    m.queue.push_back((id, p.len()));
                    m.history.push((id, size));
                } else {
                    m.dropped += 1;
                }
            }
            Op::Read(limit) => {
                let got = spool.read(limit).expect("read");
                let mut want = Vec::new();
                let mut total = 0;
                for &(id, len) in m.queue.iter().skip(m.inflight) {
                    if !want.is_empty() && total + len > limit {
                        break;
                    }
                    total += len;
                    want.push(id);
                }
                let got_ids: Vec<u64> = got.iter().map(|p| id_of(p)).collect();
                prop_assert_eq!(&got_ids, &want, "read({}) order", limit);
                for (p, &(id, len)) in got.iter().zip(m.queue.iter().skip(m.inflight)) {
                    prop_assert_eq!(p.len(), len);
                    prop_assert_eq!(&p[..], &payload(id, len - 8)[..]);
                }
                m.inflight += want.len();
            }
            Op::Ack(frac) => {
                let n = m.inflight * frac as usize / 255;
                spool.ack(n).expect("ack");
                for _ in 0..n {
                    m.queue.pop_front().expect("acked more than pending");
                }
                m.inflight -= n;
            }
            Op::Rewind => {
                spool.rewind();
                m.inflight = 0;
            }
            Op::Crash(cut) => {
                drop(spool);
                if let Some(frac) = cut {
                    let seg = newest_segment(dir.path());
                    let len = fs::metadata(&seg).expect("stat").len();
                    let data = len - SEGMENT_HEADER_LEN;
                    let cut_bytes = data * frac as u64 / 256;
                    if cut_bytes > 0 {
                        OpenOptions::new()
                            .write(true)
                            .open(&seg)
                            .expect("open segment")
                            .set_len(len - cut_bytes)
                            .expect("truncate");
                        // A record is lost when the cut reaches into it: when the cut exceeds what follows it.
                        let mut after = 0u64;
                        let mut lost = 0;
                        for &(_, size) in m.history.iter().rev() {
                            if cut_bytes > after {
                                lost += 1;
                                after += size;
                            } else {
                                break;
                            }
                        }
                        let keep = m.history.len() - lost;
                        for &(id, _) in &m.history[keep..] {
                            m.queue.retain(|&(q, _)| q != id);
                        }
                        m.history.truncate(keep);
                    }
                }
                let (s, report) = Spool::open(cfg.clone()).expect("reopen");
                spool = s;
                prop_assert_eq!(report.records, m.queue.len() as u64);
                m.inflight = 0;
                m.dropped = 0;
            }
        }
        check(&spool, &m)?;
    }
    // Finally everything pending comes out once, in order, and nothing else.
    spool.rewind();
    let mut all = Vec::new();
    loop {
        let batch = spool.read(1000).expect("read");
        if batch.is_empty() {
            break;
        }
        spool.ack(batch.len()).expect("ack");
        all.extend(batch.iter().map(|p| id_of(p)));
    }
    let want: Vec<u64> = m.queue.iter().map(|&(id, _)| id).collect();
    prop_assert_eq!(all, want);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn spool_matches_model(ops in proptest::collection::vec(arb_op(), 1..120)) {
        run(ops)?;
    }
}
