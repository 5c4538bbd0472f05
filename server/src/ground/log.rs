//! Logging to stderr with Aerospike-style lines: `Nov 26 2026 07:31:55 GMT: INFO (service): …`.
//!
//! One process-wide level, set once at start-up; each line is written with a single `write` so
//! lines from different shards do not interleave.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::ground::config::LogLevel;

static LEVEL: AtomicU8 = AtomicU8::new(LogLevel::Info as u8);

/// Sets the most detailed level that is written.
pub fn set_level(level: LogLevel) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// True if lines at `level` are written.
pub fn enabled(level: LogLevel) -> bool {
    level as u8 <= LEVEL.load(Ordering::Relaxed)
}

/// Writes one line (use the macros).
pub fn write(level: LogLevel, context: &str, message: std::fmt::Arguments<'_>) {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let line = format!("{}: {} ({context}): {message}\n", format_time(secs), level.name());
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Formats Unix seconds as `Mon DD YYYY HH:MM:SS GMT`.
pub fn format_time(unix_secs: u64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{} {:02} {} {:02}:{:02}:{:02} GMT",
        MONTHS[(month - 1) as usize],
        day,
        year,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Logs at a level: `log!(Info, "service", "ready on {}", addr)`.
#[macro_export]
macro_rules! log {
    ($level:ident, $context:expr, $($arg:tt)*) => {
        if $crate::ground::log::enabled($crate::ground::config::LogLevel::$level) {
            $crate::ground::log::write($crate::ground::config::LogLevel::$level, $context, format_args!($($arg)*));
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_times() {
        assert_eq!(format_time(0), "Jan 01 1970 00:00:00 GMT");
        assert_eq!(format_time(1_262_304_000), "Jan 01 2010 00:00:00 GMT");
        assert_eq!(format_time(1_795_678_315), "Nov 26 2026 07:31:55 GMT");
        assert_eq!(format_time(951_782_400), "Feb 29 2000 00:00:00 GMT");
    }
}
