//! Human output: a line per section with its counts (with `-v`, a tree of
//! sections with a mark per case, like h2spec), then the failures grouped by cause (h2spec's "Failures:" recap, one
//! entry per cause with its cases and one of them in full: the RFC
//! requirement, what was expected and what happened), the other findings
//! by cause, and one summary line.

use std::fmt::Write;

use super::{causes, junit::explain, section_of, wirelog};
use crate::case::load::FileInfo;
use crate::judge::Verdict;
use crate::run::{CaseResult, RunReport};

/// How much to print.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours.
    pub color: bool,
    /// 0: one line per section, then the failures by cause; 1: a line per
    /// case, with the reasons of those that did not pass; 2: reasons of all
    /// and wire logs of those that did not pass; 3: wire logs of all.
    pub verbose: u8,
}

fn paint(style: Style, v: Verdict, text: &str) -> String {
    if !style.color {
        return text.to_string();
    }
    let code = match v {
        Verdict::Pass => "32",
        Verdict::NonStrict => "33",
        Verdict::Informational => "36",
        Verdict::Unimplemented | Verdict::Skipped => "90",
        Verdict::Fail => "1;31",
        Verdict::Error => "1;35",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✔",
        Verdict::NonStrict => "~",
        Verdict::Informational => "i",
        Verdict::Unimplemented | Verdict::Skipped => "-",
        Verdict::Fail => "✘",
        Verdict::Error => "!",
    }
}

fn case_line(r: &CaseResult, style: Style) -> String {
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
    let server = r.server.map_or(String::new(), |u| {
        let mib = |kib: u64| kib as f64 / 1024.0;
        format!(
            "  (server: {:.0} to {:.0} MiB resident, {} ms CPU{})",
            mib(u.rss_before_kib),
            mib(u.rss_peak_kib),
            u.cpu_ms,
            if u.in_flight > 1 {
                format!(", {} cases in flight", u.in_flight)
            } else {
                String::new()
            }
        )
    });
    let label = format!("{} {:<10}", mark(j.verdict), j.verdict.label());
    let severity = r
        .case
        .severity
        .map_or(String::new(), |s| format!("[{}] ", s.name()));
    format!(
        "  {} {}{}{}{}{}{}{}",
        paint(style, j.verdict, &label),
        severity,
        r.case.id,
        ab,
        close,
        speed,
        server,
        flaky_note(r)
    )
}

/// ` (FLAKY: FAIL under load, then PASS alone)`, for a case whose runs disagreed.
pub fn flaky_note(r: &CaseResult) -> String {
    if !r.flaky {
        return String::new();
    }
    let earlier: Vec<String> = r
        .attempts
        .iter()
        .map(|a| format!("{} with {} in flight", a.verdict.label(), a.in_flight))
        .collect();
    format!(
        " (FLAKY: {}, then {} alone)",
        earlier.join(", "),
        r.judgement.verdict.label()
    )
}

fn indent(out: &mut String, text: &str, by: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{by}{line}");
    }
}

/// The full report: by default one line per section with its counts (what
/// matters first is the failures, after it), with `-v` one line per case.
pub fn render(report: &RunReport, files: &[FileInfo], style: Style) -> String {
    let mut out = String::new();
    if style.verbose == 0 {
        sections(&mut out, report, files);
        flaky(&mut out, report, style);
    } else {
        every_case(&mut out, report, files, style);
    }
    recap(&mut out, report, style);
    out.push('\n');
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// `§5.2 Base Framing Protocol: 120 cases, 118 passed, 2 failed`, one line
/// per section in run order.
fn sections(out: &mut String, report: &RunReport, files: &[FileInfo]) {
    let mut rows: Vec<((&str, &str), Vec<Verdict>)> = Vec::new();
    for r in &report.results {
        let section = section_of(r, files);
        match rows.last_mut() {
            Some((s, verdicts)) if *s == section => verdicts.push(r.judgement.verdict),
            _ => rows.push((section, vec![r.judgement.verdict])),
        }
    }
    out.push('\n');
    for ((num, title), verdicts) in rows {
        let counts: Vec<String> = Verdict::ALL
            .into_iter()
            .filter_map(|v| {
                let n = verdicts.iter().filter(|x| **x == v).count();
                (n > 0).then(|| format!("{n} {}", counted(v)))
            })
            .collect();
        let _ = writeln!(
            out,
            "§{num} {title}: {}, {}",
            plural(verdicts.len(), "case"),
            counts.join(", ")
        );
    }
}

/// The summary line's word for a count of `v`.
fn counted(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "passed",
        Verdict::NonStrict => "non-strict",
        Verdict::Informational => "informational",
        Verdict::Fail => "failed",
        Verdict::Error => "errors",
        Verdict::Skipped => "skipped",
        Verdict::Unimplemented => "unimplemented",
    }
}

