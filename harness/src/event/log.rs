//! The stored wire log of one case, bounded whatever the peer sends.
//!
//! The judge reads facts folded from every event (`observed.rs`); this log
//! is what reports show. It keeps every event of the first part of a case,
//! then only the rare ones (handshake, closes, ends, timeouts, markers: their
//! number is bounded by the case's own steps) and the last few frames; the
//! frames and messages in between are counted by kind in one
//! [`Event::Omitted`] placed where the gap starts.

use std::collections::VecDeque;

use super::{Event, Stamped};

/// Events kept before the log starts thinning out.
pub const HEAD: usize = 192;
/// Frequent events kept at the end (the frames just before the close).
pub const TAIL: usize = 48;
/// Rare events kept after the head; past this they are counted too.
pub const RARE: usize = 128;

/// Most events a stored log holds: [`HEAD`] + [`RARE`] + [`TAIL`], the
/// summary and the first close frame.
pub const MAX_STORED: usize = HEAD + RARE + TAIL + 2;

/// A bounded, ordered log.
#[derive(Debug, Default)]
pub struct Log {
    head: Vec<Stamped>,
    /// Rare events after the head, with their sequence number.
    rare: Vec<(u64, Stamped)>,
    /// The latest frequent events after the head.
    tail: VecDeque<(u64, Stamped)>,
    /// Counted, not kept: (kind, how many), in the order kinds first appeared.
    omitted: Vec<(&'static str, u64)>,
    seq: u64,
    /// The peer's first close frame is always kept (reports and baselines
    /// read its code); later ones are a flood like any other.
    closed: bool,
}

impl Log {
    /// Record an event.
    pub fn push(&mut self, e: Stamped) {
        self.seq += 1;
        let first_close =
            matches!(e.event, Event::Close { .. }) && !std::mem::replace(&mut self.closed, true);
        if self.head.len() < HEAD {
            self.head.push(e);
            return;
        }
        match kind(&e.event).filter(|_| !first_close) {
            None if self.rare.len() < RARE || first_close => self.rare.push((self.seq, e)),
            None => self.count("other events"),
            Some(_) => {
                if self.tail.len() == TAIL {
                    if let Some((_, old)) = self.tail.pop_front() {
                        self.count(kind(&old.event).unwrap_or("other events"));
                    }
                }
                self.tail.push_back((self.seq, e));
            }
        }
    }

    fn count(&mut self, what: &'static str) {
        match self.omitted.iter_mut().find(|(k, _)| *k == what) {
            Some((_, n)) => *n += 1,
            None => self.omitted.push((what, 1)),
        }
    }

    /// Events stored so far (not counting the omitted ones).
    pub fn len(&self) -> usize {
        self.head.len() + self.rare.len() + self.tail.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.seq == 0
    }

    /// The log in order, with the summary of what was left out.
    pub fn into_events(self) -> Vec<Stamped> {
        let mut out = self.head;
        let mut rest: Vec<(u64, Stamped)> = self.rare;
        rest.extend(self.tail);
        rest.sort_by_key(|(seq, _)| *seq);
        if !self.omitted.is_empty() {
            let at_us = rest.first().map_or(0, |(_, e)| e.at_us);
            out.push(Stamped {
                at_us,
                event: Event::Omitted {
                    counts: self
                        .omitted
                        .into_iter()
                        .map(|(k, n)| (k.to_string(), n))
                        .collect(),
                },
            });
        }
        out.extend(rest.into_iter().map(|(_, e)| e));
        out
    }
}

/// The kinds a peer (or a long series) can repeat without bound, by the name
/// the summary gives them; `None` for the rare ones, which are always kept.
fn kind(e: &Event) -> Option<&'static str> {
    Some(match e {
        Event::FrameSent(_) | Event::FramesSent { .. } | Event::RawSent { .. } => "frames sent",
        Event::FrameReceived(_) => "frames received",
        Event::Message { .. } => "messages",
        Event::Ping { .. } => "pings",
        Event::Pong { .. } => "pongs",
        Event::Close { .. } => "close frames",
        Event::Violation(_) => "violations",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(i: u64, event: Event) -> Stamped {
        Stamped { at_us: i, event }
    }

    #[test]
    fn a_flood_is_counted_and_the_end_kept_in_order() {
        let mut log = Log::default();
        log.push(at(0, Event::Connected));
        for i in 1..800_000u64 {
            log.push(at(i, Event::Ping { payload: vec![] }));
            if i == 500_000 {
                log.push(at(
                    i,
                    Event::Timeout {
                        waiting_for: "x".into(),
                    },
                ));
                log.push(at(
                    i,
                    Event::ClientClose {
                        code: Some(1000),
                        reply: false,
                    },
                ));
            }
        }
        log.push(at(800_000, Event::Eof { mid_frame: false }));
        let events = log.into_events();
        assert!(events.len() <= MAX_STORED, "{}", events.len());
        let pings = events
            .iter()
            .filter(|e| matches!(e.event, Event::Ping { .. }))
            .count() as u64;
        let Some(Event::Omitted { counts }) = events
            .iter()
            .map(|e| &e.event)
            .find(|e| matches!(e, Event::Omitted { .. }))
        else {
            panic!("no summary")
        };
        let omitted: u64 = counts.iter().map(|(_, n)| n).sum();
        // Every event (1 + 799,999 pings + 3) is either stored or counted;
        // the four that are not pings are all kept.
        assert_eq!(pings + omitted + 4, 800_003, "{counts:?}");
        assert!(events
            .iter()
            .any(|e| matches!(e.event, Event::Timeout { .. })));
        assert!(matches!(events.last().unwrap().event, Event::Eof { .. }));
        assert!(events
            .iter()
            .any(|e| matches!(e.event, Event::ClientClose { .. })));
        let times: Vec<u64> = events.iter().map(|e| e.at_us).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "out of order");
    }

    #[test]
    fn a_short_case_is_kept_whole() {
        let mut log = Log::default();
        for i in 0..HEAD as u64 {
            log.push(at(i, Event::Pong { payload: vec![] }));
        }
        assert_eq!(log.into_events().len(), HEAD);
    }
}
