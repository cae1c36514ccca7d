//! `index.html`: one self-contained page (no network, no external assets).
//!
//! The results are embedded as JSON in a `<script type="application/json">`
//! block and drawn by the page's own script (`report.html` next to this
//! file), so the Rust side stays a serializer and the page can filter
//! without a server.

use serde::Serialize;

use super::{section_of, wirelog, RunMeta};
use crate::case::load::FileInfo;
use crate::judge::describe_outcome_for;
use crate::run::RunReport;

const TEMPLATE: &str = include_str!("report.html");

/// Wire-log lines kept per case: the head and the tail of long logs (a
/// 1000-message series logs thousands of frames).
const HEAD: usize = 150;
const TAIL: usize = 50;

#[derive(Serialize)]
struct Page<'a> {
    meta: &'a RunMeta,
    target: &'a str,
    elapsed_ms: f64,
    partial: bool,
    counts: std::collections::BTreeMap<&'static str, usize>,
    /// The results that are not a pass, by cause: shown first.
    causes: Vec<super::causes::CauseGroup<'a>>,
    cases: Vec<CaseView<'a>>,
}

#[derive(Serialize)]
struct CaseView<'a> {
    id: &'a str,
    title: &'a str,
    section: String,
    autobahn: Option<&'a str>,
    /// Security cases: high, medium, low or info.
    severity: Option<&'static str>,
    rfc: &'a [String],
    requirement: &'a str,
    /// The matrix sentences this case checks, linked to the RFC.
    checks: Vec<Sentence>,
    verdict: &'static str,
    behavior: &'static str,
    behavior_reason: &'a str,
    close: Option<&'static str>,
    close_reason: &'a str,
    observed: &'a str,
    expected: Vec<String>,
    notes: Option<&'a str>,
    duration_ms: f64,
    crashed_server: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<crate::spawned::Usage>,
    flaky: bool,
    /// Earlier runs of a flaky case, one line each.
    attempts: Vec<String>,
    wire: Vec<String>,
}

#[derive(Serialize)]
struct Sentence {
    id: String,
    level: &'static str,
    text: String,
    url: String,
}

fn checks(case_id: &str) -> Vec<Sentence> {
    let matrix = crate::case::requirements::built_in();
    crate::case::requirements::checked_by(matrix, case_id)
        .into_iter()
        .map(|r| Sentence {
            id: r.id.clone(),
            level: r.level.label(),
            text: r.text.clone(),
            url: r.url(),
        })
        .collect()
}

fn wire(events: &[crate::event::Stamped]) -> Vec<String> {
    let mut lines = wirelog::lines(events);
    if lines.len() > HEAD + TAIL {
        let cut = lines.len() - HEAD - TAIL;
        lines.splice(
            HEAD..HEAD + cut,
            [format!(
                "… {cut} lines left out (results.json has them all)"
            )],
        );
    }
    lines
}

/// The page.
pub fn render(report: &RunReport, meta: &RunMeta, files: &[FileInfo]) -> String {
    let cases = report
        .results
        .iter()
        .map(|r| {
            let j = &r.judgement;
            let (num, title) = section_of(r, files);
            CaseView {
                id: &r.case.id,
                title: &r.case.title,
                section: format!("§{num} {title}"),
                autobahn: r.case.autobahn.as_deref(),
                severity: r.case.severity.map(|s| s.name()),
                rfc: &r.case.rfc,
                requirement: r.case.requirement.trim(),
                checks: checks(&r.case.id),
                verdict: j.verdict.key(),
                behavior: j.behavior.key(),
                behavior_reason: &j.behavior_reason,
                close: j.close.map(|c| c.key()),
                close_reason: &j.close_reason,
                observed: &j.observed,
                expected: r
                    .case
                    .expect
                    .iter()
                    .map(|o| {
                        format!(
                            "{}: {}",
                            crate::judge::Verdict::from(o.grade).key(),
                            describe_outcome_for(&r.case, o)
                        )
                    })
                    .collect(),
                notes: r.case.notes.as_deref(),
                duration_ms: (r.duration_ms * 10.0).round() / 10.0,
                crashed_server: r.crashed_server,
                server: r.server,
                flaky: r.flaky,
                attempts: r
                    .attempts
                    .iter()
                    .map(|a| {
                        format!(
                            "{} with {} in flight: {}",
                            a.verdict.key(),
                            a.in_flight,
                            a.reason
                        )
                    })
                    .collect(),
                wire: wire(&r.events),
            }
        })
        .collect();
    let page = Page {
        meta,
        target: &report.target,
        elapsed_ms: report.elapsed_ms,
        partial: report.interrupted,
        counts: super::json::counts(report),
        causes: super::causes::group(report),
        cases,
    };
    let data = serde_json::to_string(&page).expect("page data serializes");
    // Inside <script>, only "</" can end the block early; "<\/" means the same to JSON.
    let data = data.replace("</", "<\\/").replace("<!--", "<\\u0021--");
    let title = html_escape(&format!("wsprobe: {}", meta.agent));
    let (head, tail) = TEMPLATE
        .split_once("{{DATA}}")
        .expect("the template has a data slot");
    format!(
        "{}{data}{}",
        head.replace("{{TITLE}}", &title),
        tail.replace("{{TITLE}}", &title)
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
