//! HCL front end: `hcl-edit` parses the text, and its span-carrying syntax
//! tree is mapped onto the shared value [`Tree`](super::Node).
//!
//! Encoding:
//! - A body is a `Map`. An attribute `a = expr` is an entry `a` whose key
//!   span is the identifier.
//! - A block `resource "aws_security_group" "nodes" { ... }` is an entry
//!   `resource` holding a map with one entry per label, nested, the last
//!   holding the body map: `resource -> aws_security_group -> nodes -> body`.
//!   Every map made for the block has the span of the whole block; a label's
//!   key span is the label's text (quotes included). Repeated blocks are
//!   repeated entries, in source order.
//! - Literals are `Null`, `Bool`, `Number` (as written, whitespace removed)
//!   and `String`; arrays are `Seq`; objects are `Map` (keys are identifiers
//!   or string literals; any other key expression is kept as its source text,
//!   see [`key_expression`]).
//! - A traversal rooted at a variable (`var.x`, `aws_security_group.a.id`,
//!   `local.l[0]`) is a `Reference`: `Attr` for the root and every `.name`,
//!   `Index` for `[expr]` and the legacy `.0` form, `Splat` for `[*]` and
//!   `.*`. An index is usually a literal but is kept whatever it is
//!   (`[count.index]` holds a reference node): consumers resolve it or treat
//!   it as unknown.
//! - A string with interpolations is a `Template`; one without (heredocs
//!   included) is a plain `String`. A template with `%{ }` directives is an
//!   `Expr`.
//! - Function calls are `Call` (namespaced names joined with `::`; a call
//!   whose last argument is expanded with `...` is an `Expr`), `c ? a : b`
//!   is `Conditional`, parentheses vanish, and anything else (operators,
//!   `for` expressions, traversals of non-variables) is `Expr(source text)`.
//!
//! Depth: the text is pre-scanned for bracket nesting before `hcl-edit`
//! (which recurses) sees it, so hostile nesting is a parse error rather than
//! a stack overflow, and nesting that would make `hcl-edit`'s time double
//! with each level (see `MAX_CHAINED_NESTING`) is one rather than a hang.

use foldhash::{HashSet, HashSetExt};
use std::ops::Range;

use compact_str::{CompactString, ToCompactString};
use rayon::prelude::*;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::Span as _;

use super::{inert, skip_inert, Entry, Limits, Node, ParseError, RefPart, TemplatePart, Value};
use crate::source::{FileId, Span};

/// Parses one HCL file into a map of its body.
pub fn parse(file: FileId, text: &str, limits: Limits) -> Result<Node, ParseError> {
    parse_in_runs(file, text, limits, RUN_BYTES)
}

/// [`parse`], giving `hcl-edit` runs of top-level structures of at least
/// `run_bytes` at a time. Whatever `run_bytes`, the result is that of one
/// parse of the whole text (the HCL fuzz target checks this with runs of a
/// line each).
pub fn parse_in_runs(
    file: FileId,
    text: &str,
    limits: Limits,
    run_bytes: usize,
) -> Result<Node, ParseError> {
    let splits = check_nesting(file, text, limits.max_depth, run_bytes)?;
    // A byte order mark is not HCL; three spaces keep every offset in place.
    let owned;
    let input = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            owned = format!("   {rest}");
            owned.as_str()
        }
        None => text,
    };
    let conv = |base| Converter {
        file,
        text,
        base,
        max_depth: limits.max_depth.saturating_mul(2).saturating_add(64),
    };
    let span = Span::new(file, 0, text.len());
    // Large files are parsed a run of top-level structures at a time, the
    // runs side by side, each run's syntax tree freed once converted:
    // `hcl-edit`'s tree takes about twenty times the text, ours a fraction
    // of that.
    let converted: Vec<Option<(Vec<Entry>, Vec<String>)>> = if splits.is_empty() {
        Vec::new()
    } else {
        let starts = std::iter::once(0).chain(splits.iter().copied());
        let ends = splits.iter().copied().chain([input.len()]);
        let runs: Vec<Range<usize>> = starts.zip(ends).map(|(s, e)| s..e).collect();
        runs.into_par_iter()
            .map(|run| {
                let body = hcl_edit::parser::parse_body(input.get(run.clone())?).ok()?;
                let attributes = body
                    .iter()
                    .filter_map(|s| s.as_attribute().map(|a| a.key.as_str().to_string()))
                    .collect();
                let mut entries = Vec::new();
                conv(run.start).file_body(body, span, &mut entries);
                Some((entries, attributes))
            })
            .collect()
    };
    // `hcl-edit` refuses an attribute defined twice in one body: the runs
    // must too, across runs.
    let mut attributes = HashSet::new();
    let chunked = !converted.is_empty()
        && converted.iter().all(|run| {
            run.as_ref()
                .is_some_and(|(_, names)| names.iter().all(|name| attributes.insert(name.as_str())))
        });
    let entries = if chunked {
        let runs: Vec<Vec<Entry>> = converted.into_iter().flatten().map(|(e, _)| e).collect();
        let mut entries = Vec::with_capacity(runs.iter().map(Vec::len).sum());
        for run in runs {
            entries.extend(run);
        }
        entries
    } else {
        // The whole text at once: the parser has the last word, on errors
        // and on a run the scan would have cut in the wrong place.
        drop(converted);
        let body =
            hcl_edit::parser::parse_body(input).map_err(|e| convert_error(file, text, &e))?;
        let mut entries = Vec::new();
        conv(0).file_body(body, span, &mut entries);
        entries
    };
    Ok(Node::new(span, Value::Map(entries)))
}

/// The expression an object key was written as, when it is not an
/// identifier or a plain string: a template key such as
/// `"kubernetes.io/cluster/${var.name}" = "owned"` is kept in the tree as its
/// source text; this parses that text again, with spans in the file.
pub fn key_expression(entry: &Entry) -> Option<Node> {
    let key = entry.key.as_str();
    let first = key.chars().next()?;
    // A key kept as source text spans exactly its text; a string literal's
    // span also covers its quotes, so `"(a)" = 1` is not parsed again.
    if !matches!(first, '"' | '(') || entry.key_span.len() != key.len() {
        return None;
    }
    let expr = hcl_edit::parser::parse_expr(key).ok()?;
    let conv = Converter {
        file: entry.key_span.file,
        text: key,
        base: 0,
        max_depth: 64,
    };
    let base = entry.key_span.start as usize;
    let node = conv.expr(&expr, Span::new(entry.key_span.file, 0, key.len()), 0);
    Some(shift(node, base))
}

