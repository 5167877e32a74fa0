//! The Guard policy language (AWS CloudFormation Guard 3.x): parser,
//! evaluator, the model document, the built-in rule files of `rules/`, and
//! the `guard validate` / `guard test` commands.
//!
//! Layout: [`ast`] (the syntax tree, spans on every node), [`parser`]
//! (`winnow`), [`value`] (the evaluator's typed, span-carrying view of data,
//! where CloudFormation short tags read as long forms), [`eval`] (cfn-guard's
//! PASS/FAIL/SKIP semantics), [`functions`], [`model_doc`] (the EKS model as
//! a document), [`header`] (a rule file's metadata comment), [`builtin`]
//! (EKS012–EKS015), [`inputs`] (the documents a rule file runs over) and
//! [`cli`] (the commands).

pub mod ast;
pub mod builtin;
pub mod cli;
pub mod eval;
pub mod functions;
pub mod header;
pub mod inputs;
pub mod model_doc;
pub mod parser;
pub mod projection;
pub mod report;
pub mod value;

use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::analysis::Analysis;
use crate::finding::{Finding, Level, RuleMeta};
use crate::model::Model;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::Node;

pub use eval::Status;
pub use header::{Header, InputKind};

/// What Guard rules may run over in a `check`.
pub struct Inputs<'a> {
    pub model: &'a Model,
    /// The facts derived from `model`, computed once for the whole check.
    pub analysis: &'a Analysis,
    pub sources: &'a SourceMap,
    /// Every CloudFormation document (JSON, or one YAML document).
    pub cloudformation: &'a [(FileId, &'a Node)],
    /// Every eksctl document.
    pub eksctl: &'a [(FileId, &'a Node)],
    /// Every Terraform module (a directory's files).
    pub terraform: &'a [Vec<(FileId, &'a Node)>],
}

/// A rules file that parsed, with its header and the metadata of each of
/// its rules.
#[derive(Debug, Clone)]
pub struct LoadedRules {
    pub path: std::path::PathBuf,
    pub text: std::sync::Arc<str>,
    pub header: Header,
    /// One meta per rule name, in file order.
    pub metas: Vec<(String, &'static RuleMeta)>,
}

/// User rule files given with `check --rules`.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub files: Vec<LoadedRules>,
}

/// A rules file that did not parse: where and why.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub path: std::path::PathBuf,
    pub text: String,
    pub error: parser::SyntaxError,
}

impl LoadError {
    /// `path:line:column: message`.
    pub fn one_line(&self) -> String {
        let idx = crate::source::LineIndex::new(&self.text);
        let lc = idx.line_col(
            &self.text,
            u32::try_from(self.error.offset).unwrap_or(u32::MAX),
        );
        format!(
            "{}:{}:{}: {}",
            self.path.display(),
            lc.line,
            lc.column,
            self.error.message
        )
    }

    /// The miette rendering: the source line and a caret under the position.
    pub fn graphical(&self, color: bool) -> String {
        report::render_syntax_error(
            &self.path.display().to_string(),
            &self.text,
            &self.error,
            color,
        )
    }
}

/// Parses one rules file and derives its rules' metadata. `code` comes from
/// the header, or else is the rule's name.
pub fn load_text(path: &std::path::Path, text: &str) -> Result<LoadedRules, LoadError> {
    let file = parser::parse(text).map_err(|error| LoadError {
        path: path.to_path_buf(),
        text: text.to_string(),
        error,
    })?;
    let header = header::parse(text);
    // A header the tool does not understand would run the rules other than
    // their author meant (on other documents, at another level): an error,
    // as an unknown key in the config is.
    if let Some((range, message)) = header.problems.first() {
        return Err(LoadError {
            path: path.to_path_buf(),
            text: text.to_string(),
            error: parser::SyntaxError {
                offset: range.start,
                len: range.len(),
                message: message.clone(),
            },
        });
    }
    let mut names: Vec<String> = Vec::new();
    for r in &file.rules {
        if !names.contains(&r.name) {
            names.push(r.name.clone());
        }
    }
    let metas = names
        .into_iter()
        .map(|name| {
            let meta = header.meta_for(&name, path);
            (name, meta)
        })
        .collect();
    Ok(LoadedRules {
        path: path.to_path_buf(),
        text: std::sync::Arc::from(text),
        header,
        metas,
    })
}

