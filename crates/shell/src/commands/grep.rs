//! `grep`, `egrep` and `fgrep` from GNU grep 3.8: POSIX BRE/ERE translated to the `regex` crate, the common
//! flags, file-name prefixes, binary-file notices and grep's exit codes (0 match, 1 none, 2 error).

use regex::bytes::{Regex, RegexBuilder};

use super::{Command, Ctx};

/// Most files `grep -r` visits, so a huge tree cannot stall the session.
const MAX_WALK: usize = 5000;
/// Compiled-program cap handed to the regex crate.
const SIZE_LIMIT: usize = 1 << 20;

/// The `grep` command (also `egrep` and `fgrep`, which are `grep -E` and `grep -F`).
pub struct Grep;
/// `egrep`: `grep -E`.
pub struct Egrep;
/// `fgrep`: `grep -F`.
pub struct Fgrep;

#[derive(Clone, Copy, PartialEq)]
enum Syntax {
    Basic,
    Extended,
    Fixed,
}

#[derive(Clone, Default)]
struct Opts {
    ignore_case: bool,
    invert: bool,
    count: bool,
    number: bool,
    list: bool,
    list_without: bool,
    only: bool,
    word: bool,
    line: bool,
    quiet: bool,
    recursive: bool,
    no_messages: bool,
    with_name: Option<bool>,
}

impl Command for Grep {
    fn names(&self) -> &'static [&'static str] {
        &["grep", "/bin/grep", "/usr/bin/grep"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        grep(ctx, args, stdin, Syntax::Basic)
    }
}

impl Command for Egrep {
    fn names(&self) -> &'static [&'static str] {
        &["egrep", "/bin/egrep", "/usr/bin/egrep"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        grep(ctx, args, stdin, Syntax::Extended)
    }
}

impl Command for Fgrep {
    fn names(&self) -> &'static [&'static str] {
        &["fgrep", "/bin/fgrep", "/usr/bin/fgrep"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        grep(ctx, args, stdin, Syntax::Fixed)
    }
}

const USAGE: &str = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";

