//! `eks-sg-lint guard validate|test`, compatible with cfn-guard's commands:
//! the same flags, the unit-test file format and the exit codes (validate:
//! 0 pass or skip, 19 a failure, 5 a rules file that does not parse or a
//! data file that cannot be read; test: 0 every expectation met, 7 a
//! mismatch, 1 an error).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use clap::{Args, Subcommand};

use super::eval::{self, RuleResult, Status};
use super::header::InputKind;
use super::value::{self, Val};
use super::{parser, LoadError};
use crate::report::printable;
use crate::source::{FileId, LineIndex, Span};
use crate::syntax::{self, Limits, Node};

#[derive(Debug, Subcommand)]
pub enum GuardCommand {
    /// Evaluate Guard rules over data files (as `cfn-guard validate`)
    Validate(ValidateArgs),
    /// Run Guard rule unit tests (as `cfn-guard test`)
    Test(TestArgs),
    /// Print the parsed rules of a file (as `cfn-guard parse-tree`)
    ParseTree(ParseTreeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormat {
    SingleLineSummary,
    Json,
    Sarif,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Rules files or directories of them (`.guard`, `.ruleset`)
    #[arg(short = 'r', long = "rules", value_name = "RULES", num_args = 1.., required = true)]
    pub rules: Vec<PathBuf>,
    /// Data files or directories (`.yaml .yml .json .jsn .template`, and `.tf`)
    #[arg(short = 'd', long = "data", value_name = "DATA", num_args = 1.., required = true)]
    pub data: Vec<PathBuf>,
    /// Output format
    #[arg(short = 'o', long = "output-format", value_enum, default_value_t = ValidateFormat::SingleLineSummary)]
    pub output_format: ValidateFormat,
    /// Which rule verdicts the summary lists: all, pass, fail, skip or none (comma-separated)
    #[arg(
        short = 'S',
        long = "show-summary",
        value_delimiter = ',',
        default_value = "fail"
    )]
    pub show_summary: Vec<String>,
    /// Accepted for compatibility (output is always structured)
    #[arg(short = 'z', long = "structured")]
    pub structured: bool,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// The rules file to test
    #[arg(short = 'r', long = "rules-file", value_name = "RULES")]
    pub rules: Option<PathBuf>,
    /// The unit-test file (YAML or JSON)
    #[arg(short = 't', long = "test-data", value_name = "TESTS")]
    pub tests: Option<PathBuf>,
    /// A directory pairing `X.guard` with `tests/X*` test files
    #[arg(short = 'd', long = "dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ParseTreeArgs {
    /// The rules file
    #[arg(short = 'r', long = "rules", value_name = "RULES")]
    pub rules: PathBuf,
}

/// Runs a guard command; returns cfn-guard's exit code for it.
pub fn run(cmd: &GuardCommand, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    match cmd {
        GuardCommand::Validate(a) => validate(a, stdout, stderr),
        GuardCommand::Test(a) => test(a, stdout, stderr),
        GuardCommand::ParseTree(a) => parse_tree(a, stdout, stderr),
    }
}

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn walk(paths: &[PathBuf], exts: &[&str]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(p)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|f| {
                    f.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| exts.contains(&e))
                })
                .collect();
            found.sort();
            out.extend(found);
        } else if p.exists() {
            // A file, or a pipe or device named as one (`-r <(...)`): read
            // as it is, up to the size limit.
            out.push(p.clone());
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    Ok(out)
}

/// A data file's documents, as `validate` reads them.
struct DataFile {
    path: PathBuf,
    text: String,
    docs: Vec<Arc<Val>>,
}

fn read_data(path: &Path) -> Result<DataFile, String> {
    let text = crate::discover::read_text(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let docs = parse_data(path, &text).map_err(|e| {
        let idx = LineIndex::new(&text);
        let lc = idx.line_col(&text, e.span.start);
        format!(
            "{}:{}:{}: {}",
            path.display(),
            lc.line,
            lc.column,
            e.message
        )
    })?;
    Ok(DataFile {
        path: path.to_path_buf(),
        text,
        docs,
    })
}

fn parse_data(path: &Path, text: &str) -> Result<Vec<Arc<Val>>, syntax::ParseError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let limits = Limits::default();
    let id = FileId(0);
    if ext == "tf" {
        let node = syntax::hcl::parse(id, text, limits)?;
        return Ok(vec![super::inputs::terraform_module(&[(id, &node)])]);
    }
    let is_json =
        matches!(ext, "json" | "jsn") || (ext == "template" && syntax::json::opens_an_object(text));
    let nodes: Vec<Node> = if is_json {
        vec![syntax::json::parse(id, text, limits)?]
    } else {
        syntax::yaml::parse(id, text, limits)?
    };
    Ok(nodes.iter().map(value::from_node).collect())
}

