//! The RFC oracle for generated sequences: what a conforming server must do
//! with these exact client bytes, derived by reading them with wsprobe's own
//! strict reader in the server role, and written as ordinary case outcomes
//! so the catalogue's judge grades generated cases like hand-written ones.
//!
//! The rules, in order: a handshake the RFC says to refuse must be refused;
//! otherwise every message completed before the first MUST-fail violation
//! (or the client's close) is echoed in order, pings may be answered (5.5.3
//! lets a server answer only the latest), and then: after a MUST-fail
//! violation the server fails the connection; after the client's close it
//! answers with a close; when the client stops mid-frame nothing more can
//! be required; otherwise the connection stays open and a final ping must be
//! answered (a server that stops responding has hung).

use crate::case::{
    Case, Class, CloseExpect, Closer, End, Grade, HandshakeOutcome, Item, Level, Need, Outcome,
    Payload, Source, Step,
};
use crate::runner::build;
use crate::wire::reader::{FrameReader, Limits, ReadEvent, Side};
use crate::wire::Violation;

use super::sequence::{Op, Sequence};

/// The payload of the ping that checks the server still answers.
pub const ALIVE: &str = "wsprobe-fuzz-alive";

/// Statuses a refused handshake may carry (as the handshake catalogue).
const REFUSAL: &[u16] = &[400, 403, 404, 405, 426, 431, 501, 505];

/// What the client bytes oblige the server to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    /// The handshake must be refused.
    pub refuse: bool,
    /// Messages to echo, in order: (opcode, payload).
    pub echoes: Vec<(u8, Vec<u8>)>,
    /// Pings sent before the end point.
    pub pings: usize,
    /// Pongs sent before the end point (none may be answered, 5.5.3).
    pub pongs: usize,
    /// The first violation that obliges the server to fail the connection.
    pub violation: Option<Violation>,
    /// The client's close code, when it closed (cleanly) first.
    pub client_close: Option<Option<u16>>,
    /// The client stopped in the middle of a frame: nothing after it is required.
    pub open_ended: bool,
    /// The client shut down or reset the connection: what the server managed
    /// to send first is luck, so only crashes and server violations count.
    pub reset: bool,
    /// The step (index into `Sequence::steps`) whose bytes decided the outcome:
    /// later steps only race with the server's reaction and are left out.
    pub decided_at: Option<usize>,
    /// From this point a server may already fail the connection: after
    /// (echoes, pings), with the grade and why (a non-minimal length may be
    /// refused; invalid UTF-8 may be caught before its message ends).
    pub may_fail_after: Option<(usize, usize, Grade, &'static str)>,
    /// The deciding close frame is one wsprobe sends as a close (a close step
    /// starting on a frame boundary), so it records itself as the closer.
    pub close_step: bool,
    /// The exact bytes each step sent in this reading (masks included).
    pub chunks: Vec<(usize, Vec<u8>)>,
    /// The first step that leaves a frame unfinished for the next step's
    /// bytes (a lying length, raw bytes): from there on the bytes themselves
    /// matter, so the case must send exactly these, not freshly masked frames.
    pub desync_from: Option<usize>,
}

/// Violations after which RFC 6455 requires failing the connection. A
/// non-minimal length is only graded informational in the catalogue, and
/// bytes after a close are ignored by rule.
pub fn must_fail(v: &Violation) -> bool {
    !matches!(
        v,
        Violation::NonMinimalLength { .. }
            | Violation::FrameAfterClose { .. }
            | Violation::MaskedFrameFromServer
            | Violation::RepeatedMaskingKey { .. }
            | Violation::DeflateTailKept
    )
}

/// The client's bytes after the handshake, per step (index into `steps`),
/// and whether the sequence ends by shutdown or abort.
fn client_chunks(steps: &[Step]) -> (Vec<(usize, Vec<u8>)>, bool) {
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let frames = match s {
            Step::Send(f) => vec![build::frame(f)],
            Step::SendMessage(m) => build::message_frames(m),
            Step::Close(c) => vec![build::close_frame(c)],
            Step::SendRaw(r) => {
                out.push((i, r.bytes().into_owned()));
                continue;
            }
            Step::Shutdown | Step::Abort => return (out, true),
            _ => continue,
        };
        let mut bytes = Vec::new();
        for f in frames {
            bytes.extend(f.encode().unwrap_or_default());
        }
        out.push((i, bytes));
    }
    (out, false)
}

