//! The GitHub Action's check step, run as a script with the environment
//! GitHub gives it: the SARIF file, the outputs and the annotation lines.

mod common;

use std::process::Command;

#[cfg(unix)]
#[test]
fn the_action_step_writes_sarif_outputs_and_annotations() {
    let temp = tempfile::tempdir().unwrap();
    let output_file = temp.path().join("github_output");
    std::fs::write(&output_file, "").unwrap();
    let run = |path: &str, fail_on: &str| {
        Command::new("bash")
            .arg(common::root().join("action/check.sh"))
            .current_dir(common::root())
            .env("EKS_SG_LINT", common::bin())
            .env("RUNNER_TEMP", temp.path())
            .env("GITHUB_OUTPUT", &output_file)
            .env("INPUT_PATH", path)
            .env("INPUT_FORMAT", "human")
            .env("INPUT_FAIL_ON", fail_on)
            .env("INPUT_ARGS", "--ignore EKS010,EKS012")
            .env("INPUT_CONFIG", "")
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
    let out = Command::new("bash")
        .arg(common::root().join("action/check.sh"))
        .current_dir(common::root())
        .env("EKS_SG_LINT", common::bin())
        .env("RUNNER_TEMP", temp.path())
        .env_remove("GITHUB_OUTPUT")
        .env("INPUT_PATH", fail)
        .env("INPUT_FORMAT", "github")
        .env("INPUT_FAIL_ON", "warning")
        .env("INPUT_ARGS", format!("--rules {}", rules.display()))
        .env("INPUT_CONFIG", "")
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
