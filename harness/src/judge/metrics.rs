//! Throughput figures of a case: recorded in reports, never judged.

use serde::Serialize;

/// How much data a case moved and how fast; recorded, never judged.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Metrics {
    /// Payload bytes wsprobe sent.
    pub bytes_sent: u64,
    /// Payload bytes of the messages the server sent.
    pub bytes_received: u64,
    /// Data messages received.
    pub messages_received: u64,
    /// From the first byte sent to the last message received.
    pub transfer_ms: f64,
    /// (sent + received) / transfer time, in MiB/s.
    pub mib_per_s: f64,
    /// Messages received per second.
    pub messages_per_s: f64,
}

/// Throughput of a case, when it moved at least 1 MiB or 100 messages.
pub fn metrics(t: &crate::event::observed::Transfer) -> Option<Metrics> {
    let (sent, received, messages, last) = (t.sent, t.received, t.messages, t.last_message_us);
    let first = t.first_sent_us?;
    if (sent + received < 1 << 20 && messages < 100) || last <= first {
        return None;
    }
    let secs = (last - first) as f64 / 1e6;
    Some(Metrics {
        bytes_sent: sent,
        bytes_received: received,
        messages_received: messages,
        transfer_ms: secs * 1000.0,
        mib_per_s: (sent + received) as f64 / (1024.0 * 1024.0) / secs,
        messages_per_s: messages as f64 / secs,
    })
}
