//! The requirement matrix (`cases/requirements.yaml`): every normative
//! sentence of RFC 6455 sections 4 to 10 and RFC 7692 sections 5 to 8 (and
//! the other sentences cases quote), with the cases that check it or the
//! reason nothing on the wire can.
//!
//! Plain data and functions: the loader names file, line and field like the
//! case loader; `coverage` ties sentences to the catalogue's expanded ids.

use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

use super::load::CatalogError;
use super::locate::Locations;

/// The matrix file's name under `cases/` (skipped by the case loader).
pub const FILE: &str = "requirements.yaml";

/// The keyword level of a sentence (RFC 2119), or `NOTE` for a quoted
/// sentence without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// MUST, REQUIRED, SHALL.
    #[serde(rename = "MUST")]
    Must,
    /// MUST NOT, SHALL NOT.
    #[serde(rename = "MUST NOT")]
    MustNot,
    /// SHOULD, RECOMMENDED.
    #[serde(rename = "SHOULD")]
    Should,
    /// SHOULD NOT, NOT RECOMMENDED.
    #[serde(rename = "SHOULD NOT")]
    ShouldNot,
    /// MAY, OPTIONAL.
    #[serde(rename = "MAY")]
    May,
    /// No keyword: context a case quotes.
    #[serde(rename = "NOTE")]
    Note,
}

impl Level {
    /// As written in the RFC.
    pub fn label(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::MustNot => "MUST NOT",
            Level::Should => "SHOULD",
            Level::ShouldNot => "SHOULD NOT",
            Level::May => "MAY",
            Level::Note => "NOTE",
        }
    }
}

/// Whom a sentence obliges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Binds {
    /// The server.
    Server,
    /// The client.
    Client,
    /// Either endpoint, or each differently.
    Both,
}

/// One sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// `rfc6455-4.1-b`: RFC, deepest section, letter.
    pub id: String,
    /// The RFC number.
    pub rfc: u16,
    /// Its section.
    pub section: String,
    /// The strongest keyword.
    pub level: Level,
    /// Whom it obliges.
    pub binds: Binds,
    /// The sentence, verbatim (whitespace collapsed).
    pub text: String,
    /// Case ids or globs that check it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cases: Vec<String>,
    /// Why no case can check it from the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the cases check it, or what a missing case would have to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Requirement {
    /// The section's address on rfc-editor.org.
    pub fn url(&self) -> String {
        format!(
            "https://www.rfc-editor.org/rfc/rfc{}#section-{}",
            self.rfc, self.section
        )
    }
}

/// Checked by cases, not checkable, or neither yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// At least one case checks it.
    Checked,
    /// Nothing on the wire can show it (the entry says why).
    NotCheckable,
    /// Checkable, but no case does yet.
    Missing,
}

/// The whole matrix.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    /// In file order.
    pub requirements: Vec<Requirement>,
}

fn error(
    file: &str,
    at: Option<(usize, usize)>,
    field: Option<String>,
    message: String,
) -> CatalogError {
    let (line, column) = at.unwrap_or((0, 0));
    CatalogError {
        file: file.to_string(),
        line,
        column,
        case_id: None,
        field,
        message,
    }
}

/// Parse and check a matrix file: fields and values, unique ids, and cases
/// or a reason, never both.
pub fn parse(file: &str, text: &str) -> Result<Matrix, CatalogError> {
    let locations = Locations::index(text);
    let at = |path: &str| locations.find(path);
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let at = e.location().map(|l| (l.line(), l.column()));
        error(file, at, None, format!("not valid YAML: {e}"))
    })?;
    let requirements: Vec<Requirement> = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        error(
            file,
            at(&path),
            Some(path.clone()),
            e.into_inner().to_string(),
        )
    })?;
    if requirements.is_empty() {
        return Err(error(file, None, None, "the matrix has no sentence".into()));
    }
    let mut seen = std::collections::HashMap::new();
    for (i, r) in requirements.iter().enumerate() {
        let field = |name: &str| format!("[{i}].{name}");
        if let Some(first) = seen.insert(r.id.as_str(), i) {
            return Err(error(
                file,
                at(&field("id")),
                Some(field("id")),
                format!("duplicate id {} (first at entry {first})", r.id),
            ));
        }
        if !r.cases.is_empty() && r.reason.is_some() {
            return Err(error(
                file,
                at(&field("reason")),
                Some(field("reason")),
                format!("{}: a sentence with cases needs no reason", r.id),
            ));
        }
        for (k, p) in r.cases.iter().enumerate() {
            if let Err(e) = Glob::new(p) {
                let f = format!("[{i}].cases[{k}]");
                return Err(error(file, at(&f), Some(f), format!("bad glob {p:?}: {e}")));
            }
        }
    }
    Ok(Matrix { requirements })
}

/// The matrix compiled into the binary.
pub fn embedded() -> Result<Matrix, CatalogError> {
    parse(FILE, super::MATRIX)
}

/// The built-in matrix, parsed once (empty if it does not parse: the
/// catalogue test reports that, and reports still render).
pub fn built_in() -> &'static Matrix {
    static M: std::sync::OnceLock<Matrix> = std::sync::OnceLock::new();
    M.get_or_init(|| embedded().unwrap_or_default())
}

