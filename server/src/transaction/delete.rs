//! Record deletes.

use scramjet_engine::{NamespaceStore, Now};
use scramjet_net::message::info2;
use scramjet_net::response::write_status;
use scramjet_net::{Digest, Message, ResultCode};

use super::write::check_generation;
use super::TxnError;

/// Deletes the record and appends the response to `out`; returns the delete's append sequence
/// (for durability waits).
pub fn run(
    ns: &mut NamespaceStore,
    msg: &Message<'_>,
    digest: &Digest,
    now: Now,
    out: &mut Vec<u8>,
    filter: Option<&super::filter::Filter>,
) -> Result<u64, TxnError> {
    let record = ns.get(digest, now).ok_or(TxnError::NotFound)?;
    super::filter::check(filter, ns, digest, &record, now)?;
    check_generation(&msg.header, record.meta.generation)?;
    let durable = msg.header.info2 & info2::DURABLE_DELETE != 0;
    let (_, seq) = ns.remove(digest, now, durable)?.ok_or(TxnError::NotFound)?;
    write_status(out, ResultCode::Ok, 0, 0);
    Ok(seq)
}
