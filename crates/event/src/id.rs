//! Event ids: UUIDv7, made once at the sensor, so every later insert is idempotent and ids sort by time.

use uuid::Uuid;

/// A new time-ordered event id; the store deduplicates redelivered events on it.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_and_increase() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.get_version_num(), 7);
        assert!(b > a, "v7 ids made later sort later");
    }
}
