//! `GET /api/v1/attackers/{ip}`: everything known about one source address.

use axum::extract::{Path, State};
use axum::Json;
use store::Attacker;

use super::params;
use super::ApiState;
use crate::error::{ApiError, ApiResult};

/// One attacker's profile.
pub(crate) async fn detail(State(st): State<ApiState>, Path(ip): Path<String>) -> ApiResult<Json<Attacker>> {
    let addr = params::ip("ip", &ip)?;
    st.store
        .attacker(addr)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("nothing recorded from {addr}")))
}
