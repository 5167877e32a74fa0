//! The span-annotated value tree every front end produces.
//!
//! YAML, JSON and HCL all parse into [`Node`]s. The tree keeps what the
//! extractors and the Guard evaluator need and nothing format-specific beyond
//! that: YAML tags (`!Ref`), duplicate map keys (in order; callers decide
//! what they mean, see [`keep_last_of_duplicate_keys`]), and for HCL the
//! expressions that are not plain values (references, templates, calls).

pub mod hcl;
pub mod json;
pub mod yaml;

use compact_str::CompactString;

use crate::source::Span;

/// A value with the byte span of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// A map entry: the key, the key's span and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: compact_str::CompactString,
    pub key_span: Span,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as written (`443`, `-1`, `1.5e3`), parsed on demand.
    Number(CompactString),
    String(CompactString),
    Seq(Vec<Node>),
    /// An ordered map; duplicate keys are kept, in source order.
    Map(Vec<Entry>),
    /// A YAML value with an explicit local tag, e.g. `!Ref Foo` is
    /// `Tagged("Ref", String("Foo"))`. The tag is stored without the `!`.
    Tagged(Box<str>, Box<Node>),
    /// HCL: a traversal such as `aws_security_group.nodes.id` or
    /// `var.cidrs[0]`.
    Reference(Vec<RefPart>),
    /// HCL: a string template with interpolations, `"${var.name}-nodes"`.
    Template(Vec<TemplatePart>),
    /// HCL: a function call, `concat(a, b)`: its name and arguments. Boxed
    /// (calls are rare) so that `Node` is 48 bytes, not 64.
    Call(Box<(String, Vec<Node>)>),
    /// HCL: `cond ? a : b`.
    Conditional(Box<Node>, Box<Node>, Box<Node>),
    /// HCL: any other expression (operators, `for` expressions, splats over
    /// expressions). Kept as its source text; its value is unknown.
    Expr(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum RefPart {
    /// `.name` (the first part is the root variable, e.g. `var`, `local`,
    /// `aws_security_group`).
    Attr(String),
    /// `[0]`, `["key"]` or `[count.index]`: the index expression.
    Index(Box<Node>),
    /// `[*]` or `.*`.
    Splat,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplatePart {
    Literal(String),
    Interpolation(Node),
}

impl Entry {
    /// The span from the key through the value: the anchor for a setting.
    pub fn span(&self) -> Span {
        self.key_span.join(self.value.span)
    }
}

impl Node {
    pub fn new(span: Span, value: Value) -> Self {
        Node { span, value }
    }

    /// The string of a `String` node.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar's text: strings, numbers and booleans.
    pub fn as_scalar_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        match &self.value {
            Value::String(s) | Value::Number(s) => Some(s.as_str().into()),
            Value::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// An integer from a number or a numeric string.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Number(s) | Value::String(s) => {
                let s = s.trim();
                s.parse::<i64>().ok().or_else(|| {
                    let f: f64 = s.parse().ok()?;
                    (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
                })
            }
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The first value under `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The first entry under `key` in a map.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// Every value under `key` in a map (HCL repeats block names).
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.as_map()
            .unwrap_or(&[])
            .iter()
            .filter(move |e| e.key == key)
            .map(|e| &e.value)
    }

    /// Follows a path of map keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
}

/// A table of the bytes a scan over text has nothing to do for: every byte
/// but those in `active` and in the inclusive ranges `active_ranges`. With
/// [`skip_inert`], runs of them are passed in a tight loop.
pub(crate) const fn inert(active: &[u8], active_ranges: &[(u8, u8)]) -> [bool; 256] {
    let mut table = [true; 256];
    let mut i = 0;
    while i < active.len() {
        table[active[i] as usize] = false;
        i += 1;
    }
    let mut r = 0;
    while r < active_ranges.len() {
        let (low, high) = active_ranges[r];
        let mut b = low as usize;
        while b <= high as usize {
            table[b] = false;
            b += 1;
        }
        r += 1;
    }
    table
}

/// The first byte from `i` on that `table` does not call inert.
pub(crate) fn skip_inert(bytes: &[u8], mut i: usize, table: &[bool; 256]) -> usize {
    while let Some(&b) = bytes.get(i) {
        if !table[b as usize] {
            break;
        }
        i += 1;
    }
    i
}

/// A front end's failure: where, and what it expected or found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where the parser stopped (may be empty).
    pub span: Span,
    pub message: String,
}

impl ParseError {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        ParseError {
            span,
            message: message.into(),
        }
    }
}

/// Limits that keep hostile input bounded.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Nodes an alias expansion may add to a YAML document (alias-bomb guard).
    pub max_alias_nodes: usize,
    /// Maximum nesting depth of sequences/maps/expressions.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_alias_nodes: 100_000,
            max_depth: 256,
        }
    }
}

/// The index of each entry whose key comes again later in `entries`
/// (without allocating for the small maps most templates are made of).
fn shadowed(entries: &[Entry]) -> Vec<usize> {
    if entries.len() <= 16 {
        return (0..entries.len())
            .filter(|&i| entries[i + 1..].iter().any(|e| e.key == entries[i].key))
            .collect();
    }
    let mut seen = foldhash::HashSet::with_capacity_and_hasher(entries.len(), Default::default());
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate().rev() {
        if !seen.insert(e.key.as_str()) {
            out.push(i);
        }
    }
    out
}

/// The byte ranges of the text values under `root` (strings, numbers,
/// templates and heredocs, expressions kept as text, map keys), sorted: a
/// `#` or `//` inside one is part of a value, not a comment. Walks with a
/// stack of its own: deep input must not overflow ours.
pub fn text_spans(root: &Node) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Null | Value::Bool(_) => {}
            Value::Number(_) | Value::String(_) | Value::Template(_) | Value::Expr(_) => {
                out.push((node.span.start, node.span.end));
            }
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for e in entries {
                    out.push((e.key_span.start, e.key_span.end));
                    stack.push(&e.value);
                }
            }
            Value::Tagged(_, inner) => stack.push(inner),
            Value::Reference(parts) => stack.extend(parts.iter().filter_map(|p| match p {
                RefPart::Index(index) => Some(&**index),
                _ => None,
            })),
            Value::Call(call) => stack.extend(&call.1),
            Value::Conditional(a, b, c) => stack.extend([&**a, &**b, &**c]),
        }
    }
    out.sort_unstable();
    out
}

