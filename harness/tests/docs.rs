//! What the README and the documents state about the code is the code's: the
//! case counts, the fault table, the verdicts, the exit codes and the cases
//! per group are checked here (or generated: `WSPROBE_UPDATE_DOCS=1 cargo test
//! --test docs` rewrites every block between `<!-- generated: NAME ... -->`
//! and `<!-- end: NAME -->`), so a change to the catalogue or the code that
//! leaves the documents behind fails.

use std::collections::BTreeMap;
use std::path::PathBuf;

use wsprobe::case::load;
use wsprobe::cli::exit_code;
use wsprobe::judge::Verdict;
use wsprobe::servers::Fault;

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every number `pattern` (one capture group) finds in `text`.
fn numbers(text: &str, pattern: &str) -> Vec<usize> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    regex_lite::Regex::new(pattern)
        .unwrap()
        .captures_iter(&text)
        .map(|c| c[1].parse().unwrap())
        .collect()
}

/// Compares the block `name` of `rel` with `body`, or rewrites it under
/// WSPROBE_UPDATE_DOCS=1.
fn generated(rel: &str, name: &str, body: &str) {
    let text = read(rel);
    let begin = format!("<!-- generated: {name}");
    let end = format!("<!-- end: {name} -->");
    let start = text
        .find(&begin)
        .unwrap_or_else(|| panic!("{rel}: no {begin:?} marker"));
    let start = start + text[start..].find('\n').expect("marker line ends") + 1;
    let stop = text[start..]
        .find(&end)
        .map(|i| start + i)
        .unwrap_or_else(|| panic!("{rel}: no {end:?} marker"));
    if &text[start..stop] == body {
        return;
    }
    if std::env::var_os("WSPROBE_UPDATE_DOCS").is_some() {
        let updated = format!("{}{body}{}", &text[..start], &text[stop..]);
        std::fs::write(path(rel), updated).unwrap();
        return;
    }
    panic!(
        "{rel}: the {name} block is out of date; `WSPROBE_UPDATE_DOCS=1 cargo test --test docs` \
         rewrites it. Expected:\n{body}"
    );
}

#[test]
fn case_counts_in_the_readme_and_docs_are_the_catalogues() {
    let catalog = load::embedded().unwrap();
    let servers = catalog.cases.len();
    let clients = catalog.client_cases.len();
    let written_for_clients = catalog
        .client_cases
        .iter()
        .filter(|c| {
            !catalog
                .cases
                .iter()
                .any(|s| format!("client/{}", s.id) == c.id)
        })
        .count();
    let deflate = catalog
        .cases
        .iter()
        .filter(|c| c.id.starts_with("deflate/"))
        .count();
    let seedable = wsprobe::fuzz::mutate::seeds(&catalog.cases).len();
    let readme = read("README.md");
    let coverage = read("docs/coverage.md");
    let client_doc = read("docs/clients.md");
    let fuzz = read("fuzz/README.md");
    let checks = [
        (&readme, r"(\d+) server cases and \d+ client cases", servers),
        (&readme, r"\d+ server cases and (\d+) client cases", clients),
        (&client_doc, r"a client catalogue of (\d+) cases", clients),
        (
            &client_doc,
            r"(\d+) are written for clients",
            written_for_clients,
        ),
        (
            &client_doc,
            r"the other (\d+) are the server cases",
            clients - written_for_clients,
        ),
        (
            &coverage,
            r"\((\d+) server cases, and \d+ for clients",
            servers,
        ),
        (
            &coverage,
            r"\(\d+ server cases, and (\d+) for clients",
            clients,
        ),
        (&coverage, r"`cases/rfc7692/`, (\d+) cases", deflate),
        (&fuzz, r"\((\d+) of the \d+ server cases can be", seedable),
        (&fuzz, r"\(\d+ of the (\d+) server cases can be", servers),
    ];
    for (text, pattern, want) in checks {
        let got = numbers(text, pattern);
        assert!(!got.is_empty(), "no match for {pattern:?}");
        assert!(
            got.iter().all(|n| *n == want),
            "{pattern:?}: {got:?}, the catalogue has {want}"
        );
    }
}

#[test]
fn the_fault_table_is_the_codes() {
    let snapshot = |file: String| path(&format!("harness/tests/snapshots/{file}")).exists();
    let mut body = String::from("| fault | what it does | server | client |\n|---|---|---|---|\n");
    for (_, name, what) in Fault::ALL {
        let server = snapshot(format!("catalogue_verdicts__fault-{name}.snap"));
        let client = snapshot(format!("clients__client-fault-{name}.snap"));
        let mark = |b: bool| if b { "pinned" } else { "" };
        body.push_str(&format!(
            "| `{name}` | {} | {} | {} |\n",
            what.replace('|', "\\|"),
            mark(server),
            mark(client)
        ));
    }
    generated("docs/faults.md", "faults", &body);
}

#[test]
fn the_cases_per_group_table_is_the_catalogues() {
    let catalog = load::embedded().unwrap();
    let group = |id: &str| id.split('/').next().unwrap().to_string();
    let mut rows: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in &catalog.cases {
        rows.entry(group(&c.id)).or_default().0 += 1;
    }
    for c in &catalog.client_cases {
        let id =
            c.id.strip_prefix("client/")
                .expect("client ids start with client/");
        rows.entry(group(id)).or_default().1 += 1;
    }
    let mut body = String::from("| group | server cases | client cases |\n|---|---:|---:|\n");
    for (g, (s, c)) in &rows {
        body.push_str(&format!("| `{g}` | {s} | {c} |\n"));
    }
    body.push_str(&format!(
        "| all | {} | {} |\n",
        catalog.cases.len(),
        catalog.client_cases.len()
    ));
    generated("harness/cases/README.md", "groups", &body);
}

#[test]
fn every_verdict_and_exit_code_is_documented() {
    let readme = read("README.md");
    let servers = read("docs/servers.md");
    for v in Verdict::ALL {
        assert!(readme.contains(v.label()), "README.md: {}", v.label());
        assert!(
            servers.contains(&format!("| {} |", v.label())),
            "docs/servers.md has no row for {}",
            v.label()
        );
    }
    for code in [
        exit_code::OK,
        exit_code::CASES_FAILED,
        exit_code::USAGE,
        exit_code::UNREACHABLE,
        exit_code::IO,
        exit_code::INTERRUPTED,
    ] {
        assert!(
            servers.contains(&format!("\n| {code} |")),
            "docs/servers.md has no row for exit code {code}"
        );
    }
}
