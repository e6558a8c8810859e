//! A small `$((...))` evaluator: 64-bit integers with bash's binary operators and precedence (`|| && | ^ & == !=
//! < <= > >= << >> + - * / % **`), unary `- + ! ~`, parentheses, decimal/hex/octal literals and variable names.

/// Deepest parenthesis nesting accepted, so hostile input cannot exhaust the stack.
const MAX_NESTING: usize = 64;

/// Evaluates `expr`, looking variables up with `var`; `None` on a syntax error or division by zero.
pub(crate) fn eval(expr: &str, var: &dyn Fn(&str) -> Option<String>) -> Option<i64> {
    let mut p = Parser {
        s: expr.as_bytes(),
        i: 0,
        var,
        depth: 0,
    };
    let v = p.binary(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    var: &'a dyn Fn(&str) -> Option<String>,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    /// The binary operator at the cursor with its precedence level (0 loosest), without consuming it.
    fn operator(&mut self) -> Option<(&'static str, u8)> {
        self.ws();
        let rest = self.s.get(self.i..)?;
        const OPS: [(&str, u8); 18] = [
            ("||", 0),
            ("&&", 1),
            ("==", 5),
            ("!=", 5),
            ("<=", 6),
            (">=", 6),
            ("<<", 7),
            (">>", 7),
            ("**", 10),
            ("|", 2),
            ("^", 3),
            ("&", 4),
            ("<", 6),
            (">", 6),
            ("+", 8),
            ("-", 8),
            ("*", 9),
            ("/", 9),
        ];
        if rest.first() == Some(&b'%') {
            return Some(("%", 9));
        }
        OPS.iter().find(|(op, _)| rest.starts_with(op.as_bytes())).copied()
    }

    /// Precedence climbing: operands joined by operators of level `min` or tighter.
    fn binary(&mut self, min: u8) -> Option<i64> {
        let mut v = self.unary()?;
        while let Some((op, level)) = self.operator() {
            if level < min {
                break;
            }
            self.i += op.len();
            // `**` is right-associative; the rest are left-associative.
            let r = if op == "**" {
                self.binary(level)?
            } else {
                self.binary(level + 1)?
            };
            v = apply(op, v, r)?;
        }
        Some(v)
    }

    fn unary(&mut self) -> Option<i64> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return None;
        }
        let v = match self.peek()? {
            b'-' => {
                self.i += 1;
                self.unary()?.wrapping_neg()
            }
            b'+' => {
                self.i += 1;
                self.unary()?
            }
            b'!' => {
                self.i += 1;
                i64::from(self.unary()? == 0)
            }
            b'~' => {
                self.i += 1;
                !self.unary()?
            }
            b'(' => {
                self.i += 1;
                let v = self.binary(0)?;
                if self.peek()? != b')' {
                    return None;
                }
                self.i += 1;
                v
            }
            c if c.is_ascii_digit() => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(u8::is_ascii_alphanumeric) {
                    self.i += 1;
                }
                literal(std::str::from_utf8(&self.s[start..self.i]).ok()?)?
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    self.i += 1;
                }
                let name = std::str::from_utf8(&self.s[start..self.i]).ok()?;
                (self.var)(name).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
            }
            _ => return None,
        };
        self.depth -= 1;
        Some(v)
    }
}

/// Applies one binary operator; `None` for division by zero or a negative exponent, as bash reports errors.
fn apply(op: &str, a: i64, b: i64) -> Option<i64> {
    Some(match op {
        "||" => i64::from(a != 0 || b != 0),
        "&&" => i64::from(a != 0 && b != 0),
        "|" => a | b,
        "^" => a ^ b,
        "&" => a & b,
        "==" => i64::from(a == b),
        "!=" => i64::from(a != b),
        "<" => i64::from(a < b),
        "<=" => i64::from(a <= b),
        ">" => i64::from(a > b),
        ">=" => i64::from(a >= b),
        "<<" => a.wrapping_shl((b & 63) as u32),
        ">>" => a.wrapping_shr((b & 63) as u32),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" => a.checked_div(b)?,
        "%" => a.checked_rem(b)?,
        _ => {
            // "**": bash multiplies with wrap-around; at most 64 squarings.
            let mut exp = u64::try_from(b).ok()?;
            let (mut base, mut acc) = (a, 1i64);
            while exp > 0 {
                if exp & 1 == 1 {
                    acc = acc.wrapping_mul(base);
                }
                base = base.wrapping_mul(base);
                exp >>= 1;
            }
            acc
        }
    })
}

/// A numeric literal as bash reads it: decimal, `0x` hex, leading-`0` octal, or `BASE#DIGITS`-free digits only.
fn literal(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok().map(|v| v as i64);
    }
    if text.len() > 1 && text.starts_with('0') {
        return u64::from_str_radix(&text[1..], 8).ok().map(|v| v as i64);
    }
    text.parse::<u64>().ok().map(|v| v as i64)
}

#[cfg(test)]
mod tests {
    use super::eval;

    #[test]
    fn expressions() {
        let var = |n: &str| (n == "x").then(|| "5".to_owned());
        let cases = [
            ("1 + 2", Some(3)),
            ("2*3+1", Some(7)),
            ("-(1+2)*x", Some(-15)),
            ("7 % 4", Some(3)),
            ("1/0", None),
            ("y + 1", Some(1)),
            ("1 +", None),
            ("2**10", Some(1024)),
            ("2**3**2", Some(512)),
            ("-2**2", Some(4)),
            ("1 < 2 && 3 >= 3", Some(1)),
            ("5 == 4 || !0", Some(1)),
            ("0x1f + 010", Some(39)),
            ("1 << 4 | 1 ^ 3 & 1", Some(16)),
            ("6 & 3 | 8 ^ 1", Some(11)),
            ("~0", Some(-1)),
            ("10 - 2 - 3", Some(5)),
            ("2 ** -1", None),
        ];
        for (e, want) in cases {
            assert_eq!(eval(e, &var), want, "{e}");
        }
    }
}
