//! The pipeline: discover -> parse -> extract -> model -> analyze -> check.
//! Reporting is left to the caller.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::analysis::Analysis;
use crate::discover::{self, Candidate, Sniffed};
use crate::extract;
use crate::finding::{Finding, Notice, RuleMeta};
use crate::guard;
use crate::model::Model;
use crate::rules::{self, eks000_parse_error, Context};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, Limits, Node, ParseError};

/// Which rule codes run: `select` and `ignore` hold codes or code prefixes
/// (`EKS00`), `ALL` selects everything.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    fn matches(pattern: &str, code: &str) -> bool {
        pattern.eq_ignore_ascii_case("ALL")
            || code
                .to_ascii_uppercase()
                .starts_with(&pattern.to_ascii_uppercase())
    }

    pub fn is_selected(&self, code: &str) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|p| Self::matches(p, code));
        selected && !self.ignore.iter().any(|p| Self::matches(p, code))
    }

    /// Patterns that select no known rule (a typo, most likely).
    pub fn unknown_patterns(&self, metas: &[&RuleMeta]) -> Vec<String> {
        self.select
            .iter()
            .chain(&self.ignore)
            .filter(|p| !metas.iter().any(|m| Self::matches(p, m.code)))
            .cloned()
            .collect()
    }
}

/// A file or path the run could not use; the run itself failed (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

/// What one run produced.
#[derive(Debug, Default)]
pub struct Scan {
    pub sources: SourceMap,
    pub model: Model,
    pub findings: Vec<Finding>,
    /// Paths that could not be read or walked.
    pub problems: Vec<Problem>,
    /// Files passed over with a reason (too large, not text).
    pub skipped: Vec<Problem>,
    /// Files analyzed (infrastructure code, parsed or not).
    pub files_analyzed: usize,
    /// Suppressions that suppress nothing.
    pub notices: Vec<Notice>,
}

/// A read file, before it gets a [`FileId`].
struct ReadFile {
    path: PathBuf,
    candidate: Candidate,
    text: String,
    /// Byte offset of the first invalid UTF-8 sequence.
    invalid_utf8_at: Option<usize>,
}

enum Parsed {
    CloudFormation(Vec<Node>),
    Eksctl(Vec<Node>),
    Terraform(Node),
    /// `.tfvars` values.
    TerraformVars(Node),
    /// A Terraform plan (`terraform show -json`).
    TerraformPlan(Node),
    Error(ParseError),
    /// Not infrastructure code.
    NotIac,
    /// CloudFormation or eksctl documents already extracted (their trees
    /// freed): the model fragments and the `Metadata` suppressions.
    Extracted {
        fragments: Vec<Model>,
        metadata: Vec<crate::suppress::MetadataIgnore>,
    },
    /// A `.tf`, `.tf.json` or `.tfvars` file of a directory whose module was
    /// extracted alone (its trees freed): the directory's model goes with
    /// its first `.tf` file.
    TerraformAlone {
        model: Option<Model>,
        candidate: Candidate,
    },
}

/// Files parsed by one task: one file, or the Terraform files of one
/// directory (`dir`), which may be extracted together once parsed.
struct Unit {
    files: Vec<(FileId, Candidate, Option<usize>)>,
    dir: Option<PathBuf>,
}

/// Which documents are extracted as soon as they are parsed.
#[derive(Clone, Copy)]
struct Early {
    keep_cloudformation: bool,
    keep_eksctl: bool,
}

/// The files in `meta` as parse tasks, in file order: with `alone`, the
/// Terraform files of each directory not read only for a module call
/// (`loaded`) together.
fn parse_units(
    meta: &[(FileId, Candidate, Option<usize>)],
    sources: &SourceMap,
    loaded: &std::collections::BTreeSet<PathBuf>,
    alone: bool,
) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::with_capacity(meta.len());
    let mut by_dir: HashMap<PathBuf, usize> = HashMap::new();
    for &(id, candidate, invalid_at) in meta {
        let terraform = matches!(
            candidate,
            Candidate::Terraform | Candidate::TerraformJson | Candidate::TerraformVars
        );
        let dir = sources
            .get(id)
            .and_then(|f| f.path.parent())
            .filter(|d| alone && terraform && !loaded.contains(*d));
        let Some(dir) = dir else {
            units.push(Unit {
                files: vec![(id, candidate, invalid_at)],
                dir: None,
            });
            continue;
        };
        let at = *by_dir.entry(dir.to_path_buf()).or_insert_with(|| {
            units.push(Unit {
                files: Vec::new(),
                dir: Some(dir.to_path_buf()),
            });
            units.len() - 1
        });
        if let Some(unit) = units.get_mut(at) {
            unit.files.push((id, candidate, invalid_at));
        }
    }
    units
}