fn reader() -> FrameReader {
    FrameReader::new(
        Side::Server,
        Limits {
            max_frame: u64::MAX,
            max_message: u64::MAX,
            preview: 1 << 20,
            max_frames: usize::MAX,
        },
    )
}

/// Length of the longest prefix that ends on a frame boundary: a server need
/// not judge a frame it has not received in full.
fn complete_prefix(bytes: &[u8]) -> usize {
    let mut r = reader();
    let mut sink = Vec::new();
    let mut end = 0;
    for (i, b) in bytes.iter().enumerate() {
        let _ = r.feed(std::slice::from_ref(b), &mut sink);
        sink.clear();
        if !r.mid_frame() {
            end = i + 1;
        }
    }
    end
}

/// Everything the client writes for `seq`, handshake request included, as
/// one byte string (pauses and delivery splits dropped; nothing after a
/// shutdown or reset): the input for in-process server fuzzing.
pub fn wire_bytes(seq: &Sequence) -> Vec<u8> {
    steps_wire_bytes(&seq.steps())
}

/// The same for any case's steps (a standard handshake when the case has
/// none): seeds for the fuzz targets come from the catalogue this way.
pub fn steps_wire_bytes(steps: &[Step]) -> Vec<u8> {
    let opts = crate::runner::RunOptions::new(
        crate::target::Target::parse("ws://localhost/").expect("a valid URL"),
    );
    let hs = match steps.first() {
        Some(Step::Handshake(h)) => h.clone(),
        _ => Default::default(),
    };
    let mut out = crate::runner::build_request(&hs, &opts).0.encode();
    out.extend_from_slice(&hs.append_hex);
    for (_, bytes) in client_chunks(steps).0 {
        out.extend(bytes);
    }
    out
}

/// Whether the runner sends this step as the start of the closing handshake
/// (its rule: a close step, or a single close frame with a plain header),
/// and its bytes start a frame.
fn is_close_step(step: &Step, on_boundary: &std::collections::HashSet<usize>, i: usize) -> bool {
    let close = match step {
        Step::Close(_) => true,
        Step::Send(f) => {
            f.opcode.0 == 8
                && f.fin
                && f.rsv == 0
                && f.declared_len.is_none()
                && f.payload.len() <= 125
        }
        _ => false,
    };
    close && on_boundary.contains(&i)
}

/// Violations that concern the client's close frame: the client has begun
/// the closing handshake, so the server answers it (with 1002 or 1007, or by
/// dropping TCP) rather than failing first, as the close catalogue grades it.
pub fn in_close_frame(v: &Violation) -> bool {
    matches!(
        v,
        Violation::ClosePayloadOneByte
            | Violation::CloseCodeNotAllowed { .. }
            | Violation::InvalidUtf8InCloseReason
    )
}

