//! The counts the README and docs/ state are the catalogue's: a case added
//! without updating them fails here, so the front page never goes stale.

use wsprobe::case::load;

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
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
    let readme = read("README.md");
    let coverage = read("docs/coverage.md");
    let checks = [
        (&readme, r"(\d+) server cases and \d+ client cases", servers),
        (&readme, r"\d+ server cases and (\d+) client cases", clients),
        (&readme, r"a client catalogue of (\d+) cases", clients),
        (
            &readme,
            r"(\d+) are written for clients",
            written_for_clients,
        ),
        (
            &readme,
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
