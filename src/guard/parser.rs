//! The Guard rules parser, written with `winnow` over a located input so
//! that every node gets its byte span. Errors carry the furthest position
//! reached and the things that could have come there, in words ("expected a
//! comparison operator"), never a parser's internal name.

use std::cell::Cell;
use std::sync::Arc;

use winnow::error::{ErrMode, ParserError};
use winnow::stream::{LocatingSlice, Location, Stateful, Stream};

use super::ast::*;
use super::value::{Kind, Range, Regex, Val};

/// Maximum nesting of blocks, filters, lists and maps in a rules file.
pub const MAX_NESTING: u32 = 64;

type In<'a> = Stateful<LocatingSlice<&'a str>, &'a Cell<u32>>;
type PResult<T> = Result<T, ErrMode<PErr>>;

/// Where parsing stopped and what would have been accepted there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PErr {
    pub pos: usize,
    pub expected: Vec<&'static str>,
    /// A specific complaint that replaces the "expected" list.
    pub message: Option<String>,
}

impl ParserError<In<'_>> for PErr {
    type Inner = Self;

    fn from_input(input: &In<'_>) -> Self {
        PErr {
            pos: input.current_token_start(),
            expected: Vec::new(),
            message: None,
        }
    }

    fn or(self, other: Self) -> Self {
        match self.pos.cmp(&other.pos) {
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Less => other,
            std::cmp::Ordering::Equal => {
                if self.message.is_some() {
                    return self;
                }
                if other.message.is_some() {
                    return other;
                }
                let mut expected = self.expected;
                for e in other.expected {
                    if !expected.contains(&e) {
                        expected.push(e);
                    }
                }
                PErr {
                    pos: self.pos,
                    expected,
                    message: None,
                }
            }
        }
    }

    fn into_inner(self) -> Result<Self::Inner, Self> {
        Ok(self)
    }
}

/// A parse error in words, with the byte offset it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    /// The length of the offending text (0 at end of input).
    pub len: usize,
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Parses a rules file.
pub fn parse(text: &str) -> Result<RulesFile, SyntaxError> {
    let depth = Cell::new(0);
    let mut input = In {
        input: LocatingSlice::new(text),
        state: &depth,
    };
    match rules_file(&mut input) {
        Ok(file) => Ok(file),
        Err(ErrMode::Backtrack(e)) | Err(ErrMode::Cut(e)) => Err(describe(text, e)),
        Err(ErrMode::Incomplete(_)) => Err(SyntaxError {
            offset: text.len(),
            len: 0,
            message: "unexpected end of file".into(),
        }),
    }
}

