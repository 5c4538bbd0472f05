//! Increments (list INCREMENT, map INCREMENT and DECREMENT; §A.10 and Aerospike's
//! `cdt_calc_delta_*`): the delta is an int, a double, or nil/absent for 1; the stored element's
//! type wins (a double delta on an int is truncated toward zero); a missing element starts from
//! 0 of the delta's type.

use super::msgpack::{self, read_header, Header};
use super::CdtError;

/// An int or a double.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// A signed integer (an unsigned one above i64::MAX wraps, as C adds it).
    Int(i64),
    /// A double.
    Double(f64),
}

impl Number {
    /// The number `element` holds, if it is one.
    pub fn of(element: &[u8]) -> Result<Option<Number>, CdtError> {
        Ok(match read_header(element, 0)?.0 {
            Header::Int(v) => Some(Number::Int(v)),
            Header::UInt(v) => Some(Number::Int(v as i64)),
            Header::Double(v) => Some(Number::Double(v)),
            _ => None,
        })
    }

    /// The delta an op sent: nil or absent is 1; anything but a number is 4.
    pub fn delta(element: Option<&[u8]>) -> Result<Number, CdtError> {
        match element {
            None | Some([0xc0]) => Ok(Number::Int(1)),
            Some(element) => Number::of(element)?.ok_or(CdtError::Parameter),
        }
    }

    /// The negated number (DECREMENT).
    pub fn negated(self) -> Number {
        match self {
            Number::Int(v) => Number::Int(v.wrapping_neg()),
            Number::Double(v) => Number::Double(-v),
        }
    }

    /// Zero of this number's type: where a missing element starts.
    pub fn zero(self) -> Number {
        match self {
            Number::Int(_) => Number::Int(0),
            Number::Double(_) => Number::Double(0.0),
        }
    }

    /// `self + delta`, in `self`'s type.
    pub fn plus(self, delta: Number) -> Number {
        match (self, delta) {
            (Number::Int(x), Number::Int(d)) => Number::Int(x.wrapping_add(d)),
            (Number::Int(x), Number::Double(d)) => Number::Int(x.wrapping_add(d as i64)),
            (Number::Double(x), Number::Int(d)) => Number::Double(x + d as f64),
            (Number::Double(x), Number::Double(d)) => Number::Double(x + d),
        }
    }

    /// The packed element.
    pub fn pack(self) -> Vec<u8> {
        let mut packed = Vec::with_capacity(9);
        match self {
            Number::Int(v) => msgpack::pack_int(&mut packed, v),
            Number::Double(v) => msgpack::pack_double(&mut packed, v),
        }
        packed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_type_wins() {
        assert_eq!(Number::Int(5).plus(Number::Double(1.9)), Number::Int(6));
        assert_eq!(Number::Int(5).plus(Number::Double(-0.5)), Number::Int(5));
        assert_eq!(Number::Double(1.5).plus(Number::Int(1)), Number::Double(2.5));
        assert_eq!(Number::Int(i64::MAX).plus(Number::Int(1)), Number::Int(i64::MIN));
        assert_eq!(Number::delta(None), Ok(Number::Int(1)));
        assert_eq!(Number::delta(Some(&[0xa2, 3, b'x'])), Err(CdtError::Parameter));
        assert_eq!(Number::Double(2.0).zero(), Number::Double(0.0));
    }
}
