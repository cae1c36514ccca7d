//! Autobahn|Testsuite-shaped results (`autobahn/index.json` plus one file
//! per case) for the cases that carry an Autobahn number, so scripts and
//! dashboards written against Autobahn's `reports/servers/index.json` keep
//! working: agent -> case number -> behavior, behaviorClose, duration,
//! remoteCloseCode, reportfile.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{wirelog, RunMeta};
use crate::event::Event;
use crate::judge::Verdict;
use crate::run::{CaseResult, RunReport};

/// Autobahn's behaviour words.
pub fn behavior(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "OK",
        Verdict::NonStrict => "NON-STRICT",
        Verdict::Informational => "INFORMATIONAL",
        Verdict::Unimplemented | Verdict::Skipped => "UNIMPLEMENTED",
        Verdict::Fail | Verdict::Error => "FAILED",
    }
}

/// Autobahn sorts case numbers numerically part by part (1.1.10 after 1.1.9).
fn sort_key(n: &str) -> Vec<u64> {
    n.split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}

fn close_frame(r: &CaseResult) -> (Option<u16>, Option<String>) {
    r.events
        .iter()
        .find_map(|e| match &e.event {
            Event::Close { code, reason } => Some((
                *code,
                Some(String::from_utf8_lossy(reason).into_owned()).filter(|s| !s.is_empty()),
            )),
            _ => None,
        })
        .unwrap_or((None, None))
}

fn case_file(agent: &str, number: &str) -> String {
    format!(
        "{}_case_{}.json",
        agent
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        number.replace('.', "_")
    )
}

/// File name to JSON text: `index.json` and one file per Autobahn case.
pub fn render(report: &RunReport, meta: &RunMeta) -> Vec<(String, String)> {
    let mut numbered: Vec<(&str, &CaseResult)> = report
        .results
        .iter()
        .filter_map(|r| Some((r.case.autobahn.as_deref()?, r)))
        .collect();
    numbered.sort_by_key(|(n, _)| sort_key(n));
    let agent = meta.agent.as_str();
    let mut index: BTreeMap<String, Value> = BTreeMap::new();
    let mut files = Vec::new();
    for (seq, (number, r)) in numbered.iter().enumerate() {
        let j = &r.judgement;
        let (code, reason) = close_frame(r);
        let close = j.close.map_or("INFORMATIONAL", behavior);
        let file = case_file(agent, number);
        index.insert(
            number.to_string(),
            json!({
                "behavior": behavior(j.verdict),
                "behaviorClose": close,
                "duration": r.duration_ms.round() as u64,
                "remoteCloseCode": code,
                "reportfile": file,
            }),
        );
        let doc = json!({
            "agent": agent,
            "behavior": behavior(j.verdict),
            "behaviorClose": close,
            "case": seq + 1,
            "id": number,
            "description": r.case.title,
            "expectation": r.case.expect.iter().map(crate::judge::describe_outcome).collect::<Vec<_>>().join(" OR "),
            "result": j.behavior_reason,
            "resultClose": j.close_reason,
            "duration": r.duration_ms.round() as u64,
            "started": meta.started_at,
            "isServer": false,
            "remoteCloseCode": code,
            "remoteCloseReason": reason,
            "wsprobe_case": r.case.id,
            "wirelog": wirelog::lines(&r.events),
        });
        files.push((
            file,
            serde_json::to_string_pretty(&doc).expect("case serializes"),
        ));
    }
    // Key order is lexicographic (serde_json's map); readers of Autobahn's
    // index.json look cases up by number, so that is fine.
    let cases: serde_json::Map<String, Value> = index.into_iter().collect();
    let doc = json!({ agent: cases });
    files.insert(
        0,
        (
            "index.json".to_string(),
            serde_json::to_string_pretty(&doc).expect("index serializes"),
        ),
    );
    files
}