fn describe(text: &str, e: PErr) -> SyntaxError {
    let offset = e.pos.min(text.len());
    let rest = text.get(offset..).unwrap_or("");
    let found_len = token_len(rest);
    let found = if rest.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{}`", rest.get(..found_len).unwrap_or(rest))
    };
    let message = match e.message {
        Some(m) => m,
        None => {
            let mut expected = e.expected;
            expected.dedup();
            let list = match expected.len() {
                0 => "something else".to_string(),
                1 => expected[0].to_string(),
                n => format!("{} or {}", expected[..n - 1].join(", "), expected[n - 1]),
            };
            format!("expected {list}, found {found}")
        }
    };
    SyntaxError {
        offset,
        len: found_len,
        message,
    }
}

/// The length of the token at the start of `rest`, for "found `...`".
fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    if is_ident_char(first) {
        rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len())
    } else if first == '\n' || first == '\r' {
        0
    } else {
        first.len_utf8()
    }
}

// ----- low-level helpers -------------------------------------------------

fn rest<'a>(i: &In<'a>) -> &'a str {
    i.input.as_ref()
}

fn pos(i: &In<'_>) -> usize {
    i.current_token_start()
}

fn err(i: &In<'_>, expected: &'static str) -> ErrMode<PErr> {
    ErrMode::Backtrack(PErr {
        pos: pos(i),
        expected: vec![expected],
        message: None,
    })
}

fn cut_msg(at: usize, message: String) -> ErrMode<PErr> {
    ErrMode::Cut(PErr {
        pos: at,
        expected: Vec::new(),
        message: Some(message),
    })
}

fn to_cut(e: ErrMode<PErr>) -> ErrMode<PErr> {
    match e {
        ErrMode::Backtrack(e) => ErrMode::Cut(e),
        other => other,
    }
}

fn merge(a: ErrMode<PErr>, b: ErrMode<PErr>) -> ErrMode<PErr> {
    match (a, b) {
        (ErrMode::Backtrack(a), ErrMode::Backtrack(b)) => ErrMode::Backtrack(a.or(b)),
        (ErrMode::Cut(a), _) => ErrMode::Cut(a),
        (_, ErrMode::Cut(b)) => ErrMode::Cut(b),
        (a, _) => a,
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn advance(i: &mut In<'_>, n: usize) {
    let _ = i.next_slice(n);
}

/// Skips whitespace and `#` comments.
fn ws(i: &mut In<'_>) {
    loop {
        let r = rest(i);
        let trimmed = r.trim_start();
        let mut n = r.len() - trimmed.len();
        if trimmed.starts_with('#') {
            n += trimmed.find('\n').unwrap_or(trimmed.len());
            advance(i, n);
            continue;
        }
        advance(i, n);
        return;
    }
}

/// Skips spaces and tabs only (not newlines).
fn spaces(i: &mut In<'_>) {
    let r = rest(i);
    let n = r.len() - r.trim_start_matches([' ', '\t']).len();
    advance(i, n);
}

fn peek(i: &In<'_>, s: &str) -> bool {
    rest(i).starts_with(s)
}

fn tag(i: &mut In<'_>, s: &'static str) -> bool {
    if peek(i, s) {
        advance(i, s.len());
        true
    } else {
        false
    }
}

fn expect_tag(i: &mut In<'_>, s: &'static str, what: &'static str) -> PResult<()> {
    if tag(i, s) {
        Ok(())
    } else {
        Err(err(i, what))
    }
}

/// A keyword: the word followed by a character that cannot continue an
/// identifier (`trueFlag` is not `true`).
fn keyword_len(r: &str, word: &str) -> Option<usize> {
    let head = r.get(..word.len())?;
    if !head.eq_ignore_ascii_case(word) {
        return None;
    }
    match r[word.len()..].chars().next() {
        Some(c) if is_ident_char(c) => None,
        _ => Some(word.len()),
    }
}

/// A keyword in one of its accepted spellings: lower case, upper case.
fn kw(i: &mut In<'_>, word: &str) -> bool {
    let r = rest(i);
    match keyword_len(r, word) {
        Some(n) if r[..n] == *word || r[..n] == word.to_ascii_uppercase() => {
            advance(i, n);
            true
        }
        _ => false,
    }
}

/// A keyword in any letter case (`True`, `NULL`).
fn kw_any_case(i: &mut In<'_>, word: &str) -> bool {
    match keyword_len(rest(i), word) {
        Some(n) => {
            advance(i, n);
            true
        }
        None => false,
    }
}

fn ident<'a>(i: &mut In<'a>) -> Option<&'a str> {
    let r = rest(i);
    let first = r.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let n = r.find(|c: char| !is_ident_char(c)).unwrap_or(r.len());
    advance(i, n);
    Some(&r[..n])
}

fn span_from(i: &In<'_>, start: usize) -> RSpan {
    RSpan::new(start, i.previous_token_end().max(start))
}

/// Runs `f` one nesting level deeper, failing past [`MAX_NESTING`].
fn nested<'a, T>(i: &mut In<'a>, f: impl FnOnce(&mut In<'a>) -> PResult<T>) -> PResult<T> {
    let depth = i.state.get() + 1;
    if depth > MAX_NESTING {
        return Err(cut_msg(
            pos(i),
            format!("nesting deeper than {MAX_NESTING} levels"),
        ));
    }
    i.state.set(depth);
    let out = f(i);
    i.state.set(depth - 1);
    out
}

// ----- file and rules ----------------------------------------------------

fn rules_file(i: &mut In<'_>) -> PResult<RulesFile> {
    let mut file = RulesFile::default();
    let mut default_clauses: Conjunction = Vec::new();
    let mut default_lets = Vec::new();
    let start = pos(i);
    loop {
        ws(i);
        if rest(i).is_empty() {
            break;
        }
        let cp = i.checkpoint();
        if kw(i, "let") {
            i.reset(&cp);
            file.lets.push(let_stmt(i)?);
            continue;
        }
        if kw(i, "rule") {
            let rule_start = pos(i) - 4;
            ws(i);
            let name = ident(i).ok_or_else(|| to_cut(err(i, "a rule name")))?;
            ws(i);
            if peek(i, "(") {
                file.parameterized
                    .push(parameterized_rule(i, name.to_string(), rule_start)?);
            } else {
                file.rules.push(rule(i, name.to_string(), rule_start)?);
            }
            continue;
        }
        let before = pos(i);
        match disjunction(i, Ctx::Rule) {
            Ok(group) => default_clauses.push(group),
            Err(e) => {
                let here = err(i, "`let`, `rule`, a type block or a clause");
                return Err(if pos(i) == before { merge(e, here) } else { e });
            }
        }
    }
    if !default_clauses.is_empty() {
        default_lets.clear();
        file.rules.push(Rule {
            name: "default".into(),
            conditions: None,
            block: Block {
                lets: default_lets,
                clauses: default_clauses,
            },
            span: span_from(i, start),
        });
    }
    Ok(file)
}

