//! JSON front end stub (being written).

use super::{Limits, Node, ParseError, Value};
use crate::source::{FileId, Span};

/// Parses a strict JSON document.
pub fn parse(file: FileId, text: &str, limits: Limits) -> Result<Node, ParseError> {
    let _ = limits;
    Ok(Node::new(Span::new(file, 0, text.len()), Value::Null))
}
