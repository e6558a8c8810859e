//! The terminal side of an interactive shell, shared by SSH and Telnet: readline-like line editing with echo when
//! there is a pseudo-terminal, bash's prompt, and `\n` to `\r\n` on output as a pty's `ONLCR` does.

use shell::exec::Session;
use shell::persona::render;

/// What a chunk of keystrokes produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Edit {
    /// Bytes to send back (echo, erase sequences, `^C`).
    pub echo: Vec<u8>,
    /// Completed inputs, in order.
    pub inputs: Vec<Input>,
}

/// One completed input.
#[derive(Debug, PartialEq, Eq)]
pub enum Input {
    /// Enter was pressed on this line.
    Line(String),
    /// Ctrl-C: the line is discarded.
    Interrupt,
    /// Ctrl-D on an empty line.
    Eof,
}

/// Escape-sequence parsing state, so arrow keys and the like are swallowed rather than typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    /// Ordinary input.
    None,
    /// After ESC.
    Start,
    /// Inside `ESC [` or `ESC O`, until the final byte.
    Csi,
}

/// A line editor: echo on, Backspace, Ctrl-C, Ctrl-D, Ctrl-U, Ctrl-W, escape sequences ignored, lines capped.
#[derive(Debug)]
pub struct LineEditor {
    /// The line being typed, as bytes (UTF-8 from well-behaved clients, anything from bots).
    buf: Vec<u8>,
    /// Whether to echo (a pty is present).
    echo: bool,
    /// Longest line kept; the rest of a longer line is dropped.
    max_line: usize,
    /// Escape-sequence state.
    esc: Esc,
    /// The previous byte was CR, so an LF right after it is the same Enter.
    after_cr: bool,
}

impl LineEditor {
    /// A new editor; `echo` is true on a pty.
    pub fn new(echo: bool, max_line: usize) -> LineEditor {
        LineEditor {
            buf: Vec::new(),
            echo,
            max_line,
            esc: Esc::None,
            after_cr: false,
        }
    }

    /// Feeds received bytes.
    pub fn feed(&mut self, data: &[u8]) -> Edit {
        let mut edit = Edit::default();
        for &b in data {
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            match self.esc {
                Esc::Start => {
                    self.esc = if b == b'[' || b == b'O' { Esc::Csi } else { Esc::None };
                    continue;
                }
                Esc::Csi => {
                    if (0x40..=0x7e).contains(&b) {
                        self.esc = Esc::None;
                    }
                    continue;
                }
                Esc::None => {}
            }
            match b {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    self.say(&mut edit, b"\r\n");
                    let line = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
                    edit.inputs.push(Input::Line(line));
                }
                0x1b => self.esc = Esc::Start,
                0x7f | 0x08 => {
                    if self.pop_char() {
                        self.say(&mut edit, b"\x08\x1b[K");
                    }
                }
                0x03 => {
                    self.buf.clear();
                    self.say(&mut edit, b"^C\r\n");
                    edit.inputs.push(Input::Interrupt);
                }
                0x04 if self.buf.is_empty() => edit.inputs.push(Input::Eof),
                0x15 => {
                    let n = char_count(&self.buf);
                    self.buf.clear();
                    if n > 0 {
                        self.say(&mut edit, format!("\x1b[{n}D\x1b[K").as_bytes());
                    }
                }
                0x17 => {
                    let before = char_count(&self.buf);
                    while self.buf.last() == Some(&b' ') {
                        self.buf.pop();
                    }
                    while self.buf.last().is_some_and(|&c| c != b' ') {
                        self.pop_char();
                    }
                    let n = before - char_count(&self.buf);
                    if n > 0 {
                        self.say(&mut edit, format!("\x1b[{n}D\x1b[K").as_bytes());
                    }
                }
                b'\t' => {}
                0x00..=0x1f => {}
                _ => {
                    if self.buf.len() < self.max_line {
                        self.buf.push(b);
                        self.say(&mut edit, &[b]);
                    }
                }
            }
        }
        edit
    }

    /// Turns echo on or off (off while `login` reads a password).
    pub fn set_echo(&mut self, echo: bool) {
        self.echo = echo;
    }

    /// The unfinished line, for when the input ends without a newline (bash still runs it).
    pub fn take_partial(&mut self) -> Option<String> {
        (!self.buf.is_empty()).then(|| String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned())
    }

    /// Echoes when a pty is present.
    fn say(&self, edit: &mut Edit, bytes: &[u8]) {
        if self.echo {
            edit.echo.extend_from_slice(bytes);
        }
    }

    /// Removes the last character (a whole UTF-8 sequence); false when the line was empty.
    fn pop_char(&mut self) -> bool {
        let Some(mut b) = self.buf.pop() else {
            return false;
        };
        while b & 0xc0 == 0x80 {
            match self.buf.last() {
                Some(&prev) if prev & 0x80 != 0 => {
                    b = prev;
                    self.buf.pop();
                    if prev & 0xc0 != 0x80 {
                        break;
                    }
                }
                _ => break,
            }
        }
        true
    }
}