/// The cases whose runs disagreed, with each run.
fn flaky(out: &mut String, report: &RunReport, style: Style) {
    let flaky: Vec<&CaseResult> = report.results.iter().filter(|r| r.flaky).collect();
    if flaky.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nFlaky ({}): the runs disagreed; each verdict is from the run with the least load",
        plural(flaky.len(), "case")
    );
    for r in flaky {
        let _ = writeln!(out, "{}", case_line(r, style));
    }
}

/// `-v`: every case under its section, with the reasons of those that did
/// not pass (`-vv`: of all, and wire logs of those that did not pass;
/// `-vvv`: wire logs of all).
fn every_case(out: &mut String, report: &RunReport, files: &[FileInfo], style: Style) {
    let more = style.verbose - 1;
    let mut current = None;
    for r in &report.results {
        let section = section_of(r, files);
        if current != Some(section) {
            let _ = writeln!(out, "\n§{} {}", section.0, section.1);
            current = Some(section);
        }
        let j = &r.judgement;
        let _ = writeln!(out, "{}", case_line(r, style));
        let passed = j.verdict == Verdict::Pass;
        if !passed || more >= 1 {
            if j.behavior != Verdict::Pass || more >= 1 {
                let _ = writeln!(out, "               {}", j.behavior_reason);
            }
            if j.close.is_some_and(|c| c != Verdict::Pass) {
                let _ = writeln!(out, "               close: {}", j.close_reason);
            }
        }
        for a in r.attempts.iter().filter(|_| r.flaky) {
            let _ = writeln!(
                out,
                "               earlier run ({} in flight): {}: {}",
                a.in_flight,
                a.verdict.label(),
                a.reason
            );
        }
        if more >= 2 || (more == 1 && !passed) {
            indent(out, &wirelog::lines(&r.events).join("\n"), "        ");
        }
    }
}

/// How many case ids a cause lists before "and N more".
const LISTED: usize = 8;

/// The failures by cause, each with one case in full; then the other
/// verdicts that are not a pass, one line per cause.
fn recap(out: &mut String, report: &RunReport, style: Style) {
    let groups = causes::group(report);
    let (bad, other): (Vec<_>, Vec<_>) = groups.iter().partition(|g| g.verdict.is_failure());
    let (security, bad): (Vec<_>, Vec<_>) = bad.into_iter().partition(|g| g.severity.is_some());
    failures(out, "Failures", &bad, style);
    failures(out, "Security findings", &security, style);
    if !other.is_empty() {
        let _ = writeln!(out, "\nOther findings by cause:");
        for g in other {
            let _ = writeln!(out, "  {}", cause_line(style, g));
        }
    }
}

/// `heading (N cases, M causes):`, then each cause with one case in full.
fn failures(out: &mut String, heading: &str, groups: &[&causes::CauseGroup], style: Style) {
    if !groups.is_empty() {
        let cases: usize = groups.iter().map(|g| g.cases.len()).sum();
        let _ = writeln!(
            out,
            "\n{heading} ({}, {}):",
            plural(cases, "case"),
            plural(groups.len(), "cause")
        );
        for g in groups {
            let _ = writeln!(out, "\n{}", cause_line(style, g));
            list_cases(out, &g.cases);
            let r = g.example;
            let _ = writeln!(out, "  {}  {}", r.case.id, r.case.title);
            indent(out, &explain(r), "    ");
        }
    }
}

/// `FAIL title (N cases)`.
fn cause_line(style: Style, g: &causes::CauseGroup) -> String {
    let severity = g
        .severity
        .map_or(String::new(), |s| format!(" [{}]", s.name()));
    format!(
        "{}{severity} {} ({})",
        paint(style, g.verdict, g.verdict.label()),
        g.title,
        plural(g.cases.len(), "case")
    )
}

/// A group's case ids (when it has more than one), up to [`LISTED`].
fn list_cases(out: &mut String, cases: &[&str]) {
    if cases.len() < 2 {
        return;
    }
    for id in cases.iter().take(LISTED) {
        let _ = writeln!(out, "    {id}");
    }
    if cases.len() > LISTED {
        let _ = writeln!(out, "    ... and {} more", cases.len() - LISTED);
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
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
    let c = &report.confirmation;
    if c.metric_cases > 0 && c.metric_ms > 0.0 {
        // Their phase is often most of a run's time: say where it went.
        let _ = write!(
            s,
            "; {} metric cases alone in {:.2}s",
            c.metric_cases,
            c.metric_ms / 1000.0
        );
    }
    if c.cases > 0 {
        let _ = write!(
            s,
            "; {} confirmed with less load in {:.2}s",
            c.cases,
            c.elapsed_ms / 1000.0
        );
        if c.flaky > 0 {
            let _ = write!(s, " ({} flaky)", c.flaky);
        }
    }
    if c.load_cuts > 0 {
        let _ = write!(
            s,
            "; the server fell behind, cases in flight cut to {}",
            c.lowest_jobs
        );
    }
    if report.interrupted {
        s.push_str(" (interrupted: partial results)");
    }
    s
}
