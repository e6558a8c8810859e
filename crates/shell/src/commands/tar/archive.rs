//! The tar format as GNU tar 1.34 reads and writes it: 512-byte headers with octal (or base-256) numbers and a
//! checksum, GNU `././@LongLink` long names, POSIX ustar name prefixes and pax `x` records.
//!
//! Reading is a pull parser over a [`Stream`] that follows GNU's `read_and` loop: two zero blocks end the archive
//! (one alone earns a warning), a bad header is reported once and then skipped block by block, and member data is
//! read or skipped in bounded chunks, so no declared size is ever trusted for an allocation.

use super::gzip::StreamError;

/// One tar block; headers and data padding are counted in these.
pub(super) const BLOCK: usize = 512;

/// Most bytes of a GNU long name, long link or pax record set kept; the rest of such a member is skipped.
const MAX_META: usize = 64 * 1024;

/// Bytes read from a stream at a time when data is skipped or collected.
const CHUNK: usize = 64 * 1024;

/// Where archive bytes come from: the archive file itself, or the decompressor reading it.
pub(super) trait Stream {
    /// Reads up to `buf.len()` bytes; `Ok(0)` only at the end of the data.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, StreamError>;
}

/// An uncompressed archive already in memory (a file of the fake fs, or stdin).
pub(super) struct Plain<'a> {
    /// The archive bytes.
    data: &'a [u8],
    /// How far reading got.
    pos: usize,
}

impl<'a> Plain<'a> {
    /// A stream over `data`.
    pub(super) fn new(data: &'a [u8]) -> Plain<'a> {
        Plain { data, pos: 0 }
    }
}

impl Stream for Plain<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, StreamError> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
    }
}

/// One archive member as GNU tar decodes it, with long names and pax records already folded in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Member {
    /// The member name as stored (may be absolute, contain `..`, or not be UTF-8).
    pub(super) name: Vec<u8>,
    /// Symlink target or hard link source.
    pub(super) link: Vec<u8>,
    /// The raw type flag (`0`, `5`, `2`…), which decides the listing letter and what extraction makes.
    pub(super) typeflag: u8,
    /// Permission bits (`0o7777`).
    pub(super) mode: u32,
    /// Numeric owner.
    pub(super) uid: u64,
    /// Numeric group.
    pub(super) gid: u64,
    /// Size as listed; data follows for most types (see [`Member::data_len`]).
    pub(super) size: u64,
    /// Modification time, Unix seconds.
    pub(super) mtime: i64,
    /// Owner name, empty in v7 archives.
    pub(super) uname: Vec<u8>,
    /// Group name.
    pub(super) gname: Vec<u8>,
    /// Device major number of a character or block device.
    pub(super) major: u64,
    /// Device minor number.
    pub(super) minor: u64,
    /// Offset of a GNU multi-volume continuation, listed as `--Continued at byte N--`.
    pub(super) offset: u64,
}

/// What extraction should make of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Type {
    /// A regular file (also contiguous, sparse and unknown types, which GNU extracts as files).
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier member.
    HardLink,
    /// A device or FIFO, which the fake fs cannot create.
    Special,
    /// A volume label or multi-volume continuation, which extraction ignores.
    Meta,
}

impl Member {
    /// How many bytes of data follow the header: none for directories and hard links (GNU ignores their size
    /// field), the size for everything else, devices included.
    pub(super) fn data_len(&self) -> u64 {
        match self.typeflag {
            b'1' | b'5' | b'D' => 0,
            0 if self.name.ends_with(b"/") => 0,
            _ => self.size,
        }
    }

    /// What extraction makes of the member.
    pub(super) fn kind(&self) -> Type {
        match self.typeflag {
            b'5' | b'D' => Type::Dir,
            0 | b'0' if self.name.ends_with(b"/") => Type::Dir,
            b'2' => Type::Symlink,
            b'1' => Type::HardLink,
            b'3' | b'4' | b'6' => Type::Special,
            b'V' | b'M' => Type::Meta,
            _ => Type::File,
        }
    }
}

