//! `wsprobe requirements`: which RFC sentences the catalogue checks, per
//! section, and the ones it does not yet.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::case::requirements::{coverage, Counts, Covered, DeadPattern, Matrix, Status};

/// A section number as a sort key ("4.2.1" after "4.2", "10" after "9").
fn section_key(s: &str) -> Vec<u32> {
    s.split('.')
        .map(|p| p.parse().unwrap_or(u32::MAX))
        .collect()
}

/// Rows grouped by (RFC, section), in RFC and section order.
fn by_section<'a, 'b>(rows: &'b [Covered<'a>]) -> BTreeMap<(u16, Vec<u32>), Vec<&'b Covered<'a>>> {
    let mut out: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for r in rows {
        let key = (r.requirement.rfc, section_key(&r.requirement.section));
        out.entry(key).or_default().push(r);
    }
    out
}

#[derive(Serialize)]
struct SectionJson<'a> {
    rfc: u16,
    section: &'a str,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize)]
struct Json<'a, 'b> {
    summary: Counts,
    sections: Vec<SectionJson<'a>>,
    requirements: &'b [Covered<'a>],
    /// Patterns of the matrix that select no case of this catalogue.
    dead_patterns: Vec<BTreeMap<&'static str, &'b str>>,
}

/// The coverage as JSON.
pub fn json(matrix: &Matrix, ids: &[&str]) -> String {
    let (rows, dead) = coverage(matrix, ids);
    let sections = by_section(&rows)
        .values()
        .map(|group| SectionJson {
            rfc: group[0].requirement.rfc,
            section: &group[0].requirement.section,
            counts: Counts::of(group.iter().copied()),
        })
        .collect();
    let dead_patterns = dead
        .iter()
        .map(|d| BTreeMap::from([("id", d.id.as_str()), ("pattern", d.pattern.as_str())]))
        .collect();
    let doc = Json {
        summary: Counts::of(&rows),
        sections,
        requirements: &rows,
        dead_patterns,
    };
    serde_json::to_string_pretty(&doc).expect("coverage serializes")
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// The coverage as a table per section, then the sentences no case checks.
pub fn human(matrix: &Matrix, ids: &[&str], missing_only: bool) -> String {
    let (rows, dead) = coverage(matrix, ids);
    let mut s = String::new();
    if !missing_only {
        let _ = writeln!(
            s,
            "{:<6} {:<9} {:>9} {:>8} {:>14} {:>8}",
            "RFC", "section", "sentences", "checked", "not checkable", "missing"
        );
        for group in by_section(&rows).values() {
            let c = Counts::of(group.iter().copied());
            let r = group[0].requirement;
            let _ = writeln!(
                s,
                "{:<6} {:<9} {:>9} {:>8} {:>14} {:>8}",
                r.rfc, r.section, c.sentences, c.checked, c.not_checkable, c.missing
            );
        }
        let total = Counts::of(&rows);
        let _ = writeln!(
            s,
            "\n{} sentences: {} checked, {} not checkable from the wire, {} missing",
            total.sentences, total.checked, total.not_checkable, total.missing
        );
    }
    let missing: Vec<_> = rows
        .iter()
        .filter(|r| r.status == Status::Missing)
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(s, "\nNo case checks these yet ({}):", missing.len());
        for r in missing {
            let q = r.requirement;
            let _ = writeln!(
                s,
                "  {:<20} {:<10} {:<6} \"{}\"",
                q.id,
                q.level.label(),
                format!("{:?}", q.binds).to_lowercase(),
                clip(&q.text, 90)
            );
        }
    }
    dead_lines(&mut s, &dead);
    s
}

fn dead_lines(s: &mut String, dead: &[DeadPattern]) {
    if dead.is_empty() {
        return;
    }
    let _ = writeln!(s, "\nPatterns that select no case of this catalogue:");
    for d in dead {
        let _ = writeln!(s, "  {}: {}", d.id, d.pattern);
    }
}
