//! Terraform as teams write it: the EKS module (v20 and v21 input names,
//! recommended rules off, its own group off, its node group submodules),
//! local modules, `.tfvars` and `--var-file`, `count`/`for_each`, dynamic
//! blocks and functions, `.tf.json` and plan JSON. Each fixture under
//! `testdata/terraform/` is snapshotted as its extracted model (positions as
//! line:column) followed by its findings.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;

use eks_sg_lint::guard::RuleSet;
use eks_sg_lint::model::{GroupRef, Peer};
use eks_sg_lint::pipeline::{scan, scan_with_vars, Scan, Selection};

use common::describe::describe_scan;

/// Findings as code and position: messages belong to the rules and change
/// with them; what this file pins is which findings the extraction yields.
fn findings(result: &Scan) -> String {
    let mut out = String::new();
    for f in &result.findings {
        let file = result.sources.get(f.span.file);
        let (name, line) = match file {
            Some(file) => (
                file.display
                    .rsplit("testdata/terraform/")
                    .next()
                    .unwrap_or("")
                    .to_string(),
                file.line_col(f.span.start).line,
            ),
            None => ("?".to_string(), 0),
        };
        let _ = writeln!(out, "{} {name}:{line}", f.code);
    }
    out
}

/// The rules built into the binary in Rust (EKS000-EKS011); the Guard
/// rules have fixtures of their own.
fn rust_rules() -> Selection {
    Selection {
        select: vec!["EKS00".into(), "EKS010".into(), "EKS011".into()],
        ignore: Vec::new(),
    }
}

fn snapshot(dir: &str) -> String {
    let result = scan(
        &[common::testdata(&format!("terraform/{dir}"))],
        &rust_rules(),
        &|_| false,
    );
    format!(
        "{}\nfindings:\n{}",
        describe_scan(&result),
        findings(&result)
    )
}

macro_rules! fixture {
    ($test:ident, $dir:literal) => {
        #[test]
        fn $test() {
            insta::assert_snapshot!(snapshot($dir));
        }
    };
}

fixture!(eks_module_v20_names, "eks-module-v20");
fixture!(eks_module_v21_names, "eks-module-v21");
fixture!(eks_module_for_each, "eks-module-for-each");
fixture!(
    eks_module_without_recommended_rules,
    "eks-module-no-recommended"
);
fixture!(
    eks_module_without_its_cluster_group,
    "eks-module-no-cluster-sg"
);
fixture!(eks_node_group_submodules, "eks-submodule");
fixture!(local_module_outputs_link_back, "local-module");
fixture!(tfvars_and_auto_tfvars, "tfvars");
fixture!(count_and_for_each_instances, "for-each");
fixture!(dynamic_blocks_and_functions, "dynamic");
fixture!(terraform_json_syntax, "tf-json");
fixture!(plan_json, "plan");
fixture!(downloaded_registry_module, "downloaded");
fixture!(for_expressions_and_operators, "for-expressions");

#[test]
fn var_file_overrides_tfvars() {
    let dir = common::testdata("terraform/tfvars");
    let var_file: PathBuf = dir.join("prod.tfvars");
    let result = scan_with_vars(
        &[dir],
        &Selection::default(),
        &|_| false,
        &RuleSet::default(),
        &[var_file],
    );
    let cluster = &result.model.clusters[0];
    assert_eq!(
        cluster.name,
        eks_sg_lint::model::Known::Value("prod".to_string())
    );
    assert_eq!(
        cluster.endpoint.public_access_cidrs,
        Some(eks_sg_lint::model::Known::Value(vec![
            "198.51.100.0/24".to_string()
        ]))
    );
    // Without it, terraform.tfvars and *.auto.tfvars apply.
    let result = scan(
        &[common::testdata("terraform/tfvars")],
        &Selection::default(),
        &|_| false,
    );
    assert_eq!(
        result.model.clusters[0].name,
        eks_sg_lint::model::Known::Value("from-tfvars".to_string())
    );
}

#[test]
fn a_called_module_directory_is_not_extracted_on_its_own() {
    // Scanning the root finds one group (the module's), not a second copy
    // from the module directory read as a root of its own.
    let result = scan(
        &[common::testdata("terraform/local-module")],
        &Selection::default(),
        &|_| false,
    );
    assert_eq!(
        defined_groups(&result),
        vec!["module.network.aws_security_group.cluster"]
    );
    // The module directory alone is a root: its variable without default
    // stays unknown.
    let result = scan(
        &[common::testdata("terraform/local-module/modules/network")],
        &Selection::default(),
        &|_| false,
    );
    assert_eq!(result.model.groups.len(), 1);
    assert_eq!(result.model.groups[0].name, "aws_security_group.cluster");
}

/// A call the texts hide from the quick look for local sources (here in
/// `.tf.json`, where `"source"` is a quoted key): the module directory is
/// extracted alone at first, then parsed again once the caller's tree
/// shows the call, and read with its caller only.
#[test]
fn a_module_directory_called_from_tf_json_is_not_extracted_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf.json",
        r#"{"module": {"net": {"source": "./net"}}}"#,
    );
    write(
        dir.path(),
        "net/main.tf",
        "resource \"aws_security_group\" \"cluster\" {\n  name = \"cluster\"\n}\n",
    );
    let result = scan(&[dir.path().to_path_buf()], &Selection::default(), &|_| {
        false
    });
    assert_eq!(
        defined_groups(&result),
        vec!["module.net.aws_security_group.cluster"]
    );
}

