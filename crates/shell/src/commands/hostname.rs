//! `hostname` from Debian's `hostname` package: the persona's host name (`-s` short form).

use super::{Command, Ctx};

/// The `hostname` command.
pub struct Hostname;

impl Command for Hostname {
    fn names(&self) -> &'static [&'static str] {
        &["hostname", "/bin/hostname", "/usr/bin/hostname"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let name = ctx.session.persona.hostname.clone();
        match args.get(1).map(String::as_str) {
            None | Some("-f" | "--fqdn" | "--long") => ctx.out(format!("{name}\n")),
            Some("-s" | "--short") => ctx.out(format!("{}\n", name.split('.').next().unwrap_or(&name))),
            Some(arg) if arg.starts_with('-') => {
                ctx.err(format!(
                    "hostname: invalid option -- '{}'\n",
                    arg.chars().nth(1).unwrap_or('-')
                ));
                return 255;
            }
            Some(_) if ctx.session.user.uid == 0 => {}
            Some(_) => {
                ctx.err("hostname: you must be root to change the host name\n");
                return 1;
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{check, session};

    #[test]
    fn hostname() {
        let name = session().persona.hostname.clone();
        check("hostname", &format!("{name}\n"), "", 0);
        check("hostname -z", "", "hostname: invalid option -- 'z'\n", 255);
    }
}
