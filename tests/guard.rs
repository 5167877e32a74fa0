//! The Guard policy language: parser, evaluator (cfn-guard 3.2.1's
//! PASS/FAIL/SKIP), spans, inputs, the `guard validate|test` commands, user
//! rules in `check`, and the built-in rules EKS012–EKS015 on their fixtures.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use eks_sg_lint::guard::{self, eval, parser, value, Status};
use eks_sg_lint::pipeline::{scan_with, Selection};
use eks_sg_lint::source::FileId;
use eks_sg_lint::syntax::{self, Limits};

fn parse_ok(rules: &str) -> guard::ast::RulesFile {
    match parser::parse(rules) {
        Ok(f) => f,
        Err(e) => panic!("does not parse: {e} at {}\n{rules}", e.offset),
    }
}

fn doc(yaml: &str) -> Arc<value::Val> {
    let docs = syntax::yaml::parse(FileId(0), yaml, Limits::default()).expect("yaml");
    value::from_node(&docs[0])
}

fn statuses(rules: &str, yaml: &str) -> BTreeMap<String, Status> {
    let file = parse_ok(rules);
    eval::evaluate(&file, doc(yaml))
        .into_iter()
        .map(|r| (r.name, r.status))
        .collect()
}

fn status(rules: &str, yaml: &str) -> Status {
    let s = statuses(rules, yaml);
    assert_eq!(s.len(), 1, "one rule expected: {s:?}");
    s.into_values().next().unwrap()
}

use Status::{Fail, Pass, Skip};

// ----- parser ---------------------------------------------------------------

#[test]
fn every_construct_parses() {
    let rules = r#"
# comment
let a = Resources.*[ Type == 'AWS::EKS::Cluster' ]
let b := [1, 2, 3]
let c = { key: "v", 'other-key': [true, null] }
let d = count(Resources.*)
let e = regex_replace("abc", "b", "x")
let f = join(["a", "b"], ",")
let g = substring("hello", 1, 3)
let h = now()
let i = r[1, 10)
let j = r(1.5, 2.5]
let k = r['a', 'z']
rule named when %a !empty {
    %a.Properties.Name exists
    %a.Properties.Name != /^Prod/ << not prod >>
    some %a.Properties.Tags[*].Key == "owner"
    %a[ name | Properties exists ] { this is_struct }
    Resources[ keys == /Cluster$/ ] !empty
    Resources[ keys IN ['A', 'B'] ] empty
    Resources[ keys not in ['A'] ] !empty
    Resources.'odd-key'.Value is_string or Resources.X.Y is_int OR Resources.Z exists |OR| Resources.W is_null
    Resources.*.Properties.Size >= 1 or Resources.*.Properties.Size < -1.5
    Resources.*.Properties.Size <= 1e5
    Resources.*.Properties.List[0] not exists
    Resources.*.Properties.List.0 !EXISTS
    Resources.*.Properties.Flag NOT IN [true]
    Resources.*.Properties.Flag !in [false]
    Resources.*.Properties.Name IN %b
    when %a !empty { %a.Type == 'AWS::EKS::Cluster' }
    !other
    other << depends on other >>
    check(%a)
    not check(%a) << negated call >>
    AWS::EKS::Cluster { Properties exists }
    AWS::EKS::Cluster when Properties.Name exists { Properties.Name is_string }
    AWS::EKS::Cluster Properties.Version exists
    Resources.* !empty { Type exists }
    not Resources.X exists
    Resources.X IS_STRING
    Resources.X is_list
    Resources.X is_bool
    Resources.X is_float
    Resources.X !is_int
}
rule other { Resources exists }
rule check(x) { %x !empty }
AWS::S3::Bucket::MODULE { Properties exists }
Resources exists
when Resources exists { Resources !empty }
"#;
    let file = parse_ok(rules);
    assert_eq!(file.lets.len(), 11);
    let names: Vec<&str> = file.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["named", "other", "default"]);
    assert_eq!(file.parameterized.len(), 1);
}

#[test]
fn keywords_do_not_swallow_identifiers() {
    // `trueFlag` is a key, not `true` followed by `Flag`.
    assert_eq!(
        status("rule r { a == trueFlag }", "a: 1\ntrueFlag: 1\n"),
        Pass
    );
    assert_eq!(
        status("rule r { a == trueFlag }", "a: 1\ntrueFlag: 2\n"),
        Fail
    );
    assert_eq!(
        status("rule r { existsKey exists }", "existsKey: 1\n"),
        Pass
    );
    assert_eq!(status("rule r { notes == 'x' }", "notes: x\n"), Pass);
    assert_eq!(status("rule r { some_key == 'x' }", "some_key: x\n"), Pass);
    assert_eq!(
        status("rule r { a == nullish }", "a: 1\nnullish: 1\n"),
        Pass
    );
    assert_eq!(status("rule r { a == true }", "a: true\n"), Pass);
    assert_eq!(status("rule r { a == TRUE }", "a: true\n"), Pass);
    assert_eq!(status("rule r { a == False }", "a: false\n"), Pass);
}

#[test]
fn numbers_parse_as_written() {
    assert_eq!(status("rule r { a == 1e5 }", "a: 100000.0\n"), Pass);
    assert_eq!(status("rule r { a == -1.5 }", "a: -1.5\n"), Pass);
    assert_eq!(status("rule r { a < -1 }", "a: -1.5\n"), Pass);
    assert_eq!(status("rule r { a == 2.5e-1 }", "a: 0.25\n"), Pass);
    assert_eq!(status("rule r { a == -7 }", "a: -7\n"), Pass);
    let e = parser::parse("rule r { a == 99999999999999999999 }").unwrap_err();
    assert!(
        e.message.contains("does not fit in 64 bits"),
        "{}",
        e.message
    );
    let e = parser::parse("rule r { a == 12abc }").unwrap_err();
    assert!(e.message.contains("expected a number"), "{}", e.message);
}

#[test]
fn huge_indices_are_out_of_bounds_not_a_crash() {
    assert_eq!(
        status("rule r { a[99999999999999999999] exists }", "a: [1]\n"),
        Fail
    );
    assert_eq!(
        status("rule r { a[-99999999999999999999] exists }", "a: [1]\n"),
        Fail
    );
    assert_eq!(status("rule r { a[-1] == 2 }", "a: [1, 2]\n"), Pass);
    assert_eq!(status("rule r { a.1 == 2 }", "a: [1, 2]\n"), Pass);
}