/// Read the sequence as a server would. Only complete frames count, and
/// invalid UTF-8 in a text message only once the message is complete: RFC
/// 6455 does not require failing earlier (the catalogue grades it non-strict).
pub fn obligation(seq: &Sequence) -> Obligation {
    let steps = seq.steps();
    let mut ob = Obligation {
        refuse: seq.handshake.must_refuse(),
        echoes: Vec::new(),
        pings: 0,
        pongs: 0,
        violation: None,
        client_close: None,
        open_ended: false,
        reset: false,
        decided_at: None,
        may_fail_after: None,
        close_step: false,
        chunks: Vec::new(),
        desync_from: None,
    };
    if ob.refuse {
        return ob;
    }
    let (chunks, ended) = client_chunks(&steps);
    ob.reset = ended;
    ob.chunks = chunks.clone();
    let all: Vec<u8> = chunks.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let mut r = reader();
    let mut sink = Vec::new();
    let _ = r.feed(&all, &mut sink);
    let mut keep = all.len();
    if r.mid_frame() {
        keep = complete_prefix(&all);
        ob.open_ended = true;
    }
    // Feed step by step, so the step that decides the outcome is known.
    let mut r = reader();
    let mut events: Vec<(usize, ReadEvent)> = Vec::new();
    let mut fed = 0;
    let mut on_boundary = std::collections::HashSet::new();
    let mut previous = None;
    for (i, bytes) in &chunks {
        if !r.mid_frame() {
            on_boundary.insert(*i);
        } else if ob.desync_from.is_none() {
            // The step that left a frame unfinished: its mask decides how
            // the bytes after it are read.
            ob.desync_from = previous;
        }
        previous = Some(*i);
        let take = bytes.len().min(keep - fed);
        let mut out = Vec::new();
        let _ = r.feed(&bytes[..take], &mut out);
        events.extend(out.into_iter().map(|e| (*i, e)));
        fed += take;
    }
    // A violation found in a frame header is decided only when that frame
    // is complete, perhaps in a later step: the first frame end after the
    // event. Events that follow a frame's end (close, message end) are
    // decided in their own step.
    let frame_end_step = |k: usize| {
        events[k..]
            .iter()
            .find(|(_, e)| matches!(e, ReadEvent::Frame(_)))
            .map_or(events[k].0, |(i, _)| *i)
    };
    let mut utf8_pending = false;
    let mut message_just_ended = false;
    for (k, (own, e)) in events.iter().enumerate() {
        let own = *own;
        let ended_now = matches!(e, ReadEvent::Frame(f) if f.header.fin && f.header.opcode <= 2);
        match e {
            ReadEvent::Violation(Violation::InvalidUtf8InText) if !message_just_ended => {
                utf8_pending = true;
                if ob.may_fail_after.is_none() {
                    ob.may_fail_after = Some((
                        ob.echoes.len(),
                        ob.pings,
                        Grade::Pass,
                        "failed on invalid UTF-8 before the message ended (fail-fast, RFC 6455 8.1)",
                    ));
                }
            }
            ReadEvent::Violation(v) if must_fail(v) => {
                let after_end = in_close_frame(v) || matches!(v, Violation::InvalidUtf8InText);
                ob.violation = Some(v.clone());
                ob.decided_at = Some(if after_end { own } else { frame_end_step(k) });
                ob.close_step = in_close_frame(v)
                    && is_close_step(&steps[own], &on_boundary, own)
                    && ob.desync_from.is_none_or(|d| own < d);
                return ob;
            }
            ReadEvent::Frame(_) if ended_now && utf8_pending => {
                ob.violation = Some(Violation::InvalidUtf8InText);
                ob.decided_at = Some(own);
                return ob;
            }
            ReadEvent::Close { code, .. } => {
                ob.client_close = Some(*code);
                ob.decided_at = Some(own);
                ob.close_step = is_close_step(&steps[own], &on_boundary, own)
                    && ob.desync_from.is_none_or(|d| own < d);
                return ob;
            }
            ReadEvent::Violation(Violation::NonMinimalLength { .. })
                if ob.may_fail_after.is_none() =>
            {
                ob.may_fail_after = Some((
                    ob.echoes.len(),
                    ob.pings,
                    Grade::Informational,
                    "refused a non-minimal length encoding (RFC 6455 5.2 asks it of senders)",
                ));
            }
            ReadEvent::Message(m) => ob.echoes.push((m.opcode, m.preview.clone())),
            ReadEvent::Ping(_) => ob.pings += 1,
            ReadEvent::Pong(_) => ob.pongs += 1,
            _ => {}
        }
        message_just_ended = ended_now;
    }
    ob
}

fn receive(ob: &Obligation, alive: bool) -> Vec<Item> {
    let mut items = Vec::new();
    let pongs = ob.pings > 0;
    if pongs {
        items.push(Item::AnyPongs);
    }
    for (opcode, payload) in &ob.echoes {
        let p = Payload::Bytes(payload.clone());
        items.push(if *opcode == 1 {
            Item::Text(p)
        } else {
            Item::Binary(p)
        });
        if pongs {
            items.push(Item::AnyPongs);
        }
    }
    if alive {
        items.push(Item::Pong(Payload::Text(ALIVE.into())));
    }
    items
}

/// Nothing to require of the close: the client reset, or its own close frame
/// is swallowed as payload of an unfinished frame.
fn informational_close() -> CloseExpect {
    CloseExpect {
        by: Closer::Client,
        codes: vec![1000],
        drop_ok: true,
        other_codes: Grade::Informational,
        other_codes_note: None,
        informational: true,
    }
}

fn outcome(grade: Grade, receive: Vec<Item>, end: End) -> Outcome {
    Outcome {
        grade,
        receive,
        end,
        handshake: None,
        close_codes: Vec::new(),
        note: None,
    }
}

