//! `seq` from coreutils: FIRST/INCREMENT/LAST with integer or fixed-point decimals, `-s SEP` and `-w`.

use super::{prog, Command, Ctx};

/// The `seq` command.
pub struct Seq;

/// Upper bound on printed numbers, so `seq 1e18` cannot spin.
const MAX_LINES: u64 = 2_000_000;

impl Command for Seq {
    fn names(&self) -> &'static [&'static str] {
        &["seq", "/bin/seq", "/usr/bin/seq"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let p = prog(args).to_owned();
        let mut sep = "\n".to_owned();
        let mut equal = false;
        let mut nums: Vec<&str> = Vec::new();
        let mut it = args.iter().skip(1);
        while let Some(a) = it.next() {
            let is_num = a
                .get(1..2)
                .is_some_and(|c| c.chars().all(|c| c.is_ascii_digit() || c == '.'));
            if a == "-w" || a == "--equal-width" {
                equal = true;
            } else if a == "-s" {
                match it.next() {
                    Some(s) => sep.clone_from(s),
                    None => {
                        ctx.err(format!(
                            "{p}: option requires an argument -- 's'\nTry '{p} --help' for more information.\n"
                        ));
                        return 1;
                    }
                }
            } else if let Some(s) = a.strip_prefix("-s") {
                sep = s.to_owned();
            } else if let Some(s) = a.strip_prefix("--separator=") {
                sep = s.to_owned();
            } else if a.starts_with('-') && a.len() > 1 && !is_num {
                return ctx.invalid_option(&p, a);
            } else {
                nums.push(a);
            }
        }
        if nums.is_empty() {
            ctx.err(format!(
                "{p}: missing operand\nTry '{p} --help' for more information.\n"
            ));
            return 1;
        }
        if nums.len() > 3 {
            let extra = nums.get(3).copied().unwrap_or("");
            return ctx.extra_operand(&p, extra);
        }
        let mut vals = Vec::new();
        for n in &nums {
            match n.parse::<f64>() {
                Ok(v) if v.is_finite() && !n.contains(['x', 'X', 'n', 'N', 'i', 'I']) => vals.push(v),
                _ => {
                    ctx.err(format!(
                        "{p}: invalid floating point argument: ‘{n}’\nTry '{p} --help' for more information.\n"
                    ));
                    return 1;
                }
            }
        }
        let (first, inc, last) = match vals.as_slice() {
            [l] => (1.0, 1.0, *l),
            [f, l] => (*f, 1.0, *l),
            [f, i, l] => (*f, *i, *l),
            _ => return 1,
        };
        if inc == 0.0 {
            let i = nums.get(1).copied().unwrap_or("0");
            ctx.err(format!(
                "{p}: invalid Zero increment value: ‘{i}’\nTry '{p} --help' for more information.\n"
            ));
            return 1;
        }
        let decimals = |s: &str| s.split_once('.').map_or(0, |(_, f)| f.len());
        let prec = match nums.len() {
            1 => 0,
            2 => decimals(nums.first().copied().unwrap_or("")),
            _ => decimals(nums.first().copied().unwrap_or("")).max(decimals(nums.get(1).copied().unwrap_or(""))),
        };
        let width = if equal {
            format!("{first:.prec$}").len().max(format!("{last:.prec$}").len())
        } else {
            0
        };
        let mut out = String::new();
        let mut k: u64 = 0;
        while k < MAX_LINES {
            let v = first + inc * k as f64;
            if (inc > 0.0 && v > last + 1e-12 * last.abs().max(1.0))
                || (inc < 0.0 && v < last - 1e-12 * last.abs().max(1.0))
            {
                break;
            }
            if k > 0 {
                out.push_str(&sep);
            }
            let s = format!("{v:.prec$}");
            let s = if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
                s[1..].to_owned()
            } else {
                s
            };
            match s.strip_prefix('-') {
                Some(d) if equal => out.push_str(&format!("-{d:0>w$}", w = width.saturating_sub(1))),
                _ if equal => out.push_str(&format!("{s:0>width$}")),
                _ => out.push_str(&s),
            }
            k += 1;
            if out.len() > crate::exec::MAX_OUTPUT {
                break;
            }
        }
        if k > 0 {
            out.push('\n');
        }
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn seq() {
        check("seq 3", "1\n2\n3\n", "", 0);
        check("seq 2 4", "2\n3\n4\n", "", 0);
        check("seq 1 0.5 3", "1.0\n1.5\n2.0\n2.5\n3.0\n", "", 0);
        check("seq -w 8 10", "08\n09\n10\n", "", 0);
        check("seq -s, 3", "1,2,3\n", "", 0);
        check("seq -s ' ' 5 -2 1", "5 3 1\n", "", 0);
        check("seq 0", "", "", 0);
        check("seq -s ' ' 0.1 0.1 0.5", "0.1 0.2 0.3 0.4 0.5\n", "", 0);
        check("seq -s ' ' 1.5 3", "1.5 2.5\n", "", 0);
        check("seq -s ' ' -w -3 1", "-3 -2 -1 00 01\n", "", 0);
        check("seq -s ' ' 2 1.25 6", "2.00 3.25 4.50 5.75\n", "", 0);
        check(
            "seq",
            "",
            "seq: missing operand\nTry 'seq --help' for more information.\n",
            1,
        );
        check(
            "seq 1 a",
            "",
            "seq: invalid floating point argument: ‘a’\nTry 'seq --help' for more information.\n",
            1,
        );
    }
}
