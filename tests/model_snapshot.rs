//! Snapshots of the extracted model, one sample of each format, written in a
//! compact form (positions as line:column) so that a change in extraction
//! shows up as a readable diff.

mod common;

use eks_sg_lint::pipeline::{scan, Selection};

fn describe(path: &str) -> String {
    let result = scan(&[common::testdata(path)], &Selection::default(), &|_| false);
    common::describe::describe_scan(&result)
}

#[test]
fn cloudformation_model() {
    insta::assert_snapshot!(describe("examples/cloudformation"));
}

#[test]
fn terraform_model() {
    insta::assert_snapshot!(describe("examples/terraform"));
}

#[test]
fn eksctl_model() {
    insta::assert_snapshot!(describe("examples/eksctl"));
}
