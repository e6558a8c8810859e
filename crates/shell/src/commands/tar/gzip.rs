//! Compression around the archive: the gzip that `-z` (or gzip magic) runs, decoded in process with a byte budget
//! and gzip 1.12's exact complaints, and the compressors tar knows by magic or suffix but this shell cannot run.

use flate2::write::GzEncoder;
use flate2::{Compression, Crc, Decompress, FlushDecompress, GzBuilder, Status};

use super::archive::Stream;
use crate::fs::MAX_FILE_BYTES;

/// Most decompressed bytes one run reads: a gzip bomb stops here, as if the data ended, and it bounds the CPU
/// time too. Twice the largest file, so any archive whose members could fit the session's overlay is read whole.
pub(super) const MAX_INFLATE: u64 = 2 * MAX_FILE_BYTES;

/// A compressor tar recognises (by `-z`/`-j`/…, by magic, or by the archive's suffix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Codec {
    /// gzip, decoded here.
    Gzip,
    /// bzip2, installed on Debian 12 but not emulated.
    Bzip2,
    /// xz (and lzma), installed but not emulated.
    Xz,
    /// compress (`-Z`), not installed.
    Compress,
    /// lzip, not installed.
    Lzip,
    /// lzop, not installed.
    Lzop,
    /// zstd, not installed.
    Zstd,
}

impl Codec {
    /// The option `Archive is compressed. Use %s option` names.
    pub(super) fn option(self) -> &'static str {
        match self {
            Codec::Gzip => "-z",
            Codec::Bzip2 => "-j",
            Codec::Xz => "-J",
            Codec::Compress => "-Z",
            Codec::Lzip => "--lzip",
            Codec::Lzop => "--lzop",
            Codec::Zstd => "--zstd",
        }
    }

    /// The program tar would run, for `Cannot exec` when it is not installed.
    pub(super) fn program(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Bzip2 => "bzip2",
            Codec::Xz => "xz",
            Codec::Compress => "compress",
            Codec::Lzip => "lzip",
            Codec::Lzop => "lzop",
            Codec::Zstd => "zstd",
        }
    }

    /// GNU's magic table (`buffer.c`): the compressor whose signature starts `data`.
    pub(super) fn sniff(data: &[u8]) -> Option<Codec> {
        /// Signatures in GNU's order (`lzma` has two; both are run through xz).
        const MAGIC: &[(&[u8], Codec)] = &[
            (b"\x1f\x9d", Codec::Compress),
            (b"\x1f\x8b", Codec::Gzip),
            (b"BZh", Codec::Bzip2),
            (b"LZIP", Codec::Lzip),
            (b"\xffLZMA", Codec::Xz),
            (b"\x5d\x00\x00", Codec::Xz),
            (b"\x89LZO", Codec::Lzop),
            (b"\xfd7zXZ", Codec::Xz),
            (b"\x28\xb5\x2f\xfd", Codec::Zstd),
        ];
        MAGIC.iter().find(|(m, _)| data.starts_with(m)).map(|&(_, c)| c)
    }

    /// GNU's suffix table (`suffixes.c`), used when the magic says nothing.
    pub(super) fn by_suffix(name: &str) -> Option<Codec> {
        let ext = name.rsplit_once('.')?.1;
        Some(match ext {
            "gz" | "tgz" | "taz" => Codec::Gzip,
            "Z" | "taZ" => Codec::Compress,
            "bz2" | "tbz" | "tbz2" | "tz2" => Codec::Bzip2,
            "lz" => Codec::Lzip,
            "lzma" | "tlz" | "xz" | "txz" => Codec::Xz,
            "lzo" => Codec::Lzop,
            "zst" | "tzst" => Codec::Zstd,
            _ => return None,
        })
    }

    /// What the (real) decompressor prints for `data` and its exit status, for the codecs not decoded here:
    /// bzip2 and xz are installed and reject or (for their own format) fail on the data; the others are missing.
    pub(super) fn failure(self, data: &[u8]) -> (String, i32) {
        match self {
            Codec::Bzip2 if data.starts_with(b"BZh") => (
                "\nbzip2: Data integrity error when decompressing.\n\tInput file = (stdin), output file = (stdout)\n\n\
                 It is possible that the compressed file(s) have become corrupted.\n\
                 You can use the -tvv option to test integrity of such files.\n\n\
                 You can use the `bzip2recover' program to attempt to recover\n\
                 data from undamaged sections of corrupted files.\n\n"
                    .to_owned(),
                2,
            ),
            Codec::Bzip2 => ("bzip2: (stdin) is not a bzip2 file.\n".to_owned(), 2),
            Codec::Xz if Codec::sniff(data) == Some(Codec::Xz) => {
                ("xz: (stdin): Compressed data is corrupt\n".to_owned(), 1)
            }
            Codec::Xz => ("xz: (stdin): File format not recognized\n".to_owned(), 1),
            other => (
                format!(
                    "tar (child): {}: Cannot exec: No such file or directory\n\
                     tar (child): Error is not recoverable: exiting now\n",
                    other.program()
                ),
                2,
            ),
        }
    }
}