fn grep(ctx: &mut Ctx, args: &[String], stdin: &[u8], mut syntax: Syntax) -> i32 {
    let mut o = Opts::default();
    let mut patterns: Vec<String> = Vec::new();
    let mut operands: Vec<&str> = Vec::new();
    let mut done = false;
    let mut i = 1;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        if done || arg == "-" || !arg.starts_with('-') {
            operands.push(arg);
            continue;
        }
        if arg == "--" {
            done = true;
            continue;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            match name {
                "ignore-case" => o.ignore_case = true,
                "invert-match" => o.invert = true,
                "count" => o.count = true,
                "line-number" => o.number = true,
                "files-with-matches" => o.list = true,
                "files-without-match" => o.list_without = true,
                "only-matching" => o.only = true,
                "word-regexp" => o.word = true,
                "line-regexp" => o.line = true,
                "quiet" | "silent" => o.quiet = true,
                "recursive" | "dereference-recursive" => o.recursive = true,
                "no-messages" => o.no_messages = true,
                "with-filename" => o.with_name = Some(true),
                "no-filename" => o.with_name = Some(false),
                "extended-regexp" => syntax = Syntax::Extended,
                "fixed-strings" => syntax = Syntax::Fixed,
                "basic-regexp" => syntax = Syntax::Basic,
                "color" | "colour" | "binary-files" | "text" => {}
                "regexp" => match value {
                    Some(v) => patterns.push(v.to_owned()),
                    None => match args.get(i) {
                        Some(v) => {
                            patterns.push(v.clone());
                            i += 1;
                        }
                        None => {
                            ctx.err(format!("grep: option '--regexp' requires an argument\n{USAGE}"));
                            return 2;
                        }
                    },
                },
                _ => {
                    ctx.err(format!("grep: unrecognized option '{arg}'\n{USAGE}"));
                    return 2;
                }
            }
            continue;
        }
        let flags: Vec<char> = arg.chars().skip(1).collect();
        for (k, &c) in flags.iter().enumerate() {
            match c {
                'i' | 'y' => o.ignore_case = true,
                'v' => o.invert = true,
                'c' => o.count = true,
                'n' => o.number = true,
                'l' => o.list = true,
                'L' => o.list_without = true,
                'o' => o.only = true,
                'w' => o.word = true,
                'x' => o.line = true,
                'q' => o.quiet = true,
                'r' | 'R' => o.recursive = true,
                's' => o.no_messages = true,
                'H' => o.with_name = Some(true),
                'h' => o.with_name = Some(false),
                'E' | 'P' => syntax = Syntax::Extended,
                'F' => syntax = Syntax::Fixed,
                'G' => syntax = Syntax::Basic,
                'a' | 'I' | 'U' => {}
                'e' => {
                    let rest: String = flags.iter().skip(k + 1).collect();
                    if !rest.is_empty() {
                        patterns.push(rest);
                    } else if let Some(v) = args.get(i) {
                        patterns.push(v.clone());
                        i += 1;
                    } else {
                        ctx.err(format!("grep: option requires an argument -- 'e'\n{USAGE}"));
                        return 2;
                    }
                    break;
                }
                _ => {
                    ctx.err(format!("grep: invalid option -- '{c}'\n{USAGE}"));
                    return 2;
                }
            }
        }
    }
    if patterns.is_empty() {
        if operands.is_empty() {
            ctx.err(USAGE);
            return 2;
        }
        patterns.push(operands.remove(0).to_owned());
    }
    let mut warnings = Vec::new();
    let compiled = compile(&patterns, syntax, &o, &mut warnings);
    for w in warnings {
        ctx.err(format!("grep: warning: {w}\n"));
    }
    let re = match compiled {
        Ok(re) => re,
        Err(msg) => {
            ctx.err(format!("grep: {msg}\n"));
            return 2;
        }
    };
    let implicit_dot = operands.is_empty() && o.recursive;
    if operands.is_empty() {
        operands.push(if o.recursive { "." } else { "-" });
    }
    let mut files: Vec<String> = Vec::new();
    let mut status_err = false;
    let many = operands.len() > 1;
    let mut matched = false;
    for op in operands {
        files.clear();
        let mut is_dir = false;
        if op != "-" && o.recursive {
            if let Ok(st) = ctx.session.fs.stat(ctx.session.cwd(), op) {
                if st.kind == crate::fs::Kind::Dir {
                    is_dir = true;
                    walk(ctx, op, &mut files);
                    if implicit_dot {
                        for f in files.iter_mut() {
                            if let Some(rest) = f.strip_prefix("./") {
                                *f = rest.to_owned();
                            }
                        }
                    }
                }
            }
        }
        // With -r a lone operand gets name prefixes only when it is a directory.
        let show_name = o.with_name.unwrap_or(many || is_dir);
        if !is_dir {
            files.push(op.to_owned());
        }
        for file in files.iter() {
            let (data, label) = if file == "-" {
                (stdin.to_vec(), "(standard input)")
            } else {
                match ctx.session.read_file(file) {
                    Ok(d) => (d, file.as_str()),
                    Err(e) => {
                        if !o.no_messages {
                            ctx.err(format!("grep: {file}: {}\n", e.message()));
                        }
                        status_err = true;
                        continue;
                    }
                }
            };
            if o.list_without {
                // grep 3.5+: -L succeeds when it lists a file.
                let quiet = Opts {
                    quiet: true,
                    count: false,
                    ..o.clone()
                };
                if !search(ctx, &re, &quiet, &data, label, show_name) {
                    ctx.out(format!("{label}\n"));
                    matched = true;
                }
            } else if search(ctx, &re, &o, &data, label, show_name) {
                matched = true;
                if o.quiet {
                    return 0;
                }
            }
        }
    }
    if status_err && !(o.quiet && matched) {
        2
    } else if matched {
        0
    } else {
        1
    }
}

