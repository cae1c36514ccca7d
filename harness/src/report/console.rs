//! Human output: results grouped by catalogue section, one summary line.

use std::fmt::Write;

use crate::case::load::FileInfo;
use crate::judge::Verdict;
use crate::run::{CaseResult, RunReport};

/// The section a case belongs to (its catalogue file).
fn section_of<'a>(r: &CaseResult, files: &'a [FileInfo]) -> (&'a str, &'a str) {
    files
        .iter()
        .find(|f| f.file == r.case.source.file)
        .map_or(("", "other"), |f| (f.section.as_str(), f.title.as_str()))
}

/// The full report: per-section results with reasons for anything not passing.
pub fn render(report: &RunReport, files: &[FileInfo], verbose: bool) -> String {
    let mut out = String::new();
    let mut current = None;
    for r in &report.results {
        let section = section_of(r, files);
        if current != Some(section) {
            let _ = writeln!(out, "\n§{} {}", section.0, section.1);
            current = Some(section);
        }
        let j = &r.judgement;
        let ab = r
            .case
            .autobahn
            .as_deref()
            .map_or(String::new(), |a| format!(" [autobahn {a}]"));
        let close = j.close.map_or(String::new(), |c| {
            if c == Verdict::Pass {
                String::new()
            } else {
                format!(" (close: {})", c.label())
            }
        });
        let speed = j.metrics.map_or(String::new(), |m| {
            format!(
                "  ({:.1} MiB, {} messages in {:.0} ms: {:.0} MiB/s)",
                (m.bytes_sent + m.bytes_received) as f64 / 1048576.0,
                m.messages_received,
                m.transfer_ms,
                m.mib_per_s
            )
        });
        let _ = writeln!(
            out,
            "  {:<10} {}{}{}{}",
            j.verdict.label(),
            r.case.id,
            ab,
            close,
            speed
        );
        if verbose || j.verdict != Verdict::Pass {
            if j.behavior != Verdict::Pass || verbose {
                let _ = writeln!(out, "             {}", j.behavior_reason);
            }
            if j.close.is_some_and(|c| c != Verdict::Pass) {
                let _ = writeln!(out, "             close: {}", j.close_reason);
            }
        }
    }
    out.push('\n');
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// `N cases, P passed, S non-strict, I informational, F failed, ... in T`.
pub fn summary(report: &RunReport) -> String {
    let mut s = format!(
        "{} cases, {} passed, {} non-strict, {} informational, {} failed",
        report.results.len(),
        report.count(Verdict::Pass),
        report.count(Verdict::NonStrict),
        report.count(Verdict::Informational),
        report.count(Verdict::Fail),
    );
    for (v, name) in [
        (Verdict::Error, "errors"),
        (Verdict::Skipped, "skipped"),
        (Verdict::Unimplemented, "unimplemented"),
    ] {
        let n = report.count(v);
        if n > 0 {
            let _ = write!(s, ", {n} {name}");
        }
    }
    let _ = write!(s, " in {:.2}s", report.elapsed_ms / 1000.0);
    if report.interrupted {
        s.push_str(" (interrupted: partial results)");
    }
    s
}
