//! The command line as a user meets it: exit codes, formats, the short form,
//! `--output`, selection.

mod common;

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(common::bin())
        .args(args)
        .current_dir(common::root())
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

const FAIL: &str = "testdata/rules/EKS003-cluster-security-group-egress-below-minimum/fail.yaml";
const PASS: &str = "testdata/rules/EKS003-cluster-security-group-egress-below-minimum/pass.yaml";
const WARN_ONLY: &str = "testdata/rules/EKS001-cluster-without-explicit-security-group/fail.json";

#[test]
fn exit_codes_follow_the_contract() {
    assert_eq!(run(&["check", PASS]).status.code(), Some(0));
    assert_eq!(run(&["check", FAIL]).status.code(), Some(1));
    // EKS001 is a warning: above the default threshold, below `error`.
    assert_eq!(run(&["check", WARN_ONLY]).status.code(), Some(1));
    assert_eq!(
        run(&["check", "--fail-on", "error", WARN_ONLY])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", "--fail-on", "note", WARN_ONLY])
            .status
            .code(),
        Some(1)
    );
    // A path that does not exist: the run failed.
    let missing = run(&["check", "testdata/does-not-exist"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file or directory"));
    // Bad arguments.
    assert_eq!(
        run(&["check", "--format", "xml", PASS]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["check", "--select", "EKS999", PASS]).status.code(),
        Some(2)
    );
}

#[test]
fn the_short_form_is_check() {
    let short = run(&[FAIL]);
    let long = run(&["check", FAIL]);
    assert_eq!(short.status.code(), Some(1));
    assert_eq!(short.stdout, long.stdout);
    let flags_first = run(&["--format", "json", FAIL]);
    assert_eq!(flags_first.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&flags_first.stdout).contains("\"EKS003\""));
}

#[test]
fn version_and_help() {
    let v = run(&["--version"]);
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&v.stdout).contains(env!("CARGO_PKG_VERSION")));
    let h = run(&["check", "--help"]);
    assert_eq!(h.status.code(), Some(0));
    let help = String::from_utf8_lossy(&h.stdout);
    assert!(help.contains("Examples:"), "{help}");
    assert!(help.contains("--fail-on"));
}

#[test]
fn human_output_names_file_line_code_and_help() {
    let out = run(&["check", FAIL]);
    let text = String::from_utf8_lossy(&out.stdout);
    // Not a terminal: narrated text, no colour codes.
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(
        text.contains(&format!("{FAIL}:11:7: error EKS003")),
        "{text}"
    );
    assert!(text.contains("no outbound TCP 53 rule"), "{text}");
    assert!(
        text.contains("Found 5 findings in 1 file: 4 errors, 1 warning, 0 notes."),
        "{text}"
    );
    let clean = run(&["check", PASS]);
    assert_eq!(
        String::from_utf8_lossy(&clean.stdout),
        "No findings in 1 file.\n"
    );
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = run(&["check", "--format", "json", FAIL]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "eks-sg-lint");
    let findings = doc["findings"].as_array().unwrap();
    // Two EKS003 on the egress list, EKS012 (public endpoint open) on the
    // cluster, two EKS007 (DNS) on the node group.
    assert_eq!(findings.len(), 5);
    let f = &findings[0];
    assert_eq!(f["code"], "EKS003");
    assert_eq!(f["name"], "cluster-security-group-egress-below-minimum");
    assert_eq!(f["level"], "error");
    assert_eq!(f["file"], FAIL);
    assert_eq!(f["start"]["line"], 11);
    assert_eq!(f["start"]["column"], 7);
    assert_eq!(f["resource"], "SharedSecurityGroup");
    assert!(f["end"]["line"].as_u64().unwrap() >= 11);
    assert_eq!(findings[2]["code"], "EKS012");
    assert_eq!(findings[2]["level"], "warning");
    assert_eq!(findings[4]["code"], "EKS007");
    assert_eq!(findings[4]["start"]["line"], 43);
    assert_eq!(doc["summary"]["errors"], 4);
    assert_eq!(doc["summary"]["files"], 1);
}

#[test]
fn select_and_ignore() {
    assert_eq!(
        run(&["check", "--ignore", "EKS003", FAIL]).status.code(),
        Some(1)
    );
    assert_eq!(
        run(&["check", "--ignore", "EKS003,EKS007,EKS012", FAIL])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&[
            "check",
            "--ignore",
            "EKS003",
            "--ignore",
            "EKS007,EKS012",
            FAIL
        ])
        .status
        .code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", "--select", "EKS001,EKS002", FAIL])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", "--select", "EKS00", FAIL]).status.code(),
        Some(1)
    );
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.sarif");
    let out = run(&[
        "check",
        "--format",
        "sarif",
        "--output",
        target.to_str().unwrap(),
        FAIL,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // A directory that does not exist: exit 2, nothing written.
    let bad = dir.path().join("missing").join("report.sarif");
    let out = run(&["check", "--output", bad.to_str().unwrap(), FAIL]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!bad.exists());
}

#[test]
fn output_dash_is_standard_output_and_dot_slash_dash_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let fail = common::root().join(FAIL);
    let in_dir = |output: &str| {
        Command::new(common::bin())
            .args(["check", "--format", "json", "--output", output])
            .arg(&fail)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = in_dir("-");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "EKS003");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A file of that name is still reachable as `./-`.
    let out = in_dir("./-");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("-")).unwrap()).unwrap();
    assert_eq!(doc["findings"][0]["code"], "EKS003");
}

