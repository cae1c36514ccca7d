//! Whether a `scaling` step's figures show the answer time growing faster
//! than the input (a ReDoS, a quadratic parser): judged as two ratios of
//! figures from the same run, never against an absolute time, so a slow
//! server or a busy machine does not decide it.
//!
//! - growth: the slow input's time at the larger size over its time at the
//!   smaller one, against the sizes' own ratio k; a linear parser grows about
//!   k, so more than 2k is growing faster than the input;
//! - excess: the slow input's fastest time over the control's slowest, at
//!   the larger size; the control is as long, so a parser linear in the
//!   length answers both alike. The runs alternate, so a busy moment that
//!   delayed every run of the slow input delayed a control run too, and the
//!   control's slowest run is this run's noise: a sub-millisecond answer
//!   that a saturated machine delays by a few milliseconds is not 10 times
//!   that. More than 10 times. Where no header of the same length could
//!   answer sooner (a parser that starts over on every read is slow on any
//!   long head), the control carries the same bytes as a message after the
//!   handshake, timed to its echo: the same transfer through the same
//!   socket buffers, which a busy machine slows as much (a 2 MiB write
//!   that outgrows the buffers takes many more turns of the scheduler than
//!   a 512 KiB one: a linear parser's time grew 12 times there, and a
//!   control without those bytes would have let that through).
//!
//! Both must hold: growth alone can be noise on a sub-millisecond answer,
//! excess alone can be a constant-factor slower path.

use crate::event::ScalingPoint;

/// Growth beyond this many times the sizes' ratio.
const GROWTH: f64 = 2.0;
/// The slow input taking this many times the control.
const EXCESS: f64 = 10.0;

/// The reason, when the figures show superlinear growth. A control that
/// never answered, or ran out of time, means the server is not answering at
/// all (the rest of the case judges that), and no figure means no verdict.
pub fn superlinear(points: &[ScalingPoint]) -> Option<String> {
    let ms = |us: u64| us as f64 / 1000.0;
    let answered = |p: &ScalingPoint| p.control_us != u64::MAX && !p.control_timed_out;
    match points {
        // The slow input ran out of time at the smaller size, the control did not.
        [p] if p.slow_timed_out && answered(p) => Some(format!(
            "a {}-byte value took longer than the case allows to answer (over {:.1} ms), {} {:.1} ms",
            p.value_bytes,
            ms(p.slow_us),
            control(p),
            ms(p.control_us)
        )),
        [a, b] if answered(b) && a.slow_us != u64::MAX && b.slow_us != u64::MAX => {
            let t = |us: u64| us.max(1) as f64;
            let k = b.size as f64 / a.size as f64;
            let growth = t(b.slow_us) / t(a.slow_us);
            // A header control answers in well under a millisecond, where
            // one busy moment can delay every slow run: its slowest run is
            // the noise to beat. A message control takes milliseconds to
            // echo, each run as exposed to the load as the slow ones: its
            // fastest is compared with the slow input's fastest (its
            // slowest, one unlucky echo, let a quadratic parser pass on a
            // saturated CI machine).
            let control_us = match b.control_in_message {
                false => b.control_max_us.max(b.control_us),
                true => b.control_us,
            };
            let excess = t(b.slow_us) / t(control_us);
            (growth > GROWTH * k && excess > EXCESS).then(|| {
                format!(
                    "the answer time grew {growth:.1} times for a value {k:.0} times as long ({:.1} ms at {} bytes, {}{:.1} ms at {}), {excess:.0} times {} ({} {:.1} ms): faster than the input grows",
                    ms(a.slow_us),
                    a.value_bytes,
                    if b.slow_timed_out { "over " } else { "" },
                    ms(b.slow_us),
                    b.value_bytes,
                    control(b),
                    if b.control_in_message { "at best" } else { "at most" },
                    ms(control_us),
                )
            })
        }
        _ => None,
    }
}

