//! UMAC (RFC 4418) with AES-128, as OpenSSH's `umac.c` computes it for
//! `umac-64@openssh.com` and `umac-128@openssh.com` (and their `-etm`
//! variants): a 16-byte key, an 8-byte nonce (OpenSSH puts the packet
//! sequence number there as a big-endian 64-bit integer), and 8- or 16-byte
//! tags. The 4- and 12-byte tags of the RFC are supported too, so that every
//! test vector of RFC 4418 section 5 can be checked.
//!
//! Layout (RFC 4418 sections 3-5): `Tag = UHASH(K, M) xor PDF(K, Nonce)`;
//! UHASH runs `taglen / 4` independent iterations of a three-layer hash:
//! L1 = NH over 1024-byte chunks, L2 = POLY (64-bit, switching to 128-bit
//! after 2^17 bytes of L1 output, i.e. 16 MiB of message), L3 = inner product modulo 2^36 - 5.
//! All subkeys come from the KDF, AES-128 in counter mode under K.
//!
//! This file is self-contained (it only uses the `aes` crate) so that the
//! RFC vectors can also be run outside russh. Added by the Apiary patch (see
//! PATCHES.md); not part of upstream russh 0.65.1.

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use aes::{Aes128, Block};

/// Bytes of message one NH call covers (L1 chunk size).
const L1_CHUNK: usize = 1024;
/// Most UHASH iterations (16-byte tag).
const MAX_ITERS: usize = 4;
/// 32-bit words of L1 key: 1024 bytes plus 16 more per extra iteration.
const L1_KEY_WORDS: usize = (L1_CHUNK + (MAX_ITERS - 1) * 16) / 4;
/// L1 outputs (8-byte words, so 2^17 bytes: 16 MiB of message) hashed by
/// POLY-64 before switching to POLY-128.
const POLY64_WORDS: usize = 1 << 14;

const P36: u64 = (1 << 36) - 5;
const P64: u64 = 0u64.wrapping_sub(59);
const P128: u128 = 0u128.wrapping_sub(159);
const MAX_WORD_64: u64 = 0xFFFF_FFFF_0000_0000;
const MAX_WORD_128: u128 = !((1u128 << 96) - 1);
const MASK_64: u64 = 0x01FF_FFFF_01FF_FFFF;
const MASK_128: u128 = 0x01FF_FFFF_01FF_FFFF_01FF_FFFF_01FF_FFFF;

/// A keyed UMAC instance: every subkey expanded once, reused for each tag.
#[derive(Clone)]
pub struct Umac {
    /// Tag length in bytes: 4, 8, 12 or 16.
    taglen: usize,
    /// AES-128 under `K' = KDF(K, 0, 16)`, for the pad.
    pdf: Aes128,
    /// NH key, big-endian words; iteration `i` uses words `4i .. 4i + 256`.
    l1: [u32; L1_KEY_WORDS],
    /// POLY-64 keys, masked.
    l2_64: [u64; MAX_ITERS],
    /// POLY-128 keys, masked.
    l2_128: [u128; MAX_ITERS],
    /// Inner-product keys, reduced modulo 2^36 - 5.
    l3_1: [[u64; 8]; MAX_ITERS],
    /// Final 32-bit whitening keys.
    l3_2: [u32; MAX_ITERS],
}

impl std::fmt::Debug for Umac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Umac {{ taglen: {}, keys: [hidden] }}", self.taglen)
    }
}

fn encrypt(cipher: &Aes128, input: [u8; 16]) -> [u8; 16] {
    let mut block = Block::from(input);
    cipher.encrypt_block(&mut block);
    let mut out = [0u8; 16];
    out.copy_from_slice(&block);
    out
}

/// RFC 4418 section 3.2.1: `KDF(K, index, numbytes)`, written into `out`.
fn kdf(cipher: &Aes128, index: u64, out: &mut [u8]) {
    for (i, chunk) in (1u64..).zip(out.chunks_mut(16)) {
        let mut t = [0u8; 16];
        let (hi, lo) = t.split_at_mut(8);
        hi.copy_from_slice(&index.to_be_bytes());
        lo.copy_from_slice(&i.to_be_bytes());
        let block = encrypt(cipher, t);
        for (d, s) in chunk.iter_mut().zip(block.iter()) {
            *d = *s;
        }
    }
}

