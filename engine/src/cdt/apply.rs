//! The entry point: one CDT op (its as_msg op type and payload) on one bin.

use super::args;
use super::context;
use super::list;
use super::map;
use super::result::{particle, CdtResult};
use super::CdtError;

/// The as_msg op type a CDT op came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpClass {
    /// CDT_READ (3): the op must be a read op.
    Read,
    /// CDT_MODIFY (4): the op must be a modify op.
    Modify,
}

/// A bin's current value.
#[derive(Debug, Clone, Copy)]
pub struct BinValue<'a> {
    /// Its particle type.
    pub particle: u8,
    /// Its stored bytes.
    pub bytes: &'a [u8],
}

/// What an op did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdtOutcome {
    /// The bin's new value (particle type, bytes), if the op changed or created it.
    pub new: Option<(u8, Vec<u8>)>,
    /// The op's result.
    pub result: CdtResult,
}

/// Runs the CDT op `payload` (an op of `class`) on `bin` (`None` if the record has no such
/// bin).
pub fn apply(class: OpClass, payload: &[u8], bin: Option<BinValue<'_>>) -> Result<CdtOutcome, CdtError> {
    let payload = args::parse(payload)?;
    let code = payload.code;
    // Path select and modify (§A.9) run through `path::run`, which needs an expression engine;
    // here (a call inside an expression) they are not supported.
    if code == args::SELECT {
        return Err(CdtError::Unsupported);
    }
    let (is_read, particle) = if list::is_list_op(code) {
        (list::is_read(code), particle::LIST)
    } else if map::is_map_op(code) {
        (map::is_read(code), particle::MAP)
    } else {
        return Err(CdtError::Parameter);
    };
    // A read code in a modify op, or the reverse, is refused.
    if is_read != (class == OpClass::Read) {
        return Err(CdtError::Parameter);
    }
    if !payload.context.is_empty() {
        // Through a context the bin may hold either kind of container (4 for anything else).
        let current = match bin {
            None => None,
            Some(bin) if bin.particle == particle::LIST || bin.particle == particle::MAP => Some(bin.bytes),
            Some(_) => return Err(CdtError::Parameter),
        };
        let op = context::LeafOp { code, args: &payload.args, read: is_read };
        let walked = context::apply(&op, &payload.context, current)?;
        let new = match walked.new {
            Some(bytes) => {
                let top = if matches!(bytes.first(), Some(0x80..=0x8f | 0xde | 0xdf)) {
                    particle::MAP
                } else {
                    particle::LIST
                };
                Some((top, bytes))
            }
            None => None,
        };
        return Ok(CdtOutcome { new, result: walked.result });
    }
    let current = match bin {
        None => None,
        Some(bin) if bin.particle == particle => Some(bin.bytes),
        Some(_) => return Err(CdtError::IncompatibleType),
    };
    let (new, result) = if particle == particle::LIST {
        let applied = list::apply(code, &payload.args, current)?;
        (applied.new, applied.result)
    } else {
        let applied = map::apply(code, &payload.args, current, map::Level::Top)?;
        (applied.new, applied.result)
    };
    Ok(CdtOutcome { new: new.map(|bytes| (particle, bytes)), result })
}
