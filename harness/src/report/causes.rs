//! The results that are not a pass, grouped by what decided them
//! ([`crate::judge::Cause`]): one group per verdict and cause, worst
//! verdict first, then the largest group. Every report shows these groups,
//! so a server with one bug across a matrix reads as one finding.

use serde::Serialize;

use crate::case::Severity;
use crate::judge::Verdict;
use crate::run::{CaseResult, RunReport};

/// One cause and the cases it decided.
#[derive(Debug, Clone, Serialize)]
pub struct CauseGroup<'a> {
    /// The verdict these cases got.
    pub verdict: Verdict,
    /// The cause's key (equal across the group).
    pub key: &'a str,
    /// The first case's words for it.
    pub title: &'a str,
    /// Case ids, in run order.
    pub cases: Vec<&'a str>,
    /// For security cases (which never share a group with others): the
    /// gravest severity among them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The first case: the one a report shows in full.
    #[serde(skip)]
    pub example: &'a CaseResult,
}

/// The groups of `report`'s results that are not a pass.
pub fn group(report: &RunReport) -> Vec<CauseGroup<'_>> {
    let mut groups: Vec<CauseGroup> = Vec::new();
    for r in &report.results {
        let j = &r.judgement;
        let Some(cause) = j.cause.as_ref().filter(|_| j.verdict != Verdict::Pass) else {
            continue;
        };
        match groups.iter_mut().find(|g| {
            g.verdict == j.verdict
                && g.key == cause.key
                && g.example.case.is_security() == r.case.is_security()
        }) {
            Some(g) => {
                g.cases.push(&r.case.id);
                g.severity = g.severity.min(r.case.severity);
            }
            None => groups.push(CauseGroup {
                verdict: j.verdict,
                key: &cause.key,
                title: &cause.title,
                cases: vec![&r.case.id],
                severity: r.case.severity,
                example: r,
            }),
        }
    }
    // Stable: equal groups keep the order their first case ran in.
    groups.sort_by_key(|g| {
        (
            std::cmp::Reverse(g.verdict.severity()),
            std::cmp::Reverse(g.cases.len()),
        )
    });
    groups
}