/// Why gzip gave up, each with gzip 1.12's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StreamError {
    /// The data ended inside a member.
    Truncated,
    /// The first bytes are not a gzip header.
    NotGzip,
    /// The CRC-32 in the trailer does not match.
    Crc,
    /// The length in the trailer does not match.
    Length,
    /// The deflate data is invalid.
    Format,
    /// Something other than another member follows a complete member.
    Trailing,
    /// A compression method other than deflate.
    Method(u8),
}

impl StreamError {
    /// gzip's stderr (it starts with an empty line) and its exit status.
    pub(super) fn message(self) -> (String, i32) {
        let (text, status) = match self {
            StreamError::Truncated => ("unexpected end of file".to_owned(), 1),
            StreamError::NotGzip => ("not in gzip format".to_owned(), 1),
            StreamError::Crc => ("invalid compressed data--crc error".to_owned(), 1),
            StreamError::Length => ("invalid compressed data--length error".to_owned(), 1),
            StreamError::Format => ("invalid compressed data--format violated".to_owned(), 1),
            StreamError::Trailing => ("decompression OK, trailing garbage ignored".to_owned(), 2),
            StreamError::Method(m) => (format!("unknown method {m} -- not supported"), 1),
        };
        (format!("\ngzip: stdin: {text}\n"), status)
    }
}

/// Where the decoder is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At a member header; `first` is the start of the data.
    Header {
        /// Whether this is the first member (garbage there is "not in gzip format", later "trailing garbage").
        first: bool,
    },
    /// Inside a member's deflate data.
    Body,
    /// After a member's deflate data, before its trailer is checked (the data is handed out first).
    Trailer,
    /// The data or the budget ended.
    Done,
}

/// A gzip decoder over the archive bytes: several members in a row as `gzip -d` accepts them, at most
/// [`MAX_INFLATE`] bytes out.
pub(super) struct Gunzip<'a> {
    /// The compressed bytes.
    input: &'a [u8],
    /// How far decoding got in `input`.
    pos: usize,
    /// Where the decoder is.
    state: State,
    /// The raw deflate decoder of the current member.
    inflate: Decompress,
    /// CRC-32 and length of the current member's output.
    crc: Crc,
    /// Output bytes still allowed.
    budget: u64,
}

impl<'a> Gunzip<'a> {
    /// A decoder over `input`.
    pub(super) fn new(input: &'a [u8]) -> Gunzip<'a> {
        Gunzip {
            input,
            pos: 0,
            state: State::Header { first: true },
            inflate: Decompress::new(false),
            crc: Crc::new(),
            budget: MAX_INFLATE,
        }
    }

    /// The length of the gzip member header at the start of `d` (RFC 1952), or why there is none.
    fn header_len(d: &[u8], first: bool) -> Result<usize, StreamError> {
        let at = |i: usize| d.get(i).copied().ok_or(StreamError::Truncated);
        match (d.first(), d.get(1)) {
            (Some(0x1f), Some(0x8b)) => {}
            (Some(0x1f), None) if first => return Err(StreamError::Truncated),
            (None, _) => return Err(StreamError::Truncated),
            _ if first => return Err(StreamError::NotGzip),
            _ => return Err(StreamError::Trailing),
        }
        let method = at(2)?;
        if method != 8 {
            return Err(StreamError::Method(method));
        }
        let flags = at(3)?;
        if flags & 0xe0 != 0 {
            return Err(StreamError::Format);
        }
        at(9)?;
        let mut i = 10;
        if flags & 0x04 != 0 {
            let len = usize::from(at(i)?) | usize::from(at(i + 1)?) << 8;
            i += 2 + len;
            at(i.saturating_sub(1))?;
        }
        for bit in [0x08, 0x10] {
            if flags & bit != 0 {
                let rest = d.get(i..).ok_or(StreamError::Truncated)?;
                i += rest.iter().position(|&b| b == 0).ok_or(StreamError::Truncated)? + 1;
            }
        }
        if flags & 0x02 != 0 {
            i += 2;
            at(i - 1)?;
        }
        Ok(i)
    }

    /// Checks the 8-byte trailer (CRC-32, length mod 2^32) after a member's deflate data.
    fn trailer(&mut self) -> Result<(), StreamError> {
        let t = self.input.get(self.pos..self.pos + 8).ok_or(StreamError::Truncated)?;
        let word = |i: usize| {
            t.get(i..i + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, u32::from_le_bytes)
        };
        if word(0) != self.crc.sum() {
            return Err(StreamError::Crc);
        }
        if word(4) != self.crc.amount() {
            return Err(StreamError::Length);
        }
        self.pos += 8;
        Ok(())
    }
}

impl Stream for Gunzip<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, StreamError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                State::Done => return Ok(0),
                State::Trailer => {
                    self.trailer()?;
                    self.state = State::Header { first: false };
                }
                State::Header { first } => {
                    let rest = self.input.get(self.pos..).unwrap_or_default();
                    // gzip ignores zero bytes after the last member (tape padding).
                    if !first && rest.iter().all(|&b| b == 0) {
                        self.state = State::Done;
                        return Ok(0);
                    }
                    self.pos += Self::header_len(rest, first)?;
                    self.inflate.reset(false);
                    self.crc.reset();
                    self.state = State::Body;
                }
                State::Body => {
                    if self.budget == 0 {
                        self.state = State::Done;
                        return Ok(0);
                    }
                    let want = buf.len().min(usize::try_from(self.budget).unwrap_or(usize::MAX));
                    let out = buf.get_mut(..want).unwrap_or_default();
                    let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
                    let input = self.input.get(self.pos..).unwrap_or_default();
                    let status = self
                        .inflate
                        .decompress(input, out, FlushDecompress::None)
                        .map_err(|_| StreamError::Format)?;
                    let used = (self.inflate.total_in() - in0) as usize;
                    let made = (self.inflate.total_out() - out0) as usize;
                    self.pos += used;
                    self.crc.update(out.get(..made).unwrap_or_default());
                    self.budget -= made as u64;
                    if status == Status::StreamEnd {
                        self.state = State::Trailer;
                    } else if used == 0 && made == 0 {
                        return Err(StreamError::Truncated);
                    }
                    if made > 0 {
                        return Ok(made);
                    }
                }
            }
        }
    }
}

