//! What a run does, parsed from asbench-style flag values: the object spec (`-o I,S100`), the
//! workload (`-w RU,80`) and the key distribution (`--distribution hotspot:10,90`).

use std::fmt;

/// One bin of the object spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinSpec {
    /// `I` (or `I1`..`I8`): a random 64-bit integer.
    Int,
    /// `D`: a random double.
    Double,
    /// `S<n>`: a string of `n` random letters and digits.
    Str(usize),
    /// `B<n>`: `n` random bytes.
    Bytes(usize),
    /// `M<n>`: a map of `n` entries, integer keys `0..n` to random integers (the records the
    /// `MU` workload works on).
    Map(usize),
}

/// Parses `I`, `D`, `S100`, `B1000`, or several separated by commas (one bin each).
pub fn parse_object_spec(text: &str) -> Result<Vec<BinSpec>, String> {
    let size = |rest: &str, token: &str| -> Result<usize, String> {
        match rest.parse::<usize>() {
            Ok(n) if (1..=16 << 20).contains(&n) => Ok(n),
            _ => Err(format!("object spec '{token}': the size must be 1 to 16777216")),
        }
    };
    let mut bins = Vec::new();
    for token in text.split(',').map(str::trim) {
        let (kind, rest) = token.split_at(token.chars().next().map_or(0, char::len_utf8));
        let bin = match kind {
            "I" if rest.is_empty() || matches!(rest.parse::<u8>(), Ok(1..=8)) => BinSpec::Int,
            "D" if rest.is_empty() => BinSpec::Double,
            "S" => BinSpec::Str(size(rest, token)?),
            "B" => BinSpec::Bytes(size(rest, token)?),
            "M" => match rest.parse::<usize>() {
                Ok(n) if (1..=100_000).contains(&n) => BinSpec::Map(n),
                _ => return Err(format!("object spec '{token}': a map has 1 to 100000 entries")),
            },
            _ => {
                return Err(format!(
                    "object spec '{token}' is not one of I, D, S<size>, B<size>, M<entries> (e.g. -o I,S100)"
                ))
            }
        };
        bins.push(bin);
    }
    if bins.is_empty() || bins.len() > 100 {
        return Err("the object spec needs 1 to 100 bins".into());
    }
    Ok(bins)
}

/// What the run does with its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `I`: insert every key of the range once, then stop.
    Insert,
    /// `RU,<read %>`: random reads and updates (writes of every bin).
    ReadUpdate {
        /// Share of reads, 0..=100.
        read_pct: u8,
    },
    /// `RR,<read %>`: random reads and replaces (the record's bins replaced whole).
    ReadReplace {
        /// Share of reads, 0..=100.
        read_pct: u8,
    },
    /// `D`: delete every key of the range once, then stop.
    Delete,
    /// `MU,<read %>`: map operations on records whose first bin is a map (`-o M<n>`): reads get
    /// one random entry by key, updates increment one.
    MapUpdate {
        /// Share of reads, 0..=100.
        read_pct: u8,
    },
    /// `IU,<read %>`: reads and increments of the first bin by 1 (an operate add).
    Increment {
        /// Share of reads, 0..=100.
        read_pct: u8,
    },
    /// `UF,<read %>`: reads and record UDF calls (`--udf-module`, `--udf-function`,
    /// `--udf-args`, as asbench's `-upn`, `-ufn`, `-ufv`).
    Udf {
        /// Share of reads, 0..=100.
        read_pct: u8,
    },
}

impl Workload {
    /// True if the workload walks the key range once (and ends there).
    pub fn is_linear(self) -> bool {
        matches!(self, Workload::Insert | Workload::Delete)
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Workload::Insert => write!(f, "I"),
            Workload::ReadUpdate { read_pct } => write!(f, "RU,{read_pct}"),
            Workload::ReadReplace { read_pct } => write!(f, "RR,{read_pct}"),
            Workload::Delete => write!(f, "D"),
            Workload::MapUpdate { read_pct } => write!(f, "MU,{read_pct}"),
            Workload::Increment { read_pct } => write!(f, "IU,{read_pct}"),
            Workload::Udf { read_pct } => write!(f, "UF,{read_pct}"),
        }
    }
}