#[test]
fn messages_are_not_less_than() {
    let file = parse_ok("rule r { a < 3 << must be\n small >> }");
    let guard::ast::Clause::Access(a) = &file.rules[0].block.clauses[0][0] else {
        panic!("an access clause");
    };
    assert_eq!(a.op, guard::ast::Op::Lt);
    assert_eq!(a.message.as_deref(), Some("must be\n small"));
}

#[test]
fn parse_errors_say_where_and_what_was_expected() {
    let cases = [
        (
            "rule r {\n  a ==\n}\n",
            "expected a value, a query or a function call",
        ),
        ("rule r {\n  a\n  b c\n", "expected"),
        ("rule r { a == 'x\n}", "closing the string"),
        ("rule r { a == /[/ }", "invalid regular expression"),
        ("rule r { a == 1 << oops }", "`>>` closing the message"),
        ("rule r { a == join('x') }", "takes 2 arguments, found 1"),
        (
            "rule r { a == frobnicate(1) }",
            "unknown function `frobnicate`",
        ),
        ("rule { }", "expected a rule name"),
        (
            "rule r { Resources.* ?? 3 }",
            "expected a comparison operator",
        ),
        ("let = 3", "expected a variable name"),
    ];
    for (text, want) in cases {
        let e = parser::parse(text).unwrap_err();
        assert!(
            e.message.contains(want),
            "{text:?}: {:?} lacks {want:?}",
            e.message
        );
        assert!(!e.message.contains("context"), "{}", e.message);
    }
    // The position is exact: the `??` of the operator case.
    let text = "rule r { Resources.* ?? 3 }";
    let e = parser::parse(text).unwrap_err();
    assert_eq!(&text[e.offset..e.offset + 2], "??");
}

#[test]
fn parse_errors_render_through_miette() {
    let path = PathBuf::from("bad.guard");
    let text = "rule r {\n  Resources.* ?? 3\n}\n";
    let err = guard::load_text(&path, text).unwrap_err();
    assert_eq!(
        err.one_line(),
        "bad.guard:2:15: expected a comparison operator (==, !=, >, >=, <, <=, IN, NOT IN) or a unary check (EXISTS, EMPTY, IS_STRING, ...), found `?`"
    );
    let graphical = err.graphical(false);
    assert!(graphical.contains("bad.guard:2:15"), "{graphical}");
    assert!(graphical.contains("Resources.* ?? 3"), "{graphical}");
}