/// An expression the tree keeps as source text ([`Value::Expr`]) that the
/// Terraform evaluator can still compute: a `for` expression, a binary
/// operator or `!`.
#[derive(Debug, Clone, PartialEq)]
pub enum Compound {
    For(ForParts),
    /// The operator as written (`==`, `&&`, `+`, ...) and its operands.
    Binary(String, Node, Node),
    Not(Node),
}

/// The parts of a `for` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ForParts {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Node,
    /// Set for an object result (`{ for k, v in x : k => v }`).
    pub key: Option<Node>,
    pub value: Node,
    pub cond: Option<Node>,
    /// `...` after the value: values grouped by key.
    pub grouping: bool,
}

/// Parses an `Expr` node's text again into a [`Compound`], with spans in
/// the file; `None` for other expressions.
pub fn compound(node: &Node) -> Option<Compound> {
    let Value::Expr(text) = &node.value else {
        return None;
    };
    // Only text kept exactly as written can be placed in the file again.
    if text.len() != node.span.len() || check_nesting(node.span.file, text, 64, usize::MAX).is_err()
    {
        return None;
    }
    let expr = hcl_edit::parser::parse_expr(text).ok()?;
    let conv = Converter {
        file: node.span.file,
        text,
        base: 0,
        max_depth: 64,
    };
    let whole = Span::new(node.span.file, 0, text.len());
    let base = node.span.start as usize;
    let part = |e: &Expression| shift(conv.expr(e, whole, 0), base);
    match &expr {
        Expression::ForExpr(f) => Some(Compound::For(ForParts {
            key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
            value_var: f.intro.value_var.as_str().to_string(),
            collection: part(&f.intro.collection_expr),
            key: f.key_expr.as_ref().map(part),
            value: part(&f.value_expr),
            cond: f.cond.as_ref().map(|c| part(&c.expr)),
            grouping: f.grouping,
        })),
        Expression::BinaryOp(b) => Some(Compound::Binary(
            b.operator.value().as_str().to_string(),
            part(&b.lhs_expr),
            part(&b.rhs_expr),
        )),
        Expression::UnaryOp(u) if matches!(u.operator.value(), UnaryOperator::Not) => {
            Some(Compound::Not(part(&u.expr)))
        }
        _ => None,
    }
}

/// The value of a string in Terraform's JSON syntax (`.tf.json`, where
/// `"${aws_security_group.a.id}"` is an expression): a plain `String`, or the
/// template it holds. Every span of the result is `span` (the JSON string's),
/// since the text was unescaped.
pub fn json_string_value(text: &str, span: Span) -> Node {
    if !text.contains("${") && !text.contains("%{") {
        return Node::new(span, Value::String(text.into()));
    }
    if check_nesting(span.file, text, 64, usize::MAX).is_err() {
        return Node::new(span, Value::Expr(text.to_string()));
    }
    let Ok(template) = hcl_edit::parser::parse_template(text) else {
        return Node::new(span, Value::Expr(text.to_string()));
    };
    let conv = Converter {
        file: span.file,
        text,
        base: 0,
        max_depth: 64,
    };
    let value = conv.template(&template, Span::new(span.file, 0, text.len()), 0);
    respan(Node::new(span, value), span)
}

/// Sets every span in a node to `span`.
fn respan(mut node: Node, span: Span) -> Node {
    fn walk(node: &mut Node, span: Span, depth: usize) {
        node.span = span;
        if depth > 256 {
            return;
        }
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| walk(n, span, depth + 1)),
            Value::Map(entries) => {
                for e in entries {
                    e.key_span = span;
                    walk(&mut e.value, span, depth + 1);
                }
            }
            Value::Tagged(_, inner) => walk(inner, span, depth + 1),
            Value::Reference(parts) => {
                for p in parts {
                    if let RefPart::Index(n) = p {
                        walk(n, span, depth + 1);
                    }
                }
            }
            Value::Template(parts) => {
                for p in parts {
                    if let TemplatePart::Interpolation(n) = p {
                        walk(n, span, depth + 1);
                    }
                }
            }
            Value::Call(call) => call.1.iter_mut().for_each(|n| walk(n, span, depth + 1)),
            Value::Conditional(c, a, b) => {
                walk(c, span, depth + 1);
                walk(a, span, depth + 1);
                walk(b, span, depth + 1);
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Expr(_) => {
            }
        }
    }
    walk(&mut node, span, 0);
    node
}

/// Moves every span of a node parsed from a substring to the file's offsets.
fn shift(mut node: Node, base: usize) -> Node {
    fn span(s: &mut Span, base: u32) {
        s.start = s.start.saturating_add(base);
        s.end = s.end.saturating_add(base);
    }
    fn walk(node: &mut Node, base: u32, depth: usize) {
        span(&mut node.span, base);
        if depth > 256 {
            return;
        }
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| walk(n, base, depth + 1)),
            Value::Map(entries) => {
                for e in entries {
                    span(&mut e.key_span, base);
                    walk(&mut e.value, base, depth + 1);
                }
            }
            Value::Tagged(_, inner) => walk(inner, base, depth + 1),
            Value::Reference(parts) => {
                for p in parts {
                    if let RefPart::Index(n) = p {
                        walk(n, base, depth + 1);
                    }
                }
            }
            Value::Template(parts) => {
                for p in parts {
                    if let TemplatePart::Interpolation(n) = p {
                        walk(n, base, depth + 1);
                    }
                }
            }
            Value::Call(call) => call.1.iter_mut().for_each(|n| walk(n, base, depth + 1)),
            Value::Conditional(c, a, b) => {
                walk(c, base, depth + 1);
                walk(a, base, depth + 1);
                walk(b, base, depth + 1);
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Expr(_) => {
            }
        }
    }
    walk(&mut node, u32::try_from(base).unwrap_or(u32::MAX), 0);
    node
}

struct Converter<'a> {
    file: FileId,
    /// The whole file's text.
    text: &'a str,
    /// Where the text `hcl-edit` parsed starts in the file: its spans are
    /// relative to that.
    base: usize,
    /// A backstop: `hcl-edit` bounds nesting itself and the pre-scan bounds
    /// brackets, so this only guards against surprises in the mapping.
    max_depth: usize,
}

