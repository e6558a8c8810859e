//! `tail` from coreutils: `-n N`, `-n +N`, `-c N`, `-c +N`, `-N`, headers for several files, stdin; `-f` acts as
//! if the file ended (the emulation has no live files).

use super::head::{each, line_starts, parse, Opts};
use super::{Command, Ctx};

/// The `tail` command.
pub struct Tail;

/// `tail`'s selection.
fn pick(o: &Opts, d: &[u8]) -> Vec<u8> {
    let n = usize::try_from(o.n).unwrap_or(usize::MAX);
    let start = if o.bytes {
        if o.sign == Some('+') {
            n.saturating_sub(1).min(d.len())
        } else {
            d.len().saturating_sub(n)
        }
    } else {
        let lines = line_starts(d);
        if o.sign == Some('+') {
            lines.get(n.saturating_sub(1)).copied().unwrap_or(d.len())
        } else if n == 0 {
            d.len()
        } else {
            lines.get(lines.len().saturating_sub(n)).copied().unwrap_or(0)
        }
    };
    d.get(start..).unwrap_or(&[]).to_vec()
}

impl Command for Tail {
    fn names(&self) -> &'static [&'static str] {
        &["tail", "/bin/tail", "/usr/bin/tail"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        match parse(ctx, args, true) {
            Ok(o) => each(ctx, args, stdin, &o, pick),
            Err(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn tail() {
        check("seq 12 | tail", "3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", "", 0);
        check("seq 5 | tail -n 2", "4\n5\n", "", 0);
        check("seq 5 | tail -2", "4\n5\n", "", 0);
        check("seq 5 | tail -n +3", "3\n4\n5\n", "", 0);
        check("seq 5 | tail -c 4", "4\n5\n", "", 0);
        check("printf 'a\\nb' | tail -n 1", "b", "", 0);
        check("seq 3 | tail -f", "1\n2\n3\n", "", 0);
        check(
            "tail /nope /etc",
            "==> /etc <==\n",
            "tail: cannot open '/nope' for reading: No such file or directory\ntail: error reading '/etc': Is a directory\n",
            1,
        );
        check(
            "seq 3 | tail -n 1 - /etc/hostname",
            "==> standard input <==\n3\n\n==> /etc/hostname <==\ndebian\n",
            "",
            0,
        );
    }
}
