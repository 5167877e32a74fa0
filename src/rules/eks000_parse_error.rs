//! EKS000 parse-error.

use super::Context;
use crate::finding::{Finding, Level, RuleMeta};
use crate::source::Span;

pub static META: RuleMeta = RuleMeta {
    code: "EKS000",
    name: "parse-error",
    level: Level::Error,
    summary: "An infrastructure file could not be parsed",
    doc: r#"## What it checks
A file that is infrastructure code — a `.tf` file, a YAML or JSON file carrying
`AWSTemplateFormatVersion` or a `Resources` map of `AWS::` types, or an eksctl
`ClusterConfig` — could not be parsed. The finding points at the place where the
parser stopped and says what it expected there.

YAML and JSON files that are not infrastructure code (Helm templates, CI files)
are skipped, not reported, even when they do not parse.

## Why it matters
A file that does not parse is a file no rule has checked: every other finding is
silent on it. CloudFormation, Terraform and eksctl would reject it too.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: demo
     RoleArn: arn:aws:iam::111122223333:role/eks   # mis-indented
```

## Instead
Fix the syntax at the reported position (here, indent `RoleArn` like `Name`).
"#,
    seed: &[],
    formats: &[
        "cloudformation-yaml",
        "cloudformation-json",
        "terraform",
        "eksctl",
    ],
    security_severity: "5.0",
};

/// Parse errors are found by the front ends, not by a check over the model.
pub fn check(_cx: &Context, _out: &mut Vec<Finding>) {}

/// The finding for a parse error at `span`.
pub fn finding(span: Span, message: &str) -> Finding {
    Finding::new(&META, span, format!("could not parse this file: {message}"))
        .with_label(message.to_string())
        .with_help("fix the syntax at this position; the file is not analyzed until it parses")
}
