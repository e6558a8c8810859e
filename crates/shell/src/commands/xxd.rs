//! `xxd` from vim-common: the default hex dump (16 bytes a line, two-byte groups, ASCII column) and `-p`.

use super::{prog, Command, Ctx};

/// The `xxd` command.
pub struct Xxd;

impl Command for Xxd {
    fn names(&self) -> &'static [&'static str] {
        &["xxd", "/usr/bin/xxd"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut plain = false;
        let mut file = None;
        for a in args.iter().skip(1) {
            match a.as_str() {
                "-p" | "-ps" | "-postscript" | "-plain" => plain = true,
                "-" => file = None,
                s if s.starts_with('-') => {
                    ctx.err(format!("{p}: unknown option {s}\n"));
                    return 1;
                }
                s => file = Some(s.to_owned()),
            }
        }
        let data = match &file {
            None => stdin.to_vec(),
            Some(f) => match ctx.session.read_file(f) {
                Ok(d) => d,
                Err(e) => {
                    ctx.err(format!("{p}: {f}: {}\n", e.message()));
                    return 2;
                }
            },
        };
        let mut out = String::new();
        if plain {
            for line in data.chunks(30) {
                for b in line {
                    out.push_str(&format!("{b:02x}"));
                }
                out.push('\n');
            }
        } else {
            for (i, line) in data.chunks(16).enumerate() {
                let mut hex = String::new();
                for (j, b) in line.iter().enumerate() {
                    if j > 0 && j % 2 == 0 {
                        hex.push(' ');
                    }
                    hex.push_str(&format!("{b:02x}"));
                }
                let ascii: String = line
                    .iter()
                    .map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' })
                    .collect();
                out.push_str(&format!("{:08x}: {hex:<39}  {ascii}\n", i * 16));
            }
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn xxd() {
        check(
            r"printf 'hello world\n\x00\x01\xff\tabcdefghijklmnop' | xxd",
            "00000000: 6865 6c6c 6f20 776f 726c 640a 0001 ff09  hello world.....\n\
             00000010: 6162 6364 6566 6768 696a 6b6c 6d6e 6f70  abcdefghijklmnop\n",
            "",
            0,
        );
        check(
            "printf abc | xxd",
            "00000000: 6162 63                                  abc\n",
            "",
            0,
        );
        check(
            r"printf 'hello world\n\x00\x01\xff\tabcdefghijklmnop' | xxd -p",
            "68656c6c6f20776f726c640a0001ff096162636465666768696a6b6c6d6e\n6f70\n",
            "",
            0,
        );
        check("xxd /nope", "", "xxd: /nope: No such file or directory\n", 2);
    }
}
