//! Embeds each rule's failing and passing fixtures (testdata/rules) as the
//! failing and fixed examples `eks-sg-lint explain` prints, so the examples
//! are the very files the tests check.

use std::fmt::Write as _;
use std::path::Path;

/// (format label, code-fence language, failing fixture, fixed fixture)
const FORMATS: &[(&str, &str, &str, &str)] = &[
    ("CloudFormation (YAML)", "yaml", "fail.yaml", "pass.yaml"),
    ("CloudFormation (JSON)", "json", "fail.json", "pass.json"),
    ("Terraform", "hcl", "fail-tf/main.tf", "pass-tf/main.tf"),
    ("eksctl", "yaml", "fail-eksctl.yaml", "pass-eksctl.yaml"),
];

fn main() {
    println!("cargo:rerun-if-changed=testdata/rules");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest).join("testdata/rules");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    let mut code = String::from("&[\n");
    for dir in dirs {
        let Some(rule) = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('-').next())
            .map(str::to_string)
        else {
            continue;
        };
        for (label, lang, fail, pass) in FORMATS {
            if dir.join(fail).is_file() && dir.join(pass).is_file() {
                // Paths from the package root, not absolute: this output
                // is kept across checkouts sharing a target directory.
                let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let path = |file: &str| {
                    format!(
                        "include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {:?}))",
                        format!("/testdata/rules/{name}/{file}")
                    )
                };
                let (fail, pass) = (path(fail), path(pass));
                let _ = writeln!(
                    code,
                    "    Example {{ code: {rule:?}, format: {label:?}, language: {lang:?}, failing: {fail}, fixed: {pass} }},"
                );
            }
        }
    }
    code.push_str("]\n");
    let _ = std::fs::write(Path::new(&out).join("examples.rs"), code);
}
