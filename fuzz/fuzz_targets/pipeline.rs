//! The whole pipeline on bytes: the first byte picks the file name (and so
//! the front end and extractor), the rest is the file. `scan` must finish
//! with findings (an EKS000 for what does not parse) whose spans lie in
//! their file, and the reporters must render them, never a panic.
#![no_main]

use std::path::PathBuf;

use eks_sg_lint::pipeline::{self, Selection};
use eks_sg_lint::report::{self, human::Style, OutputFormat, Report};
use eks_sg_lint::rules;
use libfuzzer_sys::fuzz_target;

/// File names that reach every front end and extractor.
const NAMES: &[&str] = &[
    "template.yaml",
    "cluster.yml",
    "template.json",
    "stack.template",
    "main.tf",
    "main.tf.json",
    "terraform.tfvars",
    "terraform.tfvars.json",
];

thread_local! {
    static DIR: tempfile::TempDir = tempfile::Builder::new()
        .prefix("eks-sg-lint-fuzz")
        .tempdir()
        .expect("temp dir");
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(first) % NAMES.len()];
    DIR.with(|dir| {
        // A fresh subdirectory per run: no file of an earlier input remains.
        let sub: PathBuf = dir.path().join("in");
        let _ = std::fs::remove_dir_all(&sub);
        std::fs::create_dir_all(&sub).expect("create input dir");
        let path = sub.join(name);
        std::fs::write(&path, body).expect("write input");
        // `.tfvars` alone is not scanned as a root module: give it one.
        if name.contains("tfvars") {
            std::fs::write(sub.join("vars.tf"), "variable \"cidr\" {}\n").expect("write tf");
        }
        let scan = pipeline::scan(&[sub.clone()], &Selection::default(), &|_| false);
        for f in &scan.findings {
            let file = scan
                .sources
                .get(f.span.file)
                .expect("finding in a known file");
            let (start, end) = (f.span.start as usize, f.span.end as usize);
            assert!(start <= end && end <= file.text.len(), "{f:?}");
            assert!(file.text.is_char_boundary(start) && file.text.is_char_boundary(end));
        }
        let metas = rules::all_metas();
        let report = Report {
            findings: &scan.findings,
            sources: &scan.sources,
            rules: &metas,
            files_analyzed: scan.files_analyzed,
            notices: &scan.notices,
            elapsed: None,
        };
        for format in [OutputFormat::Human, OutputFormat::Sarif] {
            let _ = report::render(format, &report, Style::Plain);
        }
    });
});
