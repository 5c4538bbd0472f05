//! scramjet-info: asinfo's command line for Scramjet and Aerospike servers. Sends info
//! commands to one node and prints their answers.
//!
//!   scramjet-info -v statistics                 the node's statistics
//!   scramjet-info -h 10.0.0.5 -p 3000 -v 'namespace/test' -l   one item a line
//!   scramjet-info -v build -v node              several commands, one answer each
//!   scramjet-info                               the node's summary, as asinfo prints it

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgAction, Parser};
use scramjet::command::{encode_info, parse_info};
use scramjet_net::frame::ProtoHeader;
use scramjet_net::PROTO_HEADER_SIZE;

/// Sends info commands to a Scramjet or Aerospike node and prints the answers (asinfo's flags).
#[derive(Parser, Debug)]
#[command(name = "scramjet-info", version, disable_help_flag = true)]
struct Args {
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// The node's address.
    #[arg(short = 'h', long, default_value = "127.0.0.1")]
    host: String,
    /// The node's service port.
    #[arg(short = 'p', long, default_value_t = 3000)]
    port: u16,
    /// An info command (repeat for several); none: the node's summary.
    #[arg(short = 'v', long = "value")]
    values: Vec<String>,
    /// Print each `;`-separated item of an answer on a line of its own.
    #[arg(short = 'l', long = "lines")]
    lines: bool,
    /// Timeout in milliseconds, to connect and for the answer.
    #[arg(short = 't', long, default_value_t = 1000)]
    timeout: u64,
}

/// Sends the commands (none: the summary request) and returns the answer's `(name, value)`s.
fn ask(args: &Args) -> Result<Vec<(String, String)>, String> {
    let timeout = Duration::from_millis(args.timeout.max(1));
    let address = (args.host.as_str(), args.port)
        .to_socket_addrs()
        .map_err(|e| format!("{}:{}: {e}", args.host, args.port))?
        .next()
        .ok_or_else(|| format!("{}: no address", args.host))?;
    let mut stream = TcpStream::connect_timeout(&address, timeout).map_err(|e| format!("{address}: {e}"))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    let commands: Vec<&str> = args.values.iter().map(String::as_str).collect();
    let mut request = Vec::new();
    encode_info(&mut request, &commands);
    stream.write_all(&request).map_err(|e| format!("{address}: {e}"))?;
    let mut head = [0u8; PROTO_HEADER_SIZE];
    stream.read_exact(&mut head).map_err(|e| format!("{address}: {e}"))?;
    let header = ProtoHeader::decode(head).map_err(|e| format!("{address}: bad answer: {e:?}"))?;
    let size = usize::try_from(header.size).map_err(|_| "answer too large".to_string())?;
    if size > 256 << 20 {
        return Err(format!("{address}: an answer of {size} bytes is not an info answer"));
    }
    let mut body = vec![0u8; size];
    stream.read_exact(&mut body).map_err(|e| format!("{address}: {e}"))?;
    Ok(parse_info(&body))
}

fn print_value(value: &str, lines: bool) {
    if lines {
        for item in value.split(';').filter(|i| !i.is_empty()) {
            println!("{item}");
        }
    } else {
        println!("{value}");
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let answers = match ask(&args) {
        Ok(answers) => answers,
        Err(e) => {
            eprintln!("scramjet-info: {e}");
            return ExitCode::from(1);
        }
    };
    if args.values.is_empty() {
        // The summary, numbered as asinfo prints it.
        for (i, (name, value)) in answers.iter().enumerate() {
            println!("{} :  {name}", i + 1);
            println!("     {value}");
        }
        return ExitCode::SUCCESS;
    }
    // One answer per command, in the order asked (a command the node did not answer prints an
    // empty line).
    for command in &args.values {
        let value = answers.iter().find(|(name, _)| name == command).map_or("", |(_, v)| v.as_str());
        print_value(value, args.lines);
    }
    ExitCode::SUCCESS
}