fn be_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u32::from_be_bytes(a)
}

fn be_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from_be_bytes(a)
}

fn be_u128(b: &[u8]) -> u128 {
    let mut a = [0u8; 16];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    u128::from_be_bytes(a)
}

/// RFC 4418 section 5.1: NH over `data` (a multiple of 32 bytes, at most
/// 1024), message words little-endian, key words as given.
fn nh(key: &[u32], data: &[u8]) -> u64 {
    let mut y = 0u64;
    for (m, k) in data.chunks_exact(32).zip(key.chunks_exact(8)) {
        let mut w = [0u32; 8];
        for (d, s) in w.iter_mut().zip(m.chunks_exact(4)) {
            *d = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        }
        for j in 0..4 {
            let a = u64::from(w[j].wrapping_add(k[j]));
            let b = u64::from(w[j + 4].wrapping_add(k[j + 4]));
            y = y.wrapping_add(a.wrapping_mul(b));
        }
    }
    y
}

/// One L1 chunk (0 to 1024 bytes): `NH(K, zeropad(M_i, 32)) + bitlength(M_i)`.
fn l1_chunk(key: &[u32], chunk: &[u8]) -> u64 {
    let bits = (chunk.len() as u64) * 8;
    if chunk.len() == L1_CHUNK {
        return nh(key, chunk).wrapping_add(bits);
    }
    let mut buf = [0u8; L1_CHUNK];
    let len = chunk.len().min(L1_CHUNK);
    for (d, s) in buf.iter_mut().zip(chunk) {
        *d = *s;
    }
    let padded = len.div_ceil(32).max(1) * 32;
    nh(key, buf.get(..padded).unwrap_or(&buf)).wrapping_add(bits)
}

/// `(k * y + m) mod 2^64 - 59` for `k < 2^57`, `y < p`, any `m < 2^64`.
fn poly64_step(y: u64, k: u64, m: u64) -> u64 {
    let r = (u128::from(k) * u128::from(y) + u128::from(m)) % u128::from(P64);
    r as u64
}

/// RFC 4418 POLY with 64-bit words: one word.
fn poly64(y: u64, k: u64, m: u64) -> u64 {
    if m >= MAX_WORD_64 {
        let y = poly64_step(y, k, P64 - 1);
        poly64_step(y, k, m - 59)
    } else {
        poly64_step(y, k, m)
    }
}

/// Reduces `hi * 2^128 + lo` modulo `2^128 - 159`.
fn reduce128(mut hi: u128, mut lo: u128) -> u128 {
    // 2^128 = 159 (mod p); each round shrinks `hi` by about 2^56, so four
    // rounds always reach zero (checked by the loop bound, not assumed).
    for _ in 0..8 {
        if hi == 0 {
            break;
        }
        let h_lo = (hi as u64 as u128) * 159;
        let h_hi = (hi >> 64) * 159;
        let (s1, c1) = lo.overflowing_add(h_lo);
        let (s2, c2) = s1.overflowing_add(h_hi << 64);
        hi = (h_hi >> 64) + u128::from(c1) + u128::from(c2);
        lo = s2;
    }
    if lo >= P128 {
        lo -= P128;
    }
    lo
}

fn mul128(a: u128, b: u128) -> u128 {
    let (a0, a1) = (a as u64 as u128, a >> 64);
    let (b0, b1) = (b as u64 as u128, b >> 64);
    let p00 = a0 * b0;
    let p11 = a1 * b1;
    let (mid, c) = (a0 * b1).overflowing_add(a1 * b0);
    let (lo, c1) = p00.overflowing_add(mid << 64);
    let hi = p11
        .wrapping_add(mid >> 64)
        .wrapping_add(u128::from(c) << 64)
        .wrapping_add(u128::from(c1));
    reduce128(hi, lo)
}