#[test]
fn hostile_nesting_is_an_error_not_a_stack_overflow() {
    let deep_list = format!(
        "rule r {{ a == {}1{} }}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let e = parser::parse(&deep_list).unwrap_err();
    assert!(e.message.contains("nesting deeper than"), "{}", e.message);
    let deep_filter = format!(
        "rule r {{ a{} exists }}",
        "[ b".repeat(3000) + &" exists ]".repeat(3000)
    );
    assert!(parser::parse(&deep_filter).is_err());
    let deep_blocks = format!("rule r {{ {} }}", "a { ".repeat(3000) + &"}".repeat(3000));
    assert!(parser::parse(&deep_blocks).is_err());
    // A rule that refers to itself ends.
    assert_eq!(status("rule r { r }", "a: 1\n"), Fail);
    // Let cycles end.
    let s = statuses("let x = %y\nlet y = %x\nrule r { %x empty }", "a: 1\n");
    assert_eq!(s["r"], Pass);
}

/// Groups that call the group before them twice: each level doubles the
/// pattern fancy-regex compiles, as it copies every call in place. 24
/// levels took gigabytes before the program size was capped; now such a
/// regex is refused at once, in a rules file and as a function's argument.
fn doubling_regex(levels: usize) -> String {
    let name = |i: usize| format!("g{i}");
    (1..levels).fold(format!("(?<{}>x)", name(0)), |p, i| {
        format!(r"{p}(?<{}>\g<{}>\g<{}>)", name(i), name(i - 1), name(i - 1))
    })
}

#[test]
fn regexes_that_expand_exponentially_are_refused() {
    let started = std::time::Instant::now();
    let e = parser::parse(&format!("rule r {{ a == /{}/ }}", doubling_regex(24)))
        .expect_err("a regex of 2^24 copies is refused");
    assert!(
        e.message
            .contains("invalid regular expression: it compiles to more than 20000 instructions"),
        "{}",
        e.message
    );
    // Five levels are 1 + 2 + 4 + 8 + 16 copies: a regex like any other.
    let results = statuses(
        &format!("rule r {{ a == /^{}$/ }}", doubling_regex(5)),
        &format!("a: {}\n", "x".repeat(31)),
    );
    assert_eq!(results["r"], Pass);
    // A function's pattern comes from the rules or the data: refused too
    // (the function gives nothing, so the clause has nothing to compare).
    let rules = format!(
        "let p = regex_replace('xx', '{}', 'y')\nrule r {{ %p !empty }}",
        doubling_regex(24)
    );
    assert_eq!(statuses(&rules, "a: 1\n")["r"], Fail);
    let rules = format!(
        "let p = regex_replace('xx', '{}', 'y')\nrule r {{ %p == 'yy' }}",
        doubling_regex(1)
    );
    assert_eq!(statuses(&rules, "a: 1\n")["r"], Pass);
    // Not a timed test: the bound is on memory, and this is a sanity line.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

/// Each rule's name, verdict, whether the evaluation stopped before it, and
/// its failures, for `rules` over the YAML `data`.
fn verdicts(rules: &str, data: &str) -> Vec<(String, Status, bool, Vec<eval::Failure>)> {
    eval::evaluate(&parse_ok(rules), doc(data))
        .into_iter()
        .map(|r| (r.name, r.status, r.stopped, r.failures))
        .collect()
}

/// A regex that goes over fancy-regex's backtracking limit cannot tell
/// whether it matches: the rules decided before keep their verdicts, the
/// rule it was met in and those after fail and say which regex, and the
/// next evaluation starts afresh. `regex_replace` is bounded alike (it
/// panicked here before).
#[test]
fn a_regex_over_its_backtracking_limit_stops_the_evaluation() {
    let data = format!("Resources:\n  R: {{Type: T, Name: {}}}\n", "a".repeat(30));
    let verdicts = |rules: &str| verdicts(rules, &data);
    let rules = "rule before { Resources.R.Type == 'T' }\n\
                 rule over { Resources.R.Name != /(a*)*\\1b/ }\n\
                 rule after { Resources.R.Type == 'T' }\n";
    let results = verdicts(rules);
    assert_eq!(results.len(), 3);
    assert_eq!((results[0].1, results[0].2), (Pass, false), "{results:?}");
    for (name, status, stopped, failures) in &results[1..] {
        assert_eq!((*status, *stopped), (Fail, true), "{name}");
        assert_eq!(failures.len(), 1, "{name}");
        assert!(
            failures[0].message.contains(
                "the regular expression /(a*)*\\1b/ took more than 1000000 backtracking steps"
            ),
            "{}",
            failures[0].message
        );
    }
    let replaced = "let fixed = regex_replace(Resources.R.Name, \"(a*)*\\\\1b\", \"x\")\n\
                    rule replaced { %fixed !empty }\n";
    let results = verdicts(replaced);
    assert_eq!((results[0].1, results[0].2), (Fail, true), "{results:?}");
    // The same regex on a short value decides, in a fresh evaluation.
    let short = "rule short { Resources.R.Type != /(a*)*\\1b/ }\n";
    let results = verdicts(short);
    assert_eq!((results[0].1, results[0].2), (Pass, false), "{results:?}");
}

/// A template of `n` resources `R0`, `R1`, ... of type `T`.
fn resources_of_type_t(n: usize) -> String {
    "Resources:\n".to_string()
        + &(0..n)
            .map(|i| format!("  R{i}: {{Type: T}}\n"))
            .collect::<String>()
}

/// Work that grows exponentially with the rules' text (found by the
/// guard_parser fuzz target: a parameterized rule calling itself thrice)
/// stops at the step budget; the rules it did not decide fail and say why,
/// and the rules decided before keep their verdicts.
#[test]
fn exponential_rules_stop_at_the_step_budget() {
    let data = resources_of_type_t(8);
    let stopped = |rules: &str| verdicts(rules, &data);
    let recursive = "rule before { Resources exists }\n\
                     rule check(x) { check(%x) check(%x) check(%x) }\n\
                     rule r { check(Resources) }\n\
                     rule after { Resources exists }\n";
    let results = stopped(recursive);
    assert_eq!(results.len(), 3);
    assert_eq!((results[0].1, results[0].2), (Pass, false), "{results:?}");
    for (name, status, stopped, failures) in &results[1..] {
        assert_eq!((*status, *stopped), (Fail, true), "{name}");
        assert_eq!(failures.len(), 1, "{name}");
        assert!(
            failures[0].message.starts_with("evaluation stopped after"),
            "{}",
            failures[0].message
        );
    }
    // Filters nested ten deep over eight values: 8^10 steps unbounded.
    let nested = (0..10).fold("Type exists".to_string(), |inner, _| {
        format!("%x[ {inner} ] !empty")
    });
    let results = stopped(&format!("let x = Resources.*\nrule r {{ {nested} }}"));
    assert_eq!((results[0].1, results[0].2), (Fail, true), "{results:?}");
    // Three deep is well within the budget, and passes.
    let shallow = (0..3).fold("Type exists".to_string(), |inner, _| {
        format!("%x[ {inner} ] !empty")
    });
    let results = stopped(&format!("let x = Resources.*\nrule r {{ {shallow} }}"));
    assert_eq!((results[0].1, results[0].2), (Pass, false), "{results:?}");
}

/// Rules files that read one document in turn share its size, which sets
/// the step budget: the first to need it counts the values, the others
/// take that count.
#[test]
fn evaluations_of_one_document_share_its_size() {
    let data = resources_of_type_t(5000);
    let root = doc(&data);
    // Past the base budget (100,000 steps), within this document's.
    let rules = parse_ok(&format!(
        "rule r {{ {} }}",
        "Resources.*[ Type == 'T' ] !empty\n".repeat(6)
    ));
    let stopped = |results: &[eval::RuleResult]| results.iter().any(|r| r.stopped);
    assert!(!stopped(&eval::evaluate(&rules, Arc::clone(&root))));
    let size = std::sync::OnceLock::new();
    assert!(!stopped(&eval::evaluate_shared(
        &rules,
        Arc::clone(&root),
        &size
    )));
    assert_eq!(size.get(), Some(&root.size()));
    // A size given is taken as it is: none, and the base budget stops it.
    let none = std::sync::OnceLock::from(0);
    assert!(stopped(&eval::evaluate_shared(&rules, root, &none)));
}

// ----- evaluator ------------------------------------------------------------

#[test]
fn empty_selections_skip_and_missing_keys_fail() {
    // A filter selecting nothing: SKIP.
    let r = "rule r { Resources.*[ Type == 'X' ].Properties.A == 1 }";
    assert_eq!(status(r, "Resources:\n  a: {Type: Y}\n"), Skip);
    // A missing key on the path: FAIL.
    assert_eq!(
        status("rule r { Resources.a.B == 1 }", "Resources: {}\n"),
        Fail
    );
    // `*` over an empty map: FAIL (nothing to select is an unresolved path).
    assert_eq!(
        status("rule r { Resources.* exists }", "Resources: {}\n"),
        Fail
    );
    assert_eq!(
        status(
            "rule r { Resources.*[ Type == 'X' ] empty }",
            "Resources: {}\n"
        ),
        Pass
    );
    assert_eq!(
        status(
            "rule r { Resources.*[ Type == 'X' ] !empty }",
            "Resources: {}\n"
        ),
        Fail
    );
    // `when` that does not hold: SKIP.
    let r = "rule r when Resources.*[ Type == 'X' ] !empty { Resources.* exists }";
    assert_eq!(status(r, "Resources:\n  a: {Type: Y}\n"), Skip);
}

#[test]
fn some_needs_one_and_all_needs_every() {
    let data = "Tags:\n  - Key: a\n  - Key: owner\n";
    assert_eq!(status("rule r { some Tags[*].Key == 'owner' }", data), Pass);
    assert_eq!(status("rule r { Tags[*].Key == 'owner' }", data), Fail);
    assert_eq!(status("rule r { some Tags[*].Key == 'x' }", data), Fail);
    assert_eq!(status("rule r { some Tags[*] { Key == 'a' } }", data), Pass);
    assert_eq!(status("rule r { Tags[*] { Key == 'a' } }", data), Fail);
}

#[test]
fn negations() {
    let data = "a: 1\nb: [x, y]\n";
    assert_eq!(status("rule r { a != 2 }", data), Pass);
    assert_eq!(status("rule r { not a == 1 }", data), Fail);
    assert_eq!(status("rule r { c !exists }", data), Pass);
    assert_eq!(status("rule r { b !empty }", data), Pass);
    assert_eq!(status("rule r { b[*] not in ['x'] }", data), Fail);
    assert_eq!(status("rule r { a !is_string }", data), Pass);
    // Values of different types are not comparable: `!=` fails, as cfn-guard.
    assert_eq!(status("rule r { a != 'x' }", data), Fail);
    let rules = "rule base { a == 2 }\nrule r { !base }\n";
    assert_eq!(statuses(rules, data)["r"], Pass);
    // A referenced rule that did not apply fails an assertion.
    let rules = "rule base when c exists { a == 2 }\nrule r { base }\n";
    assert_eq!(statuses(rules, data)["r"], Fail);
    // ... but only skips a condition.
    let rules = "rule base when c exists { a == 2 }\nrule r when base { a == 1 }\n";
    assert_eq!(statuses(rules, data)["r"], Skip);
}

#[test]
fn operators_and_literals() {
    let data = "s: abc\nn: 5\nf: 2.5\nl: [1, 2]\nm: {k: v}\nnil: null\nc: b\n";
    let cases = [
        ("s == /^a/", Pass),
        ("s IN ['abc', 'd']", Pass),
        ("s IN [/^x/, /^a/]", Pass),
        ("n IN r[1, 5]", Pass),
        ("n IN r[1, 5)", Fail),
        ("f IN r(2, 3)", Pass),
        ("n > 4", Pass),
        ("n >= 5.0", Pass),
        ("f < 3", Pass),
        ("l == [1, 2]", Pass),
        ("l[*] IN [1, 2, 3]", Pass),
        ("m == {k: 'v'}", Pass),
        ("nil is_null", Pass),
        ("m is_struct", Pass),
        ("l is_list", Pass),
        ("n is_int", Pass),
        ("f is_float", Pass),
        ("s is_string", Pass),
        ("s == 'ab'", Fail),
        ("n > 'a'", Fail),
    ];
    for (clause, want) in cases {
        assert_eq!(
            status(&format!("rule r {{ {clause} }}"), data),
            want,
            "{clause}"
        );
    }
}

#[test]
fn variables_filters_captures_and_keys() {
    let data = "Resources:\n  ClusterA: {Type: AWS::EKS::Cluster, Properties: {Name: a}}\n  ClusterB: {Type: AWS::EKS::Cluster, Properties: {Name: b}}\n  Bucket: {Type: AWS::S3::Bucket}\n";
    let rules = r#"
let clusters = Resources.*[ Type == 'AWS::EKS::Cluster' ]
let names = %clusters.Properties.Name
rule count_two { let n = count(%clusters)
  %n == 2 }
rule names_known { %names IN ['a', 'b'] }
rule keys_filter { Resources[ keys == /^Cluster/ ].Type == 'AWS::EKS::Cluster' }
rule keys_not_in { Resources[ keys not in ['ClusterA', 'ClusterB'] ].Type == 'AWS::S3::Bucket' }
rule capture { Resources[ id | Type == 'AWS::S3::Bucket' ] { %id == 'Bucket' } }
rule map_key_var { let k = 'Bucket'
  Resources.%k.Type == 'AWS::S3::Bucket' }
rule this_value { %names { this IN ['a', 'b'] } }
"#;
    let s = statuses(rules, data);
    for (name, st) in &s {
        assert_eq!(*st, Pass, "{name}: {s:?}");
    }
}

#[test]
fn functions() {
    let data = "s: 'Hello%20World'\nj: '{\"a\": [1, 2]}'\nt: '2024-01-01T00:00:00Z'\nn: '42'\nb: 'true'\nl: [a, b]\n";
    let rules = r#"
rule f {
  let lower = to_lower(s)
  %lower == 'hello%20world'
  let upper = to_upper(s)
  %upper == 'HELLO%20WORLD'
  let decoded = url_decode(s)
  %decoded == 'Hello World'
  let parsed = json_parse(j)
  %parsed.a[1] == 2
  let epoch = parse_epoch(t)
  %epoch == 1704067200
  let i = parse_int(n)
  %i == 42
  let fl = parse_float(n)
  %fl == 42.0
  let bo = parse_boolean(b)
  %bo == true
  let st = parse_string(i_do_not_exist)
  %st empty
  let joined = join(l, '-')
  %joined == 'a-b'
  let sub = substring(s, 0, 5)
  %sub == 'Hello'
  let rep = regex_replace(s, '%20', ' ')
  %rep == 'Hello World'
  let ch = parse_char('x')
  %ch exists
  let t0 = now()
  %t0 > 1704067200
}
"#;
    assert_eq!(status(rules, data), Pass);
}

#[test]
fn short_tags_read_as_long_forms() {
    let data = "Resources:\n  C:\n    Properties:\n      RoleArn: !GetAtt Role.Arn\n      Name: !Ref ClusterName\n      Sub: !Sub '${AWS::Region}-x'\n";
    let rules = r#"
rule r {
  Resources.C.Properties.RoleArn.'Fn::GetAtt'[0] == 'Role'
  Resources.C.Properties.RoleArn.'Fn::GetAtt'[1] == 'Arn'
  Resources.C.Properties.Name.Ref == 'ClusterName'
  Resources.C.Properties.Sub.'Fn::Sub' == '${AWS::Region}-x'
}
"#;
    assert_eq!(status(rules, data), Pass);
}

#[test]
fn a_failing_clause_points_at_the_failing_value() {
    let yaml = "Resources:\n  A:\n    Properties:\n      Size: 10\n  B:\n    Properties:\n      Size: 200\n";
    let file = parse_ok("rule small { Resources.*.Properties.Size <= 100 << too big >> }");
    let results = eval::evaluate(&file, doc(yaml));
    assert_eq!(results[0].status, Fail);
    let f = &results[0].failures;
    assert_eq!(f.len(), 1);
    let span = f[0].span.expect("a data span");
    assert_eq!(&yaml[span.start as usize..span.end as usize], "200");
    assert_eq!(f[0].custom.as_deref(), Some("too big"));
    // A missing key points at where the query stopped.
    let file = parse_ok("rule r { Resources.B.Properties.Encrypted == true }");
    let results = eval::evaluate(&file, doc(yaml));
    let span = results[0].failures[0].span.unwrap();
    assert!(
        yaml[span.start as usize..].starts_with("Size: 200"),
        "{span:?}"
    );
}

#[test]
fn failures_of_a_passing_alternative_are_dropped() {
    let file = parse_ok("rule r { a == 1 or b == 2 }");
    let results = eval::evaluate(&file, doc("a: 0\nb: 2\n"));
    assert_eq!(results[0].status, Pass);
    assert!(results[0].failures.is_empty());
}

// ----- gates that stop at their first failure --------------------------------

#[test]
fn a_file_is_order_free_unless_a_clause_could_affect_another() {
    let free = [
        "rule r { a[ b == 1 c == 2 ] !empty }",
        "let x = a[ b == 1 ]\nlet y = %x.c\nrule r when %y !empty { %y == 1 }",
        "rule r { let z = a.b\n %z[ c == 1 ] empty }",
        "rule r when a == 1 b exists { c[ keys == /x/ ] !empty }",
    ];
    for text in free {
        assert!(parse_ok(text).order_free(), "{text}");
    }
    let not_free = [
        // a key bound in a filter is seen by the clauses after it
        "rule r { a[ name | b == 1 ] { %name == 'k' } }",
        "rule r { a[*][ b[ k | c == 1 ] !empty ] !empty }",
        "rule r { a[ keys == /x/ ] !empty a.*[ name ] !empty }",
        "rule r { a[ k2 | keys == /x/ ] !empty }",
        // a rule keeps the failures of its first evaluation
        "rule q { a == 1 }\nrule r when b == 1 q { c == 1 }",
        "rule p(v) { %v == 1 }\nrule r when b == 1 p(c) { c == 1 }",
        // which of two variables that read each other is evaluated first
        "let x = %y\nlet y = %x\nrule r { %x empty }",
        "let x = %x\nrule r { %x empty }",
        "rule r { let u = a[ b == %v ]\n let v = %u\n %u empty }",
    ];
    for text in not_free {
        assert!(!parse_ok(text).order_free(), "{text}");
    }
}

/// Evaluated with and without the shortcut, every rule file gives the same
/// verdicts and the same failures, in the same order.
#[test]
fn stopping_at_the_first_failure_changes_no_verdict_nor_failure() {
    let mut files: Vec<String> = guard::builtin::FILES
        .iter()
        .map(|(_, text)| text.to_string())
        .collect();
    for name in ["eks_cluster.guard", "security_group_ingress.guard"] {
        let path = common::testdata("guard/registry-like").join(name);
        files.push(std::fs::read_to_string(path).unwrap());
    }
    files.extend(
        [
            "rule r { items[ a == 1 b == 2 c.d exists ] !empty }",
            "rule r { items[ a == 1 b == 2 ] { c == 3 } }",
            "rule r { items[ a == 1 or b == 2 c < 5 ] { c == 3 } }",
            "rule r { some items[ not a == 1 b IN [2, 3] ].c == 3 }",
            "rule r when items[ a == 1 ] !empty items[ b == 2 ] !empty { items[*].c exists }",
            "let one = items[ a == 1 ]\nrule r when %one !empty { %one[ b == 2 c == 3 ] empty }",
            "rule r { items[ missing == 1 a == 1 ] empty }",
            "rule r { items[ a == 1 nested[ x == 1 y == 2 ] !empty ] !empty }",
            "rule r { items[ c > 2 c < 5 ] { b != 2 << no 2 >> } }",
        ]
        .map(str::to_string),
    );
    let mut docs = vec![doc(
        "items:\n  - {a: 1, b: 2, c: 3, nested: [{x: 1, y: 2}]}\n  - {a: 1, b: 3, c: 4, nested: [{x: 1, y: 3}]}\n  - {a: 2, b: 2, c: 5}\n  - {b: 2, c: 3}\n  - 7\n",
    )];
    // A model document as the built-in rules read it.
    docs.push(doc(
        "clusters:\n  - endpoint: {public_access: true, private_access: false, public_access_cidrs_set: true, public_access_cidrs_open_to_world: false}\n    node_groups: [ng]\n  - endpoint: {public_access: true, public_access_cidrs_open_to_world: true}\n    node_groups: []\nsecurity_groups:\n  - node_groups: [ng]\n    ingress:\n      - {world: true, protocol: tcp, from_port: 0, to_port: 65535}\n      - {world: false, protocol: tcp, from_port: 22, to_port: 22}\n      - {world: true, protocol: udp, from_port: 22, to_port: 22}\n      - {world: true, protocol: all}\n  - node_groups: []\n    ingress:\n      - {world: true, protocol: tcp, from_port: 22, to_port: 22}\n",
    ));
    for name in ["eks_cluster_tests.yml", "security_group_ingress_tests.yml"] {
        let path = common::testdata("guard/registry-like/tests").join(name);
        let text = std::fs::read_to_string(path).unwrap();
        let cases = syntax::yaml::parse(FileId(0), &text, Limits::default()).expect("yaml");
        for case in cases[0].as_seq().unwrap() {
            docs.push(value::from_node(case.get("input").unwrap()));
        }
    }
    let mut order_free = 0;
    for text in &files {
        let file = parse_ok(text);
        order_free += usize::from(file.order_free());
        for d in &docs {
            let quick = eval::evaluate(&file, Arc::clone(d));
            let full = eval::evaluate_every_clause(&file, Arc::clone(d));
            assert_eq!(quick, full, "{text}");
        }
    }
    // The shortcut is taken: the built-in rules and most snippets qualify.
    assert!(order_free >= 12, "{order_free}");
}

// ----- commands -------------------------------------------------------------

fn run(args: &[&str]) -> (i32, String, String) {
    let mut argv: Vec<OsString> = vec!["eks-sg-lint".into()];
    argv.extend(args.iter().map(OsString::from));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = eks_sg_lint::cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn validate_exit_codes_and_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rules = write(
        d,
        "r.guard",
        "rule encrypted { Resources.*.Properties.Encrypted == true }\n",
    );
    let bad = write(d, "bad.guard", "rule r { a == }\n");
    // Two YAML documents with an alias: both are read.
    let data = write(
        d,
        "t.yaml",
        "Resources:\n  V: &v\n    Properties: {Encrypted: true}\n  W: *v\n---\nResources:\n  X:\n    Properties: {Encrypted: false}\n",
    );
    let (code, out, _) = run(&["guard", "validate", "-r", &rules, "-d", &data, "-S", "all"]);
    assert_eq!(code, 19, "{out}");
    assert!(out.contains("Status = PASS"), "{out}");
    assert!(out.contains("Status = FAIL"), "{out}");
    assert!(out.contains("t.yaml:8:29"), "{out}");
    let (code, out, _) = run(&["guard", "validate", "-r", &rules, "-d", &data, "-o", "json"]);
    assert_eq!(code, 19);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[1]["rules"][0]["failures"][0]["line"], 8);
    let (code, out, _) = run(&[
        "guard", "validate", "-r", &rules, "-d", &data, "-o", "sarif",
    ]);
    assert_eq!(code, 19);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        8
    );
    let ok = write(
        d,
        "ok.yaml",
        "Resources:\n  V:\n    Properties: {Encrypted: true}\n",
    );
    assert_eq!(run(&["guard", "validate", "-r", &rules, "-d", &ok]).0, 0);
    let (code, _, err) = run(&["guard", "validate", "-r", &bad, "-d", &ok]);
    assert_eq!(code, 5);
    assert!(err.contains("expected a value"), "{err}");
}

