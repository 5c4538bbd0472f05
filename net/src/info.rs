//! The text info protocol (PROTOCOL.md §7).
//!
//! A request is lines of `name`, `name:key=value;key=value` or `name/arg/arg`; the response
//! echoes each line, a tab, the value and a newline.

/// One command line of an info request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoCommand<'a> {
    /// The line as sent (echoed back in the response).
    pub line: &'a str,
    /// The command name.
    pub name: &'a str,
    /// What follows the name: `:`-parameters, `/`-arguments, or nothing.
    pub args: InfoArgs<'a>,
}

/// The arguments of an info command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoArgs<'a> {
    /// No arguments.
    None,
    /// `key=value` pairs separated by `;` (the text after `:`).
    Params(&'a str),
    /// Arguments separated by `/` (the text after the first `/`).
    Path(&'a str),
}

impl<'a> InfoCommand<'a> {
    /// Parses one line.
    pub fn parse(line: &'a str) -> InfoCommand<'a> {
        let split = line.find([':', '/']);
        match split {
            None => InfoCommand { line, name: line, args: InfoArgs::None },
            Some(at) => {
                let rest = &line[at + 1..];
                let args = if line.as_bytes()[at] == b':' { InfoArgs::Params(rest) } else { InfoArgs::Path(rest) };
                InfoCommand { line, name: &line[..at], args }
            }
        }
    }

    /// The value of parameter `key`, for `name:key=value;…` commands.
    pub fn param(&self, key: &str) -> Option<&'a str> {
        self.params().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// All `key=value` parameters (a bare `key` has an empty value).
    pub fn params(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        let text = match self.args {
            InfoArgs::Params(text) => text,
            _ => "",
        };
        text.split(';').filter(|item| !item.is_empty()).map(|item| match item.split_once('=') {
            Some((k, v)) => (k, v),
            None => (item, ""),
        })
    }

    /// The `/`-separated arguments, for `name/arg/…` commands.
    pub fn path_args(&self) -> impl Iterator<Item = &'a str> {
        let text = match self.args {
            InfoArgs::Path(text) => text,
            _ => "",
        };
        text.split('/').filter(|s| !s.is_empty())
    }
}

/// Splits a request body into command lines; empty lines are skipped. Bytes that are not
/// UTF-8 make the request invalid (`None`).
pub fn parse_request(body: &[u8]) -> Option<Vec<InfoCommand<'_>>> {
    let text = std::str::from_utf8(body).ok()?;
    Some(text.split('\n').filter(|l| !l.is_empty()).map(InfoCommand::parse).collect())
}

/// Appends one response line: `line\tvalue\n`.
pub fn write_line(out: &mut String, line: &str, value: &str) {
    out.push_str(line);
    out.push('\t');
    out.push_str(value);
    out.push('\n');
}

/// The standard error value: `ERROR:<code>:<message>` (code 1 is left out, as the server does).
pub fn error_value(code: u8, message: &str) -> String {
    if code == 1 {
        format!("ERROR::{message}")
    } else {
        format!("ERROR:{code}:{message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        let cmds = parse_request(b"node\nnamespace/test\nset-config:context=service;x=1\n").unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[0].name, "node");
        assert_eq!(cmds[0].args, InfoArgs::None);
        assert_eq!(cmds[1].name, "namespace");
        assert_eq!(cmds[1].path_args().collect::<Vec<_>>(), ["test"]);
        assert_eq!(cmds[2].name, "set-config");
        assert_eq!(cmds[2].param("context"), Some("service"));
        assert_eq!(cmds[2].param("x"), Some("1"));
        assert_eq!(cmds[2].param("y"), None);
        assert_eq!(cmds[2].line, "set-config:context=service;x=1");
    }

    #[test]
    fn response_lines_and_errors() {
        let mut out = String::new();
        write_line(&mut out, "node", "BB9");
        assert_eq!(out, "node\tBB9\n");
        assert_eq!(error_value(4, "unrecognized command"), "ERROR:4:unrecognized command");
        assert_eq!(error_value(1, "oops"), "ERROR::oops");
        assert!(parse_request(&[0xFF, 0xFE]).is_none());
        assert!(parse_request(b"").unwrap().is_empty());
    }

    /// Parsing never panics, whatever the bytes: separators in every position, non-UTF-8.
    #[test]
    fn never_panics_on_hostile_input() {
        let alphabet = b":/;=\n\ta\xff";
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|i| alphabet[(state.rotate_left(i as u32 * 5) % alphabet.len() as u64) as usize])
                .collect();
            if let Some(commands) = parse_request(&bytes) {
                for command in commands {
                    let _ = command.params().count();
                    let _ = command.path_args().count();
                    let _ = command.param("a");
                }
            }
        }
    }
}
