//! `cat` from coreutils: files from the fake filesystem and `-` for stdin, with coreutils' error texts.

use super::{prog, Command, Ctx};

/// The `cat` command.
pub struct Cat;

impl Command for Cat {
    fn names(&self) -> &'static [&'static str] {
        &["cat", "/bin/cat", "/usr/bin/cat"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let mut files = Vec::new();
        let mut options_done = false;
        for arg in args.iter().skip(1) {
            if options_done || arg == "-" || !arg.starts_with('-') {
                files.push(arg.as_str());
            } else if arg == "--" {
                options_done = true;
            } else if arg.starts_with("--") {
                return ctx.invalid_option(prog(args), arg);
            } else if let Some(c) = arg[1..].chars().find(|&c| c != 'u') {
                return ctx.invalid_option(prog(args), &format!("-{c}"));
            }
        }
        if files.is_empty() {
            files.push("-");
        }
        let mut status = 0;
        for file in files {
            if file == "-" {
                ctx.out(stdin);
                continue;
            }
            let result = ctx.session.read_file(file).map_err(|e| e.message());
            match result {
                Ok(bytes) => ctx.out(bytes),
                Err(msg) => {
                    ctx.err(format!("{}: {file}: {msg}\n", prog(args)));
                    status = 1;
                }
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn cat() {
        check("cat /etc/hostname", "debian\n", "", 0);
        check("cat /x", "", "cat: /x: No such file or directory\n", 1);
        check("cat /etc", "", "cat: /etc: Is a directory\n", 1);
        check("echo hi | cat", "hi\n", "", 0);
        check(
            "echo hi | cat /etc/hostname - /x",
            "debian\nhi\n",
            "cat: /x: No such file or directory\n",
            1,
        );
        check("cat /dev/null", "", "", 0);
        check("cat <<< abc", "abc\n", "", 0);
        check(
            "cat -z",
            "",
            "cat: invalid option -- 'z'\nTry 'cat --help' for more information.\n",
            1,
        );
        check(
            "cat --foo",
            "",
            "cat: unrecognized option '--foo'\nTry 'cat --help' for more information.\n",
            1,
        );
    }
}
