//! `uname` from coreutils: the persona's kernel fields in coreutils' fixed order, whatever the flag order.

use super::{prog, Command, Ctx};
use crate::persona::render;

/// The `uname` command.
pub struct Uname;

/// The field bits, in the order coreutils prints them.
const S: u8 = 1;
const N: u8 = 2;
const R: u8 = 4;
const V: u8 = 8;
const M: u8 = 16;
const P: u8 = 32;
const I: u8 = 64;
const O: u8 = 128;

impl Command for Uname {
    fn names(&self) -> &'static [&'static str] {
        &["uname", "/bin/uname", "/usr/bin/uname"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut set = 0u8;
        let mut all = false;
        let mut operands = Vec::new();
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            let long = match arg.as_str() {
                "--" => {
                    operands.extend(rest.by_ref());
                    break;
                }
                "--all" => Some(S | N | R | V | M | O),
                "--kernel-name" => Some(S),
                "--nodename" => Some(N),
                "--kernel-release" => Some(R),
                "--kernel-version" => Some(V),
                "--machine" => Some(M),
                "--processor" => Some(P),
                "--hardware-platform" => Some(I),
                "--operating-system" => Some(O),
                a if a.starts_with("--") => return ctx.invalid_option(prog(args), a),
                _ => None,
            };
            if let Some(bits) = long {
                all |= arg == "--all";
                set |= bits;
                continue;
            }
            let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
                operands.push(arg);
                continue;
            };
            for c in flags.chars() {
                set |= match c {
                    'a' => {
                        all = true;
                        S | N | R | V | M | O
                    }
                    's' => S,
                    'n' => N,
                    'r' => R,
                    'v' => V,
                    'm' => M,
                    'p' => P,
                    'i' => I,
                    'o' => O,
                    _ => return ctx.invalid_option(prog(args), &format!("-{c}")),
                };
            }
        }
        if let Some(op) = operands.first() {
            return ctx.extra_operand(prog(args), op);
        }
        if set == 0 {
            set = S;
        }
        let u = render::uname(&ctx.session.persona);
        let fields: [(u8, &str); 8] = [
            (S, u.kernel_name),
            (N, &u.nodename),
            (R, &u.release),
            (V, &u.version),
            (M, u.machine),
            (P, "unknown"),
            (I, "unknown"),
            (O, u.os),
        ];
        // `-a` leaves out the processor and platform when they are unknown; explicit `-p`/`-i` still print them.
        let _ = all;
        let line: Vec<&str> = fields
            .iter()
            .filter(|(bit, _)| set & bit != 0)
            .map(|(_, v)| *v)
            .collect();
        ctx.out(format!("{}\n", line.join(" ")));
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, session};
    use crate::persona::render;

    #[test]
    fn uname() {
        let u = render::uname(&session().persona);
        check("uname", "Linux\n", "", 0);
        check("uname -a", &format!("{}\n", u.all()), "", 0);
        check(
            "/bin/uname -a",
            "",
            "bash: /bin/uname: No such file or directory\n",
            127,
        );
        check("uname -rs", &format!("Linux {}\n", u.release), "", 0);
        check("uname -m -n", &format!("{} x86_64\n", u.nodename), "", 0);
        check("uname -pi", "unknown unknown\n", "", 0);
        check("uname --kernel-release", &format!("{}\n", u.release), "", 0);
        check(
            "uname -z",
            "",
            "uname: invalid option -- 'z'\nTry 'uname --help' for more information.\n",
            1,
        );
        check(
            "uname a",
            "",
            "uname: extra operand ‘a’\nTry 'uname --help' for more information.\n",
            1,
        );
    }
}