#[test]
fn test_command_exit_codes() {
    let reg = common::testdata("guard/registry-like");
    let (code, out, err) = run(&["guard", "test", "-d", reg.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Testing Guard File"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rules = write(d, "r.guard", "rule r { a == 1 }\n");
    let good = write(
        d,
        "good.yaml",
        "- name: one\n  input: {a: 1}\n  expectations: {rules: {r: PASS}}\n- input: {a: 2}\n  expectations: {rules: {r: FAIL}}\n- input: {}\n  expectations: {rules: {r: FAIL}}\n",
    );
    let wrong = write(
        d,
        "wrong.yaml",
        "- input: {a: 1}\n  expectations: {rules: {r: FAIL}}\n",
    );
    let broken = write(d, "broken.yaml", "- input: [\n");
    assert_eq!(run(&["guard", "test", "-r", &rules, "-t", &good]).0, 0);
    let (code, out, _) = run(&["guard", "test", "-r", &rules, "-t", &wrong]);
    assert_eq!(code, 7);
    assert!(
        out.contains("r: Expected = FAIL, Evaluated = [PASS]"),
        "{out}"
    );
    assert_eq!(run(&["guard", "test", "-r", &rules, "-t", &broken]).0, 1);
}

// ----- rules over the model document ----------------------------------------

fn findings_of(path: &Path, rules: &guard::RuleSet) -> Vec<(u32, String)> {
    let scan = scan_with(
        &[path.to_path_buf()],
        &Selection::default(),
        &|_| false,
        rules,
    );
    assert!(scan.problems.is_empty(), "{:?}", scan.problems);
    scan.findings
        .iter()
        .map(|f| {
            let file = scan.sources.get(f.span.file).unwrap();
            (file.line_col(f.span.start).line, f.code.to_string())
        })
        .collect()
}

#[test]
fn a_user_rule_over_the_model_fires_alike_on_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let rule = write(
        dir.path(),
        "ssh.guard",
        "# eks-sg-lint: input = model\n# eks-sg-lint: code = ORG001\n# eks-sg-lint: level = error\n\
         rule no_world_ssh_on_nodes {\n\
           security_groups[ node_groups !empty ].ingress[ world == true from_port <= 22 to_port >= 22 ] {\n\
             world == false << no SSH from the internet to nodes >>\n\
           }\n\
         }\n",
    );
    let set = guard::load_rules(&[PathBuf::from(&rule)]).unwrap();
    let metas = guard::metas(&set);
    assert!(metas.iter().any(|m| m.code == "ORG001"));
    let base = common::testdata("guard/model");
    for (fixture, line) in [("ssh.yaml", 25), ("ssh-tf", 26), ("ssh-eksctl.yaml", 12)] {
        let found: Vec<(u32, String)> = findings_of(&base.join(fixture), &set)
            .into_iter()
            .filter(|(_, c)| c == "ORG001")
            .collect();
        assert_eq!(found, vec![(line, "ORG001".to_string())], "{fixture}");
    }
}

#[test]
fn a_user_rule_without_header_is_named_by_its_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rule = write(
        dir.path(),
        "cfn.guard",
        "rule CLUSTER_HAS_VERSION {\n  Resources.*[ Type == 'AWS::EKS::Cluster' ].Properties.Version exists\n}\n",
    );
    let data = common::testdata("guard/model/ssh.yaml");
    let (code, out, err) = run(&[
        "check",
        "--format",
        "sarif",
        "--rules",
        &rule,
        "--select",
        "CLUSTER_HAS_VERSION",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{out}");
    assert_eq!(results[0]["ruleId"], "CLUSTER_HAS_VERSION");
    // As the README writes it: the rules file, then the paths to scan, and
    // `--rules` again for a second file.
    let other = write(
        dir.path(),
        "other.guard",
        "rule ALWAYS_PASSES { true == true }\n",
    );
    let (code, out, err) = run(&[
        "check",
        "--format",
        "json",
        "--rules",
        &rule,
        "--rules",
        &other,
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["summary"]["files"], 1, "{out}");
    let codes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"CLUSTER_HAS_VERSION"), "{codes:?}");
    let (code, _, err) = run(&[
        "check",
        "--rules",
        &write(dir.path(), "bad.guard", "rule {"),
        ".",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.guard:1:6"), "{err}");
}

/// A header the tool does not understand (a typo in a key, an unknown level
/// or input) would run the rule other than its author meant, at another
/// level or on other documents, without a word: it stops the run and points
/// at the value, in `check` and in `guard validate`.
#[test]
fn a_header_that_is_not_understood_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::testdata("guard/model/ssh.yaml");
    for (header, at, what) in [
        ("level = fatal", "1:24", "unknown level `fatal`"),
        ("inptu = model", "1:16", "unknown header key `inptu`"),
        (
            "security-severity = high",
            "1:36",
            "security-severity `high` is not a number",
        ),
    ] {
        let rule = write(
            dir.path(),
            "typo.guard",
            &format!("# eks-sg-lint: {header}\nrule r {{ Resources exists }}\n"),
        );
        let (code, out, err) = run(&["check", "--rules", &rule, data.to_str().unwrap()]);
        assert_eq!(code, 2, "{header}: {out}{err}");
        assert!(
            err.contains(&format!("typo.guard:{at}: {what}")),
            "{header}: {err}"
        );
        let (code, _, err) = run(&[
            "guard",
            "validate",
            "-r",
            &rule,
            "-d",
            data.to_str().unwrap(),
        ]);
        assert_eq!(code, 5, "{header}: {err}");
        assert!(err.contains(what), "{header}: {err}");
    }
}

// ----- the built-in rules ---------------------------------------------------

#[test]
fn builtin_rules_parse_and_carry_their_metadata() {
    let metas: Vec<_> = guard::builtin::loaded()
        .iter()
        .flat_map(|f| f.metas.iter().map(|(_, m)| *m))
        .collect();
    let codes: Vec<&str> = metas.iter().map(|m| m.code).collect();
    assert_eq!(codes, ["EKS012", "EKS013", "EKS014", "EKS015"]);
    for m in &metas {
        for heading in [
            "## What it checks",
            "## Why it matters",
            "## Example",
            "## Instead",
            "## References",
        ] {
            assert!(m.doc.contains(heading), "{} lacks {heading}", m.code);
        }
        assert!(!m.summary.ends_with('.'), "{}", m.code);
        assert!(!m.formats.is_empty());
    }
    for f in guard::builtin::loaded() {
        assert!(f.header.problems.is_empty(), "{:?}", f.header.problems);
        assert_eq!(f.header.input, guard::InputKind::Model);
    }
    if let Some(shared) = common::shared() {
        let catalog = std::fs::read_to_string(shared.join("docs/rules.md")).unwrap();
        for m in &metas {
            let row = format!("| {} | {} | {} |", m.code, m.name, m.level.as_str());
            assert!(catalog.contains(&row), "{row}");
        }
    }
}

/// The fixtures of EKS012–EKS015: each marks its findings of these codes
/// (`# expect:` or a JSON sidecar), and passing ones say `expect: none`.
#[test]
fn builtin_rule_fixtures() {
    let set = guard::RuleSet {
        files: guard::builtin::loaded().to_vec(),
    };
    let codes = ["EKS012", "EKS013", "EKS014", "EKS015"];
    let mut checked = 0;
    // The fixtures live in `testdata/rules/` once the shared harness knows
    // these codes, and in `testdata/guard/builtin-fixtures/` before.
    let mut dirs: Vec<PathBuf> = Vec::new();
    for base in ["rules", "guard/builtin-fixtures"] {
        if let Ok(rd) = std::fs::read_dir(common::testdata(base)) {
            dirs.extend(rd.map(|e| e.unwrap().path()));
        }
    }
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !codes.iter().any(|c| name.starts_with(c)) {
            continue;
        }
        let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.to_string_lossy().ends_with(".expect"))
            .collect();
        fixtures.sort();
        for fixture in fixtures {
            let mut expected: Vec<(u32, String)> = Vec::new();
            let files: Vec<PathBuf> = if fixture.is_dir() {
                std::fs::read_dir(&fixture)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect()
            } else {
                vec![fixture.clone()]
            };
            for file in files {
                if file.extension().is_some_and(|e| e == "json") {
                    let sidecar = format!("{}.expect", file.display());
                    for line in std::fs::read_to_string(&sidecar).unwrap().lines() {
                        if let Some((n, cs)) = line.split_once(':') {
                            for c in cs.split(',') {
                                expected.push((n.trim().parse().unwrap(), c.trim().to_string()));
                            }
                        }
                    }
                    continue;
                }
                let text = std::fs::read_to_string(&file).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if let Some((_, rest)) = line.split_once("# expect:") {
                        for c in rest.split(',').map(str::trim) {
                            if c != "none" && !c.is_empty() {
                                expected.push((i as u32 + 1, c.to_string()));
                            }
                        }
                    }
                }
            }
            expected.retain(|(_, c)| codes.contains(&c.as_str()));
            expected.sort();
            let mut actual: Vec<(u32, String)> = findings_of(&fixture, &set)
                .into_iter()
                .filter(|(_, c)| codes.contains(&c.as_str()))
                .collect();
            actual.sort();
            actual.dedup();
            assert_eq!(actual, expected, "{}", fixture.display());
            checked += 1;
        }
    }
    assert!(checked >= 28, "only {checked} fixtures");
}

