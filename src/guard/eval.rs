//! The evaluator: PASS/FAIL/SKIP for each rule of a rules file over one
//! document, following cfn-guard 3.2.1's semantics (empty selections skip,
//! a missing key fails, `some` needs one match, `when` gates skip), and the
//! data span of every value that made a clause fail.

use foldhash::{HashMap, HashMapExt};
use std::cell::{Cell, RefCell};
use std::sync::{Arc, OnceLock};

use super::ast::*;
use super::functions;
use super::value::{self, Kind, Val};
use crate::source::Span;

/// Maximum depth of nested evaluation (blocks, filters, rule references).
pub const MAX_EVAL_DEPTH: u32 = 200;

/// The steps (rules, blocks, queries, filters, variables and calls
/// entered, and values a query passes) one rules file may take over one
/// document: this many, plus
/// [`EVAL_STEPS_PER_VALUE`] for each value of the document. Nested filters
/// and parameterized rules that call themselves make work that grows
/// exponentially with the rules' text, not with the data: a few lines can
/// outlast any run. The evaluation stops at the budget, and every rule it
/// did not finish fails with a message saying so, and a scan over many
/// documents pays the budget on each. Rules of the AWS Guard Rules
/// Registry take at most 756 steps over a document of the shared corpus,
/// and 905,000 over a 20 MB template (whose budget is 9.4 million).
pub const EVAL_STEPS_BASE: u64 = 100_000;
/// See [`EVAL_STEPS_BASE`].
pub const EVAL_STEPS_PER_VALUE: u64 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s.trim().to_ascii_uppercase().as_str() {
            "PASS" => Some(Status::Pass),
            "FAIL" => Some(Status::Fail),
            "SKIP" => Some(Status::Skip),
            _ => None,
        }
    }
}

/// A query result: a value found in the data, a literal (or computed
/// value), or the place where the query could go no further.
#[derive(Debug, Clone)]
pub enum QR {
    Res(Arc<Val>),
    Lit(Arc<Val>),
    Unres(Unres),
}

#[derive(Debug, Clone)]
pub struct Unres {
    /// The last value reached.
    pub at: Arc<Val>,
    pub reason: String,
}

impl QR {
    pub fn value(&self) -> Option<&Arc<Val>> {
        match self {
            QR::Res(v) | QR::Lit(v) => Some(v),
            QR::Unres(_) => None,
        }
    }
}

/// Why a clause failed: where in the data, and a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The data span of the failing value (or of the value where the query
    /// stopped); `None` for literals and computed values.
    pub span: Option<Span>,
    pub message: String,
    /// The rule's `<< message >>`, when it has one.
    pub custom: Option<String>,
    /// The clause in the rules file.
    pub clause: RSpan,
}

/// The verdict of one rule and what made it fail.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    pub name: String,
    pub status: Status,
    pub failures: Vec<Failure>,
    /// The evaluation ran out of steps ([`EVAL_STEPS_BASE`]), or a regex
    /// went over its backtracking limit, before this rule's verdict was
    /// known: it fails, with a failure saying so.
    pub stopped: bool,
}

/// Evaluates every rule of `file` over `root`.
pub fn evaluate(file: &RulesFile, root: Arc<Val>) -> Vec<RuleResult> {
    run(file, root, file.order_free(), &OnceLock::new())
}

/// As [`evaluate`], for a document that several rules files read in turn
/// or side by side: `size` holds its number of values (which sets the step
/// budget) once one of them has counted it, so that a large document is
/// walked for it once rather than once per file.
pub fn evaluate_shared(file: &RulesFile, root: Arc<Val>, size: &OnceLock<u64>) -> Vec<RuleResult> {
    run(file, root, file.order_free(), size)
}

/// As [`evaluate`], but gates evaluate every clause even when the file is
/// [order free](RulesFile::order_free): the reference the shortcut is
/// tested against.
pub fn evaluate_every_clause(file: &RulesFile, root: Arc<Val>) -> Vec<RuleResult> {
    run(file, root, false, &OnceLock::new())
}

fn run(
    file: &RulesFile,
    root: Arc<Val>,
    order_free: bool,
    size: &OnceLock<u64>,
) -> Vec<RuleResult> {
    let ev = Evaluator::new(file, root, order_free, size);
    let scope = Scope::root(&ev.root, &file.lets);
    value::clear_regex_limit();
    let results = file
        .rules
        .iter()
        .enumerate()
        .map(|(idx, rule)| {
            let before = ev.failures.borrow().len();
            let status = ev.rule_status_by_index(idx, &scope);
            // Once out of steps every query comes back empty, and once a
            // regex could not tell whether it matches every regex matches
            // nothing: no verdict reached from then on can be trusted.
            let stopped = if ev.stopped.get() {
                Some(format!(
                    "evaluation stopped after {} steps before this rule was decided: \
                     nested filters or parameterized rules calling themselves make more \
                     work than can be done",
                    ev.budget()
                ))
            } else {
                value::regex_limit_reached().map(|source| {
                    format!(
                        "evaluation stopped before this rule was decided: the regular \
                         expression /{source}/ took more than {} backtracking steps on one \
                         value, so whether it matches is not known",
                        value::MAX_REGEX_BACKTRACK
                    )
                })
            };
            if let Some(message) = stopped {
                return RuleResult {
                    name: rule.name.clone(),
                    status: Status::Fail,
                    failures: vec![Failure {
                        span: None,
                        message,
                        custom: None,
                        clause: rule.span,
                    }],
                    stopped: true,
                };
            }
            let failures = if status == Status::Fail {
                ev.failures.borrow()[before..].to_vec()
            } else {
                Vec::new()
            };
            RuleResult {
                name: rule.name.clone(),
                status,
                failures,
                stopped: false,
            }
        })
        .collect();
    value::clear_regex_limit();
    results
}

struct Evaluator<'f> {
    file: &'f RulesFile,
    root: Arc<Val>,
    /// Rule verdicts by index, computed once per document.
    done: RefCell<Vec<Option<Status>>>,
    /// Failures recorded on the current path; truncated where a verdict
    /// other than FAIL makes them moot.
    failures: RefCell<Vec<Failure>>,
    /// Above zero inside a gate (`when` conditions, a filter), whose
    /// failures are always dropped: they are then not recorded, nor their
    /// messages made.
    quiet: Cell<u32>,
    depth: Cell<u32>,
    /// Steps taken so far, the most allowed ([`EVAL_STEPS_BASE`]; counted
    /// only once the base is spent, as the document must be walked), and
    /// whether they ran out.
    steps: Cell<u64>,
    budget: Cell<Option<u64>>,
    /// The document's number of values, shared with other evaluations of
    /// the same document.
    size: &'f OnceLock<u64>,
    stopped: Cell<bool>,
    by_name: HashMap<&'f str, Vec<usize>>,
    /// [`RulesFile::order_free`]: gates may stop at their first failure.
    order_free: bool,
}

/// Whether a clause asserts (a rule body) or gates (`when`, filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Assert,
    Gate,
}

struct Scope<'s> {
    parent: Option<&'s Scope<'s>>,
    this: Arc<Val>,
    lets: &'s [Let],
    cache: RefCell<Vec<Option<Arc<Vec<QR>>>>>,
    busy: RefCell<Vec<bool>>,
    binds: Vec<(String, Arc<Vec<QR>>)>,
    /// Map keys captured by queries (`[name]`, `[ name | ... ]`), visible
    /// to the rest of the block as cfn-guard makes them.
    captures: RefCell<Vec<(String, Arc<Val>)>>,
    /// A scope made for a filter or a query step: captures go to the
    /// scope around it.
    transparent: bool,
}

