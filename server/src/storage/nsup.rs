//! The expiry sweep ("namespace supervisor"): per shard, every `nsup-period` seconds (and right
//! after a truncate), reap the expired and truncated records of each namespace one partition at a time, yielding to I/O between partitions once a millisecond has passed so
//! that client requests are not stalled.

use std::rc::Rc;
use std::time::Duration;

use super::Host;
use crate::log;

/// How often the sweeper looks at its schedule (the `nsup-period` granularity).
const TICK: Duration = Duration::from_secs(1);

/// Runs the sweeps of one shard forever.
pub async fn run<H: Host>(shard: Rc<H>) {
    let n_namespaces = shard.hosted().len();
    let mut seconds_since_sweep = vec![0u64; n_namespaces];
    loop {
        glommio::timer::Timer::new(TICK).await;
        for (index, since) in seconds_since_sweep.iter_mut().enumerate() {
            *since += 1;
            let period = u64::from(shard.hosted()[index].config.nsup_period_secs);
            let requested = std::mem::take(&mut shard.hosted_mut()[index].sweep_requested);
            if !requested && (period == 0 || *since < period) {
                continue;
            }
            *since = 0;
            let name = shard.node().namespaces[index].as_str();
            let n_local = shard.hosted()[index].stores.len();
            for local in 0..n_local {
                let reaped = sweep(&shard, index, local).await;
                if reaped > 0 {
                    log!(Debug, "nsup", "{{{name}}} shard {} reaped {reaped} expired records", shard.shard_id());
                }
                let evicted = {
                    let mut all = shard.hosted_mut();
                    let hosted = &mut all[index];
                    let (used_pct, tenths) = (hosted.config.evict_used_pct, hosted.config.evict_tenths_pct);
                    hosted.stores[local].evict(used_pct, tenths, crate::ground::clock::now())
                };
                match evicted {
                    Ok(0) => {}
                    Ok(n) => {
                        log!(
                            Info,
                            "nsup",
                            "{{{name}}} shard {} evicted {n} records nearest their expiry",
                            shard.shard_id()
                        )
                    }
                    Err(e) => log!(Warning, "nsup", "{{{name}}} shard {} cannot evict: {e}", shard.shard_id()),
                }
            }
        }
    }
}

async fn sweep(shard: &impl Host, index: usize, store: usize) -> u64 {
    let n_partitions = shard.hosted()[index].stores[store].n_partitions();
    let mut reaped = 0;
    let mut slice = crate::ground::task::Slice::new();
    for partition in 0..n_partitions {
        let now = crate::ground::clock::now();
        reaped += shard.hosted_mut()[index].stores[store].reap_expired(partition, now);
        slice.yield_if_spent().await;
    }
    reaped
}
