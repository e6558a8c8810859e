//! A small `$((...))` evaluator: 64-bit integers, `+ - * / %`, unary minus, parentheses and variable names.

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
    let v = p.sum()?;
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

    fn sum(&mut self) -> Option<i64> {
        let mut v = self.product()?;
        while let Some(op @ (b'+' | b'-')) = self.peek() {
            self.i += 1;
            let r = self.product()?;
            v = if op == b'+' {
                v.wrapping_add(r)
            } else {
                v.wrapping_sub(r)
            };
        }
        Some(v)
    }

    fn product(&mut self) -> Option<i64> {
        let mut v = self.unary()?;
        while let Some(op @ (b'*' | b'/' | b'%')) = self.peek() {
            self.i += 1;
            let r = self.unary()?;
            v = match op {
                b'*' => v.wrapping_mul(r),
                b'/' => v.checked_div(r)?,
                _ => v.checked_rem(r)?,
            };
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
            b'(' => {
                self.i += 1;
                let v = self.sum()?;
                if self.peek()? != b')' {
                    return None;
                }
                self.i += 1;
                v
            }
            c if c.is_ascii_digit() => {
                let start = self.i;
                while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                    self.i += 1;
                }
                std::str::from_utf8(&self.s[start..self.i]).ok()?.parse().ok()?
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
        ];
        for (e, want) in cases {
            assert_eq!(eval(e, &var), want, "{e}");
        }
    }
}