fn let_stmt(i: &mut In<'_>) -> PResult<Let> {
    let start = pos(i);
    kw(i, "let");
    ws(i);
    let name = ident(i).ok_or_else(|| to_cut(err(i, "a variable name")))?;
    ws(i);
    if !(tag(i, ":=") || tag(i, "=")) {
        return Err(to_cut(err(i, "`=` or `:=`")));
    }
    ws(i);
    let value = let_value(i).map_err(|e| match e {
        ErrMode::Backtrack(_) => to_cut(err(i, "a value, a query or a function call")),
        other => other,
    })?;
    Ok(Let {
        name: name.to_string(),
        value,
        span: span_from(i, start),
    })
}

fn rule(i: &mut In<'_>, name: String, start: usize) -> PResult<Rule> {
    let conditions = if kw(i, "when") {
        Some(conditions(i)?)
    } else {
        None
    };
    ws(i);
    let block = block(i, Ctx::Rule).map_err(to_cut)?;
    Ok(Rule {
        name,
        conditions,
        block,
        span: span_from(i, start),
    })
}

fn parameterized_rule(i: &mut In<'_>, name: String, start: usize) -> PResult<ParameterizedRule> {
    tag(i, "(");
    let mut params = Vec::new();
    loop {
        ws(i);
        let p = ident(i).ok_or_else(|| to_cut(err(i, "a parameter name")))?;
        params.push(p.to_string());
        ws(i);
        if tag(i, ",") {
            continue;
        }
        expect_tag(i, ")", "`,` or `)`").map_err(to_cut)?;
        break;
    }
    ws(i);
    let block = block(i, Ctx::Rule).map_err(to_cut)?;
    Ok(ParameterizedRule {
        name,
        params,
        block,
        span: span_from(i, start),
    })
}

/// Where a clause sits: what may follow and what it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A rule body (type blocks and named rules allowed).
    Rule,
    /// A block inside a clause.
    Block,
    /// `when` conditions, up to `{`.
    Condition,
    /// A filter, up to `]`.
    Filter,
}

/// `when` conditions: clauses up to the `{` of the block they guard.
fn conditions(i: &mut In<'_>) -> PResult<Conjunction> {
    let mut out = Vec::new();
    loop {
        ws(i);
        if peek(i, "{") {
            break;
        }
        let before = pos(i);
        match disjunction(i, Ctx::Condition) {
            Ok(d) => out.push(d),
            Err(e) => {
                return Err(to_cut(if pos(i) == before {
                    merge(e, err(i, "`{`"))
                } else {
                    e
                }))
            }
        }
    }
    if out.is_empty() {
        return Err(to_cut(err(i, "a condition after `when`")));
    }
    Ok(out)
}

/// `{ let ... clauses ... }`.
fn block(i: &mut In<'_>, ctx: Ctx) -> PResult<Block> {
    expect_tag(i, "{", "`{`")?;
    nested(i, |i| {
        let mut lets = Vec::new();
        let mut clauses = Vec::new();
        loop {
            ws(i);
            if tag(i, "}") {
                break;
            }
            if rest(i).is_empty() {
                return Err(to_cut(err(i, "`}` closing the block")));
            }
            let cp = i.checkpoint();
            if kw(i, "let") {
                i.reset(&cp);
                lets.push(let_stmt(i)?);
                continue;
            }
            let before = pos(i);
            match disjunction(i, ctx) {
                Ok(d) => clauses.push(d),
                Err(e) => {
                    return Err(to_cut(if pos(i) == before {
                        merge(e, err(i, "`}`"))
                    } else {
                        e
                    }))
                }
            }
        }
        Ok(Block { lets, clauses })
    })
}

/// `clause (or clause)*`.
fn disjunction(i: &mut In<'_>, ctx: Ctx) -> PResult<Vec<Clause>> {
    let mut out = vec![clause(i, ctx)?];
    loop {
        let cp = i.checkpoint();
        ws(i);
        if tag(i, "|OR|") || kw(i, "or") {
            ws(i);
            out.push(clause(i, ctx).map_err(to_cut)?);
        } else {
            i.reset(&cp);
            return Ok(out);
        }
    }
}

fn not_prefix(i: &mut In<'_>) -> bool {
    if peek(i, "!=") {
        return false;
    }
    if tag(i, "!") {
        return true;
    }
    let cp = i.checkpoint();
    if kw(i, "not") {
        if rest(i).starts_with(|c: char| c.is_whitespace()) {
            return true;
        }
        i.reset(&cp);
    }
    false
}