fn poly128_step(y: u128, k: u128, m: u128) -> u128 {
    let (s, carry) = mul128(k, y).overflowing_add(m);
    reduce128(u128::from(carry), s)
}

/// RFC 4418 POLY with 128-bit words: one word.
fn poly128(y: u128, k: u128, m: u128) -> u128 {
    if m >= MAX_WORD_128 {
        let y = poly128_step(y, k, P128 - 1);
        poly128_step(y, k, m - 159)
    } else {
        poly128_step(y, k, m)
    }
}

/// RFC 4418 section 5.3: L3-HASH of the 16-byte L2 output.
fn l3(k1: &[u64; 8], k2: u32, b: u128) -> u32 {
    let bytes = b.to_be_bytes();
    let mut y = 0u64;
    for (k, m) in k1.iter().zip(bytes.chunks_exact(2)) {
        y += u64::from(u16::from_be_bytes([m[0], m[1]])) * k;
    }
    ((y % P36) as u32) ^ k2
}

/// The L2 state: POLY-64 over the first 2^14 L1 outputs, then POLY-128.
struct L2 {
    k64: u64,
    k128: u128,
    count: usize,
    y64: u64,
    y128: u128,
    pending: Option<u64>,
}

impl L2 {
    fn new(k64: u64, k128: u128) -> Self {
        L2 {
            k64,
            k128,
            count: 0,
            y64: 1,
            y128: 1,
            pending: None,
        }
    }

    fn push(&mut self, a: u64) {
        if self.count < POLY64_WORDS {
            self.y64 = poly64(self.y64, self.k64, a);
        } else {
            if self.count == POLY64_WORDS {
                self.y128 = poly128(1, self.k128, u128::from(self.y64));
            }
            match self.pending.take() {
                None => self.pending = Some(a),
                Some(hi) => {
                    let m = (u128::from(hi) << 64) | u128::from(a);
                    self.y128 = poly128(self.y128, self.k128, m);
                }
            }
        }
        self.count = self.count.saturating_add(1);
    }

    fn finish(self) -> u128 {
        if self.count <= POLY64_WORDS {
            return u128::from(self.y64);
        }
        // M_2 = zeropad(M_2 || 0x80, 16)
        let m = match self.pending {
            Some(hi) => (u128::from(hi) << 64) | (0x80u128 << 56),
            None => 0x80u128 << 120,
        };
        poly128(self.y128, self.k128, m)
    }
}

impl Umac {
    /// Expands all subkeys of `key` for tags of `taglen` bytes (rounded to a
    /// multiple of 4 within 4..=16).
    pub fn new(key: &[u8; 16], taglen: usize) -> Self {
        let taglen = (taglen / 4).clamp(1, MAX_ITERS) * 4;
        let master = Aes128::new(&(*key).into());

        let mut pdf_key = [0u8; 16];
        kdf(&master, 0, &mut pdf_key);
        let pdf = Aes128::new(&pdf_key.into());

        let mut l1_bytes = [0u8; L1_KEY_WORDS * 4];
        kdf(&master, 1, &mut l1_bytes);
        let mut l1 = [0u32; L1_KEY_WORDS];
        for (d, s) in l1.iter_mut().zip(l1_bytes.chunks_exact(4)) {
            *d = be_u32(s);
        }

        let mut l2_bytes = [0u8; MAX_ITERS * 24];
        kdf(&master, 2, &mut l2_bytes);
        let mut l2_64 = [0u64; MAX_ITERS];
        let mut l2_128 = [0u128; MAX_ITERS];
        for ((k64, k128), s) in l2_64
            .iter_mut()
            .zip(l2_128.iter_mut())
            .zip(l2_bytes.chunks_exact(24))
        {
            let (a, b) = s.split_at(8);
            *k64 = be_u64(a) & MASK_64;
            *k128 = be_u128(b) & MASK_128;
        }

        let mut l3_1_bytes = [0u8; MAX_ITERS * 64];
        kdf(&master, 3, &mut l3_1_bytes);
        let mut l3_1 = [[0u64; 8]; MAX_ITERS];
        for (ks, s) in l3_1.iter_mut().zip(l3_1_bytes.chunks_exact(64)) {
            for (k, b) in ks.iter_mut().zip(s.chunks_exact(8)) {
                *k = be_u64(b) % P36;
            }
        }

        let mut l3_2_bytes = [0u8; MAX_ITERS * 4];
        kdf(&master, 4, &mut l3_2_bytes);
        let mut l3_2 = [0u32; MAX_ITERS];
        for (k, s) in l3_2.iter_mut().zip(l3_2_bytes.chunks_exact(4)) {
            *k = be_u32(s);
        }

        Umac {
            taglen,
            pdf,
            l1,
            l2_64,
            l2_128,
            l3_1,
            l3_2,
        }
    }

