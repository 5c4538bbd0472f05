//! Record UDFs ("apply", PROTOCOL-DATA.md §E.2): a single-record message with the UDF fields
//! 30-32 calls `function(rec, args...)` of a registered module on the record's owning shard,
//! and what the function applied through `aerospike:create/update/remove` is written there like
//! any write (so it replicates, persists, keeps secondary indexes and counts in statistics).
//!
//! It runs in two steps around the shard's state (see Aerospike's `transaction/udf.c`):
//! [`call`] checks the message, reads the record and runs the function without holding the
//! state, yielding to the executor between time slices; [`commit`] then writes, in one
//! synchronous step. If the function yielded and the record changed in between (another
//! command wrote it), the caller runs it again ([`Stale`]).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use scramjet_engine::record::next_generation;
use scramjet_engine::{BinRef, NamespaceStore, Now, RecordMeta, StoredRecord, SET_NAME_MAX_LEN};
use scramjet_net::field::field_type;
use scramjet_net::message::{info2, info3, MessageWriter, MsgHeader};
use scramjet_net::op::OpType;
use scramjet_net::{Message, ParticleType, ResultCode};

use super::lua::{self, Outcome, Reuse};
use super::record::{LuaRecord, RecordData};
use super::value::{self, Val};
use crate::ground::stats::LangOutcome;
use crate::shard::{Shard, ShardState};
use crate::transaction::filter::{self, Filter};
use crate::transaction::write::void_time_for;
use crate::transaction::{Txn, TxnError};

/// Longest module or function name (Aerospike's 128-byte buffers, terminator included).
const NAME_MAX: usize = 127;

/// The UDF a message calls.
#[derive(Debug, Clone, Copy)]
pub struct UdfCall<'a> {
    /// Module name, without `.lua`.
    pub module: &'a [u8],
    /// Function name.
    pub function: &'a [u8],
    /// msgpack array of the arguments.
    pub arglist: &'a [u8],
    /// A background job's call (UDF_OP 2): it never creates a record.
    pub background: bool,
}

impl UdfCall<'_> {
    /// The module's file name.
    pub fn file(&self) -> String {
        format!("{}.lua", String::from_utf8_lossy(self.module))
    }
}

/// True if a message has any of the UDF fields (a cheap test; [`call_of`] checks them).
pub fn has_udf_fields(msg: &Message<'_>) -> bool {
    msg.fields().any(|f| {
        matches!(f.field_type, field_type::UDF_PACKAGE_NAME | field_type::UDF_FUNCTION | field_type::UDF_ARGLIST)
    })
}

/// The UDF a message calls, if it has UDF fields (4 if they are incomplete, too long, or the
/// arguments are not a msgpack array).
pub fn call_of<'a>(msg: &Message<'a>) -> Option<Result<UdfCall<'a>, TxnError>> {
    // Most messages call no UDF: one pass over the fields says so.
    if !has_udf_fields(msg) {
        return None;
    }
    let module = msg.field(field_type::UDF_PACKAGE_NAME);
    let function = msg.field(field_type::UDF_FUNCTION);
    let arglist = msg.field(field_type::UDF_ARGLIST);
    let ok = |name: &[u8]| !name.is_empty() && name.len() <= NAME_MAX;
    // The arguments must be a msgpack array (Aerospike's `udf_def_init_from_msg`).
    // Checked by walking the bytes, without building the values (`arguments` builds them).
    let is_list = |arglist: &[u8]| {
        use scramjet_engine::cdt::msgpack::{check_one, read_header, Header};
        matches!(read_header(arglist, 0), Ok((Header::List(_), _))) && check_one(arglist).is_ok()
    };
    Some(match (module, function, arglist) {
        (Some(module), Some(function), Some(arglist)) if ok(module) && ok(function) && is_list(arglist) => {
            let background = msg.field(field_type::UDF_OP) == Some(&[crate::transaction::scan::UDF_OP_BACKGROUND]);
            Ok(UdfCall { module, function, arglist, background })
        }
        _ => Err(TxnError::Parameter("UDF fields missing, too long, or arguments not a list")),
    })
}

/// What [`call`] did.
#[derive(Debug)]
pub enum Called {
    /// The message was refused before the function ran.
    Refused(TxnError),
    /// The function ran.
    Ran(Ran),
}

/// A function that ran, and the record as it left it.
#[derive(Debug)]
pub struct Ran {
    record: Rc<RefCell<RecordData>>,
    outcome: Outcome,
    /// The record's version (index metadata) when the function read it.
    version: Option<RecordMeta>,
    /// The function gave the executor to others at least once: the record may have changed.
    pub yielded: bool,
}

impl Called {
    /// The function gave the executor to others while it ran.
    pub fn yielded(&self) -> bool {
        matches!(self, Called::Ran(ran) if ran.yielded)
    }
}

/// Times a record UDF runs again when the record keeps changing while it runs (then 14).
pub const MAX_ATTEMPTS: usize = 4;

/// The record changed while the function ran: run it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale;