/// One sentence with the catalogue cases its patterns select.
#[derive(Debug, Clone, Serialize)]
pub struct Covered<'a> {
    /// The sentence.
    #[serde(flatten)]
    pub requirement: &'a Requirement,
    /// Checked, not checkable or missing.
    pub status: Status,
    /// Expanded case ids, in catalogue order.
    #[serde(rename = "cases")]
    pub case_ids: Vec<String>,
}

/// A pattern in the matrix that selects no case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadPattern {
    /// The sentence.
    pub id: String,
    /// The pattern.
    pub pattern: String,
}

fn matchers(r: &Requirement) -> Vec<GlobMatcher> {
    r.cases
        .iter()
        .filter_map(|p| Glob::new(p).ok().map(|g| g.compile_matcher()))
        .collect()
}

/// Every sentence with the ids (from `ids`, the catalogue's) that its
/// patterns select; patterns that select nothing are returned apart, so a
/// renamed case cannot leave a sentence looking checked.
pub fn coverage<'a>(matrix: &'a Matrix, ids: &[&str]) -> (Vec<Covered<'a>>, Vec<DeadPattern>) {
    let mut dead = Vec::new();
    let rows = matrix
        .requirements
        .iter()
        .map(|r| {
            let mut case_ids = Vec::new();
            for (pattern, m) in r.cases.iter().zip(matchers(r)) {
                let hits: Vec<&str> = ids.iter().copied().filter(|id| m.is_match(id)).collect();
                if hits.is_empty() {
                    dead.push(DeadPattern {
                        id: r.id.clone(),
                        pattern: pattern.clone(),
                    });
                }
                case_ids.extend(hits.into_iter().map(String::from));
            }
            case_ids.sort_by_key(|id| ids.iter().position(|x| x == id));
            case_ids.dedup();
            let status = if !case_ids.is_empty() {
                Status::Checked
            } else if r.reason.is_some() {
                Status::NotCheckable
            } else {
                Status::Missing
            };
            Covered {
                requirement: r,
                status,
                case_ids,
            }
        })
        .collect();
    (rows, dead)
}

/// The sentences a case checks (its id matches one of their patterns).
pub fn checked_by<'a>(matrix: &'a Matrix, case_id: &str) -> Vec<&'a Requirement> {
    matrix
        .requirements
        .iter()
        .filter(|r| matchers(r).iter().any(|m| m.is_match(case_id)))
        .collect()
}

/// Counts over a coverage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Sentences.
    pub sentences: usize,
    /// Checked by at least one case.
    pub checked: usize,
    /// Not checkable from the wire.
    pub not_checkable: usize,
    /// Checkable, no case yet.
    pub missing: usize,
}

impl Counts {
    /// Count `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Covered<'a>>) -> Counts {
        let mut c = Counts::default();
        for r in rows {
            c.sentences += 1;
            match r.status {
                Status::Checked => c.checked += 1,
                Status::NotCheckable => c.not_checkable += 1,
                Status::Missing => c.missing += 1,
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
- id: rfc6455-5.5.2-a
  rfc: 6455
  section: "5.5.2"
  level: MUST
  binds: both
  text: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response, unless it already received a Close frame."
  cases: ["control/ping/*"]
- id: rfc6455-4.1-a
  rfc: 6455
  section: "4.1"
  level: MAY
  binds: client
  text: "Clients running in controlled environments MAY offload."
  reason: deployment
- id: rfc6455-4.1-e
  rfc: 6455
  section: "4.1"
  level: MUST
  binds: client
  text: "the client MUST wait"
"#;

    #[test]
    fn statuses_follow_cases_and_reasons() {
        let m = parse("m.yaml", ONE).unwrap();
        let ids = ["control/ping/empty", "control/ping/125-bytes", "close/x"];
        let (rows, dead) = coverage(&m, &ids);
        assert!(dead.is_empty());
        let st: Vec<_> = rows.iter().map(|r| r.status).collect();
        assert_eq!(st, [Status::Checked, Status::NotCheckable, Status::Missing]);
        assert_eq!(
            rows[0].case_ids,
            ["control/ping/empty", "control/ping/125-bytes"]
        );
        assert_eq!(
            Counts::of(&rows),
            Counts {
                sentences: 3,
                checked: 1,
                not_checkable: 1,
                missing: 1
            }
        );
        assert_eq!(
            checked_by(&m, "control/ping/empty")[0].id,
            "rfc6455-5.5.2-a"
        );
        assert!(checked_by(&m, "close/x").is_empty());
    }

    #[test]
    fn a_pattern_that_selects_nothing_is_reported_and_checks_nothing() {
        let m = parse("m.yaml", ONE).unwrap();
        let (rows, dead) = coverage(&m, &["close/x"]);
        assert_eq!(rows[0].status, Status::Missing);
        assert_eq!(
            dead,
            [DeadPattern {
                id: "rfc6455-5.5.2-a".into(),
                pattern: "control/ping/*".into()
            }]
        );
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let bad = ONE.replace("level: MAY", "level: PERHAPS");
        let e = parse("m.yaml", &bad).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (12, Some("[1].level")), "{e}");
        let both = ONE.replace("  reason: deployment", "  reason: deployment\n  cases: [x]");
        let e = parse("m.yaml", &both).unwrap_err();
        assert!(e.message.contains("needs no reason"), "{e}");
        let dup = ONE.replace("rfc6455-4.1-e", "rfc6455-4.1-a");
        let e = parse("m.yaml", &dup).unwrap_err();
        assert!(e.message.contains("duplicate id rfc6455-4.1-a"), "{e}");
        assert_eq!(e.line, 16);
    }
}
