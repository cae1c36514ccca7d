//! Causes: what decided a verdict that is not a pass, keyed so that the
//! same behaviour of the server lands on the same key in every case it
//! touches. A server with one bug across a matrix of 36 cases then reads as
//! one cause with 36 cases, not as 36 failures with the same sentence.
//!
//! The key is built from structured facts, never from the prose a report
//! shows: the violation's kind (not its values), the rule the case checks
//! (its citation and requirement, shared by every case of a matrix), the
//! acceptable-but-not-passing outcome that matched, or the closing rule.

use serde::Serialize;

use crate::case::{Case, Outcome};
use crate::wire::Violation;

/// Why a case did not pass, as a report groups it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    /// Equal for every case decided by the same behaviour.
    pub key: String,
    /// What decided it, in one line (this case's words; a group shows the
    /// first case's).
    pub title: String,
}

impl Cause {
    /// The server broke the protocol on the wire: the first violation's
    /// kind, whatever its values (a masked frame of any length).
    pub fn violation(v: &Violation) -> Cause {
        // One kind, several behaviours: a response that leaves out a limit
        // the offer set is another bug than accepting an offer to decline.
        let detail = match v {
            Violation::DeflateBadResponse { reason } => format!("/{}", shape(reason)),
            _ => String::new(),
        };
        Cause {
            key: format!("violation/{}{detail}", variant_name(v)),
            title: format!("{v} (RFC {} {})", v.rfc(), v.rfc_section()),
        }
    }

    /// No acceptable outcome matched: the case's rule was not met. Every
    /// case of a matrix quotes the same sentence, so they share the key.
    pub fn rule(case: &Case) -> Cause {
        let requirement = one_line(&case.requirement);
        Cause {
            key: format!("rule/{}/{}", case.citation(), requirement),
            title: format!("{}: \"{}\"", case.citation(), clip(&requirement, 200)),
        }
    }

    /// A handshake answered the other way round from what the case allows:
    /// refused (with `status`, None for no response) where every outcome
    /// accepts, or accepted where every outcome refuses. Keyed by the
    /// section and that answer, not by the sentence, so one lookup the
    /// server gets wrong (a token compared case-sensitively) is one cause
    /// across the headers it reads that way.
    pub fn handshake_answer(case: &Case, refused: Option<Option<u16>>) -> Cause {
        let cite = case.citation();
        let (key, what) = match refused {
            Some(Some(status)) => (
                format!("refused-{status}"),
                format!("the server refused (HTTP {status}) handshakes it should accept"),
            ),
            Some(None) => (
                "refused-silently".to_string(),
                "the server closed without answering handshakes it should accept".to_string(),
            ),
            None => (
                "accepted".to_string(),
                "the server accepted (HTTP 101) handshakes it should refuse".to_string(),
            ),
        };
        Cause {
            key: format!("handshake-answer/{cite}/{key}"),
            title: format!("{cite}: {what}"),
        }
    }

    /// The server ended the connection (with `close`: its close frame's
    /// code, `Some(None)` for none, `None` for no close frame) where every
    /// outcome keeps it open. Keyed by the RFC and how it ended, not by the
    /// rule: a server that drops every compressed message breaks a
    /// different sentence in each group of RFC 7692 cases, and it is one
    /// bug.
    pub fn ended(case: &Case, close: Option<Option<u16>>) -> Cause {
        let cite = case.citation();
        let rfc: String = cite.split(' ').take(2).collect::<Vec<_>>().join(" ");
        let (key, how) = match close {
            Some(Some(code)) => (format!("close-{code}"), format!("closed it with {code}")),
            Some(None) => ("close".to_string(), "closed it without a code".to_string()),
            None => ("dropped".to_string(), "dropped TCP".to_string()),
        };
        Cause {
            key: format!("ended/{rfc}/{key}"),
            title: format!("{rfc}: the server {how} where the case keeps the connection open"),
        }
    }

    /// An outcome graded below pass matched (a size limit refused with
    /// 1009, a SHOULD the server skipped): the outcome and its note.
    pub fn outcome(case: &Case, o: &Outcome, described: &str) -> Cause {
        let what = match &o.note {
            Some(note) => one_line(note),
            None => described.to_string(),
        };
        Cause {
            key: format!("outcome/{}/{what}", case.citation()),
            title: format!("{}: {what}", case.citation()),
        }
    }

