//! The SSH honeypot: our own accept loop (limits, metadata, the client's KEXINIT for HASSH) in front of russh,
//! configured to look like Debian 12's OpenSSH 9.2p1.
//!
//! - `hello.rs`: the client's identification line and KEXINIT, read off the raw stream.
//! - `handler.rs`: authentication, channels (shell, exec, subsystems, port forwarding) and the fake shell behind them.
//! - `scp.rs`: the legacy `scp -t` sink; uploads are captured.
//! - `sftp.rs`: the `sftp` subsystem on the connection's fake filesystem; uploads are captured.

mod handler;
pub mod hello;
pub mod scp;
mod sftp;

use std::borrow::Cow;
use std::sync::Arc;

use russh::keys::{Algorithm, HashAlg, PrivateKey};
use russh::{cipher, compression, kex, mac, MethodKind, MethodSet, Preferred};
use tokio::net::TcpListener;

use crate::Shared;

/// OpenSSH 9.2p1's key exchange list exactly as Debian 12 (deb12u10, with the Terrapin fix) sends it; the
/// sntrup761 hybrid comes from our patched russh (`third_party/russh`).
const KEX: &[kex::Name] = &[
    kex::SNTRUP761X25519_SHA512,
    kex::SNTRUP761X25519_SHA512_OPENSSH,
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::ECDH_SHA2_NISTP256,
    kex::ECDH_SHA2_NISTP384,
    kex::ECDH_SHA2_NISTP521,
    kex::DH_GEX_SHA256,
    kex::DH_G16_SHA512,
    kex::DH_G18_SHA512,
    kex::DH_G14_SHA256,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
];

/// OpenSSH 9.2p1's cipher list, in its order.
const CIPHERS: &[cipher::Name] = &[
    cipher::CHACHA20_POLY1305,
    cipher::AES_128_CTR,
    cipher::AES_192_CTR,
    cipher::AES_256_CTR,
    cipher::AES_128_GCM,
    cipher::AES_256_GCM,
];

/// OpenSSH 9.2p1's MAC list in its order (the UMACs come from our patched russh).
const MACS: &[mac::Name] = &[
    mac::UMAC_64_ETM,
    mac::UMAC_128_ETM,
    mac::HMAC_SHA256_ETM,
    mac::HMAC_SHA512_ETM,
    mac::HMAC_SHA1_ETM,
    mac::UMAC_64,
    mac::UMAC_128,
    mac::HMAC_SHA256,
    mac::HMAC_SHA512,
    mac::HMAC_SHA1,
];

/// `none,zlib@openssh.com`, as OpenSSH offers by default.
const COMPRESSION: &[compression::Name] = &[compression::NONE, compression::ZLIB_LEGACY];

/// The russh configuration that makes the server look like OpenSSH 9.2p1.
pub fn russh_config(shared: &Shared, keys: Vec<PrivateKey>) -> russh::server::Config {
    let ssh = &shared.config.ssh;
    russh::server::Config {
        server_id: russh::SshId::Standard(ssh.version.clone().into()),
        methods: MethodSet::from(&[MethodKind::PublicKey, MethodKind::Password][..]),
        auth_rejection_time: ssh.auth_fail_delay,
        auth_rejection_time_initial: Some(std::time::Duration::ZERO),
        keys,
        preferred: Preferred {
            kex: Cow::Borrowed(KEX),
            key: Cow::Owned(vec![
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha512),
                },
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha256),
                },
                Algorithm::Ecdsa {
                    curve: russh::keys::EcdsaCurve::NistP256,
                },
                Algorithm::Ed25519,
            ]),
            cipher: Cow::Borrowed(CIPHERS),
            mac: Cow::Borrowed(MACS),
            compression: Cow::Borrowed(COMPRESSION),
            ..Preferred::default()
        },
        max_auth_attempts: ssh.max_auth_tries as usize,
        inactivity_timeout: Some(shared.config.limits.idle_timeout),
        nodelay: true,
        // sshd confirms a session channel with a zero window and opens it when the shell or command starts.
        session_window_on_start: true,
        ..Default::default()
    }
}

/// Accepts connections until the listener fails; each runs in its own task within the sensor's limits.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, config: Arc<russh::server::Config>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                tracing::warn!(error = %e, "ssh accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(admission) = shared.limits.admit(peer.ip()) else {
            // OpenSSH's MaxStartups: the connection is closed before the banner.
            drop(stream);
            continue;
        };
        // sshd turns Nagle off too (for interactive sessions); without it every handshake round trip that follows
        // a small write waits for the peer's delayed ACK (~40 ms).
        let _ = stream.set_nodelay(true);
        let local = stream.local_addr().unwrap_or(peer);
        let shared = shared.clone();
        let config = config.clone();
        tokio::spawn(async move {
            handler::run(stream, peer, local, shared, config, admission).await;
        });
    }
}
