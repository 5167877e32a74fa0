//! Adopting the tool on a repository: configuration files, suppressions in
//! the source, and baselines.

mod common;

use std::path::Path;
use std::process::{Command, Output};

const FAIL_YAML: &str =
    "testdata/rules/EKS003-cluster-security-group-egress-below-minimum/fail.yaml";
const FAIL_TF: &str =
    "testdata/rules/EKS002-cluster-security-group-without-self-ingress/fail-tf/main.tf";
const FAIL_JSON: &str = "testdata/rules/EKS001-cluster-without-explicit-security-group/fail.json";

/// Runs the tool in `dir`. The fixtures copied here leave their clusters'
/// public endpoints open, so EKS012 (checked on its own fixtures) is left
/// out: these tests are about configuration, suppressions and baselines.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    let args: Vec<&str> = match args.split_first() {
        Some((&"check", rest)) => ["check", "--ignore", "EKS012"]
            .into_iter()
            .chain(rest.iter().copied())
            .collect(),
        _ => args.to_vec(),
    };
    Command::new(common::bin())
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn copy(from: &str, to: &Path) -> String {
    let text = std::fs::read_to_string(common::root().join(from)).unwrap();
    std::fs::write(to, &text).unwrap();
    text
}

fn codes(out: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}@{}", f["code"].as_str().unwrap(), f["start"]["line"]))
        .collect()
}

#[test]
fn config_is_found_from_the_scanned_path_upward() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("infra");
    std::fs::create_dir_all(&nested).unwrap();
    copy(FAIL_YAML, &nested.join("cluster.yaml"));
    assert_eq!(
        run_in(dir.path(), &["check", "infra"]).status.code(),
        Some(1)
    );
    std::fs::write(
        dir.path().join(".eks-sg-lint.toml"),
        "ignore = [\"EKS003\"]\n[per-path-ignores]\n\"infra/*.yaml\" = [\"EKS007\"]\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "infra"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Levels and fail-on from the config.
    std::fs::write(
        dir.path().join(".eks-sg-lint.toml"),
        "fail-on = \"error\"\n[levels]\nEKS003 = \"warning\"\nEKS007 = \"note\"\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "infra"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["warnings"], 2);
    assert_eq!(doc["summary"]["notes"], 2);
    // `--fail-on` on the command line wins over the config.
    assert_eq!(
        run_in(dir.path(), &["check", "--fail-on", "note", "infra"])
            .status
            .code(),
        Some(1)
    );
    // Excluded paths are not read.
    std::fs::write(
        dir.path().join(".eks-sg-lint.toml"),
        "exclude = [\"infra/**\"]\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "No findings in 0 files.\n"
    );
}

#[test]
fn unknown_config_keys_are_errors_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    copy(FAIL_YAML, &dir.path().join("cluster.yaml"));
    std::fs::write(
        dir.path().join(".eks-sg-lint.toml"),
        "ignroe = [\"EKS003\"]\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ignroe") && err.contains(".eks-sg-lint.toml"),
        "{err}"
    );
    // --config names another file.
    std::fs::write(dir.path().join("other.toml"), "select = [\"EKS001\"]\n").unwrap();
    let out = run_in(dir.path(), &["check", "--config", "other.toml", "."]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn comment_suppressions_on_the_line_above_and_on_the_resource() {
    let dir = tempfile::tempdir().unwrap();
    let text = copy(FAIL_YAML, &dir.path().join("c.yaml"));
    assert_eq!(
        codes(&run_in(
            dir.path(),
            &["check", "--format", "json", "c.yaml"]
        )),
        ["EKS003@11", "EKS003@11", "EKS007@43", "EKS007@43"]
    );
    // On the finding's line (EKS003) and on the line above (EKS007).
    let edited = text
        .replace(
            "      SecurityGroupEgress: # expect: EKS003, EKS003",
            "      SecurityGroupEgress: # eks-sg-lint: ignore EKS003 DNS goes through the node-local cache",
        )
        .replace(
            "  Nodes: # expect: EKS007, EKS007",
            "  # eks-sg-lint: ignore EKS007 CoreDNS runs on Fargate\n  Nodes:",
        );
    std::fs::write(dir.path().join("c.yaml"), &edited).unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "c.yaml"]);
    assert_eq!(codes(&out), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(0));
    // SARIF keeps them, with the reason.
    let out = run_in(dir.path(), &["check", "--format", "sarif", "c.yaml"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let reasons: Vec<&str> = results
        .iter()
        .map(|r| r["suppressions"][0]["justification"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"DNS goes through the node-local cache"));
    assert!(reasons.contains(&"CoreDNS runs on Fargate"));
    assert!(results
        .iter()
        .all(|r| r["suppressions"][0]["kind"] == "inSource"));
    // On the first line of the resource the finding is about: EKS003 is
    // anchored at the egress list, eleven lines below.
    let on_resource = text.replace(
        "  SharedSecurityGroup:\n",
        "  SharedSecurityGroup: # eks-sg-lint: ignore EKS003\n",
    );
    std::fs::write(dir.path().join("c.yaml"), on_resource).unwrap();
    assert_eq!(
        codes(&run_in(
            dir.path(),
            &["check", "--format", "json", "c.yaml"]
        )),
        ["EKS007@43", "EKS007@43"]
    );
}

#[test]
fn hcl_comment_and_cloudformation_metadata_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let tf = dir.path().join("tf");
    std::fs::create_dir_all(&tf).unwrap();
    let text = copy(FAIL_TF, &tf.join("main.tf"));
    let text = text.replace(
        "resource \"aws_security_group\" \"shared\" { # expect: EKS002",
        "// eks-sg-lint: ignore EKS002 the nodes talk through a service mesh\nresource \"aws_security_group\" \"shared\" {",
    );
    std::fs::write(tf.join("main.tf"), text).unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "tf"]);
    assert!(
        !codes(&out).iter().any(|c| c.starts_with("EKS002")),
        "{:?}",
        codes(&out)
    );

    let json = copy(FAIL_JSON, &dir.path().join("cfn.json"));
    let json = json.replacen(
        "\"Type\": \"AWS::EKS::Cluster\",",
        "\"Type\": \"AWS::EKS::Cluster\",\n      \"Metadata\": {\"eks-sg-lint\": {\"ignore\": [\"EKS001\"], \"reason\": \"the default group is locked down\"}},",
        1,
    );
    std::fs::write(dir.path().join("cfn.json"), json).unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "cfn.json"]);
    // The first cluster is suppressed; the second (EmptyCluster) is not.
    assert_eq!(codes(&out).len(), 1, "{:?}", codes(&out));
}

