//! `ulimit`, the bash builtin: the resource limits of a Debian 12 SSH login (`-a`, one flag, or setting one).

use super::{Command, Ctx};

/// The `ulimit` builtin.
pub struct Ulimit;

/// Hard limit of open files under systemd's defaults; raising the soft limit beyond it fails.
const NOFILE_HARD: u64 = 524_288;

/// (flag, `-a` label, value) for every limit, in bash's `-a` order.
fn limits(ctx: &Ctx) -> Vec<(char, &'static str, String)> {
    let procs = (ctx.session.persona.memory.total_kib / 256).to_string();
    let u = || "unlimited".to_owned();
    vec![
        ('R', "real-time non-blocking time  (microseconds, -R)", u()),
        ('c', "core file size              (blocks, -c)", "0".to_owned()),
        ('d', "data seg size               (kbytes, -d)", u()),
        ('e', "scheduling priority                 (-e)", "0".to_owned()),
        ('f', "file size                   (blocks, -f)", u()),
        ('i', "pending signals                     (-i)", procs.clone()),
        ('l', "max locked memory           (kbytes, -l)", "8192".to_owned()),
        ('m', "max memory size             (kbytes, -m)", u()),
        ('n', "open files                          (-n)", "1024".to_owned()),
        ('p', "pipe size                (512 bytes, -p)", "8".to_owned()),
        ('q', "POSIX message queues         (bytes, -q)", "819200".to_owned()),
        ('r', "real-time priority                  (-r)", "0".to_owned()),
        ('s', "stack size                  (kbytes, -s)", "8192".to_owned()),
        ('t', "cpu time                   (seconds, -t)", u()),
        ('u', "max user processes                  (-u)", procs),
        ('v', "virtual memory              (kbytes, -v)", u()),
        ('x', "file locks                          (-x)", u()),
    ]
}

impl Command for Ulimit {
    fn names(&self) -> &'static [&'static str] {
        &["ulimit"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let table = limits(ctx);
        let (mut flag, mut all, mut value) = ('f', false, None);
        for arg in args.iter().skip(1) {
            if let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) {
                for c in flags.chars() {
                    match c {
                        'a' => all = true,
                        'H' | 'S' => {}
                        c if table.iter().any(|(f, _, _)| *f == c) => flag = c,
                        _ => {
                            ctx.err(format!(
                                "bash: ulimit: -{c}: invalid option\nulimit: usage: ulimit [-SHabcdefiklmnpqrstuvxPRT] [limit]\n"
                            ));
                            return 2;
                        }
                    }
                }
            } else {
                value = Some(arg.clone());
            }
        }
        if all {
            let text: String = table.iter().map(|(_, label, v)| format!("{label} {v}\n")).collect();
            ctx.out(text);
            return 0;
        }
        let Some((_, label, current)) = table.into_iter().find(|(f, _, _)| *f == flag) else {
            return 1;
        };
        let Some(v) = value else {
            ctx.out(format!("{current}\n"));
            return 0;
        };
        let wanted = match v.as_str() {
            "unlimited" | "hard" | "soft" => None,
            n => match n.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    ctx.err(format!("bash: ulimit: {v}: invalid number\n"));
                    return 1;
                }
            },
        };
        let name = label.split("  ").next().unwrap_or(label).trim_end();
        let name = name.split(" (").next().unwrap_or(name);
        let too_big = match flag {
            'n' => wanted.is_none_or(|n| n > NOFILE_HARD),
            'c' | 'e' | 'r' | 'p' | 'q' | 'l' | 'i' | 'u' => {
                ctx.session.user.uid != 0
                    && current != "unlimited"
                    && wanted.is_none_or(|n| current.parse::<u64>().is_ok_and(|c| n > c))
            }
            _ => false,
        };
        if too_big && (ctx.session.user.uid != 0 || flag == 'n') {
            ctx.err(format!(
                "bash: ulimit: {name}: cannot modify limit: Operation not permitted\n"
            ));
            return 1;
        }
        // The new limit would bind only the (non-existent) children; it is not kept.
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn ulimit() {
        check("ulimit", "unlimited\n", "", 0);
        check("ulimit -n", "1024\n", "", 0);
        check("ulimit -n 65535", "", "", 0);
        check(
            "ulimit -n 99999999",
            "",
            "bash: ulimit: open files: cannot modify limit: Operation not permitted\n",
            1,
        );
        check("ulimit -n abc", "", "bash: ulimit: abc: invalid number\n", 1);
        check(
            "ulimit -z",
            "",
            "bash: ulimit: -z: invalid option\nulimit: usage: ulimit [-SHabcdefiklmnpqrstuvxPRT] [limit]\n",
            2,
        );
    }
}
