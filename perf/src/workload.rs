//! The choices a run makes for each operation: which key, read or write, and what values. All
//! deterministic from a seed, so the tests can count what they choose.

use scramjet::Value;

use crate::spec::{BinSpec, Distribution};

/// xorshift64*: fast, and good enough to pick keys and values.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value; zero is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (n > 0), without modulo bias worth caring about for n < 2^32.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `pct` percent.
    pub fn percent(&mut self, pct: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 100.0 < pct
    }
}

/// Picks keys from `start .. start + count` by a distribution.
#[derive(Debug, Clone)]
pub struct KeyChooser {
    start: u64,
    count: u64,
    hot: Option<(u64, f64)>, // (number of hot keys, share of operations in percent)
}

impl KeyChooser {
    /// A chooser over `count` keys from `start`.
    pub fn new(start: u64, count: u64, distribution: Distribution) -> KeyChooser {
        assert!(count > 0);
        let hot = match distribution {
            Distribution::Uniform => None,
            Distribution::Hotspot { keys_pct, ops_pct } => {
                let n = ((count as f64 * keys_pct / 100.0).round() as u64).clamp(1, count);
                Some((n, ops_pct))
            }
        };
        KeyChooser { start, count, hot }
    }

    /// The next key.
    pub fn next(&self, rng: &mut Rng) -> u64 {
        match self.hot {
            None => self.start + rng.below(self.count),
            Some((n, ops_pct)) if n == self.count => {
                let _ = ops_pct;
                self.start + rng.below(n)
            }
            Some((n, ops_pct)) => {
                if rng.percent(ops_pct) {
                    self.start + rng.below(n)
                } else {
                    self.start + n + rng.below(self.count - n)
                }
            }
        }
    }
}

/// Makes bin values for writes. Strings and bytes come from a pool made once, so a write
/// costs no random text generation.
#[derive(Debug)]
pub struct ValueMaker {
    names: Vec<String>,
    specs: Vec<BinSpec>,
    pools: Vec<Vec<Value>>,
}

const POOL: usize = 64;

impl ValueMaker {
    /// Values for `specs`; bins are named `bin`, `bin_2`, `bin_3`, … (as asbench names them).
    pub fn new(bin: &str, specs: &[BinSpec], rng: &mut Rng) -> ValueMaker {
        let names =
            (0..specs.len()).map(|i| if i == 0 { bin.to_string() } else { format!("{bin}_{}", i + 1) }).collect();
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let pools = specs
            .iter()
            .map(|spec| match *spec {
                BinSpec::Str(n) => (0..POOL)
                    .map(|_| {
                        let s: String = (0..n).map(|_| ALNUM[rng.below(ALNUM.len() as u64) as usize] as char).collect();
                        Value::Str(s)
                    })
                    .collect(),
                BinSpec::Bytes(n) => {
                    (0..POOL).map(|_| Value::Bytes((0..n).map(|_| rng.next_u64() as u8).collect())).collect()
                }
                BinSpec::Map(n) => (0..POOL)
                    .map(|_| {
                        Value::Map((0..n as i64).map(|k| (Value::Int(k), Value::Int(rng.below(1000) as i64))).collect())
                    })
                    .collect(),
                BinSpec::Int | BinSpec::Double => Vec::new(),
            })
            .collect();
        ValueMaker { names, specs: specs.to_vec(), pools }
    }

    /// One value per bin, with its name: numbers are made in `numbers`, strings and bytes are
    /// borrowed from the pools (no copy per write).
    pub fn bins<'a>(&'a self, rng: &mut Rng, numbers: &'a mut Vec<Value>) -> Vec<(&'a str, &'a Value)> {
        numbers.clear();
        let mut picks = Vec::with_capacity(self.specs.len());
        for spec in &self.specs {
            let (number, pick) = match spec {
                BinSpec::Int => (Value::Int(rng.next_u64() as i64), 0),
                BinSpec::Double => (Value::Float((rng.next_u64() >> 11) as f64 / 1024.0), 0),
                BinSpec::Str(_) | BinSpec::Bytes(_) | BinSpec::Map(_) => (Value::Nil, rng.below(POOL as u64) as usize),
            };
            numbers.push(number);
            picks.push(pick);
        }
        let numbers: &'a Vec<Value> = numbers;
        (0..self.specs.len())
            .map(|i| {
                let value = if self.pools[i].is_empty() { &numbers[i] } else { &self.pools[i][picks[i]] };
                (self.names[i].as_str(), value)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_keys_cover_the_range_evenly() {
        let chooser = KeyChooser::new(1000, 10, Distribution::Uniform);
        let mut rng = Rng::new(1);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            let k = chooser.next(&mut rng);
            assert!((1000..1010).contains(&k));
            counts[(k - 1000) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..=10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn hotspot_sends_its_share_to_the_hot_keys() {
        let chooser = KeyChooser::new(0, 1000, Distribution::Hotspot { keys_pct: 10.0, ops_pct: 90.0 });
        let mut rng = Rng::new(7);
        let n = 200_000;
        let hot = (0..n).filter(|_| chooser.next(&mut rng) < 100).count();
        let share = hot as f64 / n as f64;
        assert!((0.89..0.91).contains(&share), "hot share {share}");
    }

    #[test]
    fn values_follow_the_spec() {
        let mut rng = Rng::new(3);
        let maker = ValueMaker::new("testbin", &[BinSpec::Int, BinSpec::Str(100), BinSpec::Bytes(7)], &mut rng);
        let mut numbers = Vec::new();
        let bins = maker.bins(&mut rng, &mut numbers);
        let names: Vec<&str> = bins.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["testbin", "testbin_2", "testbin_3"]);
        assert!(matches!(bins[0].1, Value::Int(_)));
        assert!(matches!(bins[1].1, Value::Str(s) if s.len() == 100 && s.bytes().all(|b| b.is_ascii_alphanumeric())));
        assert!(matches!(bins[2].1, Value::Bytes(b) if b.len() == 7));
    }

    #[test]
    fn percent_is_calibrated() {
        let mut rng = Rng::new(11);
        let hits = (0..100_000).filter(|_| rng.percent(30.0)).count();
        assert!((29_000..31_000).contains(&hits), "{hits}");
    }
}
