// Added by the Apiary patch: RSA host-key signatures through ring.
//
// The `rsa` crate (0.10 release candidate, constant-time crypto-bigint) takes ~5 ms for one
// RSA-3072 signature on a 2-core VM, so every client that negotiates `rsa-sha2-256`/`-512`
// costs the server six times an Ed25519 login. ring's RSA is several times faster. The
// private key is converted once (PKCS#1 DER) and cached by its modulus; SHA-1 `ssh-rsa`
// and anything ring refuses fall back to the `rsa` crate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256, RSA_PKCS1_SHA512};
use rsa::pkcs1::EncodeRsaPrivateKey;
use ssh_key::private::RsaKeypair;
use ssh_key::{Algorithm, HashAlg, Signature};

use crate::helpers::EncodedExt;

/// Most distinct keys cached (a server has one RSA host key; this only bounds odd callers).
const MAX_CACHED: usize = 16;

/// ring's form of `key`, converted on first use.
fn ring_keypair(key: &RsaKeypair) -> Option<Arc<RsaKeyPair>> {
    static CACHE: OnceLock<Mutex<HashMap<Vec<u8>, Arc<RsaKeyPair>>>> = OnceLock::new();
    let modulus = key.public().n().as_bytes().to_vec();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(pair) = cache.lock().ok()?.get(&modulus) {
        return Some(pair.clone());
    }
    let private = rsa::RsaPrivateKey::try_from(key).ok()?;
    let der = private.to_pkcs1_der().ok()?;
    let pair = Arc::new(RsaKeyPair::from_der(der.as_bytes()).ok()?);
    let mut cache = cache.lock().ok()?;
    if cache.len() < MAX_CACHED {
        cache.insert(modulus, pair.clone());
    }
    Some(pair)
}

/// Signs `data` as `rsa-sha2-256`/`rsa-sha2-512` with ring, encoded as an SSH signature blob;
/// `None` when the caller should use the `rsa` crate instead.
pub(crate) fn sign(key: &RsaKeypair, hash: Option<HashAlg>, data: &[u8]) -> Option<Vec<u8>> {
    let padding = match hash {
        Some(HashAlg::Sha256) => &RSA_PKCS1_SHA256,
        Some(HashAlg::Sha512) => &RSA_PKCS1_SHA512,
        _ => return None,
    };
    let pair = ring_keypair(key)?;
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(padding, &ring::rand::SystemRandom::new(), data, &mut sig)
        .ok()?;
    Signature::new(Algorithm::Rsa { hash }, sig).ok()?.encoded().ok()
}