/// Loads and parses user rule files; the error says which file and where.
pub fn load_rules(paths: &[std::path::PathBuf]) -> Result<RuleSet, String> {
    let mut set = RuleSet::default();
    for path in paths {
        let text = crate::discover::read_text(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let loaded = load_text(path, &text).map_err(|e| e.one_line())?;
        set.files.push(loaded);
    }
    Ok(set)
}

/// Metadata of the built-in Guard rules (EKS012 and up), and of user rules
/// once loaded, for listings and SARIF.
pub fn metas(user: &RuleSet) -> Vec<&'static RuleMeta> {
    let mut out: Vec<&'static RuleMeta> = builtins()
        .iter()
        .flat_map(|f| f.metas.iter().map(|(_, m)| *m))
        .collect();
    for f in &user.files {
        for (_, m) in &f.metas {
            if !out.iter().any(|o| o.code == m.code) {
                out.push(m);
            }
        }
    }
    out
}

/// Which rules run: shared by the threads that evaluate rules files.
pub type Selected<'a> = &'a (dyn Fn(&RuleMeta) -> bool + Sync);

fn builtins() -> &'static [LoadedRules] {
    builtin::loaded()
}

/// Runs the built-in Guard rules and the user's rules.
pub fn check(inputs: &Inputs, user: &RuleSet, selected: Selected<'_>) -> Vec<Finding> {
    let documents = check_documents(inputs, user, selected);
    let model = check_model(inputs.model, inputs.analysis, user, selected);
    documents.merge(model)
}

/// The findings of some rules files, each under the file's position among
/// the built-in and user files, so that two passes merge into the order of
/// one.
#[derive(Debug, Default)]
pub struct FileFindings(Vec<(usize, Vec<Finding>)>);

impl FileFindings {
    /// Both passes' findings, in rules-file order.
    pub fn merge(self, other: FileFindings) -> Vec<Finding> {
        let mut all = self.0;
        all.extend(other.0);
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().flat_map(|(_, f)| f).collect()
    }
}

