//! The GitHub action (`ci/action.yml`) cannot run here (no runner), so its
//! shape is checked: the keys GitHub requires, every step runnable, every
//! `inputs.X` and `steps.ID` it refers to defined (a step only after the one
//! it reads), and a cache key that changes with the sources.

use std::collections::BTreeSet;

use serde_yaml::Value;

fn action() -> (String, Value) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ci/action.yml");
    let text = std::fs::read_to_string(path).unwrap();
    let doc = serde_yaml::from_str(&text).expect("ci/action.yml is YAML");
    (text, doc)
}

fn refs<'a>(text: &'a str, prefix: &str) -> BTreeSet<&'a str> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn the_action_is_well_formed() {
    let (text, doc) = action();
    for key in ["name", "description", "inputs", "runs"] {
        assert!(doc.get(key).is_some(), "ci/action.yml has no {key}");
    }
    assert_eq!(doc["runs"]["using"].as_str(), Some("composite"));
    let inputs: BTreeSet<&str> = doc["inputs"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    for (name, spec) in doc["inputs"].as_mapping().unwrap() {
        assert!(
            spec.get("description").is_some(),
            "input {name:?} has no description"
        );
    }
    for used in refs(&text, "inputs.") {
        assert!(inputs.contains(used), "inputs.{used} is not an input");
    }
    let steps = doc["runs"]["steps"].as_sequence().unwrap();
    let mut ids_so_far = BTreeSet::new();
    for step in steps {
        let name = step["name"].as_str().expect("every step is named");
        // A composite step either uses an action or runs a script with a shell.
        match (step.get("uses"), step.get("run")) {
            (Some(_), None) => {}
            (None, Some(_)) => assert!(step.get("shell").is_some(), "{name}: run needs shell"),
            _ => panic!("{name}: needs exactly one of uses and run"),
        }
        let body = serde_yaml::to_string(step).unwrap();
        for used in refs(&body, "steps.") {
            assert!(
                ids_so_far.contains(used),
                "{name} reads steps.{used} before it ran"
            );
        }
        if let Some(id) = step.get("id").and_then(Value::as_str) {
            ids_so_far.insert(id.to_string());
        }
    }
    for out in doc["outputs"].as_mapping().unwrap().values() {
        let value = out["value"].as_str().unwrap();
        for used in refs(value, "steps.") {
            assert!(ids_so_far.contains(used), "output reads steps.{used}");
        }
    }
}

#[test]
fn the_build_cache_key_follows_the_sources() {
    let (_, doc) = action();
    let steps = doc["runs"]["steps"].as_sequence().unwrap();
    let cache = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cache step");
    let key = cache["with"]["key"].as_str().unwrap();
    // hashFiles() sees only the workspace, never the action's own checkout:
    // a key built with it on github.action_path never changes.
    assert!(
        !(key.contains("hashFiles") && key.contains("action_path")),
        "{key}"
    );
    let id = key
        .strip_prefix("${{ steps.")
        .and_then(|k| k.split('.').next())
        .expect("the key comes from a step");
    let keyed = steps.iter().find(|s| s["id"].as_str() == Some(id)).unwrap();
    let script = keyed["run"].as_str().unwrap();
    for source in ["Cargo.lock", "harness", "sha256sum"] {
        assert!(
            script.contains(source),
            "the key step does not hash {source}"
        );
    }
}