/// GNU `from_header`: optional leading spaces (and one leading NUL), octal digits, then NUL, space or the end of
/// the field; or base-256 two's complement when the first byte is `0x80` or `0xff`. `None` for anything else or
/// a value outside `i64`.
pub(super) fn number(field: &[u8]) -> Option<i64> {
    let first = *field.first()?;
    if first == 0x80 || first == 0xff {
        let mut v: i128 = i128::from(first & 0x3f) - if first & 0x40 != 0 { 64 } else { 0 };
        for &b in field.iter().skip(1) {
            v = v * 256 + i128::from(b);
            if v > i128::from(i64::MAX) || v < i128::from(i64::MIN) {
                return None;
            }
        }
        return i64::try_from(v).ok();
    }
    let mut i = usize::from(first == 0);
    while field.get(i).is_some_and(|&b| b.is_ascii_whitespace() || b == 0x0b) {
        i += 1;
    }
    if i >= field.len() {
        return None;
    }
    let mut v: i64 = 0;
    while let Some(&b @ b'0'..=b'7') = field.get(i) {
        v = v.checked_mul(8)?.checked_add(i64::from(b - b'0'))?;
        i += 1;
    }
    match field.get(i) {
        None | Some(0) => Some(v),
        Some(&b) if b.is_ascii_whitespace() || b == 0x0b => Some(v),
        Some(_) => None,
    }
}

/// A field's bytes up to its first NUL.
fn text(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    field.get(..end).unwrap_or_default()
}

/// A fixed range of a header block; the ranges are constants inside 512, so this never fails in practice.
fn field(block: &[u8; BLOCK], from: usize, len: usize) -> &[u8] {
    block.get(from..from + len).unwrap_or_default()
}

/// What one header block turned out to be, as GNU's `tar_checksum` classifies it.
enum Check {
    /// All 512 bytes are zero: an end-of-archive marker.
    Zero,
    /// The checksum does not match (or is not a number).
    Bad,
    /// A header with a valid checksum.
    Good,
}

/// GNU `tar_checksum`: the stored sum must match the unsigned (POSIX) or signed (old Sun) sum of the block with
/// the checksum field counted as spaces.
fn check(block: &[u8; BLOCK]) -> Check {
    if block.iter().all(|&b| b == 0) {
        return Check::Zero;
    }
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += i64::from(b);
        signed += i64::from(b as i8);
    }
    match number(field(block, 148, 8)) {
        Some(sum) if sum == unsigned || sum == signed => Check::Good,
        _ => Check::Bad,
    }
}

/// GNU's test for an uncompressed archive (`check_compressed_archive`): a first block with a ustar or GNU magic
/// and a valid checksum.
pub(super) fn is_tar_header(data: &[u8]) -> bool {
    let Some(block) = data.get(..BLOCK).and_then(|b| <&[u8; BLOCK]>::try_from(b).ok()) else {
        return false;
    };
    let magic = field(block, 257, 8);
    (magic.starts_with(b"ustar\0") || magic == GNU_MAGIC) && matches!(check(block), Check::Good)
}

/// The GNU magic (`ustar  \0`), whose headers keep the prefix area for times rather than a name prefix.
const GNU_MAGIC: &[u8; 8] = b"ustar  \0";

