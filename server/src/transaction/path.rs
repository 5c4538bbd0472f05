//! Path select and modify (CDT op 0xFE; PROTOCOL-DATA.md §A.9): the walk is the engine's
//! (`scramjet_engine::cdt::path`), the expressions of its levels and its modify expression are
//! run here, with the child's key, value and index as the built-in variables. As in Aerospike
//! (`as_exp_matches_metadata` with no record), they see no bins and no stored key.

use scramjet_engine::cdt::path::{self, Child, Mode, Modified, PathExp, PathOp, PathOutcome};
use scramjet_engine::cdt::{CdtError, OpClass};
use scramjet_engine::{Now, RecordMeta};
use scramjet_net::{Digest, ParticleType};

use super::filter::{path_test, path_value, Builtins, Filter, PathValue, Subject};
use super::TxnError;

/// The record a path op runs in.
#[derive(Debug, Clone, Copy)]
pub struct PathRecord<'r> {
    /// Its metadata.
    pub meta: RecordMeta,
    /// Its set name.
    pub set_name: &'r [u8],
    /// Its digest.
    pub digest: &'r Digest,
    /// The time now.
    pub now: Now,
}

/// A path op's expressions, compiled once (per command, or per op).
#[derive(Debug)]
pub struct PathExps {
    /// Per level: its expression (`None` for `true` or a level that is not an expression) and
    /// its AND expression.
    levels: Vec<(Option<Filter>, Option<Filter>)>,
    apply: Option<Filter>,
}

impl PathExps {
    /// Compiles the expressions of path op `op` (4 if one does not build).
    pub fn compile(op: &PathOp<'_>) -> Result<PathExps, TxnError> {
        let levels = op
            .levels
            .iter()
            .map(|l| {
                let main = match l.by {
                    path::By::Exp(exp) => compile(exp)?,
                    _ => None,
                };
                Ok((main, compile(l.and_exp)?))
            })
            .collect::<Result<Vec<_>, TxnError>>()?;
        Ok(PathExps { levels, apply: compile(op.apply_exp)? })
    }
}

/// Runs compiled path expressions on the children the walk asks about.
struct Runner<'r> {
    exps: &'r PathExps,
    record: PathRecord<'r>,
}

impl Runner<'_> {
    fn subject<'a>(
        &'a self,
        filter: &'a Filter,
        child: Child<'a>,
        bins: &'a Vec<(&'a [u8], ParticleType, &'a [u8])>,
    ) -> Subject<'a> {
        Subject {
            builtins: Some(Builtins { key: child.key, value: child.value, index: child.index }),
            compiled: filter.compiled(),
            key: None,
            bins,
            meta: self.record.meta,
            size: 0,
            set_name: self.record.set_name,
            now: self.record.now,
            digest: self.record.digest,
        }
    }
}

impl PathExp for Runner<'_> {
    fn test(&self, level: usize, and: bool, child: Child<'_>) -> Option<bool> {
        let (main, and_exp) = &self.exps.levels[level];
        let Some(filter) = (if and { and_exp } else { main }) else { return Some(true) };
        let bins = Vec::new();
        path_test(filter.exp(), &self.subject(filter, child, &bins))
    }

    fn modify(&self, child: Child<'_>) -> Modified {
        let Some(filter) = &self.exps.apply else { return Modified::Unknown };
        let bins = Vec::new();
        match path_value(filter.exp(), &self.subject(filter, child, &bins)) {
            Some(PathValue::Remove) => Modified::Remove,
            Some(PathValue::Packed(bytes)) => Modified::Replace(bytes),
            None => Modified::Unknown,
        }
    }
}

/// Runs a parsed path op with its compiled expressions on the bytes of a list or map.
pub fn walk(op: &PathOp<'_>, exps: &PathExps, bytes: &[u8], record: PathRecord<'_>) -> Result<PathOutcome, CdtError> {
    path::run(op, bytes, &Runner { exps, record })
}

fn compile(bytes: Option<&[u8]>) -> Result<Option<Filter>, TxnError> {
    bytes.map(Filter::parse).transpose().map_err(|_| CdtError::Parameter.into())
}

/// Runs path op `payload` (of `class`) on `bin` (its type and bytes; `None` if the record has no
/// such bin). A read of a missing bin answers nothing; a modify of one, or a bin that is not a
/// list or map, answers 12; APPLY in a read op, a malformed path or an expression that does not
/// build answers 4.
pub fn run(
    class: OpClass,
    payload: &[u8],
    bin: Option<(ParticleType, &[u8])>,
    record: PathRecord<'_>,
) -> Result<PathOutcome, TxnError> {
    let op: PathOp<'_> = path::parse(payload)?;
    if op.mode == Mode::Apply && class == OpClass::Read {
        return Err(CdtError::Parameter.into());
    }
    let (particle, bytes) = match bin {
        None if class == OpClass::Read => {
            return Ok(PathOutcome { new: None, result: scramjet_engine::cdt::CdtResult::None })
        }
        None => return Err(CdtError::IncompatibleType.into()),
        Some(bin) => bin,
    };
    if !matches!(particle, ParticleType::List | ParticleType::Map) {
        return Err(CdtError::IncompatibleType.into());
    }
    let exps = PathExps::compile(&op)?;
    Ok(walk(&op, &exps, bytes, record)?)
}
