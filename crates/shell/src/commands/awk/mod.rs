//! `awk` as Debian 12's default `mawk` 1.3.4: the one-liner subset bots use (`-F`, `-v`, `BEGIN`/`END`,
//! `/re/` and comparison patterns, `print`, `printf`, assignments and a few string builtins), pure code.

mod eval;
mod lex;
mod parse;
mod printf;
mod value;

use std::collections::HashMap;

use regex::Regex;

use super::{Command, Ctx};
use crate::exec::MAX_OUTPUT;
use eval::{run_action, State};
use parse::{parse, Pattern};
use value::{truthy, Val};

/// The `awk` / `mawk` command.
pub struct Awk;

/// Deepest expression nesting the parser accepts before calling it a syntax error.
pub(super) const MAX_DEPTH: usize = 64;
/// Longest program text accepted.
pub(super) const MAX_PROGRAM: usize = 64 * 1024;
/// Longest string value a concatenation may build.
pub(super) const MAX_STR: usize = MAX_OUTPUT;

impl Command for Awk {
    fn names(&self) -> &'static [&'static str] {
        &["awk", "/usr/bin/awk", "mawk", "/usr/bin/mawk"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let mut fs = " ".to_string();
        let mut assigns: Vec<(String, String)> = Vec::new();
        let mut rest = args.iter().skip(1).peekable();
        let mut program = None;
        while let Some(arg) = rest.next() {
            if arg == "--" {
                break;
            }
            if let Some(v) = arg.strip_prefix("-F") {
                let v = if v.is_empty() {
                    rest.next().map(String::as_str)
                } else {
                    Some(v)
                };
                let Some(v) = v else { return usage(ctx) };
                fs = unescape(v);
            } else if let Some(v) = arg.strip_prefix("-v") {
                let v = if v.is_empty() {
                    rest.next().map(String::as_str)
                } else {
                    Some(v)
                };
                let Some((name, value)) = v.and_then(|v| v.split_once('=')) else {
                    return usage(ctx);
                };
                assigns.push((name.to_string(), unescape(value)));
            } else if arg.starts_with('-') && arg.len() > 1 {
                ctx.err(format!("mawk: not an option: {arg}\n"));
                return 2;
            } else {
                program = Some(arg.clone());
                break;
            }
        }
        let Some(program) = program.or_else(|| rest.next().cloned()) else {
            return usage(ctx);
        };
        let files: Vec<&String> = rest.collect();
        let items = match parse(&program) {
            Ok(items) => items,
            Err(near) => {
                ctx.err(format!("mawk: line 1: syntax error at or near {near}\n"));
                return 2;
            }
        };
        let mut st = State {
            vars: HashMap::new(),
            fields: Vec::new(),
            record: String::new(),
            nr: 0.0,
        };
        st.vars.insert("FS".into(), Val::Str(fs));
        for (name, value) in assigns {
            st.vars.insert(name, Val::Strnum(value));
        }
        let mut out = Vec::new();
        for item in &items {
            if matches!(item.pattern, Pattern::Begin) {
                run_action(&mut st, &item.action, &mut out);
            }
        }
        let needs_input = items.iter().any(|i| !matches!(i.pattern, Pattern::Begin));
        let mut status = 0;
        if needs_input {
            let mut inputs: Vec<Vec<u8>> = Vec::new();
            if files.is_empty() {
                inputs.push(stdin.to_vec());
            }
            for file in files {
                if file == "-" {
                    inputs.push(stdin.to_vec());
                    continue;
                }
                match ctx.session.read_file(file) {
                    Ok(bytes) => inputs.push(bytes.to_vec()),
                    Err(e) => {
                        ctx.out(&out);
                        ctx.err(format!("mawk: cannot open {file} ({})\n", e.message()));
                        return 2;
                    }
                }
            }
            'outer: for input in inputs {
                let text = String::from_utf8_lossy(&input).into_owned();
                for line in text.split_inclusive('\n') {
                    let line = line.strip_suffix('\n').unwrap_or(line);
                    st.nr += 1.0;
                    st.set_record(line.to_string());
                    for item in &items {
                        let hit = match &item.pattern {
                            Pattern::Begin | Pattern::End => false,
                            Pattern::All => true,
                            Pattern::Expr(e) => truthy(&st.eval(e)),
                        };
                        if hit {
                            run_action(&mut st, &item.action, &mut out);
                        }
                    }
                    if out.len() > MAX_OUTPUT {
                        status = 2;
                        break 'outer;
                    }
                }
            }
        }
        for item in &items {
            if matches!(item.pattern, Pattern::End) {
                run_action(&mut st, &item.action, &mut out);
            }
        }
        ctx.out(&out);
        status
    }
}

