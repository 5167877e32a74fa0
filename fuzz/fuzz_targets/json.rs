//! The JSON front end on arbitrary text: a tree whose spans lie inside
//! the text, or a parse error, never a panic, a stack overflow or unbounded
//! memory; and the same tree or error as the parse through
//! `jsonc-parser`'s AST.
#![no_main]

#[path = "common.rs"]
mod common;

use eks_sg_lint::source::FileId;
use eks_sg_lint::syntax::{json, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = json::parse(FileId(0), text, Limits::default());
    match &parsed {
        Ok(doc) => common::check_tree(text, doc),
        Err(e) => common::check_span(text, e.span),
    }
    assert_eq!(
        parsed,
        json::parse_with_ast(FileId(0), text, Limits::default()),
        "tokens and AST disagree"
    );
});
