//! `sntrup761x25519-sha512` (and its `@openssh.com` alias): hybrid Streamlined
//! NTRU Prime 761 + X25519 key exchange, as OpenSSH's `kexsntrup761x25519.c`
//! and draft-ietf-sshm-ntruprime-ssh define it.
//!
//! * client → server (`SSH_MSG_KEX_ECDH_INIT`, 30): string
//!   `sntrup761 public key (1158) || X25519 public key (32)`;
//! * server → client (`SSH_MSG_KEX_ECDH_REPLY`, 31): string
//!   `sntrup761 ciphertext (1039) || X25519 public key (32)`;
//! * `K = SHA-512(sntrup761 shared secret || X25519 shared secret)`, encoded
//!   in the exchange hash and in key derivation as an SSH *string* (not an
//!   mpint); the exchange hash is SHA-512.
//!
//! Added by the Apiary patch (see PATCHES.md); not part of upstream russh 0.65.1.

use curve25519_dalek::montgomery::MontgomeryPoint;
use log::debug;
use sha2::{Digest, Sha512};
use ssh_encoding::{Encode, Writer};

use super::{KexAlgorithm, KexAlgorithmImplementor, KexType, SharedSecret, compute_keys};
use crate::mac;
use crate::session::Exchange;
use crate::{CryptoVec, Error, cipher, msg};

const SNTRUP761_PUBLIC_KEY_SIZE: usize = sntrup761::PUBLIC_KEY_SIZE;
const SNTRUP761_CIPHERTEXT_SIZE: usize = sntrup761::CIPHERTEXT_SIZE;
const X25519_PUBLIC_KEY_SIZE: usize = 32;

pub struct Sntrup761X25519KexType {}

impl KexType for Sntrup761X25519KexType {
    fn make(&self) -> KexAlgorithm {
        Sntrup761X25519Kex::default().into()
    }
}

#[doc(hidden)]
#[derive(Default)]
pub struct Sntrup761X25519Kex {
    /// Client only: the sntrup761 secret key, until the reply arrives.
    sntrup_secret: Option<Box<sntrup761::DecapsulationKey>>,
    /// Client only: the X25519 secret scalar, until the reply arrives.
    x25519_secret: Option<[u8; 32]>,
    /// `SHA-512(k_pq || k_cl)`, once both halves are known.
    k: Option<[u8; 64]>,
}

impl std::fmt::Debug for Sntrup761X25519Kex {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "Sntrup761X25519Kex {{ sntrup_secret: [hidden], x25519_secret: [hidden], k: [hidden] }}",
        )
    }
}

/// `SHA-512(k_pq || k_cl)`: the hybrid shared secret of the draft.
fn combine(k_pq: &[u8], k_cl: &[u8; 32]) -> [u8; 64] {
    let mut hasher = Sha512::new();
    hasher.update(k_pq);
    hasher.update(k_cl);
    let mut out = [0u8; 64];
    out.copy_from_slice(&hasher.finalize());
    out
}

/// Reads the `string C_INIT` of an `SSH_MSG_KEX_ECDH_INIT` payload without
/// panicking on short or lying input.
fn parse_init(payload: &[u8]) -> Result<&[u8], Error> {
    if payload.first() != Some(&msg::KEX_ECDH_INIT) {
        return Err(Error::Inconsistent);
    }
    let len_bytes: [u8; 4] = payload
        .get(1..5)
        .and_then(|b| b.try_into().ok())
        .ok_or(Error::Inconsistent)?;
    let len = u32::from_be_bytes(len_bytes) as usize;
    let body = payload.get(5..).ok_or(Error::Inconsistent)?;
    body.get(..len).ok_or(Error::Inconsistent)
}

impl KexAlgorithmImplementor for Sntrup761X25519Kex {
    fn skip_exchange(&self) -> bool {
        false
    }

    fn server_dh(&mut self, exchange: &mut Exchange, payload: &[u8]) -> Result<(), Error> {
        debug!("server_dh (sntrup761x25519)");
        let c_init = parse_init(payload)?;
        if c_init.len() != SNTRUP761_PUBLIC_KEY_SIZE + X25519_PUBLIC_KEY_SIZE {
            return Err(Error::Kex);
        }
        let (c_pq_bytes, c_cl_bytes) = c_init.split_at(SNTRUP761_PUBLIC_KEY_SIZE);
        let c_pq = sntrup761::EncapsulationKey::try_from(c_pq_bytes).map_err(|_| Error::Kex)?;
        let c_cl: [u8; 32] = c_cl_bytes.try_into().map_err(|_| Error::Kex)?;

        let (s_ct, k_pq) = c_pq.encapsulate(rand::rng());

        let s_secret = rand::random::<[u8; 32]>();
        let s_pk = MontgomeryPoint::mul_base_clamped(s_secret);
        let k_cl = MontgomeryPoint(c_cl).mul_clamped(s_secret);
        if k_cl.0 == [0u8; 32] {
            debug!("client sent a low-order curve25519 pubkey");
            return Err(Error::Kex);
        }

        exchange.server_ephemeral.clear();
        exchange.server_ephemeral.extend_from_slice(s_ct.as_ref());
        exchange.server_ephemeral.extend_from_slice(&s_pk.0);

        self.k = Some(combine(k_pq.as_ref(), &k_cl.0));
        Ok(())
    }