/// Parses the files of one task. A CloudFormation or eksctl file is
/// extracted at once unless Guard reads its documents; a directory's
/// module that reads no other directory is extracted at once too, unless
/// it is among the directories the texts show to be `called`.
fn parse_unit(
    unit: &Unit,
    sources: &SourceMap,
    limits: Limits,
    early: Early,
    called: &std::collections::BTreeSet<PathBuf>,
) -> Vec<(FileId, Parsed)> {
    let parse = |&(id, candidate, invalid_at): &(FileId, Candidate, Option<usize>)| {
        let text = sources.get(id).map_or("", |f| &f.text);
        (id, parse_file(id, candidate, text, invalid_at, limits))
    };
    let Some(dir) = &unit.dir else {
        return unit
            .files
            .iter()
            .map(|f| {
                let (id, parsed) = parse(f);
                (id, extract_early(id, parsed, early))
            })
            .collect();
    };
    let parsed: Vec<(FileId, Parsed)> = unit.files.iter().map(parse).collect();
    let trees: Vec<(FileId, &Node)> = parsed
        .iter()
        .filter_map(|(id, p)| match p {
            Parsed::Terraform(node) => Some((*id, node)),
            _ => None,
        })
        .collect();
    let roots: Vec<&Node> = trees.iter().map(|(_, n)| *n).collect();
    // Not a directory the texts show to be called: it would be parsed again.
    let canon = extract::terraform::normalize(dir).filter(|c| {
        !trees.is_empty() && !called.contains(c) && !extract::terraform::reads_other_dirs(&roots, c)
    });
    let Some(canon) = canon else {
        return parsed;
    };
    let var_files: Vec<(PathBuf, &Node)> = parsed
        .iter()
        .filter_map(|(id, p)| match p {
            Parsed::TerraformVars(node) => Some((sources.get(*id)?.path.clone(), node)),
            _ => None,
        })
        .collect();
    let mut model = extract::terraform::extract_alone(&canon, &trees, var_files)
        .and_then(|(_, m)| compacted(vec![m]).pop());
    drop((trees, roots));
    let mut freed = Vec::new();
    let out = parsed
        .into_iter()
        .zip(&unit.files)
        .map(|((id, p), &(_, candidate, _))| match p {
            Parsed::Terraform(tree) => {
                freed.push(tree);
                (
                    id,
                    Parsed::TerraformAlone {
                        model: model.take(),
                        candidate,
                    },
                )
            }
            Parsed::TerraformVars(tree) => {
                freed.push(tree);
                (
                    id,
                    Parsed::TerraformAlone {
                        model: None,
                        candidate,
                    },
                )
            }
            p => (id, p),
        })
        .collect();
    free_trees(freed);
    out
}

/// Scans `paths` and checks the selected built-in rules.
pub fn scan(paths: &[PathBuf], selection: &Selection, exclude: &dyn Fn(&Path) -> bool) -> Scan {
    scan_with(paths, selection, exclude, &guard::RuleSet::default())
}

/// Scans `paths` and checks the selected built-in rules and the user's Guard
/// rules.
pub fn scan_with(
    paths: &[PathBuf],
    selection: &Selection,
    exclude: &dyn Fn(&Path) -> bool,
    user_rules: &guard::RuleSet,
) -> Scan {
    scan_with_vars(paths, selection, exclude, user_rules, &[])
}

/// As [`scan_with`], with `--var-file` files for Terraform root modules.
pub fn scan_with_vars(
    paths: &[PathBuf],
    selection: &Selection,
    exclude: &dyn Fn(&Path) -> bool,
    user_rules: &guard::RuleSet,
    var_files: &[PathBuf],
) -> Scan {
    scan_showing_progress(
        paths,
        selection,
        exclude,
        user_rules,
        var_files,
        &ProgressBar::hidden(),
    )
}

