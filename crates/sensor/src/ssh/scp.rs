//! The legacy `scp -t` sink protocol (what `scp -O`, libssh and many bots use to push files): the receiving end is
//! emulated, so uploaded files land in the fake filesystem and are captured; nothing is ever run.
//!
//! The client sends `C<mode> <size> <name>\n`, the file's bytes and a NUL; `D`/`E` open and close folders; `T`
//! carries times. The sink answers each step with a NUL, or `\x01scp: <message>\n` for a warning.

/// One file received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Where it goes in the fake filesystem.
    pub path: String,
    /// Its content.
    pub data: Vec<u8>,
}

/// Where the sink is in the stream.
#[derive(Debug)]
enum State {
    /// Reading a control line.
    Line,
    /// Reading `left` more bytes of the file `path`.
    Data {
        /// Destination.
        path: String,
        /// Bytes still to come.
        left: u64,
        /// Bytes so far.
        data: Vec<u8>,
    },
    /// Expecting the NUL after a file's bytes.
    Nul(Received),
    /// A protocol error ended the transfer.
    Failed,
}

/// The sink side of `scp -t TARGET`.
#[derive(Debug)]
pub struct ScpSink {
    /// The target path as given (absolute).
    target: String,
    /// Whether the target names a folder (`-d` given or an existing folder).
    target_is_dir: bool,
    /// Folders entered with `D`.
    dirs: Vec<String>,
    /// Parser state.
    state: State,
    /// Partial control line.
    line: Vec<u8>,
    /// Bytes still accepted in all.
    budget: u64,
}

impl ScpSink {
    /// A sink writing into `target` (absolute); `budget` bounds the bytes accepted.
    pub fn new(target: String, target_is_dir: bool, budget: u64) -> ScpSink {
        ScpSink {
            target,
            target_is_dir,
            dirs: Vec::new(),
            state: State::Line,
            line: Vec::new(),
            budget,
        }
    }

    /// The sink's first word: ready.
    pub fn start() -> &'static [u8] {
        b"\0"
    }

    /// Whether a protocol error ended the transfer.
    pub fn failed(&self) -> bool {
        matches!(self.state, State::Failed)
    }

    /// Consumes client bytes; returns the replies to send and the files completed.
    pub fn feed(&mut self, mut input: &[u8]) -> (Vec<u8>, Vec<Received>) {
        let mut reply = Vec::new();
        let mut done = Vec::new();
        while !input.is_empty() {
            match &mut self.state {
                State::Failed => break,
                State::Line => {
                    let nl = input.iter().position(|&b| b == b'\n');
                    let take = nl.map_or(input.len(), |i| i + 1);
                    if self.line.len() + take > 4096 {
                        reply.extend_from_slice(b"\x02scp: protocol error: line too long\n");
                        self.state = State::Failed;
                        break;
                    }
                    self.line.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    if nl.is_some() {
                        let line = std::mem::take(&mut self.line);
                        self.control(&line, &mut reply);
                    }
                }
                State::Data { left, data, .. } => {
                    let n = (*left).min(input.len() as u64) as usize;
                    data.extend_from_slice(&input[..n]);
                    *left -= n as u64;
                    input = &input[n..];
                    if *left == 0 {
                        if let State::Data { path, data, .. } = std::mem::replace(&mut self.state, State::Line) {
                            self.state = State::Nul(Received { path, data });
                        }
                    }
                }
                State::Nul(_) => {
                    input = &input[1..];
                    if let State::Nul(file) = std::mem::replace(&mut self.state, State::Line) {
                        done.push(file);
                    }
                    reply.push(0);
                }
            }
        }
        (reply, done)
    }

    /// Handles one control line (with its `\n`).
    fn control(&mut self, line: &[u8], reply: &mut Vec<u8>) {
        let text = String::from_utf8_lossy(line.strip_suffix(b"\n").unwrap_or(line)).into_owned();
        let mut chars = text.chars();
        match chars.next() {
            Some('C') => {
                let mut parts = chars.as_str().splitn(3, ' ');
                let (Some(_mode), Some(size), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
                    return self.fail(reply, "protocol error: bad mode");
                };
                let Ok(size) = size.parse::<u64>() else {
                    return self.fail(reply, "protocol error: size not delimited");
                };
                if name.contains('/') || name == ".." {
                    return self.fail(reply, &format!("error: unexpected filename: {name}"));
                }
                if size > self.budget {
                    return self.fail(reply, &format!("{}: No space left on device", self.dest(name)));
                }
                self.budget -= size;
                let path = self.dest(name);
                reply.push(0);
                self.state = if size == 0 {
                    State::Nul(Received { path, data: Vec::new() })
                } else {
                    State::Data {
                        path,
                        left: size,
                        data: Vec::with_capacity(size.min(1 << 20) as usize),
                    }
                };
            }
            Some('D') => {
                let name = chars.as_str().splitn(3, ' ').nth(2).unwrap_or("").to_owned();
                if name.is_empty() || name.contains('/') || name == ".." || self.dirs.len() >= 32 {
                    return self.fail(reply, "protocol error: bad directory");
                }
                self.dirs.push(name);
                reply.push(0);
            }
            Some('E') => {
                self.dirs.pop();
                reply.push(0);
            }
            Some('T') => reply.push(0),
            _ => self.fail(reply, "protocol error: expected control record"),
        }
    }

    /// Sends a fatal error and stops.
    fn fail(&mut self, reply: &mut Vec<u8>, message: &str) {
        reply.extend_from_slice(format!("\x01scp: {message}\n").as_bytes());
        self.state = State::Failed;
    }

    /// The destination of a file named `name` in the current folder.
    fn dest(&self, name: &str) -> String {
        if !self.target_is_dir && self.dirs.is_empty() {
            return self.target.clone();
        }
        let mut p = self.target.trim_end_matches('/').to_owned();
        for d in &self.dirs {
            p.push('/');
            p.push_str(d);
        }
        p.push('/');
        p.push_str(name);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_byte_by_byte_and_whole() {
        let stream = b"C0644 5 x.sh\nhello\0";
        let mut whole = ScpSink::new("/tmp/a".into(), false, 100);
        let (reply, files) = whole.feed(stream);
        assert_eq!(reply, b"\0\0");
        assert_eq!(
            files,
            vec![Received {
                path: "/tmp/a".into(),
                data: b"hello".to_vec()
            }]
        );
        let mut bytes = ScpSink::new("/tmp".into(), true, 100);
        let mut got = Vec::new();
        for b in stream {
            got.extend(bytes.feed(std::slice::from_ref(b)).1);
        }
        assert_eq!(got[0].path, "/tmp/x.sh");
    }

    #[test]
    fn folders_times_and_errors() {
        let mut s = ScpSink::new("/tmp".into(), true, 100);
        let (reply, files) = s.feed(b"T1 0 1 0\nD0755 0 d\nC0644 1 f\nx\0E\n");
        assert_eq!(reply, b"\0\0\0\0\0");
        assert_eq!(files[0].path, "/tmp/d/f");
        let mut s = ScpSink::new("/tmp".into(), true, 3);
        let (reply, _) = s.feed(b"C0644 5 big\n");
        assert_eq!(reply, b"\x01scp: /tmp/big: No space left on device\n");
        assert!(s.failed());
        let mut s = ScpSink::new("/tmp".into(), true, 3);
        assert!(s
            .feed(b"C0644 1 ../etc/x\n")
            .0
            .starts_with(b"\x01scp: error: unexpected filename"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut s = ScpSink::new("/tmp".into(), true, 1000);
            let _ = s.feed(&data);
        }
    }
}
