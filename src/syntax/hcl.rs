//! HCL front end stub (being written).

use super::{Limits, Node, ParseError, Value};
use crate::source::{FileId, Span};

/// Parses one HCL file into a map of its body.
pub fn parse(file: FileId, text: &str, limits: Limits) -> Result<Node, ParseError> {
    let _ = limits;
    Ok(Node::new(Span::new(file, 0, text.len()), Value::Map(Vec::new())))
}
