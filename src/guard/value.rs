//! The evaluator's view of data: typed values with the span of the user's
//! text they came from. Data trees are converted once from the shared
//! [`Node`] tree; CloudFormation short tags are seen here as their long
//! forms (`!Ref x` is `{Ref: x}`, `!GetAtt a.b` is `{"Fn::GetAtt": [a, b]}`)
//! without the parsers knowing about Guard.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

use crate::source::Span;
use crate::syntax::{Node, RefPart, TemplatePart, Value};

/// A compiled regular expression literal.
#[derive(Debug)]
pub struct Regex {
    pub source: String,
    pub compiled: fancy_regex::Regex,
}

impl Regex {
    /// Whether the regex matches `text`. A regex that takes more than
    /// [`MAX_REGEX_BACKTRACK`] steps cannot tell: that is recorded for the
    /// evaluation on this thread ([`regex_limit_reached`]), and from then
    /// on every regex of the evaluation matches nothing, at once.
    pub fn is_match(&self, text: &str) -> bool {
        match REGEX_LIMIT.with(|l| l.borrow().is_some()) {
            true => false,
            false => self.compiled.is_match(text).unwrap_or_else(|_| {
                regex_limit_reached_by(&self.source);
                false
            }),
        }
    }
}

/// The most backtracking steps one regex may take on one value: a pattern
/// such as `(a*)*\1b` backtracks exponentially with the length of a run
/// of `a`s. fancy-regex stops it there with an error (1,000,000 is also
/// its default).
pub const MAX_REGEX_BACKTRACK: usize = 1_000_000;

thread_local! {
    /// The first regex of the current evaluation on this thread that went
    /// over [`MAX_REGEX_BACKTRACK`]. An evaluation runs on one thread from
    /// start to end; the evaluator clears this when it starts.
    static REGEX_LIMIT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn regex_limit_reached_by(source: &str) {
    REGEX_LIMIT.with(|l| {
        l.borrow_mut().get_or_insert_with(|| source.to_string());
    });
}

/// The regex, if any, that went over [`MAX_REGEX_BACKTRACK`] since the last
/// [`clear_regex_limit`] on this thread.
pub fn regex_limit_reached() -> Option<String> {
    REGEX_LIMIT.with(|l| l.borrow().clone())
}

/// Starts an evaluation with no regex over the limit.
pub fn clear_regex_limit() {
    REGEX_LIMIT.with(|l| *l.borrow_mut() = None);
}

/// `regex_replace`: every match of `re` in `text` replaced, or `None` when
/// `re` went over [`MAX_REGEX_BACKTRACK`] (recorded as by
/// [`Regex::is_match`]).
pub fn replace_all(re: &fancy_regex::Regex, text: &str, with: &str) -> Option<String> {
    if REGEX_LIMIT.with(|l| l.borrow().is_some()) {
        return None;
    }
    match re.try_replacen(text, 0, with) {
        Ok(out) => Some(out.into_owned()),
        Err(_) => {
            regex_limit_reached_by(re.as_str());
            None
        }
    }
}

/// The most VM instructions a compiled regex may take. fancy-regex inlines
/// subroutine calls (`\g<1>`, `\g0`) as it compiles, so a short pattern
/// whose groups call each other expands exponentially: a rules file of a
/// kilobyte found by fuzzing took 14 GB in a minute. A pattern over the
/// limit is an invalid regex; every regex of the AWS Guard Rules Registry
/// compiles within it.
pub const MAX_REGEX_PROGRAM: usize = 20_000;

/// Compiles a regular expression of a rules file or of a function's
/// argument, within [`MAX_REGEX_PROGRAM`]; the error is a sentence for the
/// user.
pub fn compile_regex(source: &str) -> Result<fancy_regex::Regex, String> {
    fancy_regex::RegexBuilder::new(source)
        .max_prog_size(MAX_REGEX_PROGRAM)
        .backtrack_limit(MAX_REGEX_BACKTRACK)
        .build()
        .map_err(|e| match e {
            fancy_regex::Error::CompileError(c)
                if matches!(*c, fancy_regex::CompileError::PatternTooComplex) =>
            {
                format!(
                    "it compiles to more than {MAX_REGEX_PROGRAM} instructions \
                     (a call of a group, such as `\\g<1>`, is copied in place)"
                )
            }
            e => e.to_string(),
        })
}

/// How many `regex_replace` patterns each thread keeps compiled.
const COMPILED_PATTERNS: usize = 16;

/// A pattern and what it compiled to (`None`: it does not compile).
type Compiled = (Box<str>, Option<std::rc::Rc<fancy_regex::Regex>>);

thread_local! {
    /// The patterns `regex_replace` compiled last on this thread, the
    /// newest last.
    static COMPILED: std::cell::RefCell<Vec<Compiled>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`compile_regex`] for a pattern a function receives, which may differ
/// from call to call: one that a filter applies to every value of a large
/// document is compiled once, not once per value. The last
/// [`COMPILED_PATTERNS`] patterns of the thread are kept.
pub fn compile_pattern(source: &str) -> Option<std::rc::Rc<fancy_regex::Regex>> {
    COMPILED.with(|kept| {
        let mut kept = kept.borrow_mut();
        if let Some((_, re)) = kept.iter().find(|(s, _)| &**s == source) {
            return re.clone();
        }
        let re = compile_regex(source).ok().map(std::rc::Rc::new);
        if kept.len() >= COMPILED_PATTERNS {
            kept.remove(0);
        }
        kept.push((source.into(), re.clone()));
        re
    })
}

/// Inclusive/exclusive bounds of a range literal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range<T> {
    pub lower: T,
    pub upper: T,
    pub lower_inclusive: bool,
    pub upper_inclusive: bool,
}

