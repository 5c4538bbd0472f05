//! A cursor over big-endian binary fields, for the small formats between nodes (fabric frames,
//! heartbeats, consensus datagrams). Every read is checked: past the end it fails with the
//! error the format chose, never a panic.

/// Reads fields off the front of a byte slice; a read past the end returns `error`.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a, E: Copy> {
    bytes: &'a [u8],
    error: E,
}

impl<'a, E: Copy> Reader<'a, E> {
    /// A reader over `bytes` that fails with `error`.
    pub fn new(bytes: &'a [u8], error: E) -> Reader<'a, E> {
        Reader { bytes, error }
    }

    /// The error reads fail with (for the format's own checks).
    pub fn error(&self) -> E {
        self.error
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], E> {
        if self.bytes.len() < n {
            return Err(self.error);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], E> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    /// Fails unless every byte was read.
    pub fn end(&self) -> Result<(), E> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.error)
        }
    }

    /// A byte.
    pub fn u8(&mut self) -> Result<u8, E> {
        Ok(self.take(1)?[0])
    }

    /// A big-endian u16.
    pub fn u16(&mut self) -> Result<u16, E> {
        self.array().map(u16::from_be_bytes)
    }

    /// A big-endian u32.
    pub fn u32(&mut self) -> Result<u32, E> {
        self.array().map(u32::from_be_bytes)
    }

    /// A big-endian u64.
    pub fn u64(&mut self) -> Result<u64, E> {
        self.array().map(u64::from_be_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_order_and_fails_past_the_end() {
        let bytes = [1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 9];
        let mut r = Reader::new(&bytes, "short");
        assert_eq!((r.u8(), r.u16(), r.u32(), r.u64()), (Ok(1), Ok(2), Ok(3), Ok(4)));
        assert_eq!(r.end(), Err("short"));
        assert_eq!(r.u16(), Err("short"));
        assert_eq!(r.rest(), &[9]);
        assert_eq!((r.remaining(), r.end()), (0, Ok(())));
    }
}
