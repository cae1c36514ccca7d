//! Embed the catalogue (`cases/**/*.yaml`, inside the crate so the published
//! package carries it) so the binary needs no files at run time.

use std::path::{Path, PathBuf};

/// The requirement matrix: data about the cases, not a case file.
const MATRIX: &str = "requirements.yaml";

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the catalogue directory {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml")
            && path.file_name().is_some_and(|n| n != MATRIX)
        {
            out.push(path);
        }
    }
}

fn main() {
    // At run time: the build script may be reused for a copy elsewhere.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("cases");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    // A binary without its catalogue would test nothing and say nothing:
    // refuse to build one.
    assert!(
        !files.is_empty(),
        "no case file (*.yaml) under {}: the catalogue must be inside the crate",
        root.display()
    );
    let mut code = String::from("/// Catalogue files compiled in: (path under cases/, text).\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        let abs = f.canonicalize().unwrap();
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    code.push_str("];\n");
    let matrix = root.join(MATRIX);
    println!("cargo:rerun-if-changed={}", matrix.display());
    let abs = matrix
        .canonicalize()
        .unwrap_or_else(|e| panic!("the requirement matrix {}: {e}", matrix.display()));
    code.push_str(&format!(
        "/// The requirement matrix (`cases/{MATRIX}`).\npub static MATRIX: &str = include_str!({:?});\n",
        abs.display().to_string()
    ));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_cases.rs");
    std::fs::write(out, code).unwrap();
}
