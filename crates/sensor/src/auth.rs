//! Which credentials open a shell: the `[auth]` rules, applied only to accounts the fake machine has, as a real
//! host would.

use shell::persona::{Persona, User};

use crate::config::AuthRule;

/// What the client presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret<'a> {
    /// A password (SSH password or keyboard-interactive, Telnet).
    Password(&'a str),
    /// A public key whose possession was proven; rules with password `*` match it.
    PublicKey,
}

/// The account `name` logs into, if the machine has it and it has a login shell.
pub fn account<'p>(persona: &'p Persona, name: &str) -> Option<&'p User> {
    persona
        .users
        .iter()
        .find(|u| u.name == name)
        .filter(|u| !u.shell.ends_with("nologin") && !u.shell.ends_with("/false"))
}

/// Decides one attempt: `attempt` is 1 for the connection's first try.
pub fn decide(rules: &[AuthRule], persona: &Persona, user: &str, secret: Secret, attempt: u32) -> bool {
    if account(persona, user).is_none() {
        return false;
    }
    for rule in rules {
        if attempt < rule.after || !glob(&rule.user, user) {
            continue;
        }
        let matches = match secret {
            Secret::Password(p) => glob(&rule.password, p),
            Secret::PublicKey => rule.password == "*",
        };
        if matches {
            return rule.accept;
        }
    }
    false
}

/// `*` matches any run of characters (including none); everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer match with backtracking to the last star: linear in practice, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;
    use crate::config::AuthConfig;

    fn persona() -> Persona {
        Persona::generate(&mut StdRng::seed_from_u64(3))
    }

    #[test]
    fn glob_table() {
        for (p, t, want) in [
            ("*", "", true),
            ("*", "anything", true),
            ("", "", true),
            ("", "x", false),
            ("12*", "123456", true),
            ("12*", "x123", false),
            ("*min", "admin", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("root", "root", true),
            ("root", "Root", false),
        ] {
            assert_eq!(glob(p, t), want, "{p:?} {t:?}");
        }
    }

    #[test]
    fn default_rules_refuse_unknown_users_and_empty_passwords() {
        let p = persona();
        let rules = AuthConfig::default().rules;
        assert!(decide(&rules, &p, "root", Secret::Password("123456"), 1));
        assert!(!decide(&rules, &p, "root", Secret::Password(""), 3));
        assert!(!decide(&rules, &p, "nosuchuser", Secret::Password("x"), 5));
        assert!(!decide(&rules, &p, "daemon", Secret::Password("x"), 5), "nologin shell");
        assert!(decide(&rules, &p, "root", Secret::PublicKey, 2));
    }

    #[test]
    fn explicit_rules() {
        let p = persona();
        let after = [AuthRule {
            user: "root".into(),
            password: "*".into(),
            accept: true,
            after: 3,
        }];
        assert!(!decide(&after, &p, "root", Secret::Password("x"), 2));
        assert!(decide(&after, &p, "root", Secret::Password("x"), 3));
        let rules = vec![
            AuthRule {
                user: "root".into(),
                password: "root".into(),
                accept: false,
                after: 0,
            },
            AuthRule {
                user: "root".into(),
                password: "*".into(),
                accept: true,
                after: 0,
            },
        ];
        assert!(!decide(&rules, &p, "root", Secret::Password("root"), 1));
        assert!(decide(&rules, &p, "root", Secret::Password("admin"), 1));
    }
}