/// Collects the regular files under `dir` (not following symlinks), sorted like the directory listing.
fn walk(ctx: &Ctx, dir: &str, out: &mut Vec<String>) {
    let mut stack = vec![dir.to_owned()];
    let mut visited = 0;
    while let Some(d) = stack.pop() {
        visited += 1;
        if visited > MAX_WALK || out.len() > MAX_WALK {
            return;
        }
        let Ok(entries) = ctx.session.fs.list(ctx.session.cwd(), &d) else {
            continue;
        };
        let mut subdirs = Vec::new();
        for e in entries {
            let path = if d.ends_with('/') {
                format!("{d}{}", e.name)
            } else {
                format!("{d}/{}", e.name)
            };
            match e.stat.kind {
                crate::fs::Kind::Dir => subdirs.push(path),
                crate::fs::Kind::File => out.push(path),
                _ => {}
            }
        }
        // Depth-first in name order, as grep's fts walk visits them.
        stack.extend(subdirs.into_iter().rev());
    }
}

/// Searches one file's bytes and prints what the flags ask for; true when a line was selected.
fn search(ctx: &mut Ctx, re: &Regex, o: &Opts, data: &[u8], label: &str, show_name: bool) -> bool {
    let binary = data.contains(&0);
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    let mut count = 0u64;
    let prefix = if show_name { format!("{label}:") } else { String::new() };
    if data.is_empty() {
        if o.count {
            ctx.out(format!("{prefix}0\n"));
        }
        return false;
    }
    for (n, line) in body.split(|&b| b == b'\n').enumerate() {
        let selected = next_match(re, o.word, line, 0).is_some() != o.invert;
        if !selected {
            continue;
        }
        count += 1;
        if o.quiet {
            return true;
        }
        if o.list {
            ctx.out(format!("{label}\n"));
            return true;
        }
        if o.count {
            continue;
        }
        if binary || std::str::from_utf8(line).is_err() {
            ctx.err(format!("grep: {label}: binary file matches\n"));
            return true;
        }
        let num = if o.number { format!("{}:", n + 1) } else { String::new() };
        if o.only {
            if o.invert {
                continue;
            }
            let mut pos = 0;
            while let Some((s, e)) = next_match(re, o.word, line, pos) {
                if e > s {
                    ctx.out(format!("{prefix}{num}"));
                    ctx.out(line.get(s..e).unwrap_or(&[]));
                    ctx.out(b"\n");
                }
                pos = if e > s { e } else { e + 1 };
                if pos > line.len() {
                    break;
                }
            }
        } else {
            ctx.out(format!("{prefix}{num}"));
            ctx.out(line);
            ctx.out(b"\n");
        }
    }
    if o.count {
        ctx.out(format!("{prefix}{count}\n"));
    }
    count > 0
}

/// Whether `b` is a word constituent for `-w` (letters, digits, underscore).
fn is_word(b: Option<&u8>) -> bool {
    b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
}

/// The next match at or after `from`; with `-w`, the next one with no word character on either side (GNU grep
/// retries from each later start).
fn next_match(re: &Regex, word: bool, line: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut pos = from;
    while pos <= line.len() {
        let m = re.find_at(line, pos)?;
        let (s, e) = (m.start(), m.end());
        if !word || (!is_word(s.checked_sub(1).and_then(|i| line.get(i))) && !is_word(line.get(e))) {
            return Some((s, e));
        }
        pos = s + 1;
    }
    None
}

/// Builds one regex from every pattern (each may hold several newline-separated ones).
fn compile(patterns: &[String], syntax: Syntax, o: &Opts, warnings: &mut Vec<&'static str>) -> Result<Regex, String> {
    let mut alts = Vec::new();
    for p in patterns {
        for part in p.split('\n') {
            let t = match syntax {
                Syntax::Fixed => regex::escape(part),
                Syntax::Basic => translate(part, false, warnings)?,
                Syntax::Extended => translate(part, true, warnings)?,
            };
            alts.push(format!("(?:{t})"));
        }
    }
    let mut joined = alts.join("|");
    if o.line {
        joined = format!("^(?:{joined})$");
    }
    RegexBuilder::new(&joined)
        .case_insensitive(o.ignore_case)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "memory exhausted".to_owned(),
            _ => "Invalid regular expression".to_owned(),
        })
}

