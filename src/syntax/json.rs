//! JSON front end: strict JSON (RFC 8259) through `jsonc-parser`, with every
//! lenient option off.
//!
//! The tree is built straight from the parser's token scanner, with a stack
//! of open containers rather than recursion. Text it does not take as
//! valid goes through `jsonc-parser`'s AST ([`parse_with_ast`]), whose error
//! is the one reported. Building from tokens spares the AST: on a 20 MB CDK
//! template the AST alone took more memory than the tree and the text
//! together. The fuzz target checks that both paths give the same tree.
//!
//! Before the parser runs, one pass over the bytes checks what `jsonc-parser`
//! would otherwise accept or do recursively: nesting depth (the parser
//! recurses, so deep input must be refused before it sees it), raw control
//! characters inside strings, and non-JSON whitespace between tokens.
//!
//! Spans are byte ranges of the original text (a leading BOM is skipped but
//! counted). A string's span includes its quotes; an entry's `key_span` is
//! its quoted key; an object or array spans its brackets.

use std::borrow::Cow;

use compact_str::CompactString;

use jsonc_parser::ast::{ObjectPropName, Value as JsonValue};
use jsonc_parser::errors::ParseErrorKind;
use jsonc_parser::tokens::Token;
use jsonc_parser::{
    parse_to_ast, CollectOptions, CommentCollectionStrategy, ParseOptions, Scanner, ScannerOptions,
};

use super::{inert, skip_inert, Entry, Limits, Node, ParseError, Value};
use crate::source::{FileId, Span};

const BOM: &str = "\u{feff}";

/// Whether `text` opens as a JSON object (after a byte-order mark and
/// white space): how a file whose name allows JSON or YAML (`.template`,
/// `.tfvars`) is told to be JSON.
pub fn opens_an_object(text: &str) -> bool {
    text.trim_start_matches(BOM).trim_start().starts_with('{')
}

/// Parses a strict JSON document.
pub fn parse(file: FileId, text: &str, limits: Limits) -> Result<Node, ParseError> {
    let (cx, body) = checked(file, text, limits)?;
    match from_tokens(body, &cx) {
        Some(node) => Ok(node),
        None => through_ast(body, &cx),
    }
}

/// Parses a strict JSON document through `jsonc-parser`'s AST: the
/// reference [`parse`] is checked against, and where its errors come from.
pub fn parse_with_ast(file: FileId, text: &str, limits: Limits) -> Result<Node, ParseError> {
    let (cx, body) = checked(file, text, limits)?;
    through_ast(body, &cx)
}

/// The text after a byte-order mark, once the pre-scan has passed it.
fn checked(file: FileId, text: &str, limits: Limits) -> Result<(Cx, &str), ParseError> {
    let base = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let body = text.get(base..).unwrap_or("");
    let cx = Cx { file, base };

    prescan(body, &cx, limits)?;
    if body
        .bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        return Err(cx.error(body.len(), body.len(), "expected a JSON value"));
    }
    Ok((cx, body))
}

/// The parser's options: nothing beyond strict JSON.
fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// The scanner's part of [`strict`], so that the token path and the AST
/// path take the same tokens.
fn scanner_options() -> ScannerOptions {
    let o = strict();
    ScannerOptions {
        allow_single_quoted_strings: o.allow_single_quoted_strings,
        allow_hexadecimal_numbers: o.allow_hexadecimal_numbers,
        allow_unary_plus_numbers: o.allow_unary_plus_numbers,
        allow_bare_decimal_point_numbers: o.allow_bare_decimal_point_numbers,
        allow_non_finite_numbers: o.allow_non_finite_numbers,
        allow_extended_string_escapes: o.allow_extended_string_escapes,
    }
}

/// A container being filled: its opening bracket's offset and what it
/// holds so far (for an object, the key whose value comes next).
enum Open {
    Array(usize, Vec<Node>),
    Object(usize, Vec<Entry>, Option<(CompactString, Span)>),
}

