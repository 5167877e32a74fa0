//! Snapshots of the rendered reports of the sample templates: the narrated
//! human output (what CI logs show) and the GitHub annotations.

mod common;

use std::process::Command;

fn check(format: &str) -> String {
    let out = Command::new(common::bin())
        .args(["check", "--format", format, "testdata/examples"])
        .current_dir(common::root())
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn human_report_of_the_samples() {
    insta::assert_snapshot!(check("human"));
}

#[test]
fn github_annotations_of_the_samples() {
    insta::assert_snapshot!(check("github"));
}

/// A parse error at a line's end points at the line break. The narrated
/// report names its column, not "columns 10 to 9" (miette gives a break no
/// column of its own).
#[test]
fn a_label_on_a_line_break_is_narrated_as_one_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_security_group\" \"a\" {\n  name = \n",
    )
    .unwrap();
    let out = Command::new(common::bin())
        .args(["check", "main.tf"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("main.tf:2:10: error EKS000\n"), "{text}");
    assert!(text.contains("    label at line 2, column 10: "), "{text}");
}
