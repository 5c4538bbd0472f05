//! Tokens and items of Aerospike's configuration format.
//!
//! The format is line-based: an item is a name and its values on one line; a `{` opens a block
//! of items and `}` closes it, on the same line or the next. `#` starts a comment. Braces may
//! touch words (`service{`), and several items may share a line around braces
//! (`network { service { port 3000 } }`).

use std::fmt;

/// One configuration item: `name args… [{ items… }]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The item's name (first word).
    pub name: String,
    /// The words after the name on the same line.
    pub args: Vec<String>,
    /// The line the item starts on (1-based).
    pub line: usize,
    /// The block's items, if the item opens a block.
    pub block: Option<Vec<Item>>,
}

/// A syntax error with the line it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Open,
    Close,
    EndOfLine,
}

fn tokenize(text: &str) -> Vec<(Token, usize)> {
    let mut tokens = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw_line.split('#').next().unwrap_or("");
        let mut word = String::new();
        let flush = |word: &mut String, tokens: &mut Vec<(Token, usize)>| {
            if !word.is_empty() {
                tokens.push((Token::Word(std::mem::take(word)), line));
            }
        };
        for c in content.chars() {
            match c {
                '{' | '}' => {
                    flush(&mut word, &mut tokens);
                    tokens.push((if c == '{' { Token::Open } else { Token::Close }, line));
                }
                c if c.is_whitespace() => flush(&mut word, &mut tokens),
                c => word.push(c),
            }
        }
        flush(&mut word, &mut tokens);
        tokens.push((Token::EndOfLine, line));
    }
    tokens
}

/// Parses a whole file into its top-level items.
pub fn parse(text: &str) -> Result<Vec<Item>, SyntaxError> {
    let tokens = tokenize(text);
    let mut at = 0;
    let items = parse_items(&tokens, &mut at, None)?;
    debug_assert_eq!(at, tokens.len());
    Ok(items)
}

fn parse_items(tokens: &[(Token, usize)], at: &mut usize, opened_on: Option<usize>) -> Result<Vec<Item>, SyntaxError> {
    let mut items = Vec::new();
    while let Some((token, line)) = tokens.get(*at) {
        let line = *line;
        match token {
            Token::EndOfLine => *at += 1,
            Token::Close => {
                if opened_on.is_none() {
                    return Err(SyntaxError { line, reason: "'}' without a matching '{'".into() });
                }
                *at += 1;
                return Ok(items);
            }
            Token::Open => return Err(SyntaxError { line, reason: "'{' must follow an item name".into() }),
            Token::Word(name) => {
                *at += 1;
                let mut args = Vec::new();
                while let Some((Token::Word(arg), _)) = tokens.get(*at) {
                    args.push(arg.clone());
                    *at += 1;
                }
                // A block may open on the item's line or on the next non-empty line.
                let mut look = *at;
                while matches!(tokens.get(look), Some((Token::EndOfLine, _))) {
                    look += 1;
                }
                let block = if matches!(tokens.get(look), Some((Token::Open, _))) {
                    *at = look + 1;
                    Some(parse_items(tokens, at, Some(line))?)
                } else {
                    None
                };
                items.push(Item { name: name.clone(), args, line, block });
            }
        }
    }
    match opened_on {
        Some(line) => Err(SyntaxError { line, reason: "'{' is never closed".into() }),
        None => Ok(items),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_blocks_comments_and_shared_lines() {
        let text = "# comment\nservice {\n  proto-fd-max 100 # trailing\n}\n\
                    network { service { address 127.0.0.1\n port 3000 } }\n\
                    namespace test\n{\n  storage-engine memory\n}\n";
        let items = parse(text).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].name, "service");
        let service = items[0].block.as_ref().unwrap();
        assert_eq!(service[0], Item { name: "proto-fd-max".into(), args: vec!["100".into()], line: 3, block: None });
        let network = items[1].block.as_ref().unwrap();
        let inner = network[0].block.as_ref().unwrap();
        assert_eq!(inner[0].args, ["127.0.0.1"]);
        assert_eq!(inner[1].name, "port");
        assert_eq!(inner[1].line, 6);
        assert_eq!(items[2].args, ["test"]);
        assert_eq!(items[2].block.as_ref().unwrap()[0].args, ["memory"]);
    }

    #[test]
    fn unbalanced_braces_name_the_line() {
        assert_eq!(parse("service {\n").unwrap_err().line, 1);
        assert_eq!(parse("a 1\n}\n").unwrap_err().line, 2);
        assert_eq!(parse("{\n").unwrap_err().line, 1);
    }
}
