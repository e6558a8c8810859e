//! The fake machine every session of this sensor logs into: its persona (chosen at random on first start and kept
//! in `persona.json`, so no two sensors share a default) and the shared base filesystem built from it.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use shell::exec::Session;
use shell::fs::Base;
use shell::persona::{Persona, User};

/// The persona and base tree, shared by every connection.
#[derive(Debug, Clone)]
pub struct Machine {
    /// The machine's facts.
    pub persona: Arc<Persona>,
    /// The pristine filesystem each connection starts from.
    pub base: Arc<Base>,
}

impl Machine {
    /// Loads `dir/persona.json`, or generates a persona and writes it there.
    pub fn load_or_create(dir: &Path) -> anyhow::Result<Machine> {
        let path = dir.join("persona.json");
        let persona = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not a persona file; move it away to generate a new machine",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let persona = Persona::generate(&mut rand::rng());
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                let json = serde_json::to_vec_pretty(&persona).context("cannot encode the persona")?;
                std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
                tracing::info!(hostname = %persona.hostname, "generated the fake machine's persona");
                persona
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(Machine::new(persona))
    }

    /// A machine for a given persona.
    pub fn new(persona: Persona) -> Machine {
        let base = shell::fs::debian_tree(&persona);
        Machine {
            persona: Arc::new(persona),
            base,
        }
    }

    /// A fresh login shell for `user` on a pristine overlay.
    pub fn login(&self, user: &User) -> Session {
        Session::new(self.base.clone(), self.persona.clone(), user.clone(), unix_now())
    }
}

/// Wall-clock Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
