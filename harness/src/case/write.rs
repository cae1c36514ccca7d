//! Cases back to YAML: the file format `load` reads, so generated cases
//! (fuzz findings) are ordinary catalogue files that `--case-file` replays.

use serde_json::Value;

use super::Case;

/// Drop nulls and empty lists (every such field defaults to them), so the
/// file reads like a hand-written one. Booleans stay: some default to true.
fn prune(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !(x.is_null() || x.as_array().is_some_and(|a| a.is_empty())));
            for x in m.values_mut() {
                prune(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(prune),
        _ => {}
    }
}

/// One case as a YAML mapping (no `source`).
pub fn case_value(case: &Case) -> Value {
    let mut v = serde_json::to_value(case).expect("cases serialize");
    if let Value::Object(m) = &mut v {
        m.remove("source");
    }
    prune(&mut v);
    v
}

/// A whole catalogue file: `section`, `title` and the cases.
pub fn file(section: &str, title: &str, cases: &[Case]) -> String {
    let doc = serde_json::json!({
        "section": section,
        "title": title,
        "cases": cases.iter().map(case_value).collect::<Vec<_>>(),
    });
    serde_yaml::to_string(&doc).expect("YAML serializes")
}

#[cfg(test)]
mod tests {
    use crate::case::load;

    /// Every catalogue case written out and read back is the same case.
    #[test]
    fn catalogue_round_trips() {
        let cat = load::embedded().unwrap();
        for info in &cat.files {
            let cases: Vec<_> = cat
                .cases
                .iter()
                .chain(&cat.client_cases)
                .filter(|c| c.source.file == info.file)
                .cloned()
                .collect();
            let text = super::file(&info.section, &info.title, &cases);
            let (_, back) = load::load_file(&info.file, &text)
                .unwrap_or_else(|e| panic!("{e}\n{}", &text[..text.len().min(3000)]));
            assert_eq!(back.len(), cases.len());
            for (a, b) in cases.iter().zip(&back) {
                assert_eq!(super::case_value(a), super::case_value(b), "{}", a.id);
            }
        }
    }
}
