//! The Scramjet smart client (not built yet: see issue 4, "The smart client").
//!
//! This crate will hold the runtime-independent client core (tending, partition map, routing,
//! retries) over the `scramjet-net` codecs, with a C ABI, a C++ wrapper and a Python package on
//! top. Until then it is empty on purpose: the official Aerospike clients are the way to talk to
//! `scramjetd`.
