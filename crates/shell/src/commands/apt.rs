//! `apt` and `apt-get` from APT 2.6.1 on a machine whose DNS does not answer: `update` fails to resolve the mirrors,
//! `install` finds only what is installed, and a non-root caller hits the lock files first.

use super::{Command, Ctx};

/// The `apt-get` command.
pub struct AptGet;

/// The `apt` command.
pub struct Apt;

/// Installed packages a bot may ask for, with Debian 12's versions; `None` when the persona says it is absent.
fn installed(ctx: &Ctx, pkg: &str) -> Option<&'static str> {
    let p = &ctx.session.persona.packages;
    match pkg {
        "wget" => Some("1.21.3-1+b2"),
        "curl" if p.curl => Some("7.88.1-10+deb12u8"),
        "python3" if p.python3 => Some("3.11.2-1+b1"),
        "perl" if p.perl => Some("5.36.0-7+deb12u1"),
        "perl-base" => Some("5.36.0-7+deb12u1"),
        "bash" => Some("5.2.15-2+b7"),
        "coreutils" => Some("9.1-1"),
        "openssh-server" => Some("1:9.2p1-2+deb12u3"),
        "cron" => Some("3.0pl1-162"),
        "sudo" => Some("1.9.13p3-1+deb12u1"),
        "busybox" => Some("1:1.35.0-4+b3"),
        "systemd" => Some("252.30-1~deb12u2"),
        "procps" => Some("2:4.0.2-3"),
        "net-tools" | "iproute2" => Some("6.1.0-3"),
        _ => None,
    }
}

const MIRRORS: [(&str, &str, &str); 3] = [
    ("http://deb.debian.org/debian", "bookworm", "deb.debian.org"),
    ("http://deb.debian.org/debian", "bookworm-updates", "deb.debian.org"),
    (
        "http://security.debian.org/debian-security",
        "bookworm-security",
        "security.debian.org",
    ),
];

const APT_WARNING: &str = "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\n";

const USAGE_GET: &str = "apt 2.6.1 (amd64)
Usage: apt-get [options] command
       apt-get [options] install|remove pkg1 [pkg2 ...]
       apt-get [options] source pkg1 [pkg2 ...]

apt-get is a command line interface for retrieval of packages
and information about them from authenticated sources and
for installation, upgrade and removal of packages together
with their dependencies.

Most used commands:
  update - Retrieve new lists of packages
  upgrade - Perform an upgrade
  install - Install new packages (pkg is libc6 not libc6.deb)
  reinstall - Reinstall packages (pkg is libc6 not libc6.deb)
  remove - Remove packages
  purge - Remove packages and config files
  autoremove - Remove automatically all unused packages
  dist-upgrade - Distribution upgrade, see apt-get(8)
  dselect-upgrade - Follow dselect selections
  build-dep - Configure build-dependencies for source packages
  satisfy - Satisfy dependency strings
  clean - Erase downloaded archive files
  autoclean - Erase old downloaded archive files
  check - Verify that there are no broken dependencies
  source - Download source archives
  download - Download the binary package into the current directory
  changelog - Download and display the changelog for the given package

See apt-get(8) for more information about the available commands.
Configuration options and syntax is detailed in apt.conf(5).
Information about how to configure sources can be found in sources.list(5).
Package and version choices can be expressed via apt_preferences(5).
Security details are available in apt-secure(8).
                                        This APT has Super Cow Powers.
";

impl Command for AptGet {
    fn names(&self) -> &'static [&'static str] {
        &["apt-get", "/usr/bin/apt-get", "/bin/apt-get"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        run(ctx, args, false)
    }
}

impl Command for Apt {
    fn names(&self) -> &'static [&'static str] {
        &["apt", "/usr/bin/apt", "/bin/apt"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        run(ctx, args, true)
    }
}