/// Whether the input starts with a type name (`AWS::S3::Bucket`).
fn type_name(i: &mut In<'_>) -> Option<String> {
    let cp = i.checkpoint();
    let mut parts = Vec::new();
    let first = ident(i)?;
    parts.push(first);
    while peek(i, "::") {
        advance(i, 2);
        match ident(i) {
            Some(p) => parts.push(p),
            None => {
                i.reset(&cp);
                return None;
            }
        }
    }
    if parts.len() < 2 {
        i.reset(&cp);
        return None;
    }
    if parts.len() == 4 && parts[3] == "MODULE" {
        parts.pop();
    }
    Some(parts.join("::"))
}

fn clause(i: &mut In<'_>, ctx: Ctx) -> PResult<Clause> {
    ws(i);
    let start = pos(i);
    let cp = i.checkpoint();
    if kw(i, "when") {
        let conds = conditions(i)?;
        let block = block(i, Ctx::Block).map_err(to_cut)?;
        return Ok(Clause::When {
            conditions: Arc::new(conds),
            block: Arc::new(block),
            span: span_from(i, start),
        });
    }
    if let Some(name) = type_name(i) {
        if ctx != Ctx::Rule {
            return Err(cut_msg(
                start,
                format!("a type block (`{name}`) may only appear in a rule or at the top level"),
            ));
        }
        return type_block(i, name, start).map(|t| Clause::TypeBlock(Arc::new(t)));
    }
    i.reset(&cp);
    let negated = not_prefix(i);
    if negated {
        ws(i);
    }
    // A parameterized rule call: NAME(args).
    let cp2 = i.checkpoint();
    if let Some(name) = ident(i) {
        if peek(i, "(") && Func::by_name(name).is_none() {
            let args = call_args(i)?;
            let message = message(i)?;
            return Ok(Clause::ParamCall {
                name: name.to_string(),
                args,
                negated,
                message,
                span: span_from(i, start),
            });
        }
    }
    i.reset(&cp2);
    let query = query(i).map_err(|e| match e {
        ErrMode::Backtrack(_) => err(i, "a clause"),
        other => other,
    })?;
    let after_query = i.checkpoint();
    spaces(i);
    // A block clause: QUERY { ... } or QUERY !empty { ... }.
    // In `when` conditions a `{` opens the guarded block, not a block clause.
    let blocks_allowed = ctx != Ctx::Condition && !negated;
    if peek(i, "{") && blocks_allowed {
        let block = block(i, Ctx::Block).map_err(to_cut)?;
        return Ok(Clause::Block {
            query,
            not_empty: false,
            block: Arc::new(block),
            span: span_from(i, start),
        });
    }
    {
        let cp3 = i.checkpoint();
        if not_prefix(i) {
            ws(i);
            if kw(i, "empty") {
                ws(i);
                if peek(i, "{") && blocks_allowed {
                    let block = block(i, Ctx::Block).map_err(to_cut)?;
                    return Ok(Clause::Block {
                        query,
                        not_empty: true,
                        block: Arc::new(block),
                        span: span_from(i, start),
                    });
                }
            }
        }
        i.reset(&cp3);
    }
    ws(i);
    let op_start = i.checkpoint();
    match operator(i) {
        Ok((op, op_not)) => {
            let rhs = if op.is_unary() {
                None
            } else {
                ws(i);
                Some(let_value(i).map_err(|e| match e {
                    ErrMode::Backtrack(_) => to_cut(err(i, "a value, a query or a function call")),
                    other => other,
                })?)
            };
            let message = message(i)?;
            Ok(Clause::Access(AccessClause {
                negated,
                query,
                op,
                op_not,
                rhs,
                message,
                span: span_from(i, start),
            }))
        }
        Err(e) => {
            // A bare name is a reference to another rule.
            if let (false, [Part::Key(name)]) = (query.some, query.parts.as_slice()) {
                let bare = ident_text(name);
                if bare && ctx != Ctx::Filter {
                    i.reset(&after_query);
                    let message = message(i)?;
                    return Ok(Clause::NamedRule {
                        name: name.clone(),
                        negated,
                        message,
                        span: span_from(i, start),
                    });
                }
            }
            let _ = e;
            i.reset(&op_start);
            let expected = if ctx == Ctx::Filter
                || !matches!(query.parts.as_slice(), [Part::Key(_)])
            {
                "a comparison operator (==, !=, >, >=, <, <=, IN, NOT IN) or a unary check (EXISTS, EMPTY, IS_STRING, ...)"
            } else {
                "a comparison operator, a unary check, `{` or the end of the clause"
            };
            Err(to_cut(err(i, expected)))
        }
    }
}