#[test]
fn baselines_survive_a_line_shift_and_let_new_findings_through() {
    let dir = tempfile::tempdir().unwrap();
    let text = copy(FAIL_YAML, &dir.path().join("c.yaml"));
    let out = run_in(
        dir.path(),
        &["check", "--write-baseline", "baseline.json", "c.yaml"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote 4 findings"));
    assert_eq!(
        run_in(
            dir.path(),
            &["check", "--baseline", "baseline.json", "c.yaml"]
        )
        .status
        .code(),
        Some(0)
    );
    // Moving code does not resurrect old findings.
    std::fs::write(
        dir.path().join("c.yaml"),
        format!("# moved\n# down\n\n{text}"),
    )
    .unwrap();
    assert_eq!(
        run_in(
            dir.path(),
            &["check", "--baseline", "baseline.json", "c.yaml"]
        )
        .status
        .code(),
        Some(0)
    );
    // A new finding comes through.
    copy(FAIL_JSON, &dir.path().join("new.json"));
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            ".",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["EKS001@9", "EKS001@20"]);
    // A broken baseline is a failed run.
    std::fs::write(dir.path().join("bad.json"), "{}").unwrap();
    assert_eq!(
        run_in(dir.path(), &["check", "--baseline", "bad.json", "c.yaml"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn github_annotations() {
    let dir = tempfile::tempdir().unwrap();
    copy(FAIL_JSON, &dir.path().join("a, b.json"));
    let out = run_in(dir.path(), &["check", "--format", "github", "."]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(
            "::warning file=a%2C b.json,line=9,endLine=11,col=9,endColumn=10,title=EKS001 cluster-without-explicit-security-group::cluster `Cluster` sets no security group"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("%0Ahelp: give the cluster"),
        "{}",
        lines[0]
    );
}

/// `kind@line: message` of each notice in a JSON report.
fn notices(out: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["notices"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|n| {
                    format!(
                        "{}@{}: {}",
                        n["kind"].as_str().unwrap(),
                        n["start"]["line"],
                        n["message"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn suppressions_that_suppress_nothing_are_notes() {
    let dir = tempfile::tempdir().unwrap();
    let text = copy(FAIL_YAML, &dir.path().join("c.yaml"));
    let edited = text
        .replace(
            "      SecurityGroupEgress: # expect: EKS003, EKS003",
            "      SecurityGroupEgress: # eks-sg-lint: ignore EKS003 DNS goes through the cache",
        )
        .replace(
            "  Nodes: # expect: EKS007, EKS007",
            "  # eks-sg-lint: ignore EKS007, EKS008, EKS099 stale\n  Nodes:",
        )
        .replacen(
            "    Type: AWS::EC2::SecurityGroup\n",
            "    Type: AWS::EC2::SecurityGroup # eks-sg-lint: ignore\n",
            1,
        )
        // EKS012 does not run here (see run_in): not judged.
        .replace(
            "  Cluster: # expect: EKS012",
            "  Cluster: # eks-sg-lint: ignore EKS012",
        );
    std::fs::write(dir.path().join("c.yaml"), &edited).unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "c.yaml"]);
    // Notes about suppressions do not fail the run.
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(codes(&out), Vec::<String>::new());
    assert_eq!(
        notices(&out),
        [
            "unused-suppression@7: suppression names no rule code",
            "unused-suppression@43: unused suppression: no EKS008 finding here; it also names EKS099, which is no rule's code",
        ]
    );
    // A rule that did not run is not judged: with only EKS007 selected,
    // EKS008 is not reported unused, EKS099 still is no code.
    let out = run_in(
        dir.path(),
        &["check", "--format", "json", "--select", "EKS007", "c.yaml"],
    );
    assert_eq!(
        notices(&out)[1],
        "unused-suppression@43: suppression names EKS099, which is no rule's code"
    );

    // Every format shows them.
    let out = run_in(dir.path(), &["check", "c.yaml"]);
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("c.yaml:43:3: note unused-suppression"),
        "{human}"
    );
    assert!(
        human.ends_with("No findings in 1 file; 2 suppressions suppress nothing.\n"),
        "{human}"
    );
    let out = run_in(dir.path(), &["check", "--format", "github", "c.yaml"]);
    let github = String::from_utf8_lossy(&out.stdout);
    assert!(
        github.contains("::notice file=c.yaml,line=43,endLine=43,col=3,endColumn=53,title=eks-sg-lint unused-suppression::unused suppression: no EKS008 finding here"),
        "{github}"
    );
    let out = run_in(dir.path(), &["check", "--format", "sarif", "c.yaml"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"];
    assert_eq!(notes.as_array().map(Vec::len), Some(2));
    assert_eq!(
        notes[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        43
    );
    assert_eq!(notes[1]["descriptor"]["id"], "unused-suppression");
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["notifications"][0]["id"],
        "unused-suppression"
    );
}

#[test]
fn unused_metadata_and_hcl_suppressions_and_unparsed_files() {
    let dir = tempfile::tempdir().unwrap();
    // Metadata on a cluster that has no EKS011 finding.
    let json = copy(FAIL_JSON, &dir.path().join("cfn.json"));
    let json = json.replacen(
        "\"Type\": \"AWS::EKS::Cluster\",",
        "\"Type\": \"AWS::EKS::Cluster\",\n      \"Metadata\": {\"eks-sg-lint\": {\"ignore\": [\"EKS001\", \"EKS011\"]}},",
        1,
    );
    std::fs::write(dir.path().join("cfn.json"), json).unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "cfn.json"]);
    assert_eq!(codes(&out).len(), 1, "{:?}", codes(&out));
    assert_eq!(
        notices(&out),
        ["unused-suppression@6: unused suppression: no EKS011 finding here"]
    );
    // An HCL comment on a resource without findings.
    let tf = dir.path().join("tf");
    std::fs::create_dir_all(&tf).unwrap();
    let text = copy(FAIL_TF, &tf.join("main.tf"));
    let text = text.replace(
        "resource \"aws_security_group\" \"shared\" { # expect: EKS002",
        "resource \"aws_security_group\" \"shared\" { # expect: EKS002\n  // eks-sg-lint: ignore EKS015 nothing here",
    );
    std::fs::write(tf.join("main.tf"), text).unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "tf"]);
    let n = notices(&out);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(
        n[0].ends_with(": unused suppression: no EKS015 finding here"),
        "{n:?}"
    );
    // A file that does not parse has no findings to judge against.
    std::fs::write(
        dir.path().join("broken.yaml"),
        "AWSTemplateFormatVersion: \"2010-09-09\"\n# eks-sg-lint: ignore EKS003\nResources: [\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["check", "--format", "json", "broken.yaml"]);
    assert_eq!(codes(&out), ["EKS000@4"]);
    assert!(notices(&out).is_empty());
}

/// The marker inside a value is not a comment: a quoted string, a YAML
/// block scalar or a Terraform heredoc (a script's own `#` lines) neither
/// suppresses a finding nor counts as a suppression that suppresses
/// nothing. A real comment after a value with a `#` in it still does.
#[test]
fn the_marker_inside_a_value_is_not_a_suppression() {
    let dir = tempfile::tempdir().unwrap();
    let text = copy(FAIL_YAML, &dir.path().join("c.yaml"));
    let in_values = text.replacen(
        "      VpcId: vpc-0123456789abcdef0\n",
        "      VpcId: vpc-0123456789abcdef0\n      Tags:\n        - Key: script\n          Value: |\n            #!/bin/sh\n            # eks-sg-lint: ignore EKS003 in a block scalar\n        - Key: note\n          Value: \"x # eks-sg-lint: ignore EKS003 in a string\"\n",
        1,
    );
    // Writes `text` as `file` and checks that file for `code` alone.
    let check_as = |file: &str, text: &str, code: &str| {
        std::fs::write(dir.path().join(file), text).unwrap();
        run_in(
            dir.path(),
            &["check", "--format", "json", "--select", code, file],
        )
    };
    let out = check_as("c.yaml", &in_values, "EKS003");
    assert_eq!(codes(&out), ["EKS003@18", "EKS003@18"], "{in_values}");
    assert!(notices(&out).is_empty(), "{:?}", notices(&out));
    // The same line with a real comment after the string.
    let commented = in_values.replace(
        "in a string\"\n",
        "in a string\" # eks-sg-lint: ignore EKS003 a comment\n",
    );
    let out = check_as("c.yaml", &commented, "EKS003");
    assert!(codes(&out).is_empty(), "{:?}", codes(&out));

    let tf = dir.path().join("tf");
    std::fs::create_dir_all(&tf).unwrap();
    let text = copy(FAIL_TF, &tf.join("main.tf"));
    let in_values = text.replace(
        "resource \"aws_security_group\" \"shared\" { # expect: EKS002",
        "locals {\n  user_data = <<-EOT\n    #!/bin/sh\n    # eks-sg-lint: ignore EKS002 in a heredoc\n  EOT\n  url = \"https://x // eks-sg-lint: ignore EKS002 in a string\"\n}\nresource \"aws_security_group\" \"shared\" {",
    );
    let out = check_as("tf/main.tf", &in_values, "EKS002");
    assert_eq!(codes(&out), ["EKS002@8"], "{in_values}");
    assert!(notices(&out).is_empty(), "{:?}", notices(&out));
}
