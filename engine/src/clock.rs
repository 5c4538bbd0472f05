//! Time as the engine sees it: passed in by the caller, never read here.
//!
//! Aerospike counts record times from the "citrusleaf epoch", 2010-01-01T00:00:00Z.

/// Seconds from the Unix epoch to the citrusleaf epoch (2010-01-01T00:00:00Z).
pub const CITRUSLEAF_EPOCH_UNIX_SECS: u64 = 1_262_304_000;

/// The current time, in the two units records use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Seconds since the citrusleaf epoch (void times are in this unit).
    pub clepoch_secs: u32,
    /// Milliseconds since the citrusleaf epoch (last-update times are in this unit).
    pub clepoch_ms: u64,
}

impl Now {
    /// The time for a Unix timestamp in milliseconds.
    pub fn from_unix_ms(unix_ms: u64) -> Now {
        let clepoch_ms = unix_ms.saturating_sub(CITRUSLEAF_EPOCH_UNIX_SECS * 1000);
        let clepoch_secs = u32::try_from(clepoch_ms / 1000).unwrap_or(u32::MAX);
        Now { clepoch_secs, clepoch_ms }
    }

    /// The time for a number of seconds since the citrusleaf epoch (tests).
    pub fn from_clepoch_secs(clepoch_secs: u32) -> Now {
        Now { clepoch_secs, clepoch_ms: u64::from(clepoch_secs) * 1000 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_conversion() {
        let now = Now::from_unix_ms(CITRUSLEAF_EPOCH_UNIX_SECS * 1000 + 5_500);
        assert_eq!(now.clepoch_secs, 5);
        assert_eq!(now.clepoch_ms, 5_500);
        assert_eq!(Now::from_unix_ms(0).clepoch_secs, 0);
    }
}