// ----- real files -------------------------------------------------------------

#[test]
fn registry_like_rules_run_over_the_corpus() {
    let Some(shared) = common::shared() else {
        return;
    };
    let corpus = shared.join("corpus");
    let Ok(manifest) = std::fs::read_to_string(corpus.join("MANIFEST.txt")) else {
        return;
    };
    let reg = common::testdata("guard/registry-like");
    let files: Vec<guard::ast::RulesFile> = ["security_group_ingress.guard", "eks_cluster.guard"]
        .iter()
        .map(|n| parse_ok(&std::fs::read_to_string(reg.join(n)).unwrap()))
        .collect();
    let mut evaluated = 0;
    for line in manifest.lines() {
        let Some((kind, path)) = line.split_once(' ') else {
            continue;
        };
        if kind != "cfn-yaml" && kind != "cfn-json" {
            continue;
        }
        let p = corpus.join(path.trim_start_matches("./"));
        let text = std::fs::read_to_string(&p).unwrap();
        let docs = if kind == "cfn-json" {
            syntax::json::parse(FileId(0), &text, Limits::default()).map(|d| vec![d])
        } else {
            syntax::yaml::parse(FileId(0), &text, Limits::default())
        };
        let Ok(docs) = docs else { continue };
        for d in &docs {
            for f in &files {
                let results = eval::evaluate(f, value::from_node(d));
                assert!(!results.is_empty());
                evaluated += 1;
            }
        }
    }
    assert!(evaluated > 0);
}

