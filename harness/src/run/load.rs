//! How many cases to keep in flight: a window that follows the server.
//!
//! A single-threaded server that wsprobe floods with 32 cases at once
//! answers everything late, and late answers turn into timeouts and wrong
//! verdicts. The liveness probe after each case is a clean latency sample
//! (the same handshake, echo and close every time), so the window is driven
//! by it, like TCP's congestion window by round-trip times: it doubles while
//! the server keeps up (slow start), then grows by one per window of healthy
//! samples (additive increase), and halves when a sample comes back much
//! slower than the fastest one seen (multiplicative decrease), at most once
//! per window so one burst of late answers counts once.

/// The window.
#[derive(Debug, Clone)]
pub struct Load {
    limit: f64,
    max: usize,
    /// The fastest probe seen, in ms: what the server does unloaded.
    base_ms: Option<f64>,
    /// Slow start until the first cut.
    slow_start: bool,
    /// Samples since the last cut.
    since_cut: usize,
    /// The window when it was last cut: the samples of that many cases
    /// (started before the cut) are still to come and count as one burst.
    cut_at: usize,
    /// Cuts so far, for the report.
    pub cuts: usize,
    /// The smallest window the run went down to.
    pub lowest: usize,
}

/// A probe this much slower than the fastest one means the server is
/// queueing wsprobe's connections (and a floor, so scheduler noise on a
/// sub-millisecond server is not read as load).
const SLOWER: f64 = 4.0;
const FLOOR_MS: f64 = 25.0;
/// Where slow start begins.
const START: usize = 8;

impl Load {
    /// A window that may grow to `max` cases.
    pub fn new(max: usize) -> Load {
        let max = max.max(1);
        let start = START.min(max);
        Load {
            limit: start as f64,
            max,
            base_ms: None,
            slow_start: true,
            since_cut: 0,
            cut_at: 0,
            cuts: 0,
            lowest: start,
        }
    }

    /// Cases allowed in flight now.
    pub fn limit(&self) -> usize {
        (self.limit.floor() as usize).clamp(1, self.max)
    }

    /// Whether a probe of `ms` means the server is saturated.
    pub fn saturated(&self, ms: f64) -> bool {
        self.base_ms
            .is_some_and(|base| ms > (base * SLOWER).max(base + FLOOR_MS))
    }

    /// Record a probe's latency (`None`: the probe failed, as bad as it gets).
    pub fn sample(&mut self, ms: Option<f64>) {
        self.since_cut += 1;
        let bad = match ms {
            Some(ms) => {
                let bad = self.saturated(ms);
                self.base_ms = Some(self.base_ms.map_or(ms, |b| b.min(ms)));
                bad
            }
            None => true,
        };
        if bad {
            // Once per window: the samples in flight at the cut were all
            // taken under the old load.
            if self.since_cut >= self.cut_at {
                self.cut_at = self.limit();
                self.limit = (self.limit / 2.0).max(1.0);
                self.slow_start = false;
                self.since_cut = 0;
                self.cuts += 1;
                self.lowest = self.lowest.min(self.limit());
            }
        } else if self.slow_start {
            self.limit = (self.limit + 1.0).min(self.max as f64);
        } else {
            self.limit = (self.limit + 1.0 / self.limit).min(self.max as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_keeps_up_gets_the_whole_window_quickly() {
        let mut l = Load::new(32);
        assert_eq!(l.limit(), 8);
        for _ in 0..30 {
            l.sample(Some(2.0));
        }
        assert_eq!(l.limit(), 32);
        assert_eq!(l.cuts, 0);
    }

    #[test]
    fn a_queueing_server_halves_the_window_once_per_window_and_recovers_slowly() {
        let mut l = Load::new(32);
        for _ in 0..30 {
            l.sample(Some(2.0));
        }
        // Late samples in a row: one cut, then another only once the cases
        // in flight at the cut have all reported (32 of them).
        for _ in 0..33 {
            l.sample(Some(200.0));
        }
        assert_eq!(l.limit(), 8, "32 → 16 → 8");
        assert_eq!(l.cuts, 2);
        // Healthy again: one more case per window of healthy samples.
        for _ in 0..9 {
            l.sample(Some(2.5));
        }
        assert_eq!(l.limit(), 9);
        // Scheduler noise on a fast server is not load.
        l.sample(Some(20.0));
        assert_eq!(l.cuts, 2);
    }

    #[test]
    fn failed_probes_bring_it_down_to_one() {
        let mut l = Load::new(32);
        l.sample(Some(1.0));
        for _ in 0..100 {
            l.sample(None);
        }
        assert_eq!(l.limit(), 1);
        assert_eq!(l.lowest, 1);
    }
}
