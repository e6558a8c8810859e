//! Word expansion in bash's order: tilde, parameters, command substitution and arithmetic, then field splitting of
//! unquoted results, then globbing of unquoted `*`, `?` and `[...]` against the fake filesystem.

use super::session::{Io, Session};
use super::{push_capped, MAX_EXPANSION};
use crate::fs::Kind;
use crate::parse::{self, List, MAX_DEPTH};
use crate::parse::{Part, Word};

/// Most paths one glob may produce.
const MAX_GLOB_MATCHES: usize = 10_000;

/// Bytes of matching work one `${x#p}`-style operation may do, so a large value cannot hang the shell.
const MAX_PATTERN_WORK: u64 = 20_000_000;

/// Why a word could not be expanded; the command does not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExpandError {
    /// `${...}` with an operator we do not know: bash's `bad substitution`.
    BadSubstitution(String),
    /// `${x:?msg}` on an unset or empty `x`.
    Unset(String, String),
    /// An arithmetic expression that does not evaluate.
    Arith(String),
    /// The expansion grew past [`MAX_EXPANSION`].
    TooLong,
}

impl ExpandError {
    /// The line bash prints to stderr (without the newline).
    pub(crate) fn message(&self) -> String {
        match self {
            ExpandError::BadSubstitution(raw) => format!("bash: ${{{raw}}}: bad substitution"),
            ExpandError::Unset(name, msg) => format!("bash: {name}: {msg}"),
            ExpandError::Arith(expr) => format!("bash: {expr}: syntax error: invalid arithmetic operator"),
            ExpandError::TooLong => "bash: xmalloc: cannot allocate memory".to_owned(),
        }
    }
}

/// One field under construction: its text, and the same text as a glob pattern with quoted characters escaped.
#[derive(Debug, Default)]
struct Field {
    text: String,
    pattern: String,
    glob: bool,
}

/// Builds fields from parts, splitting only the unquoted results of expansions.
#[derive(Debug, Default)]
struct Fields {
    done: Vec<Field>,
    cur: Option<Field>,
    bytes: usize,
}

impl Fields {
    fn cur(&mut self) -> &mut Field {
        self.cur.get_or_insert_with(Field::default)
    }

    fn grow(&mut self, n: usize) -> Result<(), ExpandError> {
        self.bytes += n;
        if self.bytes > MAX_EXPANSION {
            Err(ExpandError::TooLong)
        } else {
            Ok(())
        }
    }

