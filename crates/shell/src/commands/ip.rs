//! `ip` from iproute2 6.1: `addr`, `link`, `route` and `neigh` views of `lo` plus the persona's NICs (addresses from
//! DHCP via `dhclient`, as the process table shows), with `-4`/`-6`/`-br`/`-o` and iproute2's prefix matching.
//! Changes (`add`, `del`, `set`, `flush`) are accepted silently for root and refused for other users.

use std::net::Ipv4Addr;

use super::{Command, Ctx};
use crate::persona::Nic;

/// The `ip` command.
pub struct Ip;

/// iproute2's top-level usage text.
const USAGE: &str = concat!(
    "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n",
    "       ip [ -force ] -batch filename\n",
    "where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n",
    "                   link | macsec | maddress | monitor | mptcp | mroute | mrule |\n",
    "                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n",
    "                   ntbl | route | rule | sr | tap | tcpmetrics |\n",
    "                   token | tunnel | tuntap | vrf | xfrm }\n",
    "       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n",
    "                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n",
    "                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n",
    "                    -4 | -6 | -M | -B | -0 |\n",
    "                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n",
    "                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n",
    "                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n",
    "                    -c[olor]}\n",
);

/// Does `word` abbreviate `full` (iproute2's `matches`)?
fn matches(word: &str, full: &str) -> bool {
    !word.is_empty() && full.starts_with(word)
}

/// The IPv4 broadcast address of `nic`'s subnet.
fn broadcast(nic: &Nic) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(nic.prefix.min(32))).unwrap_or(0);
    Ipv4Addr::from(u32::from(nic.ipv4) | !mask)
}

/// The subnet `nic` sits on, as the kernel route shows it.
fn network(nic: &Nic) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(nic.prefix.min(32))).unwrap_or(0);
    Ipv4Addr::from(u32::from(nic.ipv4) & mask)
}

/// Output options.
#[derive(Clone, Copy, Default)]
struct Opts {
    v4: bool,
    v6: bool,
    brief: bool,
}

