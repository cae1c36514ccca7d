//! Verdict vocabulary (Autobahn's OK / NON-STRICT / INFORMATIONAL /
//! UNIMPLEMENTED / FAILED, plus what a harness needs on top).

use serde::{Deserialize, Serialize};

/// The grade a case or its close handling gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Conforms.
    Pass,
    /// Conforms to the MUSTs, misses a SHOULD or a canonical behaviour.
    NonStrict,
    /// The RFC leaves the choice open; recorded only.
    Informational,
    /// The server lacks an optional feature the case tests.
    Unimplemented,
    /// Not run: the server lacks what the case needs.
    Skipped,
    /// Breaks RFC 6455.
    Fail,
    /// wsprobe could not finish the case (time budget, I/O); not a finding about the RFC.
    Error,
}

impl Verdict {
    /// Every verdict, best first (the order reports count them in).
    pub const ALL: [Verdict; 7] = [
        Verdict::Pass,
        Verdict::NonStrict,
        Verdict::Informational,
        Verdict::Unimplemented,
        Verdict::Skipped,
        Verdict::Fail,
        Verdict::Error,
    ];

    /// Higher is worse; the case verdict is the worst of its parts.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Informational => 1,
            Verdict::Unimplemented => 2,
            Verdict::Skipped => 3,
            Verdict::NonStrict => 4,
            Verdict::Fail => 5,
            Verdict::Error => 6,
        }
    }

    /// The worse of two verdicts.
    pub fn worst(self, other: Verdict) -> Verdict {
        if other.severity() > self.severity() {
            other
        } else {
            self
        }
    }

    /// Upper-case label for reports.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::NonStrict => "NON-STRICT",
            Verdict::Informational => "INFO",
            Verdict::Unimplemented => "UNIMPLEMENTED",
            Verdict::Skipped => "SKIPPED",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
        }
    }

    /// The spelling in YAML and JSON (`non-strict`).
    pub fn key(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::NonStrict => "non-strict",
            Verdict::Informational => "informational",
            Verdict::Unimplemented => "unimplemented",
            Verdict::Skipped => "skipped",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }

    /// Whether this verdict makes a run fail.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Error)
    }
}

impl From<crate::case::Grade> for Verdict {
    fn from(g: crate::case::Grade) -> Verdict {
        match g {
            crate::case::Grade::Pass => Verdict::Pass,
            crate::case::Grade::NonStrict => Verdict::NonStrict,
            crate::case::Grade::Informational => Verdict::Informational,
            crate::case::Grade::Fail => Verdict::Fail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict;

    /// `severity` matches every variant and gives each its own value, so
    /// `ALL` covering every severity means it lists every verdict.
    #[test]
    fn all_lists_every_verdict() {
        let mut seen: Vec<u8> = Verdict::ALL.iter().map(|v| v.severity()).collect();
        seen.sort();
        assert_eq!(seen, (0..7).collect::<Vec<u8>>());
    }
}
