//! `GET /api/v1/sensors`: every sensor the server has heard from.

use axum::extract::State;
use axum::Json;

use super::ApiState;
use crate::error::ApiResult;

/// All sensors, `{"items": [...]}`.
pub(crate) async fn list(State(st): State<ApiState>) -> ApiResult<Json<serde_json::Value>> {
    let items = st.store.sensors().await?;
    Ok(Json(serde_json::json!({ "items": items })))
}
