//! The SSH host keys (Ed25519, ECDSA P-256, RSA 3072, as Debian's `ssh-keygen -A` makes them): generated on first
//! start, kept in OpenSSH's file format under the data folder, so the sensor's fingerprint never changes.

use std::path::Path;

use anyhow::Context;
use russh::keys::ssh_key::private::RsaKeypair;
use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, EcdsaCurve, PrivateKey};

/// File names and algorithms, in the order OpenSSH 9.2 offers them (RSA first in the host-key list).
const KEYS: [&str; 3] = ["ssh_host_rsa_key", "ssh_host_ecdsa_key", "ssh_host_ed25519_key"];

/// Loads the three host keys from `dir`, creating any that is missing (files mode 0600).
pub fn load_or_create(dir: &Path) -> anyhow::Result<Vec<PrivateKey>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create host key folder {}", dir.display()))?;
    let mut keys = Vec::new();
    for name in KEYS {
        let path = dir.join(name);
        let key = match std::fs::read_to_string(&path) {
            Ok(text) => PrivateKey::from_openssh(text.as_bytes()).with_context(|| {
                format!(
                    "{} is not an OpenSSH private key; move it away to regenerate",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path, name)?,
            Err(e) => return Err(e).with_context(|| format!("cannot read host key {}", path.display())),
        };
        keys.push(key);
    }
    Ok(keys)
}

/// Generates one key and writes it (private 0600, public 0644 `.pub` beside it).
fn create(path: &Path, name: &str) -> anyhow::Result<PrivateKey> {
    let mut rng = rand10::rng();
    let key = match name {
        "ssh_host_rsa_key" => {
            PrivateKey::from(RsaKeypair::random(&mut rng, 3072).context("RSA key generation failed")?)
        }
        "ssh_host_ecdsa_key" => PrivateKey::random(
            &mut rng,
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP256,
            },
        )
        .context("ECDSA key generation failed")?,
        _ => PrivateKey::random(&mut rng, Algorithm::Ed25519).context("Ed25519 key generation failed")?,
    };
    let text = key.to_openssh(LineEnding::LF).context("cannot encode host key")?;
    write_private(path, text.as_bytes()).with_context(|| format!("cannot write host key {}", path.display()))?;
    let public = key.public_key().to_openssh().context("cannot encode public host key")?;
    let pub_path = path.with_extension("pub");
    std::fs::write(&pub_path, format!("{public} root@localhost\n"))
        .with_context(|| format!("cannot write {}", pub_path.display()))?;
    tracing::info!(path = %path.display(), "generated SSH host key");
    Ok(key)
}

/// Writes a secret file readable by its owner only, atomically.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path()).unwrap();
        let algos: Vec<String> = a.iter().map(|k| k.algorithm().to_string()).collect();
        assert_eq!(algos, ["ssh-rsa", "ecdsa-sha2-nistp256", "ssh-ed25519"]);
        let b = load_or_create(dir.path()).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.public_key(), y.public_key());
        }
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("ssh_host_ed25519_key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(dir.path().join("ssh_host_rsa_key.pub").exists());
    }
}
