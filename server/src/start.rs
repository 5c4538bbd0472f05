//! What each shard runs once the runtime has started it: cold start of its stores, then its
//! device I/O, defrag and expiry tasks, then its secondary indexes built, then its listeners
//! (the service port, its own shard port, the fabric port) and, on shard 0 of a clustered node,
//! the coordinator. The top of the layer stack: it names every layer, and nothing imports it
//! but `main`.

use std::rc::Rc;

use crate::edge;
use crate::ground::socket::listen;
use crate::shard::Shard;
use crate::storage;

/// Brings shard `shard` up; fails (and the node does not start) with the reason.
pub async fn shard(shard: Rc<Shard>) -> Result<(), String> {
    let node = shard.node.clone();
    let id = shard.id;
    // Index definitions before the records, as Aerospike accepts them before storage loads;
    // the indexes are built once the records are back.
    if id == 0 {
        shard.state.borrow_mut().smd = node.smd_at_start.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
    for (module, items) in &node.smd_live_at_start {
        crate::cluster::smd::accept(&shard, *module, items);
    }
    // Cold start before serving: every record on the devices is back in the index first.
    let io = storage::device::start(&shard, &node.devices).await.map_err(|reason| format!("shard {id}: {reason}"))?;
    let _ = shard.io.set(io);
    storage::device::spawn_tasks(&shard);
    glommio::spawn_local(storage::nsup::run(shard.clone())).detach();
    // The secondary indexes are built from the records before the shard serves, as Aerospike
    // builds them before it starts its service: queries never meet a half-built index then.
    crate::transaction::sindex::build(shard.clone()).await;

    let endpoint = &node.config.service_endpoint;
    let listener = listen(endpoint.address, endpoint.port, true)
        .map_err(|e| format!("shard {id} cannot listen on {}:{}: {e}", endpoint.address, endpoint.port))?;
    if endpoint.shard_ports {
        let port = if endpoint.shard_port_base == 0 { 0 } else { u32::from(endpoint.shard_port_base) + id as u32 };
        let port = u16::try_from(port)
            .map_err(|_| format!("shard {id}: shard-port-base {} + {id} is past 65535", endpoint.shard_port_base))?;
        // No SO_REUSEPORT here: the port is this shard's alone.
        let own = listen(endpoint.address, port, false)
            .and_then(|l| {
                let port = l.local_addr().map_err(std::io::Error::from)?.port();
                Ok((l, port))
            })
            .map_err(|e| format!("shard {id} cannot listen on {}:{port}: {e}", endpoint.address))?;
        node.shard_ports[id].store(own.1, std::sync::atomic::Ordering::Release);
        glommio::spawn_local(edge::service::accept(shard.clone(), own.0)).detach();
    }
    if node.config.heartbeat.mesh {
        // Every shard takes fabric connections on the one port, like the service port.
        let fabric = &node.config.fabric_endpoint;
        let listener = listen(fabric.address, fabric.port, true).map_err(|e| {
            format!("shard {id} cannot listen on the fabric port {}:{}: {e}", fabric.address, fabric.port)
        })?;
        glommio::spawn_local(edge::fabric::listen(shard.clone(), listener)).detach();
        if id == 0 {
            let (socket, seeds) = crate::cluster::coordinator::bind(&node)?;
            glommio::spawn_local(crate::cluster::coordinator::run(shard.clone(), socket, seeds)).detach();
        }
    }
    if id == 0 {
        glommio::spawn_local(edge::ticker::run(shard.clone())).detach();
        if let Some(metrics) = &node.config.metrics_endpoint {
            let listener = listen(metrics.address, metrics.port, false)
                .map_err(|e| format!("cannot listen for metrics on {}:{}: {e}", metrics.address, metrics.port))?;
            glommio::spawn_local(edge::metrics::serve(shard.clone(), listener)).detach();
        }
    }
    if let Some(tls) = &node.config.service_tls {
        let tls_listener = listen(tls.address, tls.port, true)
            .map_err(|e| format!("shard {id} cannot listen on the TLS port {}:{}: {e}", tls.address, tls.port))?;
        glommio::spawn_local(edge::service::accept_tls(shard.clone(), tls_listener)).detach();
    }
    glommio::spawn_local(edge::service::accept(shard, listener)).detach();
    Ok(())
}
