//! The syntax tree of one command line, and its canonical re-rendering.
//!
//! The tree keeps exactly what a later expansion step needs: which text was quoted (so globbing and word splitting
//! apply only to unquoted parts), which parts are parameters or command substitutions (with their own parsed lists),
//! and where each redirection points. `Display` renders a tree back to a canonical command line that parses to the
//! same tree, which the round-trip tests rely on.

use std::fmt;

/// Words that open a compound command we do not model.
pub(crate) const UNSUPPORTED_WORDS: &[&str] = &[
    "if", "for", "while", "until", "case", "select", "function", "coproc", "{", "[[",
];

/// Reserved words that cannot start a command; bash names them in a syntax error.
pub(crate) const MISPLACED_WORDS: &[&str] = &["then", "else", "elif", "fi", "do", "done", "esac", "}", "in"];

/// A whole command line: and-or lists run one after the other, each in the foreground or the background.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct List {
    /// The items in source order; empty for a blank line or a comment.
    pub items: Vec<Item>,
}

/// One and-or list with its terminator, because `&` changes how the shell waits for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The pipelines joined by `&&` and `||`.
    pub and_or: AndOr,
    /// True when the item ended with `&`.
    pub background: bool,
}

/// Pipelines joined by `&&` / `||`, evaluated left to right with bash's short-circuit rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    /// The pipeline that always runs.
    pub first: Pipeline,
    /// The following pipelines, each run or skipped by its connector and the previous status.
    pub rest: Vec<(Connector, Pipeline)>,
}

/// The operator between two pipelines of an and-or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `&&`: run the next pipeline only after success.
    And,
    /// `||`: run the next pipeline only after failure.
    Or,
}

/// Simple commands joined by `|`, optionally negated with `!`.
///
/// `a |& b` is stored as `a 2>&1 | b`, which is what bash defines it to mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// True for `! pipeline`: the exit status is inverted.
    pub negated: bool,
    /// The commands; empty only for a lone `!`, which bash accepts.
    pub commands: Vec<Command>,
}

/// One simple command: assignments, words and redirections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    /// `NAME=value` words before the command name; alone, they set shell variables.
    pub assignments: Vec<Assignment>,
    /// The command name and its arguments, before expansion.
    pub words: Vec<Word>,
    /// Redirections in source order, which matters for `2>&1 >file` versus `>file 2>&1`.
    pub redirects: Vec<Redirect>,
}

/// A `NAME=value` or `NAME+=value` prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The variable name (a valid shell identifier).
    pub name: String,
    /// True for `+=`, which appends to the current value.
    pub append: bool,
    /// The value, expanded later without word splitting or globbing.
    pub value: Word,
}

/// One shell word as a list of parts, so expansion can treat quoted and unquoted text differently.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// The parts in order; adjacent literals with the same quoting are merged.
    pub parts: Vec<Part>,
}

/// A piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Plain text; `quoted` text is never globbed or split (it came from quotes or a backslash escape).
    Literal {
        /// The text with quotes and escapes removed.
        text: String,
        /// True when the text was quoted or escaped.
        quoted: bool,
    },
    /// `$name`, `${name}` or a special parameter (`$?`, `$1`, `$@`, ...).
    Var {
        /// The parameter name without `$` and braces.
        name: String,
        /// True inside double quotes, where the value is not split or globbed.
        quoted: bool,
    },
    /// `${...}` with an operator (`${x:-y}`, `${#x}`, ...), kept raw for the expansion step to interpret.
    Braced {
        /// The text between the braces.
        raw: String,
        /// True inside double quotes.
        quoted: bool,
    },
    /// `$(list)` or a backquoted command, parsed.
    CommandSub {
        /// The parsed inner command line.
        list: List,
        /// True inside double quotes.
        quoted: bool,
    },
    /// `$((expr))`, kept raw for an arithmetic evaluator.
    Arith {
        /// The text between `$((` and `))`.
        expr: String,
        /// True inside double quotes.
        quoted: bool,
    },
}

