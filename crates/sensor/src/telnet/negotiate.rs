//! Telnet option negotiation (RFC 854/855) as a pure state machine: no I/O, no panics, every buffer bounded.
//!
//! [`Negotiator::opening`] is what the server sends first; by default the exact bytes of Debian 12's BusyBox 1.35
//! `telnetd` (`IAC DO ECHO, IAC DO NAWS, IAC WILL ECHO, IAC WILL SGA`, checked against the real daemon).
//! [`Negotiator::feed`] splits received bytes into user data (IAC IAC unescaped, `CR LF` and `CR NUL` turned into the
//! lone `CR` a line discipline takes as Enter, as BusyBox does) and commands, and returns the replies to send.
//!
//! Replies follow RFC 1143's Q method (no queue bits: the server never changes its mind mid-negotiation), so the
//! server answers only real state changes and two honest parties can never loop. We agree to ECHO (857) and SGA
//! (858) on our side and to SGA, NAWS (1073), TTYPE (1091), TSPEED (1079) and NEW-ENVIRON (1572) on the client's;
//! LINEMODE (1184), BINARY and everything else is refused. When the client agrees to TTYPE, TSPEED or NEW-ENVIRON we
//! ask once for the value, and keep what it says: window size, terminal type, speed, environment variables.
//!
//! Note: the real BusyBox 1.35 `telnetd` never answers anything (it only reads NAWS); [`Flavor::BusyboxSilent`]
//! copies that exactly, at the cost of never learning the terminal type or environment.

use std::borrow::Cow;

/// Interpret As Command: starts every Telnet command.
pub const IAC: u8 = 255;
/// "Don't": asks the peer to disable an option (or refuses to let it enable one).
pub const DONT: u8 = 254;
/// "Do": asks the peer to enable an option (or agrees that it does).
pub const DO: u8 = 253;
/// "Won't": refuses to enable an option (or disables it).
pub const WONT: u8 = 252;
/// "Will": offers to enable an option (or agrees to).
pub const WILL: u8 = 251;
/// Subnegotiation begin.
pub const SB: u8 = 250;
/// Go ahead (ignored).
pub const GA: u8 = 249;
/// Erase line: becomes Ctrl-U in the data.
pub const EL: u8 = 248;
/// Erase character: becomes DEL in the data.
pub const EC: u8 = 247;
/// Are you there (ignored, as BusyBox does).
pub const AYT: u8 = 246;
/// Abort output (ignored).
pub const AO: u8 = 245;
/// Interrupt process: becomes Ctrl-C in the data.
pub const IP: u8 = 244;
/// Break (ignored).
pub const BRK: u8 = 243;
/// Data mark (ignored).
pub const DM: u8 = 242;
/// No operation (keepalives).
pub const NOP: u8 = 241;
/// Subnegotiation end.
pub const SE: u8 = 240;

/// Option: binary transmission (RFC 856), refused so the NVT end-of-line rules hold.
pub const OPT_BINARY: u8 = 0;
/// Option: echo (RFC 857).
pub const OPT_ECHO: u8 = 1;
/// Option: suppress go-ahead (RFC 858).
pub const OPT_SGA: u8 = 3;
/// Option: terminal type (RFC 1091).
pub const OPT_TTYPE: u8 = 24;
/// Option: negotiate about window size (RFC 1073).
pub const OPT_NAWS: u8 = 31;
/// Option: terminal speed (RFC 1079).
pub const OPT_TSPEED: u8 = 32;
/// Option: line mode (RFC 1184), always refused.
pub const OPT_LINEMODE: u8 = 34;
/// Option: new environment (RFC 1572).
pub const OPT_NEW_ENVIRON: u8 = 39;

/// Longest subnegotiation kept (after unescaping); the rest of a longer one is dropped and the whole ignored.
pub const MAX_SUBNEGOTIATION: usize = 256;
/// Commands (negotiations and subnegotiations) handled per connection; later ones are stripped and ignored.
pub const MAX_COMMANDS: u32 = 512;
/// Environment variables kept per connection.
pub const MAX_ENV_VARS: usize = 32;
/// Longest terminal type or speed kept, in characters.
pub const MAX_NAME: usize = 64;

