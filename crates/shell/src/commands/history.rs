//! `history`, the bash builtin: the session's lines numbered as bash prints them, `history N` and `history -c`.

use super::{Command, Ctx};

/// The `history` builtin.
pub struct History;

impl Command for History {
    fn names(&self) -> &'static [&'static str] {
        &["history"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut count = None;
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "-c" => {
                    ctx.session.history.clear();
                    return 0;
                }
                "-w" | "-a" | "-r" | "-n" => return 0,
                a if a.starts_with('-') && a.len() > 1 && a.parse::<i64>().is_err() => {
                    ctx.err(format!(
                        "bash: history: {}: invalid option\nhistory: usage: history [-c] [-d offset] [n] or history -anrw [filename] or history -ps arg [arg...]\n",
                        &a[..2]
                    ));
                    return 2;
                }
                a => match a.parse::<usize>() {
                    Ok(n) => count = Some(n),
                    Err(_) => {
                        ctx.err(format!("bash: history: {a}: numeric argument required\n"));
                        return 1;
                    }
                },
            }
        }
        let lines = &ctx.session.history;
        let skip = count.map_or(0, |n| lines.len().saturating_sub(n));
        let text: String = lines
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(i, l)| format!("{:5}  {l}\n", i + 1))
            .collect();
        ctx.out(text);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn history() {
        let mut s = session();
        check_in(&mut s, "echo a", "a\n", "", 0);
        check_in(&mut s, "history", "    1  echo a\n    2  history\n", "", 0);
        check_in(&mut s, "history 1", "    3  history 1\n", "", 0);
        check_in(&mut s, "history -c", "", "", 0);
        check_in(&mut s, "history", "    1  history\n", "", 0);
        check("history x", "", "bash: history: x: numeric argument required\n", 1);
    }
}
