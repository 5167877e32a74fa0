//! The command line: argument parsing and the `check` command, returning an
//! exit code (0 clean, 1 findings at or above `--fail-on`, 2 the run failed).

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::{matrix, Analysis};
use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::{Finding, Level};
use crate::model::{ClusterId, Known};
use crate::pipeline::{self, Selection};
use crate::report::graph::{ClusterGraph, GraphFormat};
use crate::report::{self, human::Style, printable, OutputFormat, Report};
use crate::rules;
use crate::source::FileId;

const EXAMPLES: &str = "\
Examples:
  eks-sg-lint check .                          scan the current directory
  eks-sg-lint infra/cluster.yaml               the short form of `check`
  eks-sg-lint check --format sarif --output eks.sarif infra/
  eks-sg-lint check --select EKS002,EKS003 --fail-on error terraform/
  eks-sg-lint check --ignore EKS001 .
  eks-sg-lint check --write-baseline .eks-sg-lint-baseline.json .   adopt on a repository with findings
  eks-sg-lint check --baseline .eks-sg-lint-baseline.json .         then report only new ones

Exit status: 0 no finding at or above --fail-on, 1 findings, 2 the run failed.";

#[derive(Debug, Parser)]
#[command(
    name = "eks-sg-lint",
    version,
    about = "Catch Amazon EKS security-group mistakes in CloudFormation, Terraform and eksctl files",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories and report findings (the default command)
    #[command(after_help = EXAMPLES)]
    Check(CheckArgs),
    /// Show each cluster's required flows (API server, kubelet, DNS, internet) and their verdicts
    #[command(after_help = GRAPH_EXAMPLES)]
    Graph(GraphArgs),
    /// List the rules
    Rules(RulesArgs),
    /// Explain a rule: what it checks, why it matters, examples
    Explain(ExplainArgs),
    /// Run AWS CloudFormation Guard rules (compatible with cfn-guard's commands)
    #[command(subcommand)]
    Guard(crate::guard::cli::GuardCommand),
}

const GRAPH_EXAMPLES: &str = "\
Examples:
  eks-sg-lint graph infra/                      a table per cluster
  eks-sg-lint graph --format mermaid infra/ > flows.mmd
  eks-sg-lint graph --cluster demo --format dot infra/ | dot -Tsvg > demo.svg";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code, such as EKS003
    #[arg(value_name = "CODE")]
    pub code: String,
    /// Show the failing and fixed examples of this format only
    #[arg(long, value_name = "FORMAT")]
    pub example: Option<ExampleFormat>,
}

/// The formats `explain` has examples in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExampleFormat {
    CloudformationYaml,
    CloudformationJson,
    Terraform,
    Eksctl,
}

impl ExampleFormat {
    fn label(self) -> &'static str {
        match self {
            ExampleFormat::CloudformationYaml => "CloudFormation (YAML)",
            ExampleFormat::CloudformationJson => "CloudFormation (JSON)",
            ExampleFormat::Terraform => "Terraform",
            ExampleFormat::Eksctl => "eksctl",
        }
    }
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Files or directories to scan
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Only the cluster with this name or address
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Table)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