/// Pushes `c` escaped if it is a metacharacter of Rust's syntax.
fn lit(out: &mut String, c: char) {
    if regex_syntax_meta(c) {
        out.push('\\');
    }
    out.push(c);
}

fn regex_syntax_meta(c: char) -> bool {
    r"\.+*?()|[]{}^$#&-~".contains(c)
}

/// Translates a POSIX BRE (`ere == false`) or ERE into the `regex` crate's syntax.
fn translate(p: &str, ere: bool, warnings: &mut Vec<&'static str>) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() * 2);
    let mut i = 0;
    let mut depth = 0usize;
    // True where a `*` would be literal (start of a (sub)expression).
    let mut at_start = true;
    while let Some(&c) = chars.get(i) {
        i += 1;
        let was_start = at_start;
        at_start = false;
        match c {
            '\\' => {
                let Some(&n) = chars.get(i) else {
                    return Err("Trailing backslash".to_owned());
                };
                i += 1;
                match n {
                    '(' if !ere => {
                        depth += 1;
                        out.push('(');
                        at_start = true;
                    }
                    ')' if !ere => {
                        if depth == 0 {
                            return Err("Unmatched ) or \\)".to_owned());
                        }
                        depth -= 1;
                        out.push(')');
                    }
                    '|' if !ere => {
                        out.push('|');
                        at_start = true;
                    }
                    '{' if !ere => {
                        if was_start {
                            lit(&mut out, '{');
                        } else {
                            i = interval(&chars, i, true, &mut out)?;
                        }
                    }
                    '+' | '?' if !ere => {
                        if was_start {
                            lit(&mut out, n);
                        } else {
                            out.push(n);
                        }
                    }
                    '<' | '>' => out.push_str(r"\b"),
                    'w' | 'W' | 's' | 'S' | 'b' | 'B' => {
                        out.push('\\');
                        out.push(n);
                    }
                    '1'..='9' => return Err("Invalid back reference".to_owned()),
                    _ => lit(&mut out, n),
                }
            }
            '[' => i = bracket(&chars, i, &mut out)?,
            '.' => out.push('.'),
            '*' => {
                if was_start && ere {
                    warnings.push("* at start of expression");
                    at_start = true;
                } else if was_start {
                    lit(&mut out, '*');
                } else {
                    out.push('*');
                }
            }
            '^' => {
                if ere || was_start {
                    out.push('^');
                    at_start = true;
                } else {
                    lit(&mut out, '^');
                }
            }
            '$' => {
                let at_end = ere
                    || i == chars.len()
                    || (chars.get(i) == Some(&'\\') && matches!(chars.get(i + 1), Some(')') | Some('|')));
                if at_end {
                    out.push('$');
                } else {
                    lit(&mut out, '$');
                }
            }
            '(' if ere => {
                depth += 1;
                out.push('(');
                at_start = true;
            }
            ')' if ere => {
                if depth == 0 {
                    lit(&mut out, ')');
                } else {
                    depth -= 1;
                    out.push(')');
                }
            }
            '|' if ere => {
                out.push('|');
                at_start = true;
            }
            '+' | '?' if ere => {
                if was_start {
                    warnings.push(if c == '+' {
                        "+ at start of expression"
                    } else {
                        "? at start of expression"
                    });
                    at_start = true;
                } else {
                    out.push(c);
                }
            }
            '{' if ere => {
                if was_start {
                    let mut scratch = String::new();
                    let next = interval(&chars, i, false, &mut scratch)?;
                    if next == i {
                        lit(&mut out, '{');
                    } else {
                        warnings.push("{...} at start of expression");
                        i = next;
                        at_start = true;
                    }
                } else {
                    i = interval(&chars, i, false, &mut out)?;
                }
            }
            _ => lit(&mut out, c),
        }
    }
    if depth > 0 {
        return Err("Unmatched ( or \\(".to_owned());
    }
    Ok(out)
}

