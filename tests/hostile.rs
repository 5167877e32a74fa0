//! Hostile and odd input, through the binary as a user meets it: each case
//! has a documented outcome (a finding, a clear message, or silence) and an
//! exit code, and never a panic or an unbounded run: every run is made under
//! a 1 GiB address-space limit.

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// Address space the tool may use on any of these inputs: a run that needs
/// more fails to allocate and aborts, which the assertions below catch.
const MEMORY_LIMIT_KIB: u64 = 1024 * 1024;

fn check(dir: &Path, args: &[&str]) -> Output {
    run(dir, &[&["check"], args].concat())
}

/// Runs the binary with `args` in `dir`, under the memory limit where a
/// POSIX shell can set one, and checks that it neither panicked nor died.
fn run(dir: &Path, args: &[&str]) -> Output {
    let mut command = if cfg!(unix) && Path::new("/bin/sh").exists() {
        let mut c = Command::new("/bin/sh");
        c.arg("-c")
            .arg(format!(
                "ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""
            ))
            .arg(common::bin());
        c
    } else {
        Command::new(common::bin())
    };
    let out = command.args(args).current_dir(dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !stderr.contains("memory allocation") && out.status.code().is_some(),
        "killed or out of memory: {out:?}"
    );
    out
}

/// Makes a FIFO at `path`; false where `mkfifo` is missing or fails.
#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