/// `GUARD_REGISTRY=<checkout> CFN_GUARD=<cfn-guard 3.2.1> cargo test --release
/// --test guard -- --ignored`: runs the conformance script.
#[test]
#[ignore = "needs a registry checkout and cfn-guard"]
fn registry_conformance_with_cfn_guard() {
    let (Some(reg), Some(cfn)) = (
        std::env::var_os("GUARD_REGISTRY"),
        std::env::var_os("CFN_GUARD"),
    ) else {
        return;
    };
    let out = std::process::Command::new(common::testdata("guard/registry-conformance.sh"))
        .arg(reg)
        .arg(common::bin())
        .arg(cfn)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("DIFF"), "{text}");
}

#[test]
fn terraform_and_eksctl_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let tf = write(
        dir.path(),
        "tf.guard",
        "# eks-sg-lint: input = terraform\n# eks-sg-lint: code = TF001\n\
         rule tf_private {\n  resource.aws_eks_cluster.*.vpc_config.endpoint_private_access == true << private endpoint off >>\n}\n",
    );
    let ek = write(
        dir.path(),
        "ek.guard",
        "# eks-sg-lint: input = eksctl\n# eks-sg-lint: code = EKSCTL001\n\
         rule named { metadata.name == /^prod-/ << cluster names start with prod- >> }\n",
    );
    let set = guard::load_rules(&[PathBuf::from(&tf), PathBuf::from(&ek)]).unwrap();
    let base = common::testdata("rules/EKS012-public-endpoint-open-to-world");
    let tf_found = findings_of(&base.join("fail-tf"), &set);
    assert!(
        tf_found.contains(&(10, "TF001".to_string())),
        "{tf_found:?}"
    );
    assert!(!findings_of(&base.join("pass-tf"), &set)
        .iter()
        .any(|(_, c)| c == "TF001"));
    let ek_found = findings_of(&base.join("fail-eksctl.yaml"), &set);
    assert!(
        ek_found.contains(&(4, "EKSCTL001".to_string())),
        "{ek_found:?}"
    );
}