fn load_rules_file(
    path: &Path,
    stderr: &mut dyn Write,
) -> Option<(super::LoadedRules, super::ast::RulesFile)> {
    let text = match crate::discover::read_text(path) {
        Ok(t) => t,
        Err(e) => {
            error(stderr, &format!("{}: {e}", path.display()));
            return None;
        }
    };
    match super::load_text(path, &text) {
        Ok(loaded) => match parser::parse(&text) {
            Ok(file) => Some((loaded, file)),
            Err(_) => None,
        },
        Err(e) => {
            report_load_error(&e, stderr);
            None
        }
    }
}

/// `error: MESSAGE` on standard error. Messages may quote the data or rules
/// files, whose control characters are shown, not sent to the terminal.
fn error(stderr: &mut dyn Write, message: &str) {
    let _ = writeln!(stderr, "error: {}", printable::text(message));
}

fn report_load_error(e: &LoadError, stderr: &mut dyn Write) {
    let _ = write!(stderr, "{}", e.graphical(color()));
}

// ----- validate -------------------------------------------------------------

struct Evaluated {
    data: PathBuf,
    rules_file: PathBuf,
    results: Vec<RuleResult>,
    /// The data text and its line index, for line/column of failures
    /// (model documents point into other files: `None`).
    text: Option<(Arc<str>, Arc<LineIndex>)>,
    sources: Option<Arc<crate::source::SourceMap>>,
}

fn validate(a: &ValidateArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let rule_paths = match walk(&a.rules, &["guard", "ruleset"]) {
        Ok(p) => p,
        Err(e) => {
            error(stderr, &e.to_string());
            return 5;
        }
    };
    let data_paths = match walk(&a.data, &["yaml", "yml", "json", "jsn", "template", "tf"]) {
        Ok(p) => p,
        Err(e) => {
            error(stderr, &e.to_string());
            return 5;
        }
    };
    let mut rules = Vec::new();
    let mut parse_failed = false;
    for p in &rule_paths {
        match load_rules_file(p, stderr) {
            Some(r) => rules.push(r),
            None => parse_failed = true,
        }
    }
    if parse_failed {
        return 5;
    }
    let mut evaluated: Vec<Evaluated> = Vec::new();
    // Rules over the model document: one document for all the data.
    for (loaded, file) in rules
        .iter()
        .filter(|(l, _)| l.header.input == InputKind::Model)
    {
        let none = crate::pipeline::Selection {
            select: vec!["-".into()],
            ignore: Vec::new(),
        };
        let scan = crate::pipeline::scan(&data_paths, &none, &|_| false);
        let analysis = crate::analysis::Analysis::new(&scan.model);
        let doc = super::model_doc::build(&scan.model, &analysis);
        evaluated.push(Evaluated {
            data: PathBuf::from("model"),
            rules_file: loaded.path.clone(),
            results: eval::evaluate(file, doc),
            text: None,
            sources: Some(Arc::new(scan.sources)),
        });
    }
    // Rules over raw documents: data files in parallel, each thread with
    // its own parse of the rules (evaluation values are not shared).
    let raw: Vec<(PathBuf, Arc<str>)> = rules
        .iter()
        .filter(|(l, _)| l.header.input != InputKind::Model)
        .map(|(l, _)| (l.path.clone(), Arc::clone(&l.text)))
        .collect();
    let per_file: Vec<Result<Vec<Evaluated>, String>> = data_paths
        .par_iter()
        .map_init(
            || {
                raw.iter()
                    .filter_map(|(p, t)| parser::parse(t).ok().map(|f| (p.clone(), f)))
                    .collect::<Vec<_>>()
            },
            |parsed, path| {
                let d = read_data(path)?;
                let text: Arc<str> = Arc::from(d.text.as_str());
                let mut out = Vec::new();
                let sizes: Vec<OnceLock<u64>> = d.docs.iter().map(|_| OnceLock::new()).collect();
                for (rules_path, file) in parsed.iter() {
                    for (doc, size) in d.docs.iter().zip(&sizes) {
                        out.push(Evaluated {
                            data: d.path.clone(),
                            rules_file: rules_path.clone(),
                            results: eval::evaluate_shared(file, Arc::clone(doc), size),
                            text: None,
                            sources: None,
                        });
                    }
                }
                // Lines are indexed only for files with failures to locate.
                let failed = out
                    .iter()
                    .any(|e| e.results.iter().any(|r| !r.failures.is_empty()));
                if failed {
                    let lines = Arc::new(LineIndex::new(&text));
                    for e in &mut out {
                        e.text = Some((Arc::clone(&text), Arc::clone(&lines)));
                    }
                }
                Ok(out)
            },
        )
        .collect();
    for r in per_file {
        match r {
            Ok(mut e) => evaluated.append(&mut e),
            Err(e) => {
                error(stderr, &e.to_string());
                return 5;
            }
        }
    }
    let failed = evaluated
        .iter()
        .any(|e| e.results.iter().any(|r| r.status == Status::Fail));
    let text = match a.output_format {
        // Values and names come from the data files: their control
        // characters are shown, not sent to the terminal.
        ValidateFormat::SingleLineSummary => {
            printable::text(&summary(&evaluated, &a.show_summary)).into_owned()
        }
        ValidateFormat::Json => json(&evaluated),
        ValidateFormat::Sarif => sarif(&evaluated),
    };
    let _ = stdout.write_all(text.as_bytes());
    if failed {
        19
    } else {
        0
    }
}

