//! The SARIF output of the whole testdata set, validated against the
//! official SARIF 2.1.0 schema (skipped where `../shared` is absent).

mod common;

use std::process::Command;

fn sarif_of(path: &std::path::Path) -> serde_json::Value {
    let out = Command::new(common::bin())
        .args(["check", "--format", "sarif"])
        .arg(path)
        .current_dir(common::root())
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(1) || out.status.code() == Some(0),
        "{out:?}"
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

#[test]
fn sarif_of_all_fixtures_validates_against_the_schema() {
    let Some(shared) = common::shared() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    let schema_text =
        std::fs::read_to_string(shared.join("schemas/sarif-schema-2.1.0.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    // The rule fixtures, and the samples (one with an unused suppression,
    // a tool configuration notification).
    for dir in ["rules", "examples"] {
        let sarif = sarif_of(&common::testdata(dir));
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF of {dir} is not valid:\n{}",
            errors.join("\n")
        );
        assert!(
            !sarif["runs"][0]["results"].as_array().unwrap().is_empty(),
            "the fixtures produce results"
        );
    }
}

#[test]
fn sarif_carries_what_code_scanning_reads() {
    let sarif = sarif_of(&common::testdata(
        "rules/EKS003-cluster-security-group-egress-below-minimum",
    ));
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif"));
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("file://"));
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "eks-sg-lint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().is_some());
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        for key in ["shortDescription", "fullDescription"] {
            assert!(
                rule[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{key} of {}",
                rule["id"]
            );
        }
        assert!(rule["help"]["text"].as_str().is_some());
        assert!(rule["help"]["markdown"].as_str().is_some());
        assert!(rule["defaultConfiguration"]["level"].as_str().is_some());
        assert!(rule["properties"]["tags"].as_array().is_some());
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&severity));
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("testdata/rules/EKS003-"), "{uri}");
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(location["region"][key].as_u64().unwrap() >= 1, "{key}");
        }
        assert!(result["message"]["text"].as_str().is_some());
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
    }
}