impl<T: PartialOrd> Range<T> {
    pub fn contains(&self, v: &T) -> bool {
        let lo = if self.lower_inclusive {
            *v >= self.lower
        } else {
            *v > self.lower
        };
        let hi = if self.upper_inclusive {
            *v <= self.upper
        } else {
            *v < self.upper
        };
        lo && hi
    }
}

#[derive(Debug)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Text; keys and fixed words of the model document are borrowed from
    /// the binary rather than allocated for every value.
    Str(Cow<'static, str>),
    Char(char),
    Regex(Arc<Regex>),
    RangeInt(Range<i64>),
    RangeFloat(Range<f64>),
    RangeChar(Range<char>),
    List(Vec<Arc<Val>>),
    /// Entries in order; keys are `Str` values with the key's span.
    Map(Vec<(Arc<Val>, Arc<Val>)>),
}

/// A value and where it came from (`None` for literals and computed values).
#[derive(Debug)]
pub struct Val {
    pub span: Option<Span>,
    pub kind: Kind,
}

impl Val {
    pub fn new(span: Option<Span>, kind: Kind) -> Arc<Val> {
        Arc::new(Val { span, kind })
    }

    pub fn lit(kind: Kind) -> Arc<Val> {
        Arc::new(Val { span: None, kind })
    }

