//! Helpers shared by the integration tests.

use std::collections::BTreeMap;

use wsprobe::judge::Verdict;
use wsprobe::run::RunReport;

/// Cases whose verdict is not a plain pass, as `id: VERDICT (behaviour V, close V)`:
/// what the insta snapshots of faulty servers and clients pin.
pub fn verdict_labels(report: &RunReport) -> BTreeMap<String, String> {
    report
        .results
        .iter()
        .filter(|r| r.judgement.verdict != Verdict::Pass)
        .map(|r| {
            let j = &r.judgement;
            let close = j.close.map_or("-".to_string(), |c| c.label().to_string());
            (
                r.case.id.clone(),
                format!(
                    "{} (behaviour {}, close {close})",
                    j.verdict.label(),
                    j.behavior.label()
                ),
            )
        })
        .collect()
}