impl FailOn {
    fn level(self) -> Level {
        match self {
            FailOn::Error => Level::Error,
            FailOn::Warning => Level::Warning,
            FailOn::Note => Level::Note,
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to scan
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to FILE (whole or not at all) instead of standard
    /// output; `-` is standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding at or above this level remains [default: warning]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Only run these rules (codes or prefixes, comma-separated; `ALL`)
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (codes or prefixes, comma-separated)
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Also run the Guard rules in FILE (`.guard`); repeat for more files
    // One file per `--rules`, so that the paths after it stay paths:
    // `check --rules my.guard infra/`.
    #[arg(long = "rules", value_name = "FILE", action = clap::ArgAction::Append)]
    pub rules: Vec<PathBuf>,
    /// Values for Terraform root modules' variables (`.tfvars`), after `terraform.tfvars` and `*.auto.tfvars`
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Read settings from FILE instead of the `.eks-sg-lint.toml` found from the first PATH upward
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not report findings recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE as a baseline, and exit 0
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Threads for reading, parsing and extracting, 1 to 256 [default: one per core]
    // More threads than cores gain nothing, and each costs its start-up:
    // a thousand took 1.7 s on a directory of one file, five thousand 15 s.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
}

const SUBCOMMANDS: &[&str] = &["check", "graph", "guard", "rules", "explain", "help"];

/// Starts the worker threads, `jobs` of them (the output does not depend on
/// it: findings are sorted) or rayon's default, once per process. Threads
/// that cannot start (a memory or process limit) are an error here, where
/// rayon would panic at the first parallel step. Left to rayon where the
/// process is not the binary's and no `--jobs` is given: a test's process
/// may have its pool already.
fn start_threads(jobs: Option<u16>) -> Result<(), String> {
    static STARTED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    if jobs.is_none() && !crate::free::exiting_after_run() {
        return Ok(());
    }
    STARTED
        .get_or_init(|| {
            let mut builder = rayon::ThreadPoolBuilder::new();
            if let Some(jobs) = jobs {
                builder = builder.num_threads(usize::from(jobs));
            }
            builder.build_global().map_err(|e| match jobs {
                Some(jobs) => format!("cannot start {jobs} threads: {e}"),
                None => format!("cannot start the worker threads: {e}"),
            })
        })
        .clone()
}

/// Inserts `check` when the first argument is not a subcommand or a global
/// flag, so `eks-sg-lint PATH...` means `eks-sg-lint check PATH...`.
pub fn with_default_command(args: Vec<OsString>) -> Vec<OsString> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        let mut args = args;
        args.push("check".into());
        return args;
    };
    let global = matches!(first, "-h" | "--help" | "-V" | "--version");
    if global || SUBCOMMANDS.contains(&first) {
        return args;
    }
    let mut out = args;
    out.insert(1, "check".into());
    out
}

/// Parses `args` and runs; returns the exit code. Errors are written to
/// `stderr`.
pub fn run(args: Vec<OsString>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(with_default_command(args)) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let rendered = if stderr_is_terminal() {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            if e.use_stderr() {
                let _ = write!(stderr, "{rendered}");
            } else {
                let _ = write!(stdout, "{rendered}");
            }
            return code;
        }
    };
    let jobs = match &cli.command {
        Command::Check(args) => args.jobs,
        _ => None,
    };
    if let Err(e) = start_threads(jobs) {
        let _ = writeln!(stderr, "error: {e}");
        return 2;
    }
    match cli.command {
        Command::Check(args) => check(&args, stdout, stderr),
        Command::Graph(args) => graph(&args, stdout, stderr),
        Command::Rules(args) => list_rules(&args, stdout),
        Command::Explain(args) => explain(&args, stdout, stderr),
        Command::Guard(cmd) => crate::guard::cli::run(&cmd, stdout, stderr),
    }
}

fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

