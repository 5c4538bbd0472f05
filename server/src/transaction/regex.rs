//! POSIX regular expressions for expression regex comparisons (PROTOCOL-DATA.md §C.3 code 7):
//! glibc's `regcomp`/`regexec`, as Aerospike uses them, so patterns and flags mean the same
//! (flags are glibc's: 1 EXTENDED, 2 ICASE, 4 NEWLINE, 8 NOSUB, passed through).
//!
//! Bounded work: glibc matches back-references by backtracking, which can take exponential
//! time, and expands counted repetitions into copies of their operand. A pattern with a
//! back-reference, longer than [`MAX_PATTERN`] bytes, or whose counted repetitions multiply
//! past [`MAX_REPEAT_PRODUCT`] is refused (4) instead of compiled.

use std::ffi::CString;
use std::mem::MaybeUninit;

/// The longest pattern compiled.
pub const MAX_PATTERN: usize = 1024;
/// The largest product of the upper bounds of a pattern's `{m,n}` repetitions.
pub const MAX_REPEAT_PRODUCT: u64 = 1000;

/// A compiled pattern.
pub struct Regex {
    compiled: Box<libc::regex_t>,
}

impl std::fmt::Debug for Regex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Regex")
    }
}

impl Regex {
    /// Compiles `pattern` (up to its first NUL, as C reads it) with glibc `flags`; `None` if
    /// glibc refuses it or it is outside the bounds above.
    pub fn new(pattern: &[u8], flags: i64) -> Option<Regex> {
        let pattern = pattern.split(|&b| b == 0).next().unwrap_or_default();
        if pattern.len() > MAX_PATTERN || !bounded(pattern) {
            return None;
        }
        let text = CString::new(pattern).ok()?;
        let mut compiled = Box::new(MaybeUninit::<libc::regex_t>::uninit());
        // SAFETY: `compiled` is valid memory for a regex_t and `text` is NUL-terminated;
        // regcomp initializes the regex_t when it returns 0.
        let rc = unsafe { libc::regcomp(compiled.as_mut_ptr(), text.as_ptr(), flags as libc::c_int) };
        if rc != 0 {
            return None;
        }
        // SAFETY: regcomp returned 0, so the regex_t is initialized.
        let compiled = unsafe { Box::from_raw(Box::into_raw(compiled).cast::<libc::regex_t>()) };
        Some(Regex { compiled })
    }

    /// True if `text` (up to its first NUL, as C reads it) matches.
    pub fn is_match(&self, text: &[u8]) -> bool {
        let text = text.split(|&b| b == 0).next().unwrap_or_default();
        let Ok(text) = CString::new(text) else { return false };
        // SAFETY: the regex_t was initialized by regcomp and is freed only on drop; `text` is
        // NUL-terminated; no match offsets are asked for (nmatch 0, pmatch null).
        unsafe { libc::regexec(&*self.compiled, text.as_ptr(), 0, std::ptr::null_mut(), 0) == 0 }
    }
}

impl Drop for Regex {
    fn drop(&mut self) {
        // SAFETY: the regex_t was initialized by regcomp and is not used after this.
        unsafe { libc::regfree(&mut *self.compiled) }
    }
}

/// False for a pattern with a back-reference (`\1`..`\9`), or counted repetitions whose upper
/// bounds multiply past [`MAX_REPEAT_PRODUCT`] (an open bound counts as its lower bound + 1).
fn bounded(pattern: &[u8]) -> bool {
    let mut product: u64 = 1;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if pattern.get(i + 1).is_some_and(u8::is_ascii_digit) => return false,
            b'\\' if pattern.get(i + 1) == Some(&b'{') => {
                i += 2;
                product = product.saturating_mul(repeat_bound(pattern, &mut i));
            }
            b'\\' => i += 2,
            b'{' => {
                i += 1;
                product = product.saturating_mul(repeat_bound(pattern, &mut i));
            }
            _ => i += 1,
        }
        if product > MAX_REPEAT_PRODUCT {
            return false;
        }
    }
    true
}

/// The upper bound of the `m,n}` or `m}` starting at `*i` (moved past it); 1 if it is not one.
fn repeat_bound(pattern: &[u8], i: &mut usize) -> u64 {
    let mut numbers = [None::<u64>, None];
    let mut which = 0;
    while let Some(&b) = pattern.get(*i) {
        match b {
            b'0'..=b'9' => {
                let n = numbers[which].unwrap_or(0);
                numbers[which] = Some(n.saturating_mul(10).saturating_add(u64::from(b - b'0')));
            }
            b',' if which == 0 => which = 1,
            _ => break,
        }
        *i += 1;
    }
    match (which, numbers) {
        (0, [Some(m), _]) => m.max(1),
        (1, [_, Some(n)]) => n.max(1),
        (1, [m, None]) => m.unwrap_or(0).saturating_add(1),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_patterns_and_flags() {
        let extended = Regex::new(b"^na(me)+[0-9]$", 1).unwrap();
        assert!(extended.is_match(b"name1"));
        assert!(!extended.is_match(b"Name1"));
        assert!(Regex::new(b"^NAME", 1 | 2).unwrap().is_match(b"name1"));
        // Without EXTENDED the pattern is a basic RE: `+` is a literal.
        assert!(Regex::new(b"a+", 0).unwrap().is_match(b"a+"));
        assert!(!Regex::new(b"a+", 0).unwrap().is_match(b"aa"));
        // A NUL ends the pattern and the text, as in C.
        assert!(Regex::new(b"^ab\0zzz", 1).unwrap().is_match(b"ab\0cd"));
        assert!(Regex::new(b"(", 1).is_none());
    }

    #[test]
    fn expensive_patterns_are_refused() {
        assert!(Regex::new(b"\\(a*\\)*\\1", 0).is_none());
        assert!(Regex::new(b"(a*)*\\1", 1).is_none());
        assert!(Regex::new(b"a{1,100}{1,100}", 1).is_none());
        assert!(Regex::new(b"a\\{1000\\}\\{2\\}", 0).is_none());
        assert!(Regex::new(b"a{5}b{1,9}", 1).is_some());
        assert!(Regex::new(&[b'a'; 2000], 1).is_none());
        // Catastrophic for backtracking engines, linear for glibc's without back-references.
        let r = Regex::new(b"^(a+)+$", 1).unwrap();
        assert!(!r.is_match(&[b"a".repeat(10_000), b"b".to_vec()].concat()));
    }
}
