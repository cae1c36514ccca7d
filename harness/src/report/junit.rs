//! `junit.xml` for CI test views (GitHub, GitLab, Jenkins), via quick-junit.
//!
//! One testsuite per catalogue section, one testcase per case. FAIL is a
//! `<failure>` with the expected outcomes and what was observed, ERROR (time
//! budget, I/O) an `<error>`, informational, unimplemented and skipped cases
//! are `<skipped>` with the reason. A failure the baseline already pins is
//! `<skipped>` too, so the test view agrees with the exit code.

use std::fmt::Write;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{section_of, wirelog, RunMeta};
use crate::baseline::Baseline;
use crate::case::load::FileInfo;
use crate::judge::{describe_outcome_for, Verdict};
use crate::run::{CaseResult, RunReport};

/// Expected outcomes against what happened, for a failure's text body.
pub fn explain(r: &CaseResult) -> String {
    let c = &r.case;
    let j = &r.judgement;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}): \"{}\"",
        c.citation(),
        level_name(c),
        c.requirement.trim()
    );
    let _ = writeln!(s, "expected (any of):");
    for o in &c.expect {
        let _ = writeln!(
            s,
            "  {}: {}",
            crate::judge::Verdict::from(o.grade).key(),
            describe_outcome_for(c, o)
        );
    }
    let _ = writeln!(s, "observed: {}", j.observed);
    let _ = writeln!(s, "behaviour {}: {}", j.behavior.key(), j.behavior_reason);
    if let Some(cl) = j.close {
        let _ = writeln!(s, "close {}: {}", cl.key(), j.close_reason);
    }
    if r.flaky {
        let _ = writeln!(
            s,
            "flaky: its runs disagreed; this verdict is from the run with the least load"
        );
        for a in &r.attempts {
            let _ = writeln!(
                s,
                "  earlier run ({} in flight): {}: {}",
                a.in_flight,
                a.verdict.key(),
                a.reason
            );
        }
    }
    s
}

fn level_name(c: &crate::case::Case) -> String {
    serde_json::to_value(c.level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn status(r: &CaseResult, baseline: Option<&Baseline>) -> TestCaseStatus {
    let j = &r.judgement;
    let reason = if j.behavior != Verdict::Pass || j.close.is_none() {
        j.behavior_reason.clone()
    } else {
        j.close_reason.clone()
    };
    let cause = j.cause.as_ref().map_or(reason.clone(), |c| c.title.clone());
    let known = baseline.is_some_and(|b| b.admits(r));
    match j.verdict {
        Verdict::Pass | Verdict::NonStrict => TestCaseStatus::success(),
        Verdict::Fail | Verdict::Error if known => {
            let mut s = TestCaseStatus::skipped();
            let why = baseline
                .and_then(|b| b.reason_for(r))
                .unwrap_or("pinned in the baseline");
            s.set_message(format!("known deviation ({why}): {reason}"));
            s.set_type(j.verdict.label());
            s.set_description(explain(r));
            s
        }
        Verdict::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            // The cause, the same words in every case it decided, so CI
            // annotations group; this case's reason is in the description.
            // A security finding leads with its severity.
            match r.case.severity {
                Some(sev) => s.set_message(format!("[{}] {cause}", sev.name())),
                None => s.set_message(cause),
            };
            s.set_type("FAIL");
            s.set_description(explain(r));
            s
        }
        Verdict::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(cause);
            s.set_type("ERROR");
            s.set_description(explain(r));
            s
        }
        Verdict::Informational | Verdict::Unimplemented | Verdict::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(format!("{}: {reason}", j.verdict.label()));
            s.set_type(j.verdict.label());
            s
        }
    }
}

/// The JUnit XML text.
pub fn render(
    report: &RunReport,
    meta: &RunMeta,
    files: &[FileInfo],
    baseline: Option<&Baseline>,
) -> String {
    let mut out = Report::new(format!("wsprobe {}", meta.agent));
    out.set_time(Duration::from_secs_f64(report.elapsed_ms / 1000.0));
    // Results come in catalogue order, so a section's cases are contiguous.
    let mut suite: Option<(String, TestSuite)> = None;
    for r in &report.results {
        let (section, title) = section_of(r, files);
        let name = format!("{section} {title}");
        if suite.as_ref().is_none_or(|(n, _)| *n != name) {
            if let Some((_, s)) = suite.take() {
                out.add_test_suite(s);
            }
            suite = Some((name.clone(), TestSuite::new(name.clone())));
        }
        let mut tc = TestCase::new(r.case.id.clone(), status(r, baseline));
        tc.set_classname(format!(
            "wsprobe.{}",
            r.case
                .source
                .file
                .trim_end_matches(".yaml")
                .replace('/', ".")
        ));
        tc.set_time(Duration::from_secs_f64(r.duration_ms / 1000.0));
        if r.judgement.verdict != Verdict::Pass {
            tc.set_system_out(wirelog::lines(&r.events).join("\n"));
        }
        if let Some((_, s)) = suite.as_mut() {
            s.add_test_case(tc);
        }
    }
    if let Some((_, s)) = suite.take() {
        out.add_test_suite(s);
    }
    out.to_string().expect("JUnit XML serializes")
}