    /// The tag length in bytes.
    pub fn tag_len(&self) -> usize {
        self.taglen
    }

    /// RFC 4418 section 4: UHASH; the first `taglen` bytes are meaningful.
    fn uhash(&self, msg: &[u8]) -> [u8; 16] {
        let mut out = [0u8; 16];
        let iters = self.taglen / 4;
        for (i, dst) in out.chunks_exact_mut(4).enumerate().take(iters) {
            let key = self.l1.get(4 * i..).unwrap_or(&[]);
            let b = if msg.len() <= L1_CHUNK {
                u128::from(l1_chunk(key, msg))
            } else {
                let mut l2 = L2::new(self.l2_64[i], self.l2_128[i]);
                for chunk in msg.chunks(L1_CHUNK) {
                    l2.push(l1_chunk(key, chunk));
                }
                l2.finish()
            };
            let c = l3(&self.l3_1[i], self.l3_2[i], b);
            dst.copy_from_slice(&c.to_be_bytes());
        }
        out
    }

    /// RFC 4418 section 3.3: the pad for `nonce` (1 to 16 bytes); `None` for
    /// any other length.
    fn pdf(&self, nonce: &[u8]) -> Option<[u8; 16]> {
        if nonce.is_empty() || nonce.len() > 16 {
            return None;
        }
        let mut n = [0u8; 16];
        for (d, s) in n.iter_mut().zip(nonce) {
            *d = *s;
        }
        let mut index = 0usize;
        if self.taglen == 4 || self.taglen == 8 {
            let mask = (16 / self.taglen - 1) as u8;
            let last = n.get_mut(nonce.len() - 1)?;
            index = usize::from(*last & mask);
            *last &= !mask;
        }
        let t = encrypt(&self.pdf, n);
        let mut pad = [0u8; 16];
        let start = index * self.taglen;
        for (d, s) in pad.iter_mut().zip(t.iter().skip(start)).take(self.taglen) {
            *d = *s;
        }
        Some(pad)
    }

    /// RFC 4418 section 2: `UHASH(M) xor PDF(Nonce)`; the first `tag_len()`
    /// bytes are the tag. `None` if the nonce is not 1 to 16 bytes long.
    pub fn tag(&self, msg: &[u8], nonce: &[u8]) -> Option<[u8; 16]> {
        let pad = self.pdf(nonce)?;
        let mut h = self.uhash(msg);
        for (d, p) in h.iter_mut().zip(pad.iter()).take(self.taglen) {
            *d ^= *p;
        }
        for d in h.iter_mut().skip(self.taglen) {
            *d = 0;
        }
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 16] = b"abcdefghijklmnop";

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// `pattern` repeated to `len` bytes, tagged under `nonce` with 4-, 8-,
    /// 12- and 16-byte tags.
    fn check(pattern: &[u8], len: usize, nonce: &[u8], want: [&str; 4]) {
        let msg: Vec<u8> = pattern.iter().copied().cycle().take(len).collect();
        let got = [4, 8, 12, 16].map(|taglen| {
            let u = Umac::new(KEY, taglen);
            assert_eq!(u.tag_len(), taglen);
            let tag = u.tag(&msg, nonce).unwrap();
            assert!(tag[taglen..].iter().all(|&b| b == 0));
            hex(&tag[..taglen])
        });
        assert_eq!(got, want.map(str::to_ascii_lowercase), "len {len}");
    }

