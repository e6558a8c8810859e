//! `python3` (Debian 12's Python 3.11.2), present when the persona has it: version strings, and `-c` one-liners or
//! scripts on stdin that never run: `print` of literals prints, a socket `connect` fails with the real traceback.

use super::{Command, Ctx};

/// The `python3` command.
pub struct Python3;

const REFUSED: &str =
    "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\nConnectionRefusedError: [Errno 111] Connection refused\n";

impl Command for Python3 {
    fn names(&self) -> &'static [&'static str] {
        &[
            "python3",
            "/usr/bin/python3",
            "/bin/python3",
            "python3.11",
            "/usr/bin/python3.11",
            "/bin/python3.11",
        ]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let name = args.first().map_or("python3", String::as_str);
        if !ctx.session.persona.packages.python3 {
            let why = if name.contains('/') {
                "No such file or directory"
            } else {
                "command not found"
            };
            ctx.err(format!("bash: {name}: {why}\n"));
            return 127;
        }
        let mut rest = args.iter().skip(1);
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "-V" | "--version" => {
                    ctx.out("Python 3.11.2\n");
                    return 0;
                }
                "-c" => {
                    let Some(code) = rest.next() else {
                        ctx.err("Argument expected for the -c option\nusage: python3 [option] ... [-c cmd | -m mod | file | -] [arg] ...\nTry `python -h' for more information.\n");
                        return 2;
                    };
                    return run_code(ctx, code, "<string>");
                }
                "-m" => {
                    let module = rest.next().cloned().unwrap_or_default();
                    if module == "http.server" || module == "SimpleHTTPServer" {
                        return 0;
                    }
                    ctx.err(format!("/usr/bin/python3: No module named {module}\n"));
                    return 1;
                }
                "-" => break,
                a if a.starts_with('-') => {}
                file => {
                    return match ctx.session.read_file(file) {
                        Ok(bytes) => {
                            let code = String::from_utf8_lossy(&bytes).into_owned();
                            run_code(ctx, &code, file)
                        }
                        Err(e) => {
                            ctx.err(format!(
                                "{name}: can't open file '{}': [Errno {}] {}\n",
                                absolute(ctx, file),
                                if e == crate::fs::Errno::Eisdir { 21 } else { 2 },
                                e.message()
                            ));
                            2
                        }
                    };
                }
            }
        }
        // Interactive mode without a terminal reads the script from stdin and exits at its end.
        let code = String::from_utf8_lossy(stdin).into_owned();
        run_code(ctx, &code, "<stdin>")
    }
}

/// The path as Python prints it in `can't open file`: made absolute against the cwd.
fn absolute(ctx: &Ctx, file: &str) -> String {
    if file.starts_with('/') {
        file.to_owned()
    } else {
        format!("{}/{file}", ctx.session.cwd.trim_end_matches('/'))
    }
}

/// "Runs" a snippet: prints literal `print` arguments, fails socket connections, ignores the rest.
fn run_code(ctx: &mut Ctx, code: &str, origin: &str) -> i32 {
    if code.contains(".connect(") || code.contains("create_connection(") {
        let text = if origin == "<string>" {
            REFUSED.to_owned()
        } else {
            let line = code.lines().position(|l| l.contains("connect")).unwrap_or(0) + 1;
            let src = code.lines().nth(line - 1).unwrap_or("").trim();
            format!("Traceback (most recent call last):\n  File \"{origin}\", line {line}, in <module>\n    {src}\nConnectionRefusedError: [Errno 111] Connection refused\n")
        };
        ctx.err(text);
        return 1;
    }
    for stmt in code.split(['\n', ';']).take(1000) {
        let stmt = stmt.trim();
        if let Some(arg) = stmt.strip_prefix("print(").and_then(|s| s.strip_suffix(')')) {
            let arg = arg.trim();
            let quoted = arg.len() >= 2
                && ((arg.starts_with('"') && arg.ends_with('"')) || (arg.starts_with('\'') && arg.ends_with('\'')));
            if quoted {
                ctx.out(format!("{}\n", &arg[1..arg.len() - 1]));
            } else if let Ok(n) = arg.parse::<i64>() {
                ctx.out(format!("{n}\n"));
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check_in, session};

    #[test]
    fn python3() {
        let mut s = session();
        let has = s.persona.packages.python3;
        if !has {
            check_in(&mut s, "python3 -V", "", "bash: python3: command not found\n", 127);
            let mut p = (*s.persona).clone();
            p.packages.python3 = true;
            s.persona = std::sync::Arc::new(p);
        }
        check_in(&mut s, "python3 --version", "Python 3.11.2\n", "", 0);
        check_in(&mut s, "python3 -c 'print(\"hi\"); print(42)'", "hi\n42\n", "", 0);
        check_in(
            &mut s,
            "python3 -c 'import socket,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect((\"1.2.3.4\",4444))'",
            "",
            "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\nConnectionRefusedError: [Errno 111] Connection refused\n",
            1,
        );
        check_in(&mut s, "python3 < /dev/null", "", "", 0);
        check_in(
            &mut s,
            "python3 x.py",
            "",
            "python3: can't open file '/root/x.py': [Errno 2] No such file or directory\n",
            2,
        );
        check_in(&mut s, "python", "", "bash: python: command not found\n", 127);
    }
}