/// Generation, exists and replace policies are refused with UDFs, as in Aerospike
/// (`has_forbidden_policy`).
fn has_forbidden_policy(header: &MsgHeader) -> bool {
    header.info2 & (info2::GENERATION | info2::GENERATION_GT | info2::CREATE_ONLY) != 0
        || header.info3 & (info3::UPDATE_ONLY | info3::CREATE_OR_REPLACE | info3::REPLACE_ONLY) != 0
}

/// Checks a record UDF message, reads its record and runs the function; `None` if the message
/// calls no UDF. Holds the shard's state only before and after the function runs.
pub async fn call(shard: &Rc<Shard>, txn: &Txn<'_>) -> Option<Called> {
    let call = match call_of(&txn.msg)? {
        Ok(call) => call,
        Err(e) => return Some(Called::Refused(e)),
    };
    let now = crate::ground::clock::now();
    let prepared = {
        let state = shard.state.borrow();
        prepare(&state, txn, call.background, now).map(|(record, version)| {
            let limit = Duration::from_millis(state.service.udf_time_limit_ms);
            let client = Duration::from_millis(u64::from(txn.msg.header.transaction_ttl));
            let budget = if client.is_zero() { limit } else { limit.min(client) };
            let lua_state = super::take_state(&state, &call.file(), state.service.udf_memory_limit as usize);
            (record, version, lua_state, Instant::now() + budget)
        })
    };
    let (record, version, lua_state, deadline) = match prepared {
        Ok(p) => p,
        Err(e) => return Some(Called::Refused(e)),
    };
    let record = Rc::new(RefCell::new(record));
    let function = String::from_utf8_lossy(call.function);
    let (outcome, yielded) = match lua_state {
        // Aerospike's message when the module cannot be loaded (`as_module_err_string(2)`).
        Err(e) => {
            crate::log!(Debug, "udf", "{}: {e}", call.file());
            (Outcome::Failed("UDF: Execution Error 2".into()), false)
        }
        Ok(state) => {
            let userdata = state.lua().create_userdata(LuaRecord(record.clone()));
            let args = userdata
                .map_err(|e| lua::error_message(&e))
                .and_then(|ud| lua::arguments(state.lua(), Some(mlua::Value::UserData(ud)), call.arglist));
            match args {
                Err(e) => (Outcome::Failed(e), false),
                Ok(args) => {
                    let (outcome, reuse, yielded) =
                        state.call(&function, args, deadline, crate::ground::task::yield_to_io).await;
                    if reuse == Reuse::Yes {
                        super::give_back(&call.file(), state);
                    }
                    (outcome, yielded)
                }
            }
        }
    };
    Some(Called::Ran(Ran { record, outcome, version, yielded }))
}

/// The checks before the function runs (Aerospike's `udf_master_apply` and
/// `open_existing_record`), and the record as the function sees it.
fn prepare(
    state: &ShardState,
    txn: &Txn<'_>,
    background: bool,
    now: Now,
) -> Result<(RecordData, Option<RecordMeta>), TxnError> {
    let header = txn.msg.header;
    if has_forbidden_policy(&header) {
        return Err(TxnError::Parameter("generation or record-exists policy with a UDF"));
    }
    let set_name = txn.key.set.unwrap_or_default();
    if set_name.len() > SET_NAME_MAX_LEN {
        return Err(TxnError::Parameter("set name over 63 bytes"));
    }
    let filter = parse_filter(&txn.msg)?;
    let ns = state.namespaces[txn.ns_index].store(txn.digest.partition_id());
    let mut data = RecordData::default();
    data.digest = txn.digest.0;
    data.now_secs = now.clepoch_secs;
    data.set_name = (!set_name.is_empty()).then(|| set_name.to_vec());
    data.key = txn.key.key.map(<[u8]>::to_vec);
    let version = ns.version_meta(&txn.digest, now);
    if let Some(entry) = ns.get(&txn.digest, now) {
        let stored_set = ns.sets().name(entry.meta.set_id);
        if !set_name.is_empty() && stored_set != set_name {
            return Err(TxnError::Parameter("set name differs from the record's"));
        }
        filter::check(filter.as_ref(), ns, &txn.digest, &entry, now)?;
        let stored = RecordData::stored(&entry, stored_set, &txn.digest, now.clepoch_secs).ok_or(TxnError::Corrupt)?;
        if let (Some(sent), Some(key)) = (txn.key.key, stored.key.as_deref()) {
            if sent != key {
                return Err(TxnError::KeyMismatch);
            }
        }
        // A key sent for a record stored without one is stored with it.
        let sent = data.key.take();
        data = stored;
        data.key = data.key.take().or(sent);
    } else if background {
        // A background job's UDF never creates records (Aerospike's internal UDFs).
        return Err(TxnError::NotFound);
    }
    Ok((data, version))
}

fn parse_filter(msg: &Message<'_>) -> Result<Option<Filter>, TxnError> {
    match msg.field(field_type::FILTER).map(Filter::predicate) {
        None => Ok(None),
        Some(Ok(filter)) => Ok(Some(filter)),
        Some(Err(_)) => Err(TxnError::Parameter("filter expression not understood")),
    }
}