/// The tree of `body` built from its tokens, or `None` for anything but
/// valid JSON (including comments, which the scanner passes through).
fn from_tokens(body: &str, cx: &Cx) -> Option<Node> {
    let mut sc = Scanner::new(body, &scanner_options());
    fn next<'a>(sc: &mut Scanner<'a>) -> Option<Token<'a>> {
        sc.scan().ok().flatten()
    }
    let mut open: Vec<Open> = Vec::new();
    let mut token = next(&mut sc)?;
    loop {
        let start = sc.token_start();
        let leaf = |value, sc: &Scanner<'_>| Some(Node::new(cx.span(start, sc.token_end()), value));
        let mut node = match token {
            Token::String(s) => leaf(Value::String(CompactString::from(s.as_ref())), &sc),
            Token::Number(n) => leaf(Value::Number(n.into()), &sc),
            Token::Boolean(b) => leaf(Value::Bool(b), &sc),
            Token::Null => leaf(Value::Null, &sc),
            Token::OpenBracket => {
                token = next(&mut sc)?;
                if token == Token::CloseBracket {
                    leaf(Value::Seq(Vec::new()), &sc)
                } else {
                    open.push(Open::Array(start, Vec::new()));
                    continue;
                }
            }
            Token::OpenBrace => match next(&mut sc)? {
                Token::CloseBrace => leaf(Value::Map(Vec::new()), &sc),
                Token::String(key) => {
                    let key_span = cx.span(sc.token_start(), sc.token_end());
                    let key = Some((CompactString::from(key.as_ref()), key_span));
                    if next(&mut sc)? != Token::Colon {
                        return None;
                    }
                    open.push(Open::Object(start, Vec::new(), key));
                    token = next(&mut sc)?;
                    continue;
                }
                _ => None,
            },
            _ => None,
        }?;
        // A whole value: put it in its container, closing every container
        // it completes, until one wants another value.
        loop {
            let Some(container) = open.last_mut() else {
                // The root: nothing may follow it, not even what the
                // scanner refuses.
                return matches!(sc.scan(), Ok(None)).then_some(node);
            };
            match container {
                Open::Array(_, items) => {
                    items.push(node);
                    match next(&mut sc)? {
                        Token::Comma => break,
                        Token::CloseBracket => {}
                        _ => return None,
                    }
                }
                Open::Object(_, entries, pending) => {
                    let (key, key_span) = pending.take()?;
                    entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    });
                    match next(&mut sc)? {
                        Token::Comma => {
                            let Token::String(name) = next(&mut sc)? else {
                                return None;
                            };
                            let key_span = cx.span(sc.token_start(), sc.token_end());
                            *pending = Some((CompactString::from(name.as_ref()), key_span));
                            if next(&mut sc)? != Token::Colon {
                                return None;
                            }
                            break;
                        }
                        Token::CloseBrace => {}
                        _ => return None,
                    }
                }
            }
            // The token just read closed the container.
            let end = sc.token_end();
            node = match open.pop()? {
                Open::Array(start, mut items) => {
                    items.shrink_to_fit();
                    Node::new(cx.span(start, end), Value::Seq(items))
                }
                Open::Object(start, mut entries, _) => {
                    entries.shrink_to_fit();
                    Node::new(cx.span(start, end), Value::Map(entries))
                }
            };
        }
        token = next(&mut sc)?;
    }
}

/// Parses `body` through `jsonc-parser`'s AST.
fn through_ast(body: &str, cx: &Cx) -> Result<Node, ParseError> {
    let options = strict();
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let parsed = parse_to_ast(body, &collect, &options).map_err(|e| {
        let range = e.range();
        cx.error(range.start, range.end, message(e.kind(), body, range.start))
    })?;
    match parsed.value {
        Some(value) => Ok(cx.convert(value)),
        None => Err(cx.error(body.len(), body.len(), "expected a JSON value")),
    }
}

/// The file and where the parsed text starts in it.
struct Cx {
    file: FileId,
    base: usize,
}