/// One redirection such as `2>/dev/null` or `2>&1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The explicit fd number before the operator; `None` means the operator's default (0 or 1).
    pub fd: Option<u32>,
    /// What kind of redirection.
    pub op: RedirOp,
    /// The file, fd number (for `>&`/`<&`), here-string text, or here-document delimiter as typed.
    pub target: Word,
    /// The here-document's text for `<<` and `<<-`, `None` for every other operator.
    ///
    /// With a quoted delimiter it is one quoted literal; otherwise its `$` and backquote parts are still to expand.
    /// Either way every literal is quoted, since a here-document is never split or globbed.
    pub body: Option<Word>,
}

/// The redirection operators bash 5.2 knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`: read from a file.
    In,
    /// `>`: truncate and write.
    Out,
    /// `>>`: append.
    Append,
    /// `>|`: truncate even with `noclobber`.
    Clobber,
    /// `<>`: open for reading and writing.
    ReadWrite,
    /// `>&`: duplicate an output fd (or, with a file name, redirect stdout and stderr).
    DupOut,
    /// `<&`: duplicate an input fd.
    DupIn,
    /// `&>`: stdout and stderr to a file.
    OutErr,
    /// `&>>`: stdout and stderr appended to a file.
    AppendOutErr,
    /// `<<<`: the word plus a newline on stdin.
    HereString,
    /// `<<`: the following lines up to the delimiter on stdin.
    HereDoc,
    /// `<<-`: a here-document with leading tabs stripped from each line.
    HereDocStrip,
}

impl RedirOp {
    /// The operator as typed, for rendering and error messages.
    pub fn as_str(self) -> &'static str {
        match self {
            RedirOp::In => "<",
            RedirOp::Out => ">",
            RedirOp::Append => ">>",
            RedirOp::Clobber => ">|",
            RedirOp::ReadWrite => "<>",
            RedirOp::DupOut => ">&",
            RedirOp::DupIn => "<&",
            RedirOp::OutErr => "&>",
            RedirOp::AppendOutErr => "&>>",
            RedirOp::HereString => "<<<",
            RedirOp::HereDoc => "<<",
            RedirOp::HereDocStrip => "<<-",
        }
    }
}

impl Word {
    /// The text of a word made of one unquoted literal, as reserved words and `!` must be.
    pub fn as_plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Literal { text, quoted: false }] => Some(text),
            _ => None,
        }
    }
}

impl fmt::Display for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for item in &self.items {
            write!(f, "{sep}{}", item.and_or)?;
            if item.background {
                f.write_str(" &")?;
            }
            sep = if item.background { " " } else { "; " };
            // Here-document bodies follow the line that names them, so the next item starts on a new line.
            let mut heredocs = Vec::new();
            item.and_or.heredocs(&mut heredocs);
            if !heredocs.is_empty() {
                f.write_str("\n")?;
                for r in heredocs {
                    r.write_body(f)?;
                }
                sep = "";
            }
        }
        Ok(())
    }
}

impl fmt::Display for AndOr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        for (connector, pipeline) in &self.rest {
            let op = match connector {
                Connector::And => "&&",
                Connector::Or => "||",
            };
            write!(f, " {op} {pipeline}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str(if self.commands.is_empty() { "!" } else { "! " })?;
        }
        for (i, command) in self.commands.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{command}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for a in &self.assignments {
            write!(f, "{sep}{}{}{}", a.name, if a.append { "+=" } else { "=" }, a.value)?;
            sep = " ";
        }
        // A name such as `!` or `if` is only an ordinary word when something precedes it, so keep a redirection first.
        let reserved = self.assignments.is_empty()
            && self
                .words
                .first()
                .and_then(Word::as_plain)
                .is_some_and(|w| w == "!" || UNSUPPORTED_WORDS.contains(&w) || MISPLACED_WORDS.contains(&w));
        let redirects = self.redirects.iter().map(|r| r as &dyn fmt::Display);
        let words = self.words.iter().map(|w| w as &dyn fmt::Display);
        let all: Vec<&dyn fmt::Display> = if reserved {
            redirects.chain(words).collect()
        } else {
            words.chain(redirects).collect()
        };
        for item in all {
            write!(f, "{sep}{item}")?;
            sep = " ";
        }
        Ok(())
    }
}

