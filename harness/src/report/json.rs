//! Machine-readable results: `--format json` on stdout and `results.json`.
//!
//! The layout is documented in the README ("JSON results"); `schema_version`
//! changes whenever a field is renamed or removed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RunMeta;
use crate::judge::Verdict;
use crate::run::RunReport;

/// Version of the JSON layout.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    #[serde(flatten)]
    meta: &'a RunMeta,
    /// Interrupted runs hold only the cases that finished.
    partial: bool,
    summary: BTreeMap<&'static str, usize>,
    /// The results that are not a pass, grouped by what decided them.
    causes: Vec<super::causes::CauseGroup<'a>>,
    #[serde(flatten)]
    report: &'a RunReport,
}

/// Count of cases per verdict, every verdict present (zero included).
pub fn counts(report: &RunReport) -> BTreeMap<&'static str, usize> {
    Verdict::ALL
        .into_iter()
        .map(|v| (v.key(), report.count(v)))
        .collect()
}

/// The run as pretty JSON.
pub fn render(report: &RunReport, meta: &RunMeta) -> String {
    serde_json::to_string_pretty(&Doc {
        schema_version: SCHEMA_VERSION,
        meta,
        partial: report.interrupted,
        summary: counts(report),
        causes: super::causes::group(report),
        report,
    })
    .expect("results serialize")
}