/// Decodes a checksum-valid header; `None` when its size field is not a number GNU would accept.
fn decode(block: &[u8; BLOCK]) -> Option<Member> {
    let mut name = text(field(block, 0, 100)).to_vec();
    let magic = field(block, 257, 8);
    if magic.starts_with(b"ustar\0") {
        let prefix = text(field(block, 345, 155));
        if !prefix.is_empty() {
            let mut full = prefix.to_vec();
            full.push(b'/');
            full.extend_from_slice(&name);
            name = full;
        }
    }
    let typeflag = block.get(156).copied().unwrap_or(0);
    let num = |from: usize, len: usize| number(field(block, from, len));
    let size = u64::try_from(num(124, 12)?).ok()?;
    let has_owner = magic.starts_with(b"ustar");
    Some(Member {
        name,
        link: text(field(block, 157, 100)).to_vec(),
        typeflag,
        mode: (num(100, 8).unwrap_or(0) & 0o7777) as u32,
        uid: u64::try_from(num(108, 8).unwrap_or(0)).unwrap_or(0),
        gid: u64::try_from(num(116, 8).unwrap_or(0)).unwrap_or(0),
        // GNU lists a hard link's size as 0 whatever the header says.
        size: if typeflag == b'1' { 0 } else { size },
        mtime: num(136, 12).unwrap_or(0),
        uname: if has_owner {
            text(field(block, 265, 32)).to_vec()
        } else {
            Vec::new()
        },
        gname: if has_owner {
            text(field(block, 297, 32)).to_vec()
        } else {
            Vec::new()
        },
        major: u64::try_from(num(329, 8).unwrap_or(0)).unwrap_or(0),
        minor: u64::try_from(num(337, 8).unwrap_or(0)).unwrap_or(0),
        offset: if magic == GNU_MAGIC {
            u64::try_from(num(369, 12).unwrap_or(0)).unwrap_or(0)
        } else {
            0
        },
    })
}

/// Values a pax `x` record set overrides in the next header.
#[derive(Default)]
struct Pax {
    /// `path=`.
    path: Option<Vec<u8>>,
    /// `linkpath=`.
    link: Option<Vec<u8>>,
    /// `size=`.
    size: Option<u64>,
    /// `uid=`.
    uid: Option<u64>,
    /// `gid=`.
    gid: Option<u64>,
    /// `uname=`.
    uname: Option<Vec<u8>>,
    /// `gname=`.
    gname: Option<Vec<u8>>,
    /// `mtime=` (the fraction is dropped).
    mtime: Option<i64>,
}

impl Pax {
    /// Parses `"%d key=value\n"` records; a malformed one ends the parse, keeping what came before.
    fn parse(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let Some(sp) = data.iter().position(|&b| b == b' ') else {
                return;
            };
            let Some(len) = std::str::from_utf8(data.get(..sp).unwrap_or_default())
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
            else {
                return;
            };
            if len <= sp {
                return;
            }
            let (Some(record), Some(rest)) = (data.get(sp + 1..len), data.get(len..)) else {
                return;
            };
            let record = record.strip_suffix(b"\n").unwrap_or(record);
            if let Some(eq) = record.iter().position(|&b| b == b'=') {
                let (key, value) = (
                    record.get(..eq).unwrap_or_default(),
                    record.get(eq + 1..).unwrap_or_default(),
                );
                let num = || {
                    std::str::from_utf8(value)
                        .ok()
                        .and_then(|s| s.split('.').next()?.parse::<i64>().ok())
                };
                match key {
                    b"path" => self.path = Some(value.to_vec()),
                    b"linkpath" => self.link = Some(value.to_vec()),
                    b"size" => self.size = num().and_then(|n| u64::try_from(n).ok()),
                    b"uid" => self.uid = num().and_then(|n| u64::try_from(n).ok()),
                    b"gid" => self.gid = num().and_then(|n| u64::try_from(n).ok()),
                    b"uname" => self.uname = Some(value.to_vec()),
                    b"gname" => self.gname = Some(value.to_vec()),
                    b"mtime" => self.mtime = num(),
                    _ => {}
                }
            }
            data = rest;
        }
    }

    /// Applies the overrides to the header that follows the records.
    fn apply(self, m: &mut Member) {
        if let Some(v) = self.path {
            m.name = v;
        }
        if let Some(v) = self.link {
            m.link = v;
        }
        if let Some(v) = self.size {
            if m.typeflag != b'1' {
                m.size = v;
            }
        }
        m.uid = self.uid.unwrap_or(m.uid);
        m.gid = self.gid.unwrap_or(m.gid);
        if let Some(v) = self.uname {
            m.uname = v;
        }
        if let Some(v) = self.gname {
            m.gname = v;
        }
        m.mtime = self.mtime.unwrap_or(m.mtime);
    }
}