fn check(args: &CheckArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let started = Instant::now();
    // `-o -` is standard output, as for most tools that write a file
    // (`./-` names a file called `-`).
    let output = args.output.as_deref().filter(|p| p.as_os_str() != "-");
    let config_path = match &args.config {
        Some(path) => Ok(Some(path.clone())),
        None => Config::discover(args.paths.first().map_or(Path::new("."), PathBuf::as_path)),
    };
    let config = match config_path.and_then(|p| p.as_deref().map(Config::load).transpose()) {
        Ok(config) => config.unwrap_or_default(),
        Err(e) => {
            let _ = writeln!(stderr, "error: {}", printable::text(&e));
            return 2;
        }
    };
    let trim = |v: &[String]| v.iter().map(|s| s.trim().to_string()).collect::<Vec<_>>();
    let selection = Selection {
        select: if args.select.is_empty() {
            trim(&config.select)
        } else {
            trim(&args.select)
        },
        ignore: trim(&config.ignore)
            .into_iter()
            .chain(trim(&args.ignore))
            .collect(),
    };
    let mut rule_files = config.rules.clone();
    rule_files.extend(args.rules.iter().cloned());
    let user_rules = match crate::guard::load_rules(&rule_files) {
        Ok(rules) => rules,
        Err(e) => {
            let _ = writeln!(stderr, "error: {}", printable::text(&e));
            return 2;
        }
    };
    let mut metas = rules::metas();
    metas.extend(crate::guard::metas(&user_rules));
    let unknown = selection.unknown_patterns(&metas);
    if !unknown.is_empty() {
        let _ = writeln!(
            stderr,
            "error: unknown rule code{} {}; `--select`/`--ignore` take codes such as EKS003 or prefixes such as EKS00",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", ")
        );
        return 2;
    }
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(stderr, "error: {}", printable::text(&e));
            return 2;
        }
    };

    let (paths, given_tf) = with_module_siblings(&args.paths);
    let progress = progress_bar();
    let mut scan = pipeline::scan_showing_progress(
        &paths,
        &selection,
        &|p| config.is_excluded(p),
        &user_rules,
        &args.var_files,
        &progress,
    );
    progress.finish_and_clear();
    if !given_tf.is_empty() {
        // A `.tf` file named alone (as pre-commit passes them) is read with
        // the rest of its module, and reported on alone.
        let sources = &scan.sources;
        let reported = |file: FileId| {
            sources.get(file).is_none_or(|file| {
                file.path.extension().is_none_or(|e| e != "tf") || given_tf.contains(&file.path)
            })
        };
        scan.findings.retain(|f| reported(f.span.file));
        scan.notices.retain(|n| reported(n.span.file));
    }
    for skipped in &scan.skipped {
        path_message(stderr, "warning", &skipped.path, &skipped.message);
    }
    let sources = &scan.sources;
    scan.findings.retain(|f| {
        sources
            .get(f.span.file)
            .is_none_or(|file| !config.is_ignored_at(&file.path, f.code))
    });
    for f in &mut scan.findings {
        if let Some(level) = config.levels.get(f.code) {
            f.level = *level;
        }
    }
    if let Some(baseline) = &baseline {
        baseline.filter(&mut scan.findings, &scan.sources);
    }
    let mut failed = false;
    for problem in &scan.problems {
        path_message(stderr, "error", &problem.path, &problem.message);
        failed = true;
    }

    if let Some(path) = &args.write_baseline {
        let text = crate::baseline::render(&scan.findings, &scan.sources);
        if let Err(e) = write_whole(path, text.as_bytes()) {
            let _ = writeln!(stderr, "error: cannot write {}: {e}", path.display());
            return 2;
        }
        let n = scan
            .findings
            .iter()
            .filter(|f| f.suppression.is_none())
            .count();
        let _ = writeln!(
            stderr,
            "wrote {n} finding{} to the baseline {}",
            if n == 1 { "" } else { "s" },
            path.display()
        );
        return if failed { 2 } else { 0 };
    }

    // SARIF lists suppressed findings with their justification; the other
    // formats show only what is left.
    let visible: Vec<Finding> = scan
        .findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .cloned()
        .collect();
    let report = Report {
        findings: if args.format == OutputFormat::Sarif {
            &scan.findings
        } else {
            &visible
        },
        sources: &scan.sources,
        rules: &metas,
        files_analyzed: scan.files_analyzed,
        notices: &scan.notices,
        elapsed: None,
    };
    let style = if output.is_none() && std::io::stdout().is_terminal() {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            Style::Plain
        } else {
            Style::Color
        }
    } else {
        Style::Narrated
    };
    // The time taken goes only where a person reads it, so that reports
    // stay the same from run to run.
    let report = Report {
        elapsed: (style != Style::Narrated).then(|| started.elapsed()),
        ..report
    };
    let text = report::render(args.format, &report, style);
    let written = match output {
        Some(path) => match write_whole(path, text.as_bytes()) {
            Ok(()) => true,
            Err(e) => {
                let _ = writeln!(stderr, "error: cannot write {}: {e}", path.display());
                failed = true;
                false
            }
        },
        None => {
            if let Err(e) = stdout.write_all(text.as_bytes()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    let _ = writeln!(stderr, "error: cannot write the report: {e}");
                    failed = true;
                }
            }
            false
        }
    };
    // Another format than `human`: the closing line goes to standard error
    // when the report went to a file, or when a person reads that stream.
    let stderr_terminal = stderr_is_terminal();
    if args.format != OutputFormat::Human && (written || stderr_terminal) {
        let summary = Report {
            findings: &visible,
            elapsed: stderr_terminal.then(|| started.elapsed()),
            ..report
        };
        let _ = write!(stderr, "{}", report::human::summary(&summary));
    }
    let threshold = args
        .fail_on
        .map(FailOn::level)
        .or(config.fail_on)
        .unwrap_or(Level::Warning);
    let code = if failed {
        2
    } else if visible.iter().any(|f| f.level >= threshold) {
        1
    } else {
        0
    };
    crate::free::unless_exiting((scan, visible, text));
    code
}