impl Cx {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(
            self.file,
            start.saturating_add(self.base),
            end.saturating_add(self.base),
        )
    }

    fn error(&self, start: usize, end: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.span(start, end), message)
    }

    /// AST -> Node. Recursion is bounded: the pre-scan refused anything
    /// nested deeper than `max_depth`, and the parser itself stops at 512.
    fn convert(&self, value: JsonValue<'_>) -> Node {
        match value {
            JsonValue::StringLit(s) => Node::new(
                self.span(s.range.start, s.range.end),
                Value::String(s.value.as_ref().into()),
            ),
            JsonValue::NumberLit(n) => Node::new(
                self.span(n.range.start, n.range.end),
                Value::Number(n.value.into()),
            ),
            JsonValue::BooleanLit(b) => {
                Node::new(self.span(b.range.start, b.range.end), Value::Bool(b.value))
            }
            JsonValue::NullKeyword(n) => {
                Node::new(self.span(n.range.start, n.range.end), Value::Null)
            }
            JsonValue::Array(a) => {
                let span = self.span(a.range.start, a.range.end);
                let items = a.elements.into_iter().map(|v| self.convert(v)).collect();
                Node::new(span, Value::Seq(items))
            }
            JsonValue::Object(o) => {
                let span = self.span(o.range.start, o.range.end);
                let entries = o
                    .properties
                    .into_iter()
                    .map(|prop| {
                        let (key, key_span) = match prop.name {
                            ObjectPropName::String(s) => (
                                s.value.as_ref().into(),
                                self.span(s.range.start, s.range.end),
                            ),
                            // Not produced with loose property names off.
                            ObjectPropName::Word(w) => {
                                (w.value.into(), self.span(w.range.start, w.range.end))
                            }
                        };
                        Entry {
                            key,
                            key_span,
                            value: self.convert(prop.value),
                        }
                    })
                    .collect();
                Node::new(span, Value::Map(entries))
            }
        }
    }
}

/// Bytes the prescan does nothing for, between tokens and in a string: a
/// table, so that runs of them are skipped in a tight loop.
const CODE_INERT: [bool; 256] = inert(b"\"[]{}\x0B\x0C", &[(0x80, 0xFF)]);
const STR_INERT: [bool; 256] = inert(b"\"\\", &[(0x00, 0x1F)]);