fn ident_text(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(is_ident_char)
}

fn type_block(i: &mut In<'_>, type_name: String, start: usize) -> PResult<TypeBlock> {
    ws(i);
    let conditions = if kw(i, "when") {
        Some(conditions(i)?)
    } else {
        None
    };
    ws(i);
    let block = if peek(i, "{") {
        block(i, Ctx::Block).map_err(to_cut)?
    } else if conditions.is_some() {
        return Err(to_cut(err(i, "`{`")));
    } else {
        // The one-clause form: `AWS::S3::Bucket Properties.X exists`.
        let d = disjunction(i, Ctx::Block)
            .map_err(|e| to_cut(merge(e, err(i, "`{`, `when` or a clause"))))?;
        Block {
            lets: Vec::new(),
            clauses: vec![d],
        }
    };
    Ok(TypeBlock {
        type_name,
        conditions,
        block,
        span: span_from(i, start),
    })
}

/// `<< text >>` after a clause, when present.
fn message(i: &mut In<'_>) -> PResult<Option<String>> {
    let cp = i.checkpoint();
    ws(i);
    if !peek(i, "<<") {
        i.reset(&cp);
        return Ok(None);
    }
    let start = pos(i);
    advance(i, 2);
    let r = rest(i);
    match r.find(">>") {
        Some(n) => {
            let text = r[..n].trim().to_string();
            advance(i, n + 2);
            Ok(Some(text))
        }
        None => Err(cut_msg(
            start,
            "expected `>>` closing the message that starts here".into(),
        )),
    }
}

fn operator(i: &mut In<'_>) -> PResult<(Op, bool)> {
    for (t, op, not) in [
        ("==", Op::Eq, false),
        ("!=", Op::Eq, true),
        (">=", Op::Ge, false),
        ("<=", Op::Le, false),
        (">", Op::Gt, false),
    ] {
        if tag(i, t) {
            return Ok((op, not));
        }
    }
    if peek(i, "<") && !peek(i, "<<") {
        advance(i, 1);
        return Ok((Op::Lt, false));
    }
    let cp = i.checkpoint();
    let not = not_prefix(i);
    if not {
        ws(i);
    }
    if kw(i, "in") {
        return Ok((Op::In, not));
    }
    for (word, op) in [
        ("exists", Op::Exists),
        ("empty", Op::Empty),
        ("is_string", Op::IsString),
        ("is_list", Op::IsList),
        ("is_struct", Op::IsStruct),
        ("is_bool", Op::IsBool),
        ("is_int", Op::IsInt),
        ("is_float", Op::IsFloat),
        ("is_null", Op::IsNull),
    ] {
        if kw(i, word) {
            return Ok((op, not));
        }
    }
    i.reset(&cp);
    Err(err(i, "a comparison operator"))
}

// ----- queries -----------------------------------------------------------

fn quoted(i: &mut In<'_>) -> PResult<Option<String>> {
    let r = rest(i);
    let Some(q) = r.chars().next().filter(|c| *c == '\'' || *c == '"') else {
        return Ok(None);
    };
    let start = pos(i);
    let mut out = String::new();
    let mut chars = r[1..].char_indices();
    while let Some((n, c)) = chars.next() {
        if c == q {
            advance(i, n + 2);
            return Ok(Some(out));
        }
        if c == '\\' {
            match chars.next() {
                Some((_, e)) if e == q || e == '\\' => out.push(e),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            }
        } else {
            out.push(c);
        }
    }
    Err(cut_msg(
        start,
        format!("expected `{q}` closing the string that starts here"),
    ))
}

