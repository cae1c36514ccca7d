//! The progress bar on stderr while cases run.
//!
//! Off when stdout or stderr is not a terminal, when `CI` is set (CI logs
//! keep every redraw), and for `--format json`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::judge::Verdict;
use crate::run::CaseResult;

/// A progress bar, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    failed: usize,
}

/// A bar for `total` cases, when `human` output goes to a terminal outside CI.
pub fn bar(total: u64, human: bool) -> Progress {
    use std::io::IsTerminal;
    let on = human
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none();
    let bar = on.then(|| {
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} cases, {msg} [{elapsed}]")
                .expect("template is valid")
                .progress_chars("=> "),
        );
        b.set_message("0 failed");
        b
    });
    Progress { bar, failed: 0 }
}

impl Progress {
    /// One case finished.
    pub fn step(&mut self, r: &CaseResult) {
        if let Some(b) = &self.bar {
            if r.judgement.verdict == Verdict::Fail || r.judgement.verdict == Verdict::Error {
                self.failed += 1;
                b.set_message(format!("{} failed", self.failed));
            }
            b.inc(1);
        }
    }

    /// Remove the bar before the report prints.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