impl<'s> Scope<'s> {
    fn root(this: &Arc<Val>, lets: &'s [Let]) -> Scope<'s> {
        Scope {
            parent: None,
            this: Arc::clone(this),
            lets,
            cache: RefCell::new(vec![None; lets.len()]),
            busy: RefCell::new(vec![false; lets.len()]),
            binds: Vec::new(),
            captures: RefCell::new(Vec::new()),
            transparent: false,
        }
    }

    /// A scope for a filter or a query step.
    fn value(parent: &'s Scope<'s>, this: Arc<Val>) -> Scope<'s> {
        let mut s = Scope::child(parent, this, &[]);
        s.transparent = true;
        s
    }

    /// Records a captured key in the nearest scope that is not transparent.
    fn capture(&self, name: &str, key: &Arc<Val>) {
        let mut s = self;
        while s.transparent {
            match s.parent {
                Some(p) => s = p,
                None => break,
            }
        }
        s.captures
            .borrow_mut()
            .push((name.to_string(), Arc::clone(key)));
    }

    fn child(parent: &'s Scope<'s>, this: Arc<Val>, lets: &'s [Let]) -> Scope<'s> {
        Scope {
            parent: Some(parent),
            this,
            lets,
            cache: RefCell::new(vec![None; lets.len()]),
            busy: RefCell::new(vec![false; lets.len()]),
            binds: Vec::new(),
            captures: RefCell::new(Vec::new()),
            transparent: false,
        }
    }
}

fn unres(at: &Arc<Val>, reason: impl Into<String>) -> QR {
    QR::Unres(Unres {
        at: Arc::clone(at),
        reason: reason.into(),
    })
}

/// A conjunction's verdict: any FAIL fails, else any PASS passes.
fn and(statuses: impl IntoIterator<Item = Status>) -> Status {
    let (mut pass, mut fail) = (false, false);
    for s in statuses {
        match s {
            Status::Pass => pass = true,
            Status::Fail => fail = true,
            Status::Skip => {}
        }
    }
    if fail {
        Status::Fail
    } else if pass {
        Status::Pass
    } else {
        Status::Skip
    }
}

fn invert(s: Status) -> Status {
    match s {
        Status::Pass => Status::Fail,
        Status::Fail => Status::Pass,
        Status::Skip => Status::Skip,
    }
}

/// One compared value.
struct Outcome {
    pass: bool,
    /// The value that failed, or where its query stopped.
    at: Option<Arc<Val>>,
    detail: Detail,
}

/// Why an outcome is what it is. Most outcomes pass and only a negated
/// clause reports a passing one, so the common forms keep their values
/// and are rendered when read, not for every comparison made.
enum Detail {
    Text(String),
    /// `X is not OP Y`.
    NotOrdered(Arc<Val>, &'static str, Arc<Val>),
    /// `X is in Y` (`true`) or `X is not in Y` (`false`).
    In(Arc<Val>, bool, Arc<Val>),
    /// `X is in Y` (`true`) or `X is not in Y` (`false`), for strings.
    StringIn(Arc<Val>, bool, Arc<Val>),
    /// `is X, expected Y`.
    Expected(Arc<Val>, Arc<Val>),
    /// `X does not satisfy OP`.
    Unsatisfied(Arc<Val>, &'static str),
    /// `X is empty` (`true`) or `X is not empty` (`false`).
    Empty(Arc<Val>, bool),
}

impl Detail {
    fn text(&self) -> String {
        match self {
            Detail::Text(t) => t.clone(),
            Detail::NotOrdered(x, op, y) => {
                format!("{} is not {} {}", x.display(), op, y.display())
            }
            Detail::In(l, true, r) => format!("{} is in {}", l.display(), r.display()),
            Detail::In(l, false, r) => format!("{} is not in {}", l.display(), r.display()),
            Detail::StringIn(l, is_in, r) => format!(
                "{} is {}in {}",
                l.display(),
                if *is_in { "" } else { "not " },
                r.display()
            ),
            Detail::Expected(x, y) => format!("is {}, expected {}", x.display(), y.display()),
            Detail::Unsatisfied(x, op) => format!("{} does not satisfy {op}", x.display()),
            Detail::Empty(x, e) => {
                format!(
                    "{} is {}",
                    x.display(),
                    if *e { "empty" } else { "not empty" }
                )
            }
        }
    }
}

impl From<String> for Detail {
    fn from(text: String) -> Self {
        Detail::Text(text)
    }
}

impl<'f> Evaluator<'f> {
    fn new(file: &'f RulesFile, root: Arc<Val>, order_free: bool, size: &'f OnceLock<u64>) -> Self {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, r) in file.rules.iter().enumerate() {
            by_name.entry(r.name.as_str()).or_default().push(i);
        }
        Evaluator {
            file,
            root,
            done: RefCell::new(vec![None; file.rules.len()]),
            failures: RefCell::new(Vec::new()),
            quiet: Cell::new(0),
            depth: Cell::new(0),
            steps: Cell::new(0),
            budget: Cell::new(None),
            size,
            stopped: Cell::new(false),
            by_name,
            order_free,
        }
    }

    /// Takes one step: false when the evaluation is out of steps (it then
    /// stays out).
    fn step(&self) -> bool {
        let steps = self.steps.get().saturating_add(1);
        self.steps.set(steps);
        if steps > EVAL_STEPS_BASE && steps > self.budget() {
            self.stopped.set(true);
            return false;
        }
        true
    }

    /// Enters one level of evaluation: false when too deep, or when the
    /// evaluation is out of steps.
    fn deeper(&self) -> bool {
        if !self.step() {
            return false;
        }
        let d = self.depth.get();
        if d >= MAX_EVAL_DEPTH {
            return false;
        }
        self.depth.set(d + 1);
        true
    }

    fn up(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    fn budget(&self) -> u64 {
        if let Some(b) = self.budget.get() {
            return b;
        }
        let size = *self.size.get_or_init(|| self.root.size());
        let per_value = EVAL_STEPS_PER_VALUE.saturating_mul(size);
        let b = EVAL_STEPS_BASE.saturating_add(per_value);
        self.budget.set(Some(b));
        b
    }

    /// Runs a gate: its failures are dropped once it has run.
    fn quietly<T>(&self, gate: impl FnOnce() -> T) -> T {
        self.quiet.set(self.quiet.get().saturating_add(1));
        let out = gate();
        self.quiet.set(self.quiet.get().saturating_sub(1));
        out
    }

    fn mark(&self) -> usize {
        self.failures.borrow().len()
    }

    /// Keeps the failures recorded since `mark` only when `status` fails.
    fn settle(&self, mark: usize, status: Status) -> Status {
        if status != Status::Fail {
            self.failures.borrow_mut().truncate(mark);
        }
        status
    }

    fn fail(&self, at: Option<&Arc<Val>>, message: String, custom: &Option<String>, clause: RSpan) {
        if self.quiet.get() > 0 {
            return;
        }
        self.failures.borrow_mut().push(Failure {
            span: at.and_then(|v| v.span),
            message,
            custom: custom.clone(),
            clause,
        });
    }

    // ----- rules ---------------------------------------------------------

    fn rule_status_by_index(&self, idx: usize, root_scope: &Scope<'_>) -> Status {
        if let Some(Some(s)) = self.done.borrow().get(idx) {
            return *s;
        }
        let Some(rule) = self.file.rules.get(idx) else {
            return Status::Skip;
        };
        if !self.deeper() {
            self.fail(
                None,
                format!(
                    "rule `{}` is reached through more than {MAX_EVAL_DEPTH} nested rules, blocks or variables",
                    rule.name
                ),
                &None,
                rule.span,
            );
            return Status::Fail;
        }
        // Mark as in progress: a rule that refers to itself fails.
        if let Some(slot) = self.done.borrow_mut().get_mut(idx) {
            *slot = Some(Status::Fail);
        }
        let mark = self.mark();
        let status = match &rule.conditions {
            Some(conds) => {
                let gate = self.quietly(|| self.conjunction(conds, root_scope, Role::Gate));
                self.failures.borrow_mut().truncate(mark);
                if gate == Status::Pass {
                    self.block(
                        &rule.block,
                        root_scope,
                        Arc::clone(&root_scope.this),
                        Role::Assert,
                    )
                } else {
                    Status::Skip
                }
            }
            None => self.block(
                &rule.block,
                root_scope,
                Arc::clone(&root_scope.this),
                Role::Assert,
            ),
        };
        let status = self.settle(mark, status);
        if let Some(slot) = self.done.borrow_mut().get_mut(idx) {
            *slot = Some(status);
        }
        self.up();
        status
    }

    /// The verdict of every rule with this name: FAIL if any failed, PASS if
    /// any passed, else SKIP.
    fn rule_status(&self, name: &str, scope: &Scope<'_>) -> Option<Status> {
        let indices = self.by_name.get(name)?.clone();
        let mut root = scope;
        while let Some(p) = root.parent {
            root = p;
        }
        Some(and(indices
            .into_iter()
            .map(|i| self.rule_status_by_index(i, root))))
    }

    fn block(&self, block: &Block, parent: &Scope<'_>, this: Arc<Val>, role: Role) -> Status {
        if !self.deeper() {
            return Status::Fail;
        }
        let scope = Scope::child(parent, this, &block.lets);
        let s = self.conjunction(&block.clauses, &scope, role);
        self.up();
        s
    }

    fn conjunction(&self, conj: &Conjunction, scope: &Scope<'_>, role: Role) -> Status {
        let mark = self.mark();
        // In a gate, whose failures are dropped, the first failing clause
        // decides, when skipping the rest has no other effect.
        let fail_decides = self.order_free && self.quiet.get() > 0;
        let mut decided = false;
        let status = and(conj.iter().map_while(|d| {
            if decided {
                return None;
            }
            let s = self.disjunction(d, scope, role);
            decided = fail_decides && s == Status::Fail;
            Some(s)
        }));
        self.settle(mark, status)
    }

    fn disjunction(&self, clauses: &[Clause], scope: &Scope<'_>, role: Role) -> Status {
        let mark = self.mark();
        let mut fail = false;
        for c in clauses {
            match self.clause(c, scope, role) {
                Status::Pass => {
                    self.failures.borrow_mut().truncate(mark);
                    return Status::Pass;
                }
                Status::Fail => fail = true,
                Status::Skip => {}
            }
        }
        let s = if fail { Status::Fail } else { Status::Skip };
        self.settle(mark, s)
    }

    fn clause(&self, clause: &Clause, scope: &Scope<'_>, role: Role) -> Status {
        let mark = self.mark();
        let s = match clause {
            Clause::Access(a) => self.access(a, scope, role),
            Clause::Block {
                query,
                not_empty,
                block,
                span,
            } => self.block_clause(query, *not_empty, block, *span, scope, role),
            Clause::When {
                conditions, block, ..
            } => {
                let gate = self.quietly(|| self.conjunction(conditions, scope, Role::Gate));
                self.failures.borrow_mut().truncate(mark);
                if gate == Status::Pass {
                    self.block(block, scope, Arc::clone(&scope.this), role)
                } else {
                    Status::Skip
                }
            }
            Clause::NamedRule {
                name,
                negated,
                message,
                span,
            } => {
                let status = match self.rule_status(name, scope) {
                    Some(s) => s,
                    None => {
                        self.fail(
                            None,
                            format!("rule `{name}` is not defined in this file"),
                            message,
                            *span,
                        );
                        return Status::Fail;
                    }
                };
                let s = match (status, *negated, role) {
                    (Status::Pass, n, _) => {
                        if n {
                            Status::Fail
                        } else {
                            Status::Pass
                        }
                    }
                    (Status::Skip, _, Role::Assert) => Status::Fail,
                    (Status::Skip, false, Role::Gate) => Status::Skip,
                    (_, n, _) => {
                        if n {
                            Status::Pass
                        } else {
                            Status::Fail
                        }
                    }
                };
                if s == Status::Fail {
                    let what = match (status, *negated) {
                        (Status::Skip, _) => "did not apply",
                        (Status::Pass, true) => "passed",
                        _ => "failed",
                    };
                    self.fail(None, format!("rule `{name}` {what}"), message, *span);
                }
                s
            }
            Clause::ParamCall {
                name,
                args,
                negated,
                message,
                span,
            } => self.param_call(name, args, *negated, message, *span, scope, role),
            Clause::TypeBlock(tb) => self.type_block(tb, scope),
        };
        self.settle(mark, s)
    }

    #[allow(clippy::too_many_arguments)]
    fn param_call(
        &self,
        name: &str,
        args: &[LetValue],
        negated: bool,
        message: &Option<String>,
        span: RSpan,
        scope: &Scope<'_>,
        role: Role,
    ) -> Status {
        let Some(rule) = self.file.parameterized.iter().find(|r| r.name == name) else {
            self.fail(
                None,
                format!("parameterized rule `{name}` is not defined in this file"),
                message,
                span,
            );
            return Status::Fail;
        };
        if rule.params.len() != args.len() {
            self.fail(
                None,
                format!(
                    "rule `{name}` takes {} parameters, {} given",
                    rule.params.len(),
                    args.len()
                ),
                message,
                span,
            );
            return Status::Fail;
        }
        if !self.deeper() {
            return Status::Fail;
        }
        let mut call_scope = Scope::child(scope, Arc::clone(&scope.this), &[]);
        for (p, a) in rule.params.iter().zip(args) {
            let values = self.let_value(a, scope);
            call_scope.binds.push((p.clone(), Arc::new(values)));
        }
        let status = self.block(&rule.block, &call_scope, Arc::clone(&scope.this), role);
        self.up();
        let s = match (status, negated) {
            (Status::Skip, _) => Status::Skip,
            (s, true) => invert(s),
            (s, false) => s,
        };
        if s == Status::Fail && negated {
            self.fail(None, format!("rule `{name}` passed"), message, span);
        }
        s
    }

    fn type_block(&self, tb: &TypeBlock, scope: &Scope<'_>) -> Status {
        let Some(resources) = scope.this.get("Resources") else {
            return Status::Skip;
        };
        let Kind::Map(entries) = &resources.kind else {
            return Status::Skip;
        };
        let mut statuses = Vec::new();
        for (_, res) in entries {
            let is_type = res
                .get("Type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t == tb.type_name);
            if !is_type {
                continue;
            }
            let mark = self.mark();
            let inner = Scope::child(scope, Arc::clone(res), &[]);
            if let Some(conds) = &tb.conditions {
                let gate = self.quietly(|| self.conjunction(conds, &inner, Role::Gate));
                self.failures.borrow_mut().truncate(mark);
                if gate != Status::Pass {
                    statuses.push(Status::Skip);
                    continue;
                }
            }
            statuses.push(self.block(&tb.block, &inner, Arc::clone(res), Role::Assert));
        }
        and(statuses)
    }

    fn block_clause(
        &self,
        query: &Query,
        not_empty: bool,
        block: &Block,
        span: RSpan,
        scope: &Scope<'_>,
        role: Role,
    ) -> Status {
        let values = self.query(query, scope);
        if values.is_empty() {
            if not_empty {
                self.fail(
                    Some(&scope.this),
                    "the query selected nothing, expected at least one value".into(),
                    &None,
                    span,
                );
                return Status::Fail;
            }
            return Status::Skip;
        }
        let (mut pass, mut fail) = (0, 0);
        for v in &values {
            match v {
                QR::Unres(u) => {
                    fail += 1;
                    self.fail(Some(&u.at), u.reason.clone(), &None, span);
                }
                QR::Res(v) | QR::Lit(v) => match self.block(block, scope, Arc::clone(v), role) {
                    Status::Pass => pass += 1,
                    Status::Fail => fail += 1,
                    Status::Skip => {}
                },
            }
        }
        if !query.some {
            if fail > 0 {
                Status::Fail
            } else if pass > 0 {
                Status::Pass
            } else {
                Status::Skip
            }
        } else if pass > 0 {
            Status::Pass
        } else if fail > 0 {
            Status::Fail
        } else {
            Status::Skip
        }
    }

    // ----- access clauses ------------------------------------------------

    fn access(&self, a: &AccessClause, scope: &Scope<'_>, role: Role) -> Status {
        let lhs = self.query(&a.query, scope);
        let outcomes = if a.op.is_unary() {
            match self.unary(a, &lhs, role) {
                Ok(o) => o,
                Err(s) => return self.finish(a, s, Vec::new()),
            }
        } else {
            if lhs.is_empty() {
                let s = if a.query.is_lone_variable() && role == Role::Assert {
                    Status::Fail
                } else {
                    Status::Skip
                };
                if s == Status::Fail {
                    self.fail(
                        Some(&scope.this),
                        "the variable holds no value to compare".into(),
                        &a.message,
                        a.span,
                    );
                }
                return self.finish(a, s, Vec::new());
            }
            let rhs = match &a.rhs {
                Some(v) => self.let_value(v, scope),
                None => Vec::new(),
            };
            if rhs.is_empty() {
                let s = if a.op_not { Status::Pass } else { Status::Fail };
                let outcomes = if s == Status::Fail {
                    vec![Outcome {
                        pass: false,
                        at: lhs.first().and_then(QR::value).cloned(),
                        detail: Detail::Text("the right-hand side selected nothing".into()),
                    }]
                } else {
                    Vec::new()
                };
                return self.finish(a, s, outcomes);
            }
            compare(a.op, a.op_not, &lhs, &rhs)
        };
        if outcomes.is_empty() {
            return self.finish(a, Status::Skip, outcomes);
        }
        let s = if a.query.some {
            if outcomes.iter().any(|o| o.pass) {
                Status::Pass
            } else {
                Status::Fail
            }
        } else if outcomes.iter().all(|o| o.pass) {
            Status::Pass
        } else {
            Status::Fail
        };
        self.finish(a, s, outcomes)
    }

    /// Applies `not` before the query and records the failures.
    fn finish(&self, a: &AccessClause, status: Status, outcomes: Vec<Outcome>) -> Status {
        let status = if a.negated { invert(status) } else { status };
        if status == Status::Fail && self.quiet.get() == 0 {
            let failing: Vec<&Outcome> = if a.negated {
                outcomes.iter().filter(|o| o.pass).collect()
            } else {
                outcomes.iter().filter(|o| !o.pass).collect()
            };
            let q = &a.query.text;
            if failing.is_empty() {
                let what = if a.negated {
                    "holds, and the clause is negated"
                } else {
                    "does not hold"
                };
                self.fail(None, format!("`{q}` {what}"), &a.message, a.span);
            }
            for o in failing {
                self.fail(
                    o.at.as_ref(),
                    format!("`{q}`: {}", o.detail.text()),
                    &a.message,
                    a.span,
                );
            }
        }
        status
    }

    fn unary(&self, a: &AccessClause, lhs: &[QR], role: Role) -> Result<Vec<Outcome>, Status> {
        let op_text = a.op.text(a.op_not);
        let lone = a.query.is_lone_variable();
        if a.op == Op::Empty && (lone || a.query.ends_in_filter()) {
            if lhs.is_empty() {
                // An empty selection is empty.
                return Err(if a.op_not { Status::Fail } else { Status::Pass });
            }
            let mut out = Vec::new();
            for v in lhs {
                let empty = if lone {
                    element_empty(v)
                } else {
                    Some(match v {
                        QR::Res(x) | QR::Lit(x) => matches!(x.kind, Kind::Null),
                        QR::Unres(_) => true,
                    })
                };
                let (pass, detail) = match (empty, v) {
                    (Some(e), QR::Res(x) | QR::Lit(x)) => {
                        (e != a.op_not, Detail::Empty(Arc::clone(x), e))
                    }
                    (Some(e), QR::Unres(_)) => (
                        e != a.op_not,
                        Detail::Text(format!(
                            "{} is {}",
                            describe(v),
                            if e { "empty" } else { "not empty" }
                        )),
                    ),
                    (None, _) => (
                        false,
                        Detail::Text(format!("{} cannot be checked with {op_text}", describe(v))),
                    ),
                };
                out.push(Outcome {
                    pass,
                    at: at_of(v),
                    detail,
                });
            }
            return Ok(out);
        }
        if lhs.is_empty() {
            return Err(Status::Skip);
        }
        let _ = role;
        let mut out = Vec::with_capacity(lhs.len());
        for v in lhs {
            let holds = match a.op {
                Op::Exists => Some(!matches!(v, QR::Unres(_))),
                Op::Empty => element_empty(v),
                op => Some(match v.value() {
                    None => false,
                    Some(x) => matches!(
                        (op, &x.kind),
                        (Op::IsString, Kind::Str(_))
                            | (Op::IsList, Kind::List(_))
                            | (Op::IsStruct, Kind::Map(_))
                            | (Op::IsBool, Kind::Bool(_))
                            | (Op::IsInt, Kind::Int(_))
                            | (Op::IsFloat, Kind::Float(_))
                            | (Op::IsNull, Kind::Null)
                    ),
                }),
            };
            let (pass, detail) = match (holds, v) {
                (Some(h), QR::Res(x) | QR::Lit(x)) => {
                    (h != a.op_not, Detail::Unsatisfied(Arc::clone(x), op_text))
                }
                (Some(h), QR::Unres(_)) => (
                    h != a.op_not,
                    Detail::Text(format!("{} does not satisfy {op_text}", describe(v))),
                ),
                (None, _) => (
                    false,
                    Detail::Text(format!("{} cannot be checked with {op_text}", describe(v))),
                ),
            };
            out.push(Outcome {
                pass,
                at: at_of(v),
                detail,
            });
        }
        Ok(out)
    }

    // ----- values and queries ---------------------------------------------

    fn let_value(&self, v: &LetValue, scope: &Scope<'_>) -> Vec<QR> {
        match v {
            LetValue::Literal(l) => vec![QR::Lit(Arc::clone(&l.value))],
            LetValue::Query(q) => self.query(q, scope),
            LetValue::Call(c) => {
                let args: Vec<Vec<QR>> = c.args.iter().map(|a| self.let_value(a, scope)).collect();
                functions::call(c.func, &args)
            }
        }
    }

    fn variable(&self, name: &str, scope: &Scope<'_>) -> Option<Arc<Vec<QR>>> {
        let mut s = Some(scope);
        while let Some(sc) = s {
            if let Some((_, v)) = sc.binds.iter().rev().find(|(n, _)| n == name) {
                return Some(Arc::clone(v));
            }
            let captured: Vec<QR> = sc
                .captures
                .borrow()
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, k)| QR::Res(Arc::clone(k)))
                .collect();
            if !captured.is_empty() {
                return Some(Arc::new(captured));
            }
            if let Some(idx) = sc.lets.iter().position(|l| l.name == name) {
                if let Some(Some(cached)) = sc.cache.borrow().get(idx) {
                    return Some(Arc::clone(cached));
                }
                if sc.busy.borrow().get(idx).copied().unwrap_or(false) {
                    return Some(Arc::new(Vec::new()));
                }
                if let Some(b) = sc.busy.borrow_mut().get_mut(idx) {
                    *b = true;
                }
                let values = match sc.lets.get(idx) {
                    Some(l) if self.deeper() => {
                        let v = self.let_value(&l.value, sc);
                        self.up();
                        v
                    }
                    _ => Vec::new(),
                };
                let values = Arc::new(values);
                if let Some(slot) = sc.cache.borrow_mut().get_mut(idx) {
                    *slot = Some(Arc::clone(&values));
                }
                return Some(values);
            }
            s = sc.parent;
        }
        None
    }

    fn query(&self, q: &Query, scope: &Scope<'_>) -> Vec<QR> {
        let mut out = Vec::new();
        if !self.deeper() {
            return out;
        }
        self.resolve(&q.parts, 0, Arc::clone(&scope.this), scope, &mut out);
        self.up();
        out
    }

    fn resolve(
        &self,
        parts: &[Part],
        idx: usize,
        current: Arc<Val>,
        scope: &Scope<'_>,
        out: &mut Vec<QR>,
    ) {
        // Each value a query passes counts as a step: one query over every
        // resource of a large template is that many steps, not one.
        if !self.step() {
            return;
        }
        let Some(part) = parts.get(idx) else {
            out.push(QR::Res(current));
            return;
        };
        if idx == 0 {
            if let Part::Var(name) = part {
                let Some(values) = self.variable(name, scope) else {
                    out.push(unres(
                        &current,
                        format!("variable `%{name}` is not defined"),
                    ));
                    return;
                };
                let next = match parts.get(1) {
                    Some(Part::AllIndices(_)) => 2,
                    _ => 1,
                };
                for v in values.iter() {
                    match v {
                        QR::Unres(_) => out.push(v.clone()),
                        QR::Res(x) | QR::Lit(x) => {
                            if next < parts.len() {
                                self.resolve(parts, next, Arc::clone(x), scope, out);
                            } else {
                                out.push(v.clone());
                            }
                        }
                    }
                }
                return;
            }
        }
        match part {
            Part::This => self.resolve(parts, idx + 1, current, scope, out),
            Part::Key(key) => {
                if let Ok(n) = key.parse::<i64>() {
                    return self.index(parts, idx, n, current, scope, out);
                }
                match &current.kind {
                    Kind::Map(_) => match current.get(key).or_else(|| {
                        // As cfn-guard: a missing key is looked up again in
                        // other letter cases (`cfn_nag` finds `cfn-nag`).
                        case_variants(key).iter().find_map(|k| current.get(k))
                    }) {
                        Some(v) => self.resolve(parts, idx + 1, Arc::clone(v), scope, out),
                        None => out.push(unres(&current, format!("key `{key}` is missing"))),
                    },
                    _ => out.push(unres(
                        &current,
                        format!("key `{key}` cannot be read from a {}", current.type_name()),
                    )),
                }
            }
            Part::Var(name) => {
                let Kind::Map(_) = &current.kind else {
                    out.push(unres(
                        &current,
                        format!(
                            "keys from `%{name}` cannot be read from a {}",
                            current.type_name()
                        ),
                    ));
                    return;
                };
                let Some(keys) = self.variable(name, scope) else {
                    out.push(unres(
                        &current,
                        format!("variable `%{name}` is not defined"),
                    ));
                    return;
                };
                let (keys, next): (Vec<QR>, usize) = match parts.get(idx + 1) {
                    Some(Part::Index(n)) => match index_of(*n, keys.len()) {
                        Some(i) => (keys.get(i).cloned().into_iter().collect(), idx + 2),
                        None => {
                            out.push(unres(&current, format!("index {n} is out of bounds")));
                            return;
                        }
                    },
                    _ => (keys.to_vec(), idx + 1),
                };
                for k in keys {
                    let names: Vec<String> = match k.value().map(|v| &v.kind) {
                        Some(Kind::Str(s)) => vec![s.to_string()],
                        Some(Kind::List(items)) => items
                            .iter()
                            .filter_map(|i| i.as_str().map(str::to_string))
                            .collect(),
                        _ => {
                            out.push(unres(&current, format!("`%{name}` holds no key name")));
                            continue;
                        }
                    };
                    for n in names {
                        match current.get(&n) {
                            Some(v) => self.resolve(parts, next, Arc::clone(v), scope, out),
                            None => out.push(unres(&current, format!("key `{n}` is missing"))),
                        }
                    }
                }
            }
            Part::Index(n) => self.index(parts, idx, *n, current, scope, out),
            Part::AllIndices(name) => match &current.kind {
                Kind::List(items) => {
                    if items.is_empty() {
                        out.push(unres(&current, "the list is empty"));
                    }
                    for v in items {
                        self.resolve(parts, idx + 1, Arc::clone(v), scope, out);
                    }
                }
                Kind::Map(entries) => match name {
                    None => self.resolve(parts, idx + 1, Arc::clone(&current), scope, out),
                    Some(n) => self.each_entry(parts, idx, &current, entries, Some(n), scope, out),
                },
                _ => self.resolve(parts, idx + 1, Arc::clone(&current), scope, out),
            },
            Part::AllValues(name) => match &current.kind {
                Kind::List(items) => {
                    if items.is_empty() {
                        out.push(unres(&current, "the list is empty"));
                    }
                    for v in items {
                        self.resolve(parts, idx + 1, Arc::clone(v), scope, out);
                    }
                }
                Kind::Map(entries) => {
                    self.each_entry(parts, idx, &current, entries, name.as_ref(), scope, out)
                }
                _ => self.resolve(parts, idx + 1, Arc::clone(&current), scope, out),
            },
            Part::Filter(capture, conj) => {
                let prev_all = matches!(
                    idx.checked_sub(1).and_then(|p| parts.get(p)),
                    Some(Part::AllValues(_)) | Some(Part::AllIndices(_))
                );
                match &current.kind {
                    Kind::Map(entries) => {
                        if prev_all {
                            if self.filter_holds(conj, &current, scope) {
                                self.resolve(parts, idx + 1, Arc::clone(&current), scope, out);
                            }
                        } else {
                            for (k, v) in entries {
                                if self.filter_holds(conj, v, scope) {
                                    if let Some(c) = capture {
                                        scope.capture(c, k);
                                    }
                                    self.resolve(parts, idx + 1, Arc::clone(v), scope, out);
                                }
                            }
                        }
                    }
                    Kind::List(items) => {
                        for v in items {
                            if self.filter_holds(conj, v, scope) {
                                self.resolve(parts, idx + 1, Arc::clone(v), scope, out);
                            }
                        }
                    }
                    _ if prev_all => {
                        if self.filter_holds(conj, &current, scope) {
                            self.resolve(parts, idx + 1, Arc::clone(&current), scope, out);
                        }
                    }
                    _ => out.push(unres(
                        &current,
                        format!("a filter cannot select from a {}", current.type_name()),
                    )),
                }
            }
            Part::KeysFilter(capture, op, with) => {
                let Kind::Map(entries) = &current.kind else {
                    out.push(unres(
                        &current,
                        format!("keys cannot be read from a {}", current.type_name()),
                    ));
                    return;
                };
                let inner = Scope::value(scope, Arc::clone(&current));
                let rhs = self.let_value(with, &inner);
                for u in rhs.iter().filter(|r| matches!(r, QR::Unres(_))) {
                    out.push(u.clone());
                }
                let rhs: Vec<QR> = rhs
                    .into_iter()
                    .filter(|r| !matches!(r, QR::Unres(_)))
                    .collect();
                for (k, v) in entries {
                    let (cop, not) = match op {
                        KeysOp::Eq => (Op::Eq, false),
                        KeysOp::NotEq => (Op::Eq, true),
                        KeysOp::In => (Op::In, false),
                        KeysOp::NotIn => (Op::In, true),
                    };
                    let outcomes = compare(cop, not, &[QR::Res(Arc::clone(k))], &rhs);
                    if !outcomes.is_empty() && outcomes.iter().all(|o| o.pass) {
                        if let Some(c) = capture {
                            scope.capture(c, k);
                        }
                        self.resolve(parts, idx + 1, Arc::clone(v), scope, out);
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn each_entry(
        &self,
        parts: &[Part],
        idx: usize,
        current: &Arc<Val>,
        entries: &[(Arc<Val>, Arc<Val>)],
        capture: Option<&String>,
        scope: &Scope<'_>,
        out: &mut Vec<QR>,
    ) {
        if entries.is_empty() {
            out.push(unres(current, "the map is empty"));
            return;
        }
        for (k, v) in entries {
            if let Some(c) = capture {
                scope.capture(c, k);
            }
            self.resolve(parts, idx + 1, Arc::clone(v), scope, out);
        }
    }

    fn index(
        &self,
        parts: &[Part],
        idx: usize,
        n: i64,
        current: Arc<Val>,
        scope: &Scope<'_>,
        out: &mut Vec<QR>,
    ) {
        match &current.kind {
            Kind::List(items) => match index_of(n, items.len()).and_then(|i| items.get(i)) {
                Some(v) => self.resolve(parts, idx + 1, Arc::clone(v), scope, out),
                None => out.push(unres(
                    &current,
                    format!("index {n} is out of bounds (the list has {})", items.len()),
                )),
            },
            _ => out.push(unres(
                &current,
                format!("index {n} cannot be read from a {}", current.type_name()),
            )),
        }
    }

    /// Whether a filter's clauses hold on `value` (a test, not an assertion).
    fn filter_holds(&self, conj: &Conjunction, value: &Arc<Val>, scope: &Scope<'_>) -> bool {
        if !self.deeper() {
            return false;
        }
        let mark = self.mark();
        let inner = Scope::value(scope, Arc::clone(value));
        let s = self.quietly(|| self.conjunction(conj, &inner, Role::Gate));
        self.failures.borrow_mut().truncate(mark);
        self.up();
        s == Status::Pass
    }
}

/// The words of a key: split at every character that is not a letter or a
/// digit (`_`, `-`, spaces, `!`) and at lower-to-upper case changes.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalized(w: &str) -> String {
    let lower = w.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A key's words in lower case joined by `_` (its snake_case spelling): a
/// key and each of its [`case_variants`] that is in lower snake_case have
/// this same form.
pub(super) fn canonical_key(key: &str) -> String {
    words(key)
        .iter()
        .map(|x| x.to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// A key in camelCase, PascalCase, kebab-case, snake_case, Title Case and
/// Train-Case, the spellings cfn-guard tries for a missing key.
pub(super) fn case_variants(key: &str) -> Vec<String> {
    let w = words(key);
    if w.is_empty() {
        return Vec::new();
    }
    let lower: Vec<String> = w.iter().map(|x| x.to_lowercase()).collect();
    let caps: Vec<String> = w.iter().map(|x| capitalized(x)).collect();
    let camel = lower
        .first()
        .cloned()
        .into_iter()
        .chain(caps.iter().skip(1).cloned())
        .collect::<String>();
    let mut out = vec![
        camel,
        caps.concat(),
        lower.join("-"),
        lower.join("_"),
        caps.join(" "),
        caps.join("-"),
    ];
    out.retain(|v| v != key);
    out
}

/// A possibly negative index into a list of `len` items.
fn index_of(n: i64, len: usize) -> Option<usize> {
    if n >= 0 {
        usize::try_from(n).ok().filter(|i| *i < len)
    } else {
        let back = usize::try_from(n.checked_neg()?).ok()?;
        len.checked_sub(back)
    }
}

fn at_of(v: &QR) -> Option<Arc<Val>> {
    match v {
        QR::Res(x) | QR::Lit(x) => Some(Arc::clone(x)),
        QR::Unres(u) => Some(Arc::clone(&u.at)),
    }
}

fn describe(v: &QR) -> String {
    match v {
        QR::Res(x) | QR::Lit(x) => x.display(),
        QR::Unres(u) => format!("the query ({})", u.reason),
    }
}

/// Emptiness of one value; `None` for a type that has none.
fn element_empty(v: &QR) -> Option<bool> {
    match v {
        QR::Unres(_) => Some(true),
        QR::Res(x) | QR::Lit(x) => match &x.kind {
            Kind::List(l) => Some(l.is_empty()),
            Kind::Map(m) => Some(m.is_empty()),
            Kind::Str(s) => Some(s.is_empty()),
            Kind::Null => Some(true),
            _ => None,
        },
    }
}

// ----- binary comparisons (cfn-guard's operator semantics) ----------------

fn single_literal(v: &[QR]) -> Option<&Arc<Val>> {
    match v {
        [QR::Lit(x)] => Some(x),
        _ => None,
    }
}

/// Equality: `None` when the two cannot be compared (different types).
fn eq(l: &Val, r: &Val) -> Option<bool> {
    match (&l.kind, &r.kind) {
        (Kind::Map(a), Kind::Map(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            for (k, v) in a {
                match b.iter().find(|(k2, _)| k2.as_str() == k.as_str()) {
                    Some((_, v2)) => {
                        if !eq(v, v2)? {
                            return Some(false);
                        }
                    }
                    None => return Some(false),
                }
            }
            Some(true)
        }
        (Kind::List(a), Kind::List(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            for (x, y) in a.iter().zip(b) {
                if !eq(x, y)? {
                    return Some(false);
                }
            }
            Some(true)
        }
        (Kind::Str(_), Kind::Regex(_))
        | (Kind::Regex(_), Kind::Str(_))
        | (Kind::Str(_), Kind::Str(_))
        | (Kind::Bool(_), Kind::Bool(_))
        | (Kind::Regex(_), Kind::Regex(_))
        | (Kind::Int(_), Kind::RangeInt(_))
        | (Kind::Float(_), Kind::RangeFloat(_))
        | (Kind::Int(_), Kind::RangeFloat(_))
        | (Kind::Char(_), Kind::RangeChar(_))
        | (Kind::Null, Kind::Null)
        | (Kind::Int(_), Kind::Int(_))
        | (Kind::Float(_), Kind::Float(_))
        | (Kind::Int(_), Kind::Float(_))
        | (Kind::Float(_), Kind::Int(_))
        | (Kind::Char(_), Kind::Char(_)) => Some(value::equal(l, r)),
        (Kind::Float(f), Kind::RangeInt(rg)) => Some(
            value::Range {
                lower: rg.lower as f64,
                upper: rg.upper as f64,
                lower_inclusive: rg.lower_inclusive,
                upper_inclusive: rg.upper_inclusive,
            }
            .contains(f),
        ),
        _ => None,
    }
}

/// Sameness for list membership (cfn-guard's value equality): a string is
/// the same as a regex it matches, numbers compare by value, ranges and
/// containers compare structurally.
fn same(l: &Val, r: &Val) -> bool {
    same_at(l, r, 0)
}

fn same_at(l: &Val, r: &Val, depth: usize) -> bool {
    if depth > 256 {
        return false;
    }
    match (&l.kind, &r.kind) {
        (Kind::Map(a), Kind::Map(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, v)| {
                    b.iter()
                        .any(|(k2, v2)| k.as_str() == k2.as_str() && same_at(v, v2, depth + 1))
                })
        }
        (Kind::List(a), Kind::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_at(x, y, depth + 1))
        }
        (Kind::Bool(a), Kind::Bool(b)) => a == b,
        (Kind::Str(_), Kind::Regex(_))
        | (Kind::Regex(_), Kind::Str(_))
        | (Kind::Regex(_), Kind::Regex(_))
        | (Kind::RangeInt(_), Kind::RangeInt(_))
        | (Kind::RangeFloat(_), Kind::RangeFloat(_))
        | (Kind::RangeChar(_), Kind::RangeChar(_))
        | (Kind::Null, Kind::Null) => value::equal(l, r),
        _ => value::order(l, r) == Some(std::cmp::Ordering::Equal),
    }
}

fn outcome(pass: bool, at: &Arc<Val>, detail: impl Into<Detail>) -> Outcome {
    Outcome {
        pass,
        at: Some(Arc::clone(at)),
        detail: detail.into(),
    }
}

fn match_eq(equal: Option<bool>, l: &Arc<Val>, r: &Arc<Val>) -> Outcome {
    match equal {
        Some(true) => outcome(true, l, String::new()),
        Some(false) => outcome(false, l, Detail::Expected(Arc::clone(l), Arc::clone(r))),
        None => outcome(
            false,
            l,
            format!(
                "{} ({}) cannot be compared with {} ({})",
                l.display(),
                l.type_name(),
                r.display(),
                r.type_name()
            ),
        ),
    }
}

/// `l IN r` for one pair. `Err` for pairs that cannot be compared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InKind {
    /// A scalar in a list, or equality.
    Value,
    /// Every item of a list in a list.
    List,
}

fn contained_in(l: &Arc<Val>, r: &Arc<Val>) -> (Option<bool>, InKind) {
    match (&l.kind, &r.kind) {
        (Kind::List(litems), Kind::List(ritems)) => {
            if ritems.first().is_some_and(|f| f.is_list()) {
                (Some(ritems.iter().any(|x| same(x, l))), InKind::Value)
            } else {
                (
                    Some(litems.iter().all(|x| ritems.iter().any(|y| same(x, y)))),
                    InKind::List,
                )
            }
        }
        (Kind::List(_), _) => (None, InKind::Value),
        (_, Kind::List(ritems)) => (Some(ritems.iter().any(|y| same(l, y))), InKind::Value),
        _ => (eq(l, r), InKind::Value),
    }
}

fn in_outcome(l: &Arc<Val>, r: &Arc<Val>, not: bool) -> Outcome {
    let (res, kind) = contained_in(l, r);
    match res {
        None => outcome(
            false,
            l,
            format!("{} cannot be looked up in {}", l.display(), r.display()),
        ),
        Some(c) => {
            let pass = if not {
                match (kind, &l.kind, &r.kind) {
                    // NOT IN over a list: no item may be in the other list.
                    (InKind::List, Kind::List(litems), Kind::List(ritems)) => {
                        !litems.iter().any(|x| ritems.iter().any(|y| same(x, y)))
                    }
                    _ => !c,
                }
            } else {
                c
            };
            outcome(pass, l, Detail::In(Arc::clone(l), not, Arc::clone(r)))
        }
    }
}

fn string_in(l: &Arc<Val>, r: &Arc<Val>) -> Option<bool> {
    match (&l.kind, &r.kind) {
        (Kind::Str(a), Kind::Str(b)) => Some(b.contains(&**a)),
        _ => None,
    }
}

fn unresolved_lhs(u: &Unres) -> Outcome {
    Outcome {
        pass: false,
        at: Some(Arc::clone(&u.at)),
        detail: Detail::Text(u.reason.clone()),
    }
}

fn selected(v: &[QR], unresolved: &mut dyn FnMut(&Unres)) -> Vec<Arc<Val>> {
    let mut out = Vec::with_capacity(v.len());
    for x in v {
        match x {
            QR::Res(x) | QR::Lit(x) => out.push(Arc::clone(x)),
            QR::Unres(u) => unresolved(u),
        }
    }
    out
}

/// Compares the two sides of a binary clause.
fn compare(op: Op, not: bool, lhs: &[QR], rhs: &[QR]) -> Vec<Outcome> {
    match op {
        Op::Eq => compare_eq(not, lhs, rhs),
        Op::In => compare_in(not, lhs, rhs),
        _ => compare_order(op, lhs, rhs),
    }
}

fn compare_order(op: Op, lhs: &[QR], rhs: &[QR]) -> Vec<Outcome> {
    let mut out = Vec::new();
    let flatten = |v: Vec<Arc<Val>>| -> Vec<Arc<Val>> {
        let mut o = Vec::new();
        for x in v {
            match &x.kind {
                Kind::List(items) => o.extend(items.iter().cloned()),
                _ => o.push(x),
            }
        }
        o
    };
    let l = flatten(selected(lhs, &mut |u| out.push(unresolved_lhs(u))));
    let mut rhs_unres = Vec::new();
    let r = flatten(selected(rhs, &mut |u| rhs_unres.push(u.clone())));
    for u in rhs_unres {
        for x in &l {
            out.push(outcome(
                false,
                x,
                format!("the right-hand side could not be resolved: {}", u.reason),
            ));
        }
    }
    for x in &l {
        for y in &r {
            let o = value::order(x, y);
            let pass = match (op, o) {
                (_, None) => None,
                (Op::Gt, Some(o)) => Some(o.is_gt()),
                (Op::Ge, Some(o)) => Some(o.is_ge()),
                (Op::Lt, Some(o)) => Some(o.is_lt()),
                (Op::Le, Some(o)) => Some(o.is_le()),
                _ => None,
            };
            out.push(match pass {
                Some(p) => outcome(
                    p,
                    x,
                    Detail::NotOrdered(Arc::clone(x), op.text(false), Arc::clone(y)),
                ),
                None => outcome(
                    false,
                    x,
                    format!("{} cannot be compared with {}", x.display(), y.display()),
                ),
            });
        }
    }
    out
}

fn invert_outcomes(mut v: Vec<Outcome>) -> Vec<Outcome> {
    for o in &mut v {
        o.pass = !o.pass;
        if !o.pass {
            if let Some(at) = &o.at {
                o.detail = Detail::Text(format!("is {}, which it must not be", at.display()));
            }
        }
    }
    v
}

fn compare_eq(not: bool, lhs: &[QR], rhs: &[QR]) -> Vec<Outcome> {
    let mut out = Vec::new();
    // Outcomes that stay failures whatever `not` says (unresolved values,
    // values of types that cannot be compared).
    let mut fixed = Vec::new();
    match (single_literal(lhs), single_literal(rhs)) {
        (Some(l), Some(r)) => push_eq(&mut out, &mut fixed, l, r),
        (Some(l), None) => {
            let r = selected(rhs, &mut |u| fixed.push(unresolved_lhs(u)));
            for each in &r {
                match (&l.kind, &each.kind) {
                    (Kind::List(_), _) => push_eq(&mut out, &mut fixed, l, each),
                    (_, Kind::List(items)) => {
                        for i in items {
                            push_eq(&mut out, &mut fixed, l, i);
                        }
                    }
                    _ => push_eq(&mut out, &mut fixed, l, each),
                }
            }
        }
        (None, Some(r)) => {
            let l = selected(lhs, &mut |u| fixed.push(unresolved_lhs(u)));
            match &r.kind {
                Kind::List(ritems) => {
                    for each in &l {
                        match ritems.as_slice() {
                            [single] if each.is_scalar() => {
                                push_eq(&mut out, &mut fixed, each, single)
                            }
                            _ => push_eq(&mut out, &mut fixed, each, r),
                        }
                    }
                }
                _ => {
                    for each in &l {
                        match &each.kind {
                            Kind::List(items) => {
                                for i in items {
                                    push_eq(&mut out, &mut fixed, i, r);
                                }
                            }
                            _ => push_eq(&mut out, &mut fixed, each, r),
                        }
                    }
                }
            }
        }
        (None, None) => {
            let l = selected(lhs, &mut |u| fixed.push(unresolved_lhs(u)));
            let mut r_unres = Vec::new();
            let r = selected(rhs, &mut |u| r_unres.push(u.clone()));
            for u in r_unres {
                for x in &l {
                    fixed.push(outcome(
                        false,
                        x,
                        format!("the right-hand side could not be resolved: {}", u.reason),
                    ));
                }
            }
            let contains = |set: &[Arc<Val>], x: &Arc<Val>| set.iter().any(|y| same(x, y));
            let diff: Vec<Arc<Val>> = if l.len() > r.len() {
                l.iter().filter(|x| !contains(&r, x)).cloned().collect()
            } else {
                r.iter().filter(|x| !contains(&l, x)).cloned().collect()
            };
            let pass = if not {
                // Reverse: the values that are in both sides must be none.
                let base = if r.len() >= l.len() { &r } else { &l };
                base.iter().all(|x| contains(&diff, x))
            } else {
                diff.is_empty()
            };
            let at = l.first().cloned();
            let detail = if not {
                "the two sides have values in common".to_string()
            } else {
                format!(
                    "the values differ: {}",
                    diff.iter()
                        .map(|d| d.display())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            out.push(Outcome {
                pass,
                at: diff.first().cloned().or(at),
                detail: detail.into(),
            });
            out.extend(fixed);
            return out;
        }
    }
    if not {
        out = invert_outcomes(out);
    }
    out.extend(fixed);
    out
}

fn push_eq(out: &mut Vec<Outcome>, fixed: &mut Vec<Outcome>, l: &Arc<Val>, r: &Arc<Val>) {
    let equal = eq(l, r);
    let o = match_eq(equal, l, r);
    if equal.is_none() {
        fixed.push(o);
    } else {
        out.push(o);
    }
}

fn compare_in(not: bool, lhs: &[QR], rhs: &[QR]) -> Vec<Outcome> {
    let mut out = Vec::new();
    match (single_literal(lhs), single_literal(rhs)) {
        (Some(l), Some(r)) => {
            let o = match string_in(l, r) {
                Some(true) => outcome(!not, l, format!("{} is in {}", l.display(), r.display())),
                _ => in_outcome(l, r, not),
            };
            out.push(o);
        }
        (Some(l), None) => {
            let r = selected(rhs, &mut |u| out.push(unresolved_lhs(u)));
            if r.iter().any(|x| x.is_list()) {
                for x in &r {
                    out.push(in_outcome(l, x, not));
                }
            } else if let Kind::List(items) = &l.kind {
                let contained: Vec<bool> =
                    items.iter().map(|i| r.iter().any(|y| same(i, y))).collect();
                let pass = if not {
                    !contained.iter().any(|c| *c)
                } else {
                    contained.iter().all(|c| *c)
                };
                out.push(outcome(
                    pass,
                    l,
                    format!(
                        "{} is {}in the selected values",
                        l.display(),
                        if not { "" } else { "not " }
                    ),
                ));
            } else {
                for x in &r {
                    out.push(in_outcome(l, x, not));
                }
            }
        }
        (None, Some(r)) => {
            let l = selected(lhs, &mut |u| out.push(unresolved_lhs(u)));
            for each in &l {
                match (&r.kind, &each.kind) {
                    (Kind::Str(_), Kind::List(items)) => {
                        for i in items {
                            out.push(string_in_outcome(i, r, not));
                        }
                    }
                    (Kind::Str(_), _) => out.push(string_in_outcome(each, r, not)),
                    _ => out.push(in_outcome(each, r, not)),
                }
            }
        }
        (None, None) => {
            let l = selected(lhs, &mut |u| out.push(unresolved_lhs(u)));
            let mut r_unres = Vec::new();
            let r = selected(rhs, &mut |u| r_unres.push(u.clone()));
            for u in r_unres {
                for x in &l {
                    out.push(outcome(
                        false,
                        x,
                        format!("the right-hand side could not be resolved: {}", u.reason),
                    ));
                }
            }
            let is_in = |x: &Arc<Val>| {
                r.iter()
                    .any(|y| matches!(contained_in(x, y), (Some(true), _)))
            };
            if not {
                let common: Vec<&Arc<Val>> = l.iter().filter(|x| is_in(x)).collect();
                out.push(Outcome {
                    pass: common.is_empty(),
                    at: common.first().map(|x| Arc::clone(x)),
                    detail: common
                        .first()
                        .map(|x| format!("{} is in the selected values", x.display()))
                        .unwrap_or_default()
                        .into(),
                });
            } else {
                let missing: Vec<&Arc<Val>> = l.iter().filter(|x| !is_in(x)).collect();
                out.push(Outcome {
                    pass: missing.is_empty(),
                    at: missing.first().map(|x| Arc::clone(x)),
                    detail: missing
                        .first()
                        .map(|x| format!("{} is not in the selected values", x.display()))
                        .unwrap_or_default()
                        .into(),
                });
            }
        }
    }
    out
}

fn string_in_outcome(l: &Arc<Val>, r: &Arc<Val>, not: bool) -> Outcome {
    match string_in(l, r) {
        Some(c) => outcome(
            c != not,
            l,
            Detail::StringIn(Arc::clone(l), not, Arc::clone(r)),
        ),
        None => outcome(
            false,
            l,
            format!("{} cannot be looked up in {}", l.display(), r.display()),
        ),
    }
}
