//! Item values as Aerospike writes them: sizes with K/M/G/T suffixes, times with s/m/h/d,
//! booleans, integers.

/// Parses a size: a number with an optional K, M, G or T suffix (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, multiplier) = split_suffix(text, &[('K', 1 << 10), ('M', 1 << 20), ('G', 1 << 30), ('T', 1 << 40)]);
    let n: u64 = digits.parse().map_err(|_| format!("'{text}' is not a size (e.g. 512, 128K, 4M, 2G)"))?;
    n.checked_mul(multiplier).ok_or_else(|| format!("size '{text}' is too large"))
}

/// Parses a duration in seconds: a number with an optional s, m, h or d suffix.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    let (digits, multiplier) = split_suffix(text, &[('S', 1), ('M', 60), ('H', 3600), ('D', 86_400)]);
    let n: u64 = digits.parse().map_err(|_| format!("'{text}' is not a time (e.g. 30, 60s, 10m, 2h, 30d)"))?;
    n.checked_mul(multiplier).ok_or_else(|| format!("time '{text}' is too large"))
}

/// Parses `true`/`false` (also `yes`/`no`).
pub fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(format!("'{text}' is not true or false")),
    }
}

/// Parses an unsigned integer within `min..=max`.
pub fn parse_u64_in(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let n: u64 = text.parse().map_err(|_| format!("'{text}' is not a number"))?;
    if n < min || n > max {
        return Err(format!("{n} is out of range {min}..={max}"));
    }
    Ok(n)
}

fn split_suffix<'a>(text: &'a str, suffixes: &[(char, u64)]) -> (&'a str, u64) {
    if let Some(last) = text.chars().last() {
        for &(suffix, multiplier) in suffixes {
            if last.eq_ignore_ascii_case(&suffix) {
                return (&text[..text.len() - 1], multiplier);
            }
        }
    }
    (text, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("128K"), Ok(128 << 10));
        assert_eq!(parse_size("4m"), Ok(4 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert!(parse_size("2X").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(parse_seconds("30"), Ok(30));
        assert_eq!(parse_seconds("10m"), Ok(600));
        assert_eq!(parse_seconds("2h"), Ok(7200));
        assert_eq!(parse_seconds("30d"), Ok(30 * 86_400));
        assert_eq!(parse_seconds("5s"), Ok(5));
        assert!(parse_seconds("-1").is_err());
        assert_eq!(parse_bool("yes"), Ok(true));
        assert!(parse_bool("1").is_err());
        assert!(parse_u64_in("0", 1, 3).is_err());
    }
}