/// Why reading stopped short of a clean end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fatal {
    /// The data ended inside a member: `Unexpected EOF in archive`.
    Eof,
    /// Skipping data past the end of a short archive file, which GNU does with `lseek` and then rejects:
    /// `rmtlseek not stopped at a record boundary`.
    Seek,
}

/// What [`Reader::next`] found.
#[derive(Debug)]
pub(super) enum Next {
    /// A member; its data must be read with [`Reader::data`] or is skipped by the next call.
    Member(Member),
    /// The end of the archive (zero blocks or the end of the data).
    End,
    /// Reading cannot go on.
    Fatal(Fatal),
}

/// The status of the previous header, which decides GNU's messages for a bad one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Nothing read yet.
    Unread,
    /// A good header.
    Good,
    /// A bad header (messages already printed for this run of bad blocks).
    Bad,
}

/// One header read attempt, before the `read_and` loop interprets it.
enum Header {
    /// A member.
    Member(Member),
    /// A zero block.
    Zero,
    /// No full block left.
    End,
    /// A block that is not a header.
    Bad,
}

/// The archive reader: headers, data and GNU's diagnostics about the archive's structure.
pub(super) struct Reader<'s> {
    /// The bytes.
    src: &'s mut dyn Stream,
    /// Blocks consumed so far, for `A lone zero block at N`.
    blocks: u64,
    /// Status of the previous header.
    prev: Prev,
    /// `-i`: zero blocks do not end the archive.
    ignore_zeros: bool,
    /// Data bytes (padding included) of the current member not consumed yet.
    pending: u64,
    /// Bytes consumed from the stream.
    pos: u64,
    /// For an uncompressed archive file: its length and the record size, for GNU's seeking quirk.
    seekable: Option<(u64, u64)>,
    /// The decompressor's failure, after which the data counts as ended.
    pub(super) stream_error: Option<StreamError>,
    /// Where the archive proper ended, in blocks (before its zero blocks), once [`Next::End`] was returned;
    /// `-r` appends there.
    pub(super) end_block: u64,
    /// Messages GNU prints while reading (without the `tar: ` prefix) and whether each is an error, in order;
    /// the caller drains them.
    pub(super) notes: Vec<(String, bool)>,
}

/// Rounds a data length up to whole blocks.
fn padded(len: u64) -> u64 {
    len.div_ceil(BLOCK as u64).saturating_mul(BLOCK as u64)
}

impl<'s> Reader<'s> {
    /// A reader over `src`; `ignore_zeros` is `-i`.
    pub(super) fn new(src: &'s mut dyn Stream, ignore_zeros: bool) -> Reader<'s> {
        Reader {
            src,
            blocks: 0,
            prev: Prev::Unread,
            ignore_zeros,
            pending: 0,
            pos: 0,
            seekable: None,
            stream_error: None,
            end_block: 0,
            notes: Vec::new(),
        }
    }

    /// Marks the source as a seekable file of `len` bytes read in records of `record` bytes, as GNU reads an
    /// uncompressed archive file: skipping far past its end then fails the way GNU's `lseek` does.
    pub(super) fn seekable(mut self, len: u64, record: u64) -> Self {
        self.seekable = Some((len, record.max(BLOCK as u64)));
        self
    }

    /// What skipping `n` more bytes leads to when the data has already ended: GNU seeks whole records past the
    /// current one, which on a file whose last record is short lands off a record boundary.
    fn short_skip(&self, n: u64) -> Fatal {
        let Some((len, record)) = self.seekable else {
            return Fatal::Eof;
        };
        let record_end = self.pos.div_ceil(record).saturating_mul(record);
        let in_record = record_end - self.pos;
        if len % record != 0 && record_end >= len && n > in_record && (n - in_record) / record > 0 {
            Fatal::Seek
        } else {
            Fatal::Eof
        }
    }

    /// Fills `buf` as far as the data goes; the count is short only at the end. A decompressor failure ends the
    /// data there, as gzip's pipe closing does for GNU tar, and is kept in `stream_error`.
    fn fill(&mut self, buf: &mut [u8]) -> usize {
        let mut got = 0;
        while let Some(rest) = buf.get_mut(got..) {
            if rest.is_empty() || self.stream_error.is_some() {
                break;
            }
            match self.src.read(rest) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => self.stream_error = Some(e),
            }
        }
        self.pos += got as u64;
        got
    }