/// mawk's complaint when no program text is given.
pub(super) fn usage(ctx: &mut Ctx) -> i32 {
    ctx.err("usage: mawk [-F value] [-v var=value] [--] 'program text' [file ...]\n");
    2
}

/// Processes the C escapes awk honours in `-F` and `-v` values and string literals.
pub(super) fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('/') => out.push('/'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a record by awk's FS rules: blank runs for `" "`, a literal single character, else a regex.
pub(super) fn split(line: &str, fs: &str) -> Vec<String> {
    if line.is_empty() {
        return Vec::new();
    }
    if fs == " " {
        return line
            .split([' ', '\t', '\n'])
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect();
    }
    let mut chars = fs.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c != '\\' {
            return line.split(c).map(String::from).collect();
        }
    }
    match Regex::new(fs) {
        Ok(re) => re.split(line).map(String::from).collect(),
        Err(_) => vec![line.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn fields_and_patterns() {
        check("printf 'a b\\nc  d\\n' | awk '{print $1}'", "a\nc\n", "", 0);
        check("echo 'x y z' | mawk '{print $NF, $(NF-1) \"-\" NF}'", "z y-3\n", "", 0);
        check("printf 'a\\nb\\n' | awk 'NR==1'", "a\n", "", 0);
        check("printf 'a\\nb\\nc\\n' | awk 'END{print NR}'", "3\n", "", 0);
        check("printf 'a 3\\nb 4.5\\n' | awk '{s+=$2} END{print s}'", "7.5\n", "", 0);
        check("printf 'foo 1\\nbar 2\\n' | awk '/^b/{print $2}'", "2\n", "", 0);
        check("printf 'foo 1\\nbar 2\\n' | awk '!/^b/'", "foo 1\n", "", 0);
        check("printf '10\\n9\\nabc\\n' | awk '$1 > 9'", "10\nabc\n", "", 0);
        check(
            "printf 'a 1\\nb 5\\n' | awk '$2 > 1 && $1 != \"a\" || NR == 0 {print}'",
            "b 5\n",
            "",
            0,
        );
        check(
            "awk -F: 'NR<=2{print $1\":\"$7}' /etc/passwd",
            "root:/bin/bash\ndaemon:/usr/sbin/nologin\n",
            "",
            0,
        );
        check("echo 'a,b,c' | awk -F ',' '{print $2}'", "b\n", "", 0);
        check("printf 'a\\tb c\\n' | awk -F '\\t' '{print $2}'", "b c\n", "", 0);
        check("echo 'a:b' | awk -F: '{$2=\"X\"; print; print NF}'", "a X\n2\n", "", 0);
    }

    #[test]
    fn values_and_builtins() {
        check(
            "awk 'BEGIN{print 1/3, 1e20, 100000000, 0.1+0.2, -3, 7%3}'",
            "0.333333 1e+20 100000000 0.3 -3 1\n",
            "",
            0,
        );
        check(
            "echo 'a  bc' | awk '{print length, length($2), substr(\"hello\",2,3), substr(\"hello\",0), toupper(\"ab\") 1+2}'",
            "5 2 ell hello AB3\n",
            "",
            0,
        );
        check(
            "awk 'BEGIN{x = \"Ab\"; print tolower(x), y + 0, \"[\" y \"]\"}'",
            "ab 0 []\n",
            "",
            0,
        );
        check("awk -v n=5 'BEGIN{print n * 2}'", "10\n", "", 0);
    }

    #[test]
    fn printf() {
        check(
            "awk 'BEGIN{printf \"%5s|%-5d|%.2f|%x|%c|%c|%i\\n\", \"ab\", 42, 3.14159, 255, 65, \"hello\", 7.9}'",
            "   ab|42   |3.14|ff|A|h|7\n",
            "",
            0,
        );
        check("echo 'u 3' | awk '{printf \"%s=%03d\\n\", $1, $2}'", "u=003\n", "", 0);
    }

    #[test]
    fn errors() {
        check("awk 'BEGIN{x=}'", "", "mawk: line 1: syntax error at or near }\n", 2);
        check(
            "echo a | awk '{print $1 > \"f\"}'",
            "",
            "mawk: line 1: syntax error at or near >\n",
            2,
        );
        check(
            "awk '{print}' /nonexist",
            "",
            "mawk: cannot open /nonexist (No such file or directory)\n",
            2,
        );
    }
}
