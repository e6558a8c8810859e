//! `umask`, the bash builtin: shows (`-S`, `-p`) and sets the session's file-creation mask in octal or symbolic form.

use super::{Command, Ctx};

/// The `umask` builtin.
pub struct Umask;

/// `u=rwx,g=rx,o=rx` for a mask.
fn symbolic(mask: u32) -> String {
    let allowed = !mask & 0o777;
    let part = |shift: u32| {
        let bits = (allowed >> shift) & 7;
        [(4, 'r'), (2, 'w'), (1, 'x')]
            .iter()
            .filter(|(b, _)| bits & b != 0)
            .map(|(_, c)| *c)
            .collect::<String>()
    };
    format!("u={},g={},o={}", part(6), part(3), part(0))
}

/// Applies a symbolic mode like `u=rwx,g=,o=` or `go-w` to a mask; `None` when it does not parse.
fn apply(mask: u32, spec: &str) -> Option<u32> {
    let mut allowed = !mask & 0o777;
    for clause in spec.split(',') {
        let pos = clause.find(['=', '+', '-'])?;
        let (who, rest) = clause.split_at(pos);
        let mut chars = rest.chars();
        let op = chars.next()?;
        let mut perm = 0;
        for c in chars {
            perm |= match c {
                'r' => 4,
                'w' => 2,
                'x' => 1,
                _ => return None,
            };
        }
        let who = if who.is_empty() { "a" } else { who };
        for w in who.chars() {
            let shifts: &[u32] = match w {
                'u' => &[6],
                'g' => &[3],
                'o' => &[0],
                'a' => &[6, 3, 0],
                _ => return None,
            };
            for &s in shifts {
                match op {
                    '=' => allowed = (allowed & !(7 << s)) | (perm << s),
                    '+' => allowed |= perm << s,
                    _ => allowed &= !(perm << s),
                }
            }
        }
    }
    Some(!allowed & 0o777)
}

impl Command for Umask {
    fn names(&self) -> &'static [&'static str] {
        &["umask"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let (mut sym, mut reuse, mut value) = (false, false, None);
        for arg in args.iter().skip(1) {
            match arg.as_str() {
                "-S" => sym = true,
                "-p" => reuse = true,
                a if a.starts_with('-') && a.len() > 1 => {
                    ctx.err(format!(
                        "bash: umask: {}: invalid option\numask: usage: umask [-p] [-S] [mode]\n",
                        &a[..2]
                    ));
                    return 2;
                }
                a => value = Some(a.to_owned()),
            }
        }
        let mask = ctx.session.umask;
        let Some(v) = value else {
            let text = match (sym, reuse) {
                (true, true) => format!("umask -S {}\n", symbolic(mask)),
                (true, false) => format!("{}\n", symbolic(mask)),
                (false, true) => format!("umask {mask:04o}\n"),
                (false, false) => format!("{mask:04o}\n"),
            };
            ctx.out(text);
            return 0;
        };
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            match u32::from_str_radix(&v, 8) {
                Ok(m) if m <= 0o777 => ctx.session.umask = m,
                _ => {
                    ctx.err(format!("bash: umask: {v}: octal number out of range\n"));
                    return 1;
                }
            }
        } else {
            match apply(mask, &v) {
                Some(m) => ctx.session.umask = m,
                None => {
                    let c = v.chars().find(|c| !"ugoa".contains(*c)).unwrap_or(' ');
                    ctx.err(format!("bash: umask: `{c}': invalid symbolic mode operator\n"));
                    return 1;
                }
            }
        }
        if sym {
            let text = format!("{}\n", symbolic(ctx.session.umask));
            ctx.out(text);
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn umask() {
        check("umask", "0022\n", "", 0);
        check("umask -S", "u=rwx,g=rx,o=rx\n", "", 0);
        check("umask -p", "umask 0022\n", "", 0);
        check("umask 077; umask", "0077\n", "", 0);
        check("umask 999", "", "bash: umask: 999: octal number out of range\n", 1);
        check("umask g-rx,o=; umask", "0077\n", "", 0);
    }
}
