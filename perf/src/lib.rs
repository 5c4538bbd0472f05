//! scramjet-perf, the load generator (not built yet: see issue 5, "scramjet-perf").
//!
//! It will drive load through the client core of `client-c-abi` and report HDR-histogram
//! latencies. Until then it is empty on purpose.