impl Converter<'_> {
    fn span(&self, range: Option<Range<usize>>, fallback: Span) -> Span {
        match range {
            Some(r) => Span::new(self.file, self.base + r.start, self.base + r.end),
            None => fallback,
        }
    }

    /// The text of `span`, borrowed.
    fn written(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn source(&self, span: Span) -> String {
        self.written(span).to_string()
    }

    fn body(&self, body: &Body, span: Span, depth: usize) -> Node {
        let entries = body
            .iter()
            .map(|s| self.structure(s, span, depth))
            .collect();
        Node::new(span, Value::Map(entries))
    }

    /// The file's body, each top-level block freed once converted, so that
    /// the parser's tree and ours are not both whole at once.
    fn file_body(&self, body: Body, span: Span, entries: &mut Vec<Entry>) {
        entries.reserve(body.len());
        for structure in body {
            entries.push(self.structure(&structure, span, 0));
        }
    }

    fn structure(&self, structure: &Structure, span: Span, depth: usize) -> Entry {
        match structure {
            Structure::Attribute(attr) => {
                let attr_span = self.span(attr.span(), span);
                let key_span = self.span(attr.key.span(), attr_span);
                Entry {
                    key: attr.key.as_str().into(),
                    key_span,
                    value: self.expr(&attr.value, attr_span, depth + 1),
                }
            }
            Structure::Block(block) => self.block(block, span, depth + 1),
        }
    }

    fn block(&self, block: &Block, parent: Span, depth: usize) -> Entry {
        let span = self.span(block.span(), parent);
        let body = if depth > self.max_depth {
            Node::new(span, Value::Expr(self.source(span)))
        } else {
            self.body(&block.body, span, depth)
        };
        // Labels nest from the innermost outwards.
        let mut value = body;
        for label in block.labels.iter().rev() {
            let key_span = self.span(label.span(), span);
            let key = match label {
                BlockLabel::Ident(i) => i.as_str().into(),
                BlockLabel::String(s) => s.as_str().into(),
            };
            value = Node::new(
                span,
                Value::Map(vec![Entry {
                    key,
                    key_span,
                    value,
                }]),
            );
        }
        Entry {
            key: block.ident.as_str().into(),
            key_span: self.span(block.ident.span(), span),
            value,
        }
    }

    fn expr(&self, expr: &Expression, parent: Span, depth: usize) -> Node {
        let span = self.span(expr.span(), parent);
        if depth > self.max_depth {
            return Node::new(span, Value::Expr(self.source(span)));
        }
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(_) => Value::Number(self.number_text(span, expr)),
            Expression::String(s) => Value::String(s.value().as_str().into()),
            Expression::Array(array) => Value::Seq(
                array
                    .iter()
                    .map(|e| self.expr(e, span, depth + 1))
                    .collect(),
            ),
            Expression::Object(object) => {
                let mut entries = Vec::with_capacity(object.len());
                for (key, value) in object.iter() {
                    let key_span = self.span(key.span(), span);
                    let key_text = match key {
                        ObjectKey::Ident(i) => i.as_str().into(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().as_str().into(),
                        ObjectKey::Expression(Expression::Variable(v)) => v.as_str().into(),
                        ObjectKey::Expression(_) => self.written(key_span).into(),
                    };
                    entries.push(Entry {
                        key: key_text,
                        key_span,
                        value: self.expr(value.expr(), span, depth + 1),
                    });
                }
                Value::Map(entries)
            }
            Expression::StringTemplate(t) => self.template(t, span, depth),
            Expression::HeredocTemplate(h) => self.template(&h.template, span, depth),
            Expression::Parenthesis(p) => return self.expr(p.inner(), span, depth + 1),
            Expression::Variable(v) => {
                Value::Reference(vec![RefPart::Attr(v.as_str().to_string())])
            }
            Expression::Conditional(c) => Value::Conditional(
                Box::new(self.expr(&c.cond_expr, span, depth + 1)),
                Box::new(self.expr(&c.true_expr, span, depth + 1)),
                Box::new(self.expr(&c.false_expr, span, depth + 1)),
            ),
            Expression::FuncCall(call) => {
                if call.args.expand_final() {
                    Value::Expr(self.source(span))
                } else {
                    let mut name = String::new();
                    for ns in &call.name.namespace {
                        name.push_str(ns.as_str());
                        name.push_str("::");
                    }
                    name.push_str(call.name.name.as_str());
                    let args = call
                        .args
                        .iter()
                        .map(|a| self.expr(a, span, depth + 1))
                        .collect();
                    Value::Call(Box::new((name, args)))
                }
            }
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(root) => {
                    let mut parts = vec![RefPart::Attr(root.as_str().to_string())];
                    for op in &t.operators {
                        let op_span = self.span(op.span(), span);
                        parts.push(match op.value() {
                            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                                RefPart::Splat
                            }
                            TraversalOperator::GetAttr(name) => {
                                RefPart::Attr(name.as_str().to_string())
                            }
                            TraversalOperator::Index(index) => {
                                RefPart::Index(Box::new(self.expr(index, op_span, depth + 1)))
                            }
                            TraversalOperator::LegacyIndex(i) => RefPart::Index(Box::new(
                                Node::new(op_span, Value::Number(i.value().to_compact_string())),
                            )),
                        });
                    }
                    Value::Reference(parts)
                }
                _ => Value::Expr(self.source(span)),
            },
            Expression::UnaryOp(op)
                if matches!(op.operator.value(), UnaryOperator::Neg)
                    && matches!(op.expr, Expression::Number(_)) =>
            {
                Value::Number(self.number_text(span, expr))
            }
            Expression::UnaryOp(_) | Expression::BinaryOp(_) | Expression::ForExpr(_) => {
                Value::Expr(self.source(span))
            }
        };
        Node::new(span, value)
    }

    /// A number as written, without the whitespace `- 1` may hold.
    fn number_text(&self, span: Span, expr: &Expression) -> CompactString {
        let text: CompactString = self
            .written(span)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if text.is_empty() {
            expr.to_string().trim().into()
        } else {
            text
        }
    }

    fn template(&self, template: &Template, span: Span, depth: usize) -> Value {
        let mut parts: Vec<TemplatePart> = Vec::new();
        for element in template.iter() {
            match element {
                Element::Literal(lit) => {
                    if let Some(TemplatePart::Literal(prev)) = parts.last_mut() {
                        prev.push_str(lit.value());
                    } else {
                        parts.push(TemplatePart::Literal(lit.value().clone()));
                    }
                }
                Element::Interpolation(interp) => {
                    let node = self.expr(&interp.expr, span, depth + 1);
                    parts.push(TemplatePart::Interpolation(node));
                }
                Element::Directive(_) => return Value::Expr(self.source(span)),
            }
        }
        match parts.as_slice() {
            [] => Value::String(CompactString::default()),
            [TemplatePart::Literal(s)] => Value::String(s.as_str().into()),
            _ => Value::Template(parts),
        }
    }
}