    /// Text that is neither split nor globbed.
    fn quoted(&mut self, s: &str) -> Result<(), ExpandError> {
        self.grow(s.len())?;
        let f = self.cur();
        f.text.push_str(s);
        for c in s.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                f.pattern.push('\\');
            }
            f.pattern.push(c);
        }
        Ok(())
    }

    /// Unquoted literal text: globbed but not split.
    fn literal(&mut self, s: &str) -> Result<(), ExpandError> {
        self.grow(s.len())?;
        let f = self.cur();
        f.text.push_str(s);
        for c in s.chars() {
            match c {
                '*' | '?' | '[' => f.glob = true,
                '\\' => f.pattern.push('\\'),
                _ => {}
            }
            f.pattern.push(c);
        }
        Ok(())
    }

    /// The unquoted result of an expansion: split on `ifs`, then globbed.
    fn split(&mut self, s: &str, ifs: &str) -> Result<(), ExpandError> {
        for c in s.chars() {
            if ifs.contains(c) {
                if let Some(f) = self.cur.take() {
                    self.done.push(f);
                }
            } else {
                let mut buf = [0u8; 4];
                self.literal(c.encode_utf8(&mut buf))?;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Vec<Field> {
        if let Some(f) = self.cur.take() {
            self.done.push(f);
        }
        self.done
    }
}

impl Session {
    /// Expands a command's words into its argv: splitting and globbing included.
    pub(crate) fn expand_words(&mut self, words: &[Word], stderr: &mut Vec<u8>) -> Result<Vec<String>, ExpandError> {
        let mut argv = Vec::new();
        let mut bytes = 0;
        for word in words {
            for field in self.expand_fields(word, stderr)? {
                if field.glob {
                    let matches = self.glob(&field.pattern);
                    if !matches.is_empty() {
                        bytes += matches.iter().map(String::len).sum::<usize>();
                        argv.extend(matches);
                        continue;
                    }
                }
                bytes += field.text.len();
                argv.push(field.text);
            }
            if bytes > MAX_EXPANSION {
                return Err(ExpandError::TooLong);
            }
        }
        Ok(argv)
    }

    /// Expands a word to exactly one string: no splitting, no globbing (assignments, here-strings, here-documents).
    pub(crate) fn expand_single(&mut self, word: &Word, stderr: &mut Vec<u8>) -> Result<String, ExpandError> {
        let mut fields = Fields::default();
        for part in &word.parts {
            let text = match part {
                Part::Literal { text, .. } => text.clone(),
                _ => self.expand_part(part, stderr)?,
            };
            fields.quoted(&text)?;
        }
        Ok(fields
            .finish()
            .into_iter()
            .map(|f| f.text)
            .collect::<Vec<_>>()
            .join(" "))
    }

    /// Expands an assignment's value: tilde after `=`, no splitting or globbing.
    pub(crate) fn expand_assignment(&mut self, word: &Word, stderr: &mut Vec<u8>) -> Result<String, ExpandError> {
        let (tilde, rest) = self.tilde(word);
        Ok(tilde.unwrap_or_default() + &self.expand_single(&rest, stderr)?)
    }

    /// The fields of one word, before globbing.
    fn expand_fields(&mut self, word: &Word, stderr: &mut Vec<u8>) -> Result<Vec<Field>, ExpandError> {
        let ifs = self.lookup_var("IFS").unwrap_or_else(|| " \t\n".to_owned());
        let mut fields = Fields::default();
        let (tilde, word) = self.tilde(word);
        if let Some(home) = tilde {
            fields.quoted(&home)?;
        }
        for part in &word.parts {
            match part {
                Part::Literal { text, quoted: true } => fields.quoted(text)?,
                Part::Literal { text, quoted: false } => fields.literal(text)?,
                Part::Var { quoted, .. }
                | Part::Braced { quoted, .. }
                | Part::CommandSub { quoted, .. }
                | Part::Arith { quoted, .. } => {
                    let value = self.expand_part(part, stderr)?;
                    if *quoted {
                        fields.quoted(&value)?;
                    } else {
                        fields.split(&value, &ifs)?;
                    }
                }
            }
        }
        Ok(fields.finish())
    }

    /// Splits a leading unquoted `~` or `~user` off `word`, returning its expansion and the remaining word.
    fn tilde(&self, word: &Word) -> (Option<String>, Word) {
        let Some(Part::Literal { text, quoted: false }) = word.parts.first() else {
            return (None, word.clone());
        };
        let Some(after) = text.strip_prefix('~') else {
            return (None, word.clone());
        };
        let end = after.find('/');
        if end.is_none() && word.parts.len() > 1 {
            return (None, word.clone());
        }
        let user = &after[..end.unwrap_or(after.len())];
        let home = if user.is_empty() {
            self.lookup_var("HOME").unwrap_or_else(|| self.user.home.clone())
        } else {
            match self.persona.users.iter().find(|u| u.name == user) {
                Some(u) => u.home.clone(),
                None => return (None, word.clone()),
            }
        };
        let mut rest = word.clone();
        let tail = after[user.len()..].to_owned();
        rest.parts[0] = Part::Literal {
            text: tail,
            quoted: false,
        };
        (Some(home), rest)
    }

    /// The value of one expansion part.
    fn expand_part(&mut self, part: &Part, stderr: &mut Vec<u8>) -> Result<String, ExpandError> {
        match part {
            Part::Literal { text, .. } => Ok(text.clone()),
            Part::Var { name, .. } => Ok(self.lookup_var(name).unwrap_or_default()),
            Part::Braced { raw, .. } => self.braced(raw, stderr),
            Part::CommandSub { list, .. } => Ok(self.command_sub(list, stderr)),
            Part::Arith { expr, .. } => {
                let value = super::arith::eval(expr, &|name| self.lookup_var(name))
                    .ok_or_else(|| ExpandError::Arith(expr.clone()))?;
                Ok(value.to_string())
            }
        }
    }

    /// `${...}` with an operator: length, default, assign, alternative, error.
    fn braced(&mut self, raw: &str, stderr: &mut Vec<u8>) -> Result<String, ExpandError> {
        if let Some(name) = raw.strip_prefix('#') {
            if is_param(name) {
                return Ok(self.lookup_var(name).unwrap_or_default().chars().count().to_string());
            }
        }
        if is_param(raw) {
            return Ok(self.lookup_var(raw).unwrap_or_default());
        }
        let name_len = raw
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(raw.len());
        let (name, rest) = raw.split_at(name_len);
        if name.is_empty() {
            return Err(ExpandError::BadSubstitution(raw.to_owned()));
        }
        if rest.starts_with(['#', '%', '/']) {
            let value = self.lookup_var(name).unwrap_or_default();
            return self.trim_or_replace(&value, rest, stderr);
        }
        let (colon, rest) = match rest.strip_prefix(':') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let Some(op) = rest.chars().next().filter(|c| matches!(c, '-' | '=' | '+' | '?')) else {
            return Err(ExpandError::BadSubstitution(raw.to_owned()));
        };
        let arg = &rest[1..];
        let value = self.lookup_var(name);
        let set = match &value {
            Some(v) => !colon || !v.is_empty(),
            None => false,
        };
        match op {
            '-' if set => Ok(value.unwrap_or_default()),
            '-' => self.expand_text(arg, stderr),
            '=' if set => Ok(value.unwrap_or_default()),
            '=' => {
                let v = self.expand_text(arg, stderr)?;
                self.set_var(name, v.clone()).map_err(|()| ExpandError::TooLong)?;
                Ok(v)
            }
            '+' if set => self.expand_text(arg, stderr),
            '+' => Ok(String::new()),
            _ if set => Ok(value.unwrap_or_default()),
            _ => {
                let msg = if arg.is_empty() {
                    "parameter null or not set".to_owned()
                } else {
                    self.expand_text(arg, stderr)?
                };
                Err(ExpandError::Unset(name.to_owned(), msg))
            }
        }
    }

    /// `${x#p}`, `${x##p}`, `${x%p}`, `${x%%p}`, `${x/p/r}` and `${x//p/r}` on `value`; `op` starts at the operator.
    fn trim_or_replace(&mut self, value: &str, op: &str, stderr: &mut Vec<u8>) -> Result<String, ExpandError> {
        let bounds: Vec<usize> = value.char_indices().map(|(i, _)| i).chain([value.len()]).collect();
        let (kind, arg) = match op.as_bytes() {
            [b'#', b'#', ..] => ("##", &op[2..]),
            [b'%', b'%', ..] => ("%%", &op[2..]),
            [b'/', b'/', ..] => ("//", &op[2..]),
            _ => (&op[..1], &op[1..]),
        };
        let (pat, rep) = match kind {
            "/" | "//" => arg.split_once('/').unwrap_or((arg, "")),
            _ => (arg, ""),
        };
        let pat = self.expand_text(pat, stderr)?;
        let rep = self.expand_text(rep, stderr)?;
        // Each trial costs its length; past the budget nothing more matches, so a huge value cannot hang the shell.
        let budget = std::cell::Cell::new(MAX_PATTERN_WORK);
        let m = |a: usize, b: usize| {
            let cost = (b - a + pat.len()) as u64;
            budget.set(budget.get().saturating_sub(cost));
            budget.get() > 0 && fnmatch(&pat, &value[a..b])
        };
        let out = match kind {
            "#" => bounds.iter().find(|&&e| m(0, e)).map(|&e| value[e..].to_owned()),
            "##" => bounds.iter().rev().find(|&&e| m(0, e)).map(|&e| value[e..].to_owned()),
            "%" => bounds
                .iter()
                .rev()
                .find(|&&b| m(b, value.len()))
                .map(|&b| value[..b].to_owned()),
            "%%" => bounds
                .iter()
                .find(|&&b| m(b, value.len()))
                .map(|&b| value[..b].to_owned()),
            _ if pat.is_empty() => None,
            _ => {
                let mut out = String::new();
                let mut i = 0;
                while i < bounds.len() - 1 {
                    let start = bounds[i];
                    if budget.get() == 0 {
                        out.push_str(&value[start..]);
                        break;
                    }
                    // Longest match starting here, as bash does.
                    match bounds[i + 1..].iter().rev().find(|&&e| m(start, e)) {
                        Some(&end) => {
                            out.push_str(&rep);
                            i = bounds.iter().position(|&b| b == end).unwrap_or(bounds.len() - 1);
                            if kind == "/" {
                                out.push_str(&value[end..]);
                                return Ok(out);
                            }
                        }
                        None => {
                            out.push_str(&value[start..bounds[i + 1]]);
                            i += 1;
                        }
                    }
                }
                Some(out)
            }
        };
        Ok(out.unwrap_or_else(|| value.to_owned()))
    }

    /// Expands the word inside `${x:-word}` by parsing it as an argument; plain text if it does not parse.
    fn expand_text(&mut self, text: &str, stderr: &mut Vec<u8>) -> Result<String, ExpandError> {
        if !text.contains(['$', '`', '\'', '"', '\\', '~']) || self.depth >= MAX_DEPTH {
            return Ok(text.to_owned());
        }
        let Ok(list) = parse::parse(&format!(": {text}")) else {
            return Ok(text.to_owned());
        };
        let words = match list.items.first().and_then(|i| i.and_or.first.commands.first()) {
            Some(c) if list.items.len() == 1 => c.words.get(1..).unwrap_or_default().to_vec(),
            _ => return Ok(text.to_owned()),
        };
        self.depth += 1;
        let mut out = Vec::new();
        for w in &words {
            match self.expand_single(w, stderr) {
                Ok(s) => out.push(s),
                Err(e) => {
                    self.depth -= 1;
                    return Err(e);
                }
            }
        }
        self.depth -= 1;
        Ok(out.join(" "))
    }

    /// Runs `$(list)` in a subshell: its variable, cwd and `exit` changes are undone, its files stay.
    fn command_sub(&mut self, list: &List, stderr: &mut Vec<u8>) -> String {
        if self.depth >= MAX_DEPTH {
            return String::new();
        }
        self.depth += 1;
        let saved = (self.cwd.clone(), self.vars.clone(), self.exit, self.status);
        let mut io = Io::default();
        self.run_list(list, &mut io);
        let status = self.status;
        (self.cwd, self.vars, self.exit, self.status) = saved;
        self.depth -= 1;
        self.sub_status = Some(status);
        push_capped(stderr, &io.stderr);
        let mut out = String::from_utf8_lossy(&io.stdout).into_owned();
        let trimmed = out.trim_end_matches('\n').len();
        out.truncate(trimmed);
        out
    }

    /// A variable or special parameter's value; `None` when unset.
    pub(crate) fn lookup_var(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.status.to_string()),
            "$" => Some(self.pid.to_string()),
            "0" => Some("-bash".to_owned()),
            "#" => Some("0".to_owned()),
            "-" => Some("himBHs".to_owned()),
            "RANDOM" => {
                let r = self.random.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                Some(((r >> 16) % 32_768).to_string())
            }
            _ => self.vars.get(name).map(|v| v.value.clone()),
        }
    }

    /// The paths matching an escaped glob pattern, sorted; empty when nothing matches.
    fn glob(&self, pattern: &str) -> Vec<String> {
        let absolute = pattern.starts_with('/');
        let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
        let mut prefixes = vec![if absolute { "/".to_owned() } else { String::new() }];
        for (i, comp) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let mut next = Vec::new();
            for prefix in &prefixes {
                let dir = if prefix.is_empty() { "." } else { prefix.as_str() };
                if has_magic(comp) {
                    let Ok(entries) = self.fs.list(&self.cwd, dir) else {
                        continue;
                    };
                    let mut names: Vec<String> = entries
                        .into_iter()
                        .map(|e| e.name)
                        .filter(|n| n != "." && n != "..")
                        .filter(|n| !n.starts_with('.') || comp.starts_with('.') || comp.starts_with("\\."))
                        .filter(|n| fnmatch(comp, n))
                        .collect();
                    names.sort();
                    for n in names {
                        let path = format!("{prefix}{n}");
                        if last || self.is_dir(&path) {
                            next.push(if last { path } else { path + "/" });
                        }
                    }
                } else {
                    let path = format!("{prefix}{}", unescape(comp));
                    if last {
                        if self.fs.lstat(&self.cwd, &path).is_ok() {
                            next.push(path);
                        }
                    } else if self.is_dir(&path) {
                        next.push(path + "/");
                    }
                }
                if next.len() > MAX_GLOB_MATCHES {
                    break;
                }
            }
            prefixes = next;
            if prefixes.is_empty() {
                return prefixes;
            }
        }
        if pattern.ends_with('/') {
            prefixes.retain(|p| self.is_dir(p));
            prefixes.iter_mut().for_each(|p| p.push('/'));
        }
        prefixes.truncate(MAX_GLOB_MATCHES);
        prefixes
    }

    fn is_dir(&self, path: &str) -> bool {
        self.fs.stat(&self.cwd, path).is_ok_and(|s| s.kind == Kind::Dir)
    }
}

