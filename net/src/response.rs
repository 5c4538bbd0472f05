//! Replies that carry no bins: status-only data responses and admin responses.

use crate::message::{MessageWriter, MsgHeader};
use crate::ResultCode;

/// Appends a single-record response with no fields and no ops.
pub fn write_status(buf: &mut Vec<u8>, result: ResultCode, generation: u32, void_time: u32) {
    let header = MsgHeader { result_code: result.as_u8(), generation, record_ttl: void_time, ..Default::default() };
    MessageWriter::begin(buf, &header).finish();
}

/// Appends an admin response: the 16-byte header with `result`, no fields.
pub fn write_admin_status(buf: &mut Vec<u8>, command: u8, result: ResultCode) {
    crate::admin::AdminWriter::begin(buf, command, result.as_u8()).finish();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Message, ProtoHeader};

    #[test]
    fn status_response_parses() {
        let mut buf = Vec::new();
        write_status(&mut buf, ResultCode::NotFound, 3, 77);
        assert_eq!(buf.len(), 30);
        let proto = ProtoHeader::decode(buf[..8].try_into().unwrap()).unwrap();
        assert_eq!(proto.size, 22);
        let msg = Message::parse(&buf[8..]).unwrap();
        assert_eq!(msg.header.result_code, 2);
        assert_eq!(msg.header.generation, 3);
        assert_eq!(msg.header.record_ttl, 77);
    }

    #[test]
    fn admin_response_shape() {
        let mut buf = Vec::new();
        write_admin_status(&mut buf, crate::admin::command::LOGIN, ResultCode::SecurityNotEnabled);
        assert_eq!(buf.len(), 24);
        assert_eq!(&buf[..8], &[2, 2, 0, 0, 0, 0, 0, 16]);
        assert_eq!(buf[9], 52);
        assert_eq!(buf[10], crate::admin::command::LOGIN);
    }
}