#[test]
fn not_iac_files_are_skipped_silently() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("values.yaml"), "replicas: {{ .Values.n }\n").unwrap();
    std::fs::write(dir.path().join("package.json"), "{\"name\": \"x\"}").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "AWSTemplateFormatVersion").unwrap();
    let out = run(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "No findings in 0 files.\n"
    );
    assert!(out.stderr.is_empty());
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_unreadable_files_are_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::fs::copy(common::root().join(PASS), dir.path().join("ok.yaml")).unwrap();
    let out = run(&["check", dir.path().to_str().unwrap()]);
    // The link is not followed, so it is no loop and no error.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let self_link = dir.path().join("self.yaml");
    std::os::unix::fs::symlink(&self_link, &self_link).unwrap();
    let out = run(&["check", self_link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("symbolic links"), "{err}");
}

#[test]
fn explain_prints_the_docs_and_a_failing_and_fixed_example_per_format() {
    let out = run(&["explain", "EKS005"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# EKS005 nodes-cannot-reach-api-server\n"));
    assert!(text.contains("## Why it matters"), "{text}");
    for format in [
        "CloudFormation (YAML)",
        "CloudFormation (JSON)",
        "Terraform",
    ] {
        assert!(text.contains(&format!("\n### {format}\n")), "{format}");
    }
    // eksctl configs cannot fail EKS005: no eksctl example.
    assert!(!text.contains("### eksctl"));
    assert_eq!(text.matches("\nFails:\n").count(), 3);
    assert_eq!(
        text.matches("\n```diff\n--- failing\n+++ fixed\n").count(),
        3
    );
    // The fixtures' test annotations stay out.
    assert!(!text.contains("# expect:"), "{text}");
    // The failing Terraform example is the fixture the tests check.
    let fixture = std::fs::read_to_string(
        common::root().join("testdata/rules/EKS005-nodes-cannot-reach-api-server/fail-tf/main.tf"),
    )
    .unwrap();
    let first_resource = fixture
        .lines()
        .find(|l| l.starts_with("resource "))
        .unwrap();
    assert!(text.contains(first_resource.split(" #").next().unwrap()));

    // One format only; by name too.
    let out = run(&[
        "explain",
        "nodes-cannot-reach-api-server",
        "--example",
        "terraform",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\n### Terraform\n"));
    assert_eq!(text.matches("\nFails:\n").count(), 1);
    // EKS012 fails in eksctl configs as well.
    let out = run(&["explain", "EKS012", "--example", "eksctl"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\n### eksctl\n\nFails:\n\n```yaml\n"),
        "{text}"
    );

    // A format the rule does not check is said to be one.
    let out = run(&["explain", "EKS001", "--example", "eksctl"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.ends_with(
            "\n## Failing and fixed, per format\nEKS001 does not check eksctl files: no example.\n"
        ),
        "{text}"
    );

    let out = run(&["explain", "EKS999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule `EKS999`"));
}

/// Runs `args` with a terminal for standard input, output and error
/// (through util-linux `script`), or `None` where `script` is missing.
fn run_on_a_terminal(args: &str) -> Option<String> {
    let command = format!("{} {args}", common::bin().display());
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .output()
        .ok()?;
    out.status.code()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn progress_and_time_only_on_a_terminal() {
    let Some(text) = run_on_a_terminal("check testdata/examples") else {
        eprintln!("skipped: util-linux `script` is missing");
        return;
    };
    // The closing line has the time taken on a terminal...
    let last = text.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Found 14 findings in 4 files (") && last.contains(" s): 9 errors"),
        "{last}"
    );
    // ...and a machine-readable report written to a file leaves the
    // progress bar (cleared when done) and that line on standard error.
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let text = run_on_a_terminal(&format!(
        "check --format sarif --output {} testdata/examples",
        sarif.display()
    ))
    .unwrap();
    assert!(text.contains(" files, "), "no progress bar: {text:?}");
    assert!(text.contains("Found 14 findings in 4 files ("), "{text:?}");
    // Without a terminal: no bar, no time (see render.rs's snapshots).
    let out = run(&[
        "check",
        "--format",
        "sarif",
        "--output",
        sarif.to_str().unwrap(),
        "testdata/examples",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "Found 14 findings in 4 files: 9 errors, 5 warnings, 0 notes; 1 suppression suppresses nothing.\n");
}

/// Paths that overlap name some files twice: each file is scanned once, under
/// the first of its paths in order, and its findings are not doubled.
#[test]
fn overlapping_paths_scan_each_file_once() {
    let dir = "testdata/rules/EKS003-cluster-security-group-egress-below-minimum";
    let absolute = common::root().join(FAIL);
    let once = run(&["check", "--format", "json", FAIL]);
    let once: serde_json::Value = serde_json::from_slice(&once.stdout).unwrap();
    let findings = once["findings"].as_array().unwrap().len();
    assert!(findings > 0);
    let dotted = format!("./{FAIL}");
    for paths in [
        vec![FAIL, dotted.as_str()],
        vec![dir, FAIL],
        vec![FAIL, absolute.to_str().unwrap()],
        vec![dir, "testdata/rules"],
    ] {
        let out = run(&[&["check", "--format", "json"][..], &paths].concat());
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let files: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["file"].as_str())
            .filter(|f| f.ends_with("EKS003-cluster-security-group-egress-below-minimum/fail.yaml"))
            .collect();
        assert_eq!(files.len(), findings, "{paths:?}: {files:?}");
    }
}