/// As [`scan_with_vars`], showing the phase in `progress`'s message and
/// advancing it by one for each file parsed (its length is set to the
/// number of files read).
pub fn scan_showing_progress(
    paths: &[PathBuf],
    selection: &Selection,
    exclude: &dyn Fn(&Path) -> bool,
    user_rules: &guard::RuleSet,
    var_files: &[PathBuf],
    progress: &ProgressBar,
) -> Scan {
    progress.set_message("reading");
    let found = discover::discover(paths, exclude);
    let mut scan = Scan {
        problems: found
            .errors
            .into_iter()
            .map(|e| Problem {
                path: e.path,
                message: e.message,
            })
            .collect(),
        ..Scan::default()
    };

    let reads: Vec<Result<Option<ReadFile>, Problem>> = found
        .files
        .par_iter()
        .map(|f| read_file(&f.path, f.candidate))
        .collect();
    let mut files = Vec::new();
    for read in reads {
        match read {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(p) if p.message.starts_with("skipped") => scan.skipped.push(p),
            Err(p) => scan.problems.push(p),
        }
    }
    // Terraform: the local modules the scanned directories call, read even
    // outside the scanned paths, and `--var-file` files.
    let modules = read_terraform_modules(&mut files, &mut scan);
    for path in var_files {
        match read_file(path, Candidate::TerraformVars) {
            Ok(Some(file)) => files.push(file),
            Ok(None) => {}
            Err(p) => scan.problems.push(p),
        }
    }

    let cwd = std::env::current_dir().ok();
    let mut texts = Vec::with_capacity(files.len());
    let mut about = Vec::with_capacity(files.len());
    for file in files {
        let display = display_path(&file.path, cwd.as_deref());
        texts.push((file.path, display, file.text));
        about.push((file.candidate, file.invalid_utf8_at));
    }
    let meta: Vec<_> = scan
        .sources
        .add_all(texts)
        .into_iter()
        .zip(about)
        .map(|(id, (candidate, invalid_at))| (id, candidate, invalid_at))
        .collect();

    let limits = Limits::default();
    let sources = &scan.sources;
    progress.set_length(meta.len() as u64);
    progress.set_message("parsing");
    // A CloudFormation or eksctl file is extracted as soon as it is parsed,
    // and its tree freed, unless a Guard rule reads those raw documents:
    // only the text and the model of each file stay in memory.
    let selected = |m: &RuleMeta| selection.is_selected(m.code);
    let keep_cloudformation =
        guard::reads_documents(user_rules, &selected, guard::InputKind::CloudFormation);
    let keep_eksctl = guard::reads_documents(user_rules, &selected, guard::InputKind::Eksctl);
    // So is a Terraform directory whose module reads no other directory,
    // once all its files are parsed; not with `--var-file` (those values
    // apply to every root) nor for Guard rules that read Terraform modules.
    let alone = var_files.is_empty()
        && !guard::reads_documents(user_rules, &selected, guard::InputKind::Terraform);
    let early = Early {
        keep_cloudformation,
        keep_eksctl,
    };
    let units = parse_units(&meta, sources, &modules.loaded, alone);
    let mut parsed: Vec<(FileId, Parsed)> = units
        .par_iter()
        .flat_map_iter(|unit| {
            let parsed = parse_unit(unit, sources, limits, early, &modules.called);
            progress.inc(unit.files.len() as u64);
            parsed
        })
        .collect();
    parsed.sort_by_key(|(id, _)| *id);
    // A directory extracted alone that a module of another directory calls
    // is no root after all: parsed again, it is extracted with its caller.
    reparse_called(&mut parsed, sources, limits);
    progress.set_message("analyzing");
    // Take out what was extracted already.
    let mut fragments: Vec<(FileId, Model)> = Vec::new();
    let mut metadata: Vec<(FileId, crate::suppress::MetadataIgnore)> = Vec::new();
    let mut extracted: Vec<FileId> = Vec::new();
    let parsed: Vec<(FileId, Parsed)> = parsed
        .into_iter()
        .filter_map(|(id, p)| match p {
            Parsed::Extracted {
                fragments: models,
                metadata: ignores,
            } => {
                fragments.extend(models.into_iter().map(|m| (id, m)));
                metadata.extend(ignores.into_iter().map(|m| (id, m)));
                extracted.push(id);
                None
            }
            Parsed::TerraformAlone { model, candidate } => {
                fragments.extend(model.map(|m| (id, m)));
                // Counted as analyzed as below; `.tfvars` files hold no
                // findings of their own to judge suppressions by.
                if candidate != Candidate::TerraformVars {
                    extracted.push(id);
                } else {
                    scan.files_analyzed += 1;
                }
                None
            }
            p => Some((id, p)),
        })
        .collect();

    let mut findings = Vec::new();
    let mut terraform_dirs: BTreeMap<PathBuf, Vec<(FileId, &Node)>> = BTreeMap::new();
    let mut terraform = extract::terraform::Dirs::default();
    let mut terraform_plans: Vec<(FileId, &Node)> = Vec::new();
    let mut cloudformation_docs: Vec<(FileId, &Node)> = Vec::new();
    let mut eksctl_docs: Vec<(FileId, &Node)> = Vec::new();
    // Files whose suppressions can be judged: parsed and analyzed.
    let mut judged: HashSet<FileId> = extracted.iter().copied().collect();
    scan.files_analyzed += extracted.len();
    // The directory of a file, and whether it was read only because a
    // module call names it: such files are not among the files analyzed.
    let dir_and_loaded = |id: FileId| {
        let dir = sources
            .get(id)
            .and_then(|f| f.path.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let loaded = modules.loaded.contains(&dir);
        (dir, loaded)
    };
    for (id, p) in &parsed {
        match p {
            // Taken out above.
            Parsed::NotIac | Parsed::Extracted { .. } | Parsed::TerraformAlone { .. } => continue,
            Parsed::Error(e) => {
                findings.push(eks000_parse_error::finding(e.span, &e.message));
                // Reported, but not counted when read through a call, as
                // such files are not when they parse.
                if dir_and_loaded(*id).1 {
                    continue;
                }
            }
            Parsed::CloudFormation(docs) => {
                cloudformation_docs.extend(docs.iter().map(|d| (*id, d)));
                judged.insert(*id);
            }
            Parsed::Eksctl(docs) => {
                eksctl_docs.extend(docs.iter().map(|d| (*id, d)));
                judged.insert(*id);
            }
            Parsed::Terraform(node) => {
                let (dir, loaded) = dir_and_loaded(*id);
                terraform_dirs.entry(dir).or_default().push((*id, node));
                if loaded {
                    continue;
                }
                judged.insert(*id);
            }
            Parsed::TerraformVars(node) => {
                let Some(path) = sources.get(*id).map(|f| f.path.clone()) else {
                    continue;
                };
                if var_files.contains(&path) {
                    terraform.cli_var_files.push(node);
                    continue;
                }
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                terraform
                    .var_files
                    .entry(dir)
                    .or_default()
                    .push((path, node));
            }
            Parsed::TerraformPlan(doc) => terraform_plans.push((*id, doc)),
        }
        scan.files_analyzed += 1;
    }
    fragments.par_extend(
        cloudformation_docs
            .par_iter()
            .map(|(id, doc)| (*id, extract::cloudformation(doc, *id))),
    );
    fragments.par_extend(
        eksctl_docs
            .par_iter()
            .map(|(id, doc)| (*id, extract::eksctl(doc, *id))),
    );
    terraform.modules = terraform_dirs.clone();
    terraform.loaded = modules.loaded;
    fragments.extend(extract::terraform::extract_dirs(&terraform));
    fragments.par_extend(
        terraform_plans
            .par_iter()
            .map(|(id, doc)| (*id, extract::terraform::plan::extract(doc))),
    );
    // Merge in file order so that ids, and so output, are deterministic.
    fragments.sort_by_key(|(id, _)| *id);
    let model = Model::merge(fragments.into_iter().map(|(_, m)| m).collect());

    let analysis = Analysis::new(&model);
    let cx = Context {
        model: &model,
        analysis: &analysis,
    };
    let terraform_modules: Vec<Vec<(FileId, &Node)>> = terraform_dirs.into_values().collect();
    let inputs = guard::Inputs {
        model: &model,
        analysis: &analysis,
        sources: &scan.sources,
        cloudformation: &cloudformation_docs,
        eksctl: &eksctl_docs,
        terraform: &terraform_modules,
    };
    let document_findings = guard::check_documents(&inputs, user_rules, &selected);
    // From here on only suppression reads the parse trees, and only each
    // CloudFormation resource's `Metadata`: read those, and let the trees
    // go while the model document is built.
    metadata.extend(cloudformation_docs.iter().flat_map(|(id, doc)| {
        crate::suppress::metadata_directives(doc)
            .into_iter()
            .map(move |m| (*id, m))
    }));
    metadata.sort_by_key(|(id, _)| *id);
    drop(terraform_modules);
    drop(terraform);
    drop(terraform_plans);
    drop(cloudformation_docs);
    drop(eksctl_docs);
    // The built-in rules and the model's Guard rules read the model alone:
    // they run side by side (the model document on this thread), and their
    // findings join in the order of one after the other. The parse trees
    // are freed on the rules' thread, which has the less to do.
    let (rule_findings, model_findings) = std::thread::scope(|s| {
        let rules = s.spawn(move || {
            drop(parsed);
            rules::check_all(&cx, selected)
        });
        let model_findings = guard::check_model(&model, &analysis, user_rules, &selected);
        let rule_findings = match rules.join() {
            Ok(found) => found,
            // A panic in a rule is a bug: report it as such, on this thread.
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (rule_findings, model_findings)
    });
    findings.extend(rule_findings);
    findings.extend(document_findings.merge(model_findings));
    findings.retain(|f| selection.is_selected(f.code));
    let mut comment_kinds: Vec<(FileId, Candidate)> = meta
        .iter()
        .filter(|(_, candidate, _)| *candidate != Candidate::Json)
        .map(|(id, candidate, _)| (*id, *candidate))
        .collect();
    comment_kinds.sort_unstable_by_key(|k| k.0);
    let comment_files: Vec<FileId> = comment_kinds.iter().map(|k| k.0).collect();
    // Where a file's values lie, so that a `#` inside one is not taken for
    // a comment: asked only of files that hold a suppression's marker, so
    // parsing them again costs little.
    let values = |id: FileId, text: &str| {
        let Ok(i) = comment_kinds.binary_search_by_key(&id, |k| k.0) else {
            return Vec::new();
        };
        let hcl = match comment_kinds[i].1 {
            Candidate::Terraform => true,
            Candidate::TerraformVars => !syntax::json::opens_an_object(text),
            _ => false,
        };
        // JSON reads as YAML, with the same spans.
        let trees = if hcl {
            syntax::hcl::parse(id, text, limits).map(|tree| vec![tree])
        } else {
            syntax::yaml::parse(id, text, limits)
        };
        let mut spans: Vec<(u32, u32)> = trees
            .unwrap_or_default()
            .iter()
            .flat_map(syntax::text_spans)
            .collect();
        spans.sort_unstable();
        spans
    };
    let known: Vec<&str> = rules::metas()
        .into_iter()
        .chain(guard::metas(user_rules))
        .map(|m| m.code)
        .collect();
    scan.notices = crate::suppress::apply(
        &mut findings,
        &scan.sources,
        &model,
        metadata,
        &comment_files,
        &values,
        &crate::suppress::Judge {
            files: &judged,
            known: &known,
            ran: &|code| selection.is_selected(code),
        },
    );
    sort_findings(&mut findings, &scan.sources);
    findings.dedup();
    let sources = &scan.sources;
    scan.notices.sort_by_cached_key(|n| {
        let display = sources.get(n.span.file).map_or("", |s| s.display.as_str());
        (display.to_string(), n.span.start)
    });
    scan.findings = findings;
    scan.model = model;
    scan
}

/// Extracts a parsed CloudFormation or eksctl file at once, unless Guard
/// reads its documents: only its model and its `Metadata` suppressions
/// stay, and its tree is freed.
fn extract_early(id: FileId, parsed: Parsed, early: Early) -> Parsed {
    match parsed {
        Parsed::CloudFormation(docs) if !early.keep_cloudformation => {
            let fragments: Vec<Model> = docs
                .iter()
                .map(|d| extract::cloudformation(d, id))
                .collect();
            let metadata = docs
                .iter()
                .flat_map(crate::suppress::metadata_directives)
                .collect();
            free_trees(docs);
            Parsed::Extracted {
                fragments: compacted(fragments),
                metadata,
            }
        }
        Parsed::Eksctl(docs) if !early.keep_eksctl => {
            let fragments = docs.iter().map(|d| extract::eksctl(d, id)).collect();
            free_trees(docs);
            Parsed::Extracted {
                fragments: compacted(fragments),
                metadata: Vec::new(),
            }
        }
        parsed => parsed,
    }
}

/// Frees the parse trees of one file or directory: large ones on a thread
/// of their own, so that the run goes on at once (the 20 MB CDK template's
/// tree takes about 70 ms to free, value by value).
fn free_trees(docs: Vec<Node>) {
    let size: u64 = docs
        .iter()
        .map(|d| u64::from(d.span.end.saturating_sub(d.span.start)))
        .sum();
    if size >= LARGE_TREE {
        crate::free::in_background(docs);
    }
}

/// The text size from which a file's tree is freed in the background.
const LARGE_TREE: u64 = 1 << 20;

/// Parses again the files of each directory extracted alone that a module
/// of a directory still parsed calls (or may call): that directory is read
/// with its caller, as [`extract::terraform::extract_dirs`] does, and its
/// model alone is dropped. `parsed` is in file order.
fn reparse_called(parsed: &mut [(FileId, Parsed)], sources: &SourceMap, limits: Limits) {
    let dir_of = |id: FileId| sources.get(id).and_then(|f| f.path.parent());
    if !parsed
        .iter()
        .any(|(_, p)| matches!(p, Parsed::TerraformAlone { .. }))
    {
        return;
    }
    let called = {
        let mut dirs: BTreeMap<&Path, Vec<&Node>> = BTreeMap::new();
        for (id, p) in parsed.iter() {
            if let (Parsed::Terraform(node), Some(dir)) = (p, dir_of(*id)) {
                dirs.entry(dir).or_default().push(node);
            }
        }
        let dirs: Vec<(&Path, Vec<&Node>)> = dirs.into_iter().collect();
        extract::terraform::dirs_called(&dirs)
    };
    if called.is_empty() {
        return;
    }
    for (id, p) in parsed.iter_mut() {
        let Parsed::TerraformAlone { candidate, .. } = *p else {
            continue;
        };
        let canon = dir_of(*id).and_then(extract::terraform::normalize);
        if !canon.is_some_and(|c| called.contains(&c)) {
            continue;
        }
        // It parsed before: its text is valid UTF-8.
        let text = sources.get(*id).map_or("", |f| &f.text);
        *p = parse_file(*id, candidate, text, None, limits);
    }
}

/// Orders findings by file, line, column and code.
pub fn sort_findings(findings: &mut [Finding], sources: &SourceMap) {
    // Borrowed, not copied: the key is made twice per comparison.
    fn key<'a>(f: &'a Finding, sources: &'a SourceMap) -> (&'a str, u32, u32, &'a str, &'a str) {
        let display = sources.get(f.span.file).map_or("", |s| s.display.as_str());
        (
            display,
            f.span.start,
            f.span.end,
            f.code,
            f.message.as_str(),
        )
    }
    findings.sort_by(|a, b| key(a, sources).cmp(&key(b, sources)));
}

fn read_file(path: &Path, candidate: Candidate) -> Result<Option<ReadFile>, Problem> {
    let problem = |message: String| Problem {
        path: path.to_path_buf(),
        message,
    };
    let bytes = discover::read_bytes(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::FileTooLarge => problem(format!("skipped: {e}")),
        _ => problem(discover::describe_io_error(&e)),
    })?;
    let (text, invalid_utf8_at) = match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            (text, Some(at))
        }
    };
    let terraform = matches!(
        candidate,
        Candidate::Terraform | Candidate::TerraformJson | Candidate::TerraformVars
    );
    if !terraform && discover::sniff(&text) == Sniffed::Other {
        if invalid_utf8_at.is_some() && text.contains('\u{0}') {
            return Err(problem("skipped: binary file".into()));
        }
        return Ok(None);
    }
    Ok(Some(ReadFile {
        path: path.to_path_buf(),
        candidate,
        text,
        invalid_utf8_at,
    }))
}

