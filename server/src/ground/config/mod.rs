//! Configuration: Aerospike's stanza format ([`lexer`]) read into typed settings
//! ([`schema`]). A bad file stops the server with the file, the line and the reason.

pub mod lexer;
pub mod schema;
pub mod value;

pub use schema::{Config, GeoWithin, LogLevel, SecurityConfig, ServiceConfig};

use std::fmt;
use std::path::Path;

/// A configuration error: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, if the settings came from one.
    pub file: Option<String>,
    /// 1-based line, if the error is tied to one.
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn at(line: usize, reason: impl Into<String>) -> ConfigError {
        ConfigError { file: None, line: Some(line), reason: reason.into() }
    }

    pub(crate) fn general(reason: impl Into<String>) -> ConfigError {
        ConfigError { file: None, line: None, reason: reason.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file} line {line}: {}", self.reason),
            (Some(file), None) => write!(f, "{file}: {}", self.reason),
            (None, Some(line)) => write!(f, "line {line}: {}", self.reason),
            (None, None) => write!(f, "{}", self.reason),
        }
    }
}

/// Reads and checks a configuration file.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let file = Some(path.display().to_string());
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: file.clone(),
        line: None,
        reason: format!("cannot read: {e}"),
    })?;
    Config::parse(&text).map_err(|e| ConfigError { file, ..e })
}
