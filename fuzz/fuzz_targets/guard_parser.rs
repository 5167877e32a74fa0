//! The Guard rules parser on arbitrary text, and the evaluator on whatever
//! parses: rules run against a CloudFormation template and against the
//! model document built from it, with and without gates stopping at their
//! first failure. A syntax error must point inside the text and render;
//! nothing may panic or run unbounded (a run that outlasts the fuzzer's
//! timeout is a finding too).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eks_sg_lint::analysis::Analysis;
use eks_sg_lint::guard::{self, eval, model_doc, parser, value};
use eks_sg_lint::pipeline::{self, Selection};
use eks_sg_lint::source::FileId;
use eks_sg_lint::syntax::{yaml, Limits};
use libfuzzer_sys::fuzz_target;

const TEMPLATE: &str = include_str!("../../testdata/examples/cloudformation/cluster.yaml");

thread_local! {
    /// The documents rules are evaluated against, built once.
    static DOCS: Vec<Arc<value::Val>> = docs();
}

fn docs() -> Vec<Arc<value::Val>> {
    let mut out: Vec<Arc<value::Val>> = yaml::parse(FileId(0), TEMPLATE, Limits::default())
        .unwrap_or_default()
        .iter()
        .map(value::from_node)
        .collect();
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/examples/cloudformation/cluster.yaml"
    ));
    let scan = pipeline::scan(&[path], &Selection::default(), &|_| false);
    let analysis = Analysis::new(&scan.model);
    out.push(model_doc::build(&scan.model, &analysis));
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parser::parse(text) {
        Ok(file) => {
            // Gates that stop at their first failing clause change nothing:
            // every clause evaluated gives the same verdicts and failures
            // (unless the rules read the clock, or the step budget ran out:
            // the two ways take different steps, so they stop in different
            // places).
            let timeless = !text.contains("now");
            DOCS.with(|docs| {
                for doc in docs {
                    let quick = eval::evaluate(&file, Arc::clone(doc));
                    if timeless {
                        let full = eval::evaluate_every_clause(&file, Arc::clone(doc));
                        if !quick.iter().chain(&full).any(|r| r.stopped) {
                            assert_eq!(quick, full, "the shortcut changed a result");
                        }
                    }
                }
            });
            // The header. Not `load_text`: its rule metadata is leaked on
            // purpose (`&'static`, once per rules file a run loads), which
            // LeakSanitizer reports on every input.
            let header = guard::header::parse(text);
            let _ = header.input;
        }
        Err(e) => {
            assert!(e.offset <= text.len(), "{e:?} past {}", text.len());
            let err = guard::load_text(Path::new("fuzz.guard"), text)
                .err()
                .unwrap_or_else(|| panic!("parse failed, load_text did not: {e:?}"));
            let _ = err.one_line();
            let _ = err.graphical(false);
        }
    }
});