/// One pass over the bytes, outside and inside strings: nesting depth,
/// raw control characters in strings, characters JSON has no place for
/// between tokens (non-ASCII, vertical tab, form feed).
fn prescan(body: &str, cx: &Cx, limits: Limits) -> Result<(), ParseError> {
    let bytes = body.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        i = skip_inert(bytes, i, &CODE_INERT);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        match b {
            b'"' => {
                i += 1;
                loop {
                    i = skip_inert(bytes, i, &STR_INERT);
                    match bytes.get(i) {
                        // Unterminated: the parser reports it.
                        None => return Ok(()),
                        Some(b'"') => break,
                        Some(b'\\') => i += 2,
                        Some(&c) if c < 0x20 => {
                            return Err(cx.error(
                                i,
                                i + 1,
                                format!("control character U+{c:04X} in a string must be escaped"),
                            ));
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limits.max_depth {
                    return Err(cx.error(
                        i,
                        i + 1,
                        format!("nesting deeper than {} levels", limits.max_depth),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            0x0B | 0x0C => {
                return Err(cx.error(i, i + 1, "expected a JSON value, found a control character"));
            }
            0x80..=0xFF => {
                let ch = body.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                let what = if ch == '\u{feff}' {
                    "a byte order mark".to_string()
                } else if ch.is_whitespace() {
                    format!("U+{:04X} (not JSON whitespace)", ch as u32)
                } else {
                    format!("`{ch}`")
                };
                return Err(cx.error(
                    i,
                    i + ch.len_utf8(),
                    format!("expected a JSON value, found {what} outside a string"),
                ));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The parser's message, lower-cased, made specific where it is vague.
fn message(kind: &ParseErrorKind, body: &str, at: usize) -> String {
    let text: Cow<'_, str> = match kind {
        ParseErrorKind::CommentsNotAllowed => "comments are not allowed in JSON".into(),
        ParseErrorKind::TrailingCommasNotAllowed => {
            "trailing commas are not allowed in JSON".into()
        }
        ParseErrorKind::MultipleRootJsonValues => {
            "expected end of input after the JSON value".into()
        }
        ParseErrorKind::UnterminatedArray => "unterminated array: expected `,` or `]`".into(),
        ParseErrorKind::UnterminatedObject => "unterminated object: expected `,` or `}`".into(),
        ParseErrorKind::ExpectedComma => "expected `,`".into(),
        ParseErrorKind::ExpectedStringObjectProperty | ParseErrorKind::UnexpectedTokenInObject => {
            "expected a double-quoted property name or `}`".into()
        }
        ParseErrorKind::UnexpectedWord | ParseErrorKind::UnexpectedToken => {
            let word: String = body
                .get(at..)
                .unwrap_or("")
                .chars()
                .take_while(|c| !c.is_whitespace() && !",:[]{}\"".contains(*c))
                .take(40)
                .collect();
            if word.is_empty() {
                "expected a JSON value".into()
            } else {
                format!("expected a JSON value, found `{word}`").into()
            }
        }
        other => other.to_string().into(),
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "invalid JSON".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{LineCol, LineIndex};
    use std::time::{Duration, Instant};

    const F: FileId = FileId(3);

    fn ok(text: &str) -> Node {
        match parse(F, text, Limits::default()) {
            Ok(node) => node,
            Err(e) => panic!("unexpected error {e:?} in {text:?}"),
        }
    }

    fn err(text: &str) -> ParseError {
        err_with(text, Limits::default())
    }

    fn err_with(text: &str, limits: Limits) -> ParseError {
        match parse(F, text, limits) {
            Ok(node) => panic!("expected an error for {text:?}, got {node:?}"),
            Err(e) => e,
        }
    }

    fn at(text: &str, span: Span) -> &str {
        assert_eq!(span.file, F);
        &text[span.start as usize..span.end as usize]
    }

    fn pos(text: &str, offset: u32) -> (u32, u32) {
        let LineCol { line, column } = LineIndex::new(text).line_col(text, offset);
        (line, column)
    }

    #[test]
    fn values_and_spans() {
        let text =
            r#" {"a": 1, "b": [true, false, null, "x\"y"], "c": {"d": -1.5e3, "e": {}}, "f": []} "#;
        let root = ok(text);
        assert_eq!(at(text, root.span), text.trim());
        let e = root.as_map().unwrap();
        assert_eq!(e.len(), 4);
        assert_eq!(at(text, e[0].key_span), "\"a\"");
        assert_eq!(at(text, e[0].value.span), "1");
        assert_eq!(e[0].value.value, Value::Number("1".into()));
        assert_eq!(at(text, e[0].span()), "\"a\": 1");
        let b = root.get("b").unwrap();
        assert_eq!(at(text, b.span), r#"[true, false, null, "x\"y"]"#);
        let items = b.as_seq().unwrap();
        assert_eq!(items[0].value, Value::Bool(true));
        assert_eq!(items[1].value, Value::Bool(false));
        assert!(items[2].is_null());
        assert_eq!(items[3].as_str(), Some("x\"y"));
        assert_eq!(at(text, items[3].span), r#""x\"y""#);
        let d = root.path(&["c", "d"]).unwrap();
        assert_eq!(d.value, Value::Number("-1.5e3".into()));
        assert_eq!(at(text, root.path(&["c", "e"]).unwrap().span), "{}");
        assert_eq!(root.get("f").unwrap().as_seq(), Some(&[][..]));
        // Scalars at the root.
        assert_eq!(ok("\"s\"").as_str(), Some("s"));
        assert_eq!(ok(" 0 ").value, Value::Number("0".into()));
    }

    #[test]
    fn multibyte_text_and_crlf() {
        let text = "{\r\n  \"ü\": \"é✓\",\r\n  \"k\": [1, \"\\u00e9\"]\r\n}\r\n";
        let root = ok(text);
        let e = root.as_map().unwrap();
        assert_eq!(e[0].key, "ü");
        assert_eq!(at(text, e[0].key_span), "\"ü\"");
        assert_eq!(at(text, e[0].value.span), "\"é✓\"");
        assert_eq!(pos(text, e[1].key_span.start), (3, 3));
        let k = e[1].value.as_seq().unwrap();
        assert_eq!(pos(text, k[1].span.start), (3, 12));
        assert_eq!(k[1].as_str(), Some("é"));
    }

    #[test]
    fn duplicate_keys_are_kept_in_order() {
        let root = ok(r#"{"a": 1, "b": 2, "a": 3}"#);
        let keys: Vec<&str> = root
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["a", "b", "a"]);
        let all: Vec<_> = root.get_all("a").map(|n| n.as_i64()).collect();
        assert_eq!(all, [Some(1), Some(3)]);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let text = "\u{feff}{\"a\": true}";
        let root = ok(text);
        assert_eq!(root.span.start, 3);
        assert_eq!(at(text, root.as_map().unwrap()[0].key_span), "\"a\"");
        let e = err("\u{feff}{\"a\": tru}");
        assert_eq!(at("\u{feff}{\"a\": tru}", e.span), "tru");
        // Only at the start.
        let e = err("{\"a\": \u{feff}1}");
        assert!(e.message.contains("byte order mark"), "{}", e.message);
    }

    #[test]
    fn strict_json_only() {
        for (text, expected) in [
            ("{\"a\": 1} // c", "comments are not allowed in JSON"),
            ("/* c */ {\"a\": 1}", "comments are not allowed in JSON"),
            ("[1, 2,]", "trailing commas are not allowed in JSON"),
            ("{\"a\": 1,}", "trailing commas are not allowed in JSON"),
            ("['a']", "single-quoted strings are not allowed"),
            ("{a: 1}", "expected a double-quoted property name or `}`"),
            ("{1: 1}", "expected a double-quoted property name or `}`"),
            ("[0x1F]", "hexadecimal numbers are not allowed"),
            ("[+1]", "unary plus on numbers is not allowed"),
            (
                "[.5]",
                "leading or trailing decimal points on numbers are not allowed",
            ),
            (
                "[5.]",
                "leading or trailing decimal points on numbers are not allowed",
            ),
            ("[Infinity]", "expected a JSON value, found `Infinity`"),
            ("[NaN]", "expected a JSON value, found `NaN`"),
            ("[-Infinity]", "infinity and NaN are not allowed"),
            ("[undefined]", "expected a JSON value, found `undefined`"),
            ("[1 2]", "expected `,`"),
            ("{\"a\": 1 \"b\": 2}", "expected `,`"),
            ("[\"\\x41\"]", "invalid escape"),
            ("[\"\\v\"]", "invalid escape"),
            ("{} {}", "expected end of input after the JSON value"),
            ("[1", "unterminated array: expected `,` or `]`"),
            ("{\"a\": 1", "unterminated object: expected `,` or `}`"),
            (
                "{\"a\" 1}",
                "expected colon after the string or word in object property",
            ),
            (
                "[\"a\tb\"]",
                "control character U+0009 in a string must be escaped",
            ),
            (
                "[1,\u{b}2]",
                "expected a JSON value, found a control character",
            ),
            (
                "[1,\u{a0}2]",
                "expected a JSON value, found U+00A0 (not JSON whitespace) outside a string",
            ),
        ] {
            let e = err(text);
            assert_eq!(e.message, expected, "{text:?}");
            assert!(e.span.end as usize <= text.len(), "{text:?}");
        }
        // Leading zeros are not numbers.
        assert!(parse(F, "[01]", Limits::default()).is_err());
        assert!(parse(F, "-", Limits::default()).is_err());
    }

    #[test]
    fn empty_input_is_an_error() {
        for text in ["", "   \n\t", "\u{feff}"] {
            let e = err(text);
            assert_eq!(e.message, "expected a JSON value");
            assert_eq!(e.span.start as usize, text.len());
        }
    }

    #[test]
    fn error_positions() {
        let text = "{\n  \"a\": 1,\n  \"b\" 2\n}";
        let e = err(text);
        assert_eq!(pos(text, e.span.start), (3, 7));
        let text = "{\n  \"é\": [1, 2,],\n}";
        let e = err(text);
        assert_eq!(e.message, "trailing commas are not allowed in JSON");
        assert_eq!(at(text, e.span), ",");
        assert_eq!(pos(text, e.span.start), (2, 13));
    }

    #[test]
    fn depth_limit() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(parse(F, "[[[1]]]", limits).is_ok());
        let e = err_with("[[{\"a\": [1]}]]", limits);
        assert_eq!(e.message, "nesting deeper than 3 levels");
        assert_eq!(e.span, Span::new(F, 8, 9));
        // Brackets inside strings do not count.
        let text = format!("[\"{}\", \"\\\"{{{{{{{{\"]", "[".repeat(1000));
        assert!(parse(F, &text, limits).is_ok());
    }

    #[test]
    fn deep_nesting_never_overflows() {
        let n = 100_000;
        let t = Instant::now();
        for text in [
            "[".repeat(n),
            format!("{}{}", "[".repeat(n), "]".repeat(n)),
            "{\"a\":".repeat(n),
        ] {
            let e = err(&text);
            assert_eq!(e.message, "nesting deeper than 256 levels");
            assert_eq!(at(&text, e.span), &text[e.span.start as usize..][..1]);
        }
        // The parser's own limit (512) holds when the configured one is higher.
        let limits = Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        };
        let e = err_with(&"[".repeat(n), limits);
        assert!(!e.message.is_empty());
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for text in [
            "\"",
            "\"\\",
            "\"\\u",
            "\"\\ud800\"",
            "[\"\\udc00\"]",
            "{",
            "}",
            "]",
            ":",
            ",",
            "\u{feff}\u{feff}",
            "é",
            "[é]",
            "{\"a\":}",
            "{\"a\"}",
            "nul",
            "tru",
            "-",
            "1e",
            "1e+",
            "[1,",
            "\0",
        ] {
            let _ = parse(F, text, Limits::default());
        }
    }

    /// The tree built from tokens is the AST's, and only valid JSON is
    /// built from tokens: the rest goes through the AST for its error.
    #[test]
    fn tokens_and_ast_agree() {
        let limits = Limits::default();
        let body = |text: &'static str| text.strip_prefix(BOM).unwrap_or(text);
        let cx = |text: &str| Cx {
            file: F,
            base: text.len() - text.strip_prefix(BOM).unwrap_or(text).len(),
        };
        for text in [
            "0",
            " -0.5e-3 ",
            "\"\"",
            r#""a\"b\\c\u00e9\ud83d\ude00\n""#,
            "true",
            "null",
            "[]",
            "{}",
            "[[]]",
            "[{}]",
            "{\"a\":{}}",
            "\u{feff}{\"a\": [1, 2.5, -3e10, true, false, null, \"x\"]}",
            "{\"a\": 1, \"a\": 2}",
            "{\"a\": {\"b\": [[1], [2, [3, {\"c\": []}]]]}, \"d\": \"\"}",
            " \r\n\t[ 1 ,\n 2 ]\n",
        ] {
            let ast = parse_with_ast(F, text, limits).unwrap();
            assert_eq!(from_tokens(body(text), &cx(text)), Some(ast), "{text:?}");
        }
        for text in [
            "[1,]",
            "{\"a\":1,}",
            "{,}",
            "[,1]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1 \"b\":2}",
            "{1:2}",
            "{a:1}",
            "{\"a\"}",
            "{\"a\":}",
            "1 2",
            "[1]]",
            "{\"a\":1}}",
            "{\"a\":[1,{\"b\":2]}",
            "[1}",
            "[",
            "{",
            "{\"a\":1",
            "truex",
            "'a'",
            "NaN",
            "+1",
            ".5",
            "0x10",
            "01",
            "[1] // c",
            "/* c */ 1",
            "[1, /* c */ 2]",
            "\"\\x41\"",
            "1\0",
            "[1]\0",
            "{}x",
            "[1,\0]",
        ] {
            assert_eq!(from_tokens(body(text), &cx(text)), None, "{text:?}");
            let ast = parse_with_ast(F, text, limits).unwrap_err();
            assert_eq!(parse(F, text, limits).unwrap_err(), ast, "{text:?}");
        }
    }
}
