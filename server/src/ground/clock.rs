//! The wall clock, read at the edge and handed to the engine as [`Now`].

use std::time::{SystemTime, UNIX_EPOCH};

use scramjet_engine::Now;

/// The current time.
pub fn now() -> Now {
    let unix_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    Now::from_unix_ms(unix_ms)
}
