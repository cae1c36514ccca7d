//! Process exit codes, documented in the README.

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
