//! `GET /api/v1/map`: where the sensors are drawn, from `[web] sensor_lat` / `sensor_lon` in `server.toml`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::api::ApiState;
use crate::error::ApiResult;

/// Every sensor heard from, at the configured location; no location configured gives an empty list (the map then
/// pulses at the attacker instead of drawing arcs).
pub(crate) async fn map(State(st): State<ApiState>) -> ApiResult<Json<Value>> {
    let Some((lat, lon)) = st.web.opts.sensor_location else {
        return Ok(Json(json!({ "sensors": [] })));
    };
    let mut ids: Vec<String> = st.store.sensors().await?.into_iter().map(|s| s.id).collect();
    if ids.is_empty() {
        ids.push("default".into());
    }
    let sensors: Vec<Value> = ids
        .into_iter()
        .map(|id| json!({ "id": id, "lat": lat, "lon": lon }))
        .collect();
    Ok(Json(json!({ "sensors": sensors })))
}