/// `guard validate -r RULES -d DATA`, run in `dir`.
fn guard_validate(dir: &Path, rules: &str, data: &str) -> Output {
    Command::new(common::bin())
        .args(["guard", "validate", "-r", rules, "-d", data])
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The codes and messages of the findings, as `CODE@line message`.
fn findings(out: &Output) -> Vec<String> {
    json(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}@{} {}",
                f["code"].as_str().unwrap(),
                f["start"]["line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

const CFN_HEAD: &str = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n";

#[test]
fn yaml_alias_bomb_is_a_parse_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(CFN_HEAD);
    text.push_str("  X:\n    Type: AWS::EC2::VPC\n    Metadata:\n      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (i, c) in "bcdefghi".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        text.push_str(&format!("      {c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    std::fs::write(dir.path().join("bomb.yaml"), text).unwrap();
    let out = check(dir.path(), &["--format", "json", "bomb.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].starts_with("EKS000@"), "{f:?}");
    assert!(f[0].contains("alias"), "{f:?}");
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let yaml = format!("{CFN_HEAD}  X: {}{}\n", "[".repeat(n), "]".repeat(n));
    let json_text = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}{}}}",
        "[".repeat(n),
        "]".repeat(n)
    );
    let hcl = format!("locals {{\n  x = {}{}\n}}\n", "[".repeat(n), "]".repeat(n));
    std::fs::write(dir.path().join("deep.yaml"), yaml).unwrap();
    std::fs::write(dir.path().join("deep.json"), json_text).unwrap();
    std::fs::create_dir(dir.path().join("tf")).unwrap();
    std::fs::write(dir.path().join("tf/deep.tf"), hcl).unwrap();
    let out = check(dir.path(), &["--format", "json", "."]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let f = findings(&out);
    assert_eq!(f.len(), 3, "{f:?}");
    assert!(f.iter().all(|f| f.starts_with("EKS000@")), "{f:?}");
}

/// Expressions on which hcl-edit parses each nested term twice (found by
/// the `hcl` fuzz target: `[` after comparisons, and `{` after divisions,
/// in an unclosed comment): 40 levels would take hours.
#[test]
fn terraform_written_to_make_the_parser_backtrack_is_refused() {
    for (level, line) in [("a < b < c[", 2), ("t/c/* c */ /{\n k*e = ", 8)] {
        let dir = tempfile::tempdir().unwrap();
        let hcl = format!("locals {{\n  x = {}d /* open\n}}\n", level.repeat(40));
        std::fs::write(dir.path().join("main.tf"), hcl).unwrap();
        let out = check(dir.path(), &["--format", "json", "main.tf"]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let f = findings(&out);
        assert_eq!(f.len(), 1, "{f:?}");
        let expected = format!(
            "EKS000@{line} could not parse this file: nested more than 6 levels deep inside operator chains"
        );
        assert!(f[0].starts_with(&expected), "{f:?}");
    }
}

/// An object literal with tens of thousands of keys: hcl-edit's time
/// grows with the square of their number (48,000: 21 s).
#[test]
fn terraform_object_with_too_many_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys: String = (0..48_000).map(|i| format!("    k{i} = {i}\n")).collect();
    let hcl = format!("locals {{\n  m = {{\n{keys}  }}\n}}\n");
    std::fs::write(dir.path().join("main.tf"), hcl).unwrap();
    let out = check(dir.path(), &["--format", "json", "main.tf"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with(
            "EKS000@5003 could not parse this file: an object with more than 5000 items"
        ),
        "{f:?}"
    );
}

#[test]
fn binary_and_invalid_utf8_files() {
    let dir = tempfile::tempdir().unwrap();
    // A binary file named .yaml: not infrastructure code, skipped.
    std::fs::write(
        dir.path().join("image.yaml"),
        [0u8, 159, 146, 150, 0, 1, 2, 255],
    )
    .unwrap();
    let out = check(dir.path(), &["--format", "json", "image.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(findings(&out).is_empty());
    // Invalid UTF-8 inside a template: a parse error at its byte.
    let mut bytes = CFN_HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(b"  X:\n    Type: AWS::EC2::VPC\n    Description: caf\xe9\n");
    std::fs::write(dir.path().join("latin1.yaml"), bytes).unwrap();
    let out = check(dir.path(), &["--format", "json", "latin1.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("EKS000@5 ") && f[0].contains("UTF-8"),
        "{f:?}"
    );
}

/// The EKS003 sample, whose two findings sit on line 11, column 7.
fn sample() -> String {
    std::fs::read_to_string(common::testdata(
        "rules/EKS003-cluster-security-group-egress-below-minimum/fail.yaml",
    ))
    .unwrap()
}

#[test]
fn bom_crlf_and_odd_names_keep_spans_exact() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = format!("\u{feff}{}", sample().replace('\n', "\r\n"));
    let name = "dossier à trier/cluster config.yaml";
    std::fs::create_dir_all(dir.path().join("dossier à trier")).unwrap();
    std::fs::write(dir.path().join(name), crlf).unwrap();
    let out = check(dir.path(), &["--format", "json", "."]);
    let doc = json(&out);
    let first = &doc["findings"][0];
    assert_eq!(first["code"], "EKS003");
    assert_eq!(first["file"], name);
    assert_eq!(first["start"]["line"], 11);
    assert_eq!(first["start"]["column"], 7);
    // SARIF percent-encodes the path.
    let out = check(dir.path(), &["--format", "sarif", "."]);
    let sarif = json(&out);
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert_eq!(uri, "dossier%20%C3%A0%20trier/cluster%20config.yaml");
}

/// A file whose name is not UTF-8 is scanned like any other: reports show
/// U+FFFD for the bytes that are not, and the SARIF URI encodes the real
/// bytes so that a viewer opens the file.
#[cfg(unix)]
#[test]
fn a_name_that_is_not_utf8_is_scanned() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"cluster-\xff.yaml");
    // Some file systems refuse such names; there is nothing to test there.
    if std::fs::write(dir.path().join(name), sample()).is_err() {
        return;
    }
    let out = check(dir.path(), &["--format", "json", "."]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc = json(&out);
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["findings"][0]["code"], "EKS003");
    assert_eq!(doc["findings"][0]["file"], "cluster-\u{fffd}.yaml");
    let sarif = json(&check(dir.path(), &["--format", "sarif", "."]));
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    let real = std::fs::canonicalize(dir.path()).unwrap();
    let expected = format!("file://{}/cluster-%FF.yaml", real.display());
    assert!(
        uri == expected || uri == format!("file://{}/cluster-%FF.yaml", dir.path().display()),
        "{uri}"
    );
}

/// So is a file of that kind in a local module's directory, read because a
/// scanned file calls the module.
#[cfg(unix)]
#[test]
fn a_module_file_whose_name_is_not_utf8_is_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("root")).unwrap();
    std::fs::create_dir_all(dir.path().join("mod")).unwrap();
    std::fs::write(
        dir.path().join("root/main.tf"),
        "module \"m\" {\n  source = \"../mod\"\n}\n",
    )
    .unwrap();
    let name = std::ffi::OsStr::from_bytes(b"groups-\xff.tf");
    let broken = "resource \"aws_security_group\" \"a\" {\n  name = \n";
    if std::fs::write(dir.path().join("mod").join(name), broken).is_err() {
        return;
    }
    // Only the caller's directory is scanned: the module is read through
    // the call.
    let out = check(dir.path(), &["--format", "json", "root"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let doc = json(&out);
    assert_eq!(doc["findings"][0]["code"], "EKS000", "{doc}");
    assert_eq!(doc["findings"][0]["file"], "mod/groups-\u{fffd}.tf");
    assert_eq!(doc["findings"][0]["start"]["line"], 2);
    // Read only through the call, it is not among the files analyzed,
    // parsed or not.
    assert_eq!(doc["summary"]["files"], 1);
}

#[test]
fn tabs_long_lines_and_duplicate_keys() {
    let dir = tempfile::tempdir().unwrap();
    // A tab where YAML wants spaces: a parse error with a position.
    std::fs::write(
        dir.path().join("tabs.yaml"),
        format!("{CFN_HEAD}\tX:\n    Type: AWS::EC2::VPC\n"),
    )
    .unwrap();
    let out = check(dir.path(), &["--format", "json", "tabs.yaml"]);
    let f = findings(&out);
    assert!(f.len() == 1 && f[0].starts_with("EKS000@3"), "{f:?}");
    // A 1 MB line: read and analyzed.
    let long = format!(
        "{CFN_HEAD}  X:\n    Type: AWS::EC2::VPC\n    Metadata:\n      blob: \"{}\"\n",
        "x".repeat(1 << 20)
    );
    std::fs::write(dir.path().join("long.yaml"), long).unwrap();
    assert_eq!(check(dir.path(), &["long.yaml"]).status.code(), Some(0));
    // Duplicate keys in CloudFormation: the last one wins, as CloudFormation
    // deploys it. A VPC named `Cluster` before the real cluster changes
    // nothing; the findings move down by the two lines added.
    let dup = sample().replacen(
        "Resources:\n",
        "Resources:\n  Cluster:\n    Type: AWS::EC2::VPC\n",
        1,
    );
    std::fs::write(dir.path().join("dup.yaml"), dup).unwrap();
    std::fs::write(dir.path().join("plain.yaml"), sample()).unwrap();
    let shifted: Vec<String> = findings(&check(dir.path(), &["--format", "json", "plain.yaml"]))
        .iter()
        .map(|f| {
            let (code, rest) = f.split_once('@').unwrap();
            let (line, message) = rest.split_once(' ').unwrap();
            format!("{code}@{} {message}", line.parse::<u32>().unwrap() + 2)
        })
        .collect();
    assert!(!shifted.is_empty());
    assert_eq!(
        findings(&check(dir.path(), &["--format", "json", "dup.yaml"])),
        shifted
    );
    // The other way round, the VPC wins and the cluster is gone.
    let dup_last = format!("{}  Cluster:\n    Type: AWS::EC2::VPC\n", sample());
    std::fs::write(dir.path().join("dup-last.yaml"), dup_last).unwrap();
    let f = findings(&check(dir.path(), &["--format", "json", "dup-last.yaml"]));
    assert!(f.iter().all(|f| !f.starts_with("EKS012")), "{f:?}");
    // eksctl rejects a config that repeats a key: a parse error there.
    std::fs::write(
        dir.path().join("eksctl.yaml"),
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: a\n  region: eu-west-1\n  name: b\n",
    )
    .unwrap();
    let f = findings(&check(dir.path(), &["--format", "json", "eksctl.yaml"]));
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("EKS000@6 ") && f[0].contains("duplicate key `name` (first on line 4)"),
        "{f:?}"
    );
}

#[test]
fn files_over_the_size_limit_are_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yaml");
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: 200 MB on paper, nothing on disk.
    file.set_len(200 * 1024 * 1024).unwrap();
    drop(file);
    let out = check(dir.path(), &["huge.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("huge.yaml") && stderr.contains("larger than the 64 MiB limit"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn fifos_symlink_loops_and_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), sample()).unwrap();
    // A FIFO named like a template is never opened (it would block).
    let fifo = dir.path().join("pipe.yaml");
    let made = mkfifo(&fifo);
    // Links back to the directory are not followed.
    std::os::unix::fs::symlink(dir.path(), dir.path().join("again")).unwrap();
    let out = check(dir.path(), &["--format", "json", "."]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(json(&out)["summary"]["files"], 1);
    if made {
        let out = check(dir.path(), &["pipe.yaml"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    // A link to nothing, named explicitly: a clear message and exit 2.
    std::os::unix::fs::symlink("nowhere.yaml", dir.path().join("dangling.yaml")).unwrap();
    let out = check(dir.path(), &["dangling.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("dangling.yaml: no such file or directory"),
        "{out:?}"
    );
    // A directory named like a template is walked, not read.
    std::fs::create_dir(dir.path().join("dir.yaml")).unwrap();
    std::fs::write(dir.path().join("dir.yaml/inner.yaml"), sample()).unwrap();
    let out = check(dir.path(), &["--format", "json", "dir.yaml"]);
    assert_eq!(json(&out)["summary"]["files"], 1, "{out:?}");
    // An unreadable file: a clear message and exit 2 (root reads anything,
    // so this part only runs where permissions bite).
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.path().join("locked.yaml");
    std::fs::write(&locked, sample()).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        let out = check(dir.path(), &["locked.yaml"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("permission denied"));
    }
}

/// `--output` onto what is not a regular file. A FIFO (and so `/dev/null`,
/// a terminal) is written as it is, never replaced by a regular file; a
/// symbolic link keeps pointing where it did, at a target written whole; an
/// existing file keeps its permissions; a directory or a link loop is a clear
/// error with exit 2.
#[cfg(unix)]
#[test]
fn output_onto_a_fifo_a_link_or_a_directory() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), sample()).unwrap();
    let fifo = dir.path().join("report.pipe");
    let made = mkfifo(&fifo);
    if made {
        // The reader opens the FIFO beside the run, which blocks until the
        // run opens it to write. Were the FIFO replaced instead, the reader
        // would stay blocked: the assertions below end the test first.
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        let out = check(
            dir.path(),
            &["--format", "json", "--output", "report.pipe", "ok.yaml"],
        );
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
        let text = reader.join().unwrap();
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(report["summary"]["files"], 1, "{text}");
    }

    // A link to a report: the target is replaced, the link stays a link.
    std::fs::write(dir.path().join("target.json"), "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("target.json", &link).unwrap();
    let out = check(
        dir.path(),
        &["--format", "json", "--output", "link.json", "ok.yaml"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(dir.path().join("target.json")).unwrap();
    assert!(text.starts_with('{'), "{text}");

    // An existing report keeps its permissions.
    let kept = dir.path().join("kept.json");
    std::fs::write(&kept, "old").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = check(dir.path(), &["--output", "kept.json", "ok.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let mode = std::fs::metadata(&kept).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);

    // A directory, and a link that points at itself: exit 2, a clear message.
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    std::os::unix::fs::symlink("loop.json", dir.path().join("loop.json")).unwrap();
    for (path, says) in [
        ("reports", "cannot write reports: "),
        ("loop.json", "cannot write loop.json: "),
    ] {
        let out = check(dir.path(), &["--output", path, "ok.yaml"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
    assert!(dir.path().join("reports").is_dir());
    assert_eq!(
        std::fs::read_dir(dir.path().join("reports"))
            .unwrap()
            .count(),
        0
    );
}

/// Files the user names that never end (`/dev/zero`): the rules, config and
/// baseline of `check`, and the rules and data of `guard`, are read up to
/// the 64 MiB limit, not until memory runs out.
#[cfg(unix)]
#[test]
fn named_files_that_never_end_stop_at_the_size_limit() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), sample()).unwrap();
    for (args, code) in [
        (&["check", "--rules", "/dev/zero", "--", "ok.yaml"][..], 2),
        (&["check", "--config", "/dev/zero", "ok.yaml"], 2),
        (&["check", "--baseline", "/dev/zero", "ok.yaml"], 2),
        (
            &["guard", "validate", "-r", "/dev/zero", "-d", "ok.yaml"],
            5,
        ),
        (&["guard", "parse-tree", "--rules", "/dev/zero"], 1),
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("/dev/zero: larger than the 64 MiB limit"),
            "{args:?}: {stderr}"
        );
    }
}

/// A pipe named as a Guard rules file, as `-r <(...)` names one, is read
/// like a file.
#[cfg(unix)]
#[test]
fn guard_rules_from_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("template.yaml"), sample()).unwrap();
    let fifo = dir.path().join("rules.pipe");
    let made = mkfifo(&fifo);
    if !made {
        return;
    }
    // Opening a FIFO to write blocks until it is opened to read: were the
    // pipe refused unread, this thread would stay blocked, and the
    // assertions below end the test first.
    std::thread::spawn(move || {
        std::fs::write(fifo, "rule has_resources { Resources exists }\n").unwrap()
    });
    let out = run(
        dir.path(),
        &[
            "guard",
            "validate",
            "-r",
            "rules.pipe",
            "-d",
            "template.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PASS"), "{stdout}");
}

/// What `terraform init` leaves in `.terraform/modules/modules.json` is read
/// only when it is a regular file: a FIFO there would block the scan, and a
/// link to `/dev/zero` would be read until memory ran out.
#[cfg(unix)]
#[test]
fn a_modules_json_that_is_no_file_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let modules = dir.path().join(".terraform/modules");
    std::fs::create_dir_all(&modules).unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "module \"eks\" {\n  source = \"terraform-aws-modules/eks/aws\"\n}\n",
    )
    .unwrap();
    let listing = modules.join("modules.json");
    let made = mkfifo(&listing);
    if made {
        let mut child = Command::new(common::bin())
            .args(["check", "--format", "json", "."])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > std::time::Duration::from_secs(60) {
                let _ = child.kill();
                panic!("blocked on a FIFO named modules.json");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(json(&out)["summary"]["files"], 1);
        std::fs::remove_file(&listing).unwrap();
    }
    if Path::new("/dev/zero").exists() {
        std::os::unix::fs::symlink("/dev/zero", &listing).unwrap();
        let out = check(dir.path(), &["--format", "json", "."]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(json(&out)["summary"]["files"], 1);
    }
}

/// A `.eks-sg-lint.toml` found on the way up that is no regular file (a
/// directory, a link to nothing, a FIFO) stops the run with a clear error
/// rather than being passed over: a shared config that a broken link no
/// longer reaches would change the run without a word.
#[cfg(unix)]
#[test]
fn a_config_that_is_no_regular_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("infra");
    std::fs::create_dir(&infra).unwrap();
    std::fs::write(infra.join("c.yaml"), sample()).unwrap();
    let config = dir.path().join(".eks-sg-lint.toml");
    let codes = || {
        let out = check(&infra, &["--format", "json", "."]);
        json(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(codes().iter().any(|c| c == "EKS012"));
    let expect_error = |what: &str| {
        let out = check(&infra, &["--format", "json", "."]);
        assert_eq!(out.status.code(), Some(2), "{what}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(".eks-sg-lint.toml: not a regular file"),
            "{what}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{what}: {out:?}");
    };
    std::fs::create_dir(&config).unwrap();
    expect_error("a directory");
    std::fs::remove_dir(&config).unwrap();
    std::os::unix::fs::symlink(dir.path().join("shared.toml"), &config).unwrap();
    expect_error("a link to nothing");
    // Once the link reaches a file, that file is the config.
    std::fs::write(dir.path().join("shared.toml"), "ignore = [\"EKS012\"]\n").unwrap();
    let found = codes();
    assert!(
        !found.is_empty() && !found.iter().any(|c| c == "EKS012"),
        "{found:?}"
    );
    std::fs::remove_file(&config).unwrap();
    if mkfifo(&config) {
        expect_error("a FIFO");
    }
}

/// Names, values and lines from scanned files reach a terminal in the human
/// report, GitHub annotations (the Actions log renders escape sequences),
/// `graph` and `guard`, and in messages about paths. Their control
/// characters are shown as pictures (`␛`), never sent: an escape sequence
/// could hide or overwrite findings, set the window title or write the
/// clipboard, and a carriage return could forge a line.
#[cfg(unix)]
#[test]
fn control_characters_from_scanned_files_are_shown_not_sent() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    // A cluster whose logical id sets the window title, then hides text.
    std::fs::write(
        dir.path().join("t.json"),
        r#"{"Resources":{"C\u001b]0;pwned\u0007\u001b[8m":{"Type":"AWS::EKS::Cluster","Properties":{"RoleArn":"a","ResourcesVpcConfig":{"SubnetIds":["a"]}}}}}"#,
    )
    .unwrap();
    // Raw control characters and a lone carriage return in a line that a
    // snippet shows, and a C1 control (CSI).
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"aws_eks_cluster\" \"c\" { # \u{1b}]52;c;cHduZWQ=\u{7}\r\u{9b}2J\u{202e}\n  role_arn = \"a\"\n  vpc_config { subnet_ids = [\"a\"] }\n}\n",
    )
    .unwrap();
    // A file name with an escape sequence, for a parse error and for a
    // path named in a message.
    let name = std::ffi::OsStr::from_bytes(b"e\x1b[2Jx.yaml");
    std::fs::write(
        dir.path().join(name),
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources: [\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.guard"),
        "rule r { Resources.*.Type == \"x\" <<\n  bad \u{1b}[8m message\n>> }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tests.yaml"),
        "- name: \"n\\e]0;t\\a\"\n  input: {Resources: {a: {Type: x}}}\n  expectations: {rules: {r: PASS}}\n",
    )
    .unwrap();
    let sent = |what: &str, out: &Output| {
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            let raw = text
                .char_indices()
                .find(|&(i, c)| {
                    let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
                    bidi || c.is_control()
                        && c != '\n'
                        && c != '\t'
                        && !text[i..].starts_with("\r\n")
                })
                .map(|(i, _)| &text[i.saturating_sub(20)..]);
            assert!(raw.is_none(), "{what}: a control character sent: {raw:?}");
        }
    };
    for format in ["human", "github"] {
        let out = check(dir.path(), &["--format", format, "."]);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        sent(format, &out);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("C\u{241b}]0;pwned\u{2407}\u{241b}[8m"),
            "{format}: {text}"
        );
        assert!(text.contains("e\u{241b}[2Jx.yaml"), "{format}: {text}");
    }
    let human = check(dir.path(), &["."]);
    let text = String::from_utf8_lossy(&human.stdout);
    // The snippet shows the line with stand-ins of the same length, so the
    // columns of what follows stay right.
    assert!(
        text.contains("# ?]52;c;cHduZWQ=??\u{bf}2J\u{fffd}"),
        "{text}"
    );
    let out = run(dir.path(), &["graph", "."]);
    sent("graph", &out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("C\u{241b}]0;pwned"));
    let out = guard_validate(dir.path(), "r.guard", "t.json");
    sent("guard validate", &out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\u{241b}[8m"),
        "{out:?}"
    );
    let out = run(
        dir.path(),
        &["guard", "test", "-r", "r.guard", "-t", "tests.yaml"],
    );
    sent("guard test", &out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("n\u{241b}]0;t\u{2407}"),
        "{out:?}"
    );
    // A path named in an error: a link to nothing, named by its link.
    let link = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"l\x1b]0;t\x07.yaml"));
    std::os::unix::fs::symlink(dir.path().join("missing"), &link).unwrap();
    let out = check(dir.path(), &[link.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    sent("an error about a path", &out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("l\u{241b}]0;t\u{2407}.yaml"));
    // A Guard rules file that does not parse, and a config (found in the
    // scanned tree) that does not load, quote their text.
    std::fs::write(
        dir.path().join("bad.guard"),
        "rule r { x \u{1b}]0;t\u{7} }\n",
    )
    .unwrap();
    let out = guard_validate(dir.path(), "bad.guard", "t.json");
    sent("a Guard syntax error", &out);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("x ?]0;t? }"),
        "{out:?}"
    );
    let nested = dir.path().join("nested");
    std::fs::create_dir(&nested).unwrap();
    std::fs::write(nested.join(".eks-sg-lint.toml"), "sel\u{1b}[8mct = 1\n").unwrap();
    let out = check(&nested, &["."]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    sent("a config error", &out);
}

/// `--jobs` takes 1 to 256 threads; threads that cannot start (here under a
/// 200 MB address-space limit, less than 256 thread stacks), asked for with
/// `-j` or by rayon's `RAYON_NUM_THREADS` in any command, are a clear error,
/// not a panic.
#[cfg(unix)]
#[test]
fn threads_that_cannot_start_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ok.yaml"), sample()).unwrap();
    std::fs::write(dir.path().join("ok.guard"), "rule r { Resources exists }\n").unwrap();
    let out = check(dir.path(), &["-j", "257", "ok.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("257 is not in 1..=256"));
    if !Path::new("/bin/sh").exists() {
        return;
    }
    for (command, says) in [
        ("check -j 256 ok.yaml", "cannot start 256 threads"),
        ("check ok.yaml", "cannot start the worker threads"),
        (
            "guard validate -r ok.guard -d ok.yaml",
            "cannot start the worker threads",
        ),
    ] {
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("ulimit -v 200000 && exec \"$0\" {command}"))
            .arg(common::bin())
            .env("RAYON_NUM_THREADS", "256")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        match out.status.code() {
            // The limit let them start after all: the run went on.
            Some(0 | 1) => {}
            Some(2) => assert!(stderr.contains(says), "{command}: {stderr}"),
            _ => panic!("{command}: {out:?}"),
        }
    }
}

/// A user's Guard rules whose work grows exponentially with their text (a
/// parameterized rule calling itself thrice: 3^100 calls before the depth
/// limit) end at the evaluator's step budget, as a failure of each rule not
/// decided, anchored at the document.
#[test]
fn guard_rules_with_exponential_work_stop_at_the_step_budget() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("loop.guard"),
        "rule check(x) {\n  check(%x)\n  check(%x)\n  check(%x)\n}\n\
         rule LOOPS {\n  check(Resources)\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("template.yaml"), sample()).unwrap();
    let out = check(
        dir.path(),
        &[
            "--format",
            "json",
            "--rules",
            "loop.guard",
            "--select",
            "LOOPS",
            "template.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].starts_with("LOOPS@1 rule `LOOPS` failed: evaluation stopped after "));
    // `guard validate`: a failed rule, as any other.
    let out = guard_validate(dir.path(), "loop.guard", "template.yaml");
    assert_eq!(out.status.code(), Some(19), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("loop.guard/LOOPS    FAIL"));
}

/// A regex that backtracks exponentially on a value (`(a*)*\\1b` on thirty
/// `a`s) stops at fancy-regex's backtracking limit: its rule fails and says
/// so, in `check` and in `guard validate`. Through `regex_replace` it
/// panicked (exit 101) before.
#[test]
fn guard_regexes_that_backtrack_exponentially_stop_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("backtrack.guard"),
        "let fixed = regex_replace(Resources.*.Properties.BucketName, \"(a*)*\\\\1b\", \"x\")\n\
         rule BACKTRACK {\n  %fixed !empty\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        format!(
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {}\n",
            "a".repeat(30)
        ),
    )
    .unwrap();
    let out = check(
        dir.path(),
        &[
            "--format",
            "json",
            "--rules",
            "backtrack.guard",
            "--select",
            "BACKTRACK",
            "template.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("BACKTRACK@1 rule `BACKTRACK` failed: evaluation stopped before")
            && f[0].contains("took more than 1000000 backtracking steps"),
        "{f:?}"
    );
    let out = guard_validate(dir.path(), "backtrack.guard", "template.yaml");
    assert_eq!(out.status.code(), Some(19), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("backtrack.guard/BACKTRACK    FAIL"));
}

/// A regex whose groups call the group before them twice doubles at each
/// level when fancy-regex copies the calls in place: 24 levels took
/// gigabytes within seconds (found by the `guard_parser` fuzz target, as a
/// 558-byte rules file). It is now an invalid regex: exit 2 from `check`,
/// 5 from `guard validate`, in bounded memory (`check` runs under a limit).
#[test]
fn guard_regexes_that_expand_exponentially_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = (1..24).fold("(?<g0>x)".to_string(), |p, i| {
        format!(r"{p}(?<g{i}>\g<g{}>\g<g{}>)", i - 1, i - 1)
    });
    std::fs::write(
        dir.path().join("doubling.guard"),
        format!("rule DOUBLING {{\n  Resources.*.Type == /{pattern}/\n}}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("template.yaml"), sample()).unwrap();
    let out = check(
        dir.path(),
        &[
            "--format",
            "json",
            "--rules",
            "doubling.guard",
            "template.yaml",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("doubling.guard:2:")
            && stderr.contains("invalid regular expression: it compiles to more than"),
        "{stderr}"
    );
    let out = guard_validate(dir.path(), "doubling.guard", "template.yaml");
    assert_eq!(out.status.code(), Some(5), "{out:?}");
}

#[test]
fn output_is_the_same_on_one_thread_and_many() {
    let corpus = common::testdata("rules");
    let run = |threads: &str| {
        let out = Command::new(common::bin())
            .args(["check", "--format", "json", "-j", threads])
            .arg(&corpus)
            .current_dir(common::root())
            .output()
            .unwrap();
        out.stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("4"));
    assert_eq!(one, run("4"));
}