/// TTYPE/TSPEED/NEW-ENVIRON subcommand: IS (the client's answer).
const SUB_IS: u8 = 0;
/// TTYPE/TSPEED/NEW-ENVIRON subcommand: SEND (our request).
const SUB_SEND: u8 = 1;
/// NEW-ENVIRON subcommand: INFO (an unsolicited update).
const SUB_INFO: u8 = 2;
/// NEW-ENVIRON list codes.
const ENV_VAR: u8 = 0;
/// NEW-ENVIRON: a value follows.
const ENV_VALUE: u8 = 1;
/// NEW-ENVIRON: the next byte is literal.
const ENV_ESC: u8 = 2;
/// NEW-ENVIRON: a user variable name follows.
const ENV_USERVAR: u8 = 3;

/// Which server the negotiation imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// BusyBox 1.35 `telnetd`'s opening (Debian 12's `busybox-static`), answering per RFC 1143.
    #[default]
    Busybox,
    /// BusyBox 1.35 exactly: the same opening and never a reply (the real daemon ignores every request).
    BusyboxSilent,
    /// Asks for everything a client will tell (window, terminal type, speed, environment) up front.
    Full,
}

impl Flavor {
    /// The bytes the server sends as soon as the connection opens.
    pub fn opening(self) -> &'static [u8] {
        match self {
            Flavor::Busybox | Flavor::BusyboxSilent => &[
                IAC, DO, OPT_ECHO, IAC, DO, OPT_NAWS, IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA,
            ],
            Flavor::Full => &[
                IAC,
                WILL,
                OPT_ECHO,
                IAC,
                WILL,
                OPT_SGA,
                IAC,
                DO,
                OPT_NAWS,
                IAC,
                DO,
                OPT_TTYPE,
                IAC,
                DO,
                OPT_TSPEED,
                IAC,
                DO,
                OPT_NEW_ENVIRON,
            ],
        }
    }
}

/// What one call to [`Negotiator::feed`] produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Feed {
    /// User data for the line discipline, commands removed.
    pub data: Vec<u8>,
    /// Bytes to send back to the client (negotiation answers and requests).
    pub reply: Vec<u8>,
}

/// One NEW-ENVIRON variable the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    /// Its name (lossy UTF-8).
    pub name: String,
    /// Its value; `None` when the client sent the name without VALUE (undefined).
    pub value: Option<String>,
    /// True for a USERVAR, false for a well-known VAR (USER, DISPLAY, ...).
    pub user: bool,
}

/// RFC 1143 per-option state, one side (no WANTNO: the server never asks to disable an option).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Q {
    /// Disabled.
    No,
    /// Enabled.
    Yes,
    /// We asked to enable and wait for the answer.
    WantYes,
}

/// Where the parser is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ordinary data.
    Data,
    /// After IAC.
    Iac,
    /// After IAC WILL/WONT/DO/DONT, waiting for the option byte.
    Verb(u8),
    /// Inside a subnegotiation.
    Sb,
    /// After IAC inside a subnegotiation.
    SbIac,
}

/// The Telnet protocol state of one connection.
#[derive(Debug)]
pub struct Negotiator {
    /// Which server we imitate.
    flavor: Flavor,
    /// Parser state.
    state: State,
    /// Options on our side (we WILL).
    us: [Q; 256],
    /// Options on the client's side (it WILL).
    him: [Q; 256],
    /// The subnegotiation being collected (option byte first).
    sb: Vec<u8>,
    /// The subnegotiation outgrew [`MAX_SUBNEGOTIATION`].
    sb_overflow: bool,
    /// The previous data byte was CR.
    after_cr: bool,
    /// Commands seen so far.
    commands: u32,
    /// Requests already sent (TTYPE, TSPEED, NEW-ENVIRON), so each is asked once.
    asked: [bool; 3],
    /// Window size from NAWS: (width, height).
    window: Option<(u16, u16)>,
    /// Terminal type from TTYPE IS.
    ttype: Option<String>,
    /// Terminal speed from TSPEED IS ("38400,38400").
    speed: Option<String>,
    /// Environment from NEW-ENVIRON IS/INFO.
    env: Vec<EnvVar>,
}