/// Turns `hcl-edit`'s error into a one-line message at its byte position.
fn convert_error(file: FileId, text: &str, err: &hcl_edit::parser::Error) -> ParseError {
    let loc = err.location();
    let mut offset = offset_of(text, loc.line(), loc.column())
        .unwrap_or(loc.offset())
        .min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let end = text[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    ParseError::new(Span::new(file, offset, end), clean_message(err.message()))
}

/// The byte offset of a 1-based line and column (in characters). `hcl-edit`
/// clamps its own offset to the last byte, so an error at the end of the
/// text is found again from its column.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = text.get(line_start..)?;
    let mut chars = rest.char_indices();
    let mut offset = line_start;
    for _ in 1..column {
        match chars.next() {
            Some((_, '\n')) | None => return (offset <= text.len()).then_some(offset),
            Some((p, c)) => offset = line_start + p + c.len_utf8(),
        }
    }
    Some(offset)
}

/// One line, lower-case start, no trailing period.
fn clean_message(message: &str) -> String {
    let mut msg = message.split_whitespace().collect::<Vec<_>>().join(" ");
    while msg.ends_with('.') {
        msg.pop();
    }
    let mut chars = msg.chars();
    let msg = match chars.next() {
        Some(first) if first.is_uppercase() && !chars.next().is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(msg.chars().skip(1)).collect()
        }
        _ => msg,
    };
    if msg.is_empty() {
        "invalid HCL".to_string()
    } else {
        msg
    }
}

/// What the pre-scan is inside of.
/// What the nesting scan is inside.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// The file's body.
    Root,
    /// `(`, `[` or `{` in expression or structure context.
    Bracket,
    /// `${` or `%{` inside a string or heredoc.
    Interpolation,
    /// A quoted string.
    Str,
    /// A heredoc body ending at a line holding only this delimiter.
    Heredoc(String),
}

/// One level of the nesting scan.
#[derive(Debug)]
struct Frame {
    kind: Kind,
    /// Binary operators met (up to 2) since the expression being scanned at
    /// this level began: after `=`, `=>`, `,`, `:`, `?`, and a line end
    /// where one ends an expression.
    ops: u8,
    /// Whether a line end ends an expression here: in the file's body and
    /// in blocks and objects, not inside `(`, `[`, interpolations or a `for`
    /// object (whose `if` may span lines).
    line_ends_expr: bool,
    /// Opened after the second or a later operator of a chain: see
    /// [`MAX_CHAINED_NESTING`].
    chained: bool,
    /// For an object (a `{` that does not open a block): its items so far,
    /// counted at their `=` or `:`; see [`MAX_OBJECT_ITEMS`].
    items: Option<usize>,
}

impl Frame {
    fn new(kind: Kind, parent: &Frame, line_ends_expr: bool) -> Self {
        Frame {
            kind,
            ops: 0,
            line_ends_expr,
            chained: parent.ops >= 2,
            items: None,
        }
    }
}

/// How long a run of top-level structures [`parse`] gives `hcl-edit` at
/// once (its tree of 64 KiB of text takes about 1.3 MB).
const RUN_BYTES: usize = 64 * 1024;

/// How many items an object may have. hcl-edit keeps an object's keys in
/// a list it searches for each new key, so its time grows with the square
/// of their number (48,000 keys: 21 s). The corpus's largest object has
/// a few dozen; 5,000 cost about a tenth of a second.
const MAX_OBJECT_ITEMS: usize = 5_000;

/// How deep brackets, strings and heredocs opened after the second or a
/// later operator of an expression (`a + b + (...`, `a < b < c[...`,
/// `a / b / {...`) may nest inside one another.
///
/// hcl-edit (0.10) parses such a term twice when it fails to parse with an
/// error it may recover from (an unclosed string, comment or bracket, or a
/// stray operator): once as the chain's next operand, and again when it
/// retries the chain from that operator. Nested, the time doubles with each
/// level (40 levels: hours). The scan counts operators generously (a unary
/// `-` or `!`, a splat's `*` count too), so it may count a level hcl-edit
/// would not double, never the other way round. The corpus nests such
/// levels one deep at most; six cost 64 times one parse of the term at
/// worst.
const MAX_CHAINED_NESTING: usize = 6;

