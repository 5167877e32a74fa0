//! Checks shared by the front-end targets: every span a tree or an error
//! carries lies inside the text, on character boundaries, start <= end.

#![allow(dead_code)]

use eks_sg_lint::source::Span;
use eks_sg_lint::syntax::{Node, RefPart, TemplatePart, Value};

pub fn check_span(text: &str, span: Span) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end, "span {span:?} runs backwards");
    assert!(end <= text.len(), "span {span:?} ends past {}", text.len());
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "span {span:?} splits a character"
    );
}

/// Walks the tree with an explicit stack (the tree may be deep).
pub fn check_tree(text: &str, root: &Node) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        check_span(text, node.span);
        match &node.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for e in entries {
                    check_span(text, e.key_span);
                    stack.push(&e.value);
                }
            }
            Value::Tagged(_, inner) => stack.push(inner),
            Value::Reference(parts) => {
                for p in parts {
                    if let RefPart::Index(n) = p {
                        stack.push(n);
                    }
                }
            }
            Value::Template(parts) => {
                for p in parts {
                    if let TemplatePart::Interpolation(n) = p {
                        stack.push(n);
                    }
                }
            }
            Value::Call(call) => stack.extend(&call.1),
            Value::Conditional(a, b, c) => stack.extend([&**a, &**b, &**c]),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Expr(_) => {
            }
        }
    }
}
