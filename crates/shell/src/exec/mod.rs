//! The interpreter: runs a parsed command line against the session's fake filesystem and persona, with no I/O.
//!
//! Architecture invariant: nothing an attacker types is ever executed; every command is one of the emulations in
//! [`crate::commands`], and every byte it reads or writes lives in the session's [`Overlay`](crate::fs::Overlay).
//!
//! - `session.rs`: the [`Session`] state and the walk over lists, and-or lists, pipelines and simple commands.
//! - `expand.rs`: tilde, parameter and command substitution, field splitting and globbing.
//! - `redirect.rs`: where a command's stdin, stdout and stderr go.
//! - `arith.rs`: the integer evaluator behind `$((...))`.

mod arith;
mod expand;
mod redirect;
mod session;

pub use session::Session;

/// Most bytes one command may write to stdout or stderr; the rest is dropped, so nothing can grow without bound.
pub const MAX_OUTPUT: usize = 1024 * 1024;

/// Most bytes one command's expanded words and assignments may total before it fails with `Argument list too long`.
pub const MAX_EXPANSION: usize = 4 * MAX_OUTPUT;

/// Most bytes all shell variables together may hold.
pub const MAX_VAR_BYTES: usize = 4 * MAX_OUTPUT;

/// Most simple commands one [`Session::run_line`] executes, nested substitutions included.
pub const MAX_STEPS: usize = 10_000;

/// What one line produced: the bytes for the terminal and whether the shell should end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Bytes written to the terminal's stdout.
    pub stdout: Vec<u8>,
    /// Bytes written to the terminal's stderr.
    pub stderr: Vec<u8>,
    /// `Some(status)` when the line ran `exit`; the connection should close.
    pub exit: Option<i32>,
}