/// Rejects text whose brackets nest deeper than `max_depth`, or deeper than
/// [`MAX_CHAINED_NESTING`] inside operator chains, without recursion.
/// Strings, comments and heredocs are skipped approximately; the parser has
/// the final word on everything but depth.
///
/// Returns where the text may be cut for parsing in runs: line starts in
/// the file's body, at least `run_bytes` apart.
fn check_nesting(
    file: FileId,
    text: &str,
    max_depth: usize,
    run_bytes: usize,
) -> Result<Vec<usize>, ParseError> {
    let bytes = text.as_bytes();
    let mut splits = Vec::new();
    let mut nesting = Nesting {
        file,
        max_depth,
        stack: vec![Frame {
            kind: Kind::Root,
            ops: 0,
            line_ends_expr: true,
            chained: false,
            items: None,
        }],
        chained: 0,
    };
    // The last byte of code before `i` that is not white space: a `{` after
    // an identifier or a quoted label opens a block, anywhere else an object.
    let mut last_code = b'=';
    let mut i = 0usize;
    while let Some(top) = nesting.stack.last_mut() {
        // Runs of bytes the scan does nothing for but note are skipped at
        // once: most of a file is names, values and white space.
        match &top.kind {
            Kind::Str => i = skip_inert(bytes, i, &STR_INERT),
            Kind::Heredoc(_) => {
                // A line's start is checked for the delimiter first.
                if i > 0 && bytes.get(i - 1) != Some(&b'\n') {
                    i = skip_inert(bytes, i, &HEREDOC_INERT);
                }
            }
            Kind::Root | Kind::Bracket | Kind::Interpolation => {
                let start = i;
                i = skip_inert(bytes, i, &CODE_INERT);
                if let Some(&c) = bytes
                    .get(start..i)
                    .unwrap_or_default()
                    .iter()
                    .rev()
                    .find(|c| !c.is_ascii_whitespace())
                {
                    last_code = c;
                }
            }
        }
        let Some(&b) = bytes.get(i) else {
            break;
        };
        let next = bytes.get(i + 1).copied();
        let mut opened = None;
        let code = matches!(top.kind, Kind::Root | Kind::Bracket | Kind::Interpolation);
        match &top.kind {
            Kind::Str => match b {
                b'\\' => i += 1,
                b'"' => {
                    opened = Some(None);
                    last_code = b'"';
                }
                b'$' | b'%' if next == Some(b) && bytes.get(i + 2) == Some(&b'{') => i += 2,
                b'$' | b'%' if next == Some(b'{') => {
                    opened = Some(Some(Frame::new(Kind::Interpolation, top, false)));
                    // An object may follow `${`, not a block.
                    last_code = b'{';
                    i += 1;
                }
                // An unterminated string ends at the line end for the scan.
                b'\n' => opened = Some(None),
                _ => {}
            },
            Kind::Heredoc(delim) => {
                let at_line_start = i == 0 || bytes.get(i - 1) == Some(&b'\n');
                if at_line_start {
                    let line_end = skip_line(bytes, i);
                    let line = text.get(i..line_end).unwrap_or("").trim();
                    if line == delim.as_str() {
                        nesting.pop();
                        i = line_end;
                        continue;
                    }
                }
                match b {
                    b'$' | b'%' if next == Some(b) && bytes.get(i + 2) == Some(&b'{') => i += 2,
                    b'$' | b'%' if next == Some(b'{') => {
                        opened = Some(Some(Frame::new(Kind::Interpolation, top, false)));
                        // An object may follow `${`, not a block.
                        last_code = b'{';
                        i += 1;
                    }
                    _ => {}
                }
            }
            Kind::Root | Kind::Bracket | Kind::Interpolation => match b {
                b'"' => opened = Some(Some(Frame::new(Kind::Str, top, false))),
                b'#' => {
                    // The line end is scanned next: it may end an expression.
                    i = skip_line(bytes, i);
                    continue;
                }
                b'/' if next == Some(b'/') => {
                    i = skip_line(bytes, i);
                    continue;
                }
                b'/' if next == Some(b'*') => {
                    i = bytes[i + 2..]
                        .windows(2)
                        .position(|w| w == b"*/")
                        .map_or(bytes.len(), |p| i + 2 + p + 1);
                }
                b'<' if next == Some(b'<') => {
                    if let Some((delim, body_start)) = heredoc_start(text, i) {
                        let frame = Frame::new(Kind::Heredoc(delim), top, false);
                        nesting.push(frame, i)?;
                        i = body_start;
                        continue;
                    }
                    top.ops = top.ops.saturating_add(1);
                }
                b'(' | b'[' => opened = Some(Some(Frame::new(Kind::Bracket, top, false))),
                b'{' => {
                    let line_ends_expr = !starts_for(&bytes[i + 1..]);
                    let mut frame = Frame::new(Kind::Bracket, top, line_ends_expr);
                    if !(is_ident_char(last_code)
                        || last_code.is_ascii_digit()
                        || last_code == b'"')
                    {
                        frame.items = Some(0);
                    }
                    opened = Some(Some(frame));
                }
                b')' | b']' | b'}' if top.kind != Kind::Root => opened = Some(None),
                // `==`, `!=`, `<=`, `>=`, `&&`, `||`: one operator.
                b'=' | b'!' | b'<' | b'>' if next == Some(b'=') => {
                    top.ops = top.ops.saturating_add(1);
                    i += 1;
                }
                b'&' | b'|' if next == Some(b) => {
                    top.ops = top.ops.saturating_add(1);
                    i += 1;
                }
                b'=' if next == Some(b'>') => {
                    top.ops = 0;
                    i += 1;
                }
                b',' | b'?' => top.ops = 0,
                b':' if next == Some(b':') => i += 1,
                b'=' | b':' => {
                    top.ops = 0;
                    if let Some(items) = &mut top.items {
                        *items += 1;
                        if *items > MAX_OBJECT_ITEMS {
                            return Err(ParseError::new(
                                Span::new(file, i, i + 1),
                                format!(
                                    "an object with more than {MAX_OBJECT_ITEMS} items: not parsed, \
                                     as the HCL parser's time grows with the square of their number"
                                ),
                            ));
                        }
                    }
                }
                b'\n' if top.line_ends_expr => {
                    top.ops = 0;
                    if top.kind == Kind::Root && i + 1 - splits.last().unwrap_or(&0) >= run_bytes {
                        splits.push(i + 1);
                    }
                }
                // In `a-b` the `-` belongs to the identifier.
                b'-' if i > 0 && bytes.get(i - 1).is_some_and(|&c| is_ident_char(c)) => {}
                b'+' | b'-' | b'*' | b'/' | b'%' | b'<' | b'>' | b'!' | b'&' | b'|' => {
                    top.ops = top.ops.saturating_add(1);
                }
                _ => {}
            },
        }
        match opened {
            Some(Some(frame)) => nesting.push(frame, i)?,
            Some(None) => nesting.pop(),
            None => {}
        }
        if code && !b.is_ascii_whitespace() {
            last_code = b;
        }
        i += 1;
    }
    splits.retain(|&at| at < text.len());
    Ok(splits)
}

/// Bytes the nesting scan does nothing for in code (names, numbers, white
/// space but the line end), in a string, and in a heredoc's line after its
/// start: a table, so that runs of them are skipped in a tight loop.
const CODE_INERT: [bool; 256] = inert(b"\"#/<([{)]}=!>&|,?:\n+-*%", &[]);
const STR_INERT: [bool; 256] = inert(b"\\\"$%\n", &[]);
const HEREDOC_INERT: [bool; 256] = inert(b"$%\n", &[]);

/// The frames the nesting scan is inside, the file's body first.
struct Nesting {
    file: FileId,
    max_depth: usize,
    stack: Vec<Frame>,
    /// Frames on the stack that are chained.
    chained: usize,
}

impl Nesting {
    /// Opens `frame` at `at`, or refuses the text if that nests too deep.
    fn push(&mut self, frame: Frame, at: usize) -> Result<(), ParseError> {
        let file = self.file;
        let refuse = |message: String| Err(ParseError::new(Span::new(file, at, at + 1), message));
        // Frames beside the root, this one included, may be `max_depth`.
        if self.stack.len() > self.max_depth {
            return refuse(format!("nesting deeper than {} levels", self.max_depth));
        }
        if frame.chained {
            if self.chained >= MAX_CHAINED_NESTING {
                return refuse(format!(
                    "nested more than {MAX_CHAINED_NESTING} levels deep inside operator chains \
                     (`a + b + (...`): not parsed, as the HCL parser's time can double with each level"
                ));
            }
            self.chained += 1;
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Closes the innermost frame (never the root).
    fn pop(&mut self) {
        if self.stack.len() > 1 {
            if let Some(frame) = self.stack.pop() {
                self.chained = self.chained.saturating_sub(usize::from(frame.chained));
            }
        }
    }
}

/// Whether `rest` (what follows a `{`) starts a `for` expression.
fn starts_for(rest: &[u8]) -> bool {
    let start = rest
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    rest[start..].starts_with(b"for")
        && rest
            .get(start + 3)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'#' | b'/'))
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'-' || !c.is_ascii()
}