    // RFC 4418 section 5 (K = "abcdefghijklmnop", Nonce = "bcdefghi") for the
    // 32/64/96-bit tags; the RFC prints no 128-bit tags, those come from the
    // UMAC authors' reference implementation (as in Nettle's test suite).
    #[rustfmt::skip]
    #[test]
    fn rfc4418_vectors() {
        let n = b"bcdefghi";
        check(b"a", 0, n, ["113145FB", "6E155FAD26900BE1", "32FEDB100C79AD58F07FF764", "32fedb100c79ad58f07ff7643cc60465"]);
        check(b"a", 3, n, ["3B91D102", "44B5CB542F220104", "185E4FE905CBA7BD85E4C2DC", "185e4fe905cba7bd85e4c2dc3d117d8d"]);
        check(b"a", 1 << 10, n, ["599B350B", "26BF2F5D60118BD9", "7A54ABE04AF82D60FB298C3C", "7a54abe04af82d60fb298c3cbd195bcb"]);
        check(b"a", 1 << 15, n, ["58DCF532", "27F8EF643B0D118D", "7B136BD911E4B734286EF2BE", "7b136bd911e4b734286ef2be501f2c3c"]);
        check(b"a", 1 << 20, n, ["DB6364D1", "A4477E87E9F55853", "F8ACFA3AC31CFEEA047F7B11", "f8acfa3ac31cfeea047f7b115b03bef5"]);
        check(b"abc", 3, n, ["ABF3A3A0", "D4D7B9F6BD4FBFCF", "883C3D4B97A61976FFCF2323", "883c3d4b97a61976ffcf232308cba5a5"]);
        check(b"abc", 1500, n, ["ABEB3C8B", "D4CF26DDEFD5C01A", "8824A260C53C66A36C9260A6", "8824a260c53c66a36c9260a62cb83aa1"]);
    }

    // 'a' * 2^25 exercises the POLY-128 half of L2. The values printed in
    // RFC 4418 for it are wrong (RFC errata, see the UMAC authors' errata
    // list); these are the corrected ones, as in Nettle's test suite.
    #[rustfmt::skip]
    #[test]
    fn rfc4418_a_2_25_errata() {
        check(b"a", 1 << 25, b"bcdefghi", ["85EE5CAE", "FACA46F856E9B45F", "A621C2457C0012E64F3FDAE9", "a621c2457c0012e64f3fdae9e7e1870c"]);
    }

