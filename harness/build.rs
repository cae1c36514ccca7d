//! Embed the catalogue (`../cases/**/*.yaml`) so the binary needs no files at run time.

use std::path::{Path, PathBuf};

/// The requirement matrix: data about the cases, not a case file.
const MATRIX: &str = "requirements.yaml";

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cases");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
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
    // An empty matrix when the file is missing: the requirements loader says so.
    let matrix_text = match matrix.canonicalize() {
        Ok(abs) => format!("include_str!({:?})", abs.display().to_string()),
        Err(_) => "\"\"".to_string(),
    };
    code.push_str(&format!(
        "/// The requirement matrix (`cases/{MATRIX}`).\npub static MATRIX: &str = {matrix_text};\n"
    ));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded_cases.rs");
    std::fs::write(out, code).unwrap();
}
