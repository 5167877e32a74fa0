//! The HCL (Terraform) front end on arbitrary text: a tree whose spans lie inside
//! the text, or a parse error, never a panic, a stack overflow or unbounded
//! memory; and the same result when the text is parsed in runs.
#![no_main]

#[path = "common.rs"]
mod common;

use eks_sg_lint::source::FileId;
use eks_sg_lint::syntax::{hcl, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = hcl::parse(FileId(0), text, Limits::default());
    match &parsed {
        Ok(doc) => common::check_tree(text, doc),
        Err(e) => common::check_span(text, e.span),
    }
    // Large files are parsed in runs of top-level structures; cut at every
    // line the scan allows, the text must give the same tree or error.
    let in_runs = hcl::parse_in_runs(FileId(0), text, Limits::default(), 1);
    assert_eq!(in_runs, parsed, "runs of one line differ from one parse");
});