    /// One whole block, or `None` at the end of the data (a trailing partial block is ignored, as GNU does).
    fn block(&mut self) -> Option<[u8; BLOCK]> {
        let mut b = [0u8; BLOCK];
        if self.fill(&mut b) < BLOCK {
            return None;
        }
        self.blocks += 1;
        Some(b)
    }

    /// Skips `n` bytes of data; `Err(Fatal::Eof)` if the data ends first.
    fn skip(&mut self, mut n: u64) -> Result<(), Fatal> {
        if self.short_skip(n) == Fatal::Seek {
            return Err(Fatal::Seek);
        }
        let mut buf = vec![0u8; CHUNK.min(usize::try_from(n).unwrap_or(CHUNK))];
        while n > 0 {
            let want = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            let got = self.fill(buf.get_mut(..want).unwrap_or_default());
            n -= got as u64;
            if got < want {
                return Err(Fatal::Eof);
            }
        }
        Ok(())
    }

    /// Reads the current member's data: up to `keep` bytes are returned, the rest (and the padding) skipped.
    /// On a short archive the whole blocks read so far come back (GNU writes block by block) with the reason.
    pub(super) fn data(&mut self, len: u64, keep: usize) -> (Vec<u8>, Result<(), Fatal>) {
        let total = std::mem::take(&mut self.pending);
        let keep = usize::try_from(len).map_or(keep, |l| l.min(keep));
        let mut out = Vec::new();
        while out.len() < keep {
            let want = (keep - out.len()).min(CHUNK);
            let start = out.len();
            out.resize(start + want, 0);
            let got = self.fill(out.get_mut(start..).unwrap_or_default());
            out.truncate(start + got);
            if got < want {
                let rest = total.saturating_sub(out.len() as u64);
                out.truncate(out.len() / BLOCK * BLOCK);
                return (out, Err(self.short_skip(rest)));
            }
        }
        let rest = total.saturating_sub(out.len() as u64);
        let r = self.skip(rest);
        self.blocks += total / BLOCK as u64;
        (out, r)
    }

    /// The data of a meta member (long name, pax records), at most [`MAX_META`] bytes kept.
    fn meta_data(&mut self, size: u64) -> Result<Vec<u8>, Fatal> {
        self.pending = padded(size);
        let (data, r) = self.data(size, MAX_META);
        r.map(|()| data)
    }

    /// Reads one header, folding GNU long names and pax records into the member that follows them.
    fn header(&mut self) -> Result<Header, Fatal> {
        let (mut long_name, mut long_link, mut pax) = (None::<Vec<u8>>, None::<Vec<u8>>, None::<Pax>);
        loop {
            let Some(block) = self.block() else {
                return Ok(Header::End);
            };
            match check(&block) {
                Check::Zero => return Ok(Header::Zero),
                Check::Bad => return Ok(Header::Bad),
                Check::Good => {}
            }
            let Some(mut m) = decode(&block) else {
                return Ok(Header::Bad);
            };
            match m.typeflag {
                b'L' | b'K' => {
                    let data = self.meta_data(m.size)?;
                    let value = text(&data).to_vec();
                    if m.typeflag == b'L' {
                        long_name = Some(value);
                    } else {
                        long_link = Some(value);
                    }
                }
                b'x' | b'X' => {
                    let data = self.meta_data(m.size)?;
                    pax.get_or_insert_with(Pax::default).parse(&data);
                }
                b'g' => {
                    self.meta_data(m.size)?;
                }
                _ => {
                    if let Some(n) = long_name {
                        m.name = n;
                    }
                    if let Some(l) = long_link {
                        m.link = l;
                    }
                    if let Some(p) = pax {
                        p.apply(&mut m);
                    }
                    return Ok(Header::Member(m));
                }
            }
        }
    }

