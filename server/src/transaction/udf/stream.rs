//! Stream UDFs (aggregations, PROTOCOL-DATA.md §E.3): the records a scan or query selects on a
//! shard go through the module's stream function, a chunk at a time, and what comes out is
//! answered as values (`SUCCESS` messages) for the client to finish (Aerospike's
//! `base/aggr.c`, `query/query.c aggr_query_job_slice`). Each chunk is one run of the stream
//! (Aerospike runs one per partition): the client's own final reduce combines them.

use std::time::{Duration, Instant};

use scramjet_net::message::{MessageWriter, MsgHeader};
use scramjet_net::op::OpType;
use scramjet_net::{ParticleType, PROTO_HEADER_SIZE};

use super::lua::Reuse;
use super::record::RecordData;
use super::value;
use crate::shard::Shard;
use crate::transaction::scan::Aggregate;

/// Runs `aggregate` over `records` (one chunk of a scan or query on this shard) and appends a
/// value message (no proto header) for each value that comes out; the failure message
/// (Aerospike's `UDF: Execution Error 2 : <Lua's message>`) if Lua fails.
pub async fn run(
    shard: &Shard,
    aggregate: &Aggregate,
    records: Vec<RecordData>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    // Aerospike runs the stream only over batches that have records.
    if records.is_empty() {
        return Ok(());
    }
    let failure = |message: &str| format!("UDF: Execution Error 2 : {message}");
    let (lua_state, deadline) = {
        let state = shard.state.borrow();
        let deadline = Instant::now() + Duration::from_millis(state.service.udf_time_limit_ms);
        (super::take_state(&state, &aggregate.file, state.service.udf_memory_limit as usize), deadline)
    };
    let lua_state = lua_state.map_err(|e| failure(&e))?;
    let (values, reuse) = lua_state
        .call_stream(&aggregate.function, records, &aggregate.arglist, deadline, crate::ground::task::yield_to_io)
        .await;
    if reuse == Reuse::Yes {
        super::give_back(&aggregate.file, lua_state);
    }
    for value in values.map_err(|e| failure(&e))? {
        let particle = value::to_particle(&value).map_err(|_| failure("a value the stream produced cannot be sent"))?;
        let start = out.len();
        let mut w = MessageWriter::begin(out, &MsgHeader::default());
        match &particle {
            Some((p, bytes)) => crate::transaction::put_bin(&mut w, *p as u8, b"SUCCESS", bytes),
            None => w.op(OpType::Read as u8, ParticleType::Null as u8, b"SUCCESS", &[]),
        }
        w.finish();
        out.drain(start..start + PROTO_HEADER_SIZE);
    }
    Ok(())
}
