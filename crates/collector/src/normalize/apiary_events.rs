//! `apiary.events`: our own sensors' JSON [`event::Event`], taken as is (it keeps its own id).

use event::Event;

use super::build::{Ctx, Out};

/// Parses the one event in the payload.
pub(crate) fn normalize(ctx: &Ctx<'_>, out: &mut Out<'_>) -> Result<(), String> {
    let event = Event::from_json(ctx.payload).map_err(|e| format!("not an Apiary event: {e}"))?;
    out.push_own(event);
    Ok(())
}