fn query(i: &mut In<'_>) -> PResult<Query> {
    let start = pos(i);
    let source = rest(i);
    let cp = i.checkpoint();
    let some = kw(i, "some") && {
        let had_space = rest(i).starts_with(char::is_whitespace);
        if had_space {
            ws(i);
        } else {
            i.reset(&cp);
        }
        had_space
    };
    let mut parts = Vec::new();
    if kw(i, "this") {
        parts.push(Part::This);
    } else if tag(i, "%") {
        let name = ident(i).ok_or_else(|| to_cut(err(i, "a variable name after `%`")))?;
        parts.push(Part::Var(name.to_string()));
    } else if let Some(name) = ident(i) {
        parts.push(Part::Key(name.to_string()));
    } else if let Some(s) = quoted(i)? {
        parts.push(Part::Key(s));
    } else {
        return Err(err(i, "a query"));
    }
    loop {
        let cp = i.checkpoint();
        ws(i);
        if peek(i, ".") && !peek(i, "..") {
            advance(i, 1);
            if tag(i, "*") {
                parts.push(Part::AllValues(None));
            } else if tag(i, "%") {
                let name = ident(i).ok_or_else(|| to_cut(err(i, "a variable name after `%`")))?;
                parts.push(Part::Var(name.to_string()));
            } else if let Some(n) = index(i)? {
                parts.push(Part::Index(n));
            } else if let Some(name) = ident(i) {
                parts.push(Part::Key(name.to_string()));
            } else if let Some(s) = quoted(i)? {
                parts.push(Part::Key(s));
            } else {
                return Err(to_cut(err(i, "a key, `*` or an index after `.`")));
            }
        } else if peek(i, "[") {
            advance(i, 1);
            parts.push(nested(i, bracket)?);
        } else {
            i.reset(&cp);
            break;
        }
    }
    // `%x.a` reads `%x[*].a`: the variable's values one by one.
    if matches!(parts.first(), Some(Part::Var(_)))
        && parts.len() > 1
        && !matches!(parts.get(1), Some(Part::AllIndices(_)))
    {
        parts.insert(1, Part::AllIndices(None));
    }
    let span = span_from(i, start);
    let text = source
        .get(..(span.end - span.start) as usize)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Query {
        parts,
        some,
        span,
        text,
    })
}

/// An index: an integer; one too large for 64 bits stays out of bounds.
fn index(i: &mut In<'_>) -> PResult<Option<i64>> {
    let r = rest(i);
    let neg = r.starts_with('-');
    let digits = &r[usize::from(neg)..];
    let n = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    if n == 0 {
        return Ok(None);
    }
    let text = &r[..n + usize::from(neg)];
    advance(i, text.len());
    Ok(Some(text.parse::<i64>().unwrap_or(if neg {
        i64::MIN
    } else {
        i64::MAX
    })))
}

/// After `[`: `*`, an index, a quoted key, `name`, a keys filter or a filter.
fn bracket(i: &mut In<'_>) -> PResult<Part> {
    ws(i);
    let close = |i: &mut In<'_>| -> PResult<()> {
        ws(i);
        expect_tag(i, "]", "`]`").map_err(to_cut)
    };
    if tag(i, "*") {
        close(i)?;
        return Ok(Part::AllIndices(None));
    }
    let cp = i.checkpoint();
    if let Some(n) = index(i)? {
        ws(i);
        if tag(i, "]") {
            return Ok(Part::Index(n));
        }
        i.reset(&cp);
    }
    if let Some(s) = quoted(i)? {
        ws(i);
        if tag(i, "]") {
            return Ok(Part::Key(s));
        }
        i.reset(&cp);
    }
    let mut capture = None;
    if let Some(name) = ident(i) {
        ws(i);
        if tag(i, "]") {
            return Ok(Part::AllIndices(Some(name.to_string())));
        }
        if peek(i, "|") && !peek(i, "|OR|") {
            advance(i, 1);
            capture = Some(name.to_string());
        } else {
            i.reset(&cp);
        }
    }
    ws(i);
    let cp = i.checkpoint();
    if kw(i, "keys") {
        ws(i);
        let op = if tag(i, "==") {
            KeysOp::Eq
        } else if tag(i, "!=") {
            KeysOp::NotEq
        } else if kw(i, "in") {
            KeysOp::In
        } else if not_prefix(i) && {
            ws(i);
            kw(i, "in")
        } {
            KeysOp::NotIn
        } else {
            return Err(to_cut(err(i, "`==`, `!=`, `IN` or `NOT IN` after `keys`")));
        };
        ws(i);
        let with = let_value(i).map_err(|e| to_cut(merge(e, err(i, "a value or a query"))))?;
        close(i)?;
        return Ok(Part::KeysFilter(capture, op, Box::new(with)));
    }
    i.reset(&cp);
    let mut clauses = Vec::new();
    loop {
        ws(i);
        if tag(i, "]") {
            break;
        }
        let before = pos(i);
        match disjunction(i, Ctx::Filter) {
            Ok(d) => clauses.push(d),
            Err(e) => {
                return Err(to_cut(if pos(i) == before {
                    merge(e, err(i, "`]`"))
                } else {
                    e
                }))
            }
        }
    }
    if clauses.is_empty() {
        return Err(to_cut(err(
            i,
            "`*`, an index, a key or a filter clause inside `[ ]`",
        )));
    }
    Ok(Part::Filter(capture, Arc::new(clauses)))
}

// ----- values ------------------------------------------------------------

