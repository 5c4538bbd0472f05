//! An op's payload (§A.1): `[op_code, arg1, arg2, ...]`, or `[0xFF, [ctx...], [op_code, ...]]`
//! with a context. Arguments are read by position and kind, as the server's op table does:
//! an index is an int64, a count or flags an unsigned int, a value any element.

use super::msgpack::{self, element_ranges, read_header, Header};
use super::CdtError;

/// Op code that wraps an op in a context.
pub const CONTEXT_EVAL: i64 = 0xFF;
/// Op code of a path select or modify (server 8.1).
pub const SELECT: i64 = 0xFE;

/// A decoded payload: the op code, its arguments (each one element's bytes) and the context
/// pairs, if any.
#[derive(Debug, Clone)]
pub struct Payload<'a> {
    /// The op code.
    pub code: i64,
    /// The arguments after the code.
    pub args: Vec<&'a [u8]>,
    /// Context pairs `(type, value element)`, outermost first; empty without a context.
    pub context: Vec<(u64, &'a [u8])>,
}

/// The elements of the array at the start of `bytes`, which must be exactly that array.
fn array_elements(bytes: &[u8]) -> Result<Vec<&[u8]>, CdtError> {
    let (header, pos) = read_header(bytes, 0)?;
    let Header::List(n) = header else { return Err(CdtError::Parameter) };
    let (ranges, end) = element_ranges(bytes, pos, u64::from(n))?;
    if end != bytes.len() {
        return Err(CdtError::Parameter);
    }
    Ok(ranges.into_iter().map(|r| &bytes[r]).collect())
}

/// Parses an op's payload.
pub fn parse(bytes: &[u8]) -> Result<Payload<'_>, CdtError> {
    let elements = array_elements(bytes)?;
    let (first, rest) = elements.split_first().ok_or(CdtError::Parameter)?;
    let code = int(first)?;
    if code != CONTEXT_EVAL {
        return Ok(Payload { code, args: rest.to_vec(), context: Vec::new() });
    }
    let [context, op] = rest else { return Err(CdtError::Parameter) };
    let context = context_pairs(context)?;
    let inner = array_elements(op)?;
    let (first, args) = inner.split_first().ok_or(CdtError::Parameter)?;
    let code = int(first)?;
    if code == CONTEXT_EVAL || code == SELECT {
        return Err(CdtError::Parameter);
    }
    Ok(Payload { code, args: args.to_vec(), context })
}

/// A packed context, `[type, value, type, value, ...]` (at least one level): its pairs
/// `(type, value element)`, outermost first.
pub fn context_pairs(context: &[u8]) -> Result<Vec<(u64, &[u8])>, CdtError> {
    let pairs = array_elements(context)?;
    if pairs.is_empty() || pairs.len() % 2 != 0 {
        return Err(CdtError::Parameter);
    }
    pairs.chunks(2).map(|pair| Ok((uint(pair[0])?, pair[1]))).collect()
}

/// An int64 argument (an index, a rank).
pub fn int(element: &[u8]) -> Result<i64, CdtError> {
    match read_header(element, 0)? {
        (Header::Int(v), end) if end == element.len() => Ok(v),
        _ => Err(CdtError::Parameter),
    }
}

/// An unsigned argument (a count, flags, a return type).
pub fn uint(element: &[u8]) -> Result<u64, CdtError> {
    match read_header(element, 0)? {
        (Header::Int(v), end) if end == element.len() && v >= 0 => Ok(v as u64),
        (Header::UInt(v), end) if end == element.len() => Ok(v),
        _ => Err(CdtError::Parameter),
    }
}

/// The argument list of an op, checked against the op's minimum and maximum count.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a, 'b> {
    args: &'b [&'a [u8]],
}