    /// The opening handshake did not complete; what broke it, without the
    /// values of this case (the Accept value it sent, a header's text).
    pub fn handshake(message: &str) -> Cause {
        Cause {
            key: format!("handshake/{}", before_values(message)),
            title: format!("the opening handshake failed: {message}"),
        }
    }

    /// The closing handshake: its first finding, before what was seen.
    pub fn close(reason: &str) -> Cause {
        let rule = reason.split("; ").next().unwrap_or(reason);
        Cause {
            key: format!("close/{rule}"),
            title: format!("close: {rule}"),
        }
    }

    /// A case not run or not graded (skipped, the server gone): the reason
    /// up to its values.
    pub fn not_graded(reason: &str) -> Cause {
        Cause {
            key: format!("not-graded/{}", before_values(reason)),
            title: reason.to_string(),
        }
    }

    /// A finding with a fixed wording (a case out of time, a limit).
    pub fn fixed(key: &str, title: &str) -> Cause {
        Cause {
            key: key.to_string(),
            title: title.to_string(),
        }
    }
}

/// `ReservedBitsWithoutExtension` of `ReservedBitsWithoutExtension { rsv: 4 }`.
fn variant_name(v: &Violation) -> String {
    let debug = format!("{v:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A reason without what differs from case to case: parenthesised
/// details dropped, quoted values and numbers replaced by a placeholder
/// ("server_max_window_bits=16 is above the offered 15" and "=12 ... 11"
/// are one shape).
fn shape(reason: &str) -> String {
    let mut out = String::new();
    let (mut depth, mut quoted) = (0usize, false);
    for c in reason.chars() {
        match c {
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            '"' => {
                if !quoted {
                    out.push('…');
                }
                quoted = !quoted;
            }
            _ if quoted => {}
            '0'..='9' => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message up to its first value: a colon, a quote or a parenthesis
/// starts the part that differs from case to case.
fn before_values(message: &str) -> String {
    let cut = message.find([':', '"', '(', '`']).unwrap_or(message.len());
    message[..cut].trim().to_string()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violations_values_do_not_split_its_cause() {
        let a = Cause::violation(&Violation::ReservedBitsWithoutExtension { rsv: 4 });
        let b = Cause::violation(&Violation::ReservedBitsWithoutExtension { rsv: 2 });
        assert_eq!(a.key, b.key);
        assert_eq!(a.key, "violation/ReservedBitsWithoutExtension");
        assert_ne!(a.title, b.title, "the title keeps this case's values");
        let other = Cause::violation(&Violation::MaskedFrameFromServer);
        assert_ne!(a.key, other.key);
    }

    #[test]
    fn a_deflate_response_cause_is_its_kind_of_mistake_not_its_values() {
        let bad = |reason: &str| {
            Cause::violation(&Violation::DeflateBadResponse {
                reason: reason.into(),
            })
            .key
        };
        let decline = |why: &str| {
            bad(&format!(
                "the server accepted an offer it had to decline ({why})"
            ))
        };
        let above = |r: u8, o: u8| {
            bad(&format!(
                "server_max_window_bits={r} is above the offered {o} (RFC 7692 7.1.2.1)"
            ))
        };
        assert_eq!(
            decline("the parameter x appears twice"),
            decline("server_max_window_bits=\"09\" is not a window size")
        );
        assert_eq!(
            decline("a"),
            "violation/DeflateBadResponse/the server accepted an offer it had to decline"
        );
        assert_eq!(above(15, 10), above(12, 9));
        assert_eq!(
            above(15, 10),
            "violation/DeflateBadResponse/server_max_window_bits=N is above the offered N"
        );
        assert_ne!(above(15, 10), decline("a"));
        assert_ne!(
            bad("the offer limited server_max_window_bits to 15 and the response does not include it (RFC 7692 7.1.2.1)"),
            decline("a")
        );
    }

    #[test]
    fn a_handshake_cause_stops_before_the_values() {
        let a = Cause::handshake("wrong Sec-WebSocket-Accept: expected \"abc\", got \"xyz\"");
        let b = Cause::handshake("wrong Sec-WebSocket-Accept: expected \"def\", got \"uvw\"");
        assert_eq!(a.key, b.key);
        assert_eq!(a.key, "handshake/wrong Sec-WebSocket-Accept");
    }

    #[test]
    fn a_close_cause_is_its_first_finding() {
        let a = Cause::close("the server did not reply; seen: close 1000 after 3 ms");
        let b = Cause::close("the server did not reply; seen: nothing");
        assert_eq!(a.key, b.key);
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
    }
}