/// Copies an interval `{m,n}` (closing `\}` in a BRE); an ERE brace that is no interval is literal.
fn interval(chars: &[char], start: usize, bre: bool, out: &mut String) -> Result<usize, String> {
    let mut j = start;
    let mut body = String::new();
    while let Some(&c) = chars.get(j) {
        if c.is_ascii_digit() || c == ',' {
            body.push(c);
            j += 1;
        } else {
            break;
        }
    }
    let close = if bre {
        chars.get(j) == Some(&'\\') && chars.get(j + 1) == Some(&'}')
    } else {
        chars.get(j) == Some(&'}')
    };
    let valid = !body.is_empty() && !body.starts_with(',') || body.starts_with(',') && body.len() > 1;
    if !close || !valid || body.matches(',').count() > 1 {
        if bre {
            return Err("Unmatched \\{".to_owned());
        }
        lit(out, '{');
        return Ok(start);
    }
    let body = if body.starts_with(',') {
        format!("0{body}")
    } else {
        body
    };
    let nums: Vec<u32> = body
        .split(',')
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    if nums.iter().any(|&n| n > 1000) {
        return Err("Regular expression too big".to_owned());
    }
    if let [a, b] = nums[..] {
        if a > b {
            return Err("Invalid content of \\{\\}".to_owned());
        }
    }
    out.push('{');
    out.push_str(&body);
    out.push('}');
    Ok(j + if bre { 2 } else { 1 })
}

