//! The catalogue loader on arbitrary text: an error (with a position) or
//! valid cases, never a panic; whatever loads writes back to YAML and loads
//! again to the same cases.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsprobe::case::{load, write};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Bounded: matrices multiply, and a fuzzer finds that fast.
    if text.len() > 4096 {
        return;
    }
    let Ok((info, cases)) = load::load_file("fuzz.yaml", text) else {
        return;
    };
    let again = write::file(&info.section, &info.title, &cases);
    let (_, back) = load::load_file("fuzz.yaml", &again)
        .unwrap_or_else(|e| panic!("written cases do not load: {e}\n{again}"));
    assert_eq!(back.len(), cases.len());
    for (a, b) in cases.iter().zip(&back) {
        assert_eq!(write::case_value(a), write::case_value(b));
    }
});