fn parse_file(
    id: FileId,
    candidate: Candidate,
    text: &str,
    invalid_utf8_at: Option<usize>,
    limits: Limits,
) -> Parsed {
    if let Some(at) = invalid_utf8_at {
        return Parsed::Error(ParseError::new(
            Span::new(id, at, at),
            "invalid UTF-8: infrastructure files must be UTF-8 text",
        ));
    }
    let is_json = match candidate {
        Candidate::Json => true,
        Candidate::Template => syntax::json::opens_an_object(text),
        Candidate::Yaml | Candidate::Terraform | Candidate::TerraformVars => false,
        Candidate::TerraformJson => true,
    };
    match candidate {
        Candidate::Terraform => {
            return match syntax::hcl::parse(id, text, limits) {
                Ok(node) => Parsed::Terraform(node),
                Err(e) => Parsed::Error(e),
            };
        }
        // `.tfvars.json` holds JSON: its values are literal.
        Candidate::TerraformVars if syntax::json::opens_an_object(text) => {
            return match syntax::json::parse(id, text, limits) {
                Ok(node) => Parsed::TerraformVars(node),
                Err(e) => Parsed::Error(e),
            };
        }
        Candidate::TerraformVars => {
            return match syntax::hcl::parse(id, text, limits) {
                Ok(node) => Parsed::TerraformVars(node),
                Err(e) => Parsed::Error(e),
            };
        }
        Candidate::TerraformJson => {
            return match syntax::json::parse(id, text, limits) {
                Ok(doc) => Parsed::Terraform(extract::terraform::json::from_json(&doc)),
                Err(e) => Parsed::Error(e),
            };
        }
        _ => {}
    }
    let docs = if is_json {
        syntax::json::parse(id, text, limits).map(|d| vec![d])
    } else {
        syntax::yaml::parse(id, text, limits)
    };
    let docs = match docs {
        Ok(docs) => docs,
        Err(e) => return Parsed::Error(e),
    };
    if is_json {
        if let [doc] = docs.as_slice() {
            if extract::terraform::json::is_plan(doc) {
                return docs
                    .into_iter()
                    .next()
                    .map_or(Parsed::NotIac, Parsed::TerraformPlan);
            }
        }
    }
    let mut cfn = Vec::new();
    let mut eksctl = Vec::new();
    for mut doc in docs {
        if is_eksctl(&doc) {
            // eksctl reads its config strictly: a repeated key is an error.
            if let Some((repeat, first)) = syntax::find_duplicate_key(&doc) {
                let line = text
                    .get(..first.start as usize)
                    .map_or(0, |before| before.matches('\n').count())
                    + 1;
                return Parsed::Error(ParseError::new(
                    repeat.key_span,
                    format!(
                        "duplicate key `{}` (first on line {line}): eksctl rejects a config that repeats a key",
                        repeat.key
                    ),
                ));
            }
            eksctl.push(doc);
        } else if is_cloudformation(&doc) {
            // CloudFormation deploys the last of repeated keys.
            syntax::keep_last_of_duplicate_keys(&mut doc);
            cfn.push(doc);
        }
    }
    match (cfn.is_empty(), eksctl.is_empty()) {
        (true, true) => Parsed::NotIac,
        (false, true) => Parsed::CloudFormation(cfn),
        (true, false) => Parsed::Eksctl(eksctl),
        // A stream mixing both is rare; eksctl's documents win.
        (false, false) => Parsed::Eksctl(eksctl),
    }
}