    /// The next member, following GNU's `read_and` loop and queueing its structural messages in `notes`.
    pub(super) fn next(&mut self) -> Next {
        if self.pending > 0 {
            let n = std::mem::take(&mut self.pending);
            if let Err(f) = self.skip(n) {
                return Next::Fatal(f);
            }
            self.blocks += n / BLOCK as u64;
        }
        loop {
            let header = match self.header() {
                Ok(h) => h,
                Err(f) => return Next::Fatal(f),
            };
            match header {
                Header::Member(m) => {
                    self.prev = Prev::Good;
                    self.pending = padded(m.data_len());
                    return Next::Member(m);
                }
                Header::Zero if self.ignore_zeros => continue,
                Header::Zero => {
                    let at = self.blocks;
                    self.end_block = at.saturating_sub(1);
                    if !matches!(self.header(), Ok(Header::Zero)) {
                        self.notes.push((format!("A lone zero block at {at}"), false));
                    }
                    return Next::End;
                }
                Header::End => {
                    self.end_block = self.blocks;
                    return Next::End;
                }
                Header::Bad => {
                    match self.prev {
                        Prev::Unread => {
                            self.notes
                                .push(("This does not look like a tar archive".to_owned(), true));
                            self.notes.push(("Skipping to next header".to_owned(), true));
                        }
                        Prev::Good => self.notes.push(("Skipping to next header".to_owned(), true)),
                        Prev::Bad => {}
                    }
                    self.prev = Prev::Bad;
                }
            }
        }
    }

    /// Reads whatever is left (after the end of the archive), so a decompressor error at the very end (a bad CRC,
    /// trailing garbage) is still seen, as gzip reports it when tar closes the pipe.
    pub(super) fn drain(&mut self) {
        let mut buf = vec![0u8; CHUNK];
        while self.fill(&mut buf) > 0 {}
    }
}

// ----- Writing. -----

/// GNU `to_chars`: octal in `len - 1` digits and a NUL when it fits, base-256 otherwise (negative times included).
fn put_number(block: &mut [u8; BLOCK], from: usize, len: usize, value: i64) {
    let Some(dst) = block.get_mut(from..from + len) else {
        return;
    };
    let digits = len - 1;
    let fits = value >= 0 && (digits >= 21 || value < 1i64 << (3 * digits));
    if fits {
        let s = format!("{value:0digits$o}");
        for (d, s) in dst.iter_mut().zip(s.bytes().chain(std::iter::once(0))) {
            *d = s;
        }
        return;
    }
    let mut v = i128::from(value);
    for d in dst.iter_mut().rev() {
        *d = (v & 0xff) as u8;
        v >>= 8;
    }
    if let Some(first) = dst.first_mut() {
        *first = if value < 0 { 0xff } else { 0x80 };
    }
}

/// Copies `src` into a fixed-width field, cut at the width.
fn put_text(block: &mut [u8; BLOCK], from: usize, len: usize, src: &[u8]) {
    if let Some(dst) = block.get_mut(from..from + len) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
}

