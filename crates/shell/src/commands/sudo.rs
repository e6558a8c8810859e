//! `sudo` 1.9.13p3: root runs the command through dispatch; anyone else meets the password prompt with no terminal
//! to type into, so the attempts fail with sudo's texts, or the not-in-sudoers refusal when the user is not in `sudo`.

use super::accounts::is_sudoer;
use super::{Command, Ctx};

/// The `sudo` command.
pub struct Sudo;

const USAGE: &str = "usage: sudo -h | -K | -k | -V
usage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]
usage: sudo -l [-ABkNnS] [-g group] [-h host] [-p prompt] [-U user]
            [-u user] [command [arg ...]]
usage: sudo [-ABbEHkNnPS] [-r role] [-t type] [-C num] [-D directory]
            [-g group] [-h host] [-p prompt] [-R directory] [-T timeout]
            [-u user] [VAR=value] [-i | -s] [command [arg ...]]
usage: sudo -e [-ABkNnS] [-r role] [-t type] [-C num] [-D directory]
            [-g group] [-h host] [-p prompt] [-R directory] [-T timeout]
            [-u user] file ...
";

impl Command for Sudo {
    fn names(&self) -> &'static [&'static str] {
        &["sudo", "/usr/bin/sudo", "/bin/sudo"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        let (mut i, mut shell, mut non_interactive, mut list) = (1, false, false, false);
        while let Some(arg) = args.get(i) {
            match arg.as_str() {
                "--" => {
                    i += 1;
                    break;
                }
                "-V" | "--version" => {
                    ctx.out("Sudo version 1.9.13p3\nSudoers policy plugin version 1.9.13p3\nSudoers file grammar version 50\nSudoers I/O plugin version 1.9.13p3\nSudoers audit plugin version 1.9.13p3\n");
                    return 0;
                }
                "-h" | "--help" => {
                    ctx.out(format!("sudo - execute a command as another user\n\n{USAGE}"));
                    return 0;
                }
                "-u" | "-g" | "-p" | "-C" | "-D" | "-r" | "-t" | "-T" | "-U" | "-R" => i += 1,
                "-i" | "-s" | "--login" | "--shell" => shell = true,
                "-n" | "--non-interactive" => non_interactive = true,
                "-l" | "--list" => list = true,
                "-k" | "-K" if args.len() == 2 => return 0,
                a if a.starts_with('-') && a.len() > 1 => {
                    for c in a[1..].chars() {
                        match c {
                            'i' | 's' => shell = true,
                            'n' => non_interactive = true,
                            'l' => list = true,
                            'E' | 'H' | 'S' | 'k' | 'b' | 'P' | 'A' | 'B' | 'N' => {}
                            _ => {
                                ctx.err(format!("sudo: invalid option -- '{c}'\n{USAGE}"));
                                return 1;
                            }
                        }
                    }
                }
                _ => break,
            }
            i += 1;
        }
        let command = args.get(i..).unwrap_or_default();
        if command.is_empty() && !shell && !list {
            ctx.err(USAGE);
            return 1;
        }
        let name = ctx.session.user.name.clone();
        if ctx.session.user.uid != 0 {
            if non_interactive {
                ctx.err("sudo: a password is required\n");
                return 1;
            }
            let prompt = format!("[sudo] password for {name}: ");
            if !is_sudoer(ctx.session, &name) {
                ctx.err(format!(
                    "{prompt}\n{name} is not in the sudoers file.  This incident will be reported.\n"
                ));
                return 1;
            }
            ctx.err(format!(
                "{prompt}\nSorry, try again.\n{prompt}\nSorry, try again.\n{prompt}\nsudo: 3 incorrect password attempts\n"
            ));
            return 1;
        }
        if list {
            let host = ctx.session.persona.hostname.clone();
            ctx.out(format!(
                "Matching Defaults entries for root on {host}:\n    env_reset, mail_badpass,\n    secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin,\n    use_pty\n\nUser root may run the following commands on {host}:\n    (ALL : ALL) ALL\n"
            ));
            return 0;
        }
        if command.is_empty() {
            // `sudo -i` as root starts another root shell: this one already is.
            return 0;
        }
        let Some(first) = command.first() else { return 0 };
        if !first.contains('/') && super::lookup(first).is_none() {
            ctx.err(format!("sudo: {first}: command not found\n"));
            return 1;
        }
        ctx.dispatch_nested(command, stdin)
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, check_in, session};

    #[test]
    fn sudo_as_root() {
        check("sudo id -u", "0\n", "", 0);
        check("sudo -E -u root echo hi", "hi\n", "", 0);
        check("sudo xmrig", "", "sudo: xmrig: command not found\n", 1);
        check("sudo -i", "", "", 0);
    }

    #[test]
    fn sudo_as_user() {
        let mut s = session();
        s.user.uid = 1000;
        s.user.name = "bob".into();
        check_in(
            &mut s,
            "sudo id",
            "",
            "[sudo] password for bob: \nbob is not in the sudoers file.  This incident will be reported.\n",
            1,
        );
        check_in(
            &mut s,
            "echo 'sudo:x:27:bob' >> /etc/group; sudo -n id",
            "",
            "sudo: a password is required\n",
            1,
        );
        check_in(
            &mut s,
            "sudo id",
            "",
            "[sudo] password for bob: \nSorry, try again.\n[sudo] password for bob: \nSorry, try again.\n[sudo] password for bob: \nsudo: 3 incorrect password attempts\n",
            1,
        );
    }
}