/// A literal, a function call or a query.
fn let_value(i: &mut In<'_>) -> PResult<LetValue> {
    let start = pos(i);
    if let Some(v) = literal(i)? {
        return Ok(LetValue::Literal(Literal {
            value: v,
            span: span_from(i, start),
        }));
    }
    let cp = i.checkpoint();
    if let Some(name) = ident(i) {
        if peek(i, "(") {
            let Some(func) = Func::by_name(name) else {
                let names: Vec<&str> = Func::ALL.iter().map(|(n, _)| *n).collect();
                return Err(cut_msg(
                    start,
                    format!(
                        "unknown function `{name}`; expected one of {}",
                        names.join(", ")
                    ),
                ));
            };
            let args = call_args(i)?;
            if args.len() != func.arity() {
                return Err(cut_msg(
                    start,
                    format!(
                        "function `{name}` takes {} argument{}, found {}",
                        func.arity(),
                        if func.arity() == 1 { "" } else { "s" },
                        args.len()
                    ),
                ));
            }
            return Ok(LetValue::Call(Call {
                func,
                args,
                span: span_from(i, start),
            }));
        }
        i.reset(&cp);
    }
    query(i)
        .map(LetValue::Query)
        .map_err(|e| merge(e, err(i, "a value")))
}

fn call_args(i: &mut In<'_>) -> PResult<Vec<LetValue>> {
    expect_tag(i, "(", "`(`")?;
    nested(i, |i| {
        let mut args = Vec::new();
        ws(i);
        if tag(i, ")") {
            return Ok(args);
        }
        loop {
            ws(i);
            args.push(let_value(i).map_err(to_cut)?);
            ws(i);
            if tag(i, ",") {
                continue;
            }
            expect_tag(i, ")", "`,` or `)`").map_err(to_cut)?;
            return Ok(args);
        }
    })
}

/// A literal value, or `None` when the input does not start with one.
fn literal(i: &mut In<'_>) -> PResult<Option<Arc<Val>>> {
    let r = rest(i);
    let Some(c) = r.chars().next() else {
        return Ok(None);
    };
    let start = pos(i);
    match c {
        '\'' | '"' => Ok(quoted(i)?.map(|s| Val::lit(Kind::Str(s.into())))),
        '/' => regex(i).map(Some),
        '[' => nested(i, list).map(Some),
        '{' => nested(i, map).map(Some),
        'r' if r[1..].starts_with(['[', '(']) => range(i).map(Some),
        '-' | '0'..='9' => number(i, start),
        _ => {
            let cp = i.checkpoint();
            if kw_any_case(i, "true") {
                return Ok(Some(Val::lit(Kind::Bool(true))));
            }
            if kw_any_case(i, "false") {
                return Ok(Some(Val::lit(Kind::Bool(false))));
            }
            if kw_any_case(i, "null") {
                return Ok(Some(Val::lit(Kind::Null)));
            }
            i.reset(&cp);
            Ok(None)
        }
    }
}

fn number(i: &mut In<'_>, start: usize) -> PResult<Option<Arc<Val>>> {
    let r = rest(i);
    let b = r.as_bytes();
    let mut n = usize::from(b.first() == Some(&b'-'));
    let digits_start = n;
    while b.get(n).is_some_and(u8::is_ascii_digit) {
        n += 1;
    }
    if n == digits_start {
        return Ok(None);
    }
    let mut float = false;
    if b.get(n) == Some(&b'.') && b.get(n + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        n += 1;
        while b.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    if matches!(b.get(n), Some(b'e' | b'E')) {
        let mut m = n + 1;
        if matches!(b.get(m), Some(b'+' | b'-')) {
            m += 1;
        }
        if b.get(m).is_some_and(u8::is_ascii_digit) {
            while b.get(m).is_some_and(u8::is_ascii_digit) {
                m += 1;
            }
            float = true;
            n = m;
        }
    }
    if b.get(n)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return Err(cut_msg(
            start,
            format!(
                "expected a number, found `{}`",
                &r[..n + token_len(&r[n..])]
            ),
        ));
    }
    let text = &r[..n];
    advance(i, n);
    if float {
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Some(Val::lit(Kind::Float(f)))),
            _ => Err(cut_msg(
                start,
                format!("the number `{text}` is out of range"),
            )),
        }
    } else {
        match text.parse::<i64>() {
            Ok(v) => Ok(Some(Val::lit(Kind::Int(v)))),
            Err(_) => Err(cut_msg(
                start,
                format!("the integer `{text}` does not fit in 64 bits"),
            )),
        }
    }
}

