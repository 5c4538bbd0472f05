//! Layer 6, edges: where requests arrive from outside the node. The client connection loop
//! ([`service`]), the fabric's arriving frames ([`fabric`]) and the info commands ([`info`])
//! parse what comes in, hand it to the layer that runs it and write the answer. Nothing below
//! imports them.

pub mod admin;
pub mod fabric;
pub mod info;
pub mod metrics;
pub mod service;
pub mod ticker;