/// A copy of `fragments` made once the parse tree is freed, the original
/// freed. Extracted while the tree was alive, a fragment's values fill the
/// holes the parser's passing allocations left between the tree's values,
/// and keep those pages alive once the tree is gone; the copy sits in whole
/// pages. It halves what the models of many small templates hold (10,000
/// files: about 30 MB).
fn compacted(fragments: Vec<Model>) -> Vec<Model> {
    fragments.iter().map(Model::clone).collect()
}

fn is_eksctl(doc: &Node) -> bool {
    let api = doc.get("apiVersion").and_then(Node::as_str);
    let kind = doc.get("kind").and_then(Node::as_str);
    api.is_some_and(|a| a.starts_with("eksctl.io/")) && kind == Some("ClusterConfig")
}

/// A CloudFormation template, or a fragment of one: a map whose every entry
/// is a resource with an `AWS::` type (as tools write resources alone).
fn is_cloudformation(doc: &Node) -> bool {
    let is_resource = |r: &crate::syntax::Entry| {
        r.value
            .get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.starts_with("AWS::") || t.starts_with("Custom::"))
    };
    if doc.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    if let Some(resources) = doc.get("Resources").and_then(Node::as_map) {
        return resources.iter().any(is_resource);
    }
    doc.as_map()
        .is_some_and(|entries| !entries.is_empty() && entries.iter().all(is_resource))
}

