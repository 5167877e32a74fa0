//! Terraform's JSON syntax (`.tf.json`) and plan JSON (`terraform show
//! -json`).
//!
//! A `.tf.json` document is rewritten into the tree the HCL front end makes
//! (blocks nested by label, spans of whole blocks starting at their key), so
//! the extractor reads both alike. Strings become templates where they hold
//! `${...}`; block names nested in resources are the ones the extractor
//! reads (`vpc_config`, `ingress`, `dynamic`, ...): without the provider's
//! schema, any other object is an attribute.

use crate::source::Span;
use crate::syntax::{hcl, Entry, Node, Value};

/// Nested blocks the extractor reads inside resources.
const BLOCKS: &[&str] = &[
    "vpc_config",
    "kubernetes_network_config",
    "launch_template",
    "remote_access",
    "network_interfaces",
    "mixed_instances_policy",
    "launch_template_specification",
    "ingress",
    "egress",
    "tag",
    "content",
    "lifecycle",
    "timeouts",
];

/// Labels of each top-level block type.
fn labels_of(kind: &str) -> Option<usize> {
    match kind {
        "resource" | "data" => Some(2),
        "module" | "variable" | "output" | "provider" => Some(1),
        "locals" | "terraform" => Some(0),
        _ => None,
    }
}

/// A `.tf.json` document as the HCL front end's tree.
pub fn from_json(doc: &Node) -> Node {
    let mut entries = Vec::new();
    for entry in doc.as_map().unwrap_or(&[]) {
        let Some(labels) = labels_of(&entry.key) else {
            continue;
        };
        for body in objects(&entry.value) {
            labelled(entry, body, labels, &mut Vec::new(), &mut entries, 0);
        }
    }
    Node::new(doc.span, Value::Map(entries))
}

/// An object, or each object of an array of objects.
fn objects(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Map(_) => vec![node],
        Value::Seq(items) => items.iter().filter(|i| i.as_map().is_some()).collect(),
        _ => Vec::new(),
    }
}

/// Descends `left` labels, then emits one block entry.
fn labelled<'n>(
    keyword: &Entry,
    node: &'n Node,
    left: usize,
    path: &mut Vec<&'n Entry>,
    out: &mut Vec<Entry>,
    depth: usize,
) {
    if left == 0 {
        // The block starts at its last label (`"this": {`), so that its
        // header is the name, as close to HCL's header as JSON allows.
        let head = path.last().map_or(keyword.key_span, |l| l.key_span);
        let span = Span {
            start: head.start.min(node.span.start),
            ..node.span
        };
        let mut value = Node::new(span, body(node, span, depth + 1));
        for label in path.iter().rev() {
            value = Node::new(
                span,
                Value::Map(vec![Entry {
                    key: label.key.clone(),
                    key_span: label.key_span,
                    value,
                }]),
            );
        }
        out.push(Entry {
            key: keyword.key.clone(),
            key_span: Span {
                end: head.start,
                ..head
            },
            value,
        });
        return;
    }
    for entry in node.as_map().unwrap_or(&[]) {
        for inner in objects(&entry.value) {
            path.push(entry);
            labelled(keyword, inner, left - 1, path, out, depth + 1);
            path.pop();
        }
    }
}

/// A block body: attributes as expressions, known nested blocks as blocks.
fn body(node: &Node, _span: Span, depth: usize) -> Value {
    let mut entries = Vec::new();
    for entry in node.as_map().unwrap_or(&[]) {
        if depth < 32 && entry.key == "dynamic" {
            for obj in objects(&entry.value) {
                for label in obj.as_map().unwrap_or(&[]) {
                    for inner in objects(&label.value) {
                        let span = Span {
                            start: entry.key_span.start,
                            ..inner.span
                        };
                        let body = Node::new(span, body(inner, span, depth + 1));
                        entries.push(Entry {
                            key: entry.key.clone(),
                            key_span: entry.key_span,
                            value: Node::new(
                                span,
                                Value::Map(vec![Entry {
                                    key: label.key.clone(),
                                    key_span: label.key_span,
                                    value: body,
                                }]),
                            ),
                        });
                    }
                }
            }
            continue;
        }
        let is_block = depth < 32
            && BLOCKS.contains(&entry.key.as_str())
            && !objects(&entry.value).is_empty()
            && !matches!(&entry.value.value, Value::Seq(items) if items.iter().any(|i| i.as_map().is_none()));
        if is_block {
            for obj in objects(&entry.value) {
                let span = Span {
                    start: entry.key_span.start,
                    ..obj.span
                };
                entries.push(Entry {
                    key: entry.key.clone(),
                    key_span: entry.key_span,
                    value: Node::new(span, body(obj, span, depth + 1)),
                });
            }
            continue;
        }
        entries.push(Entry {
            key: entry.key.clone(),
            key_span: entry.key_span,
            value: expr(&entry.value, depth + 1),
        });
    }
    Value::Map(entries)
}

/// A JSON value as an expression: strings may be templates.
fn expr(node: &Node, depth: usize) -> Node {
    if depth > 128 {
        return Node::new(node.span, Value::Expr(String::new()));
    }
    match &node.value {
        Value::String(s) => hcl::json_string_value(s, node.span),
        Value::Seq(items) => Node::new(
            node.span,
            Value::Seq(items.iter().map(|i| expr(i, depth + 1)).collect()),
        ),
        Value::Map(entries) => Node::new(
            node.span,
            Value::Map(
                entries
                    .iter()
                    .map(|e| Entry {
                        key: e.key.clone(),
                        key_span: e.key_span,
                        value: expr(&e.value, depth + 1),
                    })
                    .collect(),
            ),
        ),
        _ => node.clone(),
    }
}

/// Whether a JSON document is a Terraform plan (`terraform show -json`).
pub fn is_plan(doc: &Node) -> bool {
    doc.get("format_version").is_some()
        && (doc.get("planned_values").is_some() || doc.get("resource_changes").is_some())
}
