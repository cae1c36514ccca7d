//! The requirement matrix against the RFC texts and the catalogue: every
//! sentence is verbatim and has cases or a reason (or is a known gap, listed
//! below until a case is written), every pattern selects a case, and every
//! case's `requirement:` is verbatim RFC text that the matrix holds.

use std::collections::BTreeSet;

use wsprobe::case::quote::{is_verbatim_in, normalise_rfc, overlaps, source};
use wsprobe::case::requirements::{coverage, embedded, Status};
use wsprobe::case::{load, Case};

/// Checkable sentences no case checks yet. A test below fails when one of
/// these gets a case (take it off the list) and when a sentence not on it
/// has none (write the case, or say why it cannot be checked).
const KNOWN_GAPS: &[&str] = &[];

fn rfc_texts() -> Vec<(u16, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/rfc");
    [6455, 7692, 7230]
        .into_iter()
        .map(|n| {
            let path = dir.join(format!("rfc{n}.txt"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (n, normalise_rfc(&text))
        })
        .collect()
}

fn all_cases() -> Vec<Case> {
    let c = load::embedded().unwrap();
    c.cases.into_iter().chain(c.client_cases).collect()
}

#[test]
fn every_sentence_is_verbatim_in_its_rfc() {
    let texts = rfc_texts();
    let matrix = embedded().unwrap();
    let mut bad = Vec::new();
    for r in &matrix.requirements {
        let Some((_, text)) = texts.iter().find(|(n, _)| *n == r.rfc) else {
            bad.push(format!("{}: no text for RFC {}", r.id, r.rfc));
            continue;
        };
        if !text.contains(&wsprobe::case::quote::collapse(&r.text)) {
            bad.push(format!("{}: {:?}", r.id, r.text));
        }
    }
    assert!(bad.is_empty(), "not verbatim:\n{}", bad.join("\n"));
}

#[test]
fn every_pattern_selects_a_case_and_every_sentence_has_cases_or_a_reason() {
    let matrix = embedded().unwrap();
    let cases = all_cases();
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let (rows, dead) = coverage(&matrix, &ids);
    assert!(dead.is_empty(), "patterns that select no case: {dead:?}");
    let missing: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.status == Status::Missing)
        .map(|r| r.requirement.id.as_str())
        .collect();
    let known: BTreeSet<&str> = KNOWN_GAPS.iter().copied().collect();
    let new: Vec<_> = missing.difference(&known).collect();
    let done: Vec<_> = known.difference(&missing).collect();
    assert!(
        new.is_empty(),
        "sentences with neither cases nor a reason: {new:?}"
    );
    assert!(
        done.is_empty(),
        "checked now, take them off KNOWN_GAPS: {done:?}"
    );
}

#[test]
fn every_case_quotes_the_rfc_verbatim_and_the_sentence_is_in_the_matrix() {
    let texts = rfc_texts();
    let matrix = embedded().unwrap();
    let mut not_verbatim = BTreeSet::new();
    let mut not_in_matrix = BTreeSet::new();
    for c in all_cases() {
        let q = c.requirement.trim();
        let Some(rfc) = source(q, &texts) else {
            not_verbatim.insert(format!("{} ({}): {q:?}", c.id, c.source.file));
            continue;
        };
        let cited = matrix
            .requirements
            .iter()
            .any(|r| r.rfc == rfc && overlaps(q, &r.text));
        if !cited {
            not_in_matrix.insert(format!("{} (RFC {rfc}): {q:?}", c.id));
        }
    }
    assert!(
        not_verbatim.is_empty(),
        "{} requirement: quotes are not verbatim RFC text (paraphrase goes in notes):\n{}",
        not_verbatim.len(),
        not_verbatim.into_iter().collect::<Vec<_>>().join("\n")
    );
    assert!(
        not_in_matrix.is_empty(),
        "cases cite sentences the matrix lacks:\n{}",
        not_in_matrix.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_verbatim_rule_rejects_a_paraphrase_of_a_real_sentence() {
    // The rule itself must be able to fail on the real texts.
    let texts = rfc_texts();
    let t = &texts[0].1;
    let real = "The server MUST close the underlying TCP connection immediately";
    assert!(is_verbatim_in(real, t));
    assert!(!is_verbatim_in(
        "The server MUST close the TCP connection immediately",
        t
    ));
    assert_eq!(source(real, &texts), Some(6455));
}
