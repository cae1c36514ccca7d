//! Machine-readable results (`--format json`).

use serde::Serialize;

use crate::run::RunReport;

/// Version of the JSON layout; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    wsprobe_version: &'static str,
    #[serde(flatten)]
    report: &'a RunReport,
}

/// The run as pretty JSON.
pub fn render(report: &RunReport) -> String {
    serde_json::to_string_pretty(&Doc {
        schema_version: SCHEMA_VERSION,
        wsprobe_version: env!("CARGO_PKG_VERSION"),
        report,
    })
    .expect("results serialize")
}
