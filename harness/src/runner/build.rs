//! Turning case steps into frames.

use crate::case::{CloseStep, FrameStep, MaskSpec, MessageStep};
use crate::event::FrameLog;
use crate::wire::codes::op;
use crate::wire::RawFrame;

/// The key a mask choice stands for.
pub fn mask_key(spec: MaskSpec) -> Option<[u8; 4]> {
    match spec {
        MaskSpec::Auto | MaskSpec::Random => Some(rand::random()),
        MaskSpec::None => None,
        MaskSpec::Key(k) => Some(k),
    }
}

/// The frame a `send` step describes.
pub fn frame(step: &FrameStep) -> RawFrame {
    RawFrame {
        fin: step.fin,
        rsv: step.rsv,
        opcode: step.opcode.0,
        mask: mask_key(step.mask),
        length_form: step.length,
        declared_len: step.declared_len,
        payload: step.payload.bytes(),
    }
}

/// The frames of a `send_message` step: the first with the opcode, the rest
/// continuations, FIN on the last.
pub fn message_frames(step: &MessageStep) -> Vec<RawFrame> {
    fragment(step, step.payload.bytes())
}

/// How many frames the server may send in a case before it counts as a
/// flood: about one for each frame it gets (echoes, pongs, the close), twice
/// that, a frame for every 64 bytes of payload (a server may re-frame a large
/// echo into small frames) and a thousand more.
pub fn frames_allowed(steps: &[crate::case::Step]) -> usize {
    use crate::case::Step;
    let payload: usize = steps
        .iter()
        .map(|s| match s {
            Step::Send(f) => f.payload.len(),
            Step::SendMessage(m) => m.payload.len(),
            Step::SendRaw(r) => r.len(),
            _ => 0,
        })
        .sum();
    1000 + 2 * frames_sent(steps) + payload / 64
}

/// At most how many frames `steps` (flattened) put on the wire; raw bytes
/// count as the most frames they could hold (two bytes each).
pub fn frames_sent(steps: &[crate::case::Step]) -> usize {
    use crate::case::Step;
    steps
        .iter()
        .map(|s| match s {
            Step::Send(_) | Step::Close(_) => 1,
            Step::SendMessage(m) => {
                let pieces = match m.fragment_size.filter(|&n| n > 0) {
                    Some(n) => m.payload.len().div_ceil(n).max(1),
                    None => m.fragments.len() + 1,
                };
                pieces + m.empty_final as usize
            }
            Step::SendRaw(r) => r.len() / 2 + 1,
            Step::Repeat(r) => frames_sent(&r.steps) * r.count,
            _ => 0,
        })
        .sum()
}

/// `payload` (the step's, or its compressed form) cut into the step's fragments.
pub fn fragment(step: &MessageStep, payload: Vec<u8>) -> Vec<RawFrame> {
    let mut sizes: Vec<usize> = step.fragments.clone();
    if let Some(n) = step.fragment_size.filter(|&n| n > 0) {
        sizes = (0..payload.len().div_ceil(n).saturating_sub(1))
            .map(|_| n)
            .collect();
    }
    let mut pieces = Vec::new();
    let mut rest = &payload[..];
    for size in sizes {
        let (a, b) = rest.split_at(size.min(rest.len()));
        pieces.push(a.to_vec());
        rest = b;
    }
    pieces.push(rest.to_vec());
    if step.empty_final {
        pieces.push(Vec::new());
    }
    let last = pieces.len() - 1;
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, p)| RawFrame {
            fin: i == last,
            rsv: if i == 0 { step.rsv } else { 0 },
            opcode: if i == 0 {
                step.opcode.0
            } else {
                op::CONTINUATION
            },
            ..RawFrame::new(0, p)
        })
        .collect()
}

/// The frame of a `close` step.
pub fn close_frame(step: &CloseStep) -> RawFrame {
    let mut body = Vec::new();
    if let Some(code) = step.code {
        body.extend_from_slice(&code.to_be_bytes());
    }
    body.extend(step.reason.bytes());
    let mut frame = RawFrame::new(op::CLOSE, body);
    frame.mask = mask_key(step.mask);
    frame
}

/// The wire-log entry for a frame.
pub fn log(frame: &RawFrame, preview: usize) -> FrameLog {
    FrameLog {
        fin: frame.fin,
        rsv: frame.rsv,
        opcode: frame.opcode,
        masked: frame.mask.is_some(),
        len: frame.declared_len.unwrap_or(frame.payload.len() as u64),
        preview: frame.payload[..frame.payload.len().min(preview)].to_vec(),
    }
}

/// Encode frames back to back. Lengths were checked when the case loaded,
/// so an encoding error here is a bug in wsprobe, reported as such.
pub fn encode_all(frames: &[RawFrame]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for f in frames {
        f.encode_into(&mut out)
            .map_err(|e| format!("wsprobe bug: {e}"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Delivery, Opcode, Payload};

    #[test]
    fn fragmenting() {
        let step = MessageStep {
            opcode: Opcode(1),
            payload: Payload::Text("abcd".into()),
            fragments: vec![],
            fragment_size: Some(1),
            empty_final: true,
            compress: false,
            rsv: 0,
            delivery: Delivery::default(),
        };
        let frames = message_frames(&step);
        assert_eq!(frames.len(), 5);
        assert_eq!(frames[0].opcode, 1);
        assert!(frames[1..].iter().all(|f| f.opcode == 0));
        assert!(
            frames[..4].iter().all(|f| !f.fin) && frames[4].fin && frames[4].payload.is_empty()
        );
    }
}