impl<'a, 'b> Args<'a, 'b> {
    /// The arguments, if their number is within `min..=max`.
    pub fn new(args: &'b [&'a [u8]], min: usize, max: usize) -> Result<Args<'a, 'b>, CdtError> {
        if args.len() < min || args.len() > max {
            return Err(CdtError::Parameter);
        }
        Ok(Args { args })
    }

    /// The element at `i` (a value), which must be one well-formed element.
    pub fn value(&self, i: usize) -> Result<&'a [u8], CdtError> {
        let element = *self.args.get(i).ok_or(CdtError::Parameter)?;
        msgpack::check_one(element)?;
        Ok(element)
    }

    /// The element at `i`, if sent.
    pub fn opt_value(&self, i: usize) -> Result<Option<&'a [u8]>, CdtError> {
        if i < self.args.len() {
            self.value(i).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The int64 at `i`.
    pub fn int(&self, i: usize) -> Result<i64, CdtError> {
        int(self.args.get(i).ok_or(CdtError::Parameter)?)
    }

    /// The unsigned int at `i`, or `default` if not sent.
    pub fn uint_or(&self, i: usize, default: u64) -> Result<u64, CdtError> {
        match self.args.get(i) {
            Some(element) => uint(element),
            None => Ok(default),
        }
    }

    /// The unsigned int at `i`, if sent.
    pub fn opt_uint(&self, i: usize) -> Result<Option<u64>, CdtError> {
        self.args.get(i).map(|element| uint(element)).transpose()
    }

    /// The count at `i`: absent, or sent negative (read as a huge unsigned number, as the
    /// server does), means "to the end".
    pub fn opt_count(&self, i: usize) -> Result<Option<u64>, CdtError> {
        let Some(element) = self.args.get(i) else { return Ok(None) };
        match read_header(element, 0)? {
            (Header::Int(v), end) if end == element.len() => Ok((v >= 0).then_some(v as u64)),
            (Header::UInt(v), end) if end == element.len() => Ok(Some(v)),
            _ => Err(CdtError::Parameter),
        }
    }

    /// The elements of the list at `i` (a list of values or items).
    pub fn list(&self, i: usize) -> Result<Vec<&'a [u8]>, CdtError> {
        let element = self.value(i)?;
        let mut items = array_elements(element)?;
        // A list argument may carry metadata (an ordered list of items): it is not an item.
        if items.first().is_some_and(|first| msgpack::metadata_flags(first).is_some()) {
            items.remove(0);
        }
        Ok(items)
    }

    /// Number of arguments sent.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// True if none were sent.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_context_payloads() {
        // [1, "a"] (append "a")
        let plain = [0x92, 0x01, 0xa2, 3, b'a'];
        let p = parse(&plain).unwrap();
        assert_eq!(p.code, 1);
        assert_eq!(p.args, vec![&[0xa2, 3, b'a'][..]]);
        assert!(p.context.is_empty());
        // [0xFF, [0x10, 0], [17, 1]] (get index 1 of the list at index 0)
        let with_context = [0x93, 0xcc, 0xff, 0x92, 0x10, 0x00, 0x92, 0x11, 0x01];
        let p = parse(&with_context).unwrap();
        assert_eq!(p.code, 17);
        assert_eq!(p.context, vec![(0x10, &[0x00][..])]);
        assert_eq!(p.args, vec![&[0x01][..]]);
    }

    #[test]
    fn malformed_payloads_are_parameter_errors() {
        for bad in [
            &[][..],
            &[0x90],
            &[0x91, 0xa1, 3],
            &[0x92, 0x01],
            &[0x93, 0xcc, 0xff, 0x91, 0x10, 0x91, 0x11],
            &[0x93, 0xcc, 0xff, 0x90, 0x91, 0x11],
            &[0x92, 0x01, 0x02, 0x03],
        ] {
            assert_eq!(parse(bad).unwrap_err(), CdtError::Parameter, "{bad:02x?}");
        }
        let args = [&[0x01][..]];
        assert!(Args::new(&args, 2, 3).is_err());
        assert_eq!(Args::new(&args, 1, 1).unwrap().int(0), Ok(1));
        assert_eq!(Args::new(&args, 1, 2).unwrap().uint_or(1, 9), Ok(9));
    }
}
