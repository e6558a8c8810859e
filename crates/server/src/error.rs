//! JSON errors: `{"error": "what went wrong and what to do"}` with a fitting status; store details stay in the log.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Everything a handler can answer instead of data.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter is malformed or out of bounds.
    #[error("{0}")]
    BadRequest(String),
    /// No key, or a key the store does not know.
    #[error("missing or invalid API key: send `Authorization: Bearer <key>` (create one with `apiary apikey create`)")]
    Unauthorized,
    /// The key is valid but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Too many failed logins from this address or for this name.
    #[error("too many failed logins; wait 15 minutes and try again")]
    TooManyRequests,
    /// The store failed; the details are logged, not sent.
    #[error("the store failed to answer; see the server log and retry")]
    Internal,
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::Invalid(m) => ApiError::BadRequest(m),
            other => {
                tracing::error!(error = %other, "Store query failed.");
                ApiError::Internal
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let body = Json(serde_json::json!({ "error": self.to_string() }));
        let mut resp = (status, body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// What every handler returns.
pub type ApiResult<T> = Result<T, ApiError>;