/// Parses `I`, `RU[,pct]`, `RR[,pct]`, `RO` (= `RU,100`), `D`, `MU[,pct]`, `IU[,pct]` or
/// `UF[,pct]`.
pub fn parse_workload(text: &str) -> Result<Workload, String> {
    let mut parts = text.split(',').map(str::trim);
    let kind = parts.next().unwrap_or("");
    let pct = |p: Option<&str>| -> Result<u8, String> {
        match p {
            None => Ok(50),
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|&v| v <= 100)
                .ok_or_else(|| format!("workload '{text}': the read share must be 0 to 100")),
        }
    };
    let workload = match kind {
        "I" => Workload::Insert,
        "RU" => Workload::ReadUpdate { read_pct: pct(parts.next())? },
        "RR" => Workload::ReadReplace { read_pct: pct(parts.next())? },
        "RO" => Workload::ReadUpdate { read_pct: 100 },
        "D" => Workload::Delete,
        "MU" => Workload::MapUpdate { read_pct: pct(parts.next())? },
        "IU" => Workload::Increment { read_pct: pct(parts.next())? },
        "UF" => Workload::Udf { read_pct: pct(parts.next())? },
        _ => {
            return Err(format!(
                "workload '{text}' is not one of I, RU,<pct>, RR,<pct>, RO, D, MU,<pct>, IU,<pct>, UF,<pct>"
            ))
        }
    };
    if parts.next().is_some() {
        return Err(format!("workload '{text}' has too many parts"));
    }
    Ok(workload)
}

/// How keys are picked for random workloads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    /// Every key equally likely.
    Uniform,
    /// `hotspot:<keys %>,<ops %>`: that share of the operations goes to that share of the keys
    /// (the first ones of the range).
    Hotspot {
        /// Share of the key range that is hot, in (0, 100).
        keys_pct: f64,
        /// Share of the operations that go to the hot keys, in [0, 100].
        ops_pct: f64,
    },
}

/// Parses `uniform` or `hotspot:<keys %>,<ops %>`.
pub fn parse_distribution(text: &str) -> Result<Distribution, String> {
    if text == "uniform" {
        return Ok(Distribution::Uniform);
    }
    let bad = || format!("distribution '{text}' is not 'uniform' or 'hotspot:<keys %>,<ops %>' (e.g. hotspot:1,90)");
    let rest = text.strip_prefix("hotspot:").ok_or_else(bad)?;
    let (k, o) = rest.split_once(',').ok_or_else(bad)?;
    let keys_pct: f64 = k.trim().parse().map_err(|_| bad())?;
    let ops_pct: f64 = o.trim().parse().map_err(|_| bad())?;
    if !(keys_pct > 0.0 && keys_pct < 100.0 && (0.0..=100.0).contains(&ops_pct)) {
        return Err(bad());
    }
    Ok(Distribution::Hotspot { keys_pct, ops_pct })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_specs() {
        assert_eq!(parse_object_spec("I").unwrap(), [BinSpec::Int]);
        assert_eq!(parse_object_spec("I,S100").unwrap(), [BinSpec::Int, BinSpec::Str(100)]);
        assert_eq!(parse_object_spec("B1000, D, I8").unwrap(), [BinSpec::Bytes(1000), BinSpec::Double, BinSpec::Int]);
        for bad in ["", "X", "S", "S0", "B-1", "I9", "Dx", "S100,"] {
            assert!(parse_object_spec(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn workloads() {
        assert_eq!(parse_workload("I").unwrap(), Workload::Insert);
        assert_eq!(parse_workload("RU,80").unwrap(), Workload::ReadUpdate { read_pct: 80 });
        assert_eq!(parse_workload("RU").unwrap(), Workload::ReadUpdate { read_pct: 50 });
        assert_eq!(parse_workload("RO").unwrap(), Workload::ReadUpdate { read_pct: 100 });
        assert_eq!(parse_workload("RR,0").unwrap(), Workload::ReadReplace { read_pct: 0 });
        assert_eq!(parse_workload("D").unwrap(), Workload::Delete);
        for bad in ["", "RU,101", "RU,x", "RU,1,2", "Q"] {
            assert!(parse_workload(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_workload("RU,80").unwrap().to_string(), "RU,80");
    }

    #[test]
    fn distributions() {
        assert_eq!(parse_distribution("uniform").unwrap(), Distribution::Uniform);
        assert_eq!(parse_distribution("hotspot:1,90").unwrap(), Distribution::Hotspot { keys_pct: 1.0, ops_pct: 90.0 });
        for bad in ["zipf", "hotspot:0,50", "hotspot:100,50", "hotspot:5", "hotspot:5,101"] {
            assert!(parse_distribution(bad).is_err(), "{bad}");
        }
    }
}
