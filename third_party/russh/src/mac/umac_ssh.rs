//! SSH glue for UMAC (see `umac.rs`): `umac-64@openssh.com`,
//! `umac-128@openssh.com` and their encrypt-then-MAC `-etm` variants, as
//! OpenSSH's `mac.c` drives `umac.c`: 16-byte key, the 32-bit packet sequence
//! number as a big-endian 64-bit nonce, the tag computed over the packet
//! exactly like russh's HMACs (plaintext packet, or length + ciphertext for
//! `-etm`), but without the sequence number prefix.
//!
//! Added by the Apiary patch (see PATCHES.md); not part of upstream russh 0.65.1.

use subtle::ConstantTimeEq;

use super::umac::Umac;
use super::{Mac, MacAlgorithm};

/// Key length of every OpenSSH UMAC: 128 bits.
const UMAC_KEY_LEN: usize = 16;

pub struct UmacMacAlgorithm {
    /// Tag length in bytes (8 or 16).
    pub taglen: usize,
    /// Encrypt-then-MAC (`-etm@openssh.com`).
    pub etm: bool,
}

impl MacAlgorithm for UmacMacAlgorithm {
    fn key_len(&self) -> usize {
        UMAC_KEY_LEN
    }

    fn make_mac(&self, mac_key: &[u8]) -> Box<dyn Mac + Send> {
        // `compute_keys` always hands over `key_len()` bytes.
        let mut key = [0u8; UMAC_KEY_LEN];
        for (d, s) in key.iter_mut().zip(mac_key) {
            *d = *s;
        }
        Box::new(UmacMac {
            umac: Umac::new(&key, self.taglen),
            etm: self.etm,
        })
    }
}

struct UmacMac {
    umac: Umac,
    etm: bool,
}

impl UmacMac {
    fn tag(&self, sequence_number: u32, payload: &[u8]) -> [u8; 16] {
        let nonce = u64::from(sequence_number).to_be_bytes();
        self.umac.tag(payload, &nonce).unwrap_or([0u8; 16])
    }
}

impl Mac for UmacMac {
    fn mac_len(&self) -> usize {
        self.umac.tag_len()
    }

    fn is_etm(&self) -> bool {
        self.etm
    }

    fn compute(&self, sequence_number: u32, payload: &[u8], output: &mut [u8]) {
        let tag = self.tag(sequence_number, payload);
        for (d, s) in output.iter_mut().zip(tag.iter()) {
            *d = *s;
        }
    }

    fn verify(&self, sequence_number: u32, payload: &[u8], mac: &[u8]) -> bool {
        let tag = self.tag(sequence_number, payload);
        match tag.get(..self.umac.tag_len()) {
            Some(expected) => expected.ct_eq(mac).into(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_big_endian_sequence_number() {
        let alg = UmacMacAlgorithm {
            taglen: 8,
            etm: false,
        };
        let mac = alg.make_mac(b"abcdefghijklmnop");
        let mut out = [0u8; 8];
        mac.compute(0x6566_6768, b"abc", &mut out);
        let u = Umac::new(b"abcdefghijklmnop", 8);
        let want = u
            .tag(b"abc", &[0, 0, 0, 0, 0x65, 0x66, 0x67, 0x68])
            .unwrap();
        assert_eq!(&out[..], &want[..8]);
        assert!(mac.verify(0x6566_6768, b"abc", &out));
        assert!(!mac.verify(0x6566_6769, b"abc", &out));
        assert!(!mac.verify(0x6566_6768, b"abc", &out[..7]));
    }
}