/// A progress bar on standard error when it is a terminal; hidden
/// otherwise (CI logs, pipes, editors).
fn progress_bar() -> ProgressBar {
    if !stderr_is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {msg:<10} [{bar:30}] {pos}/{len} files, {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

fn list_rules(args: &RulesArgs, stdout: &mut dyn Write) -> i32 {
    let metas = rules::all_metas();
    let text = match args.format {
        RulesFormat::Table => {
            let width = metas.iter().map(|m| m.name.len()).max().unwrap_or(0);
            metas
                .iter()
                .map(|m| {
                    format!(
                        "{}  {:<width$}  {:<7}  {}\n",
                        m.code,
                        m.name,
                        m.level.as_str(),
                        m.summary
                    )
                })
                .collect::<String>()
        }
        RulesFormat::Markdown => rules::markdown_table(&metas),
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = metas
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "code": m.code,
                        "name": m.name,
                        "level": m.level.as_str(),
                        "summary": m.summary,
                        "seed": m.seed,
                        "formats": m.formats,
                        "security_severity": m.security_severity,
                        "documentation": m.doc,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&list).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    let _ = stdout.write_all(text.as_bytes());
    0
}

fn explain(args: &ExplainArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let metas = rules::all_metas();
    let Some(meta) = metas.iter().find(|m| {
        m.code.eq_ignore_ascii_case(args.code.trim())
            || m.name.eq_ignore_ascii_case(args.code.trim())
    }) else {
        let _ = writeln!(
            stderr,
            "error: no rule `{}`; `eks-sg-lint rules` lists them",
            args.code
        );
        return 2;
    };
    let seed = if meta.seed.is_empty() {
        String::new()
    } else {
        format!(" (seed {})", meta.seed.join(", "))
    };
    let examples = rules::examples::markdown(meta.code, args.example.map(ExampleFormat::label));
    let examples = match (examples.is_empty(), args.example) {
        (false, _) => format!("\n## Failing and fixed, per format\n{examples}"),
        // Asked for a format the rule does not check: said, not left out.
        (true, Some(format)) => format!(
            "\n## Failing and fixed, per format\n{} does not check {} files: no example.\n",
            meta.code,
            format.label()
        ),
        (true, None) => String::new(),
    };
    let _ = write!(
        stdout,
        "# {} {}\n\nLevel: {}{seed}. Formats: {}.\n\n{}.\n\n{}{examples}",
        meta.code,
        meta.name,
        meta.level.as_str(),
        meta.formats.join(", "),
        meta.summary,
        meta.doc
    );
    0
}

fn graph(args: &GraphArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let scan = pipeline::scan(&args.paths, &Selection::default(), &|_| false);
    let model = &scan.model;
    let analysis = Analysis::new(model);
    let graphs: Vec<ClusterGraph> = model
        .clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            args.cluster
                .as_ref()
                .is_none_or(|want| c.address == *want || c.name == Known::Value(want.clone()))
        })
        .map(|(i, c)| {
            let id = ClusterId(i as u32);
            ClusterGraph {
                name: match &c.name {
                    Known::Value(n) => n.as_str(),
                    _ => c.address.as_str(),
                },
                node_groups: analysis
                    .node_groups_of(id)
                    .map(|g| {
                        (
                            matrix::Endpoint::Nodes(g),
                            model.node_groups[g.index()].address.as_str(),
                        )
                    })
                    .collect(),
                rows: matrix::cluster_flows(model, &analysis, id),
            }
        })
        .collect();
    if let Some(want) = &args.cluster {
        if graphs.is_empty() {
            let _ = writeln!(
                stderr,
                "error: no cluster named `{want}` in the scanned files"
            );
            return 2;
        }
    }
    let text = report::graph::render(&graphs, model, &scan.sources, args.format);
    let _ = stdout.write_all(text.as_bytes());
    for problem in &scan.problems {
        path_message(stderr, "error", &problem.path, &problem.message);
    }
    if scan.problems.is_empty() {
        0
    } else {
        2
    }
}

