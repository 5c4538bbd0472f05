//! A connection's receive buffer: bytes read from a socket and not yet taken as messages.
//! The client service and the fabric both read through it.

use futures_lite::{AsyncRead, AsyncReadExt};

/// Most the buffer grows per read while a large message arrives.
pub const GROW_STEP: usize = 1 << 20;

/// Bytes received and not yet consumed.
pub struct ReadBuf {
    data: Vec<u8>,
    start: usize,
    end: usize,
    /// Smallest read issued, and the size kept between messages.
    chunk: usize,
}

/// How [`ReadBuf::fill`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// The bytes asked for are available.
    Ready,
    /// The peer closed the connection with nothing buffered.
    Closed,
    /// The peer closed the connection with this many bytes of a message buffered.
    ClosedMidMessage(usize),
}

impl ReadBuf {
    /// An empty buffer that reads at least `chunk` bytes at a time.
    pub fn new(chunk: usize) -> ReadBuf {
        ReadBuf { data: vec![0; chunk], start: 0, end: 0, chunk }
    }

    /// The bytes received and not yet consumed.
    pub fn available(&self) -> &[u8] {
        &self.data[self.start..self.end]
    }

    /// Reads until at least `need` bytes are available (or the peer closes the connection).
    pub async fn fill<S: AsyncRead + Unpin>(&mut self, stream: &mut S, need: usize) -> std::io::Result<Filled> {
        while self.end - self.start < need {
            if self.start > 0 && self.data.len() - self.start < need {
                self.data.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.end == self.data.len() {
                let missing = need - (self.end - self.start);
                let grow = missing.clamp(self.chunk, GROW_STEP.max(self.chunk));
                self.data.resize(self.data.len() + grow, 0);
            }
            let read = stream.read(&mut self.data[self.end..]).await?;
            if read == 0 {
                return Ok(match self.end - self.start {
                    0 => Filled::Closed,
                    n => Filled::ClosedMidMessage(n),
                });
            }
            self.end += read;
        }
        Ok(Filled::Ready)
    }

    /// Takes `n` bytes off the front; once nothing is left, a buffer grown for a large message
    /// shrinks back.
    pub fn consume(&mut self, n: usize) {
        self.start += n;
        assert!(self.start <= self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.data.len() > self.chunk {
                self.data.truncate(self.chunk);
                self.data.shrink_to_fit();
            }
        }
    }
}
