//! What can stop a command before or outside its cases, as data: each kind
//! has its own exit code, so a script can tell a typo in the command line
//! from a report that could not be written or a server that is not there.

use std::fmt;

use super::exit_code;

/// An error that ends a command; `main` prints it on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// The command line is wrong (a bad URL, glob, duration, or option mix).
    Usage(String),
    /// A case file, the requirement matrix or a baseline file is broken.
    Input(String),
    /// The target is unreachable or refused the WebSocket handshake.
    Unreachable(String),
    /// The machine refused: a file could not be read or written, a port could
    /// not be bound, the runtime could not start.
    Io(String),
}

impl CliError {
    /// The process exit code (documented in docs/servers.md, "Exit codes").
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) | CliError::Input(_) => exit_code::USAGE,
            CliError::Unreachable(_) => exit_code::UNREACHABLE,
            CliError::Io(_) => exit_code::IO,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m)
            | CliError::Input(m)
            | CliError::Unreachable(m)
            | CliError::Io(m) => f.write_str(m),
        }
    }
}

/// A usage error (exit 2).
pub fn usage(msg: impl fmt::Display) -> CliError {
    CliError::Usage(msg.to_string())
}

/// A broken case file, matrix or baseline (exit 2).
pub fn input(msg: impl fmt::Display) -> CliError {
    CliError::Input(msg.to_string())
}

/// A refusal of the machine: file, port, runtime (exit 74).
pub fn io(msg: impl fmt::Display) -> CliError {
    CliError::Io(msg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(usage("x").exit_code(), 2);
        assert_eq!(input("x").exit_code(), 2);
        assert_eq!(CliError::Unreachable("x".into()).exit_code(), 3);
        assert_eq!(io("cannot write r/index.html").exit_code(), exit_code::IO);
        assert_ne!(exit_code::IO, exit_code::USAGE);
    }
}