    fn client_dh(
        &mut self,
        client_ephemeral: &mut Vec<u8>,
        writer: &mut impl Writer,
    ) -> Result<(), Error> {
        let (pq_pk, pq_sk) = sntrup761::generate_key(rand::rng());
        let x25519_secret = rand::random::<[u8; 32]>();
        let x25519_pk = MontgomeryPoint::mul_base_clamped(x25519_secret);

        client_ephemeral.clear();
        client_ephemeral.extend_from_slice(pq_pk.as_ref());
        client_ephemeral.extend_from_slice(&x25519_pk.0);

        msg::KEX_ECDH_INIT.encode(writer)?;
        client_ephemeral.as_slice().encode(writer)?;

        self.sntrup_secret = Some(Box::new(pq_sk));
        self.x25519_secret = Some(x25519_secret);
        Ok(())
    }

    fn compute_shared_secret(&mut self, remote_pubkey_: &[u8]) -> Result<(), Error> {
        if remote_pubkey_.len() != SNTRUP761_CIPHERTEXT_SIZE + X25519_PUBLIC_KEY_SIZE {
            return Err(Error::Kex);
        }
        let (s_ct_bytes, s_cl_bytes) = remote_pubkey_.split_at(SNTRUP761_CIPHERTEXT_SIZE);
        let s_ct = sntrup761::Ciphertext::try_from(s_ct_bytes).map_err(|_| Error::Kex)?;
        let s_cl: [u8; 32] = s_cl_bytes.try_into().map_err(|_| Error::Kex)?;

        let pq_sk = self.sntrup_secret.take().ok_or(Error::KexInit)?;
        let k_pq = pq_sk.decapsulate(&s_ct);

        let x25519_secret = self.x25519_secret.take().ok_or(Error::KexInit)?;
        let k_cl = MontgomeryPoint(s_cl).mul_clamped(x25519_secret);
        if k_cl.0 == [0u8; 32] {
            debug!("server sent a low-order curve25519 pubkey");
            return Err(Error::Kex);
        }

        self.k = Some(combine(k_pq.as_ref(), &k_cl.0));
        Ok(())
    }

    fn shared_secret_bytes(&self) -> Option<&[u8]> {
        self.k.as_ref().map(|k| k.as_slice())
    }

    fn compute_exchange_hash(
        &self,
        key: &[u8],
        exchange: &Exchange,
        buffer: &mut CryptoVec,
    ) -> Result<Vec<u8>, Error> {
        let k = self.k.as_ref().ok_or(Error::KexInit)?;
        buffer.clear();
        exchange.client_id.encode(buffer)?;
        exchange.server_id.encode(buffer)?;
        exchange.client_kex_init.encode(buffer)?;
        exchange.server_kex_init.encode(buffer)?;
        buffer.extend(key);
        exchange.client_ephemeral.encode(buffer)?;
        exchange.server_ephemeral.encode(buffer)?;
        k.as_slice().encode(buffer)?;

        let mut hasher = Sha512::new();
        hasher.update(&buffer[..]);
        Ok(hasher.finalize().to_vec())
    }

    fn compute_keys(
        &self,
        session_id: &[u8],
        exchange_hash: &[u8],
        cipher: cipher::Name,
        remote_to_local_mac: mac::Name,
        local_to_remote_mac: mac::Name,
        is_server: bool,
    ) -> Result<super::cipher::CipherPair, Error> {
        let k = self.k.as_ref().ok_or(Error::KexInit)?;
        let shared_secret = SharedSecret::from_string(k)?;
        compute_keys::<Sha512>(
            Some(&shared_secret),
            session_id,
            exchange_hash,
            cipher,
            remote_to_local_mac,
            local_to_remote_mac,
            is_server,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_server_agree() {
        let mut client = Sntrup761X25519Kex::default();
        let mut server = Sntrup761X25519Kex::default();
        let mut client_ephemeral = Vec::new();
        let mut init = Vec::new();
        client.client_dh(&mut client_ephemeral, &mut init).unwrap();
        assert_eq!(client_ephemeral.len(), 1158 + 32);
        assert_eq!(init[0], 30);
        assert_eq!(&init[1..5], &(1190u32).to_be_bytes());

        let mut exchange = Exchange {
            client_id: b"SSH-2.0-a".to_vec(),
            server_id: b"SSH-2.0-b".to_vec(),
            client_kex_init: bytes::Bytes::from_static(b"ci"),
            server_kex_init: bytes::Bytes::from_static(b"si"),
            client_ephemeral: client_ephemeral.clone(),
            server_ephemeral: Vec::new(),
            gex: None,
        };
        server.server_dh(&mut exchange, &init).unwrap();
        assert_eq!(exchange.server_ephemeral.len(), 1039 + 32);
        client
            .compute_shared_secret(&exchange.server_ephemeral)
            .unwrap();
        assert_eq!(client.k, server.k);

        let mut buf = CryptoVec::new();
        let h1 = client
            .compute_exchange_hash(b"hostkey", &exchange, &mut buf)
            .unwrap();
        let h2 = server
            .compute_exchange_hash(b"hostkey", &exchange, &mut buf)
            .unwrap();
        assert_eq!(h1, h2);
        assert_eq!(h1.len(), 64);
    }

    #[test]
    fn short_or_lying_init_is_rejected_without_panic() {
        let mut server = Sntrup761X25519Kex::default();
        let mut exchange = Exchange::default();
        for payload in [
            &[][..],
            &[30][..],
            &[30, 0, 0][..],
            &[30, 0, 0, 4, 0xff][..],
            &[31, 0, 0, 0, 0][..],
        ] {
            assert!(server.server_dh(&mut exchange, payload).is_err());
        }
        let mut wrong_len = vec![30, 0, 0, 0, 10];
        wrong_len.extend([0u8; 10]);
        assert!(server.server_dh(&mut exchange, &wrong_len).is_err());
    }
}