    pub fn str(span: Option<Span>, s: impl Into<Cow<'static, str>>) -> Arc<Val> {
        Val::new(span, Kind::Str(s.into()))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` of a map (the first, when keys repeat).
    pub fn get(&self, key: &str) -> Option<&Arc<Val>> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// How many values this one holds, itself included.
    pub fn size(&self) -> u64 {
        let mut count = 0u64;
        let mut stack: Vec<&Val> = vec![self];
        while let Some(v) = stack.pop() {
            count += 1;
            match &v.kind {
                Kind::List(items) => stack.extend(items.iter().map(|i| &**i)),
                Kind::Map(entries) => stack.extend(entries.iter().map(|(_, v)| &**v)),
                _ => {}
            }
        }
        count
    }

    pub fn is_list(&self) -> bool {
        matches!(self.kind, Kind::List(_))
    }

    pub fn is_scalar(&self) -> bool {
        !matches!(self.kind, Kind::List(_) | Kind::Map(_))
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "bool",
            Kind::Int(_) => "int",
            Kind::Float(_) => "float",
            Kind::Str(_) => "string",
            Kind::Char(_) => "char",
            Kind::Regex(_) => "regex",
            Kind::RangeInt(_) | Kind::RangeFloat(_) | Kind::RangeChar(_) => "range",
            Kind::List(_) => "list",
            Kind::Map(_) => "struct",
        }
    }

    /// A short rendering for messages.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.render(&mut out, 0);
        if out.len() > 120 {
            let mut cut = 117;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push_str("...");
        }
        out
    }

    fn render(&self, out: &mut String, depth: usize) {
        if depth > 8 || out.len() > 200 {
            out.push_str("...");
            return;
        }
        match &self.kind {
            Kind::Null => out.push_str("null"),
            Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Kind::Int(i) => out.push_str(&i.to_string()),
            Kind::Float(f) => out.push_str(&f.to_string()),
            Kind::Str(s) => {
                out.push('"');
                out.push_str(s);
                out.push('"');
            }
            Kind::Char(c) => {
                out.push('\'');
                out.push(*c);
                out.push('\'');
            }
            Kind::Regex(r) => {
                out.push('/');
                out.push_str(&r.source);
                out.push('/');
            }
            Kind::RangeInt(r) => out.push_str(&render_range(r)),
            Kind::RangeFloat(r) => out.push_str(&render_range(r)),
            Kind::RangeChar(r) => out.push_str(&render_range(r)),
            Kind::List(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.render(out, depth + 1);
                }
                out.push(']');
            }
            Kind::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k.as_str().unwrap_or("?"));
                    out.push_str(": ");
                    v.render(out, depth + 1);
                }
                out.push('}');
            }
        }
    }

    /// Converts to JSON (for `json` output and `json_parse` round trips).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            Kind::Null => J::Null,
            Kind::Bool(b) => J::Bool(*b),
            Kind::Int(i) => J::from(*i),
            Kind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Kind::Str(s) => J::String(s.to_string()),
            Kind::Char(c) => J::String(c.to_string()),
            Kind::List(items) => J::Array(items.iter().map(|v| v.to_json()).collect()),
            Kind::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), v.to_json()))
                    .collect(),
            ),
            _ => J::String(self.display()),
        }
    }

    pub fn from_json(value: &serde_json::Value, depth: usize) -> Arc<Val> {
        use serde_json::Value as J;
        let kind = match value {
            J::Null => Kind::Null,
            J::Bool(b) => Kind::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Kind::Int(i),
                None => Kind::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Kind::Str(s.clone().into()),
            _ if depth > 128 => Kind::Null,
            J::Array(items) => {
                Kind::List(items.iter().map(|v| Val::from_json(v, depth + 1)).collect())
            }
            J::Object(map) => Kind::Map(
                map.iter()
                    .map(|(k, v)| (Val::str(None, k.clone()), Val::from_json(v, depth + 1)))
                    .collect(),
            ),
        };
        Val::lit(kind)
    }
}

fn render_range<T: std::fmt::Debug>(r: &Range<T>) -> String {
    format!(
        "r{}{:?},{:?}{}",
        if r.lower_inclusive { '[' } else { '(' },
        r.lower,
        r.upper,
        if r.upper_inclusive { ']' } else { ')' }
    )
}

/// How data values are read from the tree.
#[derive(Debug, Clone, Copy, Default)]
pub struct Conversion {
    /// Read the YAML 1.1 plain scalars `yes/no/on/off` as booleans (as
    /// cfn-guard's `validate` does). Our parser cannot tell plain from quoted
    /// scalars, so this is off: every command reads YAML 1.2.
    pub yaml11_booleans: bool,
}

const MAX_DEPTH: usize = 256;

/// Converts a data tree. CloudFormation short tags become their long forms.
pub fn from_node(node: &Node) -> Arc<Val> {
    convert(node, 0)
}

fn convert(node: &Node, depth: usize) -> Arc<Val> {
    let span = Some(node.span);
    if depth > MAX_DEPTH {
        return Val::new(span, Kind::Null);
    }
    let kind = match &node.value {
        Value::Null => Kind::Null,
        Value::Bool(b) => Kind::Bool(*b),
        Value::Number(text) => number(text),
        Value::String(s) => Kind::Str(s.clone().into()),
        Value::Seq(items) => Kind::List(items.iter().map(|n| convert(n, depth + 1)).collect()),
        Value::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|e| {
                    (
                        Val::str(Some(e.key_span), e.key.clone()),
                        convert(&e.value, depth + 1),
                    )
                })
                .collect(),
        ),
        Value::Tagged(tag, inner) => return long_form(node, tag, inner, depth),
        Value::Reference(parts) => Kind::Str(reference_text(parts).into()),
        Value::Template(parts) => {
            let mut s = String::new();
            for p in parts {
                match p {
                    TemplatePart::Literal(l) => s.push_str(l),
                    TemplatePart::Interpolation(n) => {
                        s.push_str("${");
                        s.push_str(&expr_text(n));
                        s.push('}');
                    }
                }
            }
            Kind::Str(s.into())
        }
        Value::Call(..) | Value::Conditional(..) => Kind::Str(expr_text(node).into()),
        Value::Expr(text) => Kind::Str(text.clone().into()),
    };
    Val::new(span, kind)
}

fn number(text: &str) -> Kind {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Kind::Int(i);
    }
    match t.parse::<f64>() {
        Ok(f) => Kind::Float(f),
        Err(_) => Kind::Str(text.to_string().into()),
    }
}

/// `!Ref x` → `{Ref: x}`; `!GetAtt a.b` → `{"Fn::GetAtt": [a, b]}`; other
/// `!Name` → `{"Fn::Name": ...}`; `!Condition c` → `{Condition: c}`.
fn long_form(node: &Node, tag: &str, inner: &Node, depth: usize) -> Arc<Val> {
    let key = match tag {
        "Ref" | "Condition" => tag.to_string(),
        _ => format!("Fn::{tag}"),
    };
    let value = match (tag, &inner.value) {
        ("GetAtt", Value::String(s)) => {
            let (a, b) = s.split_once('.').unwrap_or((s.as_str(), ""));
            Val::new(
                Some(inner.span),
                Kind::List(vec![
                    Val::str(Some(inner.span), a.to_string()),
                    Val::str(Some(inner.span), b.to_string()),
                ]),
            )
        }
        _ => convert(inner, depth + 1),
    };
    // The key's span is the tag itself (`!Ref`), at the start of the node.
    let tag_span = Span {
        end: node
            .span
            .start
            .saturating_add(tag.len() as u32 + 1)
            .min(node.span.end),
        ..node.span
    };
    Val::new(
        Some(node.span),
        Kind::Map(vec![(Val::str(Some(tag_span), key), value)]),
    )
}

fn reference_text(parts: &[RefPart]) -> String {
    let mut s = String::new();
    for (i, p) in parts.iter().enumerate() {
        match p {
            RefPart::Attr(a) => {
                if i > 0 {
                    s.push('.');
                }
                s.push_str(a);
            }
            RefPart::Index(n) => {
                s.push('[');
                s.push_str(&expr_text(n));
                s.push(']');
            }
            RefPart::Splat => s.push_str("[*]"),
        }
    }
    s
}

fn expr_text(node: &Node) -> String {
    match &node.value {
        Value::Reference(parts) => reference_text(parts),
        Value::String(s) => format!("\"{s}\""),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Call(call) => {
            let (name, args) = &**call;
            let args: Vec<String> = args.iter().map(expr_text).collect();
            format!("{name}({})", args.join(", "))
        }
        Value::Expr(t) => t.clone(),
        Value::Conditional(c, a, b) => {
            format!("{} ? {} : {}", expr_text(c), expr_text(a), expr_text(b))
        }
        _ => "...".into(),
    }
}

/// Structural equality with Guard's rules: a string equals a regex it
/// matches, a number equals a range holding it.
pub fn equal(lhs: &Val, rhs: &Val) -> bool {
    equal_at(lhs, rhs, 0)
}

fn equal_at(lhs: &Val, rhs: &Val, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (&lhs.kind, &rhs.kind) {
        (Kind::Str(s), Kind::Regex(r)) | (Kind::Regex(r), Kind::Str(s)) => r.is_match(s),
        (Kind::Regex(a), Kind::Regex(b)) => a.source == b.source,
        (Kind::Int(i), Kind::RangeInt(r)) => r.contains(i),
        (Kind::Float(f), Kind::RangeFloat(r)) => r.contains(f),
        (Kind::Int(i), Kind::RangeFloat(r)) => r.contains(&(*i as f64)),
        (Kind::Char(c), Kind::RangeChar(r)) => r.contains(c),
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool(a), Kind::Bool(b)) => a == b,
        (Kind::Int(a), Kind::Int(b)) => a == b,
        (Kind::Float(a), Kind::Float(b)) => a == b,
        (Kind::Str(a), Kind::Str(b)) => a == b,
        (Kind::Char(a), Kind::Char(b)) => a == b,
        (Kind::Char(a), Kind::Str(b)) | (Kind::Str(b), Kind::Char(a)) => {
            let mut chars = b.chars();
            chars.next() == Some(*a) && chars.next().is_none()
        }
        (Kind::RangeInt(a), Kind::RangeInt(b)) => a == b,
        (Kind::RangeFloat(a), Kind::RangeFloat(b)) => a == b,
        (Kind::RangeChar(a), Kind::RangeChar(b)) => a == b,
        (Kind::List(a), Kind::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal_at(x, y, depth + 1))
        }
        (Kind::Map(a), Kind::Map(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, v)| {
                    b.iter()
                        .any(|(k2, v2)| k.as_str() == k2.as_str() && equal_at(v, v2, depth + 1))
                })
        }
        _ => false,
    }
}

/// Ordering for `<`, `>`, ...; `None` when the two cannot be compared.
pub fn order(lhs: &Val, rhs: &Val) -> Option<Ordering> {
    match (&lhs.kind, &rhs.kind) {
        (Kind::Int(a), Kind::Int(b)) => Some(a.cmp(b)),
        (Kind::Float(a), Kind::Float(b)) => a.partial_cmp(b),
        (Kind::Int(a), Kind::Float(b)) => (*a as f64).partial_cmp(b),
        (Kind::Float(a), Kind::Int(b)) => a.partial_cmp(&(*b as f64)),
        (Kind::Str(a), Kind::Str(b)) => Some(a.cmp(b)),
        (Kind::Char(a), Kind::Char(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn a_pattern_is_compiled_once_while_it_is_among_the_last_used() {
        let first = compile_pattern("a+b").expect("compiles");
        let again = compile_pattern("a+b").expect("compiles");
        assert!(Rc::ptr_eq(&first, &again));
        assert!(compile_pattern("(").is_none());
        assert!(compile_pattern("(").is_none());
        // Pushed out by as many newer patterns: compiled anew.
        for i in 0..COMPILED_PATTERNS {
            let _ = compile_pattern(&format!("x{i}"));
        }
        let later = compile_pattern("a+b").expect("compiles");
        assert!(!Rc::ptr_eq(&first, &later));
        assert_eq!(later.as_str(), "a+b");
    }
}
