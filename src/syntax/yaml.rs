//! YAML front end: `saphyr-parser` events turned into span-annotated [`Node`]s.
//!
//! The tree is built iteratively from the event stream with an explicit stack,
//! so hostile nesting can never overflow the call stack. Every span is a byte
//! range of the original text (saphyr counts characters; they are converted).
//!
//! Span conventions:
//! - a scalar covers its text; quoted scalars include their quotes, block
//!   scalars run from the `|`/`>` indicator to the end of their last non-blank
//!   line; an empty scalar is a zero-width span where its value would be
//!   (just after the `:` of `key:`, just after its tag/anchor if it has one);
//! - a block map runs from its first key to the end of its last value, a block
//!   sequence from its first `-` to the end of its last item; a flow
//!   collection from its opening to its closing bracket;
//! - an anchor is not part of its node's span; a tag is: a `Tagged` node covers
//!   its properties and its value, and the wrapped value keeps its own span;
//! - an alias becomes a clone of the anchored node whose outer span is the
//!   alias (`*name`); the spans inside it point at the anchored definition.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use compact_str::CompactString;
use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};

use super::{Entry, Limits, Node, ParseError, Value};
use crate::source::{FileId, Span};

/// The tag of the YAML core schema's `!!` handle.
const CORE_PREFIX: &str = "tag:yaml.org,2002:";

/// Parses every document of a YAML stream into one [`Node`] per document.
///
/// An empty document (`---` with nothing after it) is a `Null` node; a stream
/// with no document at all (empty text, only comments) gives no node.
pub fn parse(file: FileId, text: &str, limits: Limits) -> Result<Vec<Node>, ParseError> {
    // The parser is not supposed to panic; should it, the file is reported as
    // unparsable rather than taking the whole run down.
    match catch_unwind(AssertUnwindSafe(|| parse_lenient(file, text, limits))) {
        Ok(result) => result,
        Err(_) => Err(ParseError::new(
            Span::new(file, 0, 0),
            "internal error in the YAML parser",
        )),
    }
}

/// Re-parses attempted with lenient indentation before giving up.
const MAX_INDENT_FIXES: usize = 64;

/// Bytes all the parses of one file may read together, at least: a large
/// file gets fewer re-parses (8 at 1 MiB), so that its time stays within a
/// few parses rather than 65.
const REPARSE_BYTES: usize = 4 << 20;

/// Parses `text`; where the only problem is the indentation of a line inside
/// a flow collection or of a quoted scalar's continuation line (which the
/// YAML spec forbids but libyaml, PyYAML and CloudFormation accept, and which
/// real templates have: a closing `]` at its key's column), the line is
/// indented further and the text parsed again. Inside flow collections and
/// quoted scalars leading white space carries no meaning, so values are
/// unchanged; spans are mapped back to `text`.
fn parse_lenient(file: FileId, text: &str, limits: Limits) -> Result<Vec<Node>, ParseError> {
    let mut patched: Option<String> = None;
    let mut remap = Remap::default();
    let mut history = HashMap::new();
    let mut first_error = None;
    let mut budget = text.len().saturating_mul(8).max(REPARSE_BYTES);
    for _ in 0..=MAX_INDENT_FIXES {
        let src = patched.as_deref().unwrap_or(text);
        if src.len() > budget {
            break;
        }
        budget -= src.len();
        let failure = match Builder::new(file, text, src, limits, &remap).run() {
            Ok(docs) => return Ok(docs),
            Err(failure) => failure,
        };
        let first = first_error.get_or_insert_with(|| failure.error.clone());
        let fix = failure
            .scan
            .and_then(|(info, at)| indentation_fix(src, &remap, &info, at, &mut history));
        let Some(mut inserts) = fix else {
            // Report the real problem: the first error if the fixes did not
            // get past it, else the one they led to.
            return Err(if failure.error.span.start < first.span.start {
                first.clone()
            } else {
                failure.error
            });
        };
        match remap.insert(src, &mut inserts) {
            Some(next) => patched = Some(next),
            None => return Err(failure.error),
        }
    }
    Err(first_error.unwrap_or_else(|| ParseError::new(Span::new(file, 0, 0), "invalid YAML")))
}

/// The lines to indent further (byte position of the line start in `src`,
/// spaces to add) to get past an indentation error at `at`, if it is one
/// that indentation cannot change the meaning of.
fn indentation_fix(
    src: &str,
    remap: &Remap,
    info: &str,
    at: usize,
    history: &mut HashMap<usize, usize>,
) -> Option<Vec<(usize, usize)>> {
    let bytes = src.as_bytes();
    match info {
        // A token inside a flow collection left of the block indentation.
        "invalid indentation" | "invalid indentation in flow construct" => {
            let line = line_start(bytes, at);
            let key = remap.orig(line);
            let pad = match history.get(&key) {
                Some(&previous) => previous.checked_mul(2)?,
                None => {
                    let indent = indent_width(bytes, line);
                    previous_indent(bytes, line).saturating_sub(indent).max(1)
                }
            };
            if pad > 4096 {
                return None;
            }
            history.insert(key, pad);
            Some(vec![(line, pad)])
        }
        // A quoted scalar's continuation line left of the block indentation
        // (reported at the scalar's opening quote).
        "invalid indentation in quoted scalar" => {
            let end = quoted_end(bytes, at)?;
            let line = line_start(bytes, at);
            let column = src.get(line..at)?.chars().count();
            let mut inserts = Vec::new();
            let mut p = at;
            while p < end {
                if bytes.get(p) == Some(&b'\n') {
                    let next = p + 1;
                    let indent = indent_width(bytes, next);
                    let blank = matches!(bytes.get(next + indent), None | Some(b'\r' | b'\n'));
                    if !blank && indent < column {
                        inserts.push((next, column - indent));
                    }
                }
                p += 1;
            }
            (!inserts.is_empty()).then_some(inserts)
        }
        _ => None,
    }
}

/// The start of the line that holds `at`.
fn line_start(bytes: &[u8], at: usize) -> usize {
    let mut p = at.min(bytes.len());
    while p > 0 && bytes.get(p - 1) != Some(&b'\n') {
        p -= 1;
    }
    p
}

