//! Autobahn|Testsuite-shaped results (`autobahn/index.json` plus one file
//! per case) for the cases that carry an Autobahn number, so scripts and
//! dashboards written against Autobahn's `reports/servers/index.json` keep
//! working: agent -> case number -> behavior, behaviorClose, duration,
//! remoteCloseCode, reportfile.

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

/// Autobahn's file name for a case: the agent lowercased, anything but
/// a-z and 0-9 a space, the ends trimmed, spaces as `_` (`Twist Secure` ->
/// `twist_secure_case_12_1_1.json`).
fn case_file(agent: &str, number: &str) -> String {
    let clean: String = agent
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                ' '
            }
        })
        .collect();
    format!(
        "{}_case_{}.json",
        clean.trim().replace(' ', "_"),
        number.replace('.', "_")
    )
}

/// Autobahn's JSON layout (Python's `json.dumps(sort_keys=True, indent=3)`):
/// some CI scripts read index.json as text, line by line.
fn to_text(v: &Value) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"   ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    v.serialize(&mut ser).expect("JSON serializes");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// The closing facts Autobahn's case files carry.
fn closing(r: &CaseResult) -> Value {
    let o = crate::event::observed::Observed::from_events(&r.events);
    let by_me = o.client_initiated;
    let clean = o.server_close.is_some()
        && o.client_closed
        && o.tcp_end == Some(crate::event::observed::TcpEnd::Fin);
    json!({
        "closedByMe": by_me,
        // wsprobe closes first on a violation it detects, or after waiting.
        "failedByMe": by_me && (o.client_killed || r.judgement.verdict.is_failure()),
        // wsprobe dropped TCP itself: the server had not closed it.
        "droppedByMe": o.tcp_end.is_none(),
        "wasClean": clean,
        "localCloseCode": o.client_closed.then_some(1000),
        // Autobahn's traffic statistics, as far as wsprobe counts them
        // (counted as the run went: the stored wire log of a long series
        // is summarised); octets where the case records throughput.
        "trafficStats": {
            "incomingWebSocketMessages": r.messages_received,
            "incomingOctetsAppLevel": r.judgement.metrics.as_ref().map(|m| m.bytes_received),
            "outgoingOctetsAppLevel": r.judgement.metrics.as_ref().map(|m| m.bytes_sent),
        },
    })
}

/// One agent's results: its index.json entries and its case files.
/// `position` numbers a case as Autobahn's `case` field does (its place
/// in the whole list of Autobahn cases, from 1).
fn agent_files(
    report: &RunReport,
    meta: &RunMeta,
    position: &dyn Fn(&str) -> usize,
) -> (serde_json::Map<String, Value>, Vec<(String, String)>) {
    let mut numbered: Vec<(&str, &CaseResult)> = report
        .results
        .iter()
        .filter_map(|r| Some((r.case.autobahn.as_deref()?, r)))
        .collect();
    numbered.sort_by_key(|(n, _)| sort_key(n));
    let agent = meta.agent.as_str();
    let mut index = serde_json::Map::new();
    let mut files = Vec::new();
    for (number, r) in numbered {
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
        let mut doc = json!({
            "agent": agent,
            "behavior": behavior(j.verdict),
            "behaviorClose": close,
            "case": position(number),
            "id": number,
            "description": r.case.title,
            "expectation": r.case.expect.iter().map(crate::judge::describe_outcome).collect::<Vec<_>>().join(" OR "),
            "result": j.behavior_reason,
            "resultClose": j.close_reason,
            "duration": r.duration_ms.round() as u64,
            "started": meta.started_at,
            // wsprobe played the server: a client was under test.
            "isServer": r.case.role == crate::case::Role::Client,
            "remoteCloseCode": code,
            "remoteCloseReason": reason,
            "wsprobe_case": r.case.id,
            "wirelog": wirelog::lines(&r.events),
        });
        if let (Some(doc), Value::Object(more)) = (doc.as_object_mut(), closing(r)) {
            doc.extend(more);
        }
        files.push((file, to_text(&doc)));
    }
    (index, files)
}

/// File name to JSON text for one run: `index.json` and one file per Autobahn case.
/// Its `case` numbers count the run's own Autobahn cases.
pub fn render(report: &RunReport, meta: &RunMeta) -> Vec<(String, String)> {
    let mut numbers: Vec<&str> = report
        .results
        .iter()
        .filter_map(|r| r.case.autobahn.as_deref())
        .collect();
    numbers.sort_by_key(|n| sort_key(n));
    numbers.dedup();
    let position = |n: &str| numbers.iter().position(|m| *m == n).map_or(0, |i| i + 1);
    render_agents(&[(report, meta)], &position)
}

/// Several agents' runs in one directory, as wstest writes them: one
/// index.json with every agent, and each agent's case files. `position`
/// gives a case number's place in Autobahn's whole list (its `case`
/// field).
pub fn render_agents(
    runs: &[(&RunReport, &RunMeta)],
    position: &dyn Fn(&str) -> usize,
) -> Vec<(String, String)> {
    let mut index = serde_json::Map::new();
    let mut files = Vec::new();
    for (report, meta) in runs {
        let (cases, mut more) = agent_files(report, meta, position);
        // A second run of the same agent replaces the first, as in wstest.
        index.insert(meta.agent.clone(), Value::Object(cases));
        files.append(&mut more);
    }
    // Keys sort as strings (1.1.1, 10.1.1, 2.1), as Python's sort_keys
    // sorts them; readers look cases up by number.
    files.insert(
        0,
        ("index.json".to_string(), to_text(&Value::Object(index))),
    );
    files
}
