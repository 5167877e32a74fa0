//! Every input a fuzz target (fuzz/fuzz_targets/) ever crashed on, fed
//! through the same entry point as that target: `testdata/fuzz/<target>/`.
//! Each must now give a value or an error, never a panic; the checks the
//! targets make (spans inside the text, findings inside their file) are
//! made here too.

use std::path::{Path, PathBuf};

use eks_sg_lint::guard::{self, parser};
use eks_sg_lint::pipeline::{self, Selection};
use eks_sg_lint::report::{self, human::Style, OutputFormat, Report};
use eks_sg_lint::rules;
use eks_sg_lint::source::{FileId, Span};
use eks_sg_lint::syntax::{hcl, json, yaml, Limits, Node, RefPart, TemplatePart, Value};

/// The inputs kept for `target`, sorted by name.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/fuzz")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

fn check_span(what: &Path, text: &str, span: Span) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= text.len(),
        "{}: span {span:?} outside the text ({} bytes)",
        what.display(),
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{}: span {span:?} splits a character",
        what.display()
    );
}

fn check_tree(what: &Path, text: &str, root: &Node) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        check_span(what, text, node.span);
        match &node.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for e in entries {
                    check_span(what, text, e.key_span);
                    stack.push(&e.value);
                }
            }
            Value::Tagged(_, inner) => stack.push(inner),
            Value::Reference(parts) => stack.extend(parts.iter().filter_map(|p| match p {
                RefPart::Index(n) => Some(&**n),
                _ => None,
            })),
            Value::Template(parts) => stack.extend(parts.iter().filter_map(|p| match p {
                TemplatePart::Interpolation(n) => Some(n),
                TemplatePart::Literal(_) => None,
            })),
            Value::Call(call) => stack.extend(&call.1),
            Value::Conditional(a, b, c) => stack.extend([&**a, &**b, &**c]),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Expr(_) => {
            }
        }
    }
}

/// The front-end targets skip input that is not UTF-8, as these do.
fn texts(target: &str) -> Vec<(PathBuf, String)> {
    inputs(target)
        .into_iter()
        .filter_map(|(p, b)| String::from_utf8(b).ok().map(|t| (p, t)))
        .collect()
}

#[test]
fn yaml_inputs() {
    for (path, text) in texts("yaml") {
        match yaml::parse(FileId(0), &text, Limits::default()) {
            Ok(docs) => docs.iter().for_each(|d| check_tree(&path, &text, d)),
            Err(e) => check_span(&path, &text, e.span),
        }
    }
}

#[test]
fn json_inputs() {
    for (path, text) in texts("json") {
        let parsed = json::parse(FileId(0), &text, Limits::default());
        match &parsed {
            Ok(doc) => check_tree(&path, &text, doc),
            Err(e) => check_span(&path, &text, e.span),
        }
        let through_ast = json::parse_with_ast(FileId(0), &text, Limits::default());
        assert_eq!(parsed, through_ast, "{}", path.display());
    }
}

#[test]
fn hcl_inputs() {
    for (path, text) in texts("hcl") {
        match hcl::parse(FileId(0), &text, Limits::default()) {
            Ok(doc) => check_tree(&path, &text, &doc),
            Err(e) => check_span(&path, &text, e.span),
        }
    }
}

#[test]
fn guard_parser_inputs() {
    let template =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples/cloudformation/cluster.yaml");
    let scan = pipeline::scan(
        std::slice::from_ref(&template),
        &Selection::default(),
        &|_| false,
    );
    let text = std::fs::read_to_string(&template).unwrap();
    let mut docs: Vec<_> = yaml::parse(FileId(0), &text, Limits::default())
        .unwrap()
        .iter()
        .map(guard::value::from_node)
        .collect();
    let analysis = eks_sg_lint::analysis::Analysis::new(&scan.model);
    docs.push(guard::model_doc::build(&scan.model, &analysis));

    for (path, text) in texts("guard_parser") {
        match parser::parse(&text) {
            Ok(file) => {
                for doc in &docs {
                    let _ = guard::eval::evaluate(&file, std::sync::Arc::clone(doc));
                }
                assert!(guard::load_text(Path::new("fuzz.guard"), &text).is_ok());
            }
            Err(e) => {
                assert!(e.offset <= text.len(), "{}: {e:?}", path.display());
                let err = guard::load_text(Path::new("fuzz.guard"), &text).unwrap_err();
                let _ = err.one_line();
                let _ = err.graphical(false);
            }
        }
    }
}

/// As the `pipeline` target: the first byte picks the file name.
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

#[test]
fn pipeline_inputs() {
    for (path, data) in inputs("pipeline") {
        let Some((&first, body)) = data.split_first() else {
            continue;
        };
        let name = NAMES[usize::from(first) % NAMES.len()];
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), body).unwrap();
        if name.contains("tfvars") {
            std::fs::write(dir.path().join("vars.tf"), "variable \"cidr\" {}\n").unwrap();
        }
        let scan = pipeline::scan(&[dir.path().to_path_buf()], &Selection::default(), &|_| {
            false
        });
        for f in &scan.findings {
            let file = scan.sources.get(f.span.file).unwrap();
            check_span(&path, &file.text, f.span);
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
    }
}