/// Copies a bracket expression starting after its `[`; returns the index after its `]`.
fn bracket(chars: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let mut j = start;
    out.push('[');
    if chars.get(j) == Some(&'^') {
        out.push('^');
        j += 1;
    }
    if chars.get(j) == Some(&']') {
        out.push_str(r"\]");
        j += 1;
    }
    loop {
        let Some(&c) = chars.get(j) else {
            return Err("Unmatched [, [^, [:, [., or [=".to_owned());
        };
        j += 1;
        match c {
            ']' => {
                out.push(']');
                return Ok(j);
            }
            '[' if matches!(chars.get(j), Some(':') | Some('.') | Some('=')) => {
                let kind = chars.get(j).copied().unwrap_or(':');
                let rest: String = chars.iter().skip(j + 1).collect();
                let end_tok = format!("{kind}]");
                let Some(pos) = rest.find(&end_tok) else {
                    return Err("Unmatched [, [^, [:, [., or [=".to_owned());
                };
                let name = &rest[..pos];
                if kind == ':' {
                    const CLASSES: &[&str] = &[
                        "alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph",
                        "cntrl", "xdigit",
                    ];
                    if !CLASSES.contains(&name) {
                        return Err("Invalid character class name".to_owned());
                    }
                    out.push_str(&format!("[:{name}:]"));
                } else {
                    for ch in name.chars() {
                        lit(out, ch);
                    }
                }
                j += 1 + name.chars().count() + 2;
            }
            '-' => out.push('-'),
            _ => lit(out, c),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn basics() {
        check("echo -ne 'ab\\ncd\\nAb\\n' | grep a", "ab\n", "", 0);
        check("echo -ne 'ab\\ncd\\nAb\\n' | grep -i a", "ab\nAb\n", "", 0);
        check("echo -ne 'ab\\ncd\\nAb\\n' | grep -vn a", "2:cd\n3:Ab\n", "", 0);
        check("echo -ne 'ab\\ncd\\nAb\\n' | grep -c b", "2\n", "", 0);
        check("echo -ne 'ab\\n' | grep z", "", "", 1);
        check("grep x /nope", "", "grep: /nope: No such file or directory\n", 2);
        check("grep -s x /nope", "", "", 2);
        check(
            "grep",
            "",
            "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n",
            2,
        );
        check(
            "grep -Y a",
            "",
            "grep: invalid option -- 'Y'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n",
            2,
        );
        check("grep a /etc", "", "grep: /etc: Is a directory\n", 2);
    }

    #[test]
    fn regexes() {
        check("echo -ne 'aa1\\nb22\\n' | grep -o '[[:digit:]]\\+'", "1\n22\n", "", 0);
        check("echo -ne 'a+b\\nab\\n' | grep 'a+b'", "a+b\n", "", 0);
        check("echo -ne 'a+b\\naab\\n' | grep -E 'a+b'", "aab\n", "", 0);
        check("echo -ne 'foo\\nbar\\n' | grep 'foo\\|bar'", "foo\nbar\n", "", 0);
        check("echo -ne 'foo\\nbar\\n' | egrep '(fo|ba)[or]'", "foo\nbar\n", "", 0);
        check("echo -ne 'a.c\\nabc\\n' | fgrep a.c", "a.c\n", "", 0);
        check("echo -ne 'ab ab\\nabc\\n' | grep -w ab", "ab ab\n", "", 0);
        check("echo -ne 'foo. bar\\nfoo.x\\n' | grep -w 'foo\\.'", "foo. bar\n", "", 0);
        check("echo -ne 'xab ab\\n' | grep -ow 'ab'", "ab\n", "", 0);
        check("echo -ne 'x\\n' | grep -E 'a('", "", "grep: Unmatched ( or \\(\n", 2);
        check(
            "echo x | grep -E '*x'",
            "x\n",
            "grep: warning: * at start of expression\n",
            0,
        );
        check(
            "echo x | grep -E '{1}x'",
            "x\n",
            "grep: warning: {...} at start of expression\n",
            0,
        );
        check("echo -ne 'a{1}\\n' | grep 'a{1}'", "a{1}\n", "", 0);
        check("echo -ne 'aa\\n' | grep -o 'a\\{2\\}'", "aa\n", "", 0);
    }

    #[test]
    fn files_and_binary() {
        let mut s = session();
        check_in(
            &mut s,
            "mkdir /tmp/g; echo -ne 'ab\\n' > /tmp/g/f; echo -ne 'zz\\n' > /tmp/g/h",
            "",
            "",
            0,
        );
        check_in(&mut s, "grep b /tmp/g/f /tmp/g/h", "/tmp/g/f:ab\n", "", 0);
        check_in(&mut s, "grep -c b /tmp/g/f /tmp/g/h", "/tmp/g/f:1\n/tmp/g/h:0\n", "", 0);
        check_in(&mut s, "grep -l b /tmp/g/f /tmp/g/h", "/tmp/g/f\n", "", 0);
        check_in(&mut s, "grep -L b /tmp/g/f /tmp/g/h", "/tmp/g/h\n", "", 0);
        check_in(&mut s, "grep -H b /tmp/g/f", "/tmp/g/f:ab\n", "", 0);
        check_in(&mut s, "grep -r z /tmp/g", "/tmp/g/h:zz\n", "", 0);
        check_in(&mut s, "cd /tmp/g; grep -r a", "f:ab\n", "", 0);
        check_in(&mut s, "grep -r a /tmp/g/f", "ab\n", "", 0);
        check_in(&mut s, "grep -rh a /tmp/g", "ab\n", "", 0);
        check_in(&mut s, "mkdir /tmp/e; grep -r a /tmp/e", "", "", 1);
        check_in(&mut s, "grep -q a /tmp/g/f /nope", "", "", 0);
        check_in(
            &mut s,
            "echo -ne 'a\\0b\\n' | grep a",
            "",
            "grep: (standard input): binary file matches\n",
            0,
        );
        check_in(&mut s, "echo -ne 'a\\0b\\n' | grep -c a", "1\n", "", 0);
    }
}