/// Drops, in every map under `node`, the entries whose key comes again later
/// in the same map: the last one wins, as CloudFormation reads a template.
/// Walks with a stack of its own: deep input must not overflow ours.
pub fn keep_last_of_duplicate_keys(node: &mut Node) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match &mut node.value {
            Value::Map(entries) => {
                let drop = shadowed(entries);
                if !drop.is_empty() {
                    let mut keep = vec![true; entries.len()];
                    for i in drop {
                        if let Some(k) = keep.get_mut(i) {
                            *k = false;
                        }
                    }
                    let mut keep = keep.into_iter();
                    entries.retain(|_| keep.next().unwrap_or(true));
                }
                stack.extend(entries.iter_mut().map(|e| &mut e.value));
            }
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Tagged(_, inner) => stack.push(inner.as_mut()),
            _ => {}
        }
    }
}

/// The first map entry under `node` whose key repeats an earlier key of the
/// same map, with the earlier entry's key span: `(repeat, first)`.
pub fn find_duplicate_key(node: &Node) -> Option<(&Entry, Span)> {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Map(entries) => {
                let mut seen =
                    foldhash::HashMap::with_capacity_and_hasher(entries.len(), Default::default());
                for e in entries {
                    if let Some(first) = seen.insert(e.key.as_str(), e.key_span) {
                        return Some((e, first));
                    }
                }
                stack.extend(entries.iter().map(|e| &e.value));
            }
            Value::Seq(items) => stack.extend(items),
            Value::Tagged(_, inner) => stack.push(inner),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;
    use crate::source::FileId;

    fn doc(text: &str) -> Node {
        let mut docs = yaml::parse(FileId(0), text, Limits::default()).unwrap();
        docs.remove(0)
    }

    #[test]
    fn the_last_of_duplicate_keys_wins() {
        let mut node = doc("a: 1\nb:\n  c: 1\n  c: 2\na: 3\nd: [{e: 1, e: 2}]\n");
        assert_eq!(
            find_duplicate_key(&node).map(|(e, _)| e.key.as_str()),
            Some("a")
        );
        keep_last_of_duplicate_keys(&mut node);
        assert_eq!(node.get("a").and_then(Node::as_i64), Some(3));
        assert_eq!(node.path(&["b", "c"]).and_then(Node::as_i64), Some(2));
        let keys: Vec<&str> = node
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["b", "a", "d"]);
        let inner = &node.get("d").unwrap().as_seq().unwrap()[0];
        assert_eq!(inner.get("e").and_then(Node::as_i64), Some(2));
        assert!(find_duplicate_key(&node).is_none());
        // A map too large for the pairwise check.
        let mut text: String = (0..20).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: last\n");
        let mut node = doc(&text);
        keep_last_of_duplicate_keys(&mut node);
        assert_eq!(node.as_map().map(<[Entry]>::len), Some(20));
        assert_eq!(node.get("k3").and_then(Node::as_str), Some("last"));
    }
}