/// Adds the sibling `.tf` files of every `.tf` file named on the command
/// line (a directory is one Terraform module); returns the paths to scan and
/// the `.tf` files that were named.
fn with_module_siblings(paths: &[PathBuf]) -> (Vec<PathBuf>, HashSet<PathBuf>) {
    let is_tf = |p: &Path| p.extension().is_some_and(|e| e == "tf") && p.is_file();
    let given: HashSet<PathBuf> = paths.iter().filter(|p| is_tf(p)).cloned().collect();
    if given.is_empty() {
        return (paths.to_vec(), given);
    }
    // Sets, not lists: a hook may name thousands of `.tf` files, and each
    // directory is read once.
    let mut out = paths.to_vec();
    let mut listed: HashSet<PathBuf> = out.iter().cloned().collect();
    let mut dirs_read: HashSet<PathBuf> = HashSet::new();
    for file in paths.iter().filter(|p| given.contains(*p)) {
        let bare = file.parent().is_none_or(|d| d.as_os_str().is_empty());
        let dir = crate::discover::dir_of(file).to_path_buf();
        if !dirs_read.insert(dir.clone()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut siblings: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| is_tf(p))
            // Named bare, its siblings are too.
            .map(|p| {
                if bare {
                    p.strip_prefix(".").map(Path::to_path_buf).unwrap_or(p)
                } else {
                    p
                }
            })
            .filter(|p| !listed.contains(p))
            .collect();
        siblings.sort();
        listed.extend(siblings.iter().cloned());
        out.extend(siblings);
    }
    (out, given)
}

/// `LEVEL: PATH: MESSAGE` about a scanned path. The path's name comes
/// from the scanned tree, so its control characters are shown, not sent
/// to the terminal (see `report::printable`).
fn path_message(stderr: &mut dyn Write, level: &str, path: &Path, message: &str) {
    let _ = writeln!(
        stderr,
        "{level}: {}: {}",
        printable::line(&path.to_string_lossy()),
        printable::line(message)
    );
}

/// Writes `bytes` to `path`, whole or not at all where that can be done.
///
/// A regular file, or a path where nothing is yet, is written through a
/// temporary file in the same directory and renamed into place. A symbolic
/// link is followed, so that its target is replaced and the link kept, and an
/// existing file keeps its permissions. Anything else (`/dev/null`, a FIFO, a
/// terminal) has no file to replace: renaming onto it would put a regular file
/// in its place, so it is opened and written as it is.
pub fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let (target, existing) = match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
            return file.write_all(bytes);
        }
        Ok(meta) => (std::fs::canonicalize(path)?, Some(meta.permissions())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (path.to_path_buf(), None),
        Err(e) => return Err(e),
    };
    let dir = crate::discover::dir_of(&target);
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Opened with 0o666, less the umask, as a file made by `>` would be.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if let Some(permissions) = existing {
        tmp.as_file().set_permissions(permissions)?;
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}
