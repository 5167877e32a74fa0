//! The syntax tree of a Guard rules file. Every node carries the byte span
//! of its text in the rules file ([`RSpan`]), so evaluation results and
//! errors can point back at the rule that produced them.

use std::sync::Arc;

use super::value::Val;

/// A byte range in a rules file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RSpan {
    pub start: u32,
    pub end: u32,
}

impl RSpan {
    pub fn new(start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        RSpan {
            start,
            end: u32::try_from(end).unwrap_or(u32::MAX).max(start),
        }
    }
}

/// A whole rules file.
#[derive(Debug, Clone, Default)]
pub struct RulesFile {
    /// File-level `let` assignments, evaluated against the root document.
    pub lets: Vec<Let>,
    /// Named rules, in file order. Bare clauses, top-level type blocks and
    /// `when` blocks are gathered into a rule named `default`.
    pub rules: Vec<Rule>,
    pub parameterized: Vec<ParameterizedRule>,
}

impl RulesFile {
    /// Whether a gate (a filter, `when` conditions) may stop at its first
    /// failing clause without changing any verdict. It may when evaluating
    /// a clause has no effect but its own verdict: no query binds map keys
    /// (`[name]`, `[ name | ... ]`), which later clauses could read; no
    /// clause calls a rule, whose verdict is kept with the failures of its
    /// first evaluation; and no `let` refers to a variable of its own list
    /// defined at or after it, so that which is evaluated first cannot
    /// change what a cycle among them yields.
    pub fn order_free(&self) -> bool {
        let mut walk = Walk { free: true };
        let mut vars = Vec::new();
        walk.lets(&self.lets, &mut vars);
        for r in &self.rules {
            if let Some(c) = &r.conditions {
                walk.conjunction(c, &mut vars);
            }
            walk.block(&r.block, &mut vars);
        }
        for p in &self.parameterized {
            walk.block(&p.block, &mut vars);
        }
        walk.free
    }
}

/// The walk behind [`RulesFile::order_free`]. Each step adds the variables
/// read below it to `vars` (inner blocks' own variables too: more than
/// needed, never less).
struct Walk {
    free: bool,
}

