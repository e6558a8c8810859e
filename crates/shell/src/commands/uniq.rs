//! `uniq` from coreutils 9.1: adjacent duplicate lines with `-c -d -u -i`, from a file or stdin.

use super::{prog, Command, Ctx};

/// The `uniq` command.
pub struct Uniq;

impl Command for Uniq {
    fn names(&self) -> &'static [&'static str] {
        &["uniq", "/bin/uniq", "/usr/bin/uniq"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let (mut count, mut dups, mut uniques, mut fold) = (false, false, false, false);
        let mut files: Vec<&str> = Vec::new();
        let mut done = false;
        for arg in args.iter().skip(1) {
            if done || arg == "-" || !arg.starts_with('-') {
                files.push(arg);
                continue;
            }
            match arg.as_str() {
                "--" => done = true,
                "--count" => count = true,
                "--repeated" => dups = true,
                "--unique" => uniques = true,
                "--ignore-case" => fold = true,
                a if a.starts_with("--") => return ctx.invalid_option(&p, a),
                a => {
                    for c in a.chars().skip(1) {
                        match c {
                            'c' => count = true,
                            'd' => dups = true,
                            'u' => uniques = true,
                            'i' => fold = true,
                            _ => return ctx.invalid_option(&p, &format!("-{c}")),
                        }
                    }
                }
            }
        }
        if let Some(extra) = files.get(2) {
            return ctx.extra_operand(&p, extra);
        }
        let data = match files.first() {
            None | Some(&"-") => stdin.to_vec(),
            Some(f) => match ctx.session.read_file(f) {
                Ok(d) => d,
                Err(e) => {
                    ctx.err(format!("{p}: {f}: {}\n", e.message()));
                    return 1;
                }
            },
        };
        if data.is_empty() {
            return 0;
        }
        let body = data.strip_suffix(b"\n").unwrap_or(&data);
        let same = |a: &[u8], b: &[u8]| if fold { a.eq_ignore_ascii_case(b) } else { a == b };
        let mut groups: Vec<(&[u8], usize)> = Vec::new();
        for line in body.split(|&b| b == b'\n') {
            match groups.last_mut() {
                Some((first, n)) if same(first, line) => *n += 1,
                _ => groups.push((line, 1)),
            }
        }
        let mut out = Vec::new();
        for (line, n) in groups {
            if (dups && n < 2) || (uniques && n > 1) {
                continue;
            }
            if count {
                out.extend_from_slice(format!("{n:>7} ").as_bytes());
            }
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        match files.get(1) {
            Some(&f) if f != "-" => {
                let s = &mut *ctx.session;
                if let Err(e) = s.fs.write(&s.cwd, f, &out, crate::fs::WriteMode::Truncate) {
                    ctx.err(format!("{p}: {f}: {}\n", e.message()));
                    return 1;
                }
            }
            _ => ctx.out(out),
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn uniq() {
        check("echo -ne 'a\\na\\nb\\n' | uniq", "a\nb\n", "", 0);
        check("echo -ne 'a\\na\\nb\\n' | uniq -c", "      2 a\n      1 b\n", "", 0);
        check("echo -ne 'a\\na\\nb\\n' | uniq -d", "a\n", "", 0);
        check("echo -ne 'a\\na\\nb\\n' | uniq -u", "b\n", "", 0);
        check("echo -ne 'a\\nA\\nb' | uniq -ci", "      2 a\n      1 b\n", "", 0);
        check(
            "echo -ne 'b\\nb\\n' > /tmp/u; uniq /tmp/u /tmp/v; cat /tmp/v",
            "b\n",
            "",
            0,
        );
        check("uniq /nope", "", "uniq: /nope: No such file or directory\n", 1);
    }
}