/// Leading blanks of the line starting at `line`.
fn indent_width(bytes: &[u8], line: usize) -> usize {
    bytes
        .get(line..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count()
}

/// Indentation of the last non-blank line before the line starting at `line`.
fn previous_indent(bytes: &[u8], line: usize) -> usize {
    let mut end = line;
    while end > 0 {
        let start = line_start(bytes, end - 1);
        let indent = indent_width(bytes, start);
        if !matches!(bytes.get(start + indent), None | Some(b'\r' | b'\n')) {
            return indent;
        }
        end = start;
    }
    0
}

/// Runs of spaces inserted into the text given to the parser (see
/// [`parse_lenient`]), to map its byte offsets back to the original text.
#[derive(Debug, Default)]
struct Remap {
    runs: Vec<Run>,
}

#[derive(Debug, Clone, Copy)]
struct Run {
    /// Where the run starts in the patched text.
    patched: usize,
    /// Where it was inserted in the original text.
    orig: usize,
    count: usize,
    /// Spaces inserted up to and including this run.
    shift: usize,
}

impl Remap {
    /// Original offset of a patched offset; inserted spaces map to the
    /// position they were inserted at.
    fn orig(&self, q: usize) -> usize {
        let i = self.runs.partition_point(|r| r.patched <= q);
        match i.checked_sub(1).and_then(|i| self.runs.get(i)) {
            None => q,
            Some(r) if q < r.patched.saturating_add(r.count) => r.orig,
            Some(r) => q.saturating_sub(r.shift),
        }
    }

    /// Inserts spaces at positions of `src` (line starts); returns the new
    /// text, or `None` if a position is not a character boundary.
    fn insert(&mut self, src: &str, inserts: &mut [(usize, usize)]) -> Option<String> {
        inserts.sort_unstable();
        let mut by_orig: BTreeMap<usize, usize> =
            self.runs.iter().map(|r| (r.orig, r.count)).collect();
        let added: usize = inserts.iter().map(|&(_, n)| n).sum();
        let mut out = String::with_capacity(src.len().saturating_add(added));
        let mut last = 0;
        for &(pos, count) in inserts.iter() {
            out.push_str(src.get(last..pos)?);
            out.extend(std::iter::repeat_n(' ', count));
            last = pos;
            *by_orig.entry(self.orig(pos)).or_insert(0) += count;
        }
        out.push_str(src.get(last..)?);
        let mut shift = 0;
        self.runs = by_orig
            .into_iter()
            .map(|(orig, count)| {
                let patched = orig + shift;
                shift += count;
                Run {
                    patched,
                    orig,
                    count,
                    shift,
                }
            })
            .collect();
        Some(out)
    }
}

/// Why a parse attempt failed.
struct Failure {
    error: ParseError,
    /// A scanner error: its text and its offset in the parsed text.
    scan: Option<(String, usize)>,
}

impl From<ParseError> for Failure {
    fn from(error: ParseError) -> Self {
        Failure { error, scan: None }
    }
}

/// Character index -> byte offset, only materialized for non-ASCII text.
struct Offsets {
    len: usize,
    /// Byte offset of each character, plus one entry for the end of the text.
    map: Option<Vec<u32>>,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let map = (!text.is_ascii()).then(|| {
            let mut map = Vec::with_capacity(text.len() + 1);
            map.extend(
                text.char_indices()
                    .map(|(b, _)| u32::try_from(b).unwrap_or(u32::MAX)),
            );
            map.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
            map
        });
        Offsets {
            len: text.len(),
            map,
        }
    }

    fn byte(&self, mark: Marker) -> usize {
        let index = mark.index();
        match &self.map {
            None => index.min(self.len),
            Some(map) => map.get(index).map_or(self.len, |&b| b as usize),
        }
    }
}

/// How a tag changes a node.
#[derive(Debug, Clone, PartialEq)]
enum TagKind {
    /// No tag.
    None,
    /// `!`: the non-specific tag; a scalar is a string.
    NonSpecific,
    /// `!!name` (`tag:yaml.org,2002:name`).
    Core(String),
    /// `!Ref`, or a global tag other than the core schema's: kept as `Tagged`.
    Custom(String),
}

impl TagKind {
    fn from_tag(tag: Option<std::borrow::Cow<'_, Tag>>) -> Self {
        let Some(tag) = tag else {
            return TagKind::None;
        };
        // Moved out of the event (the parser hands out owned tags), not
        // copied; a local tag such as `!Ref`, the common case, is then
        // kept without a new string.
        let Tag { handle, suffix } = tag.into_owned();
        if handle == "!" {
            return if suffix.is_empty() {
                TagKind::NonSpecific
            } else {
                TagKind::Custom(suffix)
            };
        }
        let full = handle + &suffix;
        if let Some(core) = full.strip_prefix(CORE_PREFIX) {
            TagKind::Core(core.to_string())
        } else if full == "!" {
            TagKind::NonSpecific
        } else if let Some(local) = full.strip_prefix('!') {
            TagKind::Custom(local.to_string())
        } else {
            TagKind::Custom(full)
        }
    }

    fn custom(&self) -> Option<&str> {
        match self {
            TagKind::Custom(name) => Some(name),
            _ => None,
        }
    }
}

/// A node that was anchored (`&name`), kept for its aliases.
struct Anchored {
    node: Node,
    /// Nodes in the subtree (the alias budget's unit).
    count: usize,
    /// Collection levels in the subtree (0 for a scalar).
    height: usize,
    /// A scalar's text, used when the alias is a map key.
    raw: Option<CompactString>,
}

/// A finished node on its way into its parent.
struct Built {
    node: Node,
    count: usize,
    height: usize,
    /// A scalar's text, used when the node is a map key.
    raw: Option<CompactString>,
    /// A plain, untagged `<<` scalar (a merge key when used as a key).
    merge_key: bool,
    /// The end of the node in the parsed text.
    end: usize,
}

enum FrameKind {
    Seq(Vec<Node>),
    Map(MapFrame),
}

struct MapFrame {
    entries: Vec<Entry>,
    /// The key waiting for its value.
    key: Option<PendingKey>,
    /// Indices of `<<` entries whose value can be merged.
    merges: Vec<usize>,
}

struct PendingKey {
    text: CompactString,
    span: Span,
    /// The end of the key in the parsed text.
    end: usize,
    /// Whether the key is `<<`.
    merge: bool,
}

/// An open sequence or map.
struct Frame {
    kind: FrameKind,
    tag: TagKind,
    anchor: usize,
    /// Start of the node's properties (tag, anchor), or of its content.
    outer_start: usize,
    /// Start of the content: the first key, the first `-`, or the bracket.
    start: usize,
    flow: bool,
    /// The furthest end of a child so far.
    end: usize,
    /// Nodes in the children's subtrees.
    count: usize,
    /// The children's greatest height.
    height: usize,
}

struct Builder<'t> {
    file: FileId,
    /// The text being parsed (the original, or one with lines indented
    /// further, see [`parse_lenient`]).
    text: &'t str,
    bytes: &'t [u8],
    /// The original text, which spans are offsets of.
    original: &'t str,
    limits: Limits,
    offsets: Offsets,
    remap: &'t Remap,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// Nodes cloned through aliases in the current document.
    alias_nodes: usize,
    /// Byte offset just past the last event seen (used to find the indicator
    /// of a block scalar, whose event starts at its content).
    cursor: usize,
    /// End of the current document's `---`, if it has one.
    doc_marker_end: Option<usize>,
    root: Option<Node>,
    docs: Vec<Node>,
}

impl<'t> Builder<'t> {
    fn new(
        file: FileId,
        original: &'t str,
        text: &'t str,
        limits: Limits,
        remap: &'t Remap,
    ) -> Self {
        Builder {
            file,
            text,
            bytes: text.as_bytes(),
            original,
            limits,
            offsets: Offsets::new(text),
            remap,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            cursor: 0,
            doc_marker_end: None,
            root: None,
            docs: Vec::new(),
        }
    }