/// The names of the groups a scan's files define.
fn defined_groups(result: &Scan) -> Vec<&str> {
    result
        .model
        .groups
        .iter()
        .filter(|g| g.is_defined_in_scan())
        .map(|g| g.name.as_str())
        .collect()
}

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn many_module_calls_and_a_large_for_each_expand_fully() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "modules/sg/main.tf",
        "variable \"name\" {}\nresource \"aws_security_group\" \"this\" {\n  name = var.name\n  ingress {\n    from_port = 443\n    to_port = 443\n    protocol = \"tcp\"\n    self = true\n  }\n}\noutput \"id\" { value = aws_security_group.this.id }\n",
    );
    let mut main = String::new();
    for i in 0..50 {
        main.push_str(&format!(
            "module \"sg_{i}\" {{\n  source = \"./modules/sg\"\n  name = \"sg-{i}\"\n}}\n"
        ));
    }
    main.push_str("locals {\n  rules = {\n");
    for i in 0..1000 {
        main.push_str(&format!("    r{i} = {}\n", 1000 + i));
    }
    main.push_str("  }\n}\n");
    main.push_str("resource \"aws_security_group\" \"many\" {\n  name = \"many\"\n}\nresource \"aws_security_group_rule\" \"many\" {\n  for_each = local.rules\n  type = \"ingress\"\n  security_group_id = aws_security_group.many.id\n  protocol = \"tcp\"\n  from_port = each.value\n  to_port = each.value\n  source_security_group_id = module.sg_7.id\n}\n");
    write(dir, "main.tf", &main);
    let result = scan(&[dir.to_path_buf()], &Selection::default(), &|_| false);
    let model = &result.model;
    let module_groups = model
        .groups
        .iter()
        .filter(|g| g.name.ends_with(".aws_security_group.this"))
        .count();
    assert_eq!(module_groups, 50);
    let many = model
        .groups
        .iter()
        .find(|g| g.name == "aws_security_group.many")
        .unwrap();
    assert_eq!(many.ingress.len(), 1000);
    assert!(!many.rules_incomplete);
    // Every rule names the group of the seventh module call.
    let sg7 = model
        .groups
        .iter()
        .position(|g| g.name == "module.sg_7.aws_security_group.this")
        .unwrap();
    assert!(many
        .ingress
        .iter()
        .all(|r| r.peer == Peer::Group(GroupRef::Group(eks_sg_lint::model::SgId(sg7 as u32)))));
    assert!(model.notes.iter().all(|n| !n.message.contains("too large")));
}

#[test]
fn hostile_modules_stay_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A module that calls itself, one that calls its parent, and a
    // for_each far beyond the instance limit.
    write(
        dir,
        "main.tf",
        "module \"a\" { source = \"./a\" }\nmodule \"self\" { source = \"./\" }\nresource \"aws_security_group\" \"x\" {\n  for_each = toset([for i in range(100000) : tostring(i)])\n  name = each.key\n}\n",
    );
    write(
        dir,
        "a/main.tf",
        "module \"again\" { source = \"./\" }\nmodule \"up\" { source = \"../\" }\nmodule \"deep\" { source = \"./b\" }\nresource \"aws_security_group\" \"a\" { name = \"a\" }\n",
    );
    let mut path = String::from("a/b");
    for _ in 0..20 {
        write(
            dir,
            &format!("{path}/main.tf"),
            "module \"next\" { source = \"./c\" }\nresource \"aws_security_group\" \"g\" { name = \"g\" }\n",
        );
        path.push_str("/c");
    }
    let result = scan(&[dir.to_path_buf()], &Selection::default(), &|_| false);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    // The unknown for_each leaves one conditional item; depth is bounded.
    let names: Vec<&str> = result
        .model
        .groups
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert!(names.contains(&"aws_security_group.x"));
    assert!(names.contains(&"module.a.aws_security_group.a"));
    assert!(names.len() < 40, "{names:?}");
}

#[test]
fn check_takes_var_files() {
    let dir = common::testdata("terraform/tfvars");
    let out = std::process::Command::new(common::bin())
        .args(["check", "--format", "json", "--var-file"])
        .arg(dir.join("prod.tfvars"))
        .arg("--var-file")
        .arg(dir.join("does-not-exist.tfvars"))
        .arg(&dir)
        .output()
        .unwrap();
    // A var file that cannot be read fails the run, naming it.
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does-not-exist.tfvars"));
    let out = std::process::Command::new(common::bin())
        .args(["check", "--format", "json", "--var-file"])
        .arg(dir.join("prod.tfvars"))
        .arg(&dir)
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn self_references_are_cycles_not_crashes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "main.tf",
        r#"
module "eks" {
  source                     = "terraform-aws-modules/eks/aws"
  name                       = "loop"
  create_node_security_group = false
  node_security_group_id     = module.eks.node_security_group_id
  create_security_group      = false
  security_group_id          = module.eks.cluster_security_group_id
}
resource "aws_security_group" "x" {
  count = length(aws_security_group.x)
  name  = "x"
}
resource "aws_security_group" "y" {
  for_each = { for k, v in aws_security_group.y : k => v }
  name     = "y"
}
locals {
  a = local.b
  b = local.a
}
module "child" {
  source = "./child"
  input  = module.child.output
}
"#,
    );
    write(
        dir,
        "child/main.tf",
        "variable \"input\" {}\noutput \"output\" { value = var.input }\nresource \"aws_security_group\" \"c\" { name = var.input }\n",
    );
    let result = scan(&[dir.to_path_buf()], &Selection::default(), &|_| false);
    assert!(result.problems.is_empty());
    assert_eq!(result.model.clusters.len(), 1);
}