/// Whether `name` is a variable name or a special parameter.
fn is_param(name: &str) -> bool {
    matches!(name, "?" | "$" | "#" | "-" | "!" | "@" | "*")
        || name.chars().all(|c| c.is_ascii_digit()) && !name.is_empty()
        || name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether an escaped pattern component has an unescaped `*`, `?` or `[`.
fn has_magic(pattern: &str) -> bool {
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// Removes the escapes of a pattern component without magic.
fn unescape(pattern: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in pattern.chars() {
        if c == '\\' && !escaped {
            escaped = true;
        } else {
            out.push(c);
            escaped = false;
        }
    }
    out
}

/// Shell pattern matching of `name` against an escaped pattern (`*`, `?`, `[...]`, `[!...]`, `\x`).
pub(crate) fn fnmatch(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(1),
            Some('[') => match class(&p[pi..], n[ni]) {
                Some((true, len)) => Some(len),
                Some((false, _)) => None,
                None => (n[ni] == '[').then_some(1),
            },
            Some('\\') if pi + 1 < p.len() => (p[pi + 1] == n[ni]).then_some(2),
            Some(&c) => (c == n[ni]).then_some(1),
            None => None,
        };
        match step {
            Some(len) => {
                pi += len;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the bracket expression at the start of `p`: `Some((matched, length))`, or `None` when
/// the bracket is not closed (then it is a literal `[`).
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let (lo, len) = if ch == '\\' { (*p.get(i + 1)?, 2) } else { (ch, 1) };
        i += len;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&h| h != ']') {
            let hi = p[i + 1];
            i += 2;
            matched |= lo <= c && c <= hi;
        } else {
            matched |= lo == c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn patterns() {
        let cases = [
            ("*", "abc", true),
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("[ab]*", "bx", true),
            ("[!ab]*", "bx", false),
            ("[a-c]", "b", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("*.sh", "x.sh", true),
            ("*.sh", "x.shx", false),
            ("[", "[", true),
            ("e*", "etc", true),
        ];
        for (p, n, want) in cases {
            assert_eq!(fnmatch(p, n), want, "{p} {n}");
        }
    }
}