/// A path relative to the working directory when it lies below it, with `/`
/// separators.
fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let rel = cwd
        .and_then(|cwd| {
            let abs = if path.is_absolute() {
                path.to_path_buf()
            } else {
                cwd.join(path)
            };
            abs.strip_prefix(cwd).ok().map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    let text = rel.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// Reads the directories of the local modules that the Terraform files
/// among `files` call (and those they call, bounded), appending their
/// files; returns the directories read this way, and those the local
/// sources in the texts name.
fn read_terraform_modules(files: &mut Vec<ReadFile>, scan: &mut Scan) -> Modules {
    use extract::terraform::load;
    let mut texts: BTreeMap<PathBuf, Vec<&str>> = BTreeMap::new();
    for f in files.iter() {
        if matches!(f.candidate, Candidate::Terraform | Candidate::TerraformJson) {
            let dir = f.path.parent().map(Path::to_path_buf).unwrap_or_default();
            texts.entry(dir).or_default().push(&f.text);
        }
    }
    if texts.is_empty() {
        return Default::default();
    }
    // What each directory calls, and what `terraform init` downloaded for
    // it, looked up for all directories side by side.
    let found: Vec<(PathBuf, Vec<String>, Vec<PathBuf>)> = texts
        .into_par_iter()
        .map(|(dir, texts)| {
            let sources = texts.iter().flat_map(|t| load::local_sources(t)).collect();
            let downloaded = load::downloaded_modules(&dir).into_values().collect();
            (dir, sources, downloaded)
        })
        .collect();
    let mut extra: Vec<ReadFile> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    // The local module sources of the files in each directory.
    let mut read_sources = |dir: &Path| {
        let mut sources = Vec::new();
        for path in load::terraform_files(dir) {
            let candidate = Candidate::of(&path).unwrap_or(Candidate::Terraform);
            match read_file(&path, candidate) {
                Ok(Some(file)) => {
                    sources.extend(load::local_sources(&file.text));
                    extra.push(file);
                }
                Ok(None) => {}
                Err(p) => problems.push(p),
            }
        }
        sources
    };
    let mut dirs: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let mut downloads: Vec<Vec<PathBuf>> = Vec::with_capacity(found.len());
    for (dir, sources, downloaded) in found {
        dirs.insert(dir, sources);
        downloads.push(downloaded);
    }
    // Modules `terraform init` downloaded (`.terraform/modules/modules.json`).
    let mut downloaded: std::collections::BTreeSet<PathBuf> = Default::default();
    for dir in downloads.into_iter().flatten() {
        if dirs.contains_key(&dir) || downloaded.len() >= load::MAX_MODULE_DIRS {
            continue;
        }
        let sources = read_sources(&dir);
        downloaded.insert(dir.clone());
        dirs.insert(dir, sources);
    }
    let (loaded, _) = load::follow_modules(&dirs, &mut read_sources);
    // Where the local sources found in the texts point: those directories
    // are called, most likely, and not worth extracting alone first.
    let called = dirs
        .iter()
        .flat_map(|(dir, sources)| sources.iter().map(move |s| dir.join(s)))
        .filter_map(|target| extract::terraform::normalize(&target))
        .collect();
    scan.skipped.extend(problems);
    files.extend(extra);
    Modules {
        loaded: loaded.into_iter().chain(downloaded).collect(),
        called,
    }
}

/// What [`read_terraform_modules`] found.
#[derive(Default)]
struct Modules {
    /// Directories read only because a module calls them.
    loaded: std::collections::BTreeSet<PathBuf>,
    /// The directories (canonical) that the texts' local module sources
    /// name: a hint, as a source the texts hide (in `.tf.json`, or after a
    /// comment) is missed.
    called: std::collections::BTreeSet<PathBuf>,
}

/// The floor the benchmark measures analysis against: discover, read and
/// parse the files as [`scan`] does, and stop there. Returns the number of
/// files parsed and how many of them failed to parse.
pub fn parse_only(paths: &[PathBuf]) -> (usize, usize) {
    let found = discover::discover(paths, &|_| false);
    let limits = Limits::default();
    let outcomes: Vec<Option<bool>> = found
        .files
        .par_iter()
        .map(|f| {
            let Ok(Some(file)) = read_file(&f.path, f.candidate) else {
                return None;
            };
            let parsed = parse_file(
                FileId(0),
                file.candidate,
                &file.text,
                file.invalid_utf8_at,
                limits,
            );
            Some(!matches!(parsed, Parsed::Error(_)))
        })
        .collect();
    let parsed = outcomes.iter().flatten().count();
    let failed = outcomes.iter().flatten().filter(|ok| !**ok).count();
    (parsed, failed)
}