    // Nonce lengths 1 to 16 and message lengths around the 32-byte padding
    // and the 1024-byte L1 chunk, from the reference implementation (Nettle's
    // test suite).
    #[rustfmt::skip]
    #[test]
    fn nonce_and_length_edges() {
        let d = b"def";
        check(d, 0, b"b", ["3a58486b", "9e38f67da91a08d9", "9e38f67da91a08d9c980f4db", "9e38f67da91a08d9c980f4db4089c877"]);
        check(d, 1, b"bc", ["d86b1512", "fb0e207971b8e66a", "ef406c2ec70d0222f59e860e", "ef406c2ec70d0222f59e860eabb79ed0"]);
        check(d, 2, b"bcd", ["1ae6e02d", "1ae6e02d73aa9ab2", "1ae6e02d73aa9ab2a27fb89e", "1ae6e02d73aa9ab2a27fb89e014dc07b"]);
        check(d, 3, b"bcde", ["e8c1eb59", "c81cf22342e84302", "82626d0d575e01038e5e2cc6", "82626d0d575e01038e5e2cc6408216f5"]);
        check(d, 4, b"bcdef", ["8950f0d3", "aba003e7bd673cc3", "aba003e7bd673cc368ba8513", "aba003e7bd673cc368ba8513cecf2e7c"]);
        check(d, 1020, b"bcdefg", ["7412167c", "f98828a161bb4ae3", "d8b4811f747d588d7a913360", "d8b4811f747d588d7a913360960de7cf"]);
        check(d, 1021, b"bcdefgh", ["2d54936b", "2d54936be5bff72d", "2d54936be5bff72d2e105236", "2d54936be5bff72d2e1052361163b474"]);
        check(d, 1022, b"bcdefghi", ["53ca8dd2", "2cee9784556387b3", "700513397f8a210a98938d3e", "700513397f8a210a98938d3e7ac3bd88"]);
        check(d, 1023, b"bcdefghij", ["26cc58df", "24ac4284ca371f42", "24ac4284ca371f4280f60bd2", "24ac4284ca371f4280f60bd274633d67"]);
        check(d, 1024, b"bcdefghijk", ["3cada45a", "64c6a0fd14615a76", "abc223116cedd2db5af365e6", "abc223116cedd2db5af365e641a97539"]);
        check(d, 1025, b"bcdefghijkl", ["93251e18", "93251e18e56bbdc4", "93251e18e56bbdc457de556f", "93251e18e56bbdc457de556f95c59931"]);
        check(d, 1026, b"bcdefghijklm", ["24a4c3ab", "5d98bd8dfaf16352", "c1298672e52386753383a15e", "c1298672e52386753383a15ed58c0e42"]);
        check(d, 1027, b"bcdefghijklmn", ["e7e98945", "5b0557c9fdcf661b", "5b0557c9fdcf661b1758efc6", "5b0557c9fdcf661b1758efc603516ebe"]);
        check(d, 2046, b"bcdefghijklmno", ["e12ddc9f", "65e85d47447c2277", "16bb5183017826ed47c9995c", "16bb5183017826ed47c9995c1e5834f3"]);
        check(d, 2047, b"bcdefghijklmnop", ["34d723a6", "34d723a6cb1676d3", "34d723a6cb1676d3547a5064", "34d723a6cb1676d3547a5064dc5b0a37"]);
        check(d, 2048, b"bcdefghijklmnopq", ["21fd8802", "3968d5d0af147884", "84565620def1e3a614d274e8", "84565620def1e3a614d274e87626f215"]);
        check(d, 2049, b"b", ["097e5abd", "ad1ee4ab606061c5", "ad1ee4ab606061c55e0d2ecf", "ad1ee4ab606061c55e0d2ecfee59940a"]);
        check(d, 2050, b"bc", ["a03a7fe9", "835f4a8242100055", "971106d5f4a5e41dce40a917", "971106d5f4a5e41dce40a91704cfe1f3"]);
    }

    // Around the POLY-64 to POLY-128 switch of L2 (2^24 bytes of message),
    // from the reference implementation (Nettle's test suite).
    #[rustfmt::skip]
    #[test]
    fn poly64_to_poly128_switch() {
        let d = b"def";
        check(d, 16777216, b"bcdefgh", ["42d8562a", "42d8562a224a9e9a", "42d8562a224a9e9a75c2f85d", "42d8562a224a9e9a75c2f85d39462d07"]);
        check(d, 16777217, b"bcdefghi", ["486b138d", "374f09dbb0b84b88", "6ba48d669a51ed3195ebc2aa", "6ba48d669a51ed3195ebc2aa562ee71b"]);
        check(d, 16778240, b"bcdefghijk", ["b9fc4f81", "e1974b26fb35f2c6", "2e93c8ca83b97a6b1a21082e", "2e93c8ca83b97a6b1a21082e2a4c540d"]);
        check(d, 16778241, b"bcdefghijkl", ["ffced8f2", "ffced8f2494d85bf", "ffced8f2494d85bf0cb39408", "ffced8f2494d85bf0cb39408ddfe0295"]);
    }

    #[test]
    fn bad_nonce_lengths_give_none() {
        let u = Umac::new(KEY, 8);
        assert_eq!(u.tag(b"x", b""), None);
        assert_eq!(u.tag(b"x", &[0u8; 17]), None);
    }
}