    /// The span in the original text of a range of the parsed text.
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.remap.orig(start), self.remap.orig(end))
    }

    fn error_at(&self, start: usize, end: usize, message: impl Into<String>) -> ParseError {
        ParseError::new(self.span(start, end), message)
    }

    fn run(mut self) -> Result<Vec<Node>, Failure> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(next) = parser.next_event() {
            let (event, yspan) = next.map_err(|e| self.scan_error(&e))?;
            let start = self.offsets.byte(yspan.start);
            let end = self.offsets.byte(yspan.end).max(start);
            match event {
                Event::StreamEnd => break,
                Event::Nothing | Event::StreamStart => {}
                Event::DocumentStart(explicit) => {
                    self.anchors.clear();
                    self.alias_nodes = 0;
                    self.root = None;
                    self.stack.clear();
                    self.doc_marker_end = explicit.then_some(end);
                    if explicit {
                        self.cursor = self.cursor.max(end);
                    }
                }
                Event::DocumentEnd => {
                    let root = self.root.take().unwrap_or_else(|| {
                        let at = self.doc_marker_end.unwrap_or(start);
                        Node::new(self.span(at, at), Value::Null)
                    });
                    self.docs.push(root);
                    self.cursor = self.cursor.max(end);
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let tag = TagKind::from_tag(tag);
                    self.scalar(&value, style, anchor, tag, start, end)?;
                }
                Event::SequenceStart(anchor, tag) => {
                    let tag = TagKind::from_tag(tag);
                    self.open(true, anchor, tag, start, end)?;
                }
                Event::MappingStart(anchor, tag) => {
                    let tag = TagKind::from_tag(tag);
                    self.open(false, anchor, tag, start, end)?;
                }
                Event::SequenceEnd | Event::MappingEnd => self.close(start, end)?,
                Event::Alias(id) => self.alias(id, start, end)?,
            }
        }
        Ok(self.docs)
    }

    fn scan_error(&self, error: &ScanError) -> Failure {
        let at = self.offsets.byte(*error.marker());
        let info = error.info();
        let message = if info.contains("unknown anchor") {
            let name = alias_name(self.bytes, at);
            match self.text.get(at..name) {
                Some(alias) if !alias.is_empty() => format!("unknown alias {alias}"),
                _ => clean_message(info),
            }
        } else if info == "recursion limit exceeded" {
            "nesting deeper than 255 flow levels".to_string()
        } else {
            clean_message(info)
        };
        Failure {
            error: self.error_at(at, at, message),
            scan: Some((info.to_string(), at)),
        }
    }

    /// Whether the next node is the value of a map entry; if so, where its
    /// key ends in the parsed text.
    fn pending_key_end(&self) -> Option<usize> {
        match self.stack.last().map(|f| &f.kind) {
            Some(FrameKind::Map(map)) => map.key.as_ref().map(|key| key.end),
            _ => None,
        }
    }

    fn scalar(
        &mut self,
        value: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: TagKind,
        ev_start: usize,
        ev_end: usize,
    ) -> Result<(), ParseError> {
        let has_props = anchor != 0 || tag != TagKind::None;
        let (props_end, content) = if has_props {
            skip_props(self.bytes, ev_start)
        } else {
            (ev_start, ev_start)
        };
        let (start, end) = match style {
            ScalarStyle::Plain if value.is_empty() => {
                let at = if has_props {
                    props_end
                } else if self.stack.is_empty() {
                    self.doc_marker_end.unwrap_or(ev_start)
                } else if let Some(key_end) = self.pending_key_end() {
                    if self.bytes.get(ev_start) == Some(&b':') {
                        ev_start + 1
                    } else {
                        key_end
                    }
                } else {
                    ev_start
                };
                (at, at)
            }
            ScalarStyle::Plain => (content, ev_end),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                (content, quoted_end(self.bytes, content).unwrap_or(ev_end))
            }
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let header = if has_props {
                    content
                } else {
                    block_header(self.bytes, self.cursor, ev_start)
                };
                (header, trim_end_blank(self.bytes, ev_end, header + 1))
            }
        };
        let end = end.max(start).min(self.text.len());
        if !(value.is_empty() && style == ScalarStyle::Plain && !has_props) {
            self.cursor = self.cursor.max(ev_end);
        }

        let resolved = resolve_scalar(value, style, &tag);
        let mut node = Node::new(self.span(start, end), resolved);
        let mut count = 1;
        if let Some(name) = tag.custom() {
            node = Node::new(
                self.span(ev_start.min(start), end),
                Value::Tagged(name.into(), Box::new(node)),
            );
            count += 1;
        }
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    count,
                    height: 0,
                    raw: Some(value.into()),
                },
            );
        }
        let merge_key = style == ScalarStyle::Plain && tag == TagKind::None && value == "<<";
        self.place(Built {
            node,
            count,
            height: 0,
            raw: Some(value.into()),
            merge_key,
            end,
        })
    }

    fn open(
        &mut self,
        seq: bool,
        anchor: usize,
        tag: TagKind,
        ev_start: usize,
        ev_end: usize,
    ) -> Result<(), ParseError> {
        let has_props = anchor != 0 || tag != TagKind::None;
        let mut start = if has_props {
            skip_props(self.bytes, ev_start).1
        } else {
            ev_start
        };
        let flow = matches!(self.bytes.get(start), Some(b'[' | b'{'));
        let in_block_map = matches!(
            self.stack.last(),
            Some(Frame {
                kind: FrameKind::Map(_),
                flow: false,
                ..
            })
        );
        if seq && !flow && !has_props && in_block_map {
            // An indentless sequence (`key:\n- a`) starts its event after its
            // first `- `; a block sequence at its first `-`.
            let mut p = start;
            while p > 0 && matches!(self.bytes.get(p - 1), Some(b' ' | b'\t')) {
                p -= 1;
            }
            if p > 0 && self.bytes.get(p - 1) == Some(&b'-') {
                start = p - 1;
            }
        }
        let start = start.min(self.text.len());
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error_at(
                start,
                start,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        self.cursor = self.cursor.max(ev_end);
        let kind = if seq {
            FrameKind::Seq(Vec::new())
        } else {
            FrameKind::Map(MapFrame {
                entries: Vec::new(),
                key: None,
                merges: Vec::new(),
            })
        };
        self.stack.push(Frame {
            kind,
            tag,
            anchor,
            outer_start: ev_start.min(start),
            start,
            flow,
            end: start,
            count: 0,
            height: 0,
        });
        Ok(())
    }

    fn close(&mut self, ev_start: usize, ev_end: usize) -> Result<(), ParseError> {
        self.cursor = self.cursor.max(ev_end);
        let Some(frame) = self.stack.pop() else {
            return Err(self.error_at(ev_start, ev_start, "unbalanced YAML collection end"));
        };
        let end = if frame.flow {
            match self.bytes.get(ev_start) {
                Some(b']' | b'}') => ev_start + 1,
                _ => ev_end.max(frame.end),
            }
        } else {
            frame.end
        }
        .max(frame.start);
        // Each collection's storage is trimmed to its length: pushed one by
        // one, it grew by doubling, and the slack was a quarter of a tree.
        let value = match frame.kind {
            FrameKind::Seq(mut items) => {
                items.shrink_to_fit();
                Value::Seq(items)
            }
            FrameKind::Map(mut map) => {
                map.entries.shrink_to_fit();
                if let Some(key) = map.key {
                    // A key without a value cannot come out of the parser, but
                    // keep it rather than lose it.
                    let mut entries = map.entries;
                    entries.push(Entry {
                        key: key.text,
                        key_span: key.span,
                        value: Node::new(self.span(key.end, key.end), Value::Null),
                    });
                    Value::Map(apply_merges(entries, &map.merges))
                } else {
                    Value::Map(apply_merges(map.entries, &map.merges))
                }
            }
        };
        let mut node = Node::new(self.span(frame.start, end), value);
        let mut count = frame.count.saturating_add(1);
        let height = frame.height.saturating_add(1);
        if let Some(name) = frame.tag.custom() {
            node = Node::new(
                self.span(frame.outer_start, end),
                Value::Tagged(name.into(), Box::new(node)),
            );
            count = count.saturating_add(1);
        }
        if frame.anchor != 0 {
            self.anchors.insert(
                frame.anchor,
                Anchored {
                    node: node.clone(),
                    count,
                    height,
                    raw: None,
                },
            );
        }
        self.place(Built {
            node,
            count,
            height,
            raw: None,
            merge_key: false,
            end,
        })
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) -> Result<(), ParseError> {
        self.cursor = self.cursor.max(end);
        let Some(anchored) = self.anchors.get(&id) else {
            let name = self.text.get(start..end).unwrap_or("*");
            let message = if self.stack.iter().any(|f| f.anchor == id) {
                format!("alias {name} refers to a node that contains it (recursive alias)")
            } else {
                format!("unknown alias {name}")
            };
            return Err(self.error_at(start, end, message));
        };
        let (count, height) = (anchored.count, anchored.height);
        let total = self.alias_nodes.saturating_add(count);
        if total > self.limits.max_alias_nodes {
            return Err(self.error_at(
                start,
                end,
                format!(
                    "alias expansion exceeds {} nodes (possible alias bomb)",
                    self.limits.max_alias_nodes
                ),
            ));
        }
        if self.stack.len().saturating_add(height) > self.limits.max_depth {
            return Err(self.error_at(
                start,
                end,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        let mut node = anchored.node.clone();
        let raw = anchored.raw.clone();
        self.alias_nodes = total;
        node.span = self.span(start, end);
        self.place(Built {
            node,
            count,
            height,
            raw,
            merge_key: false,
            end,
        })
    }

    /// Puts a finished node into its parent, or makes it the document's root.
    fn place(&mut self, built: Built) -> Result<(), ParseError> {
        let original = self.original;
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(built.node);
            return Ok(());
        };
        frame.count = frame.count.saturating_add(built.count);
        frame.height = frame.height.max(built.height);
        frame.end = frame.end.max(built.end);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(built.node),
            FrameKind::Map(map) => match map.key.take() {
                None => {
                    let span = built.node.span;
                    let key = match built.raw {
                        Some(raw) => raw,
                        None => original
                            .get(span.start as usize..span.end as usize)
                            .unwrap_or("")
                            .into(),
                    };
                    map.key = Some(PendingKey {
                        text: key,
                        span,
                        end: built.end,
                        merge: built.merge_key,
                    });
                }
                Some(key) => {
                    if key.merge && is_mergeable(&built.node) {
                        map.merges.push(map.entries.len());
                    }
                    map.entries.push(Entry {
                        key: key.text,
                        key_span: key.span,
                        value: built.node,
                    });
                }
            },
        }
        Ok(())
    }
}

/// Whether a `<<` value can be merged: a map, or a sequence of maps.
fn is_mergeable(node: &Node) -> bool {
    match &node.value {
        Value::Map(_) => true,
        Value::Seq(items) => items.iter().all(|n| matches!(n.value, Value::Map(_))),
        _ => false,
    }
}

/// Replaces each mergeable `<<` entry by the entries of its map(s) whose keys
/// the map does not already have. The map's own keys win over merged ones,
/// and an earlier merged map wins over a later one.
fn apply_merges(entries: Vec<Entry>, merges: &[usize]) -> Vec<Entry> {
    if merges.is_empty() {
        return entries;
    }
    let merge_set: HashSet<usize> = merges.iter().copied().collect();
    let mut seen: HashSet<CompactString> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| !merge_set.contains(i))
        .map(|(_, e)| e.key.clone())
        .collect();
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        if !merge_set.contains(&i) {
            out.push(entry);
            continue;
        }
        let sources = match entry.value.value {
            Value::Map(merged) => vec![merged],
            Value::Seq(items) => items
                .into_iter()
                .filter_map(|n| match n.value {
                    Value::Map(merged) => Some(merged),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for merged in sources {
            for e in merged {
                if seen.insert(e.key.clone()) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// The value of a scalar under the YAML 1.2 core schema and its tag.
fn resolve_scalar(value: &str, style: ScalarStyle, tag: &TagKind) -> Value {
    let string = || Value::String(value.into());
    match tag {
        TagKind::NonSpecific => string(),
        TagKind::Core(core) => match core.as_str() {
            "str" => string(),
            "null" if value.is_empty() || is_null(value) => Value::Null,
            "bool" => parse_bool(value).map_or_else(string, Value::Bool),
            "int" if is_int(value) => Value::Number(value.into()),
            "float" if is_int(value) || is_float(value) => Value::Number(value.into()),
            "map" | "seq" => resolve_untagged(value, style),
            _ => string(),
        },
        TagKind::None | TagKind::Custom(_) => resolve_untagged(value, style),
    }
}

fn resolve_untagged(value: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(value.into());
    }
    if value.is_empty() || is_null(value) {
        Value::Null
    } else if let Some(b) = parse_bool(value) {
        Value::Bool(b)
    } else if is_int(value) || is_float(value) {
        Value::Number(value.into())
    } else {
        Value::String(value.into())
    }
}

fn is_null(s: &str) -> bool {
    matches!(s, "null" | "Null" | "NULL" | "~")
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
fn is_int(s: &str) -> bool {
    if let Some(oct) = s.strip_prefix("0o") {
        return !oct.is_empty() && oct.bytes().all(|b| matches!(b, b'0'..=b'7'));
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`,
/// `[-+]? \.(inf|Inf|INF)`, `\.(nan|NaN|NAN)`.
fn is_float(s: &str) -> bool {
    if matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    // Most plain scalars are words: one byte tells, where the steps below
    // would search the whole text for an exponent and a point.
    if !matches!(unsigned.as_bytes().first(), Some(b'0'..=b'9' | b'.')) {
        return false;
    }
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (
            unsigned.get(..i).unwrap_or(""),
            Some(unsigned.get(i + 1..).unwrap_or("")),
        ),
        None => (unsigned, None),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match frac_part {
        None => !int_part.is_empty() && all_digits(int_part),
        // `.5` and `5.` are floats, `.` is not.
        Some(frac) => {
            all_digits(int_part) && all_digits(frac) && !(int_part.is_empty() && frac.is_empty())
        }
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
            !digits.is_empty() && all_digits(digits)
        }
    };
    mantissa_ok && exponent_ok
}

/// `while parsing a block mapping, did not find expected key` ->
/// `did not find expected key while parsing a block mapping`.
fn clean_message(info: &str) -> String {
    let info = info.trim().trim_end_matches('.').trim();
    let message = match info
        .strip_prefix("while ")
        .and_then(|rest| rest.split_once(", "))
    {
        Some((context, main)) => format!("{main} while {context}"),
        None => info.to_string(),
    };
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "invalid YAML".to_string(),
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// Skips blanks, line breaks and comments.
fn skip_space(bytes: &[u8], mut p: usize) -> usize {
    loop {
        match bytes.get(p) {
            Some(&b) if is_ws(b) => p += 1,
            Some(b'#') => {
                while !matches!(bytes.get(p), None | Some(b'\n' | b'\r')) {
                    p += 1;
                }
            }
            _ => return p,
        }
    }
}

/// End of an anchor or alias name starting at its `&`/`*`.
fn alias_name(bytes: &[u8], mut p: usize) -> usize {
    p += 1;
    while let Some(&b) = bytes.get(p) {
        if is_ws(b) || is_flow_indicator(b) {
            break;
        }
        p += 1;
    }
    p.min(bytes.len())
}

/// Skips a node's properties (tag, anchor) starting at `p`. Returns the end of
/// the last property and the start of the content after them.
fn skip_props(bytes: &[u8], mut p: usize) -> (usize, usize) {
    let mut props_end = p;
    loop {
        match bytes.get(p) {
            Some(b'!') if bytes.get(p + 1) == Some(&b'<') => {
                while !matches!(bytes.get(p), None | Some(b'>')) {
                    p += 1;
                }
                p = (p + 1).min(bytes.len());
            }
            Some(b'!' | b'&') => p = alias_name(bytes, p),
            _ => return (props_end, p),
        }
        props_end = p;
        p = skip_space(bytes, p);
    }
}

/// The end (past the closing quote) of a quoted scalar starting at `p`.
fn quoted_end(bytes: &[u8], p: usize) -> Option<usize> {
    let quote = *bytes.get(p)?;
    let mut i = p + 1;
    match quote {
        b'\'' => loop {
            match bytes.get(i)? {
                b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                b'\'' => return Some(i + 1),
                _ => i += 1,
            }
        },
        b'"' => loop {
            match bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        },
        _ => None,
    }
}

/// The `|`/`>` indicator of a block scalar whose content starts at
/// `content`: the first non-blank, non-comment character after `from` that
/// is not an indicator of the enclosing structure (`:`, `-`, `?`).
fn block_header(bytes: &[u8], from: usize, content: usize) -> usize {
    let mut p = from.min(content);
    loop {
        p = skip_space(bytes, p);
        match bytes.get(p) {
            Some(b'|' | b'>') if p < content => return p,
            Some(b':' | b'-' | b'?') if p < content => p += 1,
            _ => return content,
        }
    }
}

/// `end` moved back over trailing blanks and line breaks, not before `floor`.
fn trim_end_blank(bytes: &[u8], mut end: usize, floor: usize) -> usize {
    while end > floor && bytes.get(end - 1).is_some_and(|&b| is_ws(b)) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{LineCol, LineIndex};
    use std::time::{Duration, Instant};

    proptest::proptest! {
        #[test]
        fn a_float_is_what_the_core_schema_pattern_matches(s in "[-+.eEinfaINFA0-9x]{0,7}") {
            let pattern = fancy_regex::Regex::new(
                r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            )
            .expect("pattern");
            proptest::prop_assert_eq!(is_float(&s), pattern.is_match(&s).expect("match"), "{:?}", s);
        }
    }

    const F: FileId = FileId(7);

    fn docs(text: &str) -> Vec<Node> {
        match parse(F, text, Limits::default()) {
            Ok(docs) => docs,
            Err(e) => panic!("unexpected error {e:?} in {text:?}"),
        }
    }

    fn doc(text: &str) -> Node {
        let mut all = docs(text);
        assert_eq!(all.len(), 1, "{text:?}");
        all.remove(0)
    }

    fn err(text: &str, limits: Limits) -> ParseError {
        match parse(F, text, limits) {
            Ok(docs) => panic!("expected an error for {text:?}, got {docs:?}"),
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

    fn string(s: &str) -> Value {
        Value::String(s.into())
    }

    fn number(s: &str) -> Value {
        Value::Number(s.into())
    }

    fn tagged(node: &Node) -> (&str, &Node) {
        match &node.value {
            Value::Tagged(tag, inner) => (tag, inner),
            other => panic!("not tagged: {other:?}"),
        }
    }

    #[test]
    fn map_seq_and_scalar_spans() {
        let text = "# head\nName: web\nPorts:\n  - 443\n  - \"8443\"   # alt\nMeta: {a: 'b''c', d: [1, 2]}  # c\nLast: x\n";
        let root = doc(text);
        assert_eq!(at(text, root.span), &text[7..text.len() - 1]);
        let entries = root.as_map().unwrap();
        assert_eq!(at(text, entries[0].key_span), "Name");
        assert_eq!(at(text, entries[0].value.span), "web");
        assert_eq!(at(text, entries[0].span()), "Name: web");

        let ports = root.get("Ports").unwrap();
        assert_eq!(at(text, ports.span), "- 443\n  - \"8443\"");
        let items = ports.as_seq().unwrap();
        assert_eq!(items[0].value, number("443"));
        assert_eq!(at(text, items[1].span), "\"8443\"");
        assert_eq!(items[1].value, string("8443"));

        let meta = root.get("Meta").unwrap();
        assert_eq!(at(text, meta.span), "{a: 'b''c', d: [1, 2]}");
        assert_eq!(at(text, meta.get("a").unwrap().span), "'b''c'");
        assert_eq!(meta.get("a").unwrap().value, string("b'c"));
        assert_eq!(at(text, meta.get("d").unwrap().span), "[1, 2]");
        assert_eq!(at(text, root.entry("Last").unwrap().span()), "Last: x");
    }

    #[test]
    fn spans_are_bytes_with_multibyte_text_and_crlf() {
        let text = "ü: é\r\nnäme: \"ß✓\"\r\nlist: [x, ✓, 'ö']\r\nk: v\r\n";
        let root = doc(text);
        let e = root.as_map().unwrap();
        assert_eq!(at(text, e[0].key_span), "ü");
        assert_eq!(at(text, e[0].value.span), "é");
        assert_eq!(at(text, e[1].key_span), "näme");
        assert_eq!(at(text, e[1].value.span), "\"ß✓\"");
        let list = root.get("list").unwrap();
        assert_eq!(at(text, list.span), "[x, ✓, 'ö']");
        assert_eq!(at(text, list.as_seq().unwrap()[2].span), "'ö'");
        let k = root.entry("k").unwrap();
        assert_eq!(pos(text, k.key_span.start), (4, 1));
        assert_eq!(pos(text, k.value.span.start), (4, 4));
        assert_eq!(pos(text, list.as_seq().unwrap()[1].span.start), (3, 11));
    }

    #[test]
    fn byte_order_mark_is_tolerated() {
        let text = "\u{feff}a: b\n";
        let root = doc(text);
        let e = &root.as_map().unwrap()[0];
        assert_eq!(e.key_span.start, 3);
        assert_eq!(at(text, e.key_span), "a");
        assert_eq!(at(text, e.value.span), "b");

        let text = "\u{feff}--- 1\n\u{feff}--- é\n";
        let all = docs(text);
        assert_eq!(all.len(), 2);
        assert_eq!(at(text, all[1].span), "é");
    }

    #[test]
    fn core_schema_scalars() {
        let text = "\
n1: null\nn2: Null\nn3: NULL\nn4: ~\nn5:\n\
b1: true\nb2: False\nb3: TRUE\nb4: yes\n\
i1: 42\ni2: -17\ni3: +3\ni4: 0x1F\ni5: 0o17\n\
f1: 1.5\nf2: -.5\nf3: 1e3\nf4: .inf\nf5: -.Inf\nf6: .nan\nf7: 5.\n\
s1: '42'\ns2: \"true\"\ns3: 1.2.3\ns4: 0x\ns5: .\ns6: 10.0.0.0/8\n\
t1: !!str 443\nt2: !!int '443'\nt3: !!bool 'true'\nt4: ! 12\nt5: !!null ''\nt6: !!float \"1\"\n\
lit: |\n  a\n  b\nfold: >-\n  a\n  b\n";
        let root = doc(text);
        let v = |k: &str| root.get(k).unwrap().value.clone();
        for k in ["n1", "n2", "n3", "n4", "n5", "t5"] {
            assert_eq!(v(k), Value::Null, "{k}");
        }
        assert_eq!(v("b1"), Value::Bool(true));
        assert_eq!(v("b2"), Value::Bool(false));
        assert_eq!(v("b3"), Value::Bool(true));
        assert_eq!(v("b4"), string("yes"));
        for (k, n) in [
            ("i1", "42"),
            ("i2", "-17"),
            ("i3", "+3"),
            ("i4", "0x1F"),
            ("i5", "0o17"),
            ("f1", "1.5"),
            ("f2", "-.5"),
            ("f3", "1e3"),
            ("f4", ".inf"),
            ("f5", "-.Inf"),
            ("f6", ".nan"),
            ("f7", "5."),
            ("t2", "443"),
            ("t6", "1"),
        ] {
            assert_eq!(v(k), number(n), "{k}");
        }
        for (k, s) in [
            ("s1", "42"),
            ("s2", "true"),
            ("s3", "1.2.3"),
            ("s4", "0x"),
            ("s5", "."),
            ("s6", "10.0.0.0/8"),
            ("t1", "443"),
            ("t4", "12"),
            ("lit", "a\nb\n"),
            ("fold", "a b"),
        ] {
            assert_eq!(v(k), string(s), "{k}");
        }
        assert_eq!(v("t3"), Value::Bool(true));
        assert_eq!(at(text, root.get("t1").unwrap().span), "443");
    }

    #[test]
    fn block_scalar_spans() {
        let text = "e: |-\n  lit\n  eral\n\n# c\nf: !Sub >\n  x ${A}\n\ng:\n- |\n  item\n";
        let root = doc(text);
        assert_eq!(at(text, root.get("e").unwrap().span), "|-\n  lit\n  eral");
        let f = root.get("f").unwrap();
        assert_eq!(at(text, f.span), "!Sub >\n  x ${A}");
        let (tag, inner) = tagged(f);
        assert_eq!(tag, "Sub");
        assert_eq!(at(text, inner.span), ">\n  x ${A}");
        assert_eq!(inner.value, string("x ${A}\n"));
        let g = root.get("g").unwrap();
        assert_eq!(at(text, g.as_seq().unwrap()[0].span), "|\n  item");
    }

    #[test]
    fn cloudformation_tags() {
        let text = "\
A: !Ref VpcId\n\
B: !GetAtt Cluster.ClusterSecurityGroupId\n\
C: !Sub [ '${X}-sg', { X: !Ref Name } ]\n\
D: !If\n  - IsProd\n  - 443\n  - !Ref AWS::NoValue\n\
E: !Join ['', [a, !Select [0, !GetAZs '']]]\n\
F: !Base64\n  Fn::Sub: x\n\
G: !ImportValue  shared-sg\n\
H: !Equals [!Condition C, 'x']\n\
I: !Cidr [!Ref Cidr, 6, 5]\n\
J: !MyCustom {k: v}\n\
K: !<tag:example.com,2000:thing> 1\n";
        let root = doc(text);
        let a = root.get("A").unwrap();
        assert_eq!(at(text, a.span), "!Ref VpcId");
        let (tag, inner) = tagged(a);
        assert_eq!((tag, &inner.value), ("Ref", &string("VpcId")));
        assert_eq!(at(text, inner.span), "VpcId");

        let (tag, inner) = tagged(root.get("B").unwrap());
        assert_eq!(tag, "GetAtt");
        assert_eq!(inner.value, string("Cluster.ClusterSecurityGroupId"));

        let c = root.get("C").unwrap();
        assert_eq!(at(text, c.span), "!Sub [ '${X}-sg', { X: !Ref Name } ]");
        let (tag, inner) = tagged(c);
        assert_eq!(tag, "Sub");
        assert_eq!(at(text, inner.span), "[ '${X}-sg', { X: !Ref Name } ]");
        let vars = &inner.as_seq().unwrap()[1];
        assert_eq!(at(text, vars.span), "{ X: !Ref Name }");
        assert_eq!(at(text, vars.get("X").unwrap().span), "!Ref Name");

        let d = root.get("D").unwrap();
        assert_eq!(
            at(text, d.span),
            "!If\n  - IsProd\n  - 443\n  - !Ref AWS::NoValue"
        );
        let (tag, inner) = tagged(d);
        assert_eq!(tag, "If");
        assert_eq!(
            at(text, inner.span),
            "- IsProd\n  - 443\n  - !Ref AWS::NoValue"
        );
        assert_eq!(inner.as_seq().unwrap()[1].value, number("443"));

        let (tag, inner) = tagged(root.get("E").unwrap());
        assert_eq!(tag, "Join");
        let (sel, sel_inner) = tagged(&inner.as_seq().unwrap()[1].as_seq().unwrap()[1]);
        assert_eq!(sel, "Select");
        let (azs, azs_inner) = tagged(&sel_inner.as_seq().unwrap()[1]);
        assert_eq!((azs, &azs_inner.value), ("GetAZs", &string("")));

        let (tag, inner) = tagged(root.get("F").unwrap());
        assert_eq!(tag, "Base64");
        assert_eq!(at(text, inner.span), "Fn::Sub: x");

        let g = root.get("G").unwrap();
        assert_eq!(at(text, g.span), "!ImportValue  shared-sg");
        assert_eq!(tagged(g).0, "ImportValue");

        let (tag, inner) = tagged(root.get("H").unwrap());
        assert_eq!(tag, "Equals");
        assert_eq!(tagged(&inner.as_seq().unwrap()[0]).0, "Condition");
        assert_eq!(tagged(root.get("I").unwrap()).0, "Cidr");
        let (tag, inner) = tagged(root.get("J").unwrap());
        assert_eq!(
            (tag, inner.get("k").unwrap().as_str()),
            ("MyCustom", Some("v"))
        );
        assert_eq!(
            tagged(root.get("K").unwrap()).0,
            "tag:example.com,2000:thing"
        );
    }

    #[test]
    fn empty_values() {
        let text = "a:\nb: !Ref\nc: &x\nd: [x, ]\ne:\n- \n-\n";
        let root = doc(text);
        let a = root.get("a").unwrap();
        assert!(a.is_null());
        assert_eq!((a.span.start, a.span.end), (2, 2));
        let b = root.get("b").unwrap();
        assert_eq!(at(text, b.span), "!Ref");
        let (tag, inner) = tagged(b);
        assert_eq!((tag, inner.is_null()), ("Ref", true));
        assert!(inner.span.is_empty());
        assert!(root.get("c").unwrap().is_null());
        assert_eq!(root.get("d").unwrap().as_seq().unwrap().len(), 1);
        let e = root.get("e").unwrap().as_seq().unwrap();
        assert_eq!(e.len(), 2);
        assert!(e.iter().all(Node::is_null));
        assert_eq!(at(text, root.entry("a").unwrap().span()), "a:");
    }

    #[test]
    fn indentless_and_nested_sequences() {
        let text = "k:\n- a\n- -1\nm:\n- - x\n  - y\n- [z]\nn:\n  - p\n";
        let root = doc(text);
        let k = root.get("k").unwrap();
        assert_eq!(at(text, k.span), "- a\n- -1");
        assert_eq!(k.as_seq().unwrap()[1].value, number("-1"));
        let m = root.get("m").unwrap();
        assert_eq!(at(text, m.span), "- - x\n  - y\n- [z]");
        assert_eq!(at(text, m.as_seq().unwrap()[0].span), "- x\n  - y");
        assert_eq!(at(text, root.get("n").unwrap().span), "- p");
    }

    #[test]
    fn multi_document_streams() {
        let text = "a: 1\n---\n---\n# c\nb: 2\n...\n--- !Ref X\n";
        let all = docs(text);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].get("a").unwrap().value, number("1"));
        assert!(all[1].is_null());
        assert_eq!(all[1].span, Span::new(F, 8, 8));
        assert_eq!(all[2].get("b").unwrap().value, number("2"));
        assert_eq!(at(text, all[3].span), "!Ref X");
        assert!(docs("").is_empty());
        assert!(docs("# only a comment\n").is_empty());
        let one = docs("---\n");
        assert_eq!(one.len(), 1);
        assert!(one[0].is_null());
    }

    #[test]
    fn duplicate_and_complex_keys() {
        let text = "a: 1\nb: 2\na: 3\n? [x, y]\n: seq\n? {k: v}\n: map\n\"q k\": 4\n5: five\n";
        let root = doc(text);
        let keys: Vec<&str> = root
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["a", "b", "a", "[x, y]", "{k: v}", "q k", "5"]);
        assert_eq!(root.get_all("a").count(), 2);
        assert_eq!(root.get("a").unwrap().value, number("1"));
        let e = &root.as_map().unwrap()[3];
        assert_eq!(at(text, e.key_span), "[x, y]");
        assert_eq!(at(text, root.as_map().unwrap()[5].key_span), "\"q k\"");
    }

    #[test]
    fn aliases_clone_the_anchored_node() {
        let text = "base: &sg\n  GroupId: !Ref Sg\n  Port: 443\nuse: *sg\nlist: [*sg, &s x, *s]\n*s : aliased key\n";
        let root = doc(text);
        let base = root.get("base").unwrap();
        let used = root.get("use").unwrap();
        assert_eq!(at(text, used.span), "*sg");
        assert_eq!(used.as_map(), base.as_map());
        // Inner spans point at the definition.
        assert_eq!(at(text, used.get("GroupId").unwrap().span), "!Ref Sg");
        let list = root.get("list").unwrap().as_seq().unwrap();
        assert_eq!(at(text, list[0].span), "*sg");
        assert_eq!(at(text, list[1].span), "x");
        assert_eq!(at(text, list[2].span), "*s");
        assert_eq!(list[2].value, string("x"));
        let last = root.as_map().unwrap().last().unwrap();
        assert_eq!((last.key.as_str(), at(text, last.key_span)), ("x", "*s"));
    }

    #[test]
    fn merge_keys() {
        let text = "\
a: &a {x: 1, y: 2}\n\
b: &b {y: 3, z: 4}\n\
one:\n  <<: *a\n  y: own\n\
two:\n  w: 0\n  <<: [*a, *b]\n\
three: {<<: {k: v}, k: mine}\n\
odd: {<<: scalar}\n";
        let root = doc(text);
        let keys = |k: &str| -> Vec<(CompactString, Value)> {
            root.get(k)
                .unwrap()
                .as_map()
                .unwrap()
                .iter()
                .map(|e| (e.key.clone(), e.value.value.clone()))
                .collect()
        };
        assert_eq!(
            keys("one"),
            [("x".into(), number("1")), ("y".into(), string("own"))]
        );
        assert_eq!(
            keys("two"),
            [
                ("w".into(), number("0")),
                ("x".into(), number("1")),
                ("y".into(), number("2")),
                ("z".into(), number("4")),
            ]
        );
        assert_eq!(keys("three"), [("k".into(), string("mine"))]);
        assert_eq!(keys("odd"), [("<<".into(), string("scalar"))]);
        // Merged entries keep the spans of their definition.
        let x = root.get("one").unwrap().entry("x").unwrap();
        assert_eq!(pos(text, x.key_span.start), (1, 8));
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let text = "\
a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n\
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n\
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n\
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
        let t = Instant::now();
        let e = err(text, Limits::default());
        assert!(t.elapsed() < Duration::from_secs(1));
        assert_eq!(
            e.message,
            "alias expansion exceeds 100000 nodes (possible alias bomb)"
        );
        assert!(at(text, e.span).starts_with('*'));

        // A small budget trips on the first big alias.
        let limits = Limits {
            max_alias_nodes: 20,
            ..Limits::default()
        };
        let e = err(text, limits);
        // `*a` is 10 nodes: the third one goes over 20.
        assert_eq!(pos(text, e.span.start), (2, 14));
        // The budget is per document.
        let ok = "a: &a [1, 2, 3]\nb: *a\n---\na: &a [1, 2, 3]\nb: *a\n";
        let limits = Limits {
            max_alias_nodes: 4,
            ..Limits::default()
        };
        assert_eq!(parse(F, ok, limits).map(|d| d.len()), Ok(2));
    }

    #[test]
    fn unknown_and_recursive_aliases() {
        let e = err("a: *nope\n", Limits::default());
        assert_eq!(e.message, "unknown alias *nope");
        assert_eq!(e.span.start, 3);
        let e = err("a: &a [1, *a]\n", Limits::default());
        assert!(e.message.contains("recursive alias"), "{}", e.message);
        assert_eq!(e.span, Span::new(F, 10, 12));
        // Anchors do not cross documents.
        let e = err("a: &a 1\n---\nb: *a\n", Limits::default());
        assert_eq!(e.message, "unknown alias *a");
    }

    #[test]
    fn depth_limit_exact() {
        let limits = Limits {
            max_depth: 10,
            ..Limits::default()
        };
        let ok = format!("{}x\n", "- ".repeat(10));
        assert!(parse(F, &ok, limits).is_ok());
        let deep = format!("{}x\n", "- ".repeat(11));
        let e = err(&deep, limits);
        assert_eq!(e.message, "nesting deeper than 10 levels");
        assert_eq!(e.span.start, 20);
        let flow = format!("k: {}{}\n", "[".repeat(11), "]".repeat(11));
        let e = err(&flow, limits);
        assert_eq!(e.message, "nesting deeper than 10 levels");
        // The map is the first level, the tenth `[` the eleventh.
        assert_eq!(e.span.start, 12);
        let mut indented = String::new();
        for i in 0..11 {
            indented.push_str(&" ".repeat(i));
            indented.push_str("k:\n");
        }
        indented.push_str(&" ".repeat(11));
        indented.push_str("v\n");
        let e = err(&indented, limits);
        assert_eq!(e.message, "nesting deeper than 10 levels");
        assert_eq!(pos(&indented, e.span.start), (11, 11));
    }

    #[test]
    fn aliases_cannot_exceed_the_depth_limit() {
        let limits = Limits {
            max_depth: 4,
            ..Limits::default()
        };
        let text = "a: &a [[[x]]]\nb: [*a]\n";
        let e = err(text, limits);
        assert_eq!(e.message, "nesting deeper than 4 levels");
        assert_eq!(at(text, e.span), "*a");
        assert!(parse(F, "a: &a [[x]]\nb: [*a]\n", limits).is_ok());
    }

    #[test]
    fn deep_nesting_never_overflows() {
        let n = 100_000;
        let t = Instant::now();
        for text in [
            "[".repeat(n),
            format!("{}{}", "[".repeat(n), "]".repeat(n)),
            "{a: ".repeat(n),
            "- ".repeat(n),
            "? ".repeat(n),
            format!("k: {}", "!T [".repeat(n)),
        ] {
            let e = err(&text, Limits::default());
            assert!(
                e.message.starts_with("nesting deeper than "),
                "{}",
                e.message
            );
        }
        // Deeply indented block maps (each level a line).
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(&" ".repeat(i));
            text.push_str("k:\n");
        }
        let e = err(&text, Limits::default());
        assert_eq!(e.message, "nesting deeper than 256 levels");
        assert_eq!(pos(&text, e.span.start).0, 257);
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn scan_errors_have_positions_and_messages() {
        let text = "a: 1\n- b\n";
        let e = err(text, Limits::default());
        assert_eq!(
            e.message,
            "did not find expected key while parsing a block mapping"
        );
        assert!(e.span.is_empty());
        assert_eq!(pos(text, e.span.start).0, 2);

        let text = "é: b\n  c: d\n";
        let e = err(text, Limits::default());
        assert_eq!(e.message, "mapping values are not allowed in this context");
        assert_eq!(pos(text, e.span.start), (2, 4));
        assert_eq!(e.span.start, 9);

        let text = "k: [a, b\n";
        let e = err(text, Limits::default());
        assert_eq!(
            e.message,
            "expected ',' or ']' while parsing a flow sequence"
        );
        assert!(!e.message.ends_with('.'));

        let text = "ok: 1\r\nbad: \"unterminated\r\n";
        let e = err(text, Limits::default());
        assert!(
            e.message.starts_with(|c: char| c.is_lowercase()),
            "{}",
            e.message
        );
        assert!(pos(text, e.span.start).0 >= 2);
    }

    #[test]
    fn lenient_indentation_reparses_a_large_file_a_few_times_only() {
        // Twenty closing brackets left of their key: twenty re-parses.
        let items: String = (0..20)
            .map(|i| format!("  - E: a\n    K{i}: [\n      1\n  ]\n"))
            .collect();
        let blocks = format!("R:\n{items}");
        let root = doc(&blocks);
        assert_eq!(
            root.get("R").and_then(Node::as_seq).map(<[_]>::len),
            Some(20)
        );
        // Past a MiB the parses may read eight times the file in all: the
        // file is reported rather than parsed twenty-one times.
        let padded = format!("# {}\n{blocks}", "x".repeat(1 << 20));
        let err = parse(F, &padded, Limits::default()).unwrap_err();
        assert_eq!(err.message, "invalid indentation", "{err:?}");
        assert_eq!(&padded[err.span.start as usize..][..1], "]");
    }

    #[test]
    fn lenient_indentation_in_flow_collections_and_quoted_scalars() {
        // Spec-invalid, accepted by libyaml/PyYAML/CloudFormation, found in
        // AWS's own templates: closing brackets at the key's column, quoted
        // scalars continued at column 0.
        let text = "\
S:
  - Effect: Allow
    Action: [
      \"ec2:A\",   \n      \"ec2:B\"
    ]
    R: \"*\"
K: {
  \"S\": [
    {
      \"A\": !Sub \"k\"
    }
  ]
}
D: \"--a '--b'
\"
E: 'x
y'
Z: é
N:
? [p, q]
: v
";
        let root = doc(text);
        let stmt = &root.get("S").unwrap().as_seq().unwrap()[0];
        let action = stmt.get("Action").unwrap();
        assert_eq!(
            action
                .as_seq()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect::<Vec<_>>(),
            ["ec2:A", "ec2:B"]
        );
        assert!(at(text, action.span).starts_with('['));
        assert!(at(text, action.span).ends_with("\n    ]"));
        assert_eq!(at(text, stmt.get("R").unwrap().span), "\"*\"");
        assert!(at(text, stmt.span).ends_with("    R: \"*\""));
        assert_eq!(at(text, root.entry("N").unwrap().span()), "N:");
        assert!(at(text, root.span).starts_with("S:\n"));
        assert!(at(text, root.span).ends_with("]\n: v"));
        let k = root.get("K").unwrap();
        assert!(at(text, k.span).starts_with("{\n  \"S\""));
        assert!(at(text, k.span).ends_with("  ]\n}"));
        let a = &k.get("S").unwrap().as_seq().unwrap()[0];
        assert_eq!(at(text, a.get("A").unwrap().span), "!Sub \"k\"");
        let d = root.get("D").unwrap();
        assert_eq!(d.as_str(), Some("--a '--b' "));
        assert_eq!(at(text, d.span), "\"--a '--b'\n\"");
        assert_eq!(root.get("E").unwrap().as_str(), Some("x y"));
        let z = root.entry("Z").unwrap();
        assert_eq!(at(text, z.span()), "Z: é");
        let last = root.as_map().unwrap().last().unwrap();
        assert_eq!(
            (last.key.as_str(), at(text, last.key_span)),
            ("[p, q]", "[p, q]")
        );

        // Block indentation errors stay errors.
        let e = err("a:\n  b: 1\n c: 2\n", Limits::default());
        assert_eq!(
            e.message,
            "did not find expected key while parsing a block mapping"
        );
        assert_eq!(e.span.start, 11);
    }

    #[test]
    fn remap_maps_patched_offsets_back() {
        let mut remap = Remap::default();
        let src = "ab\ncd\nef\n";
        let once = remap.insert(src, &mut [(3, 2), (6, 1)]).unwrap();
        assert_eq!(once, "ab\n  cd\n ef\n");
        assert_eq!(remap.orig(0), 0);
        assert_eq!(remap.orig(3), 3);
        assert_eq!(remap.orig(4), 3);
        assert_eq!(remap.orig(5), 3); // `c`
        assert_eq!(remap.orig(8), 6); // the inserted space before `e`
        assert_eq!(remap.orig(9), 6); // `e`
        assert_eq!(remap.orig(10), 7);
        assert_eq!(remap.orig(12), 9);
        // Indenting the same line again extends its run.
        let twice = remap.insert(&once, &mut [(3, 1)]).unwrap();
        assert_eq!(twice, "ab\n   cd\n ef\n");
        assert_eq!(remap.orig(6), 3);
        assert_eq!(remap.orig(9), 6);
        assert_eq!(remap.orig(10), 6);
        assert_eq!(remap.orig(11), 7);
        assert_eq!(remap.runs.len(), 2);
    }

    #[test]
    fn clean_message_reorders_context() {
        assert_eq!(
            clean_message("while parsing a block mapping, did not find expected key"),
            "did not find expected key while parsing a block mapping"
        );
        assert_eq!(clean_message("Invalid indentation."), "invalid indentation");
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        for text in [
            "\u{feff}",
            "\u{feff}\u{feff}",
            "a: \u{feff}b",
            "!",
            "&",
            "*",
            "? ",
            ": ",
            "[",
            "{",
            "]",
            "- !<",
            "a: !<x",
            "a: |\n",
            "a: >9\n x",
            "'",
            "\"\\",
            "%YAML 1.2\n%YAML 1.2\n---",
            "--- |\n\t\tx",
            "a:\t- b",
            "{a: [}, ]",
            "\0",
            "é: *é",
            "- &a\n- *a\n- *a",
        ] {
            let _ = parse(F, text, Limits::default());
        }
    }
}
