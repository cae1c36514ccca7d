//! Report sinks over a finished (or interrupted) run.
//!
//! ```text
//! run::RunReport + RunMeta ──> console   (stdout, human)
//!                          ├─> json      (stdout --format json, results.json)
//!                          ├─> junit     (junit.xml)
//!                          ├─> html      (index.html, self-contained)
//!                          └─> autobahn  (autobahn/index.json + one file per case)
//! ```
//! Each sink is a pure function from the run to text; `write_dir` puts the
//! files in place atomically, so a reader never sees half a report.

pub mod autobahn;
pub mod causes;
pub mod console;
pub mod html;
pub mod json;
pub mod junit;
pub mod matrix;
pub mod wirelog;

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::case::load::FileInfo;
use crate::run::{CaseResult, RunReport};

/// What a report says about the run besides the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunMeta {
    /// The wsprobe version.
    pub wsprobe_version: String,
    /// When the run started, RFC 3339 UTC.
    pub started_at: String,
    /// Fingerprint of the catalogue (see `Catalog::fingerprint`).
    pub catalogue: String,
    /// A short name for the server under test (Autobahn's "agent").
    pub agent: String,
    /// The options that shape verdicts.
    pub options: RunSettings,
}

/// Options recorded in reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSettings {
    /// Parallel cases.
    pub jobs: usize,
    /// Time budget per case, milliseconds.
    pub case_timeout_ms: u64,
    /// Largest frame accepted from the server.
    pub max_frame: u64,
    /// Largest message accepted from the server.
    pub max_message: u64,
    /// Case globs selected (empty: all).
    pub cases: Vec<String>,
    /// Case globs left out.
    pub exclude: Vec<String>,
    /// The security group was added (`--security`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub security: bool,
    /// Extra request headers, credentials' values withheld (a report is
    /// shared; the secret is not).
    pub headers: Vec<(String, String)>,
    /// Subprotocol offered.
    pub protocol: Option<String>,
}

impl RunMeta {
    /// Metadata for a run starting now.
    pub fn now(catalogue: String, agent: String, options: RunSettings) -> RunMeta {
        RunMeta {
            wsprobe_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            catalogue,
            agent,
            options,
        }
    }
}

/// The section a case belongs to: its catalogue file's `section` and `title`.
pub fn section_of<'a>(r: &CaseResult, files: &'a [FileInfo]) -> (&'a str, &'a str) {
    files
        .iter()
        .find(|f| f.file == r.case.source.file)
        .map_or(("", "other"), |f| (f.section.as_str(), f.title.as_str()))
}

/// Write `text` to `path` through a temporary file and a rename, so the file
/// is either the old one or the complete new one.
pub fn write_atomic(path: &Path, text: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Write every report file into `dir`; returns the paths written.
pub fn write_dir(
    dir: &Path,
    report: &RunReport,
    meta: &RunMeta,
    files: &[FileInfo],
    baseline: Option<&Baseline>,
) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut put = |rel: &str, text: &[u8]| -> io::Result<()> {
        let p = dir.join(rel);
        write_atomic(&p, text)?;
        written.push(p);
        Ok(())
    };
    put("results.json", json::render(report, meta).as_bytes())?;
    put(
        "junit.xml",
        junit::render(report, meta, files, baseline).as_bytes(),
    )?;
    put("index.html", html::render(report, meta, files).as_bytes())?;
    for (name, text) in autobahn::render(report, meta) {
        put(&format!("autobahn/{name}"), text.as_bytes())?;
    }
    Ok(written)
}