/// The rules files that run, with their position and parsed text.
fn runnable<'a>(
    user: &'a RuleSet,
    selected: &'a dyn Fn(&RuleMeta) -> bool,
) -> impl Iterator<Item = (usize, &'a LoadedRules, ast::RulesFile)> + 'a {
    builtins()
        .iter()
        .chain(user.files.iter())
        .enumerate()
        .filter(move |(_, loaded)| loaded.metas.iter().any(|(_, m)| selected(m)))
        .filter_map(|(i, loaded)| {
            let file = parser::parse(&loaded.text).ok()?;
            Some((i, loaded, file))
        })
}

/// Whether a selected rules file reads raw documents of `kind`: if none
/// does, the pipeline may free those parse trees as soon as they are
/// extracted.
pub fn reads_documents(user: &RuleSet, selected: Selected<'_>, kind: InputKind) -> bool {
    builtins()
        .iter()
        .chain(user.files.iter())
        .filter(|loaded| loaded.metas.iter().any(|(_, m)| selected(m)))
        .any(|loaded| loaded.header.input == kind)
}

/// The first pass: rules files over the raw documents (CloudFormation,
/// eksctl, Terraform modules). Once it has run, the parse trees are no
/// longer needed by Guard.
pub fn check_documents(inputs: &Inputs, user: &RuleSet, selected: Selected<'_>) -> FileFindings {
    let mut out = Vec::new();
    for (i, loaded, file) in runnable(user, selected) {
        // Each document is converted when its turn comes, not all at once,
        // and the documents are taken side by side; their findings join in
        // document order.
        let over = |doc: Arc<value::Val>| {
            let mut found = Vec::new();
            run_over(&file, loaded, doc, &OnceLock::new(), selected, &mut found);
            found
        };
        let found: Vec<Vec<Finding>> = match loaded.header.input {
            InputKind::Model | InputKind::Plan => continue,
            InputKind::CloudFormation => inputs
                .cloudformation
                .par_iter()
                .map(|(_, n)| over(value::from_node(n)))
                .collect(),
            InputKind::Eksctl => inputs
                .eksctl
                .par_iter()
                .map(|(_, n)| over(value::from_node(n)))
                .collect(),
            InputKind::Terraform => inputs
                .terraform
                .par_iter()
                .map(|files| over(inputs::terraform_module(files)))
                .collect(),
        };
        out.push((i, found.into_iter().flatten().collect()));
    }
    FileFindings(out)
}

/// The second pass: rules files over the model document, built once, only
/// when such a file runs, and only as far as those files can read it.
pub fn check_model(
    model: &Model,
    analysis: &Analysis,
    user: &RuleSet,
    selected: Selected<'_>,
) -> FileFindings {
    let files: Vec<_> = runnable(user, selected)
        .filter(|(_, loaded, _)| loaded.header.input == InputKind::Model)
        .collect();
    if files.is_empty() {
        return FileFindings::default();
    }
    // Only what these rules can observe is built.
    let projection = projection::Proj::for_files(files.iter().map(|(_, _, f)| f));
    let doc = model_doc::build_projected(model, analysis, &projection);
    let size = OnceLock::new();
    // The files read one document: they run side by side.
    let out = files
        .into_par_iter()
        .map(|(i, loaded, file)| {
            let mut found = Vec::new();
            run_over(&file, loaded, Arc::clone(&doc), &size, selected, &mut found);
            (i, found)
        })
        .collect();
    // Freeing the document value by value takes most of the time building
    // it took (10,000 files: about 60 ms); nothing after this needs its
    // memory back soon, so another core frees it while the run goes on.
    crate::free::in_background(doc);
    FileFindings(out)
}

/// Evaluates one rules file over one document and adds the findings of
/// its selected failing rules.
fn run_over(
    file: &ast::RulesFile,
    loaded: &LoadedRules,
    doc: Arc<value::Val>,
    size: &OnceLock<u64>,
    selected: Selected<'_>,
    out: &mut Vec<Finding>,
) {
    let fallback = doc.span;
    for result in eval::evaluate_shared(file, doc, size) {
        if result.status != Status::Fail {
            continue;
        }
        let Some((_, meta)) = loaded.metas.iter().find(|(n, _)| *n == result.name) else {
            continue;
        };
        if !selected(meta) {
            continue;
        }
        out.extend(findings_of(meta, &result, fallback));
    }
}

/// One finding per failing value (deduplicated by span).
fn findings_of(
    meta: &'static RuleMeta,
    result: &eval::RuleResult,
    fallback: Option<Span>,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in &result.failures {
        let Some(span) = f.span.or(fallback) else {
            continue;
        };
        if out.iter().any(|o| o.span == span) {
            continue;
        }
        let message = match &f.custom {
            Some(c) => c.split_whitespace().collect::<Vec<_>>().join(" "),
            None => format!("rule `{}` failed: {}", result.name, f.message),
        };
        let mut finding = Finding::new(meta, span, message);
        if f.custom.is_some() {
            finding = finding.with_label(f.message.clone());
        }
        out.push(finding);
    }
    if out.is_empty() {
        if let Some(span) = fallback {
            out.push(Finding::new(
                meta,
                span,
                format!("rule `{}` failed", result.name),
            ));
        }
    }
    out
}

/// The level a user rule gets when its header names none.
pub const DEFAULT_USER_LEVEL: Level = Level::Warning;