/// (file, line, column) of a failure, 1-based.
fn locate(e: &Evaluated, span: Option<Span>) -> Option<(String, u32, u32)> {
    let span = span?;
    if let Some((text, idx)) = &e.text {
        let lc = idx.line_col(text, span.start);
        return Some((e.data.display().to_string(), lc.line, lc.column));
    }
    let sources = e.sources.as_ref()?;
    let f = sources.get(span.file)?;
    let lc = f.line_col(span.start);
    Some((f.display.clone(), lc.line, lc.column))
}

fn summary(evaluated: &[Evaluated], show: &[String]) -> String {
    let show: Vec<String> = show.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
    let shows = |s: Status| {
        show.iter().any(|x| x == "all")
            || show.iter().any(|x| x == &s.as_str().to_ascii_lowercase())
    };
    let mut out = String::new();
    for e in evaluated {
        let status = eval_status(&e.results);
        out.push_str(&format!(
            "{} Status = {}\n",
            e.data.display(),
            status.as_str()
        ));
        for (title, st) in [
            ("SKIP rules", Status::Skip),
            ("PASS rules", Status::Pass),
            ("FAILED rules", Status::Fail),
        ] {
            if !shows(st) {
                continue;
            }
            let rules: Vec<&RuleResult> = e.results.iter().filter(|r| r.status == st).collect();
            if rules.is_empty() {
                continue;
            }
            out.push_str(title);
            out.push('\n');
            for r in rules {
                out.push_str(&format!(
                    "{}/{}    {}\n",
                    rules_file_name(&e.rules_file),
                    r.name,
                    st.as_str()
                ));
            }
        }
        out.push_str("---\n");
        let fails: Vec<&RuleResult> = e
            .results
            .iter()
            .filter(|r| r.status == Status::Fail)
            .collect();
        if !fails.is_empty() {
            out.push_str(&format!(
                "Evaluating data {} against rules {}\n",
                e.data.display(),
                rules_file_name(&e.rules_file)
            ));
            for r in fails {
                out.push_str(&format!("Rule [{}] FAIL\n", r.name));
                for f in &r.failures {
                    let at = locate(e, f.span)
                        .map(|(p, l, c)| format!("{p}:{l}:{c}: "))
                        .unwrap_or_default();
                    let msg = match &f.custom {
                        Some(c) => format!(
                            "{} ({})",
                            c.split_whitespace().collect::<Vec<_>>().join(" "),
                            f.message
                        ),
                        None => f.message.clone(),
                    };
                    out.push_str(&format!("  {at}{msg}\n"));
                }
            }
        }
    }
    out
}

fn rules_file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| p.display().to_string())
}