impl AndOr {
    /// The here-document redirections in source order, which is the order their bodies are read in.
    pub(crate) fn heredocs<'a>(&'a self, out: &mut Vec<&'a Redirect>) {
        let pipelines = std::iter::once(&self.first).chain(self.rest.iter().map(|(_, p)| p));
        for command in pipelines.flat_map(|p| &p.commands) {
            out.extend(
                command
                    .redirects
                    .iter()
                    .filter(|r| matches!(r.op, RedirOp::HereDoc | RedirOp::HereDocStrip)),
            );
        }
    }

    /// Mutable access to the here-document redirections in source order, for filling in their bodies.
    pub(crate) fn heredocs_mut(&mut self) -> impl Iterator<Item = &mut Redirect> {
        let pipelines = std::iter::once(&mut self.first).chain(self.rest.iter_mut().map(|(_, p)| p));
        pipelines
            .flat_map(|p| &mut p.commands)
            .flat_map(|c| &mut c.redirects)
            .filter(|r| matches!(r.op, RedirOp::HereDoc | RedirOp::HereDocStrip))
    }
}

impl Redirect {
    /// True when the here-document delimiter had quotes, so the body is taken literally.
    pub fn delimiter_quoted(&self) -> bool {
        self.target
            .parts
            .iter()
            .any(|p| matches!(p, Part::Literal { quoted: true, .. }))
    }

    /// The delimiter without its quotes.
    pub fn delimiter(&self) -> String {
        let mut out = String::new();
        for part in &self.target.parts {
            if let Part::Literal { text, .. } = part {
                out.push_str(text);
            }
        }
        out
    }

    /// Writes a here-document body and its delimiter line in a form that reads back to the same body.
    fn write_body(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(body) = &self.body else { return Ok(()) };
        let mut text = String::new();
        for part in &body.parts {
            match part {
                Part::Literal { text: t, .. } if self.delimiter_quoted() => text.push_str(t),
                Part::Literal { text: t, .. } => {
                    for c in t.chars() {
                        if matches!(c, '\\' | '$' | '`') {
                            text.push('\\');
                        }
                        text.push(c);
                    }
                }
                Part::Var { name, .. } => text.push_str(&format!("${{{name}}}")),
                Part::Braced { raw, .. } => text.push_str(&format!("${{{raw}}}")),
                Part::CommandSub { list, .. } => text.push_str(&format!("$({list})")),
                Part::Arith { expr, .. } => text.push_str(&format!("$(({expr}))")),
            }
        }
        writeln!(f, "{text}{}", self.delimiter())
    }
}

impl fmt::Display for Redirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(fd) = self.fd {
            write!(f, "{fd}")?;
        }
        write!(f, "{}{}", self.op.as_str(), self.target)
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal { text, quoted: true } => write!(f, "'{}'", text.replace('\'', r"'\''"))?,
                Part::Literal { text, quoted: false } => f.write_str(text)?,
                Part::Var { name, quoted } => dq(f, *quoted, format_args!("${{{name}}}"))?,
                Part::Braced { raw, quoted } => dq(f, *quoted, format_args!("${{{raw}}}"))?,
                Part::CommandSub { list, quoted } => dq(f, *quoted, format_args!("$({list})"))?,
                Part::Arith { expr, quoted } => dq(f, *quoted, format_args!("$(({expr}))"))?,
            }
        }
        Ok(())
    }
}

/// Writes `inner`, wrapped in double quotes when the part was quoted.
fn dq(f: &mut fmt::Formatter<'_>, quoted: bool, inner: fmt::Arguments<'_>) -> fmt::Result {
    if quoted {
        write!(f, "\"{inner}\"")
    } else {
        write!(f, "{inner}")
    }
}
