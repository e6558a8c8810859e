//! `mwbinary.dionaea.sensorunique`: the payload IS a captured file (Dionaea's `sendfile`).
//!
//! The message says nothing about who sent the file: the event's source address is `0.0.0.0` port 0, and the
//! session is derived from the content's SHA-256. The matching `dionaea.capture` event carries the attacker.

use std::net::{IpAddr, Ipv4Addr};

use event::{FileInfo, Kind};
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::build::{Ctx, Envelope, Out};
use super::FileBytes;

/// One `file.upload` event with the content's hashes and size, plus the bytes.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let sha256 = hex::encode(Sha256::digest(ctx.payload));
    let env = Envelope {
        sensor: ctx.ident.to_string(),
        honeypot: "dionaea",
        session: format!("mwbinary-{}", &sha256[..16]),
        proto: "unknown".to_string(),
        src_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        src_port: 0,
        dst_ip: None,
        dst_port: 0,
    };
    let info = FileInfo {
        sha256: Some(sha256),
        md5: Some(hex::encode(Md5::digest(ctx.payload))),
        sha1: Some(hex::encode(Sha1::digest(ctx.payload))),
        size: ctx.payload.len() as u64,
        stored: true,
        ..FileInfo::default()
    };
    out.push(&env, None, Kind::FileUpload(info));
    out.files.push(FileBytes {
        bytes: bytes::Bytes::copy_from_slice(ctx.payload),
        mime: None,
    });
    Ok(())
}
