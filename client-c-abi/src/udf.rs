//! Lua UDFs from the client (PROTOCOL-DATA.md §E): the record UDF command ("apply"), the
//! background UDF and aggregation queries, and the replies of the module commands.
//!
//! Aggregations: the server runs a stream UDF up to and including its first reduce and sends
//! the values that come out (one per batch of records it went through). The official clients
//! then run the rest of the stream (the final reduce) in their own Lua. This client embeds no
//! Lua: [`crate::Client::query_aggregate`] returns the server's values, and the caller combines
//! them (for a sum, add them; for a group-by, merge the maps).

use scramjet_net::field::field_type;
use scramjet_net::message::{info1, info2, MessageWriter, MsgHeader};
use scramjet_net::Message;

use crate::command::{decode_bins, key_fields, server_timeout_ms, write_header};
use crate::error::{code, Error, Result};
use crate::policy::{ScanPolicy, WritePolicy};
use crate::query::IndexFilter;
use crate::value::{Key, Value};

/// UDF_OP of an aggregation.
pub const OP_AGGREGATE: u8 = 1;
/// UDF_OP of a background UDF.
pub const OP_BACKGROUND: u8 = 2;

/// A module as `udf-list` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfModule {
    /// File name, with `.lua`.
    pub name: String,
    /// The server's hash of the module (changes when it changes).
    pub hash: String,
}

fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 127 {
        return Err(Error::new(code::PARAM, format!("UDF {what} name must be 1 to 127 bytes")));
    }
    Ok(())
}

fn udf_fields(w: &mut MessageWriter<'_>, module: &str, function: &str, args: &[Value]) -> Result<()> {
    check_name("module", module)?;
    check_name("function", function)?;
    let mut arglist = Vec::new();
    crate::msgpack::pack(&mut arglist, &Value::List(args.to_vec()));
    w.field(field_type::UDF_PACKAGE_NAME, module.as_bytes());
    w.field(field_type::UDF_FUNCTION, function.as_bytes());
    w.field(field_type::UDF_ARGLIST, &arglist);
    Ok(())
}

/// A record UDF call: `module.function(rec, args...)` on `key`'s record.
pub fn encode_apply(
    out: &mut Vec<u8>,
    key: &Key,
    module: &str,
    function: &str,
    args: &[Value],
    policy: &WritePolicy,
) -> Result<()> {
    let mut w = MessageWriter::begin(out, &write_header(policy));
    key_fields(&mut w, key, policy.send_key);
    crate::command::filter_field(&mut w, policy.filter.as_ref());
    udf_fields(&mut w, module, function, args)?;
    w.finish();
    Ok(())
}

/// What a record UDF answered: the function's value, or the server's error (100 with the
/// Lua message for a Lua failure).
pub fn parse_apply(body: &[u8]) -> Result<Value> {
    let msg = Message::parse(body).map_err(|e| Error::new(code::CLIENT, format!("bad response: {e:?}")))?;
    let code = msg.header.result_code;
    let bins = if code == 0 || u32::from(code) == code::UDF as u32 { decode_bins(&msg)? } else { Vec::new() };
    let bin = |name: &str| bins.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    match code {
        0 => Ok(bin("SUCCESS").unwrap_or(Value::Nil)),
        _ => {
            let message = match bin("FAILURE") {
                Some(Value::Str(text)) => text,
                _ => format!("server error {code}"),
            };
            Err(Error::new(i32::from(code), message))
        }
    }
}

/// What a background UDF or an aggregation runs, and over which records: those of `set` ("":
/// the whole namespace), or those `filter` (a where clause) selects.
#[derive(Debug, Clone, Copy)]
pub struct UdfQuery<'a> {
    /// Namespace.
    pub namespace: &'a str,
    /// Set ("" for every set).
    pub set: &'a str,
    /// The where clause (None: every record).
    pub filter: Option<&'a IndexFilter>,
    /// Module, without `.lua`.
    pub module: &'a str,
    /// Function.
    pub function: &'a str,
    /// Arguments after the record (or stream).
    pub args: &'a [Value],
}