/// The index of the newline ending the line at `i` (or the text's end).
fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(bytes.len(), |p| i + p)
}

/// `<<EOF` / `<<-EOF` at `i`, followed by a line end: the delimiter and the
/// offset where the heredoc's body starts.
fn heredoc_start(text: &str, i: usize) -> Option<(String, usize)> {
    let rest = text.get(i + 2..)?;
    let rest_trim = rest.strip_prefix('-').unwrap_or(rest);
    let skipped = rest.len() - rest_trim.len();
    let ident_len = rest_trim
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .map_or(rest_trim.len(), |(p, _)| p);
    if ident_len == 0 {
        return None;
    }
    let delim = rest_trim.get(..ident_len)?.to_string();
    let after = rest_trim.get(ident_len..)?;
    let newline = if after.starts_with("\r\n") {
        2
    } else if after.starts_with('\n') {
        1
    } else {
        return None;
    };
    Some((delim, i + 2 + skipped + ident_len + newline))
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(7);

    fn parse_ok(text: &str) -> Node {
        match parse(F, text, Limits::default()) {
            Ok(n) => n,
            Err(e) => panic!("parse failed: {e:?}"),
        }
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    fn attr<'a>(node: &'a Node, key: &str) -> &'a Node {
        node.get(key).unwrap_or_else(|| panic!("no {key}"))
    }

    #[test]
    fn blocks_nest_by_label_with_whole_block_spans() {
        let text = "# c\nresource \"aws_security_group\" \"nodes\" {\n  name = \"n\"\n  ingress {\n    from_port = 443\n  }\n  ingress {\n    from_port = -1\n  }\n}\n";
        let root = parse_ok(text);
        assert_eq!(root.span, Span::new(F, 0, text.len()));
        let entries = root.as_map().unwrap();
        assert_eq!(entries.len(), 1);
        let res = &entries[0];
        assert_eq!(res.key, "resource");
        assert_eq!(slice(text, res.key_span), "resource");
        let block_text = slice(text, res.value.span);
        assert!(block_text.starts_with("resource \"aws"));
        assert!(block_text.ends_with('}'));
        let ty = &res.value.as_map().unwrap()[0];
        assert_eq!(ty.key, "aws_security_group");
        assert_eq!(slice(text, ty.key_span), "\"aws_security_group\"");
        assert_eq!(ty.value.span, res.value.span);
        let name = &ty.value.as_map().unwrap()[0];
        assert_eq!(name.key, "nodes");
        assert_eq!(slice(text, name.key_span), "\"nodes\"");
        let body = &name.value;
        assert_eq!(body.span, res.value.span);
        let n = body.entry("name").unwrap();
        assert_eq!(slice(text, n.key_span), "name");
        assert_eq!(n.value.as_str(), Some("n"));
        assert_eq!(slice(text, n.value.span), "\"n\"");
        assert_eq!(slice(text, n.span()), "name = \"n\"");
        let ingress: Vec<_> = body.get_all("ingress").collect();
        assert_eq!(ingress.len(), 2);
        assert!(slice(text, ingress[0].span).starts_with("ingress {"));
        assert_eq!(
            ingress[0].get("from_port").map(|n| n.value.clone()),
            Some(Value::Number("443".into()))
        );
        assert_eq!(ingress[1].get("from_port").and_then(Node::as_i64), Some(-1));
    }

    #[test]
    fn expressions_map_to_values() {
        let text = r#"
a = null
b = true
c = 1.5e3
d = "plain"
e = ["x", 1]
f = { k = "v", "q" = 2, (var.k) = 3 }
g = aws_security_group.nodes.id
h = local.y[0]
i = aws_subnet.s[*].id
j = var.list.0
k = "${var.name}-nodes"
l = concat(var.a, ["b"])
m = var.c ? "x" : "y"
n = (var.p)
o = 1 + 2
p = [for s in var.l : s]
q = <<EOT
hello
EOT
r = <<-EOT
    indented ${var.x}
  EOT
s = "a%{ if true }b%{ endif }"
t = provider::aws::arn_parse("x")
u = aws_eks_cluster.x.vpc_config[0].cluster_security_group_id
v = upper([1][0])
"#;
        let root = parse_ok(text);
        assert_eq!(attr(&root, "a").value, Value::Null);
        assert_eq!(attr(&root, "b").value, Value::Bool(true));
        assert_eq!(attr(&root, "c").value, Value::Number("1.5e3".into()));
        assert_eq!(attr(&root, "d").as_str(), Some("plain"));
        let e = attr(&root, "e").as_seq().unwrap();
        assert_eq!(e[0].as_str(), Some("x"));
        assert_eq!(slice(text, e[1].span), "1");
        let f = attr(&root, "f");
        let fe = f.as_map().unwrap();
        assert_eq!(fe[0].key, "k");
        assert_eq!(slice(text, fe[0].key_span), "k");
        assert_eq!(fe[1].key, "q");
        assert_eq!(fe[2].key, "(var.k)");
        assert_eq!(
            attr(&root, "g").value,
            Value::Reference(vec![
                RefPart::Attr("aws_security_group".into()),
                RefPart::Attr("nodes".into()),
                RefPart::Attr("id".into()),
            ])
        );
        assert_eq!(
            slice(text, attr(&root, "g").span),
            "aws_security_group.nodes.id"
        );
        match &attr(&root, "h").value {
            Value::Reference(p) => {
                assert_eq!(p.len(), 3);
                match &p[2] {
                    RefPart::Index(n) => assert_eq!(n.as_i64(), Some(0)),
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
        match &attr(&root, "i").value {
            Value::Reference(p) => assert_eq!(p[2], RefPart::Splat),
            other => panic!("{other:?}"),
        }
        match &attr(&root, "j").value {
            Value::Reference(p) => match &p[2] {
                RefPart::Index(n) => assert_eq!(n.as_i64(), Some(0)),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        match &attr(&root, "k").value {
            Value::Template(parts) => {
                assert_eq!(parts.len(), 2);
                assert!(matches!(&parts[0], TemplatePart::Interpolation(n)
                    if matches!(&n.value, Value::Reference(_)) && slice(text, n.span) == "var.name"));
                assert_eq!(parts[1], TemplatePart::Literal("-nodes".into()));
            }
            other => panic!("{other:?}"),
        }
        match &attr(&root, "l").value {
            Value::Call(call) => {
                let (name, args) = &**call;
                assert_eq!(name, "concat");
                assert_eq!(args.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(attr(&root, "m").value, Value::Conditional(..)));
        assert!(matches!(attr(&root, "n").value, Value::Reference(_)));
        assert_eq!(attr(&root, "o").value, Value::Expr("1 + 2".into()));
        assert!(matches!(attr(&root, "p").value, Value::Expr(_)));
        assert_eq!(attr(&root, "q").as_str(), Some("hello\n"));
        match &attr(&root, "r").value {
            Value::Template(parts) => {
                // `<<-` strips the smallest indentation of the lines.
                assert_eq!(parts[0], TemplatePart::Literal("indented ".into()));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(attr(&root, "s").value, Value::Expr(_)));
        assert!(
            matches!(&attr(&root, "t").value, Value::Call(c) if c.0 == "provider::aws::arn_parse")
        );
        match &attr(&root, "u").value {
            Value::Reference(p) => assert_eq!(p.len(), 5),
            other => panic!("{other:?}"),
        }
        match &attr(&root, "v").value {
            Value::Call(c) => assert!(matches!(c.1[0].value, Value::Expr(_))),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn template_object_keys_can_be_reparsed() {
        let text = "tags = {\n  \"kubernetes.io/cluster/${var.name}\" = \"owned\"\n}\n";
        let root = parse_ok(text);
        let entry = &attr(&root, "tags").as_map().unwrap()[0];
        assert_eq!(entry.key, "\"kubernetes.io/cluster/${var.name}\"");
        let node = key_expression(entry).unwrap();
        // A literal key is never parsed again.
        let root = parse_ok("m = { \"(a)\" = 1, \"\\\"q\" = 2 }\n");
        for e in attr(&root, "m").as_map().unwrap() {
            assert_eq!(key_expression(e), None, "{e:?}");
        }
        match &node.value {
            Value::Template(parts) => {
                assert_eq!(
                    parts[0],
                    TemplatePart::Literal("kubernetes.io/cluster/".into())
                );
                match &parts[1] {
                    TemplatePart::Interpolation(n) => assert_eq!(slice(text, n.span), "var.name"),
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_point_at_the_position_with_one_line_messages() {
        let text = "resource \"a\" \"b\" {\n  x = \n}\n";
        let err = parse(F, text, Limits::default()).unwrap_err();
        assert!(!err.message.contains('\n'));
        assert!(!err.message.ends_with('.'));
        assert!(err
            .message
            .chars()
            .next()
            .is_some_and(|c| !c.is_uppercase()));
        assert!(err.span.start as usize <= text.len());
        let err = parse(F, "a = \"unterminated\n", Limits::default()).unwrap_err();
        assert!(!err.message.is_empty());
        let err = parse(F, "block {", Limits::default()).unwrap_err();
        assert_eq!(err.span.file, F);
        let err = parse(F, "x = 1 2", Limits::default()).unwrap_err();
        assert!(err.span.start >= 6, "{err:?}");
        // At the end of the text: the position after the last byte.
        let err = parse(F, "a = [1,", Limits::default()).unwrap_err();
        assert_eq!((err.span.start, err.span.end), (7, 7));
        assert_eq!(err.message, "expected `]`");
        let err = parse(F, "x = \"\\q\"", Limits::default()).unwrap_err();
        assert_eq!(err.span.start, 7);
        assert!(
            err.message.starts_with("invalid escape sequence"),
            "{err:?}"
        );
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        for open in ["[", "(", "{", "a {\n"] {
            let text = format!("x = {}", open.repeat(100_000));
            let err = parse(F, &text, Limits::default()).unwrap_err();
            assert!(
                err.message.contains("nesting") || err.message.contains("nested"),
                "{err:?}"
            );
        }
        let text = format!("x = \"{}\"", "${\"".repeat(100_000));
        assert!(parse(F, &text, Limits::default()).is_err());
        // Within the pre-scan's limit but beyond hcl-edit's own: still an error.
        let text = format!("x = {}1{}", "(".repeat(200), ")".repeat(200));
        assert!(parse(F, &text, Limits::default()).is_err());
        // Shallow nesting passes.
        let text = format!("x = {}1{}", "(".repeat(20), ")".repeat(20));
        parse_ok(&text);
    }

    /// The column of the `n`th (from 0) occurrence of `pat` in `text`.
    fn nth(text: &str, pat: &str, n: usize) -> u32 {
        text.match_indices(pat)
            .nth(n)
            .map(|(i, _)| i as u32)
            .unwrap()
    }

    #[test]
    fn terms_after_two_operators_nest_six_deep_at_most() {
        let chained = |n: usize| format!("x = {}1{}\n", "a + b + (".repeat(n), ")".repeat(n));
        parse_ok(&chained(6));
        let text = chained(7);
        let err = parse(F, &text, Limits::default()).unwrap_err();
        assert!(
            err.message
                .starts_with("nested more than 6 levels deep inside operator chains"),
            "{err:?}"
        );
        assert_eq!(err.span.start, nth(&text, "(", 6));
        // Every kind of term counts: brackets, indexes, strings, heredocs,
        // and operators on either side of a unary one or a line comment
        // (which ends an expression only in the file's body: the first
        // level here).
        for (level, opener, seventh) in [
            ("a < b < c[", "[", 6),
            ("a / b / {\n k = ", "{", 6),
            ("a && b || \"${", "\"", 6),
            ("a+ b+ <<EOT\n${", "<<", 6),
            ("a * b * -(", "(", 6),
            ("a + b // c\n + (", "(", 7),
        ] {
            let text = format!("x = {}d!\n", level.repeat(40));
            let err = parse(F, &text, Limits::default()).unwrap_err();
            assert!(err.message.contains("operator chains"), "{level}: {err:?}");
            assert_eq!(err.span.start, nth(&text, opener, seventh), "{level}");
        }
        // Not counted: brackets after no operator or one (hcl-edit does
        // not retry those), nor after `=`, `,`, `:`, `?`, `=>` or a line end
        // that ends an expression, nor operators in strings and comments,
        // nor `-` inside an identifier.
        for level in [
            "[",
            "{\n k = ",
            "a + (",
            "f(a + b + c, ",
            "a + b + c ? (",
            "a + b + c ? d : (",
            "b {\n a = b + c + d\n",
            "\"a + b + c\" + (",
            "a /* + b + */ + (",
            "a-b-c + (",
            "{ for k, v in m : a + b + k => c + (",
        ] {
            let text = format!("x = {}1\n", level.repeat(30));
            let err = parse(F, &text, Limits::default());
            assert!(
                err.as_ref()
                    .map_or_else(|e| !e.message.contains("operator chains"), |_| true),
                "{level}: {err:?}"
            );
        }
        // A `for` object's condition may go on past a line end.
        let text = format!(
            "x = {}1\n",
            "{ for k, v in m : k => v if a\n + b + (".repeat(7)
        );
        let err = parse(F, &text, Limits::default()).unwrap_err();
        assert!(err.message.contains("operator chains"), "{err:?}");
        // The same in a `.tf.json` template: kept as text, not parsed.
        let template = format!("${{{}d!}}", "a < b < c[".repeat(40));
        let node = json_string_value(&template, Span::new(F, 0, 1));
        assert!(matches!(node.value, Value::Expr(_)), "{node:?}");
    }

    #[test]
    fn objects_hold_five_thousand_items_at_most() {
        let items = |n: usize| {
            (0..n)
                .map(|i| format!("  k{i} = {i}\n"))
                .collect::<String>()
        };
        parse_ok(&format!("x = {{\n{}}}\n", items(5_000)));
        // The 5,001st item's `=`, in an object however it is reached.
        for (before, after) in [
            ("x = {\n", "}\n"),
            ("x = f(1, {\n", "})\n"),
            ("x = [{ a: 1 }, {\n", "}]\n"),
            ("x = \"${ {\n", "}}\"\n"),
            ("x = c ? {} : {\n", "}\n"),
        ] {
            let text = format!("{before}{}{after}", items(5_001));
            let err = parse(F, &text, Limits::default()).unwrap_err();
            assert!(
                err.message
                    .starts_with("an object with more than 5000 items"),
                "{before}: {err:?}"
            );
            let last = text.find("k5000 =").unwrap() + "k5000 ".len();
            assert_eq!(err.span.start as usize, last, "{before}");
        }
        // Blocks are not objects: their attributes are not counted.
        for block in ["locals {\n", "resource \"a\" \"b\" {\n", "a {\n b {\n"] {
            let close = "}\n".repeat(block.matches('{').count());
            parse_ok(&format!("{block}{}{close}", items(6_000)));
        }
    }

    #[test]
    fn nesting_scan_skips_strings_comments_and_heredocs() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let text = "# [[[[[[\n// ((((((\n/* {{{{{{ */\na = \"[[[[[[[\"\nb = <<EOF\n{{{{{{{{\nEOF\nc = [[1]]\n";
        assert!(
            parse(F, text, limits).is_ok(),
            "{:?}",
            parse(F, text, limits)
        );
        assert!(parse(F, "c = [[[[1]]]]\n", limits).is_err());
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}a = 1\r\nb = \"x\"\r\n";
        let root = parse_ok(text);
        let b = root.entry("b").unwrap();
        assert_eq!(slice(text, b.key_span), "b");
        assert_eq!(slice(text, b.value.span), "\"x\"");
    }

    #[test]
    fn garbage_never_panics() {
        let samples = [
            "",
            "\n",
            "{",
            "}",
            "a",
            "a =",
            "a = [",
            "a = {",
            "\"",
            "<<EOF",
            "a = <<EOF\n",
            "a = \"${\"",
            "a = \"${",
            "a = 1 ?",
            "é = 1",
            "a = \u{feff}",
            "a = x.",
            "a = x[",
            "/*",
            "a = -",
            "a = \"\\",
            "a b c",
            "a \"b\" {}",
            "a = 1\u{1F600}",
        ];
        for s in samples {
            let _ = parse(F, s, Limits::default());
        }
    }

    #[test]
    fn parsing_in_runs_gives_the_tree_of_one_parse() {
        // Cut at every line the scan takes for the file's body (run_bytes 1):
        // the tree, or the error, must be that of one parse of the whole.
        let samples = [
            // plain blocks and attributes, comments of every kind
            "a = 1\n# c\nresource \"t\" \"n\" {\n  x = [1,\n    2]\n}\n// d\nb = \"s\"\n/* e\n f = 2\n*/\nc = 3\n",
            // a heredoc whose lines look like top-level structures
            "p = <<EOF\nresource \"x\" \"y\" {\n}\nq = 1\nEOF\nr = 2\n",
            "p = <<-EOT\n  }\n  z = 1\n  EOT\nr = 2\n",
            // interpolations across lines, `for` objects, strings with braces
            "a = \"${\n  var.x\n}\"\nb = { for k, v in var.m :\n  k => v\n  if v != null }\nc = \"}\\n{\"\n",
            // CRLF and a byte order mark
            "\u{feff}a = 1\r\nresource \"t\" \"n\" {\r\n  x = 1\r\n}\r\nb = 2\r\n",
            // an attribute defined again in a later run: hcl-edit's error
            "a = 1\nb = 2\nresource \"t\" \"n\" {}\na = 3\n",
            // errors in a later run, and a structure the scan would cut
            "a = 1\nb = (\n1\n+ 2)\nc = [\n",
            "a = 1\nresource \"t\" \"n\" {\n  x = 1\n\nb = 2\n",
            "a = 1\nb = 2 +\n3\n",
            "a = 1\n}\nb = 2\n",
            // no line end at the end
            "a = 1\nb = 2",
        ];
        for text in samples {
            let whole = parse_in_runs(F, text, Limits::default(), usize::MAX);
            let runs = parse_in_runs(F, text, Limits::default(), 1);
            assert_eq!(runs, whole, "{text:?}");
        }
    }

    #[test]
    fn large_files_are_parsed_in_runs() {
        let block = "resource \"aws_security_group_rule\" \"r\" {\n  from_port = 443\n}\n";
        let n = RUN_BYTES / block.len() * 3;
        let text = format!("x = 1\n{}", block.repeat(n));
        let splits = check_nesting(F, &text, 256, RUN_BYTES).unwrap();
        assert_eq!(splits.len(), 2, "{splits:?}");
        assert!(splits.iter().all(|&at| text.as_bytes()[at - 1] == b'\n'));
        let root = parse_ok(&text);
        assert_eq!(root.get_all("resource").count(), n);
        let last = root.as_map().unwrap().last().unwrap();
        assert_eq!(slice(&text, last.value.span), block.trim_end());
        // and an attribute repeated across runs is still refused
        let again = format!("{text}x = 2\n");
        let err = parse(F, &again, Limits::default()).unwrap_err();
        assert!(
            err.message.contains("redefined attribute"),
            "{}",
            err.message
        );
        assert_eq!(slice(&again, err.span), "x");
    }
}
