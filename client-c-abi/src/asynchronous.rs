//! The async front end: command I/O over any stream implementing `futures-lite`'s
//! `AsyncRead + AsyncWrite` (glommio's, async-io's, …), so a load generator can keep thousands
//! of commands in flight from a few threads. It brings no runtime: the caller owns the
//! sockets, the timers and the tasks, and routes with [`crate::blocking::View::address_for`]
//! (whose view a blocking [`crate::Client`] keeps current by tending).

use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use scramjet_net::{ProtoHeader, ProtoType, PROTO_HEADER_SIZE};

use crate::command::{self, Record, StreamItem};
use crate::error::{code, Error, Result};

fn io_error(e: std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::new(code::CONNECTION, "connection closed by the server"),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Error::new(code::TIMEOUT, "timed out"),
        _ => Error::new(code::CONNECTION, e.to_string()),
    }
}

/// Reads one proto message into `body`; returns its type.
pub async fn receive<S: AsyncRead + Unpin>(stream: &mut S, body: &mut Vec<u8>) -> Result<ProtoType> {
    let mut head = [0u8; PROTO_HEADER_SIZE];
    stream.read_exact(&mut head).await.map_err(io_error)?;
    let header = ProtoHeader::decode(head).map_err(|e| Error::new(code::CLIENT, format!("bad proto header: {e:?}")))?;
    body.clear();
    body.resize(header.size as usize, 0);
    stream.read_exact(body).await.map_err(io_error)?;
    Ok(header.proto_type)
}

/// Sends `request` (a whole encoded command) and reads the first answer message.
pub async fn call<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
    body: &mut Vec<u8>,
) -> Result<ProtoType> {
    stream.write_all(request).await.map_err(io_error)?;
    receive(stream, body).await
}

/// Runs a single-record command: its result code and record.
pub async fn single<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
    body: &mut Vec<u8>,
) -> Result<(u8, Record)> {
    match call(stream, request, body).await? {
        ProtoType::Message => command::parse_record(body),
        other => Err(Error::new(code::CLIENT, format!("expected a message, got {other:?}"))),
    }
}

/// Runs a batch or scan command, handing each row or record to `each` (result code, row
/// index, record) until the server's LAST message, whose code is returned.
pub async fn stream<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
    body: &mut Vec<u8>,
    mut each: impl FnMut(u8, u32, Record),
) -> Result<u8> {
    call(stream, request, body).await?;
    let mut items = Vec::new();
    loop {
        items.clear();
        command::parse_stream(body, &mut items)?;
        for item in items.drain(..) {
            match item {
                StreamItem::Record { result_code, index, record, .. } => each(result_code, index, record),
                StreamItem::PartitionDone { .. } => {}
                StreamItem::Last(code) => return Ok(code),
            }
        }
        receive(stream, body).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scramjet_net::message::{info3, MessageWriter, MsgHeader};

    /// An in-memory stream: reads come from `input`, writes go to `output`.
    struct Mock {
        input: futures_lite::io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl AsyncRead for Mock {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            std::pin::Pin::new(&mut self.input).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Mock {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.output.extend_from_slice(buf);
            std::task::Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_close(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[test]
    fn single_and_stream_answers_are_decoded() {
        let mut input = Vec::new();
        let mut w = MessageWriter::begin(&mut input, &MsgHeader { generation: 3, ..Default::default() });
        w.op(1, 1, b"a", &7i64.to_be_bytes());
        w.finish();
        let mut mock = Mock { input: futures_lite::io::Cursor::new(input), output: Vec::new() };
        let mut body = Vec::new();
        let (rc, record) = futures_lite::future::block_on(single(&mut mock, b"request", &mut body)).unwrap();
        assert_eq!((rc, record.generation), (0, 3));
        assert_eq!(mock.output, b"request");

        // Two proto messages: a row, then the LAST message.
        let mut input = Vec::new();
        MessageWriter::begin(&mut input, &MsgHeader { transaction_ttl: 4, ..Default::default() }).finish();
        MessageWriter::begin(&mut input, &MsgHeader { info3: info3::LAST, ..Default::default() }).finish();
        let mut mock = Mock { input: futures_lite::io::Cursor::new(input), output: Vec::new() };
        let mut rows = Vec::new();
        let last =
            futures_lite::future::block_on(stream(&mut mock, b"batch", &mut body, |rc, i, _| rows.push((rc, i))))
                .unwrap();
        assert_eq!((last, rows), (0, vec![(0, 4)]));

        // A connection closed mid-answer is a connection error.
        let mut mock = Mock { input: futures_lite::io::Cursor::new(vec![2, 3, 0]), output: Vec::new() };
        let e = futures_lite::future::block_on(single(&mut mock, b"x", &mut body)).unwrap_err();
        assert_eq!(e.code, code::CONNECTION);
    }
}