/// Appends `data` to `buf` without letting it exceed [`MAX_OUTPUT`].
pub(crate) fn push_capped(buf: &mut Vec<u8>, data: &[u8]) {
    let room = MAX_OUTPUT.saturating_sub(buf.len());
    buf.extend_from_slice(&data[..data.len().min(room)]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, check_in, session};
    use proptest::prelude::*;

    #[test]
    fn attacker_lines() {
        check(r"echo -e '\x41\x42'", "AB\n", "", 0);
        check("cd /tmp || cd /var/run; echo hi > a; cat a", "hi\n", "", 0);
        check(
            "cd /nope || cd /tmp; pwd",
            "/tmp\n",
            "bash: cd: /nope: No such file or directory\n",
            0,
        );
        check("echo $(whoami)", "root\n", "", 0);
        check(
            "echo `whoami`@`hostname -s`x",
            &format!("root@{}x\n", session().persona.hostname),
            "",
            0,
        );
        check("cd${IFS}/tmp;pwd", "/tmp\n", "", 0);
        check("foo", "", "bash: foo: command not found\n", 127);
        check("foo; echo $?", "127\n", "bash: foo: command not found\n", 0);
        check("/x/y", "", "bash: /x/y: No such file or directory\n", 127);
        check("/etc", "", "bash: /etc: Is a directory\n", 126);
        check("/etc/passwd", "", "bash: /etc/passwd: Permission denied\n", 126);
        check("echo a;;", "", "bash: syntax error near unexpected token `;;'\n", 2);
    }

    #[test]
    fn endless_devices() {
        check("head -c 5 /dev/zero | wc -c", "5\n", "", 0);
        check("head -c 100 /dev/urandom | wc -c", "100\n", "", 0);
        check("cat /dev/null | wc -c", "0\n", "", 0);
    }

    #[test]
    fn bash_dash_c_names_the_line() {
        let mut s = session();
        s.set_interactive(false);
        check_in(&mut s, "foo", "", "bash: line 1: foo: command not found\n", 127);
        check_in(
            &mut s,
            "cd /x",
            "",
            "bash: line 1: cd: /x: No such file or directory\n",
            1,
        );
        check_in(
            &mut s,
            "echo a;;",
            "",
            "bash: -c: line 1: syntax error near unexpected token `;;'\nbash: -c: line 1: `echo a;;'\n",
            2,
        );
        check_in(
            &mut s,
            "ls /nope",
            "",
            "ls: cannot access '/nope': No such file or directory\n",
            2,
        );
    }

    #[test]
    fn status_and_lists() {
        check("cat /x; echo $?", "1\n", "cat: /x: No such file or directory\n", 0);
        check("true && false || echo y", "y\n", "", 0);
        check("! true; echo $?", "1\n", "", 0);
        check("false | true; echo $?", "0\n", "", 0);
        check("true | false", "", "", 1);
    }

    #[test]
    fn redirections() {
        check("cat /x 2>/dev/null; echo $?", "1\n", "", 0);
        check("cat /x 2>&1", "cat: /x: No such file or directory\n", "", 1);
        check("cat /x 2>&1 >/dev/null", "cat: /x: No such file or directory\n", "", 1);
        check("cat /x >/dev/null 2>&1", "", "", 1);
        check("echo hi >/dev/null", "", "", 0);
        check(
            "cat /x &>/tmp/e; cat /tmp/e",
            "cat: /x: No such file or directory\n",
            "",
            0,
        );
        check("echo a >/tmp/f; echo b >>/tmp/f; cat </tmp/f", "a\nb\n", "", 0);
        check("echo a >/tmp/f; echo b >/tmp/f; cat /tmp/f", "b\n", "", 0);
        check("echo x >&2", "", "x\n", 0);
        check("echo hi > /nope/x", "", "bash: /nope/x: No such file or directory\n", 1);
        check("echo hi > /etc", "", "bash: /etc: Is a directory\n", 1);
        check("cat < /nope", "", "bash: /nope: No such file or directory\n", 1);
        check("cat <<< $HOME", "/root\n", "", 0);
        check("cat <<EOF\n$HOME x\nEOF", "/root x\n", "", 0);
        check(">/tmp/new; cat /tmp/new; echo $?", "0\n", "", 0);
        // Real bash names the word as typed (`$nothing`); the parser only keeps its canonical form.
        check("echo a > $nothing", "", "bash: ${nothing}: ambiguous redirect\n", 1);
    }

    #[test]
    fn pipelines() {
        check("cat /etc/passwd | cat | cat", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", "", 0);
        check("echo a | cat - /x", "a\n", "cat: /x: No such file or directory\n", 1);
        check("cd /tmp | true; pwd", "/root\n", "", 0);
    }

    #[test]
    fn expansion() {
        check("x=1; echo $x ${x} \"$x\" '$x'", "1 1 1 $x\n", "", 0);
        check("A=1 true; echo ${A:-unset}", "unset\n", "", 0);
        check("x='a   b'; echo $x; echo \"$x\"", "a b\na   b\n", "", 0);
        check("echo ~ ~root ~nobody/x ~zz", "/root /root /nonexistent/x ~zz\n", "", 0);
        check("x=~/a; echo $x", "/root/a\n", "", 0);
        check("echo $((2 + 3 * 4))", "14\n", "", 0);
        check("echo ${#HOME} ${U:=v} $U ${HOME:+set}", "5 v v set\n", "", 0);
        check("echo ${x!}", "", "bash: ${x!}: bad substitution\n", 1);
        check(
            "x=/usr/local/bin.tar.gz; echo ${x#*/} ${x##*/} ${x%.*} ${x%%.*}",
            "usr/local/bin.tar.gz bin.tar.gz /usr/local/bin.tar /usr/local/bin\n",
            "",
            0,
        );
        check(
            "x=aXbXc; echo ${x/X/-} ${x//X/-} ${x//X} ${y/a/b}.",
            "a-bXc a-b-c abc .\n",
            "",
            0,
        );
        check("echo \"\" a '' | cat", " a \n", "", 0);
        check("e=; echo $e x \"$e\"y", "x y\n", "", 0);
        check("x=$(false); echo $?", "1\n", "", 0);
        check("echo $(echo $(echo deep))", "deep\n", "", 0);
        check("echo $(cd /tmp; pwd); pwd", "/tmp\n/root\n", "", 0);
        check("x=a; x+=b; echo $x", "ab\n", "", 0);
        let s = session();
        check("echo $$", &format!("{}\n", s.pid), "", 0);
        check("echo $0 $#", "-bash 0\n", "", 0);
    }

    #[test]
    fn globbing() {
        check("echo /e*", "/etc\n", "", 0);
        check("echo /e*/pass??", "/etc/passwd\n", "", 0);
        check("echo /[de]*", "/dev /etc\n", "", 0);
        check("echo /nomatch*", "/nomatch*\n", "", 0);
        check("echo '/e*' \"/e*\" \\/e*", "/e* /e* /etc\n", "", 0);
        check("cd /; echo e*", "etc\n", "", 0);
        check("cd /tmp; echo x > .h; echo * .h*", "* .h\n", "", 0);
        check("x='/e*'; echo $x \"$x\"", "/etc /e*\n", "", 0);
    }

    #[test]
    fn scoped_and_persistent_state() {
        let mut s = session();
        check_in(&mut s, "X=1", "", "", 0);
        check_in(&mut s, "echo $X", "1\n", "", 0);
        check_in(&mut s, "cd /tmp; echo data > f", "", "", 0);
        check_in(&mut s, "cat /tmp/f", "data\n", "", 0);
        assert_eq!(s.history().len(), 4);
        assert_eq!(s.cwd(), "/tmp");
    }

    #[test]
    fn output_is_capped() {
        let mut s = session();
        let big = "x".repeat(1000);
        s.run_line(&format!("a={big}"));
        for _ in 0..12 {
            s.run_line("a=$a$a");
        }
        let out = s.run_line("echo ${a//x/yy} ${a%%x*} ${a#*y} $a $a $a $a");
        assert!(out.stdout.len() <= MAX_OUTPUT);
        assert!(out.stderr.len() <= MAX_OUTPUT);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_lines_never_panic(line in "[ -~\\n]{0,200}") {
            let mut s = session();
            let out = s.run_line(&line);
            prop_assert!(out.stdout.len() <= MAX_OUTPUT);
            prop_assert!(out.stderr.len() <= MAX_OUTPUT);
        }

        #[test]
        fn shell_like_lines_never_panic(
            words in proptest::collection::vec(
                prop_oneof![
                    Just("echo"), Just("cat"), Just("cd"), Just("$(echo a)"), Just("*"), Just("/e*"), Just("|"),
                    Just("&&"), Just("||"), Just(";"), Just(">/tmp/x"), Just("2>&1"), Just("$x"), Just("x=$x$x"),
                    Just("~"), Just("\"$HOME\""), Just("<<<a"), Just("uname"), Just("-a"), Just("exit"),
                ],
                0..30,
            )
        ) {
            let mut s = session();
            let out = s.run_line(&words.join(" "));
            prop_assert!(out.stdout.len() <= MAX_OUTPUT);
        }
    }
}