/// The shared body; `apt` adds its scripting warning and its own `update` summary.
fn run(ctx: &mut Ctx, args: &[String], apt: bool) -> i32 {
    let words: Vec<&str> = args
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if args.iter().any(|a| a == "-v" || a == "--version") {
        ctx.out("apt 2.6.1 (amd64)\n");
        return 0;
    }
    let Some((&verb, pkgs)) = words.split_first() else {
        ctx.out(if apt {
            USAGE_GET.replace("apt-get", "apt")
        } else {
            USAGE_GET.to_owned()
        });
        return if apt { 1 } else { 0 };
    };
    let known = [
        "update",
        "upgrade",
        "install",
        "reinstall",
        "remove",
        "purge",
        "autoremove",
        "dist-upgrade",
        "full-upgrade",
        "clean",
        "autoclean",
        "check",
        "source",
        "download",
        "list",
        "search",
        "show",
    ];
    if !known.contains(&verb) {
        ctx.err(format!("E: Invalid operation {verb}\n"));
        return 100;
    }
    if apt {
        ctx.err(APT_WARNING);
    }
    let root = ctx.session.user.uid == 0;
    let done = if ctx.session.stdout_tty { " Done" } else { "" };
    let reading = format!("Reading package lists...{done}\n");
    if matches!(
        verb,
        "clean" | "autoclean" | "check" | "list" | "search" | "show" | "source" | "download"
    ) {
        if verb == "check" {
            ctx.out(format!(
                "{reading}Building dependency tree...{done}\nReading state information...{done}\n"
            ));
        }
        return 0;
    }
    if verb == "update" {
        if !root {
            ctx.out(reading);
            ctx.err("E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\nE: Unable to lock directory /var/lib/apt/lists/\n");
            return 100;
        }
        let mut out = String::new();
        for (i, (url, suite, host)) in MIRRORS.iter().enumerate() {
            out.push_str(&format!(
                "Err:{} {url} {suite} InRelease\n  Temporary failure resolving '{host}'\n",
                i + 1
            ));
        }
        out.push_str(&reading);
        if apt {
            out.push_str(&format!(
                "Building dependency tree...{done}\nReading state information...{done}\nAll packages are up to date.\n"
            ));
        }
        ctx.out(out);
        let mut err = String::new();
        for (url, suite, host) in MIRRORS {
            err.push_str(&format!(
                "W: Failed to fetch {url}/dists/{suite}/InRelease  Temporary failure resolving '{host}'\n"
            ));
        }
        err.push_str("W: Some index files failed to download. They have been ignored, or old ones used instead.\n");
        ctx.err(err);
        return 0;
    }
    if !root {
        ctx.err("E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n");
        return 100;
    }
    ctx.out(format!(
        "{reading}Building dependency tree...{done}\nReading state information...{done}\n"
    ));
    if let Some(missing) = pkgs.iter().find(|p| installed(ctx, p).is_none()) {
        ctx.err(format!("E: Unable to locate package {missing}\n"));
        return 100;
    }
    let mut out = String::new();
    let removing = matches!(verb, "remove" | "purge" | "autoremove");
    if removing && !pkgs.is_empty() {
        out.push_str(&format!(
            "The following packages will be REMOVED:\n  {}\n0 upgraded, 0 newly installed, {} to remove and 0 not upgraded.\n",
            pkgs.join(" "),
            pkgs.len()
        ));
        let assume_yes = args
            .iter()
            .any(|a| a == "-y" || a == "--yes" || a == "--assume-yes" || a == "-qy");
        if !assume_yes {
            out.push_str("Do you want to continue? [Y/n] Abort.\n");
            ctx.out(out);
            return 1;
        }
        // Removing an essential tool is refused by the emulation: the packages stay, as if dpkg had failed.
        ctx.out(out);
        ctx.err("E: Sub-process /usr/bin/dpkg returned an error code (1)\n");
        return 100;
    }
    for p in pkgs {
        if let Some(v) = installed(ctx, p) {
            out.push_str(&format!("{p} is already the newest version ({v}).\n"));
        }
    }
    out.push_str("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n");
    ctx.out(out);
    0
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::check;

    #[test]
    fn apt_get() {
        check(
            "apt-get update",
            "Err:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving 'deb.debian.org'\n\
             Err:2 http://deb.debian.org/debian bookworm-updates InRelease\n  Temporary failure resolving 'deb.debian.org'\n\
             Err:3 http://security.debian.org/debian-security bookworm-security InRelease\n  Temporary failure resolving 'security.debian.org'\n\
             Reading package lists...\n",
            "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'\n\
             W: Failed to fetch http://deb.debian.org/debian/dists/bookworm-updates/InRelease  Temporary failure resolving 'deb.debian.org'\n\
             W: Failed to fetch http://security.debian.org/debian-security/dists/bookworm-security/InRelease  Temporary failure resolving 'security.debian.org'\n\
             W: Some index files failed to download. They have been ignored, or old ones used instead.\n",
            0,
        );
        check(
            "apt-get install -y xmrig",
            "Reading package lists...\nBuilding dependency tree...\nReading state information...\n",
            "E: Unable to locate package xmrig\n",
            100,
        );
        check(
            "apt-get install wget",
            "Reading package lists...\nBuilding dependency tree...\nReading state information...\nwget is already the newest version (1.21.3-1+b2).\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n",
            "",
            0,
        );
        check("apt-get frob", "", "E: Invalid operation frob\n", 100);
        check(
            "apt install xmrig",
            "Reading package lists...\nBuilding dependency tree...\nReading state information...\n",
            "\nWARNING: apt does not have a stable CLI interface. Use with caution in scripts.\n\nE: Unable to locate package xmrig\n",
            100,
        );
    }
}