/// A background UDF query (`udf_op` [`OP_BACKGROUND`]) or an aggregation ([`OP_AGGREGATE`]),
/// for one node: every partition it masters.
pub fn encode_query(
    out: &mut Vec<u8>,
    udf_op: u8,
    query: &UdfQuery<'_>,
    policy: &ScanPolicy,
    task_id: u64,
) -> Result<()> {
    let header = MsgHeader {
        info1: if udf_op == OP_AGGREGATE { info1::READ } else { 0 },
        info2: if udf_op == OP_BACKGROUND { info2::WRITE } else { 0 },
        transaction_ttl: server_timeout_ms(&policy.base),
        ..Default::default()
    };
    let mut w = MessageWriter::begin(out, &header);
    w.field(field_type::NAMESPACE, query.namespace.as_bytes());
    if !query.set.is_empty() {
        w.field(field_type::SET, query.set.as_bytes());
    }
    if policy.records_per_second > 0 {
        w.field(field_type::RPS, &policy.records_per_second.to_be_bytes());
    }
    w.field(field_type::TASK_ID, &task_id.to_be_bytes());
    if let Some(f) = query.filter {
        crate::query::index_fields(&mut w, f)?;
    }
    crate::command::filter_field(&mut w, policy.filter.as_ref());
    w.field(field_type::UDF_OP, &[udf_op]);
    udf_fields(&mut w, query.module, query.function, query.args)?;
    w.finish();
    Ok(())
}

/// The `error=` reply of a module command as an error (100, as the C client makes it), with
/// a compile error's base64 message decoded.
pub fn module_reply(command: &str, answer: &str) -> Result<()> {
    let Some(reason) = answer.strip_prefix("error=") else { return Ok(()) };
    let message = match reason.split_once(";message=") {
        Some((head, b64)) => {
            use base64::Engine as _;
            let text = base64::engine::general_purpose::STANDARD.decode(b64).unwrap_or_default();
            format!("{head}: {}", String::from_utf8_lossy(&text))
        }
        None => reason.to_string(),
    };
    Err(Error::new(code::UDF, format!("{command}: {message}")))
}

/// The modules of a `udf-list` answer.
pub fn parse_list(answer: &str) -> Vec<UdfModule> {
    answer
        .split(';')
        .filter(|item| !item.is_empty())
        .filter_map(|item| {
            let mut name = None;
            let mut hash = String::new();
            for kv in item.split(',') {
                match kv.split_once('=') {
                    Some(("filename", v)) => name = Some(v.to_string()),
                    Some(("hash", v)) => hash = v.to_string(),
                    _ => {}
                }
            }
            Some(UdfModule { name: name?, hash })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::UserKey;

    #[test]
    fn apply_carries_the_module_function_and_arguments() {
        let key = Key::new("test", "demo", UserKey::Int(1)).unwrap();
        let mut out = Vec::new();
        encode_apply(&mut out, &key, "m", "f", &[Value::Int(1), Value::Str("a".into())], &WritePolicy::default())
            .unwrap();
        let msg = Message::parse(&out[scramjet_net::PROTO_HEADER_SIZE..]).unwrap();
        assert_eq!(msg.header.info2 & info2::WRITE, info2::WRITE);
        assert_eq!(msg.header.n_ops, 0);
        assert_eq!(msg.field(field_type::UDF_PACKAGE_NAME), Some(&b"m"[..]));
        assert_eq!(msg.field(field_type::UDF_FUNCTION), Some(&b"f"[..]));
        assert_eq!(msg.field(field_type::UDF_ARGLIST), Some(&[0x92, 0x01, 0xa2, 0x03, b'a'][..]));
        assert!(encode_apply(&mut out, &key, "", "f", &[], &WritePolicy::default()).is_err());
    }

    #[test]
    fn replies_become_values_or_errors() {
        let reply = |code: u8, bin: &str, particle: u8, value: &[u8]| {
            let mut out = Vec::new();
            let mut w = MessageWriter::begin(&mut out, &MsgHeader { result_code: code, ..Default::default() });
            w.op(1, particle, bin.as_bytes(), value);
            w.finish();
            out.drain(..scramjet_net::PROTO_HEADER_SIZE);
            out
        };
        assert_eq!(parse_apply(&reply(0, "SUCCESS", 1, &7i64.to_be_bytes())).unwrap(), Value::Int(7));
        let e = parse_apply(&reply(100, "FAILURE", 3, b"m.lua:1: boom")).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (100, "m.lua:1: boom"));
        assert_eq!(module_reply("udf-put", "ok").ok(), Some(()));
        let e = module_reply("udf-put", "error=compile_error;file=a.lua;line=3;message=dW5leHBlY3RlZA==").unwrap_err();
        assert_eq!(e.message, "udf-put: compile_error;file=a.lua;line=3: unexpected");
        let listed = parse_list("filename=a.lua,hash=01,type=LUA;filename=b.lua,hash=02,type=LUA;");
        assert_eq!(listed.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["a.lua", "b.lua"]);
    }
}