/// Characters (not bytes) in `buf`, for cursor movement.
fn char_count(buf: &[u8]) -> usize {
    buf.iter().filter(|&&b| b & 0xc0 != 0x80).count()
}

/// `\n` to `\r\n`, as a pty's output processing does (a lone `\r\n` stays as it is).
pub fn onlcr(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 16);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// bash's primary prompt on Debian 12 (`\u@\h:\w\$ `), with `~` for the home directory.
pub fn prompt(session: &Session) -> String {
    let user = session.user();
    let cwd = session.cwd();
    let home = user.home.trim_end_matches('/');
    let shown = if !home.is_empty() && (cwd == home || cwd.starts_with(&format!("{home}/"))) {
        format!("~{}", &cwd[home.len()..])
    } else {
        cwd.to_owned()
    };
    let host = session
        .persona()
        .hostname
        .split('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    let sigil = if user.uid == 0 { '#' } else { '$' };
    format!("{}@{host}:{shown}{sigil} ", user.name)
}

/// What sshd (through PAM's motd) prints before the first prompt of a login shell: the `uname -snrvm` line and
/// Debian's `/etc/motd`.
pub fn motd(session: &Session) -> String {
    let u = render::uname(session.persona());
    format!(
        "{} {} {} {} {}\n\nThe programs included with the Debian GNU/Linux system are free software;\n\
         the exact distribution terms for each program are described in the\n\
         individual files in /usr/share/doc/*/copyright.\n\n\
         Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\npermitted by applicable law.\n",
        u.kernel_name, u.nodename, u.release, u.version, u.machine
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(e: &Edit) -> Vec<&Input> {
        e.inputs.iter().collect()
    }

    #[test]
    fn typing_editing_and_enter() {
        let mut ed = LineEditor::new(true, 100);
        let e = ed.feed(b"lx\x7fs -l\r");
        assert_eq!(e.echo, b"lx\x08\x1b[Ks -l\r\n");
        assert_eq!(lines(&e), [&Input::Line("ls -l".into())]);
        // CR LF is one Enter; LF alone is one too.
        let e = ed.feed(b"a\r\nb\n");
        assert_eq!(lines(&e), [&Input::Line("a".into()), &Input::Line("b".into())]);
        // Arrow keys are swallowed.
        let e = ed.feed(b"\x1b[Aab\x1bOBc\r");
        assert_eq!(lines(&e), [&Input::Line("abc".into())]);
    }

    #[test]
    fn control_keys() {
        let mut ed = LineEditor::new(true, 100);
        let e = ed.feed(b"abc\x03");
        assert_eq!(e.echo, b"abc^C\r\n");
        assert_eq!(lines(&e), [&Input::Interrupt]);
        assert_eq!(lines(&ed.feed(b"\x04")), [&Input::Eof]);
        assert!(
            ed.feed(b"x\x04").inputs.is_empty(),
            "Ctrl-D on a non-empty line does nothing"
        );
        let e = ed.feed(b"\x15yz\r");
        assert_eq!(lines(&e), [&Input::Line("yz".into())]);
        let e = ed.feed(b"one two\x17\r");
        assert_eq!(lines(&e), [&Input::Line("one ".into())]);
        let e = ed.feed("é\x7f\r".as_bytes());
        assert_eq!(lines(&e), [&Input::Line(String::new())]);
    }

    #[test]
    fn no_echo_without_pty_and_cap() {
        let mut ed = LineEditor::new(false, 3);
        let e = ed.feed(b"abcdef\n");
        assert!(e.echo.is_empty());
        assert_eq!(lines(&e), [&Input::Line("abc".into())]);
    }

    #[test]
    fn output_translation() {
        assert_eq!(onlcr(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut ed = LineEditor::new(true, 64);
            let _ = ed.feed(&data);
        }
    }
}