impl Negotiator {
    /// A fresh connection whose server has just sent `flavor.opening()`.
    pub fn new(flavor: Flavor) -> Negotiator {
        let mut n = Negotiator {
            flavor,
            state: State::Data,
            us: [Q::No; 256],
            him: [Q::No; 256],
            sb: Vec::new(),
            sb_overflow: false,
            after_cr: false,
            commands: 0,
            asked: [false; 3],
            window: None,
            ttype: None,
            speed: None,
            env: Vec::new(),
        };
        // What the opening asked for is pending, so the client's agreement needs no answer (RFC 1143).
        for cmd in flavor.opening().chunks_exact(3) {
            if let [_, verb, opt] = *cmd {
                let side = if verb == DO { &mut n.him } else { &mut n.us };
                side[usize::from(opt)] = Q::WantYes;
            }
        }
        n
    }

    /// The bytes to send when the connection opens.
    pub fn opening(&self) -> &'static [u8] {
        self.flavor.opening()
    }

    /// Which server this negotiator imitates.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// Processes received bytes: returns the user data in them and the replies to send.
    pub fn feed(&mut self, input: &[u8]) -> Feed {
        let mut out = Feed {
            data: Vec::with_capacity(input.len()),
            reply: Vec::new(),
        };
        for &b in input {
            self.byte(b, &mut out);
        }
        out
    }

    /// The window size the client reported (NAWS): (width, height), as sent (0 means unknown to the client).
    pub fn window(&self) -> Option<(u16, u16)> {
        self.window
    }

    /// The terminal type the client reported (TTYPE IS), printable ASCII only.
    pub fn terminal_type(&self) -> Option<&str> {
        self.ttype.as_deref()
    }

    /// The terminal speed the client reported (TSPEED IS), e.g. `38400,38400`.
    pub fn terminal_speed(&self) -> Option<&str> {
        self.speed.as_deref()
    }

    /// The environment variables the client sent (NEW-ENVIRON), in first-seen order, later values replacing earlier.
    pub fn environ(&self) -> &[EnvVar] {
        &self.env
    }

    /// Whether the server echoes (ECHO enabled on our side): the line editor should echo when true.
    pub fn server_echoes(&self) -> bool {
        self.us[usize::from(OPT_ECHO)] != Q::No
    }

    /// How many commands the client sent (counting past [`MAX_COMMANDS`]), for the session's log.
    pub fn commands(&self) -> u32 {
        self.commands
    }

    /// Whether commands are still answered (false once the client sent more than [`MAX_COMMANDS`]).
    fn active(&self) -> bool {
        self.commands <= MAX_COMMANDS
    }

    /// Advances the parser by one byte.
    fn byte(&mut self, b: u8, out: &mut Feed) {
        match self.state {
            State::Data => {
                if b == IAC {
                    self.state = State::Iac;
                } else {
                    self.data(b, out);
                }
            }
            State::Iac => self.command(b, out),
            State::Verb(verb) => {
                self.state = State::Data;
                if self.active() {
                    self.negotiate(verb, b, out);
                }
            }
            State::Sb => {
                if b == IAC {
                    self.state = State::SbIac;
                } else {
                    self.sb_push(b);
                }
            }
            State::SbIac => match b {
                SE => {
                    self.state = State::Data;
                    if self.active() && !self.sb_overflow {
                        self.subnegotiation(out);
                    }
                    self.sb.clear();
                }
                IAC => {
                    self.state = State::Sb;
                    self.sb_push(IAC);
                }
                // An unterminated subnegotiation: drop it and take the byte as the command it starts.
                _ => {
                    self.sb.clear();
                    self.command(b, out);
                }
            },
        }
    }

    /// A user data byte, with `CR LF` and `CR NUL` reduced to `CR`.
    fn data(&mut self, b: u8, out: &mut Feed) {
        let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
        if after_cr && (b == b'\n' || b == 0) {
            return;
        }
        out.data.push(b);
    }

    /// The byte after IAC.
    fn command(&mut self, b: u8, out: &mut Feed) {
        self.state = State::Data;
        if b == IAC {
            self.after_cr = false;
            out.data.push(IAC);
            return;
        }
        self.commands = self.commands.saturating_add(1);
        match b {
            WILL | WONT | DO | DONT => self.state = State::Verb(b),
            SB => {
                self.state = State::Sb;
                self.sb.clear();
                self.sb_overflow = false;
            }
            // Editing functions become the keys a line discipline knows.
            IP => self.data(0x03, out),
            EC => self.data(0x7f, out),
            EL => self.data(0x15, out),
            // NOP, DM, BRK, AO, AYT, GA, a stray SE and unknown codes: nothing to do.
            _ => {}
        }
    }

    /// Appends to the subnegotiation buffer, within its bound.
    fn sb_push(&mut self, b: u8) {
        if self.sb.len() < MAX_SUBNEGOTIATION {
            self.sb.push(b);
        } else {
            self.sb_overflow = true;
        }
    }

    /// Whether we agree to enable `opt` on our side.
    fn accept_us(opt: u8) -> bool {
        matches!(opt, OPT_ECHO | OPT_SGA)
    }

    /// Whether we agree to let the client enable `opt`.
    fn accept_him(opt: u8) -> bool {
        matches!(opt, OPT_SGA | OPT_NAWS | OPT_TTYPE | OPT_TSPEED | OPT_NEW_ENVIRON)
    }

    /// Queues a three-byte command, unless this flavor never answers.
    fn send(&self, out: &mut Feed, verb: u8, opt: u8) {
        if self.flavor != Flavor::BusyboxSilent {
            out.reply.extend_from_slice(&[IAC, verb, opt]);
        }
    }

    /// RFC 1143 receive rules for one WILL/WONT/DO/DONT.
    fn negotiate(&mut self, verb: u8, opt: u8, out: &mut Feed) {
        let i = usize::from(opt);
        match verb {
            WILL => match self.him[i] {
                Q::No => {
                    if Self::accept_him(opt) {
                        self.him[i] = Q::Yes;
                        self.send(out, DO, opt);
                        self.enabled_him(opt, out);
                    } else {
                        self.send(out, DONT, opt);
                    }
                }
                Q::Yes => {}
                Q::WantYes => {
                    self.him[i] = Q::Yes;
                    self.enabled_him(opt, out);
                }
            },
            WONT => match self.him[i] {
                Q::No => {}
                Q::Yes => {
                    self.him[i] = Q::No;
                    self.send(out, DONT, opt);
                }
                Q::WantYes => self.him[i] = Q::No,
            },
            DO => match self.us[i] {
                Q::No => {
                    if Self::accept_us(opt) {
                        self.us[i] = Q::Yes;
                        self.send(out, WILL, opt);
                    } else {
                        self.send(out, WONT, opt);
                    }
                }
                Q::Yes => {}
                Q::WantYes => self.us[i] = Q::Yes,
            },
            // DONT
            _ => match self.us[i] {
                Q::No => {}
                Q::Yes => {
                    self.us[i] = Q::No;
                    self.send(out, WONT, opt);
                }
                Q::WantYes => self.us[i] = Q::No,
            },
        }
    }

    /// The client just enabled `opt`: ask once for what it carries.
    fn enabled_him(&mut self, opt: u8, out: &mut Feed) {
        let slot = match opt {
            OPT_TTYPE => 0,
            OPT_TSPEED => 1,
            OPT_NEW_ENVIRON => 2,
            _ => return,
        };
        if self.flavor == Flavor::BusyboxSilent || self.asked.get(slot).copied().unwrap_or(true) {
            return;
        }
        if let Some(a) = self.asked.get_mut(slot) {
            *a = true;
        }
        out.reply.extend_from_slice(&[IAC, SB, opt, SUB_SEND, IAC, SE]);
    }

    /// A complete subnegotiation (option byte first, unescaped).
    fn subnegotiation(&mut self, _out: &mut Feed) {
        match self.sb.as_slice() {
            [OPT_NAWS, w1, w2, h1, h2] => {
                self.window = Some((u16::from_be_bytes([*w1, *w2]), u16::from_be_bytes([*h1, *h2])));
            }
            [OPT_TTYPE, SUB_IS, name @ ..] => {
                self.ttype.get_or_insert_with(|| printable(name));
            }
            [OPT_TSPEED, SUB_IS, speed @ ..] => {
                self.speed.get_or_insert_with(|| printable(speed));
            }
            [OPT_NEW_ENVIRON, SUB_IS | SUB_INFO, list @ ..] => {
                let vars = parse_environ(list);
                for var in vars {
                    self.set_env(var);
                }
            }
            _ => {}
        }
    }

    /// Records one variable, replacing an earlier one of the same name, within [`MAX_ENV_VARS`].
    fn set_env(&mut self, var: EnvVar) {
        if let Some(old) = self.env.iter_mut().find(|v| v.name == var.name && v.user == var.user) {
            *old = var;
        } else if self.env.len() < MAX_ENV_VARS {
            self.env.push(var);
        }
    }
}

