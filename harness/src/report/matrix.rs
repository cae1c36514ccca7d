//! `wsprobe report matrix DIR...`: several runs side by side in one
//! self-contained HTML page, servers as columns and cases as rows, like the
//! comparison tables published for JSON parsers.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde::Deserialize;

/// One run, read back from its `results.json`.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header text: the agent name.
    pub agent: String,
    /// The target URL.
    pub target: String,
    /// Whether the run was interrupted.
    pub partial: bool,
    /// Case id to verdict key (`pass`, `fail`, ...).
    pub verdicts: BTreeMap<String, String>,
    /// Case id to title, for rows.
    pub titles: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Doc {
    schema_version: u32,
    agent: String,
    target: String,
    #[serde(default)]
    partial: bool,
    results: Vec<Res>,
}

#[derive(Deserialize)]
struct Res {
    case: CaseRef,
    judgement: Judged,
}

#[derive(Deserialize)]
struct CaseRef {
    id: String,
    title: String,
}

#[derive(Deserialize)]
struct Judged {
    verdict: String,
}

/// Read `DIR/results.json` (or the file itself when given a file).
pub fn read(path: &Path) -> Result<Column, String> {
    let file = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let doc: Doc = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not a wsprobe results.json (line {}: {e})",
            file.display(),
            e.line()
        )
    })?;
    if doc.schema_version != super::json::SCHEMA_VERSION {
        return Err(format!(
            "{}: schema_version {} (this wsprobe reads {})",
            file.display(),
            doc.schema_version,
            super::json::SCHEMA_VERSION
        ));
    }
    let mut col = Column {
        agent: doc.agent,
        target: doc.target,
        partial: doc.partial,
        verdicts: BTreeMap::new(),
        titles: BTreeMap::new(),
    };
    for r in doc.results {
        col.verdicts.insert(r.case.id.clone(), r.judgement.verdict);
        col.titles.insert(r.case.id, r.case.title);
    }
    Ok(col)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The comparison page. Rows are every case any run has, grouped by the
/// first segment of the id; a row where the runs disagree is marked.
pub fn render(cols: &[Column]) -> String {
    let mut rows: BTreeMap<&str, &str> = BTreeMap::new();
    for c in cols {
        for (id, t) in &c.titles {
            rows.entry(id).or_insert(t);
        }
    }
    let mut out = String::from(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>wsprobe matrix</title>\n<style>\n",
        "body{font:13px/1.4 system-ui,sans-serif;margin:16px}table{border-collapse:collapse}",
        "th,td{border:1px solid #ddd;padding:2px 6px}th{background:#f5f5f5;position:sticky;top:0}",
        "td.c{text-align:center;color:#fff;font-weight:600;font-size:11px}",
        ".pass{background:#2e7d32}.non-strict{background:#b8860b}.informational{background:#1565c0}",
        ".unimplemented{background:#6a1b9a}.skipped{background:#757575}.fail{background:#c62828}",
        ".error{background:#d84315}.none{background:#eee;color:#999!important}",
        "tr.group td{background:#fafafa;font-weight:600}tr.differs td.id{border-left:4px solid #c62828}",
        "</style></head><body>\n<h1>wsprobe: servers compared</h1>\n"
    ));
    let _ = writeln!(
        out,
        "<p>{} cases across {} runs; a red edge marks rows where the runs disagree.</p>",
        rows.len(),
        cols.len()
    );
    out.push_str("<table>\n<tr><th>case</th>");
    for c in cols {
        let _ = write!(
            out,
            "<th title=\"{}\">{}{}</th>",
            esc(&c.target),
            esc(&c.agent),
            if c.partial { " (partial)" } else { "" }
        );
    }
    out.push_str("</tr>\n<tr><td>failed</td>");
    for c in cols {
        let n = c.verdicts.values().filter(|v| *v == "fail").count();
        let _ = write!(
            out,
            "<td class=\"c {}\">{n}</td>",
            if n == 0 { "pass" } else { "fail" }
        );
    }
    out.push_str("</tr>\n");
    let mut group = "";
    for (id, title) in &rows {
        let g = id.split('/').next().unwrap_or("");
        if g != group {
            group = g;
            let _ = writeln!(
                out,
                "<tr class=\"group\"><td colspan=\"{}\">{}</td></tr>",
                cols.len() + 1,
                esc(g)
            );
        }
        let cells: Vec<Option<&String>> = cols.iter().map(|c| c.verdicts.get(*id)).collect();
        let first = cells.iter().flatten().next();
        let differs = cells.iter().any(|c| c.is_some() && *c != first.copied());
        let _ = write!(
            out,
            "<tr{}><td class=\"id\" title=\"{}\">{}</td>",
            if differs { " class=\"differs\"" } else { "" },
            esc(title),
            esc(id)
        );
        for c in cells {
            match c {
                Some(v) => {
                    let _ = write!(out, "<td class=\"c {}\">{}</td>", esc(v), esc(v));
                }
                None => out.push_str("<td class=\"c none\">not run</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</body></html>\n");
    out
}
