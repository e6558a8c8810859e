//! `wc` from coreutils: line, word, byte and character counts with coreutils' column widths.

use super::{prog, Command, Ctx};

/// The `wc` command.
pub struct Wc;

/// The counts of one input.
#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    chars: u64,
    bytes: u64,
}

fn count(data: &[u8]) -> Counts {
    let mut c = Counts {
        bytes: data.len() as u64,
        ..Counts::default()
    };
    let mut in_word = false;
    for &b in data {
        if b == b'\n' {
            c.lines += 1;
        }
        if (b & 0xC0) != 0x80 {
            c.chars += 1;
        }
        if b.is_ascii_whitespace() || b == 0x0b {
            in_word = false;
        } else if !in_word {
            in_word = true;
            c.words += 1;
        }
    }
    c
}

impl Command for Wc {
    fn names(&self) -> &'static [&'static str] {
        &["wc", "/bin/wc", "/usr/bin/wc"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let (mut l, mut w, mut c, mut m) = (false, false, false, false);
        let mut files = Vec::new();
        let mut options_done = false;
        for arg in args.iter().skip(1) {
            if options_done || arg == "-" || !arg.starts_with('-') {
                files.push(arg.as_str());
                continue;
            }
            match arg.as_str() {
                "--" => options_done = true,
                "--lines" => l = true,
                "--words" => w = true,
                "--bytes" => c = true,
                "--chars" => m = true,
                a if a.starts_with("--") => return ctx.invalid_option(prog(args), a),
                a => {
                    for ch in a.chars().skip(1) {
                        match ch {
                            'l' => l = true,
                            'w' => w = true,
                            'c' => c = true,
                            'm' => m = true,
                            _ => return ctx.invalid_option(prog(args), &format!("-{ch}")),
                        }
                    }
                }
            }
        }
        if !(l || w || c || m) {
            (l, w, c) = (true, true, true);
        }
        let implicit = files.is_empty();
        if implicit {
            files.push("-");
        }
        let mut results: Vec<(Option<Counts>, &str)> = Vec::new();
        let mut status = 0;
        let mut size_sum: u64 = 0;
        let mut has_stdin = false;
        for &file in &files {
            if file == "-" {
                has_stdin = true;
                results.push((Some(count(stdin)), file));
                continue;
            }
            match ctx.session.read_file(file) {
                Ok(bytes) => {
                    size_sum = size_sum.saturating_add(bytes.len() as u64);
                    results.push((Some(count(&bytes)), file));
                }
                Err(e) => {
                    let msg = e.message();
                    ctx.err(format!("{}: {file}: {msg}\n", prog(args)));
                    status = 1;
                    results.push((None, file));
                }
            }
        }
        let shown = [l, w, m, c].iter().filter(|&&x| x).count();
        let width = if shown == 1 && files.len() == 1 {
            1
        } else {
            let mut wd = size_sum.to_string().len();
            if has_stdin {
                wd = wd.max(7);
            }
            wd
        };
        let mut total = Counts::default();
        let line = |k: &Counts, name: Option<&str>| {
            let mut fields = Vec::new();
            for (on, v) in [(l, k.lines), (w, k.words), (m, k.chars), (c, k.bytes)] {
                if on {
                    fields.push(format!("{v:>width$}"));
                }
            }
            let mut s = fields.join(" ");
            if let Some(n) = name {
                s.push(' ');
                s.push_str(n);
            }
            s.push('\n');
            s
        };
        for (counts, name) in &results {
            if let Some(k) = counts {
                total.lines += k.lines;
                total.words += k.words;
                total.chars += k.chars;
                total.bytes += k.bytes;
                let shown_name = if implicit { None } else { Some(*name) };
                ctx.out(line(k, shown_name));
            }
        }
        if files.len() > 1 {
            ctx.out(line(&total, Some("total")));
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn wc() {
        check("echo hello world | wc", "      1       2      12\n", "", 0);
        check("echo hello world | wc -l", "1\n", "", 0);
        check("wc -l /etc/hostname", "1 /etc/hostname\n", "", 0);
        check("wc /etc/hostname", "1 1 7 /etc/hostname\n", "", 0);
        check(
            "wc -c /etc/hostname /etc/hostname",
            " 7 /etc/hostname\n 7 /etc/hostname\n14 total\n",
            "",
            0,
        );
        check("wc /x", "", "wc: /x: No such file or directory\n", 1);
        check("echo hé | wc -m", "3\n", "", 0);
    }
}