fn eval_status(results: &[RuleResult]) -> Status {
    if results.iter().any(|r| r.status == Status::Fail) {
        Status::Fail
    } else if results.iter().any(|r| r.status == Status::Pass) {
        Status::Pass
    } else {
        Status::Skip
    }
}

fn json(evaluated: &[Evaluated]) -> String {
    let items: Vec<serde_json::Value> = evaluated
        .iter()
        .map(|e| {
            serde_json::json!({
                "name": e.data.display().to_string(),
                "rules_file": e.rules_file.display().to_string(),
                "status": eval_status(&e.results).as_str(),
                "rules": e.results.iter().map(|r| serde_json::json!({
                    "name": r.name,
                    "status": r.status.as_str(),
                    "failures": r.failures.iter().map(|f| {
                        let loc = locate(e, f.span);
                        serde_json::json!({
                            "message": f.message,
                            "custom_message": f.custom,
                            "file": loc.as_ref().map(|l| l.0.clone()),
                            "line": loc.as_ref().map(|l| l.1),
                            "column": loc.as_ref().map(|l| l.2),
                        })
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_default();
    s.push('\n');
    s
}

fn sarif(evaluated: &[Evaluated]) -> String {
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for e in evaluated {
        for r in &e.results {
            if !rule_ids.contains(&r.name) {
                rule_ids.push(r.name.clone());
            }
            if r.status != Status::Fail {
                continue;
            }
            for f in &r.failures {
                let text = f
                    .custom
                    .as_ref()
                    .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_else(|| f.message.clone());
                let loc = locate(e, f.span);
                let (file, line, col) = loc.unwrap_or_else(|| (e.data.display().to_string(), 1, 1));
                results.push(serde_json::json!({
                    "ruleId": r.name,
                    "level": "error",
                    "message": {"text": text},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": file},
                        "region": {"startLine": line, "startColumn": col}
                    }}]
                }));
            }
        }
    }
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "eks-sg-lint guard",
                "informationUri": "https://github.com/eks-sg-lint/eks-sg-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_ids.iter().map(|id| serde_json::json!({
                    "id": id,
                    "shortDescription": {"text": format!("Guard rule {id}")}
                })).collect::<Vec<_>>()
            }},
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

// ----- test -------------------------------------------------------------------

/// One unit test: an input and the verdicts expected of named rules.
struct TestCase {
    name: Option<String>,
    input: Arc<Val>,
    expectations: Vec<(String, Option<Status>, String)>,
}

fn read_tests(path: &Path) -> Result<Vec<TestCase>, String> {
    let text = crate::discover::read_text(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let limits = Limits::default();
    let node = if matches!(ext, "json" | "jsn") {
        syntax::json::parse(FileId(0), &text, limits)
    } else {
        syntax::yaml::parse(FileId(0), &text, limits).map(|docs| {
            docs.into_iter()
                .next()
                .unwrap_or(Node::new(Span::default(), syntax::Value::Null))
        })
    }
    .map_err(|e| {
        let idx = LineIndex::new(&text);
        let lc = idx.line_col(&text, e.span.start);
        format!(
            "{}:{}:{}: {}",
            path.display(),
            lc.line,
            lc.column,
            e.message
        )
    })?;
    let Some(items) = node.as_seq() else {
        return Err(format!(
            "{}: a test file is a list of test cases",
            path.display()
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let name = item
            .get("name")
            .and_then(|n| n.as_scalar_text())
            .map(|s| s.to_string());
        let input = item
            .get("input")
            .map(value::from_node)
            .unwrap_or_else(|| Val::lit(value::Kind::Map(Vec::new())));
        let mut expectations = Vec::new();
        let rules = item.path(&["expectations", "rules"]).and_then(Node::as_map);
        for e in rules.unwrap_or(&[]) {
            let text = e
                .value
                .as_scalar_text()
                .map(|s| s.to_string())
                .unwrap_or_default();
            expectations.push((e.key.to_string(), Status::parse(&text), text));
        }
        out.push(TestCase {
            name,
            input,
            expectations,
        });
    }
    Ok(out)
}

/// Verdicts of every rule with this name in one evaluation.
fn statuses_of<'a>(results: &'a [RuleResult], name: &'a str) -> impl Iterator<Item = Status> + 'a {
    results
        .iter()
        .filter(move |r| r.name == name)
        .map(|r| r.status)
}

fn run_tests(
    rules_path: &Path,
    tests_path: &Path,
    out: &mut String,
    stderr: &mut dyn Write,
) -> i32 {
    let Some((_, file)) = load_rules_file(rules_path, stderr) else {
        return 1;
    };
    let cases = match read_tests(tests_path) {
        Ok(c) => c,
        Err(e) => {
            error(stderr, &e.to_string());
            return 1;
        }
    };
    let mut code = 0;
    for (i, case) in cases.iter().enumerate() {
        let results = eval::evaluate(&file, Arc::clone(&case.input));
        out.push_str(&format!("Test Case #{}\n", i + 1));
        if let Some(n) = &case.name {
            out.push_str(&format!("Name: {n}\n"));
        }
        let mut pass_lines = Vec::new();
        let mut fail_lines = Vec::new();
        for (rule, expected, raw) in &case.expectations {
            let got: Vec<Status> = statuses_of(&results, rule).collect();
            if got.is_empty() {
                // As cfn-guard: an expectation for a rule the file does not
                // define is not checked.
                continue;
            }
            let met = match expected {
                None => false,
                Some(Status::Skip) => !got.is_empty() && got.iter().all(|s| *s == Status::Skip),
                Some(s) => got.contains(s),
            };
            let got_text = got
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            if met {
                pass_lines.push(format!("    {rule}: Expected = {raw}"));
            } else {
                fail_lines.push(format!(
                    "    {rule}: Expected = {raw}, Evaluated = [{got_text}]"
                ));
                code = 7;
            }
        }
        if !pass_lines.is_empty() {
            out.push_str("  PASS Rules:\n");
            for l in pass_lines {
                out.push_str(&l);
                out.push('\n');
            }
        }
        if !fail_lines.is_empty() {
            out.push_str("  FAIL Rules:\n");
            for l in fail_lines {
                out.push_str(&l);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    code
}

fn test(a: &TestArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let mut out = String::new();
    let code = match (&a.rules, &a.tests, &a.dir) {
        (Some(r), Some(t), None) => run_tests(r, t, &mut out, stderr),
        (None, None, Some(d)) => {
            let pairs = match pairs_in(d) {
                Ok(p) => p,
                Err(e) => {
                    error(stderr, &e.to_string());
                    return 1;
                }
            };
            let mut code = 0;
            for (rules, tests) in pairs {
                for t in tests {
                    out.push_str(&format!("Testing Guard File {}\n", rules.display()));
                    let c = run_tests(&rules, &t, &mut out, stderr);
                    code = match (code, c) {
                        (1, _) | (_, 1) => 1,
                        (7, _) | (_, 7) => 7,
                        _ => 0,
                    };
                }
            }
            code
        }
        _ => {
            let _ = writeln!(stderr, "error: give either `-r RULES -t TESTS` or `-d DIR`");
            return 1;
        }
    };
    let _ = stdout.write_all(printable::text(&out).as_bytes());
    code
}

/// `D/X.guard` with `D/tests/X*` (`.yaml .yml .json .jsn`), below `dir`.
pub fn pairs_in(dir: &Path) -> Result<Vec<(PathBuf, Vec<PathBuf>)>, String> {
    if !dir.is_dir() {
        return Err(format!("{}: not a directory", dir.display()));
    }
    let rules = walk(&[dir.to_path_buf()], &["guard", "ruleset"])?;
    let mut out = Vec::new();
    for r in rules {
        let Some(parent) = r.parent() else { continue };
        let Some(stem) = r.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let tests_dir = parent.join("tests");
        let mut tests: Vec<PathBuf> = std::fs::read_dir(&tests_dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with(stem))
                            && p.extension()
                                .and_then(|e| e.to_str())
                                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json" | "jsn"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        tests.sort();
        if !tests.is_empty() {
            out.push((r, tests));
        }
    }
    Ok(out)
}

fn parse_tree(a: &ParseTreeArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let text = match crate::discover::read_text(&a.rules) {
        Ok(t) => t,
        Err(e) => {
            error(stderr, &format!("{}: {e}", a.rules.display()));
            return 1;
        }
    };
    match parser::parse(&text) {
        Ok(file) => {
            let _ = writeln!(stdout, "{file:#?}");
            0
        }
        Err(error) => {
            report_load_error(
                &LoadError {
                    path: a.rules.clone(),
                    text,
                    error,
                },
                stderr,
            );
            5
        }
    }
}
