//! Snapshot baselines: the committed verdicts of one target, so CI fails on a
//! change, not on a deviation the project already knows about.
//!
//! The file is YAML with one case per line, sorted by id, and records only
//! what must not change silently (verdicts and the server's close code),
//! never timings, so it diffs cleanly in review.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::judge::Verdict;
use crate::run::{CaseResult, RunReport};

/// One pinned value, or the several a racy server is known to produce
/// (`verdict: [pass, non-strict]`): a run matches when it gets any of them.
/// Written by a person with a `reason`; `--update-baseline` keeps it while
/// runs stay inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnyOf<T>(pub Vec<T>);

impl<T: PartialEq + Copy> AnyOf<T> {
    fn one(v: T) -> AnyOf<T> {
        AnyOf(vec![v])
    }

    /// Whether `v` is one of the pinned values.
    pub fn admits(&self, v: T) -> bool {
        self.0.contains(&v)
    }
}

impl<T: Serialize> Serialize for AnyOf<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for AnyOf<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than an untagged enum, so a bad value keeps the
        // inner type's message ("unknown variant `great`") and its line.
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = AnyOf<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(serde::de::value::StrDeserializer::<E>::new(v))
                    .map(|v| AnyOf(vec![v]))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(serde::de::value::U64Deserializer::<E>::new(v))
                    .map(|v| AnyOf(vec![v]))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(serde::de::value::I64Deserializer::<E>::new(v))
                    .map(|v| AnyOf(vec![v]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                if out.is_empty() {
                    return Err(serde::de::Error::invalid_length(0, &"at least one value"));
                }
                Ok(AnyOf(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T: Copy> AnyOf<T> {
    fn render(&self, f: impl Fn(T) -> String) -> String {
        match self.0.as_slice() {
            [one] => f(*one),
            many => format!(
                "[{}]",
                many.iter().map(|v| f(*v)).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    fn describe(&self, f: impl Fn(T) -> String) -> String {
        self.0
            .iter()
            .map(|v| f(*v))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

/// What a baseline pins for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The case verdict.
    pub verdict: AnyOf<Verdict>,
    /// The behaviour verdict.
    pub behavior: AnyOf<Verdict>,
    /// The close-handling verdict, when the case grades it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close: Option<AnyOf<Verdict>>,
    /// The code of the server's close frame, if it sent one with a code and
    /// the case grades the close (not for informational or ungraded closes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<AnyOf<u16>>,
    /// Why this target deviates, written by a person; kept by
    /// `--update-baseline` while the verdicts stay the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What one run of a case got, as a baseline compares it (named apart
/// from the judge's `Observed`, the facts of a whole connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Got {
    /// The case verdict.
    pub verdict: Verdict,
    /// The behaviour verdict.
    pub behavior: Verdict,
    /// The close verdict, when graded.
    pub close: Option<Verdict>,
    /// The server's close code, when the close is graded.
    pub code: Option<u16>,
}

impl Got {
    /// What a finished case got.
    pub fn of(r: &CaseResult) -> Got {
        let code = r.events.iter().find_map(|e| match &e.event {
            Event::Close { code, .. } => Some(*code),
            _ => None,
        });
        // The code is pinned only where the close is graded and not already
        // failed: where RFC 6455 leaves the close open (informational), or
        // where the server got it wrong anyway (a fail), it may differ run to
        // run (a close frame or none, depending on who is faster).
        let graded = r
            .judgement
            .close
            .is_some_and(|c| c != Verdict::Informational && !c.is_failure());
        Got {
            verdict: r.judgement.verdict,
            behavior: r.judgement.behavior,
            close: r.judgement.close,
            code: code.flatten().filter(|_| graded),
        }
    }
}

fn admits_opt<T: PartialEq + Copy>(pinned: &Option<AnyOf<T>>, v: Option<T>) -> bool {
    match (pinned, v) {
        (None, None) => true,
        (Some(p), Some(v)) => p.admits(v),
        _ => false,
    }
}

impl Entry {
    /// The entry pinning exactly what a run got.
    pub fn of(o: Got) -> Entry {
        Entry {
            verdict: AnyOf::one(o.verdict),
            behavior: AnyOf::one(o.behavior),
            close: o.close.map(AnyOf::one),
            code: o.code.map(AnyOf::one),
            reason: None,
        }
    }

    /// Whether a run's result is one this entry allows.
    pub fn admits(&self, o: Got) -> bool {
        self.admits_verdicts(o) && admits_opt(&self.code, o.code)
    }

    fn admits_verdicts(&self, o: Got) -> bool {
        self.verdict.admits(o.verdict)
            && self.behavior.admits(o.behavior)
            && admits_opt(&self.close, o.close)
    }

    fn describe(&self) -> String {
        let key = |v: Verdict| v.key().to_string();
        let mut s = self.verdict.describe(key);
        if self.behavior != self.verdict {
            let _ = write!(s, ", behaviour {}", self.behavior.describe(key));
        }
        if let Some(c) = self.close.as_ref().filter(|&c| *c != self.verdict) {
            let _ = write!(s, ", close {}", c.describe(key));
        }
        match &self.code {
            Some(c) => {
                let _ = write!(s, ", code {}", c.describe(|c| c.to_string()));
            }
            None => s.push_str(", no close code"),
        }
        s
    }
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The wsprobe version that wrote it.
    pub wsprobe: String,
    /// The catalogue fingerprint it was written with.
    pub catalogue: String,
    /// The server it was recorded against (`--agent`; not the URL, which
    /// changes between machines and runs).
    pub agent: String,
    /// Reasons given to a glob of case ids at once: an entry the glob
    /// matches that has no `reason` of its own has this one (the first
    /// matching glob's). One sentence for 226 cases with one cause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<GlobReason>,
    /// Causes pinned as a whole (`causes: [{cause: KEY, verdict: fail,
    /// reason: ...}]`): a case that gets this verdict for this cause
    /// matches, listed or not, so one line stands for every case one bug
    /// decides, today's and those a new catalogue adds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<CausePin>,
    /// Case id to pinned verdicts.
    pub cases: BTreeMap<String, Entry>,
}

/// `causes: [{cause: "violation/MaskedFrameFromServer", verdict: fail, reason: "..."}]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CausePin {
    /// A cause key, as results.json's `causes[].key` gives it.
    pub cause: String,
    /// The verdict the cause gives.
    pub verdict: Verdict,
    /// Why the target deviates.
    pub reason: String,
}

/// `reasons: [{cases: "deflate/**", reason: "..."}]` in a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobReason {
    /// A glob of case ids, in the syntax `--cases` takes.
    pub cases: String,
    /// Why the cases it matches deviate.
    pub reason: String,
}

impl GlobReason {
    fn matcher(&self) -> Result<globset::GlobMatcher, globset::Error> {
        // As `--cases` and `Suite::select` read globs, so one pattern means
        // the same everywhere.
        Ok(globset::Glob::new(&self.cases)?.compile_matcher())
    }
}

/// Reading a baseline failed.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct BaselineError {
    /// The file.
    pub path: String,
    /// What is wrong, with the line when known.
    pub message: String,
}

impl Baseline {
    /// Parse a baseline file's text.
    pub fn parse(path: &str, text: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = serde_yaml::from_str(text).map_err(|e| BaselineError {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        for r in &b.reasons {
            r.matcher().map_err(|e| BaselineError {
                path: path.to_string(),
                message: format!("reasons: bad glob {:?}: {e}", r.cases),
            })?;
        }
        Ok(b)
    }

    /// The pinned cause that `r` is decided by, with its verdict.
    pub fn pin_for(&self, r: &CaseResult) -> Option<&CausePin> {
        let cause = r.judgement.cause.as_ref()?;
        self.causes
            .iter()
            .find(|p| p.cause == cause.key && p.verdict == r.judgement.verdict)
    }

    /// Whether `r` is what this baseline expects: its entry admits it, or a
    /// pinned cause covers it.
    pub fn admits(&self, r: &CaseResult) -> bool {
        self.pin_for(r).is_some()
            || self
                .cases
                .get(&r.case.id)
                .is_some_and(|e| e.admits(Got::of(r)))
    }

    /// Why `r` deviates: its entry's or glob's reason, else its pinned cause's.
    pub fn reason_for(&self, r: &CaseResult) -> Option<&str> {
        self.reason_of(&r.case.id)
            .or_else(|| self.pin_for(r).map(|p| p.reason.as_str()))
    }

    /// Why case `id` deviates: its entry's own reason, else the first
    /// `reasons` glob that matches it.
    pub fn reason_of(&self, id: &str) -> Option<&str> {
        let own = self.cases.get(id).and_then(|e| e.reason.as_deref());
        own.or_else(|| self.glob_reason(id))
    }

    /// A reason its glob already gives is not repeated on the entry.
    fn drop_repeated_reasons(&mut self) {
        let ids: Vec<String> = self.cases.keys().cloned().collect();
        for id in ids {
            let glob = self.glob_reason(&id).map(str::to_string);
            let e = self.cases.get_mut(&id).expect("listed above");
            if e.reason.is_some() && e.reason == glob {
                e.reason = None;
            }
        }
    }

    fn glob_reason(&self, id: &str) -> Option<&str> {
        self.reasons
            .iter()
            .find(|r| r.matcher().is_ok_and(|m| m.is_match(id)))
            .map(|r| r.reason.as_str())
    }

    /// Read a baseline; `Ok(None)` when the file does not exist yet.
    pub fn read(path: &Path) -> Result<Option<Baseline>, BaselineError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Baseline::parse(&path.display().to_string(), &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BaselineError {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// The file text: a header, then one flow mapping per case, sorted by id.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# wsprobe baseline: the verdicts this target is expected to get.\n\
             # `wsprobe run URL --baseline FILE` fails on any difference;\n\
             # `--update-baseline` rewrites this file from a run.\n",
        );
        let _ = writeln!(out, "wsprobe: {}", yaml_str(&self.wsprobe));
        let _ = writeln!(out, "catalogue: {}", yaml_str(&self.catalogue));
        let _ = writeln!(out, "agent: {}", yaml_str(&self.agent));
        if !self.reasons.is_empty() {
            out.push_str("reasons:\n");
            for r in &self.reasons {
                let _ = writeln!(
                    out,
                    "  - {{cases: {}, reason: {}}}",
                    serde_json::to_string(&r.cases).expect("strings serialize"),
                    yaml_str(&r.reason)
                );
            }
        }
        if !self.causes.is_empty() {
            out.push_str("causes:\n");
            for p in &self.causes {
                let _ = writeln!(
                    out,
                    "  - {{cause: {}, verdict: {}, reason: {}}}",
                    serde_json::to_string(&p.cause).expect("strings serialize"),
                    p.verdict.key(),
                    yaml_str(&p.reason)
                );
            }
        }
        out.push_str("cases:\n");
        for (id, e) in &self.cases {
            let key = |v: Verdict| v.key().to_string();
            let _ = write!(
                out,
                "  {}: {{verdict: {}, behavior: {}",
                yaml_str(id),
                e.verdict.render(key),
                e.behavior.render(key)
            );
            if let Some(c) = &e.close {
                let _ = write!(out, ", close: {}", c.render(key));
            }
            if let Some(c) = &e.code {
                let _ = write!(out, ", code: {}", c.render(|c| c.to_string()));
            }
            if let Some(r) = &e.reason {
                let _ = write!(out, ", reason: {}", yaml_str(r));
            }
            out.push_str("}\n");
        }
        out
    }

    /// The baseline after `report`: cases that ran take their new entries,
    /// cases that did not run keep theirs while they are still in the
    /// catalogue (`known`), and cases gone from the catalogue are dropped;
    /// the header records the catalogue fingerprint and the agent.
    pub fn updated(
        old: Option<&Baseline>,
        report: &RunReport,
        known: &BTreeSet<String>,
        catalogue: &str,
        agent: &str,
    ) -> Baseline {
        let mut cases: BTreeMap<String, Entry> = old
            .map(|b| {
                b.cases
                    .iter()
                    .filter(|(id, _)| known.contains(*id))
                    .map(|(id, e)| (id.clone(), e.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let pins = old.map(|b| b.causes.clone()).unwrap_or_default();
        for r in &report.results {
            let got = Got::of(r);
            // A pinned cause stands for its cases: they get no line of their own.
            if old.is_some_and(|b| b.pin_for(r).is_some()) {
                cases.remove(&r.case.id);
                continue;
            }
            let old = cases.get(&r.case.id);
            // An entry the run stays inside is kept whole: its alternatives
            // and reason were written by a person.
            if old.is_some_and(|o| o.admits(got)) {
                continue;
            }
            let mut now = Entry::of(got);
            if let Some(old) = old.filter(|o| o.admits_verdicts(got)) {
                now.reason = old.reason.clone();
            }
            cases.insert(r.case.id.clone(), now);
        }
        let mut b = Baseline {
            wsprobe: env!("CARGO_PKG_VERSION").to_string(),
            catalogue: catalogue.to_string(),
            agent: agent.to_string(),
            reasons: old.map(|b| b.reasons.clone()).unwrap_or_default(),
            causes: pins,
            cases,
        };
        b.drop_repeated_reasons();
        b
    }
}

/// Ids and plain tokens stay bare; anything YAML could misread is quoted
/// (a JSON string is a valid YAML scalar).
fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
        && !s.starts_with(['-', '.'])
        && serde_yaml::from_str::<String>(s).is_ok_and(|v| v == s);
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialize")
    }
}

/// One case whose result differs from the baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Case id.
    pub id: String,
    /// What the baseline says.
    pub was: Entry,
    /// What this run got.
    pub now: Entry,
    /// This run's verdict came after runs that disagreed (see the report's
    /// `attempts`): a race in the server, or a server that is slow under load.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
}

/// How a run compares with its baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Cases whose verdict got worse.
    pub regressions: Vec<Change>,
    /// Cases whose verdict got better (fail too, until the baseline is updated).
    pub improvements: Vec<Change>,
    /// Same verdict, different details (close verdict or code).
    pub changed: Vec<Change>,
    /// Cases that ran but are not in the baseline, with their verdict.
    pub new: Vec<(String, Entry)>,
    /// Baseline cases no longer in the catalogue.
    pub removed: Vec<String>,
    /// Pinned causes no case of the run has: fixed, not selected, or keyed
    /// differently since a catalogue change (then their cases show as new).
    pub unseen_causes: Vec<String>,
}

impl Diff {
    /// Whether the run matches: no regression, improvement or change, and,
    /// when `strict`, no new or removed case and no unseen pinned cause either.
    pub fn matches(&self, strict: bool) -> bool {
        self.regressions.is_empty()
            && self.improvements.is_empty()
            && self.changed.is_empty()
            && (!strict
                || (self.new.is_empty()
                    && self.removed.is_empty()
                    && self.unseen_causes.is_empty()))
    }

    /// Console text: one line per difference, then a summary line.
    pub fn render(&self, path: &str, strict: bool) -> String {
        let mut out = String::new();
        for (label, list) in [
            ("REGRESSION", &self.regressions),
            ("IMPROVED", &self.improvements),
            ("CHANGED", &self.changed),
        ] {
            for c in list {
                let _ = writeln!(
                    out,
                    "  {label:<10} {}: {} -> {}{}",
                    c.id,
                    c.was.describe(),
                    c.now.describe(),
                    if c.flaky {
                        " (flaky: its runs disagreed; the report has each)"
                    } else {
                        ""
                    }
                );
            }
        }
        for (id, e) in &self.new {
            let _ = writeln!(out, "  {:<10} {id}: {}", "NEW", e.describe());
        }
        for id in &self.removed {
            let _ = writeln!(out, "  {:<10} {id}: no longer in the catalogue", "REMOVED");
        }
        for key in &self.unseen_causes {
            let _ = writeln!(
                out,
                "  {:<10} cause {key}: pinned, but no case of this run has it",
                "UNSEEN"
            );
        }
        let _ = write!(
            out,
            "baseline {path}: {} regressions, {} improvements, {} changed, {} new, {} removed",
            self.regressions.len(),
            self.improvements.len(),
            self.changed.len(),
            self.new.len(),
            self.removed.len()
        );
        out.push_str(if self.matches(strict) {
            " (matches)\n"
        } else if self.regressions.is_empty()
            && self.improvements.is_empty()
            && self.changed.is_empty()
        {
            " (differs: --strict-baseline counts new and removed cases)\n"
        } else {
            " (differs: fix the server, or accept with --update-baseline)\n"
        });
        out
    }
}

/// Compare a run with a baseline. Cases the run did not select are not
/// compared; `known` is the whole catalogue's ids, to tell removed cases.
pub fn compare(baseline: &Baseline, report: &RunReport, known: &BTreeSet<String>) -> Diff {
    let mut diff = Diff::default();
    for r in &report.results {
        let got = Got::of(r);
        if baseline.pin_for(r).is_some() {
            // Decided by a cause the baseline pins as a whole.
            continue;
        }
        let Some(was) = baseline.cases.get(&r.case.id).cloned() else {
            diff.new.push((r.case.id.clone(), Entry::of(got)));
            continue;
        };
        if was.admits(got) {
            continue;
        }
        let severities = was.verdict.0.iter().map(|v| v.severity());
        let (best, worst) = (severities.clone().min(), severities.max());
        let b = got.verdict.severity();
        let change = Change {
            id: r.case.id.clone(),
            was,
            now: Entry::of(got),
            flaky: r.flaky,
        };
        if worst.is_some_and(|w| b > w) {
            diff.regressions.push(change);
        } else if best.is_some_and(|w| b < w) {
            diff.improvements.push(change);
        } else {
            diff.changed.push(change);
        }
    }
    diff.unseen_causes = baseline
        .causes
        .iter()
        .filter(|p| {
            !report.results.iter().any(|r| {
                r.judgement.verdict == p.verdict
                    && r.judgement.cause.as_ref().is_some_and(|c| c.key == p.cause)
            })
        })
        .map(|p| p.cause.clone())
        .collect();
    diff.removed = baseline
        .cases
        .keys()
        .filter(|id| !known.contains(*id))
        .cloned()
        .collect();
    for list in [
        &mut diff.regressions,
        &mut diff.improvements,
        &mut diff.changed,
    ] {
        list.sort_by(|x, y| x.id.cmp(&y.id));
    }
    diff.new.sort_by(|x, y| x.0.cmp(&y.0));
    diff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(v: Verdict, code: Option<u16>) -> Entry {
        Entry::of(Got {
            verdict: v,
            behavior: v,
            close: Some(Verdict::Pass),
            code,
        })
    }

    #[test]
    fn render_parses_back() {
        let mut cases = BTreeMap::new();
        cases.insert("close/after-echo".into(), entry(Verdict::Pass, Some(1000)));
        cases.insert("odd: id #1".into(), entry(Verdict::NonStrict, None));
        let mut known = entry(Verdict::Fail, None);
        known.reason = Some("accepts HTTP/1.0: \"item 1\"".into());
        cases.insert("null".into(), known);
        let b = Baseline {
            wsprobe: "0.1.0".into(),
            catalogue: "00ff".into(),
            agent: "tokio-tungstenite echo".into(),
            reasons: vec![GlobReason {
                cases: "odd*".into(),
                reason: "one cause for many cases".into(),
            }],
            causes: vec![CausePin {
                cause: "violation/MaskedFrameFromServer".into(),
                verdict: Verdict::Fail,
                reason: "masks its frames".into(),
            }],
            cases,
        };
        let text = b.render();
        assert!(text.contains(
            "\n  close/after-echo: {verdict: pass, behavior: pass, close: pass, code: 1000}\n"
        ));
        assert_eq!(Baseline::parse("b.yaml", &text).unwrap(), b);
    }

    #[test]
    fn a_glob_gives_its_reason_to_entries_without_one() {
        let text = "wsprobe: x\ncatalogue: y\nagent: z\nreasons:\n  - {cases: \"deflate/**\", reason: flate2 1.1}\n  - {cases: \"*/x\", reason: second}\ncases:\n  deflate/a/b: {verdict: fail, behavior: fail}\n  deflate/c: {verdict: fail, behavior: fail, reason: its own}\n  close/x: {verdict: fail, behavior: fail}\n  close/y/x: {verdict: fail, behavior: fail}\n";
        let b = Baseline::parse("b.yaml", text).unwrap();
        assert_eq!(b.reason_of("deflate/a/b"), Some("flate2 1.1"));
        assert_eq!(b.reason_of("deflate/c"), Some("its own"));
        assert_eq!(b.reason_of("close/x"), Some("second"));
        // The same syntax as --cases, where `*` crosses segments.
        assert_eq!(b.reason_of("close/y/x"), Some("second"));
        assert_eq!(b.reason_of("close/y"), None);
        // Updating drops an entry's reason where it only repeats its glob's.
        let mut repeated = b.clone();
        repeated.cases.get_mut("deflate/c").unwrap().reason = Some("flate2 1.1".into());
        repeated.drop_repeated_reasons();
        assert_eq!(repeated.cases["deflate/c"].reason, None);
        assert_eq!(repeated.reason_of("deflate/c"), Some("flate2 1.1"));
        let bad = text.replace("\"*/x\"", "\"a[\"");
        let e = Baseline::parse("b.yaml", &bad).unwrap_err().to_string();
        assert!(e.contains("bad glob") && e.contains("a["), "{e}");
    }

    #[test]
    fn errors_name_the_line() {
        let text =
            "wsprobe: x\ncatalogue: y\nagent: z\ncases:\n  a: {verdict: great, behavior: pass}\n";
        let e = Baseline::parse("b.yaml", text).unwrap_err().to_string();
        assert!(e.starts_with("b.yaml: ") && e.contains("line 5"), "{e}");
        assert!(e.contains("great"), "{e}");
    }
}