impl Default for Negotiator {
    fn default() -> Negotiator {
        Negotiator::new(Flavor::default())
    }
}

/// Printable ASCII from a name the client sent, at most [`MAX_NAME`] characters.
fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .filter(|b| (0x20..0x7f).contains(*b))
        .take(MAX_NAME)
        .map(|&b| char::from(b))
        .collect()
}

/// Parses a NEW-ENVIRON IS/INFO list: `(VAR|USERVAR) name [VALUE value]`, ESC quoting the next byte.
fn parse_environ(list: &[u8]) -> Vec<EnvVar> {
    /// A variable being parsed: (user, name, value).
    type Partial = (bool, Vec<u8>, Option<Vec<u8>>);
    fn done(p: Partial, vars: &mut Vec<EnvVar>) {
        let (user, name, value) = p;
        vars.push(EnvVar {
            name: String::from_utf8_lossy(&name).into_owned(),
            value: value.map(|v| String::from_utf8_lossy(&v).into_owned()),
            user,
        });
    }
    let mut vars = Vec::new();
    let mut cur: Option<Partial> = None;
    let mut escaped = false;
    for &b in list {
        if !escaped {
            match b {
                ENV_VAR | ENV_USERVAR => {
                    if let Some(p) = cur.take() {
                        done(p, &mut vars);
                    }
                    cur = Some((b == ENV_USERVAR, Vec::new(), None));
                    continue;
                }
                ENV_VALUE => {
                    if let Some(p) = cur.as_mut() {
                        p.2 = Some(Vec::new());
                    }
                    continue;
                }
                ENV_ESC => {
                    escaped = true;
                    continue;
                }
                _ => {}
            }
        }
        escaped = false;
        if let Some((_, name, value)) = cur.as_mut() {
            match value {
                Some(v) => v.push(b),
                None => name.push(b),
            }
        }
    }
    if let Some(p) = cur {
        done(p, &mut vars);
    }
    vars
}

