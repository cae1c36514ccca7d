//! Opcode and close code vocabulary, on top of tungstenite's types.
//!
//! tungstenite's `OpCode` and `CloseCode` already name every value the RFC
//! defines and keep reserved values representable, so we use them instead of
//! writing twins; the helpers here add what a conformance tool needs.

use tungstenite::protocol::frame::coding::{CloseCode, OpCode};

/// Opcode numbers (RFC 6455 section 5.2).
pub mod op {
    /// Continuation frame.
    pub const CONTINUATION: u8 = 0x0;
    /// Text frame.
    pub const TEXT: u8 = 0x1;
    /// Binary frame.
    pub const BINARY: u8 = 0x2;
    /// Connection close.
    pub const CLOSE: u8 = 0x8;
    /// Ping.
    pub const PING: u8 = 0x9;
    /// Pong.
    pub const PONG: u8 = 0xa;
}

/// The RFC spelling of an opcode: `TEXT`, `PING`, `RESERVED_CONTROL_11`.
pub fn opcode_name(opcode: u8) -> String {
    OpCode::from(opcode & 0x0f).to_string()
}

/// Parse an opcode given by name (`text`, `ping`, `continuation`) or number.
pub fn parse_opcode(s: &str) -> Option<u8> {
    let n = match s.to_ascii_lowercase().as_str() {
        "continuation" | "cont" | "continue" => 0,
        "text" => 1,
        "binary" => 2,
        "close" => 8,
        "ping" => 9,
        "pong" => 10,
        other => {
            let other = other.trim_start_matches("0x");
            let radix = if s.to_ascii_lowercase().starts_with("0x") {
                16
            } else {
                10
            };
            u8::from_str_radix(other, radix).ok()?
        }
    };
    (n <= 0x0f).then_some(n)
}

/// Control frames have the high bit of the opcode set (section 5.5).
pub fn is_control(opcode: u8) -> bool {
    opcode & 0x08 != 0
}

/// Opcodes 3-7 and 11-15 are reserved (section 5.2).
pub fn is_reserved_opcode(opcode: u8) -> bool {
    matches!(opcode, 3..=7 | 0xb..=0xf)
}

/// Whether an endpoint may put `code` in a Close frame (sections 7.4.1, 7.4.2).
///
/// tungstenite's `is_allowed` predates the IANA registration of 1014 (Bad
/// Gateway), so it is added here; 1004-1006, 1015, 0-999, 1016-2999 and
/// 5000 and above stay forbidden.
pub fn close_code_allowed(code: u16) -> bool {
    code == 1014 || CloseCode::from(code).is_allowed()
}

/// A short name for a close code, for reports: `1002 (protocol error)`.
pub fn close_code_name(code: u16) -> String {
    let name = match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1004 => "reserved",
        1005 => "no status received (never on the wire)",
        1006 => "abnormal closure (never on the wire)",
        1007 => "invalid frame payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake (never on the wire)",
        0..=999 => "not used",
        1016..=2999 => "reserved for the protocol",
        3000..=3999 => "registered",
        4000..=4999 => "private use",
        _ => "undefined",
    };
    format!("{code} ({name})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ranges() {
        assert_eq!(opcode_name(1), "TEXT");
        assert_eq!(opcode_name(0xb), "RESERVED_CONTROL_11");
        assert_eq!(parse_opcode("ping"), Some(9));
        assert_eq!(parse_opcode("0xb"), Some(11));
        assert_eq!(parse_opcode("15"), Some(15));
        assert_eq!(parse_opcode("16"), None);
        assert_eq!(parse_opcode("pnig"), None);
        for code in [
            1000, 1001, 1002, 1003, 1007, 1011, 1012, 1013, 1014, 3000, 4999,
        ] {
            assert!(close_code_allowed(code), "{code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            assert!(!close_code_allowed(code), "{code}");
        }
    }
}
