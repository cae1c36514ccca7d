//! Process exit codes, documented in docs/servers.md ("Exit codes").

/// Every case passed (non-strict and informational count as passing, unless
/// `--strict`: then non-strict fails).
pub const OK: i32 = 0;
/// At least one case failed or could not finish, or the run differs from its baseline.
pub const CASES_FAILED: i32 = 1;
/// Bad command line or broken catalogue.
pub const USAGE: i32 = 2;
/// The target could not be reached or refused the WebSocket handshake.
pub const UNREACHABLE: i32 = 3;
/// Interrupted (Ctrl-C): the finished cases were still reported.
pub const INTERRUPTED: i32 = 130;
/// The machine refused: a report or baseline could not be written, a file
/// read, a port bound (sysexits' EX_IOERR; 4 is ci/run-against.sh's own).
pub const IO: i32 = 74;
