//! `wsprobe list`: ids and titles, or JSON with counts per group.

use std::io::Write;

use super::args::{self, Format};
use super::{exit_code, globs, load_catalog, CliResult};
use crate::case::Case;

/// `wsprobe list`.
pub(super) fn list_cmd(a: args::ListArgs) -> CliResult {
    let catalog = load_catalog(&a.catalog)?;
    let set = globs(a.glob.as_slice())?;
    let all = if a.clients {
        &catalog.client_cases
    } else {
        &catalog.cases
    };
    let cases: Vec<&Case> = all
        .iter()
        .filter(|c| set.is_empty() || set.is_match(&c.id))
        .collect();
    let mut out = std::io::stdout().lock();
    match a.format {
        Format::Human => {
            for c in &cases {
                let ab = c
                    .autobahn
                    .as_deref()
                    .map_or(String::new(), |a| format!(" [autobahn {a}]"));
                let _ = writeln!(out, "{}  {}{}", c.id, c.title, ab);
            }
        }
        Format::Json => {
            let _ = writeln!(out, "{}", list_json(&cases));
        }
    }
    Ok(exit_code::OK)
}

/// The case list as JSON, with counts per group (the first segment of the
/// id) and per Autobahn group (the first number of the Autobahn case).
fn list_json(cases: &[&Case]) -> String {
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
    let mut autobahn: BTreeMap<u32, usize> = BTreeMap::new();
    for c in cases {
        *groups
            .entry(c.id.split('/').next().unwrap_or(""))
            .or_default() += 1;
        if let Some(g) = c
            .autobahn
            .as_deref()
            .and_then(|a| a.split('.').next()?.parse().ok())
        {
            *autobahn.entry(g).or_default() += 1;
        }
    }
    let list: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id, "title": c.title, "autobahn": c.autobahn, "rfc": c.rfc,
                "level": c.level, "class": c.class, "tags": c.tags, "file": c.source.file,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "total": cases.len(),
        "groups": groups,
        "autobahn_groups": autobahn,
        "cases": list,
    }))
    .expect("serializable")
}