/// The gzip encoder `tar -z` pipes the archive through: `gzip` with no name, mtime 0, OS Unix, level 6.
pub(super) fn encoder() -> GzEncoder<Vec<u8>> {
    GzBuilder::new()
        .operating_system(3)
        .write(Vec::new(), Compression::default())
}

/// gzip's output for `raw` in one go.
#[cfg(test)]
pub(super) fn compress(raw: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = encoder();
    enc.write_all(raw).expect("writing to a Vec");
    enc.finish().expect("writing to a Vec")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(data: &[u8]) -> (Vec<u8>, Option<StreamError>) {
        let mut g = Gunzip::new(data);
        let mut out = Vec::new();
        let mut buf = [0u8; 1000];
        loop {
            match g.read(&mut buf) {
                Ok(0) => return (out, None),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn round_trip_and_errors() {
        let raw: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let gz = compress(&raw);
        assert_eq!(&gz[..10], b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03");
        assert_eq!(read_all(&gz), (raw.clone(), None));
        let mut two = gz.clone();
        two.extend_from_slice(&gz);
        two.extend_from_slice(&[0; 100]);
        assert_eq!(read_all(&two).0.len(), 2 * raw.len());
        let mut garbage = gz.clone();
        garbage.extend_from_slice(b"junk");
        assert_eq!(read_all(&garbage), (raw.clone(), Some(StreamError::Trailing)));
        let mut crc = gz.clone();
        let n = crc.len();
        crc[n - 8] ^= 1;
        assert_eq!(read_all(&crc).1, Some(StreamError::Crc));
        let mut len = gz.clone();
        len[n - 2] ^= 1;
        assert_eq!(read_all(&len).1, Some(StreamError::Length));
        assert_eq!(read_all(&gz[..n / 2]).1, Some(StreamError::Truncated));
        assert_eq!(read_all(b"").1, Some(StreamError::Truncated));
        assert_eq!(read_all(b"\x1f").1, Some(StreamError::Truncated));
        assert_eq!(read_all(b"hello").1, Some(StreamError::NotGzip));
        assert_eq!(
            read_all(b"\x1f\x8b\x09\0\0\0\0\0\0\x03").1,
            Some(StreamError::Method(9))
        );
        let mut bad = gz.clone();
        for b in &mut bad[12..30] {
            *b ^= 0xff;
        }
        assert!(read_all(&bad).1.is_some());
    }

    #[test]
    fn header_fields() {
        // FEXTRA, FNAME and FCOMMENT present, as `gzip -N` and some tools write them.
        let mut h = vec![0x1f, 0x8b, 8, 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3, 2, 0, b'x', b'y'];
        h.extend_from_slice(b"name\0comment\0");
        assert_eq!(Gunzip::header_len(&h, true), Ok(h.len()));
        assert_eq!(Gunzip::header_len(&h[..h.len() - 1], true), Err(StreamError::Truncated));
    }

    #[test]
    fn bomb_stops_at_budget() {
        // 16 members of 4 MiB of zeros each: 64 MiB out, cut at the budget.
        let member = compress(&vec![0u8; 4 << 20]);
        let bomb: Vec<u8> = std::iter::repeat_n(member, 16).flatten().collect();
        assert!(bomb.len() < 200_000);
        let (out, err) = read_all(&bomb);
        assert_eq!((out.len() as u64, err), (MAX_INFLATE, None));
    }
}