/// One GNU-format header block for `m`, checksum included; names longer than the field are cut (the caller
/// writes the `././@LongLink` member first).
fn header_block(m: &Member) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    put_text(&mut b, 0, 100, &m.name);
    put_number(&mut b, 100, 8, i64::from(m.mode & 0o7777));
    put_number(&mut b, 108, 8, i64::try_from(m.uid).unwrap_or(i64::MAX));
    put_number(&mut b, 116, 8, i64::try_from(m.gid).unwrap_or(i64::MAX));
    put_number(&mut b, 124, 12, i64::try_from(m.size).unwrap_or(i64::MAX));
    put_number(&mut b, 136, 12, m.mtime);
    if let Some(t) = b.get_mut(156) {
        *t = m.typeflag;
    }
    put_text(&mut b, 157, 100, &m.link);
    put_text(&mut b, 257, 8, GNU_MAGIC);
    put_text(&mut b, 265, 32, &m.uname);
    put_text(&mut b, 297, 32, &m.gname);
    if matches!(m.typeflag, b'3' | b'4') {
        put_number(&mut b, 329, 8, i64::try_from(m.major).unwrap_or(0));
        put_number(&mut b, 337, 8, i64::try_from(m.minor).unwrap_or(0));
    }
    put_text(&mut b, 148, 8, b"        ");
    let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
    put_text(&mut b, 148, 8, format!("{sum:06o}\0 ").as_bytes());
    b
}

/// The `././@LongLink` member GNU writes before a header whose name (`L`) or link (`K`) does not fit in 100 bytes.
fn long_link(typeflag: u8, value: &[u8], out: &mut Vec<u8>) {
    let meta = Member {
        name: b"././@LongLink".to_vec(),
        typeflag,
        mode: 0o644,
        size: value.len() as u64 + 1,
        uname: b"root".to_vec(),
        gname: b"root".to_vec(),
        ..Member::default()
    };
    out.extend_from_slice(&header_block(&meta));
    let start = out.len();
    out.extend_from_slice(value);
    out.push(0);
    out.resize(start + padded(value.len() as u64 + 1) as usize, 0);
}

/// The bytes of one member as GNU tar writes it: long-name members if needed, the header, the data padded to a
/// block. `data` must be `m.size` bytes for files and empty otherwise.
pub(super) fn member_bytes(m: &Member, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 * BLOCK + data.len());
    if m.link.len() > 100 {
        long_link(b'K', &m.link, &mut out);
    }
    if m.name.len() > 100 {
        long_link(b'L', &m.name, &mut out);
    }
    out.extend_from_slice(&header_block(m));
    let start = out.len();
    out.extend_from_slice(data);
    out.resize(start + padded(data.len() as u64) as usize, 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cases: &[(&[u8], Option<i64>)] = &[
            (b"0000644\0", Some(0o644)),
            (b"  644 \0\0", Some(0o644)),
            (b"\0\0\0\0\0\0\0\0", Some(0)),
            (b"        ", None),
            (b"0000x44\0", None),
            (b"\x80\0\0\0\0\0\0\0\0\0\x01\0", Some(256)),
            (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", Some(-1)),
            (b"\x80\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", None),
            (b"77777777777777777777777", None),
        ];
        for (field, want) in cases {
            assert_eq!(number(field), *want, "{field:?}");
        }
    }

    #[test]
    fn numbers_round_trip() {
        for v in [0i64, 1, 0o7777777, 0o10000000, 1 << 40, -1, -86_400, i64::MAX, i64::MIN] {
            let mut b = [0u8; BLOCK];
            put_number(&mut b, 124, 12, v);
            assert_eq!(number(&b[124..136]), Some(v), "{v}");
        }
    }

    #[test]
    fn header_matches_gnu_tar() {
        // `d/` as GNU tar 1.34 wrote it on Debian 12 (mtime 2026-11-28 14:45:21 UTC, root/root, 0755).
        let m = Member {
            name: b"d/".to_vec(),
            typeflag: b'5',
            mode: 0o755,
            mtime: 0o15302564421,
            uname: b"root".to_vec(),
            gname: b"root".to_vec(),
            ..Member::default()
        };
        let b = header_block(&m);
        assert_eq!(
            &b[100..156],
            b"0000755\x000000000\x000000000\x0000000000000\x0015302564421\x00010001\x00 "
        );
        assert_eq!(&b[257..270], b"ustar  \0root\0");
        assert!(matches!(check(&b), Check::Good));
        assert_eq!(decode(&b), Some(m));
    }
}