// ----- the projected model document ------------------------------------------
//
// `check` builds only the parts of the model document its rules can read
// (guard::projection). Whatever the rules, every verdict, failure, span and
// message must be what the whole document gives.

/// Rules over the model document that reach it every way a query can:
/// letter-case variants, map wildcards, filters on maps and lists, nested
/// variables, `this`, counts, emptiness, renderings of whole values, keys
/// from variables, and constructs the projection does not model.
const PROJECTION_RULES: &[&str] = &[
    "rule a { clusters[*].endpoint.public_access == true }",
    "rule b { Clusters[*].Endpoint.PublicAccess exists }",
    "rule c { clusters[*].endpoint.* == true }",
    "rule d { clusters[*].endpoint[ this == true ] !empty }",
    "let c = clusters[ node_groups !empty ]\nrule e when %c !empty { %c { address == /zzz/ } }",
    "rule f { security_groups[*].egress[*] { peer.kind IN ['cidr', 'self'] } }",
    "rule g { let n = count(security_groups[*].tags)\n %n < 1 }",
    "rule h { security_groups[*].ingress empty }",
    "rule i { node_groups[*].remote_access !exists }",
    "rule j { security_groups[ some ingress[*].world == true ].name == /zzz/ }",
    "rule k { node_groups[*].remote_access empty }",
    "rule l { security_groups[*] empty }",
    "rule m { vpc_endpoints[*] { service != 'x' } }",
    "rule n { let x = security_groups[*].name\n %x == /zzz/ }",
    "rule o { clusters[*].endpoint == {} }",
    "rule p { not clusters[*].endpoint !empty }",
    "rule q { security_groups[*].ingress[0].protocol == 'udp' }",
    "rule r { security_groups[*].ingress.0 == {} }",
    "rule s { clusters[*].endpoint[ keys == /public/ ] empty }",
    "rule t { %undefined exists }",
    "rule u { clusters[*].endpoint.public_access_cidrs[*] == /0\\.0\\.0\\.0/ }",
    "let k = 'endpoint'\nrule v { clusters[*].%k.public_access == false }",
    "rule w { node_groups[*] { this.security_groups_complete == false } }",
    "rule x { security_groups[*] { ingress[*] { world == false } } }",
    "rule y { clusters[*] { let e = endpoint\n %e.private_access == true } }",
    "rule z { security_groups.* !empty }",
    "rule aa { security_groups[*].ingress[ from_port == 22 ] !empty }",
    "rule ab { clusters[*].endpoint exists\n clusters[*].endpoint !empty }",
    "rule ac { node_groups[*].cluster IN [null] }",
    "rule ad when security_groups !empty { security_groups[*].tags[*].key != 'x' }",
];