/// Escapes server output for the wire: every 0xFF byte is doubled (IAC IAC), everything else passes unchanged.
pub fn escape_output(data: &[u8]) -> Cow<'_, [u8]> {
    if !data.contains(&IAC) {
        return Cow::Borrowed(data);
    }
    let extra = data.iter().filter(|&&b| b == IAC).count();
    let mut out = Vec::with_capacity(data.len().saturating_add(extra));
    for &b in data {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the data path should make of IAC-free input: `CR LF` and `CR NUL` become `CR`.
    fn normalized(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut after_cr = false;
        for &b in data {
            let prev = std::mem::replace(&mut after_cr, b == b'\r');
            if prev && (b == b'\n' || b == 0) {
                continue;
            }
            out.push(b);
        }
        out
    }

    #[test]
    fn opening_is_busybox_1_35s_exact_bytes() {
        // Captured from Debian 12's busybox-static 1.35.0 `telnetd -F -b 127.0.0.1:PORT -l /bin/cat`.
        let n = Negotiator::new(Flavor::Busybox);
        assert_eq!(n.opening(), b"\xff\xfd\x01\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03");
        assert_eq!(Negotiator::default().opening(), n.opening());
        assert_eq!(Flavor::BusyboxSilent.opening(), n.opening());
        assert_eq!(
            Flavor::Full.opening(),
            b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x18\xff\xfd\x20\xff\xfd\x27"
        );
    }

    #[test]
    fn agreement_to_our_opening_needs_no_answer() {
        let mut n = Negotiator::new(Flavor::Busybox);
        // A Linux telnet client's answer to BusyBox: WONT ECHO, WILL NAWS + size, DO ECHO, DO SGA.
        let f = n.feed(b"\xff\xfc\x01\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0\xff\xfd\x01\xff\xfd\x03");
        assert_eq!(f.reply, b"");
        assert_eq!(f.data, b"");
        assert_eq!(n.window(), Some((80, 24)));
        assert!(n.server_echoes());
        // Repeating an agreed state changes nothing, so nothing is sent: no loop.
        let f = n.feed(b"\xff\xfd\x01\xff\xfb\x1f\xff\xfc\x01");
        assert_eq!(f.reply, b"");
    }

    #[test]
    fn unsolicited_offers_are_answered_once_and_values_requested() {
        let mut n = Negotiator::new(Flavor::Busybox);
        let f = n.feed(b"\xff\xfb\x18\xff\xfb\x22\xff\xfb\x27\xff\xfd\x05\xff\xfb\x00");
        assert_eq!(
            f.reply,
            b"\xff\xfd\x18\xff\xfa\x18\x01\xff\xf0\xff\xfe\x22\xff\xfd\x27\xff\xfa\x27\x01\xff\xf0\xff\xfc\x05\xff\xfe\x00"
        );
        // The same offers again: already decided, so silence.
        let f = n.feed(b"\xff\xfb\x18\xff\xfb\x27");
        assert_eq!(f.reply, b"");
        // The client turns TTYPE off: acknowledged once; then on again: agreed, but not asked twice.
        assert_eq!(n.feed(b"\xff\xfc\x18").reply, b"\xff\xfe\x18");
        assert_eq!(n.feed(b"\xff\xfc\x18").reply, b"");
        assert_eq!(n.feed(b"\xff\xfb\x18").reply, b"\xff\xfd\x18");
        // DONT on an enabled option of ours is acknowledged; on a disabled one ignored.
        assert_eq!(n.feed(b"\xff\xfd\x03\xff\xfe\x03").reply, b"\xff\xfc\x03");
        let mut m = Negotiator::new(Flavor::Full);
        assert_eq!(m.feed(b"\xff\xfd\x03").reply, b"");
        assert_eq!(m.feed(b"\xff\xfe\x03").reply, b"\xff\xfc\x03");
        assert_eq!(m.feed(b"\xff\xfe\x03").reply, b"");
        assert_eq!(m.feed(b"\xff\xfd\x22").reply, b"\xff\xfc\x22");
    }

    #[test]
    fn busybox_silent_never_answers_but_still_reads_naws() {
        let mut n = Negotiator::new(Flavor::BusyboxSilent);
        let f = n.feed(b"\xff\xfb\x18\xff\xfd\x05\xff\xfb\x1f\xff\xfa\x1f\x00\x84\x00\x2b\xff\xf0ls\r\n");
        assert_eq!(f.reply, b"");
        assert_eq!(f.data, b"ls\r");
        assert_eq!(n.window(), Some((132, 43)));
    }

    #[test]
    fn full_flavor_collects_type_speed_and_environment() {
        let mut n = Negotiator::new(Flavor::Full);
        let f = n.feed(b"\xff\xfb\x18\xff\xfb\x20\xff\xfb\x27");
        assert_eq!(
            f.reply,
            b"\xff\xfa\x18\x01\xff\xf0\xff\xfa\x20\x01\xff\xf0\xff\xfa\x27\x01\xff\xf0"
        );
        let f = n.feed(
            b"\xff\xfa\x18\x00XTERM-256COLOR\xff\xf0\xff\xfa\x20\x0038400,38400\xff\xf0\
              \xff\xfa\x27\x00\x00USER\x01root\x03LANG\x01C\x02\x01UTF-8\x00DISPLAY\xff\xf0\
              \xff\xfa\x27\x02\x00USER\x01admin\xff\xf0",
        );
        assert_eq!(f.reply, b"");
        assert_eq!(f.data, b"");
        assert_eq!(n.terminal_type(), Some("XTERM-256COLOR"));
        assert_eq!(n.terminal_speed(), Some("38400,38400"));
        assert_eq!(
            n.environ(),
            &[
                EnvVar {
                    name: "USER".into(),
                    value: Some("admin".into()),
                    user: false
                },
                EnvVar {
                    name: "LANG".into(),
                    value: Some("C\u{1}UTF-8".into()),
                    user: true
                },
                EnvVar {
                    name: "DISPLAY".into(),
                    value: None,
                    user: false
                },
            ]
        );
    }

    #[test]
    fn data_unescapes_iac_and_normalizes_newlines_across_chunks() {
        let mut n = Negotiator::default();
        assert_eq!(n.feed(b"a\xff\xffb\r").data, b"a\xffb\r");
        assert_eq!(n.feed(b"\ncd\r\x00e\rf\r\r\n").data, b"cd\re\rf\r\r");
        // A command split over three calls, then editing commands as keys.
        assert_eq!(n.feed(b"x\xff").data, b"x");
        assert_eq!(n.feed(b"\xfd").data, b"");
        let f = n.feed(b"\x05y\xff\xf4\xff\xf7\xff\xf8\xff\xf1\xff\xf6z");
        assert_eq!(f.reply, b"\xff\xfc\x05");
        assert_eq!(f.data, b"y\x03\x7f\x15z");
    }

    #[test]
    fn subnegotiations_are_bounded_and_broken_ones_dropped() {
        let mut n = Negotiator::default();
        let mut big = b"\xff\xfa\x18\x00".to_vec();
        big.extend(std::iter::repeat_n(b'A', 1000));
        big.extend_from_slice(b"\xff\xf0ok");
        let f = n.feed(&big);
        assert_eq!(f.data, b"ok");
        assert_eq!(n.terminal_type(), None);
        // IAC IAC inside a subnegotiation is a literal 255 (NAWS width 0xff00).
        n.feed(b"\xff\xfa\x1f\xff\xff\x00\x00\x19\xff\xf0");
        assert_eq!(n.window(), Some((0xff00, 25)));
        // A subnegotiation cut off by another command is dropped; the command still counts.
        let f = n.feed(b"\xff\xfa\x1f\x00\x10\xff\xfd\x05q");
        assert_eq!(f.reply, b"\xff\xfc\x05");
        assert_eq!(f.data, b"q");
        assert_eq!(n.window(), Some((0xff00, 25)));
        // A wrong-length NAWS is ignored.
        n.feed(b"\xff\xfa\x1f\x00\x10\x00\xff\xf0");
        assert_eq!(n.window(), Some((0xff00, 25)));
    }

    #[test]
    fn commands_past_the_limit_are_stripped_but_not_answered() {
        let mut n = Negotiator::default();
        let mut flood = Vec::new();
        for _ in 0..MAX_COMMANDS {
            flood.extend_from_slice(b"\xff\xf1");
        }
        flood.extend_from_slice(b"\xff\xfd\x05a");
        let f = n.feed(&flood);
        assert_eq!(f.reply, b"");
        assert_eq!(f.data, b"a");
        assert_eq!(n.commands(), MAX_COMMANDS + 1);
    }

    #[test]
    fn escape_output_doubles_iac_only() {
        assert!(matches!(escape_output(b"plain\r\n"), Cow::Borrowed(b"plain\r\n")));
        assert_eq!(&*escape_output(b"\xff\x00\xffa"), b"\xff\xff\x00\xff\xffa");
        assert_eq!(&*escape_output(b""), b"");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_in_arbitrary_chunks_never_panic_and_agree(
            input in proptest::collection::vec(any::<u8>(), 0..2048),
            chunk in 1usize..64,
        ) {
            let mut whole = Negotiator::new(Flavor::Full);
            let all = whole.feed(&input);
            let mut pieces = Negotiator::new(Flavor::Full);
            let mut data = Vec::new();
            let mut reply = Vec::new();
            for c in input.chunks(chunk) {
                let f = pieces.feed(c);
                data.extend(f.data);
                reply.extend(f.reply);
            }
            prop_assert_eq!(&all.data, &data);
            prop_assert_eq!(&all.reply, &reply);
            prop_assert!(all.data.len() <= input.len());
            prop_assert!(pieces.environ().len() <= MAX_ENV_VARS);
        }

        #[test]
        fn data_without_iac_passes_through(input in proptest::collection::vec(0u8..255, 0..1024)) {
            let mut n = Negotiator::default();
            let f = n.feed(&input);
            prop_assert_eq!(f.reply, Vec::<u8>::new());
            prop_assert_eq!(f.data, normalized(&input));
            let plain: Vec<u8> = input.iter().copied().filter(|&b| b != b'\r').collect();
            prop_assert_eq!(Negotiator::default().feed(&plain).data, plain);
        }

        #[test]
        fn escape_then_feed_round_trips(input in proptest::collection::vec(any::<u8>(), 0..1024)) {
            let escaped = escape_output(&input);
            let mut n = Negotiator::default();
            let f = n.feed(&escaped);
            prop_assert_eq!(f.reply, Vec::<u8>::new());
            prop_assert_eq!(f.data, normalized(&input));
        }
    }
}
