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
