//! `md5sum`, `sha1sum`, `sha256sum` and `sha512sum` from coreutils: digests of files and stdin (`-`), with
//! coreutils' error texts.

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use super::{prog, Command, Ctx};

/// The `md5sum` command.
pub struct Md5sum;
/// The `sha1sum` command.
pub struct Sha1sum;
/// The `sha256sum` command.
pub struct Sha256sum;
/// The `sha512sum` command.
pub struct Sha512sum;

/// Hex digest of `data` with `D`.
fn hex<D: Digest>(data: &[u8]) -> String {
    D::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The shared body: `digest` maps bytes to a hex string.
fn run(ctx: &mut Ctx, args: &[String], stdin: &[u8], digest: fn(&[u8]) -> String) -> i32 {
    let p = prog(args).to_owned();
    let mut files = Vec::new();
    let mut done = false;
    for a in args.iter().skip(1) {
        if done || a == "-" || !a.starts_with('-') {
            files.push(a.clone());
        } else if a == "--" {
            done = true;
        } else if matches!(a.as_str(), "-b" | "-t" | "--binary" | "--text") {
        } else {
            return ctx.invalid_option(&p, a);
        }
    }
    if files.is_empty() {
        files.push("-".to_owned());
    }
    let mut status = 0;
    for f in files {
        let data = if f == "-" {
            Ok(stdin.to_vec())
        } else {
            ctx.session.read_file(&f).map_err(|e| e.message())
        };
        match data {
            Ok(d) => ctx.out(format!("{}  {f}\n", digest(&d))),
            Err(msg) => {
                ctx.err(format!("{p}: {f}: {msg}\n"));
                status = 1;
            }
        }
    }
    status
}

impl Command for Md5sum {
    fn names(&self) -> &'static [&'static str] {
        &["md5sum", "/bin/md5sum", "/usr/bin/md5sum"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        run(ctx, args, stdin, hex::<Md5>)
    }
}

impl Command for Sha1sum {
    fn names(&self) -> &'static [&'static str] {
        &["sha1sum", "/bin/sha1sum", "/usr/bin/sha1sum"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        run(ctx, args, stdin, hex::<Sha1>)
    }
}

impl Command for Sha256sum {
    fn names(&self) -> &'static [&'static str] {
        &["sha256sum", "/bin/sha256sum", "/usr/bin/sha256sum"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        run(ctx, args, stdin, hex::<Sha256>)
    }
}

impl Command for Sha512sum {
    fn names(&self) -> &'static [&'static str] {
        &["sha512sum", "/bin/sha512sum", "/usr/bin/sha512sum"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        run(ctx, args, stdin, hex::<Sha512>)
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn sums() {
        check(
            "echo -n hi | sha1sum",
            "c22b5f9178342609428d6f51b2c5af4c0bde6a42  -\n",
            "",
            0,
        );
        check("echo hi | md5sum", "764efa883dda1e11db47671c4a3bbd9e  -\n", "", 0);
        check(
            "echo hi | sha256sum -",
            "98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4  -\n",
            "",
            0,
        );
        check(
            "md5sum /nope /etc",
            "",
            "md5sum: /nope: No such file or directory\nmd5sum: /etc: Is a directory\n",
            1,
        );
    }
}
