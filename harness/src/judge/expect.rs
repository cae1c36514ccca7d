//! Whether what the peer did matches one acceptable outcome: handshake,
//! items in order (payloads compared by digest), and the end of the
//! connection.

use crate::case::{End, Item, Outcome, Payload};
use crate::event::observed::{Obs, Observed};
use crate::wire::codes::op;

pub(super) fn outcome_matches(o: &Outcome, obs: &Observed) -> bool {
    match (&o.handshake, obs.status) {
        (Some(h), Some(status)) => {
            let listed = match h.refusal {
                true => status != 101,
                false => h.status.contains(&status),
            };
            if !listed {
                return false;
            }
            let carries = |name: &str, text: &str| {
                obs.headers.iter().any(|(n, v)| {
                    n.eq_ignore_ascii_case(name)
                        && v.to_ascii_lowercase().contains(&text.to_ascii_lowercase())
                })
            };
            let headers_ok = h.headers.iter().all(|(n, text)| carries(n, text))
                && !h.lacking.iter().any(|(n, text)| carries(n, text));
            let absent_ok = h.absent.iter().all(|name| {
                !obs.headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
            });
            if !headers_ok || !absent_ok {
                return false;
            }
            // A server's refusal ends the case; a client is still graded on
            // how it leaves after wsprobe's refusal.
            if status != 101 && !obs.peer_is_client {
                return true;
            }
        }
        (Some(h), None) => {
            // The server closed without any response: only a case listing 0
            // accepts that; silence until the timeout, one that says `silent`;
            // no answer of any kind, one that says `unreachable`.
            if h.unreachable && obs.handshake_failed.is_some() {
                return true;
            }
            return if obs.handshake_silent {
                h.silent
            } else {
                h.status.contains(&0)
            };
        }
        (None, Some(101)) => {}
        // wsprobe's own non-101 answer to a client under test.
        (None, Some(_)) if obs.peer_is_client => {}
        // A wss:// client that refused wsprobe's certificate: no request,
        // so no answer; how it left is graded by `end`.
        (None, None) if obs.tls_refused.is_some() => {}
        (None, _) => return false,
    }
    let end_ok = match o.end {
        End::Fail => obs.server_initiated,
        End::Open => !obs.server_initiated,
        End::Any => true,
    };
    let code_ok = o.close_codes.is_empty()
        || matches!(obs.server_close, Some(Some(code)) if o.close_codes.contains(&code));
    // Items past the cap were not kept: no outcome is that long.
    end_ok && code_ok && obs.items_dropped == 0 && {
        // References: a run of 100,000 pongs costs 800 KB here, not 100,000 copies.
        let got: Vec<&Obs> = obs.items().collect();
        items_match(&o.receive, &got)
    }
}

/// An expected item ready to compare: payload digests computed once.
#[derive(Debug, Clone)]
enum Want<'a> {
    Message {
        opcode: u8,
        len: u64,
        sha256: [u8; 32],
    },
    Pong(Vec<u8>),
    Mark(&'a str),
    AnyPongs,
    AnyMessages,
    Anything,
    /// Each of these, at most once and in order, possibly none.
    SomeOf(Vec<Want<'a>>),
}

fn message_want(opcode: u8, p: &Payload) -> Want<'static> {
    Want::Message {
        opcode,
        len: p.len() as u64,
        sha256: p.sha256(),
    }
}

fn compile<'a>(items: &'a [Item], out: &mut Vec<Want<'a>>) {
    for item in items {
        match item {
            Item::Text(p) => out.push(message_want(op::TEXT, p)),
            Item::Binary(p) => out.push(message_want(op::BINARY, p)),
            Item::Pong(p) => out.push(Want::Pong(p.bytes())),
            Item::Mark(m) => out.push(Want::Mark(m)),
            Item::AnyPongs => out.push(Want::AnyPongs),
            Item::AnyMessages => out.push(Want::AnyMessages),
            Item::Anything => out.push(Want::Anything),
            Item::SomeOf(items) => {
                let mut each = Vec::new();
                compile(items, &mut each);
                out.push(Want::SomeOf(each));
            }
            Item::Repeat(r) => {
                let mut one = Vec::new();
                compile(std::slice::from_ref(&*r.item), &mut one);
                // Corpus payloads move on each round, like the sends.
                let varies = matches!(
                    &*r.item,
                    Item::Text(Payload::Corpus { .. }) | Item::Binary(Payload::Corpus { .. })
                );
                for i in 0..r.count {
                    match (&r.item.at(i), varies) {
                        (Item::Text(p), true) => out.push(message_want(op::TEXT, p)),
                        (Item::Binary(p), true) => out.push(message_want(op::BINARY, p)),
                        _ => out.extend(one.iter().cloned()),
                    }
                }
            }
        }
    }
}

pub(super) fn items_match(expected: &[Item], got: &[&Obs]) -> bool {
    let mut wants = Vec::new();
    compile(expected, &mut wants);
    wants_match(&wants, got)
}

fn wants_match(wants: &[Want], got: &[&Obs]) -> bool {
    let mut w = 0;
    let mut g = 0;
    while w < wants.len() {
        if let Want::Anything = wants[w] {
            return (g..=got.len()).any(|i| wants_match(&wants[w + 1..], &got[i..]));
        }
        if let Want::SomeOf(options) = &wants[w] {
            // Take the options in order, each once or not at all; try the
            // rest after every prefix of what matched (short lists: ten pongs).
            let rest = &wants[w + 1..];
            let mut i = g;
            let mut next = 0;
            loop {
                if wants_match(rest, &got[i..]) {
                    return true;
                }
                let Some(obs) = got.get(i) else { return false };
                match options[next..].iter().position(|o| want_matches(o, obs)) {
                    Some(k) => {
                        next += k + 1;
                        i += 1;
                    }
                    None => return false,
                }
            }
        }
        if matches!(wants[w], Want::AnyPongs | Want::AnyMessages) {
            // Zero or more pongs (or data messages), then the rest.
            let pongs = matches!(wants[w], Want::AnyPongs);
            let rest = &wants[w + 1..];
            let mut i = g;
            loop {
                if wants_match(rest, &got[i..]) {
                    return true;
                }
                match got.get(i) {
                    Some(Obs::Pong(_)) if pongs => i += 1,
                    Some(Obs::Message { .. }) if !pongs => i += 1,
                    _ => return false,
                }
            }
        }
        match got.get(g) {
            Some(obs) if want_matches(&wants[w], obs) => {}
            _ => return false,
        }
        w += 1;
        g += 1;
    }
    g == got.len()
}

fn want_matches(want: &Want, got: &Obs) -> bool {
    match (want, got) {
        (
            Want::Message {
                opcode,
                len,
                sha256,
            },
            Obs::Message {
                opcode: o,
                len: l,
                sha256: s,
                ..
            },
        ) => opcode == o && len == l && sha256.as_slice() == s.as_slice(),
        (Want::Pong(p), Obs::Pong(got)) => p == got,
        (Want::Mark(m), Obs::Mark(g)) => m == g,
        _ => false,
    }
}