/// The sequence as a case with the oracle's outcomes; `id` names it.
pub fn to_case(seq: &Sequence, id: &str) -> Case {
    let ob = obligation(seq);
    let mut steps = seq.steps();
    if let Some(i) = ob.decided_at {
        steps.truncate(i + 1);
    }
    // Once framing is out of step, later bytes are read as headers and
    // payload, so they must be the very bytes the oracle read: fixed masks.
    if let Some(from) = ob.desync_from {
        for (i, bytes) in &ob.chunks {
            if *i >= from && *i < steps.len() {
                let delivery = match &steps[*i] {
                    Step::Send(f) => f.delivery.clone(),
                    Step::SendMessage(m) => m.delivery.clone(),
                    Step::Close(c) => c.delivery.clone(),
                    Step::SendRaw(r) => r.delivery.clone(),
                    _ => continue,
                };
                steps[*i] = Step::SendRaw(crate::case::RawStep {
                    hex: bytes.clone(),
                    times: 1,
                    delivery,
                });
            }
        }
    }
    // A close step whose bytes a server reads as payload of an earlier,
    // lying frame is not a close: send it as raw bytes, so wsprobe does not
    // record itself as having started the closing handshake.
    let real_close = ob.decided_at.filter(|_| ob.close_step);
    for (i, step) in steps.iter_mut().enumerate() {
        if Some(i) == real_close {
            continue;
        }
        let raw = match step {
            Step::Close(c) => Some((build::close_frame(c), c.delivery.clone())),
            Step::Send(f) if f.opcode.0 == 8 => Some((build::frame(f), f.delivery.clone())),
            _ => None,
        };
        if let Some((frame, delivery)) = raw {
            *step = Step::SendRaw(crate::case::RawStep {
                hex: frame.encode().unwrap_or_default(),
                times: 1,
                delivery,
            });
        }
    }
    let (class, expect, close, requirement, rfc) = if ob.refuse {
        let status = |s: Vec<u16>| HandshakeOutcome {
            status: s,
            silent: false,
            headers: Vec::new(),
            absent: Vec::new(),
            lacking: Vec::new(),
            refusal: false,
            unreachable: false,
        };
        let mut pass = outcome(Grade::Pass, Vec::new(), End::Any);
        pass.handshake = Some(status(REFUSAL.to_vec()));
        let mut rude = outcome(Grade::NonStrict, Vec::new(), End::Any);
        rude.handshake = Some(status(vec![0]));
        rude.note = Some("refused by closing the connection, without an HTTP error".into());
        (
            Class::MustFail,
            vec![pass, rude],
            None,
            "If the server, while reading the handshake, finds that the client did not send a handshake that matches the description below ..., the server MUST stop processing the client's handshake and return an HTTP response with an appropriate error code (such as 400 Bad Request).",
            vec!["4.2.1".to_string()],
        )
    } else if ob.reset && ob.decided_at.is_none() {
        (
            Class::ImplementationDefined,
            vec![outcome(Grade::Pass, vec![Item::Anything], End::Any)],
            Some(informational_close()),
            "A server MUST survive a client that resets or half-closes the connection at any point (only a crash, a hang or a frame that breaks RFC 6455 is a failure here).",
            vec!["7.1.1".to_string()],
        )
    } else if let Some(v) = ob
        .violation
        .as_ref()
        .filter(|v| in_close_frame(v) && ob.close_step)
    {
        (
            Class::MustFail,
            vec![outcome(Grade::Pass, receive(&ob, false), End::Open)],
            Some(CloseExpect {
                by: Closer::Client,
                codes: vec![1002, 1007],
                drop_ok: true,
                other_codes: Grade::Informational,
                other_codes_note: Some(
                    "RFC 6455 does not fix the reply to a malformed close frame".into(),
                ),
                informational: false,
            }),
            "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned integer ... Following the 2-byte integer, the body MAY contain UTF-8-encoded data.",
            vec![v.rfc_section().to_string()],
        )
    } else if let Some(v) = &ob.violation {
        (
            Class::MustFail,
            vec![outcome(Grade::Pass, receive(&ob, false), End::Fail)],
            Some(CloseExpect {
                by: Closer::Server,
                codes: vec![v.close_code()],
                drop_ok: true,
                other_codes: Grade::Informational,
                other_codes_note: None,
                informational: false,
            }),
            "When an endpoint is to _Fail the WebSocket Connection_, ... An endpoint MUST NOT continue to attempt to process data (including a responding Close frame) from the remote endpoint after being instructed to _Fail the WebSocket Connection_.",
            vec![v.rfc_section().to_string(), "7.1.7".to_string()],
        )
    } else if let Some(code) = ob.client_close {
        // A close wsprobe did not send as one (raw bytes, or the tail of a
        // lying frame) looks, on the wire, like the server closing first.
        let (end, by) = if ob.close_step {
            (End::Open, Closer::Client)
        } else {
            (End::Fail, Closer::Server)
        };
        (
            Class::MustAccept,
            vec![outcome(Grade::Pass, receive(&ob, false), end)],
            Some(CloseExpect {
                by,
                codes: vec![code.unwrap_or(1000)],
                drop_ok: false,
                other_codes: Grade::Informational,
                other_codes_note: Some("the reply code is not fixed by RFC 6455 5.5.1".into()),
                informational: false,
            }),
            "If an endpoint receives a Close frame and did not previously send a Close frame, the endpoint MUST send a Close frame in response.",
            vec!["5.5.1".to_string()],
        )
    } else if ob.open_ended {
        // wsprobe's own closing bytes may complete the unfinished frame, so
        // whatever follows the required echoes is the server's business.
        let mut items = receive(&ob, false);
        items.push(Item::Anything);
        (
            Class::MustAccept,
            vec![outcome(Grade::Pass, items, End::Any)],
            Some(informational_close()),
            "A server MUST NOT fail the connection for data that conforms to RFC 6455 (the client stopped mid-frame or closed its side, so nothing more is required).",
            vec!["5.2".to_string()],
        )
    } else {
        // Still open and nothing wrong: the server must still answer.
        steps.push(super::sequence::ping_step(Payload::Text(ALIVE.into())));
        steps.push(Step::Expect(crate::case::ExpectStep {
            messages: ob.echoes.len(),
            pongs: 1,
            close: false,
            timeout: None,
            relative: false,
        }));
        steps.push(Step::Close(crate::case::CloseStep {
            code: Some(1000),
            ..Default::default()
        }));
        (
            Class::MustAccept,
            vec![outcome(Grade::Pass, receive(&ob, true), End::Open)],
            Some(CloseExpect {
                by: Closer::Client,
                codes: vec![1000],
                drop_ok: false,
                other_codes: Grade::Informational,
                other_codes_note: None,
                informational: false,
            }),
            "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response, unless it already received a Close frame.",
            vec!["5.5.2".to_string()],
        )
    };
    let mut expect = expect;
    let early = ob
        .may_fail_after
        .filter(|_| !(ob.refuse || ob.reset && ob.decided_at.is_none()));
    if let Some((echoes, pings, grade, note)) = early {
        let earlier = Obligation {
            echoes: ob.echoes[..echoes].to_vec(),
            pings,
            ..ob.clone()
        };
        // With a close step after that point, the server's failing races
        // with wsprobe's close: either may be first on the wire.
        let has_close = steps.iter().any(|s| matches!(s, Step::Close(_)));
        let end = if has_close { End::Any } else { End::Fail };
        let mut o = outcome(grade, receive(&earlier, false), end);
        o.note = Some(note.into());
        // Nothing to add when failing there is already the expectation.
        let same = expect.iter().any(|x| {
            x.end == End::Fail && format!("{:?}", x.receive) == format!("{:?}", o.receive)
        });
        if !same {
            expect.push(o);
        }
    }
    let mut close = close;
    if let Some(c) = close.as_mut().filter(|_| early.is_some()) {
        // The server may have failed the connection before wsprobe's close
        // reached it; dropping TCP is then a valid way to fail.
        c.drop_ok = true;
    }
    Case {
        id: id.to_string(),
        title: format!("generated sequence: {}", summary(seq)),
        autobahn: None,
        rfc,
        requirement: requirement.to_string(),
        level: Level::Must,
        class,
        tags: vec!["fuzz".into()],
        needs: if ob.echoes.is_empty() {
            Vec::new()
        } else {
            vec![Need::Echo]
        },
        notes: None,
        severity: None,
        server_memory: None,
        steps,
        expect,
        close,
        timeout: None,
        role: Default::default(),
        tls: None,
        source: Source::default(),
    }
}

/// A one-line description: the handshake and the operation kinds.
pub fn summary(seq: &Sequence) -> String {
    let ops: Vec<&str> = seq
        .ops
        .iter()
        .take(super::sequence::MAX_OPS)
        .map(|o| match o {
            Op::Frame(_) => "frame",
            Op::Message(_) => "message",
            Op::Close(_) => "close",
            Op::Ping(_) => "ping",
            Op::Raw(_) => "raw",
            Op::Pause(_) => "pause",
            Op::Shutdown => "shutdown",
            Op::Abort => "abort",
        })
        .collect();
    format!("{:?} handshake, then [{}]", seq.handshake, ops.join(", "))
}