impl Walk {
    fn lets<'a>(&mut self, lets: &'a [Let], vars: &mut Vec<&'a str>) {
        for (i, l) in lets.iter().enumerate() {
            let mut read = Vec::new();
            self.let_value(&l.value, &mut read);
            let later = lets.get(i..).unwrap_or(&[]);
            if read.iter().any(|v| later.iter().any(|l| l.name == *v)) {
                self.free = false;
            }
            vars.extend(read);
        }
    }

    fn block<'a>(&mut self, b: &'a Block, vars: &mut Vec<&'a str>) {
        self.lets(&b.lets, vars);
        self.conjunction(&b.clauses, vars);
    }

    fn conjunction<'a>(&mut self, c: &'a Conjunction, vars: &mut Vec<&'a str>) {
        for clause in c.iter().flatten() {
            self.clause(clause, vars);
        }
    }

    fn clause<'a>(&mut self, c: &'a Clause, vars: &mut Vec<&'a str>) {
        match c {
            Clause::Access(a) => {
                self.query(&a.query, vars);
                if let Some(v) = &a.rhs {
                    self.let_value(v, vars);
                }
            }
            Clause::Block { query, block, .. } => {
                self.query(query, vars);
                self.block(block, vars);
            }
            Clause::When {
                conditions, block, ..
            } => {
                self.conjunction(conditions, vars);
                self.block(block, vars);
            }
            Clause::NamedRule { .. } | Clause::ParamCall { .. } => self.free = false,
            Clause::TypeBlock(tb) => {
                if let Some(c) = &tb.conditions {
                    self.conjunction(c, vars);
                }
                self.block(&tb.block, vars);
            }
        }
    }

    fn let_value<'a>(&mut self, v: &'a LetValue, vars: &mut Vec<&'a str>) {
        match v {
            LetValue::Literal(_) => {}
            LetValue::Query(q) => self.query(q, vars),
            LetValue::Call(c) => {
                for a in &c.args {
                    self.let_value(a, vars);
                }
            }
        }
    }

    fn query<'a>(&mut self, q: &'a Query, vars: &mut Vec<&'a str>) {
        for part in &q.parts {
            match part {
                Part::Var(name) => vars.push(name),
                Part::AllValues(Some(_)) | Part::AllIndices(Some(_)) => self.free = false,
                Part::Filter(capture, conj) => {
                    self.free &= capture.is_none();
                    self.conjunction(conj, vars);
                }
                Part::KeysFilter(capture, _, with) => {
                    self.free &= capture.is_none();
                    self.let_value(with, vars);
                }
                Part::This
                | Part::Key(_)
                | Part::Index(_)
                | Part::AllValues(None)
                | Part::AllIndices(None) => {}
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Let {
    pub name: String,
    pub value: LetValue,
    pub span: RSpan,
}

/// The right-hand side of a `let`, of a comparison or a function argument.
#[derive(Debug, Clone)]
pub enum LetValue {
    Literal(Literal),
    Query(Query),
    Call(Call),
}

#[derive(Debug, Clone)]
pub struct Literal {
    pub value: Arc<Val>,
    pub span: RSpan,
}

/// The built-in functions and their arity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Count,
    JsonParse,
    RegexReplace,
    Join,
    Substring,
    ToLower,
    ToUpper,
    UrlDecode,
    ParseString,
    ParseBoolean,
    ParseInt,
    ParseFloat,
    ParseChar,
    ParseEpoch,
    Now,
}

impl Func {
    pub const ALL: &'static [(&'static str, Func)] = &[
        ("count", Func::Count),
        ("json_parse", Func::JsonParse),
        ("regex_replace", Func::RegexReplace),
        ("join", Func::Join),
        ("substring", Func::Substring),
        ("to_lower", Func::ToLower),
        ("to_upper", Func::ToUpper),
        ("url_decode", Func::UrlDecode),
        ("parse_string", Func::ParseString),
        ("parse_boolean", Func::ParseBoolean),
        ("parse_int", Func::ParseInt),
        ("parse_float", Func::ParseFloat),
        ("parse_char", Func::ParseChar),
        ("parse_epoch", Func::ParseEpoch),
        ("now", Func::Now),
    ];

    pub fn by_name(name: &str) -> Option<Func> {
        Func::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        Func::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("?", |(n, _)| n)
    }

    pub fn arity(self) -> usize {
        match self {
            Func::Now => 0,
            Func::Join => 2,
            Func::RegexReplace | Func::Substring => 3,
            _ => 1,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Call {
    pub func: Func,
    pub args: Vec<LetValue>,
    pub span: RSpan,
}

/// A query: `some`? then parts.
#[derive(Debug, Clone)]
pub struct Query {
    pub parts: Vec<Part>,
    /// `some`: at least one selected value must satisfy the clause.
    pub some: bool,
    pub span: RSpan,
    /// The query as written, for messages.
    pub text: String,
}

impl Query {
    /// `%x` alone.
    pub fn is_lone_variable(&self) -> bool {
        matches!(self.parts.as_slice(), [Part::Var(_)])
    }

    /// Ends in a filter (`[ ... ]` or `[ keys ... ]`).
    pub fn ends_in_filter(&self) -> bool {
        matches!(
            self.parts.last(),
            Some(Part::Filter(..)) | Some(Part::KeysFilter(..))
        )
    }
}

#[derive(Debug, Clone)]
pub enum Part {
    This,
    /// A map key (`Resources`, `'aws:Key'`).
    Key(String),
    /// `%name`: at the start, the variable's values; further on, its values
    /// used as map keys.
    Var(String),
    /// `[N]` or `.N` (negative counts from the end).
    Index(i64),
    /// `*` / `.*` (all values of a map, all items of a list), optionally
    /// binding map keys (`[name]`).
    AllValues(Option<String>),
    /// `[*]`, or `[name]` binding keys when applied to a map.
    AllIndices(Option<String>),
    /// `[ name | CLAUSES ]`.
    Filter(Option<String>, Arc<Conjunction>),
    /// `[ keys == /re/ ]`, `[ keys IN [...] ]`, `[ keys not in ... ]`.
    KeysFilter(Option<String>, KeysOp, Box<LetValue>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeysOp {
    Eq,
    NotEq,
    In,
    NotIn,
}

/// Clauses ANDed together, each a list of alternatives ORed together.
pub type Conjunction = Vec<Vec<Clause>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    Exists,
    Empty,
    IsString,
    IsList,
    IsStruct,
    IsBool,
    IsInt,
    IsFloat,
    IsNull,
}

impl Op {
    pub fn is_unary(self) -> bool {
        !matches!(self, Op::Eq | Op::Gt | Op::Ge | Op::Lt | Op::Le | Op::In)
    }

    /// The operator as written, with its negation.
    pub fn text(self, not: bool) -> &'static str {
        match (self, not) {
            (Op::Eq, false) => "==",
            (Op::Eq, true) => "!=",
            (Op::Gt, _) => ">",
            (Op::Ge, _) => ">=",
            (Op::Lt, _) => "<",
            (Op::Le, _) => "<=",
            (Op::In, false) => "IN",
            (Op::In, true) => "NOT IN",
            (Op::Exists, false) => "EXISTS",
            (Op::Exists, true) => "NOT EXISTS",
            (Op::Empty, false) => "EMPTY",
            (Op::Empty, true) => "NOT EMPTY",
            (Op::IsString, false) => "IS_STRING",
            (Op::IsString, true) => "NOT IS_STRING",
            (Op::IsList, false) => "IS_LIST",
            (Op::IsList, true) => "NOT IS_LIST",
            (Op::IsStruct, false) => "IS_STRUCT",
            (Op::IsStruct, true) => "NOT IS_STRUCT",
            (Op::IsBool, false) => "IS_BOOL",
            (Op::IsBool, true) => "NOT IS_BOOL",
            (Op::IsInt, false) => "IS_INT",
            (Op::IsInt, true) => "NOT IS_INT",
            (Op::IsFloat, false) => "IS_FLOAT",
            (Op::IsFloat, true) => "NOT IS_FLOAT",
            (Op::IsNull, false) => "IS_NULL",
            (Op::IsNull, true) => "NOT IS_NULL",
        }
    }
}

/// `[not] QUERY OP [RHS] [<< message >>]`.
#[derive(Debug, Clone)]
pub struct AccessClause {
    /// `not` written before the query: inverts the clause's verdict.
    pub negated: bool,
    pub query: Query,
    pub op: Op,
    /// `!=`, `not in`, `!exists`, ...
    pub op_not: bool,
    pub rhs: Option<LetValue>,
    pub message: Option<String>,
    pub span: RSpan,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub lets: Vec<Let>,
    pub clauses: Conjunction,
}

#[derive(Debug, Clone)]
pub enum Clause {
    Access(AccessClause),
    /// `QUERY [!empty] { ... }`.
    Block {
        query: Query,
        not_empty: bool,
        block: Arc<Block>,
        span: RSpan,
    },
    /// `when CONDITIONS { ... }`.
    When {
        conditions: Arc<Conjunction>,
        block: Arc<Block>,
        span: RSpan,
    },
    /// A reference to another rule: `NAME`, `!NAME`, `NAME << msg >>`.
    NamedRule {
        name: String,
        negated: bool,
        message: Option<String>,
        span: RSpan,
    },
    /// `[not] NAME(args) [<< msg >>]`.
    ParamCall {
        name: String,
        args: Vec<LetValue>,
        negated: bool,
        message: Option<String>,
        span: RSpan,
    },
    /// `AWS::S3::Bucket [when ...] { ... }` or its one-clause form.
    TypeBlock(Arc<TypeBlock>),
}

impl Clause {
    pub fn span(&self) -> RSpan {
        match self {
            Clause::Access(a) => a.span,
            Clause::Block { span, .. }
            | Clause::When { span, .. }
            | Clause::NamedRule { span, .. }
            | Clause::ParamCall { span, .. } => *span,
            Clause::TypeBlock(t) => t.span,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TypeBlock {
    pub type_name: String,
    pub conditions: Option<Conjunction>,
    pub block: Block,
    pub span: RSpan,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub conditions: Option<Conjunction>,
    pub block: Block,
    pub span: RSpan,
}

#[derive(Debug, Clone)]
pub struct ParameterizedRule {
    pub name: String,
    pub params: Vec<String>,
    pub block: Block,
    pub span: RSpan,
}
