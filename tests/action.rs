//! The GitHub Action's check step, run as a script with the environment
//! GitHub gives it: the SARIF file, the outputs and the annotation lines.

mod common;

#[cfg(unix)]
use std::path::Path;
use std::process::Command;

/// The step as action.yml runs it, with its inputs in `INPUT_*` variables
/// and `temp` as the runner's temporary directory.
#[cfg(unix)]
fn step(temp: &Path, path: &str, format: &str, fail_on: &str, args: &str) -> Command {
    let mut command = Command::new("bash");
    command
        .arg(common::root().join("action/check.sh"))
        .current_dir(common::root())
        .env("EKS_SG_LINT", common::bin())
        .env("RUNNER_TEMP", temp)
        .env("INPUT_PATH", path)
        .env("INPUT_FORMAT", format)
        .env("INPUT_FAIL_ON", fail_on)
        .env("INPUT_ARGS", args)
        .env("INPUT_CONFIG", "");
    command
}

#[cfg(unix)]
#[test]
fn the_action_step_writes_sarif_outputs_and_annotations() {
    let temp = tempfile::tempdir().unwrap();
    let output_file = temp.path().join("github_output");
    std::fs::write(&output_file, "").unwrap();
    let run = |path: &str, fail_on: &str| {
        step(
            temp.path(),
            path,
            "human",
            fail_on,
            "--ignore EKS010,EKS012",
        )
        .env("GITHUB_OUTPUT", &output_file)
        .output()
        .unwrap()
    };
    let fail = "testdata/rules/EKS001-cluster-without-explicit-security-group/fail.json";
    let out = run(fail, "warning");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let annotations: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 2, "{stdout}");
    assert!(annotations[0].starts_with(&format!(
        "::warning file={},line=9,endLine=11,col=9,endColumn=10,title=EKS001 cluster-without-explicit-security-group::"
    , fail)), "{}", annotations[0]);
    // The human report follows, for the log.
    assert!(stdout.contains("Found 2 findings in 1 file"), "{stdout}");
    let outputs = std::fs::read_to_string(&output_file).unwrap();
    let sarif_path = temp.path().join("eks-sg-lint.sarif");
    assert!(
        outputs.contains(&format!("sarif={}\n", sarif_path.display())),
        "{outputs}"
    );
    assert!(outputs.contains("findings=2\n"), "{outputs}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);

    // Below the threshold: the step passes, the annotations still show.
    std::fs::write(&output_file, "").unwrap();
    let out = run(fail, "error");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(std::fs::read_to_string(&output_file)
        .unwrap()
        .contains("findings=2\n"));

    // A path that does not exist: the scan fails, and says so.
    let out = run("testdata/missing", "warning");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("::error title=eks-sg-lint::"));
}

/// `args` come before the paths in the step's command line: a Guard rules
/// file given there leaves the paths to scan as they are.
#[cfg(unix)]
#[test]
fn the_action_step_runs_guard_rules_given_in_args() {
    let temp = tempfile::tempdir().unwrap();
    let rules = temp.path().join("org.guard");
    std::fs::write(&rules, "rule ORG_NO_RESOURCES { Resources empty }\n").unwrap();
    let fail = "testdata/rules/EKS001-cluster-without-explicit-security-group/fail.json";
    let args = format!("--rules {}", rules.display());
    let out = step(temp.path(), fail, "github", "warning", &args)
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with(&format!("::warning file={fail},"))
                && l.contains("ORG_NO_RESOURCES")),
        "{stdout}"
    );
}