/// The `N: name: <FLAGS> ...` line and the `link/...` line of one interface.
fn link_lines(index: usize, nic: Option<&Nic>, with_mode: bool) -> String {
    let mode = if with_mode { "mode DEFAULT " } else { "" };
    match nic {
        None => format!(
            "{index}: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN {mode}group default qlen 1000\n    \
             link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        ),
        Some(n) => format!(
            "{index}: {}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP {mode}group default qlen \
             1000\n    link/ether {} brd ff:ff:ff:ff:ff:ff\n",
            n.name,
            n.mac_string()
        ),
    }
}

/// `ip addr` for all interfaces (or the one named `dev`).
fn addr(nics: &[Nic], o: Opts, dev: Option<&str>) -> String {
    let both = !o.v4 && !o.v6;
    let mut out = String::new();
    let ifaces: Vec<Option<&Nic>> = std::iter::once(None).chain(nics.iter().map(Some)).collect();
    for (i, nic) in ifaces.iter().enumerate() {
        let name = nic.map_or("lo", |n| n.name.as_str());
        if dev.is_some_and(|d| d != name) {
            continue;
        }
        if o.brief {
            let (state, mut addrs) = match nic {
                None => ("UNKNOWN", Vec::new()),
                Some(_) => ("UP", Vec::new()),
            };
            if o.v4 || both {
                addrs.push(nic.map_or("127.0.0.1/8".to_owned(), |n| format!("{}/{}", n.ipv4, n.prefix)));
            }
            if o.v6 || both {
                addrs.push(nic.map_or("::1/128".to_owned(), |n| format!("{}/64", n.ipv6_link_local())));
            }
            let list: String = addrs.iter().map(|a| format!("{a} ")).collect();
            out.push_str(&format!("{name:<16} {state:<14} {list}\n"));
            continue;
        }
        let head = link_lines(i + 1, *nic, false);
        if both {
            out.push_str(&head);
        } else {
            out.push_str(head.lines().next().unwrap_or_default());
            out.push('\n');
        }
        if o.v4 || both {
            match nic {
                None => out.push_str("    inet 127.0.0.1/8 scope host lo\n"),
                Some(n) => out.push_str(&format!(
                    "    inet {}/{} brd {} scope global {}\n",
                    n.ipv4,
                    n.prefix,
                    broadcast(n),
                    n.name
                )),
            }
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
        if o.v6 || both {
            match nic {
                None => out.push_str("    inet6 ::1/128 scope host \n"),
                Some(n) => out.push_str(&format!("    inet6 {}/64 scope link \n", n.ipv6_link_local())),
            }
            out.push_str("       valid_lft forever preferred_lft forever\n");
        }
    }
    out
}

impl Command for Ip {
    fn names(&self) -> &'static [&'static str] {
        &["ip", "/bin/ip", "/usr/bin/ip", "/sbin/ip", "/usr/sbin/ip"]
    }

    fn run(&self, ctx: &mut Ctx, args: &[String], _stdin: &[u8]) -> i32 {
        let mut o = Opts::default();
        let mut rest: Vec<&str> = Vec::new();
        for a in args.iter().skip(1).map(String::as_str) {
            if rest.is_empty() && a.starts_with('-') && a.len() > 1 {
                match a {
                    "-4" => o.v4 = true,
                    "-6" => o.v6 = true,
                    "-V" | "-Version" => {
                        ctx.out("ip utility, iproute2-6.1.0, libbpf 1.1.0\n");
                        return 0;
                    }
                    _ if matches(a, "-brief") && a.len() >= 3 => o.brief = true,
                    _ if matches(a, "-color") || matches(a, "-details") || matches(a, "-statistics") => {}
                    _ if matches(a, "-oneline") || matches(a, "-human-readable") || matches(a, "-numeric") => {}
                    _ => {
                        ctx.err(format!("Option \"{a}\" is unknown, try \"ip -help\".\n"));
                        return 255;
                    }
                }
                continue;
            }
            rest.push(a);
        }
        let Some(object) = rest.first().copied() else {
            ctx.err(USAGE);
            return 255;
        };
        let verb = rest.get(1).copied().unwrap_or("show");
        let nics = ctx.session.persona.nics.clone();
        let is_change = ["add", "del", "delete", "set", "flush", "change", "replace", "append"]
            .iter()
            .any(|v| matches(verb, v) && verb.len() >= 2);
        if is_change {
            if ctx.session.user.uid != 0 {
                ctx.err("RTNETLINK answers: Operation not permitted\n");
                return 2;
            }
            return 0;
        }
        if verb == "help" {
            ctx.err(USAGE);
            return 255;
        }
        let dev = rest
            .iter()
            .position(|w| *w == "dev")
            .and_then(|i| rest.get(i + 1).copied())
            .or_else(|| {
                rest.get(2)
                    .copied()
                    .filter(|_| matches(verb, "show") || matches(verb, "list") || verb == "ls")
            });
        if let Some(d) = dev {
            if d != "lo" && !nics.iter().any(|n| n.name == d) {
                ctx.err(format!("Device \"{d}\" does not exist.\n"));
                return 1;
            }
        }
        let out = if matches(object, "address") || object == "a" {
            addr(&nics, o, dev)
        } else if matches(object, "link") {
            let mut out = String::new();
            let ifaces: Vec<Option<&Nic>> = std::iter::once(None).chain(nics.iter().map(Some)).collect();
            for (i, nic) in ifaces.iter().enumerate() {
                let name = nic.map_or("lo", |n| n.name.as_str());
                if dev.is_some_and(|d| d != name) {
                    continue;
                }
                if o.brief {
                    let (state, mac, flags) = match nic {
                        None => ("UNKNOWN", "00:00:00:00:00:00".to_owned(), "<LOOPBACK,UP,LOWER_UP>"),
                        Some(n) => ("UP", n.mac_string(), "<BROADCAST,MULTICAST,UP,LOWER_UP>"),
                    };
                    out.push_str(&format!("{name:<16} {state:<14} {mac} {flags} \n"));
                } else {
                    out.push_str(&link_lines(i + 1, *nic, true));
                }
            }
            out
        } else if matches(object, "route") || object == "r" {
            let mut out = String::new();
            if o.v6 {
                for n in &nics {
                    out.push_str(&format!(
                        "fe80::/64 dev {} proto kernel metric 256 pref medium\n",
                        n.name
                    ));
                }
            } else {
                if let Some(n) = nics.first() {
                    out.push_str(&format!("default via {} dev {} \n", n.gateway, n.name));
                }
                for n in &nics {
                    out.push_str(&format!(
                        "{}/{} dev {} proto kernel scope link src {} \n",
                        network(n),
                        n.prefix,
                        n.name,
                        n.ipv4
                    ));
                }
            }
            out
        } else if matches(object, "neighbour") || matches(object, "neighbor") {
            nics.iter()
                .map(|n| {
                    let g = n.gateway.octets();
                    let m = n.mac;
                    format!(
                        "{} dev {} lladdr {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} REACHABLE\n",
                        n.gateway, n.name, m[0], m[1], m[2], g[1], g[2], g[3]
                    )
                })
                .collect()
        } else {
            ctx.err(format!("Object \"{object}\" is unknown, try \"ip help\".\n"));
            return 255;
        };
        ctx.out(out);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{check, session};

    #[test]
    fn ip_views_agree_with_the_persona() {
        let s = session();
        let n = s.persona.nics[0].clone();
        let ll = n.ipv6_link_local();
        let (mac, name, ip, pre) = (n.mac_string(), n.name.clone(), n.ipv4, n.prefix);
        let brd = broadcast(&n);
        let full = format!(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    \
             link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n       \
             valid_lft forever preferred_lft forever\n    inet6 ::1/128 scope host \n       valid_lft forever \
             preferred_lft forever\n2: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP \
             group default qlen 1000\n    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n    inet {ip}/{pre} brd {brd} scope \
             global {name}\n       valid_lft forever preferred_lft forever\n    inet6 {ll}/64 scope link \n       \
             valid_lft forever preferred_lft forever\n"
        );
        check("ip a", &full, "", 0);
        check("ip addr show", &full, "", 0);
        check(
            "ip -br a",
            &format!(
                "lo               UNKNOWN        127.0.0.1/8 ::1/128 \n{name:<16} UP             {ip}/{pre} {ll}/64 \n"
            ),
            "",
            0,
        );
        check(
            "ip r",
            &format!(
                "default via {} dev {name} \n{}/{pre} dev {name} proto kernel scope link src {ip} \n",
                n.gateway,
                network(&n)
            ),
            "",
            0,
        );
        check("ip foo", "", "Object \"foo\" is unknown, try \"ip help\".\n", 255);
        check("ip", "", USAGE, 255);
        assert!(USAGE.contains("\n                   ntbl | route |"));
        check("ip a show dev nope", "", "Device \"nope\" does not exist.\n", 1);
        let link = String::from_utf8(session().run_line("ip link").stdout).unwrap();
        assert!(link.contains(" state UNKNOWN mode DEFAULT group default qlen 1000\n"));
        let four = String::from_utf8(session().run_line("ip -4 a").stdout).unwrap();
        assert!(!four.contains("inet6") && !four.contains("link/"));
    }
}