fn regex(i: &mut In<'_>) -> PResult<Arc<Val>> {
    let start = pos(i);
    let r = rest(i);
    let mut source = String::new();
    let mut chars = r[1..].char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '/' => {
                advance(i, n + 2);
                return match super::value::compile_regex(&source) {
                    Ok(compiled) => Ok(Val::lit(Kind::Regex(Arc::new(Regex { source, compiled })))),
                    Err(e) => Err(cut_msg(start, format!("invalid regular expression: {e}"))),
                };
            }
            '\\' => match chars.next() {
                Some((_, '/')) => source.push('/'),
                Some((_, e)) => {
                    source.push('\\');
                    source.push(e);
                }
                None => break,
            },
            _ => source.push(c),
        }
    }
    Err(cut_msg(
        start,
        "expected `/` closing the regular expression that starts here".into(),
    ))
}

fn list(i: &mut In<'_>) -> PResult<Arc<Val>> {
    advance(i, 1);
    let mut items = Vec::new();
    loop {
        ws(i);
        if tag(i, "]") {
            break;
        }
        let start = pos(i);
        let v = literal(i)?.ok_or_else(|| to_cut(err(i, "a value or `]`")))?;
        let _ = start;
        items.push(v);
        ws(i);
        if tag(i, ",") {
            continue;
        }
        ws(i);
        expect_tag(i, "]", "`,` or `]`").map_err(to_cut)?;
        break;
    }
    Ok(Val::lit(Kind::List(items)))
}

fn map(i: &mut In<'_>) -> PResult<Arc<Val>> {
    advance(i, 1);
    let mut entries = Vec::new();
    loop {
        ws(i);
        if tag(i, "}") {
            break;
        }
        let key = match quoted(i)? {
            Some(k) => k,
            None => ident(i)
                .ok_or_else(|| to_cut(err(i, "a key or `}`")))?
                .to_string(),
        };
        ws(i);
        expect_tag(i, ":", "`:`").map_err(to_cut)?;
        ws(i);
        let v = literal(i)?.ok_or_else(|| to_cut(err(i, "a value")))?;
        entries.push((Val::str(None, key), v));
        ws(i);
        if tag(i, ",") {
            continue;
        }
        ws(i);
        expect_tag(i, "}", "`,` or `}`").map_err(to_cut)?;
        break;
    }
    Ok(Val::lit(Kind::Map(entries)))
}

/// `r[a,b]`, `r(a,b)`, `r[a,b)`, `r(a,b]` over ints, floats or chars.
fn range(i: &mut In<'_>) -> PResult<Arc<Val>> {
    let start = pos(i);
    advance(i, 1);
    let lower_inclusive = tag(i, "[");
    if !lower_inclusive {
        tag(i, "(");
    }
    ws(i);
    let lo = range_bound(i)?;
    ws(i);
    expect_tag(i, ",", "`,`").map_err(to_cut)?;
    ws(i);
    let hi = range_bound(i)?;
    ws(i);
    let upper_inclusive = if tag(i, "]") {
        true
    } else if tag(i, ")") {
        false
    } else {
        return Err(to_cut(err(i, "`]` or `)`")));
    };
    let kind = match (&lo.kind, &hi.kind) {
        (Kind::Int(a), Kind::Int(b)) => Kind::RangeInt(Range {
            lower: *a,
            upper: *b,
            lower_inclusive,
            upper_inclusive,
        }),
        (Kind::Int(_) | Kind::Float(_), Kind::Int(_) | Kind::Float(_)) => {
            let f = |v: &Val| match v.kind {
                Kind::Int(n) => n as f64,
                Kind::Float(x) => x,
                _ => 0.0,
            };
            Kind::RangeFloat(Range {
                lower: f(&lo),
                upper: f(&hi),
                lower_inclusive,
                upper_inclusive,
            })
        }
        (Kind::Char(a), Kind::Char(b)) => Kind::RangeChar(Range {
            lower: *a,
            upper: *b,
            lower_inclusive,
            upper_inclusive,
        }),
        _ => {
            return Err(cut_msg(
                start,
                "a range's bounds must both be numbers or both be characters".into(),
            ))
        }
    };
    Ok(Val::lit(kind))
}

fn range_bound(i: &mut In<'_>) -> PResult<Arc<Val>> {
    let start = pos(i);
    if let Some(s) = quoted(i)? {
        let mut chars = s.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(Val::lit(Kind::Char(c))),
            _ => Err(cut_msg(
                start,
                "a range bound in quotes must be one character".into(),
            )),
        };
    }
    if let Some(c) = rest(i).chars().next().filter(char::is_ascii_alphabetic) {
        advance(i, 1);
        return Ok(Val::lit(Kind::Char(c)));
    }
    number(i, start)?.ok_or_else(|| to_cut(err(i, "a number or a character")))
}