/// What [`commit`] did.
#[derive(Debug)]
pub struct Committed {
    /// The result sent.
    pub code: ResultCode,
    /// What the function did, if it ran (for the `client_lang_*` counters).
    pub lang: Option<LangOutcome>,
    /// The append sequence of a write or delete, for durability waits.
    pub seq: Option<u64>,
}

/// Writes what the function applied and appends the response; [`Stale`] if the record changed
/// since the function read it. On an error the response is the error's status alone.
pub fn commit(
    ns: &mut NamespaceStore,
    txn: &Txn<'_>,
    called: &Called,
    now: Now,
    out: &mut Vec<u8>,
) -> Result<Committed, Stale> {
    let ran = match called {
        Called::Refused(e) => return Ok(status(out, e.result_code(), None)),
        Called::Ran(ran) => ran,
    };
    if ran.yielded && ns.version_meta(&txn.digest, now) != ran.version {
        return Err(Stale);
    }
    let record = ran.record.borrow();
    let value = match &ran.outcome {
        Outcome::Failed(message) => {
            crate::log!(Debug, "udf", "lua error: {message}");
            let header = MsgHeader {
                result_code: ResultCode::UdfExecution.as_u8(),
                generation: u32::from(record.generation),
                record_ttl: record.void_time,
                ..Default::default()
            };
            let mut w = MessageWriter::begin(out, &header);
            w.op(OpType::Read as u8, ParticleType::String as u8, b"FAILURE", message.as_bytes());
            w.finish();
            return Ok(Committed { code: ResultCode::UdfExecution, lang: Some(LangOutcome::Error), seq: None });
        }
        Outcome::Returned(value) => value,
    };
    if let Some(code) = record.failure {
        return Ok(status(out, code, None));
    }
    let start = out.len();
    match write(ns, txn, &record, value, now, out) {
        Ok((lang, seq)) => Ok(Committed { code: ResultCode::Ok, lang: Some(lang), seq }),
        Err(e) => {
            out.truncate(start);
            Ok(status(out, e.result_code(), None))
        }
    }
}

fn status(out: &mut Vec<u8>, code: ResultCode, lang: Option<LangOutcome>) -> Committed {
    scramjet_net::response::write_status(out, code, 0, 0);
    Committed { code, lang, seq: None }
}

/// The success response: the record's generation and void time and one `SUCCESS` op with the
/// function's value.
fn success(out: &mut Vec<u8>, generation: u16, void_time: u32, value: &Val) -> Result<(), TxnError> {
    let particle = value::to_particle(value).map_err(|_| TxnError::IncompatibleType)?;
    let header = MsgHeader { generation: u32::from(generation), record_ttl: void_time, ..Default::default() };
    let mut w = MessageWriter::begin(out, &header);
    match &particle {
        Some((p, bytes)) => crate::transaction::put_bin(&mut w, *p as u8, b"SUCCESS", bytes),
        None => w.op(OpType::Read as u8, ParticleType::Null as u8, b"SUCCESS", &[]),
    }
    w.finish();
    Ok(())
}

/// Writes or deletes the record as the function left it (Aerospike's `udf_master_write`).
fn write(
    ns: &mut NamespaceStore,
    txn: &Txn<'_>,
    record: &RecordData,
    value: &Val,
    now: Now,
    out: &mut Vec<u8>,
) -> Result<(LangOutcome, Option<u64>), TxnError> {
    let header = txn.msg.header;
    let existing = ns.get(&txn.digest, now).map(|e| e.meta);
    if !record.has_updates {
        let (generation, void_time) = existing.map_or((0, 0), |m| (m.generation, m.void_time));
        success(out, generation, void_time, value)?;
        return Ok((LangOutcome::Read, None));
    }
    if record.bins.is_empty() {
        if existing.is_none() || record.old_bin_count == Some(0) {
            return Err(TxnError::NotFound);
        }
        success(out, 0, 0, value)?;
        let durable = header.info2 & info2::DURABLE_DELETE != 0;
        let seq = ns.remove(&txn.digest, now, durable)?.map(|(_, seq)| seq);
        return Ok((LangOutcome::Delete, seq));
    }
    let ttl = record.ttl.unwrap_or(header.record_ttl);
    let void_time = void_time_for(ttl, ns.config(), existing.map(|m| m.void_time), now)?;
    let generation = existing.map_or_else(|| ns.first_generation(&txn.digest), |m| next_generation(m.generation));
    let key = if record.drop_key { None } else { record.key.as_deref() };
    let encoded = StoredRecord::encode(
        key,
        record.bins.iter().map(|b| BinRef { name: &b.name, particle: b.particle, value: &b.value }),
    )?;
    let set_id = match existing {
        Some(meta) => meta.set_id,
        None => ns.sets_mut().id_for(record.set_name.as_deref().unwrap_or_default())?,
    };
    success(out, generation, void_time, value)?;
    let meta = RecordMeta { generation, void_time, last_update_ms: now.clepoch_ms, set_id };
    let (_, seq) = ns.put(txn.digest, meta, encoded, now)?;
    Ok((LangOutcome::Write, Some(seq)))
}
