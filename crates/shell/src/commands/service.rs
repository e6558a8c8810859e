//! `service` from Debian's init-system-helpers: hands `NAME ACTION` to `systemctl` as the real script does.

use super::systemctl::{find, units};
use super::{Command, Ctx};

/// The `service` command.
pub struct Service;

impl Command for Service {
    fn names(&self) -> &'static [&'static str] {
        &["service", "/usr/sbin/service", "/sbin/service"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], stdin: &[u8]) -> i32 {
        if let Some(status) = super::which::unreachable(ctx, args) {
            return status;
        }
        match args.get(1).map(String::as_str) {
            None => {
                ctx.err("Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n");
                1
            }
            Some("--status-all") => {
                let list: String = units(ctx.session)
                    .iter()
                    .filter(|u| u.sysv)
                    .map(|u| format!(" [ + ]  {}\n", u.name))
                    .collect();
                ctx.out(list);
                0
            }
            Some("--version") => {
                ctx.out("service ver. 1.65.2\n");
                0
            }
            Some(name) => {
                let Some(action) = args.get(2) else {
                    ctx.err(format!("Usage: service {name} {{start|stop|restart|status}}\n"));
                    return 1;
                };
                if find(ctx.session, name).is_none() {
                    ctx.err(format!("{name}: unrecognized service\n"));
                    return 1;
                }
                let argv = vec!["systemctl".to_owned(), action.clone(), format!("{name}.service")];
                ctx.dispatch_nested(&argv, stdin)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn service() {
        check("service foo start", "", "foo: unrecognized service\n", 1);
        check("service cron restart", "", "", 0);
        let out = crate::commands::testing::session().run_line("service --status-all");
        assert!(out.stdout.starts_with(b" [ + ]  cron\n [ + ]  dbus\n"));
    }
}