/// Every fixture and sample the scan accepts, one at a time.
fn projection_data() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["rules", "examples", "guard/model"] {
        for e in walkdir::WalkDir::new(common::testdata(dir)).sort_by_file_name() {
            let Ok(e) = e else { continue };
            let p = e.path();
            let name = p.to_string_lossy();
            let tf_dir = e.file_type().is_dir()
                && std::fs::read_dir(p).is_ok_and(|mut d| {
                    d.any(|f| f.is_ok_and(|f| f.path().extension().is_some_and(|x| x == "tf")))
                });
            let file = e.file_type().is_file()
                && [".yaml", ".yml", ".json"].iter().any(|x| name.ends_with(x));
            if tf_dir || file {
                out.push(p.to_path_buf());
            }
        }
    }
    out
}

type Scanned = (
    PathBuf,
    eks_sg_lint::pipeline::Scan,
    eks_sg_lint::analysis::Analysis,
);

fn same_results(
    file: &guard::ast::RulesFile,
    rules: &str,
    projection: &guard::projection::Proj,
    data: &[Scanned],
) {
    for (path, scan, analysis) in data {
        let whole = guard::model_doc::build(&scan.model, analysis);
        let part = guard::model_doc::build_projected(&scan.model, analysis, projection);
        let expected = format!("{:#?}", eval::evaluate(file, whole));
        let got = format!("{:#?}", eval::evaluate(file, part));
        assert_eq!(
            got,
            expected,
            "{} with\n{rules}\nprojection {projection:?}",
            path.display()
        );
    }
}

#[test]
fn a_projected_model_document_gives_what_the_whole_one_gives() {
    let data: Vec<Scanned> = projection_data()
        .into_iter()
        .map(|path| {
            let scan = scan_with(
                std::slice::from_ref(&path),
                &Selection::default(),
                &|_| false,
                &Default::default(),
            );
            let analysis = eks_sg_lint::analysis::Analysis::new(&scan.model);
            (path, scan, analysis)
        })
        .collect();
    assert!(data.len() > 50, "fixtures found: {}", data.len());
    let mut texts: Vec<String> = PROJECTION_RULES.iter().map(|s| s.to_string()).collect();
    texts.extend(guard::builtin::FILES.iter().map(|(_, t)| t.to_string()));
    for e in std::fs::read_dir(common::testdata("guard/registry-like")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "guard") {
            texts.push(std::fs::read_to_string(p).unwrap());
        }
    }
    let mut pruned = 0;
    for text in &texts {
        let file = parse_ok(text);
        let projection = guard::projection::Proj::for_files([&file]);
        pruned += usize::from(!projection.is_full());
        same_results(&file, text, &projection, &data);
    }
    // Most of these rules are read exactly, not by building everything.
    assert!(pruned * 4 >= texts.len() * 3, "{pruned} of {}", texts.len());
    // The built-in rules at once, as `check` runs them.
    let all: Vec<_> = guard::builtin::FILES
        .iter()
        .map(|(_, t)| parse_ok(t))
        .collect();
    let projection = guard::projection::Proj::for_files(&all);
    assert!(!projection.is_full());
    for file in &all {
        same_results(file, "(built-in rules)", &projection, &data);
    }
}
