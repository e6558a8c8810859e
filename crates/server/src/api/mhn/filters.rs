//! MHN's `ne__/gt__/lt__/gte__/lte__` field filters (and plain `field=value`), applied to response rows.

use serde_json::Value;

use crate::api::params::Params;
use crate::error::{ApiError, ApiResult};

/// A comparison MHN's filters name by prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `field=v`.
    Eq,
    /// `ne__field=v`.
    Ne,
    /// `gt__field=v`.
    Gt,
    /// `lt__field=v`.
    Lt,
    /// `gte__field=v`.
    Gte,
    /// `lte__field=v`.
    Lte,
}

/// One parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    /// Which comparison.
    pub op: Op,
    /// Row field compared.
    pub field: String,
    /// Value given.
    pub value: String,
}

/// Parses the filters on `fields` out of the query (other parameters are left to the caller).
pub(crate) fn parse(q: &Params, fields: &[&str]) -> Vec<Filter> {
    let prefixes = [
        ("ne__", Op::Ne),
        ("gte__", Op::Gte),
        ("lte__", Op::Lte),
        ("gt__", Op::Gt),
        ("lt__", Op::Lt),
    ];
    let mut out = Vec::new();
    for (k, v) in q {
        let (op, field) = prefixes
            .iter()
            .find_map(|(p, op)| k.strip_prefix(p).map(|f| (*op, f)))
            .unwrap_or((Op::Eq, k.as_str()));
        if fields.contains(&field) {
            out.push(Filter {
                op,
                field: field.to_owned(),
                value: v.clone(),
            });
        }
    }
    out
}

/// Checks numeric filters hold numbers, so a typo is a 400 rather than an empty answer.
pub(crate) fn check_numeric(fs: &[Filter], numeric: &[&str]) -> ApiResult<()> {
    for f in fs {
        if numeric.contains(&f.field.as_str()) && f.value.trim().parse::<f64>().is_err() {
            return Err(ApiError::BadRequest(format!(
                "`{}` compares numbers; got {:?}",
                f.field, f.value
            )));
        }
    }
    Ok(())
}

/// Whether a row passes every filter (numbers compare as numbers, the rest as text).
pub(crate) fn keep(row: &Value, fs: &[Filter]) -> bool {
    fs.iter().all(|f| {
        let Some(v) = row.get(&f.field) else { return false };
        let ord = match (v.as_f64(), f.value.trim().parse::<f64>()) {
            (Some(a), Ok(b)) => a.partial_cmp(&b),
            _ => Some(v.as_str().unwrap_or_default().cmp(f.value.as_str())),
        };
        let Some(ord) = ord else { return false };
        match f.op {
            Op::Eq => ord.is_eq(),
            Op::Ne => ord.is_ne(),
            Op::Gt => ord.is_gt(),
            Op::Lt => ord.is_lt(),
            Op::Gte => ord.is_ge(),
            Op::Lte => ord.is_le(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefixes_compare_numbers_and_text() {
        let q: Params = [("gte__count", "3"), ("ne__source_ip", "198.51.100.1"), ("limit", "5")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let fs = parse(&q, &["count", "source_ip"]);
        assert_eq!(fs.len(), 2);
        assert!(keep(&json!({"source_ip": "203.0.113.7", "count": 3}), &fs));
        assert!(!keep(&json!({"source_ip": "203.0.113.7", "count": 2}), &fs));
        assert!(!keep(&json!({"source_ip": "198.51.100.1", "count": 9}), &fs));
        assert!(check_numeric(&fs, &["count"]).is_ok());
        let bad = vec![Filter {
            op: Op::Gt,
            field: "count".into(),
            value: "x".into(),
        }];
        assert!(check_numeric(&bad, &["count"]).is_err());
    }
}
