//! Autobahn|Testsuite's case patterns, matched as wstest matches them, so a
//! spec selects the same cases here as there.
//!
//! wstest turns a pattern containing `*` into a regular expression (`.`
//! escaped, `*` as `.*`) and tries it with Python's `re.match`: anchored at
//! the start only. So `"1.*"` is group 1 but `"1*"` is also 10, 12 and 13,
//! and `"*.1"` is every number with `.1` anywhere. A pattern without `*` is
//! taken as it is. `exclude-agent-cases` anchors both ends. The cases that
//! remain are the selected set minus the excluded one, sorted as tuples of
//! integers (2.9 before 2.10).

/// Whether `id` matches `pattern` the way wstest's `cases` and
/// `exclude-cases` do (anchored at the start only).
pub fn matches_prefix(pattern: &str, id: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == id;
    }
    glob(pattern, id, false)
}

/// Whether `text` matches `pattern` with both ends anchored
/// (`exclude-agent-cases`, for agent names and case numbers alike).
pub fn matches_whole(pattern: &str, text: &str) -> bool {
    glob(pattern, text, true)
}

/// `*` matches any run of characters; everything else is literal. With
/// `to_end`, the pattern must reach the end of `text`.
fn glob(pattern: &str, text: &str, to_end: bool) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole pattern was the prefix.
        return !to_end || rest.is_empty();
    };
    // Each middle piece at its leftmost place leaves the most room for
    // the ones after it.
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    if to_end {
        rest.ends_with(last)
    } else {
        rest.contains(last)
    }
}

/// Autobahn's order: numerically, part by part.
pub fn sort_key(id: &str) -> Vec<u64> {
    id.split('.')
        .map(|p| p.parse().unwrap_or(u64::MAX))
        .collect()
}

/// The selection a spec's `cases` and `exclude-cases` make of `known`
/// (every Autobahn number wsprobe has), in Autobahn's order. A number
/// written out that is not in `known` is returned in `unknown`: wstest
/// fails on it with a KeyError in the middle of the run; wsprobe says so
/// before it starts.
pub fn select(cases: &[String], exclude: &[String], known: &[String]) -> Selection {
    let expand = |patterns: &[String], unknown: &mut Vec<String>| {
        let mut out = Vec::new();
        for p in patterns {
            if p.contains('*') {
                out.extend(known.iter().filter(|id| matches_prefix(p, id)).cloned());
            } else if known.contains(p) {
                out.push(p.clone());
            } else {
                unknown.push(p.clone());
            }
        }
        out
    };
    let mut unknown = Vec::new();
    let chosen = expand(cases, &mut unknown);
    // An unknown number among the exclusions excludes nothing (as in wstest).
    let excluded = expand(exclude, &mut Vec::new());
    let mut ids: Vec<String> = chosen
        .into_iter()
        .filter(|id| !excluded.contains(id))
        .collect();
    ids.sort_by_key(|id| sort_key(id));
    ids.dedup();
    Selection { ids, unknown }
}

/// What a spec selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The case numbers to run, in Autobahn's order.
    pub ids: Vec<String>,
    /// Numbers written out in `cases` that no case has.
    pub unknown: Vec<String>,
}

/// Whether `exclude-agent-cases` leaves case `id` out for `agent`.
pub fn excluded_for_agent(rules: &[(String, Vec<String>)], agent: &str, id: &str) -> bool {
    rules
        .iter()
        .any(|(a, cases)| matches_whole(a, agent) && cases.iter().any(|c| matches_whole(c, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// wstest's own matching, as it is written: the pattern made a regular
    /// expression and tried at the start (`re.match`), or whole.
    fn reference(pattern: &str, id: &str, whole: bool) -> bool {
        let body = pattern.replace('.', r"\.").replace('*', ".*");
        let re = if whole {
            format!("^{body}$")
        } else {
            format!("^{body}")
        };
        regex_lite::Regex::new(&re).unwrap().is_match(id)
    }

    fn all_numbers() -> Vec<String> {
        let catalog = crate::case::load::embedded().unwrap();
        let mut ids: Vec<String> = catalog
            .cases
            .iter()
            .filter_map(|c| c.autobahn.clone())
            .collect();
        ids.sort_by_key(|id| sort_key(id));
        ids.dedup();
        ids
    }

    #[test]
    fn matching_agrees_with_wstests_regular_expressions_over_every_number() {
        let ids = all_numbers();
        assert_eq!(ids.len(), 517, "every Autobahn case has a number here");
        let patterns = [
            "*", "1.*", "1*", "12.1.*", "12.*", "13.7.*", "2.1*", "*.1", "*.1.*", "6.*.1", "7.1.*",
            "7.13.*", "9.7.3", "*1", "1.1.1*", "10.*", "11.*", "**", "*.*.18",
        ];
        for p in patterns {
            for id in &ids {
                if p.contains('*') {
                    assert_eq!(matches_prefix(p, id), reference(p, id, false), "{p} {id}");
                }
                assert_eq!(matches_whole(p, id), reference(p, id, true), "{p} {id}");
            }
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn selections_of_real_specs() {
        let ids = all_numbers();
        let count = |cases: &[&str], exclude: &[&str]| {
            select(&strings(cases), &strings(exclude), &ids).ids.len()
        };
        // Autobahn's counts per group: 1:16 2:11 3:7 4:10 5:20 6:145 7:37
        // 9:54 10:1 12:90 13:126.
        assert_eq!(count(&["*"], &[]), 517);
        assert_eq!(count(&["*"], &["9.*", "12.*", "13.*"]), 247);
        assert_eq!(count(&["1.*"], &[]), 16);
        assert_eq!(count(&["1*"], &[]), 16 + 1 + 90 + 126);
        assert_eq!(count(&["12.1.*"], &[]), 18);
        assert_eq!(count(&["2.1*"], &[]), 3);
        // fastwebsockets: groups listed one by one, 11 matches nothing.
        let listed = [
            "1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*",
        ];
        assert_eq!(count(&listed, &["11.*", "12.*", "13.*"]), 301);
        // libwebsockets: two-part numbers written out.
        assert_eq!(
            count(
                &["*"],
                &["2.10", "2.11", "12.3.1", "12.3.2", "12.4.*", "12.5.*"]
            ),
            517 - 2 - 2 - 36
        );
        // Order: numeric, and duplicates once.
        let s = select(&strings(&["2.10", "2.9", "2.*"]), &[], &ids);
        assert_eq!(s.ids.len(), 11);
        assert_eq!(s.ids[8..], strings(&["2.9", "2.10", "2.11"]));
        let s = select(&strings(&["9.7.30", "1.1.1"]), &strings(&["9.9.9"]), &ids);
        assert_eq!(s.ids, strings(&["1.1.1"]));
        assert_eq!(s.unknown, strings(&["9.7.30"]));
    }

    #[test]
    fn agent_exclusions_anchor_both_ends() {
        let rules = vec![("Tung*".to_string(), strings(&["12.*", "6.4.3"]))];
        assert!(excluded_for_agent(&rules, "Tungstenite", "12.1.1"));
        assert!(excluded_for_agent(&rules, "Tungstenite", "6.4.3"));
        assert!(!excluded_for_agent(&rules, "Tungstenite", "6.4.30"));
        assert!(!excluded_for_agent(&rules, "MyTungstenite", "12.1.1"));
        assert!(!excluded_for_agent(&rules, "Tungstenite", "1.12.1"));
    }
}