fn control(p: &ScalingPoint) -> &'static str {
    match p.control_in_message {
        false => "a control of the same length",
        true => "the same bytes as a message after the handshake (to its echo)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(size: usize, slow_ms: f64, control_ms: f64) -> ScalingPoint {
        ScalingPoint {
            size,
            value_bytes: size + 2,
            control_in_message: false,
            slow_us: (slow_ms * 1000.0) as u64,
            control_us: (control_ms * 1000.0) as u64,
            control_max_us: (control_ms * 1000.0) as u64,
            slow_timed_out: false,
            control_timed_out: false,
        }
    }

    #[test]
    fn quadratic_growth_far_above_the_control_is_superlinear() {
        // ws 7.4.5's Sec-WebSocket-Protocol (CVE-2021-32640), measured.
        assert!(superlinear(&[p(4000, 30.0, 0.4), p(16000, 430.0, 0.4)]).is_some());
        // websocket-extensions 0.1.3 (CVE-2020-7662): exponential.
        assert!(superlinear(&[p(12, 2.5, 0.5), p(24, 150.0, 0.5)]).is_some());
    }

    #[test]
    fn linear_noise_and_constant_factors_are_not() {
        // The fixed versions: sub-millisecond, ratios of noise.
        assert!(superlinear(&[p(4000, 0.2, 0.4), p(16000, 0.9, 0.3)]).is_none());
        // A hiccup on one figure: growth without excess.
        assert!(superlinear(&[p(4000, 0.1, 0.4), p(16000, 3.0, 2.9)]).is_none());
        // Linear but slower on this input: excess without growth.
        assert!(superlinear(&[p(4000, 10.0, 0.4), p(16000, 40.0, 1.0)]).is_none());
        // A busy machine slows everything alike.
        assert!(superlinear(&[p(4000, 5.0, 5.0), p(16000, 80.0, 70.0)]).is_none());
    }

    #[test]
    fn a_saturated_machine_that_delays_every_slow_run_is_not_superlinear() {
        // Seen in tests/load.rs (six saturated servers on two cores): each
        // of the five runs of the larger slow input waited a few ms for the
        // server's thread, one control run did too, the others did not.
        let mut b = p(24, 2.0, 0.15);
        b.control_max_us = 6_000;
        assert!(superlinear(&[p(12, 0.15, 0.1), b.clone()]).is_none());
        // A real ReDoS on that machine is far past the control's worst run.
        b.slow_us = 150_000;
        assert!(superlinear(&[p(12, 0.5, 0.1), b]).is_some());
    }

    #[test]
    fn a_message_control_is_compared_at_its_fastest() {
        // tungstenite 0.20.0's loop on a saturated machine: one echo of
        // the 4 MiB took 100 ms, the fastest 36 ms.
        let mut b = p(4 << 20, 892.0, 36.0);
        b.control_max_us = 100_000;
        let a = p(1 << 20, 44.0, 3.3);
        assert!(superlinear(&[a.clone(), b.clone()]).is_none());
        b.control_in_message = true;
        let why = superlinear(&[a.clone(), b.clone()]).expect("superlinear");
        assert!(why.contains("at best 36.0 ms"), "{why}");
        // A linear parser stays far under its echo, at its fastest too.
        let mut lin = p(4 << 20, 6.7, 13.4);
        lin.control_in_message = true;
        assert!(superlinear(&[p(1 << 20, 1.4, 2.9), lin]).is_none());
    }

    #[test]
    fn running_out_of_time_counts_only_when_the_control_answered() {
        let mut slow = p(4000, 9000.0, 0.4);
        slow.slow_timed_out = true;
        assert!(superlinear(std::slice::from_ref(&slow)).is_some());
        // The control ran out of time too: the server is not answering.
        slow.control_timed_out = true;
        assert!(superlinear(std::slice::from_ref(&slow)).is_none());
        // The control never connected: no figure, no verdict.
        slow.control_timed_out = false;
        slow.control_us = u64::MAX;
        assert!(superlinear(&[slow]).is_none());
        // Nor without a figure for the slow input.
        let mut a = p(4000, 30.0, 0.4);
        a.slow_us = u64::MAX;
        assert!(superlinear(&[a, p(16000, 430.0, 0.4)]).is_none());
    }
}
