//! A small evaluator for the Terraform expressions the extractor needs:
//! literals, variables' defaults, locals, templates whose parts are known,
//! references to resources of the module and a few list/map functions.
//!
//! Anything else is [`Val::Unknown`]; a value that exists but lives outside
//! the scan (a data source's computed attribute) is [`Val::External`]. Both
//! carry a description of the expression for messages. Nothing is guessed.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::cell::{Cell, RefCell};
use std::collections::hash_map::Entry as Slot;

use crate::source::Span;
use crate::syntax::{hcl, Entry, Node, RefPart, TemplatePart, Value};

/// Resources whose reference by `.id` is a security group.
pub(super) const GROUP_TYPES: [&str; 2] = ["aws_security_group", "aws_default_security_group"];

/// A value with the span of the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ev {
    pub v: Val,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// Not resolvable statically; the text describes the expression.
    Unknown(String),
    /// A concrete value from outside the scan (a data source attribute).
    External(String),
    Null,
    Bool(bool),
    /// A number as written.
    Num(String),
    Str(String),
    List(Vec<Ev>),
    Map(Vec<MapItem>),
    /// The ID of a security group resource of the module (its address).
    Group(String),
    /// The EKS cluster security group of `aws_eks_cluster` (its address).
    ClusterSg(String),
    /// The name or ID of an `aws_eks_cluster` (its address).
    Cluster(String),
    /// The ID or name of an `aws_launch_template` (its address).
    LaunchTemplate(String),
    /// The name or ID of an `aws_launch_configuration` (its address).
    LaunchConfig(String),
    /// The branches of a conditional whose condition is unknown.
    OneOf(Vec<Ev>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct MapItem {
    pub key: String,
    pub key_span: Span,
    pub val: Ev,
}

impl Ev {
    pub fn new(v: Val, span: Span) -> Self {
        Ev { v, span }
    }

    /// A field of a map value.
    pub fn field(&self, key: &str) -> Option<&Ev> {
        match &self.v {
            Val::Map(items) => items.iter().find(|i| i.key == key).map(|i| &i.val),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.v, Val::Null)
    }

    /// A boolean from `true`/`false` or their string forms.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.v {
            Val::Bool(b) => Some(*b),
            Val::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Val::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// A scalar's text.
    pub fn as_text(&self) -> Option<&str> {
        match &self.v {
            Val::Str(s) | Val::Num(s) => Some(s),
            Val::Bool(b) => Some(if *b { "true" } else { "false" }),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        let s = match &self.v {
            Val::Num(s) | Val::Str(s) => s.trim(),
            _ => return None,
        };
        s.parse::<i64>().ok().or_else(|| {
            let f: f64 = s.parse().ok()?;
            (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
        })
    }

    /// What the value stands for, for messages.
    pub fn describe(&self) -> String {
        match &self.v {
            Val::Unknown(d) | Val::External(d) => d.clone(),
            Val::Str(s) | Val::Num(s) => s.clone(),
            Val::Group(a) | Val::Cluster(a) | Val::LaunchTemplate(a) | Val::LaunchConfig(a) => {
                a.clone()
            }
            Val::ClusterSg(a) => format!("{a}.vpc_config[0].cluster_security_group_id"),
            Val::Bool(b) => b.to_string(),
            Val::Null => "null".into(),
            Val::List(_) => "a list".into(),
            Val::Map(_) => "a map".into(),
            Val::OneOf(_) => "a conditional".into(),
        }
    }

    /// Nodes in the value, text counted as a node per [`TEXT_WEIGHT`]
    /// bytes, bounded: a guard for memoised values.
    fn size_capped(&self, cap: usize) -> usize {
        let mut count = 0usize;
        let mut stack = vec![self];
        while let Some(ev) = stack.pop() {
            count += 1;
            if let Val::Str(s) | Val::Num(s) = &ev.v {
                count = count.saturating_add(s.len() / TEXT_WEIGHT);
            }
            if count > cap {
                return count;
            }
            match &ev.v {
                Val::List(items) | Val::OneOf(items) => stack.extend(items.iter()),
                Val::Map(items) => stack.extend(items.iter().map(|i| &i.val)),
                _ => {}
            }
        }
        count
    }
}

/// One `resource` or `data` block of the module.
#[derive(Debug)]
pub(super) struct Resource<'a> {
    pub ty: &'a str,
    /// `type.name`, after the module path (`module.net.aws_security_group.a`).
    pub address: String,
    /// The scope (module instance) the resource belongs to.
    pub scope: usize,
    /// The block body (its span is the whole block).
    pub body: &'a Node,
    /// From the `resource` keyword through the last label.
    pub header: Span,
}

impl Resource<'_> {
    /// Whether the resource has `count` or `for_each`.
    pub fn is_repeated(&self) -> bool {
        self.body.get("count").is_some() || self.body.get("for_each").is_some()
    }
}

/// A `module` block of a module.
#[derive(Debug)]
pub(super) struct Call<'a> {
    pub name: &'a str,
    /// The block body (its span is the whole block).
    pub body: &'a Node,
    /// From the `module` keyword through the name label.
    pub header: Span,
    /// The `source` as written, when a literal.
    pub source: Option<String>,
}

/// What the module declares, across all its files.
#[derive(Debug, Default)]
pub(super) struct Module<'a> {
    /// The module path of its resources' addresses (`""` or `module.net.`).
    pub prefix: String,
    pub calls: Vec<Call<'a>>,
    pub outputs: HashMap<&'a str, &'a Node>,
    /// Variable name to its default, when it has one.
    pub variables: HashMap<&'a str, Option<&'a Node>>,
    pub locals: HashMap<&'a str, &'a Node>,
    /// Managed resources in source order.
    pub resources: Vec<Resource<'a>>,
    /// Managed resources by type and name: borrowed from the tree, so a
    /// reference is looked up without building its address.
    pub by_address: HashMap<(&'a str, &'a str), usize>,
    /// Data sources by type and name.
    pub data: HashMap<(&'a str, &'a str), Resource<'a>>,
}

impl<'a> Module<'a> {
    /// Reads the top-level blocks of every file.
    pub fn collect(roots: &[&'a Node], prefix: &str, scope: usize) -> Self {
        let mut m = Module {
            prefix: prefix.to_string(),
            ..Module::default()
        };
        // The calls' names, to read only the first of a name.
        let mut call_names: HashSet<&str> = HashSet::new();
        for root in roots {
            for entry in root.as_map().unwrap_or(&[]) {
                let (labels, body) = block_labels(&entry.value);
                if !is_block(entry) {
                    continue;
                }
                match (entry.key.as_str(), labels.as_slice()) {
                    ("variable", [name]) => {
                        m.variables.insert(name.key.as_str(), body.get("default"));
                    }
                    ("locals", []) => {
                        for local in body.as_map().unwrap_or(&[]) {
                            if !is_block(local) {
                                m.locals.insert(local.key.as_str(), &local.value);
                            }
                        }
                    }
                    // A name declared twice is an error Terraform reports;
                    // the first declaration is read.
                    ("module", [name]) if call_names.insert(name.key.as_str()) => {
                        m.calls.push(Call {
                            name: name.key.as_str(),
                            body,
                            header: entry.key_span.join(name.key_span),
                            source: body
                                .get("source")
                                .and_then(|s| s.as_str())
                                .map(str::to_string),
                        });
                    }
                    ("output", [name]) => {
                        if let Some(value) = body.get("value") {
                            m.outputs.insert(name.key.as_str(), value);
                        }
                    }
                    ("resource" | "data", [ty, name]) => {
                        let res = Resource {
                            ty: ty.key.as_str(),
                            address: format!("{prefix}{}.{}", ty.key, name.key),
                            scope,
                            body,
                            header: entry.key_span.join(name.key_span),
                        };
                        let local = (ty.key.as_str(), name.key.as_str());
                        if entry.key == "data" {
                            m.data.entry(local).or_insert(res);
                        } else if let Slot::Vacant(slot) = m.by_address.entry(local) {
                            slot.insert(m.resources.len());
                            m.resources.push(res);
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }

    /// A resource by its address inside the module (`type.name`).
    pub fn resource(&self, address: &str) -> Option<&Resource<'a>> {
        let (ty, name) = address.split_once('.')?;
        self.resource_named(ty, name)
    }

    /// A resource by its type and name.
    pub fn resource_named(&self, ty: &str, name: &str) -> Option<&Resource<'a>> {
        self.by_address
            .get(&(ty, name))
            .and_then(|&i| self.resources.get(i))
    }
}

/// Whether a map entry is a block (its value starts at its keyword) rather
/// than an attribute.
pub(super) fn is_block(entry: &Entry) -> bool {
    entry.value.span.start == entry.key_span.start && entry.value.as_map().is_some()
}

/// The labels of a block entry's value and its body: the HCL front end nests
/// one single-entry map per label, each with the span of the whole block.
pub(super) fn block_labels(value: &Node) -> (Vec<&Entry>, &Node) {
    let mut labels = Vec::new();
    let mut node = value;
    while let Some([only]) = node.as_map() {
        if only.value.span != node.span || only.value.as_map().is_none() {
            break;
        }
        labels.push(only);
        node = &only.value;
    }
    (labels, node)
}

/// The text of a reference, `aws_security_group.nodes.id`.
pub(super) fn render_reference(parts: &[RefPart]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            RefPart::Attr(a) => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(a);
            }
            RefPart::Index(n) => match n.as_scalar_text() {
                Some(t) if matches!(n.value, Value::String(_)) => {
                    out.push_str(&format!("[\"{t}\"]"));
                }
                Some(t) => out.push_str(&format!("[{t}]")),
                None => out.push_str(&format!("[{}]", render(n))),
            },
            RefPart::Splat => out.push_str("[*]"),
        }
    }
    out
}

/// A short text for an expression, for messages.
pub(super) fn render(node: &Node) -> String {
    match &node.value {
        Value::Reference(parts) => render_reference(parts),
        Value::Call(call) => format!("{}(...)", call.0),
        Value::Expr(text) => {
            let line = text.lines().next().unwrap_or("");
            if line.chars().count() > 60 || text.contains('\n') {
                let short: String = line.chars().take(60).collect();
                format!("{short}...")
            } else {
                line.to_string()
            }
        }
        Value::String(s) | Value::Number(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Template(parts) => {
            let mut out = String::from("\"");
            for part in parts {
                match part {
                    TemplatePart::Literal(s) => out.push_str(s),
                    TemplatePart::Interpolation(n) => {
                        out.push_str("${");
                        out.push_str(&render(n));
                        out.push('}');
                    }
                }
            }
            out.push('"');
            out
        }
        Value::Conditional(..) => "a conditional expression".into(),
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "a map".into(),
        Value::Tagged(tag, _) => format!("!{tag}"),
    }
}

const MAX_DEPTH: usize = 48;
/// Instances of one resource or module call beyond which they are unknown.
pub(super) const MAX_INSTANCES: usize = 4096;

/// The instances of a resource or module call.
#[derive(Debug)]
pub(super) enum Expansion {
    /// No `count`/`for_each`: one instance, addressed without a key.
    Single,
    /// Known instances, in order.
    Instances(Vec<Instance>),
    /// `count = 0`, an empty `for_each`.
    Zero,
    /// `count`/`for_each` not known (or too many).
    Unknown,
}

/// One instance of a repeated resource or module call.
#[derive(Debug, Clone)]
pub(super) struct Instance {
    /// The key as text: `0`, `a`.
    pub key: String,
    /// `aws_security_group.x["a"]`, `aws_security_group.x[0]`.
    pub address: String,
    /// `each` or `count`.
    pub binding: Binding,
}

/// The keys and values of a known `for_each` collection: a map, or a set
/// of strings (each key its own value); `None` when not known.
pub(super) fn for_each_items(ev: &Ev) -> Option<Vec<(String, Ev)>> {
    match &ev.v {
        Val::Map(items) => Some(
            items
                .iter()
                .map(|m| (m.key.clone(), m.val.clone()))
                .collect(),
        ),
        Val::List(items) => {
            let mut out: Vec<(String, Ev)> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            for item in items {
                let key = item.as_text()?;
                if seen.insert(key) {
                    out.push((key.to_string(), item.clone()));
                }
            }
            Some(out)
        }
        Val::Null => Some(Vec::new()),
        _ => None,
    }
}
/// The items of a list with each value kept once, in first-seen order
/// (`toset`, `distinct`); `None` if one is unknown. Scalars are found by
/// hashing, lists and maps by comparing with the earlier ones, so a long
/// list of strings costs linear time.
fn each_value_once(items: &[Ev]) -> Option<Vec<Ev>> {
    let mut out: Vec<Ev> = Vec::new();
    let mut scalars: HashSet<(u8, &str)> = HashSet::new();
    let mut composites: Vec<&Val> = Vec::new();
    for item in items {
        let first = match &item.v {
            Val::Unknown(_) | Val::OneOf(_) => return None,
            Val::List(_) | Val::Map(_) => {
                let first = !composites.contains(&&item.v);
                if first {
                    composites.push(&item.v);
                }
                first
            }
            v => scalars.insert(scalar_key(v)),
        };
        if first {
            out.push(item.clone());
        }
    }
    Some(out)
}

/// A scalar value as a kind and its text: equal exactly when the values are.
fn scalar_key(v: &Val) -> (u8, &str) {
    match v {
        Val::Null => (0, ""),
        Val::Bool(b) => (1, if *b { "true" } else { "false" }),
        Val::Num(t) => (2, t),
        Val::Str(t) => (3, t),
        Val::External(t) => (4, t),
        Val::Group(t) => (5, t),
        Val::ClusterSg(t) => (6, t),
        Val::Cluster(t) => (7, t),
        Val::LaunchTemplate(t) => (8, t),
        Val::LaunchConfig(t) => (9, t),
        Val::Unknown(t) => (10, t),
        Val::List(_) | Val::Map(_) | Val::OneOf(_) => (11, ""),
    }
}

const BUDGET: usize = 500_000;
const MEMO_CAP: usize = 20_000;
/// The longest text a template or function may build; longer is unknown.
/// Without it a few lines of templates that double a local's text ask for
/// gigabytes.
const MAX_TEXT: usize = 1 << 20;
/// Built or copied text costs one unit of the budget per this many bytes.
const TEXT_WEIGHT: usize = 256;

/// The iterator of a `dynamic` block being expanded.
#[derive(Debug, Clone)]
pub(super) struct Binding {
    pub name: String,
    pub key: Ev,
    pub value: Ev,
}

/// One module instance: the root module, or a module call's instance.
pub(super) struct Scope<'m, 'a> {
    pub module: &'m Module<'a>,
    /// The calling scope.
    pub parent: Option<usize>,
    /// The module call's body: its arguments, evaluated in the parent.
    pub call: Option<&'a Node>,
    /// The call instance's `each`/`count`, in scope while its arguments are
    /// evaluated.
    pub instance: Option<Binding>,
    /// Child scopes by call name, each with its instance key (`None` for a
    /// call without `count`/`for_each`).
    pub children: HashMap<String, Vec<(Option<String>, usize)>>,
    /// Module calls modelled by their known behaviour (the EKS module).
    pub known_calls: HashMap<String, super::eks_module::Flavor>,
    /// Values of the root module's variables from `.tfvars` files, last
    /// file winning.
    pub values: HashMap<String, &'a Node>,
    /// The module's directory, when known (`path.module`; the root's is
    /// `path.root` and `path.cwd`).
    pub dir: Option<std::path::PathBuf>,
}

impl<'m, 'a> Scope<'m, 'a> {
    pub fn root(module: &'m Module<'a>) -> Self {
        Scope {
            module,
            parent: None,
            call: None,
            instance: None,
            children: HashMap::new(),
            known_calls: HashMap::new(),
            values: HashMap::new(),
            dir: None,
        }
    }
}

/// Evaluates expressions of one module and the modules it calls.
pub(super) struct Evaluator<'m, 'a> {
    pub scopes: Vec<Scope<'m, 'a>>,
    /// The scope expressions are evaluated in.
    current: Cell<usize>,
    memo: RefCell<HashMap<String, Ev>>,
    visiting: RefCell<HashSet<String>>,
    budget: Cell<usize>,
    /// Iterators in scope, innermost last.
    scope: RefCell<Vec<Binding>>,
    /// Cluster names known to the extractor (module clusters), by address.
    pub cluster_names: RefCell<HashMap<String, String>>,
    expansions: RefCell<HashMap<String, std::rc::Rc<Expansion>>>,
    /// Set when a traversal of a known value fails (a missing attribute or
    /// key, an index out of range): an error in Terraform, which `try`
    /// catches.
    missing: Cell<bool>,
}

impl<'m, 'a> Evaluator<'m, 'a> {
    pub fn new(scopes: Vec<Scope<'m, 'a>>) -> Self {
        Evaluator {
            scopes,
            current: Cell::new(0),
            memo: RefCell::new(HashMap::new()),
            visiting: RefCell::new(HashSet::new()),
            budget: Cell::new(BUDGET),
            scope: RefCell::new(Vec::new()),
            cluster_names: RefCell::new(HashMap::new()),
            expansions: RefCell::new(HashMap::new()),
            missing: Cell::new(false),
        }
    }

    /// The current scope's module.
    pub fn module(&self) -> &'m Module<'a> {
        self.scope_at(self.current.get()).module
    }

    pub fn scope_at(&self, i: usize) -> &Scope<'m, 'a> {
        match self.scopes.get(i) {
            Some(s) => s,
            // Scope 0 always exists (the extractor creates it first).
            None => &self.scopes[0],
        }
    }

    /// Makes `scope` current with `bindings` in scope (the extractor's
    /// entry point for each resource instance).
    pub fn enter(&self, scope: usize, bindings: Vec<Binding>) {
        self.current.set(scope);
        *self.scope.borrow_mut() = bindings;
    }

    /// Runs `f` unless `key` is already being computed (a cycle through
    /// module outputs); `None` then.
    pub fn guarded<R>(&self, key: &str, f: impl FnOnce() -> R) -> Option<R> {
        if !self.visiting.borrow_mut().insert(key.to_string()) {
            return None;
        }
        let out = f();
        self.visiting.borrow_mut().remove(key);
        Some(out)
    }

    /// Evaluates `f` in another scope, with only `bindings` in scope.
    pub fn in_scope<R>(&self, scope: usize, bindings: Vec<Binding>, f: impl FnOnce() -> R) -> R {
        let saved_scope = self.current.replace(scope);
        let saved = std::mem::replace(&mut *self.scope.borrow_mut(), bindings);
        let out = f();
        *self.scope.borrow_mut() = saved;
        self.current.set(saved_scope);
        out
    }

    /// Whether the evaluation budget ran out (values were left unknown).
    pub fn exhausted(&self) -> bool {
        self.budget.get() == 0
    }

    /// Evaluates `f` with an iterator in scope.
    pub fn with_binding<R>(&self, binding: Binding, f: impl FnOnce() -> R) -> R {
        self.scope.borrow_mut().push(binding);
        let out = f();
        self.scope.borrow_mut().pop();
        out
    }

    /// Evaluates `f` outside every iterator: for expressions written
    /// elsewhere (locals, defaults, other resources).
    fn isolated<R>(&self, f: impl FnOnce() -> R) -> R {
        let saved = std::mem::take(&mut *self.scope.borrow_mut());
        // A resource instance's `each`/`count` stays visible to its own
        // arguments only; elsewhere nothing is bound.
        let out = f();
        *self.scope.borrow_mut() = saved;
        out
    }

    pub fn eval(&self, node: &Node) -> Ev {
        self.eval_at(node, 0)
    }

    fn spend(&self, amount: usize) -> bool {
        let left = self.budget.get();
        if left < amount {
            self.budget.set(0);
            false
        } else {
            self.budget.set(left - amount);
            true
        }
    }

    /// `text` as a value if it is within [`MAX_TEXT`] and the budget pays
    /// for it; else unknown.
    fn built_text(&self, text: String, node: &Node) -> Val {
        if text.len() > MAX_TEXT || !self.spend(text.len() / TEXT_WEIGHT) {
            return Val::Unknown(render(node));
        }
        Val::Str(text)
    }

    fn eval_at(&self, node: &Node, depth: usize) -> Ev {
        let span = node.span;
        if depth > MAX_DEPTH || !self.spend(1) {
            return Ev::new(Val::Unknown(render(node)), span);
        }
        let v = match &node.value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.to_string()),
            Value::String(s) => Val::Str(s.to_string()),
            Value::Seq(items) => {
                Val::List(items.iter().map(|n| self.eval_at(n, depth + 1)).collect())
            }
            Value::Map(entries) => self.map(entries, node, depth),
            Value::Expr(_) => match hcl::compound(node) {
                Some(c) => self.compound(c, node, depth),
                None => Val::Unknown(render(node)),
            },
            Value::Tagged(..) => Val::Unknown(render(node)),
            Value::Reference(parts) => return self.reference(parts, node, depth),
            Value::Template(parts) => self.template(parts, node, depth),
            Value::Call(call) => self.call(&call.0, &call.1, node, depth),
            Value::Conditional(c, a, b) => {
                let cond = self.eval_at(c, depth + 1);
                match cond.as_bool() {
                    Some(true) => return self.eval_at(a, depth + 1),
                    Some(false) => return self.eval_at(b, depth + 1),
                    None => {
                        let a = self.eval_at(a, depth + 1);
                        let b = self.eval_at(b, depth + 1);
                        if a.v == b.v {
                            return a;
                        }
                        Val::OneOf(vec![a, b])
                    }
                }
            }
        };
        Ev::new(v, span)
    }

    /// A block's arguments as a map, without the meta-arguments (`count`,
    /// `for_each`, `depends_on`, ...), which are not settings and may be
    /// large.
    pub fn eval_args(&self, body: &Node) -> Ev {
        const META: [&str; 8] = [
            "count",
            "for_each",
            "depends_on",
            "lifecycle",
            "provider",
            "providers",
            "source",
            "version",
        ];
        let entries: Vec<Entry> = body
            .as_map()
            .unwrap_or(&[])
            .iter()
            .filter(|e| !META.contains(&e.key.as_str()))
            .cloned()
            .collect();
        Ev::new(self.map(&entries, body, 0), body.span)
    }

    /// `for` expressions and operators over known values.
    fn compound(&self, c: hcl::Compound, node: &Node, depth: usize) -> Val {
        let unknown = || Val::Unknown(render(node));
        match c {
            hcl::Compound::Not(inner) => match self.eval_at(&inner, depth + 1).as_bool() {
                Some(b) => Val::Bool(!b),
                None => unknown(),
            },
            hcl::Compound::Binary(op, a, b) => {
                let a = self.eval_at(&a, depth + 1);
                // `&&`/`||` decide on one side when they can.
                match (op.as_str(), a.as_bool()) {
                    ("&&", Some(false)) => return Val::Bool(false),
                    ("||", Some(true)) => return Val::Bool(true),
                    _ => {}
                }
                let b = self.eval_at(&b, depth + 1);
                binary(&op, &a, &b).unwrap_or_else(unknown)
            }
            hcl::Compound::For(f) => self.for_expr(&f, depth).unwrap_or_else(unknown),
        }
    }

    fn for_expr(&self, f: &hcl::ForParts, depth: usize) -> Option<Val> {
        let collection = self.eval_at(&f.collection, depth + 1);
        let items: Vec<(Ev, Ev)> = match collection.v {
            Val::List(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Ev::new(Val::Num(i.to_string()), v.span), v))
                .collect(),
            Val::Map(items) => items
                .into_iter()
                .map(|m| (Ev::new(Val::Str(m.key), m.key_span), m.val))
                .collect(),
            Val::Null => Vec::new(),
            _ => return None,
        };
        if items.len() > MAX_INSTANCES || !self.spend(items.len()) {
            return None;
        }
        let mut list: Vec<Ev> = Vec::new();
        let mut map: Vec<MapItem> = Vec::new();
        for (key, value) in items {
            let mut bindings = vec![Binding {
                name: format!("={}", f.value_var),
                key: value,
                value: Ev::new(Val::Null, key.span),
            }];
            if let Some(k) = &f.key_var {
                bindings.insert(
                    0,
                    Binding {
                        name: format!("={k}"),
                        key: key.clone(),
                        value: Ev::new(Val::Null, key.span),
                    },
                );
            }
            let one = || -> Option<Option<(Option<Ev>, Ev)>> {
                if let Some(cond) = &f.cond {
                    match self.eval_at(cond, depth + 1).as_bool() {
                        Some(true) => {}
                        Some(false) => return Some(None),
                        None => return None,
                    }
                }
                let k = f.key.as_ref().map(|k| self.eval_at(k, depth + 1));
                let v = self.eval_at(&f.value, depth + 1);
                Some(Some((k, v)))
            };
            let out = {
                let n = bindings.len();
                self.scope.borrow_mut().extend(bindings);
                let out = one();
                let mut scope = self.scope.borrow_mut();
                let keep = scope.len().saturating_sub(n);
                scope.truncate(keep);
                out
            };
            match out? {
                None => {}
                Some((None, v)) => list.push(v),
                Some((Some(k), v)) => {
                    let key = k.as_text()?.to_string();
                    if f.grouping {
                        match map.iter_mut().find(|m| m.key == key) {
                            Some(m) => {
                                if let Val::List(items) = &mut m.val.v {
                                    items.push(v);
                                }
                            }
                            None => map.push(MapItem {
                                key,
                                key_span: k.span,
                                val: Ev::new(Val::List(vec![v.clone()]), v.span),
                            }),
                        }
                    } else {
                        map.retain(|m| m.key != key);
                        map.push(MapItem {
                            key,
                            key_span: k.span,
                            val: v,
                        });
                    }
                }
            }
        }
        Some(if f.key.is_some() {
            Val::Map(map)
        } else {
            Val::List(list)
        })
    }

    fn map(&self, entries: &[Entry], node: &Node, depth: usize) -> Val {
        let mut items = Vec::with_capacity(entries.len());
        for entry in entries {
            let key = match hcl::key_expression(entry) {
                Some(key_node) => match self.eval_at(&key_node, depth + 1).as_text() {
                    Some(k) => k.to_string(),
                    None => return Val::Unknown(render(node)),
                },
                None => entry.key.to_string(),
            };
            items.push(MapItem {
                key,
                key_span: entry.key_span,
                val: self.eval_at(&entry.value, depth + 1),
            });
        }
        Val::Map(items)
    }

    fn reference(&self, parts: &[RefPart], node: &Node, depth: usize) -> Ev {
        let span = node.span;
        let desc = || render_reference(parts);
        let unknown = || Ev::new(Val::Unknown(desc()), span);
        let attr = |i: usize| match parts.get(i) {
            Some(RefPart::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        let Some(root) = attr(0) else {
            return unknown();
        };
        let bound = self
            .scope
            .borrow()
            .iter()
            .rev()
            .find(|b| b.name == root)
            .cloned();
        // A `for` expression's variable (bound as `=name`).
        let direct = self
            .scope
            .borrow()
            .iter()
            .rev()
            .find(|b| b.name.strip_prefix('=') == Some(root))
            .map(|b| b.key.clone());
        if let Some(value) = direct {
            let value = Ev::new(value.v, span);
            return self.apply(value, parts.get(1..).unwrap_or(&[]), &desc, depth);
        }
        if let Some(binding) = bound {
            let value = match attr(1) {
                Some("key" | "index") => binding.key,
                Some("value") => binding.value,
                _ => return unknown(),
            };
            let value = Ev::new(value.v, span);
            return self.apply(value, parts.get(2..).unwrap_or(&[]), &desc, depth);
        }
        match root {
            "var" => {
                let Some(name) = attr(1) else {
                    return unknown();
                };
                match self.variable(name, depth) {
                    Some(value) => {
                        let value = Ev::new(value.v, span);
                        self.apply(value, parts.get(2..).unwrap_or(&[]), &desc, depth)
                    }
                    None => unknown(),
                }
            }
            "path" => {
                let dir = match attr(1) {
                    Some("module") => self.scope_at(self.current.get()).dir.clone(),
                    Some("root" | "cwd") => self.scope_at(0).dir.clone(),
                    _ => None,
                };
                match dir {
                    Some(d) => Ev::new(Val::Str(d.to_string_lossy().into_owned()), span),
                    None => unknown(),
                }
            }
            "module" => {
                let Some(name) = attr(1) else {
                    return unknown();
                };
                self.module_output(name, parts.get(2..).unwrap_or(&[]), span, &desc, depth)
            }
            "local" => {
                let Some(name) = attr(1) else {
                    return unknown();
                };
                let value = match self.local(name, depth) {
                    Some(v) => v,
                    None => return unknown(),
                };
                // A scalar takes the reference's span; a collection keeps the
                // spans of its members.
                let value = Ev::new(value.v, span);
                self.apply(value, parts.get(2..).unwrap_or(&[]), &desc, depth)
            }
            "data" => {
                let (Some(ty), Some(name)) = (attr(1), attr(2)) else {
                    return unknown();
                };
                let external = || Ev::new(Val::External(desc()), span);
                let Some(res) = self.module().data.get(&(ty, name)) else {
                    return external();
                };
                let mut rest = parts.get(3..).unwrap_or(&[]);
                if let Some(RefPart::Index(_)) = rest.first() {
                    rest = rest.get(1..).unwrap_or(&[]);
                }
                // A data source's argument reads back as written; an EKS
                // cluster's ID is its name.
                let arg = match rest.first() {
                    Some(RefPart::Attr(a)) if a == "id" && ty == "aws_eks_cluster" => Some("name"),
                    Some(RefPart::Attr(a)) if a != "id" => Some(a.as_str()),
                    _ => None,
                };
                match arg {
                    Some(a) => match res.body.entry(a).filter(|e| !is_block(e)) {
                        Some(e) => {
                            let v = self.isolated(|| self.eval_at(&e.value, depth + 1));
                            let v = Ev::new(v.v, span);
                            self.apply(v, rest.get(1..).unwrap_or(&[]), &desc, depth)
                        }
                        None => external(),
                    },
                    _ => external(),
                }
            }
            _ => {
                let Some(name) = attr(1) else {
                    return unknown();
                };
                match self.module().resource_named(root, name) {
                    Some(res) => self.resource_ref(res, parts.get(2..).unwrap_or(&[]), span, depth),
                    None => unknown(),
                }
            }
        }
    }

    /// The value of a variable in the current scope: the module call's
    /// argument (evaluated where the call is), a `.tfvars` value for the root
    /// module, or the default. Memoised; `None` when unknown.
    fn variable(&self, name: &str, depth: usize) -> Option<Ev> {
        let cur = self.current.get();
        let key = format!("{cur}:var.{name}");
        if let Some(v) = self.memo.borrow().get(&key) {
            let size = v.size_capped(MEMO_CAP);
            if !self.spend(size) {
                return None;
            }
            return Some(v.clone());
        }
        if !self.visiting.borrow_mut().insert(key.clone()) {
            return None;
        }
        let value = self.variable_uncached(cur, name, depth);
        self.visiting.borrow_mut().remove(&key);
        let mut value = value?;
        if value.size_capped(MEMO_CAP) > MEMO_CAP {
            value = Ev::new(Val::Unknown(format!("var.{name}")), value.span);
        }
        self.memo.borrow_mut().insert(key, value.clone());
        Some(value)
    }

    fn variable_uncached(&self, cur: usize, name: &str, depth: usize) -> Option<Ev> {
        let scope = self.scope_at(cur);
        match (scope.call, scope.parent) {
            (Some(call), Some(parent)) => {
                if let Some(arg) = call.entry(name).filter(|e| !is_block(e)) {
                    let bindings: Vec<Binding> = scope.instance.iter().cloned().collect();
                    let v = self.in_scope(parent, bindings, || self.eval_at(&arg.value, depth + 1));
                    // A null argument leaves the default in place.
                    if !v.is_null() {
                        return Some(v);
                    }
                }
            }
            _ => {
                if let Some(node) = scope.values.get(name).copied() {
                    return Some(self.isolated(|| self.eval_at(node, depth + 1)));
                }
            }
        }
        let default = (*scope.module.variables.get(name)?)?;
        Some(self.isolated(|| self.eval_at(default, depth + 1)))
    }

    /// `module.NAME...`: an output of a module the scan reads, or of a module
    /// whose behaviour is known (the EKS module); unknown otherwise.
    fn module_output(
        &self,
        name: &str,
        rest: &[RefPart],
        span: Span,
        desc: &dyn Fn() -> String,
        depth: usize,
    ) -> Ev {
        let unknown = || Ev::new(Val::Unknown(desc()), span);
        let cur = self.current.get();
        let scope = self.scope_at(cur);
        if let Some(flavor) = scope.known_calls.get(name).copied() {
            let repeated = scope
                .module
                .calls
                .iter()
                .find(|c| c.name == name)
                .is_some_and(|c| c.body.get("for_each").is_some());
            let (rest, key) = match rest.first() {
                // `module.eks["a"].x`: an instance of a call with for_each.
                Some(RefPart::Index(idx)) if repeated => {
                    let key = self.eval_at(idx, depth + 1);
                    let Some(key) = key.as_text() else {
                        return unknown();
                    };
                    (rest.get(1..).unwrap_or(&[]), Some(key.to_string()))
                }
                // `module.eks[0].x`: a counted call; its one instance.
                Some(RefPart::Index(_)) => (rest.get(1..).unwrap_or(&[]), None),
                _ => (rest, None),
            };
            let Some(RefPart::Attr(out)) = rest.first() else {
                return unknown();
            };
            let v = super::eks_module::output(self, name, key.as_deref(), flavor, out, span);
            return self.apply(v, rest.get(1..).unwrap_or(&[]), desc, depth);
        }
        let Some(children) = scope.children.get(name) else {
            return unknown();
        };
        let (child, rest) = match (children.as_slice(), rest.first()) {
            ([(None, child)], _) => (*child, rest),
            (_, Some(RefPart::Index(idx))) => {
                let key = self.eval_at(idx, depth + 1);
                let Some(key) = key.as_text() else {
                    return unknown();
                };
                match children.iter().find(|(k, _)| k.as_deref() == Some(key)) {
                    Some((_, child)) => (*child, rest.get(1..).unwrap_or(&[])),
                    None => return unknown(),
                }
            }
            _ => return unknown(),
        };
        let Some(RefPart::Attr(out)) = rest.first() else {
            return unknown();
        };
        let Some(node) = self
            .scope_at(child)
            .module
            .outputs
            .get(out.as_str())
            .copied()
        else {
            return unknown();
        };
        let key = format!("{child}:output.{out}");
        if !self.visiting.borrow_mut().insert(key.clone()) {
            return unknown();
        }
        let v = self.in_scope(child, Vec::new(), || self.eval_at(node, depth + 1));
        self.visiting.borrow_mut().remove(&key);
        self.apply(
            Ev::new(v.v, span),
            rest.get(1..).unwrap_or(&[]),
            desc,
            depth,
        )
    }

    /// How many instances a resource has (`count`, `for_each`), memoised.
    pub fn expansion(&self, res: &Resource<'_>) -> std::rc::Rc<Expansion> {
        if let Some(e) = self.expansions.borrow().get(&res.address) {
            return e.clone();
        }
        // A `count` that refers to its own resource is a cycle: unknown.
        let key = format!("expand:{}", res.address);
        let e = self
            .guarded(&key, || {
                self.in_scope(res.scope, Vec::new(), || self.expand(res))
            })
            .unwrap_or(Expansion::Unknown);
        let e = std::rc::Rc::new(e);
        self.expansions
            .borrow_mut()
            .insert(res.address.clone(), e.clone());
        e
    }

    fn expand(&self, res: &Resource<'_>) -> Expansion {
        if let Some(count) = res.body.get("count") {
            let ev = self.eval(count);
            return match ev.as_i64().or_else(|| ev.as_bool().map(i64::from)) {
                Some(n) if n <= 0 => Expansion::Zero,
                Some(n) if n as usize > MAX_INSTANCES || !self.spend(n as usize) => {
                    Expansion::Unknown
                }
                Some(n) => Expansion::Instances(
                    (0..n)
                        .map(|i| Instance {
                            key: i.to_string(),
                            address: format!("{}[{i}]", res.address),
                            binding: Binding {
                                name: "count".into(),
                                key: Ev::new(Val::Num(i.to_string()), count.span),
                                value: Ev::new(Val::Null, count.span),
                            },
                        })
                        .collect(),
                ),
                None => Expansion::Unknown,
            };
        }
        let Some(for_each) = res.body.get("for_each") else {
            return Expansion::Single;
        };
        match for_each_items(&self.eval(for_each)) {
            Some(items) if items.is_empty() => Expansion::Zero,
            Some(items) if items.len() > MAX_INSTANCES || !self.spend(items.len()) => {
                Expansion::Unknown
            }
            Some(items) => Expansion::Instances(
                items
                    .into_iter()
                    .map(|(key, value)| Instance {
                        address: format!("{}[\"{key}\"]", res.address),
                        binding: Binding {
                            name: "each".into(),
                            key: Ev::new(Val::Str(key.clone()), value.span),
                            value,
                        },
                        key,
                    })
                    .collect(),
            ),
            None => Expansion::Unknown,
        }
    }

    /// A resource (or resource instance) by its full address, with the
    /// instance's binding.
    pub fn resource_by_address(&self, address: &str) -> Option<(&'m Resource<'a>, Vec<Binding>)> {
        let (base, indexed) = match address.find('[') {
            Some(i) if address.ends_with(']') => (address.get(..i)?, true),
            _ => (address, false),
        };
        for scope in &self.scopes {
            let Some(local) = base.strip_prefix(scope.module.prefix.as_str()) else {
                continue;
            };
            let Some(res) = scope.module.resource(local) else {
                continue;
            };
            if res.address != base {
                continue;
            }
            if !indexed {
                return Some((res, Vec::new()));
            }
            return match self.expansion(res).as_ref() {
                Expansion::Instances(list) => list
                    .iter()
                    .find(|i| i.address == address)
                    .map(|i| (res, vec![i.binding.clone()])),
                _ => Some((res, Vec::new())),
            };
        }
        None
    }

    /// The value of a local, memoised; `None` for an unknown local or a
    /// cycle.
    fn local(&self, name: &str, depth: usize) -> Option<Ev> {
        let key = format!("{}:local.{name}", self.current.get());
        if let Some(v) = self.memo.borrow().get(&key) {
            let size = v.size_capped(MEMO_CAP);
            if !self.spend(size) {
                return None;
            }
            return Some(v.clone());
        }
        let node = *self.module().locals.get(name)?;
        if !self.visiting.borrow_mut().insert(key.clone()) {
            return None;
        }
        let mut value = self.isolated(|| self.eval_at(node, depth + 1));
        self.visiting.borrow_mut().remove(&key);
        if value.size_capped(MEMO_CAP) > MEMO_CAP {
            value = Ev::new(Val::Unknown(key.clone()), value.span);
        }
        self.memo.borrow_mut().insert(key, value.clone());
        Some(value)
    }

    /// `TYPE.NAME` followed by `rest`.
    fn resource_ref(&self, res: &Resource<'_>, rest: &[RefPart], span: Span, depth: usize) -> Ev {
        let desc = || {
            format!(
                "{}{}",
                res.address,
                if rest.is_empty() {
                    String::new()
                } else {
                    let r = render_reference(rest);
                    if r.starts_with('[') {
                        r
                    } else {
                        format!(".{r}")
                    }
                }
            )
        };
        let mut rest = rest;
        let mut address = res.address.clone();
        let mut bindings: Vec<Binding> = Vec::new();
        let expansion = self.expansion(res);
        match (rest.first(), expansion.as_ref()) {
            (Some(RefPart::Index(idx)), Expansion::Instances(list)) => {
                let key = self.eval_at(idx, depth + 1);
                let Some(key) = key.as_text() else {
                    return Ev::new(Val::Unknown(desc()), span);
                };
                let Some(inst) = list.iter().find(|i| i.key == key) else {
                    return Ev::new(Val::Unknown(desc()), span);
                };
                address = inst.address.clone();
                bindings.push(inst.binding.clone());
                rest = rest.get(1..).unwrap_or(&[]);
            }
            (Some(RefPart::Splat), Expansion::Instances(list)) => {
                let after = rest.get(1..).unwrap_or(&[]);
                let items = list
                    .iter()
                    .map(|inst| {
                        let mut parts = vec![RefPart::Index(Box::new(Node::new(
                            span,
                            Value::String(inst.key.as_str().into()),
                        )))];
                        parts.extend(after.iter().cloned());
                        self.resource_ref(res, &parts, span, depth + 1)
                    })
                    .collect();
                return Ev::new(Val::List(items), span);
            }
            (Some(RefPart::Splat), Expansion::Zero) => return Ev::new(Val::List(Vec::new()), span),
            // The resource itself: a list (`count`) or map (`for_each`) of
            // its instances, so that `length()` and `keys()` work.
            (None, Expansion::Instances(list)) => {
                let one = |key: &str| {
                    let parts = [RefPart::Index(Box::new(Node::new(
                        span,
                        Value::String(key.into()),
                    )))];
                    self.resource_ref(res, &parts, span, depth + 1)
                };
                let counted = list.first().is_some_and(|i| i.binding.name == "count");
                return Ev::new(
                    if counted {
                        Val::List(list.iter().map(|i| one(&i.key)).collect())
                    } else {
                        Val::Map(
                            list.iter()
                                .map(|i| MapItem {
                                    key: i.key.clone(),
                                    key_span: span,
                                    val: one(&i.key),
                                })
                                .collect(),
                        )
                    },
                    span,
                );
            }
            (None, Expansion::Zero) => return Ev::new(Val::List(Vec::new()), span),
            (_, Expansion::Instances(_) | Expansion::Zero) => {
                return Ev::new(Val::Unknown(desc()), span);
            }
            // An instance of a resource whose instances are unknown: every
            // instance is alike here.
            (Some(RefPart::Index(_)), _) => rest = rest.get(1..).unwrap_or(&[]),
            (Some(RefPart::Splat), _) => {
                if res.is_repeated() {
                    return Ev::new(Val::Unknown(desc()), span);
                }
                let one = self.resource_ref(res, rest.get(1..).unwrap_or(&[]), span, depth);
                return Ev::new(Val::List(vec![one]), span);
            }
            _ => {}
        }
        let Some(RefPart::Attr(attr)) = rest.first() else {
            return Ev::new(Val::Unknown(desc()), span);
        };
        let after = rest.get(1..).unwrap_or(&[]);
        let v = match (res.ty, attr.as_str()) {
            (ty, "id") if GROUP_TYPES.contains(&ty) => Val::Group(address),
            ("aws_eks_cluster", "name" | "id") => Val::Cluster(address),
            ("aws_eks_cluster", "vpc_config") => {
                return self.cluster_sg_ref(&address, after, span, &desc);
            }
            ("aws_launch_template", "id" | "name") => Val::LaunchTemplate(address),
            ("aws_launch_configuration", "id" | "name") => Val::LaunchConfig(address),
            (_, "id" | "arn") => return Ev::new(Val::Unknown(desc()), span),
            _ => {
                // An argument of the resource reads back as written.
                let key = format!("{address}.{attr}");
                let Some(entry) = res.body.entry(attr).filter(|e| !is_block(e)) else {
                    return Ev::new(Val::Unknown(desc()), span);
                };
                if !self.visiting.borrow_mut().insert(key.clone()) {
                    return Ev::new(Val::Unknown(desc()), span);
                }
                let v = self.in_scope(res.scope, bindings, || {
                    self.eval_at(&entry.value, depth + 1)
                });
                self.visiting.borrow_mut().remove(&key);
                return self.apply(Ev::new(v.v, span), after, &desc, depth);
            }
        };
        self.apply(Ev::new(v, span), after, &desc, depth)
    }

    /// `aws_eks_cluster.x.vpc_config[0].cluster_security_group_id` and its
    /// splat and legacy-index forms.
    fn cluster_sg_ref(
        &self,
        address: &str,
        after: &[RefPart],
        span: Span,
        desc: &dyn Fn() -> String,
    ) -> Ev {
        let sg = || Ev::new(Val::ClusterSg(address.to_string()), span);
        match after {
            [RefPart::Index(_), RefPart::Attr(a)] if a == "cluster_security_group_id" => sg(),
            [RefPart::Splat, RefPart::Attr(a)] if a == "cluster_security_group_id" => {
                Ev::new(Val::List(vec![sg()]), span)
            }
            [RefPart::Splat, RefPart::Attr(a), RefPart::Index(i)]
                if a == "cluster_security_group_id" && i.as_i64() == Some(0) =>
            {
                sg()
            }
            _ => Ev::new(Val::Unknown(desc()), span),
        }
    }

    /// Applies traversal parts to a value.
    fn apply(&self, value: Ev, parts: &[RefPart], desc: &dyn Fn() -> String, depth: usize) -> Ev {
        let mut cur = value;
        for (i, part) in parts.iter().enumerate() {
            let span = cur.span;
            cur = match (part, cur.v) {
                (_, Val::Unknown(_)) => return Ev::new(Val::Unknown(desc()), span),
                (_, Val::External(_)) => return Ev::new(Val::External(desc()), span),
                (_, Val::OneOf(alts)) => {
                    let rest = parts.get(i..).unwrap_or(&[]);
                    let alts = alts
                        .into_iter()
                        .map(|a| self.apply(a, rest, desc, depth))
                        .collect();
                    return Ev::new(Val::OneOf(alts), span);
                }
                (RefPart::Attr(a), Val::Map(items)) => {
                    match items.into_iter().find(|m| &m.key == a) {
                        Some(item) => item.val,
                        None => {
                            self.missing.set(true);
                            return Ev::new(Val::Unknown(desc()), span);
                        }
                    }
                }
                (RefPart::Index(idx), v) => {
                    let idx = self.eval_at(idx, depth + 1);
                    match (v, idx.as_i64(), idx.as_text()) {
                        (Val::List(items), Some(n), _) => {
                            match usize::try_from(n)
                                .ok()
                                .and_then(|n| items.into_iter().nth(n))
                            {
                                Some(item) => item,
                                None => {
                                    self.missing.set(true);
                                    return Ev::new(Val::Unknown(desc()), span);
                                }
                            }
                        }
                        (Val::Map(items), _, Some(k)) => {
                            match items.into_iter().find(|m| m.key == k) {
                                Some(item) => item.val,
                                None => {
                                    self.missing.set(true);
                                    return Ev::new(Val::Unknown(desc()), span);
                                }
                            }
                        }
                        _ => return Ev::new(Val::Unknown(desc()), span),
                    }
                }
                (RefPart::Splat, v) => {
                    let rest = parts.get(i + 1..).unwrap_or(&[]);
                    let items = match v {
                        Val::List(items) => items,
                        Val::Null => Vec::new(),
                        other => vec![Ev::new(other, span)],
                    };
                    let items = items
                        .into_iter()
                        .map(|item| self.apply(item, rest, desc, depth))
                        .collect();
                    return Ev::new(Val::List(items), span);
                }
                _ => return Ev::new(Val::Unknown(desc()), span),
            };
        }
        cur
    }

    fn template(&self, parts: &[TemplatePart], node: &Node, depth: usize) -> Val {
        // `"${expr}"` alone is the value itself, not its text (how
        // Terraform 0.11-style lists of references keep working).
        if let [TemplatePart::Interpolation(n)] = parts {
            return self.eval_at(n, depth + 1).v;
        }
        let mut out = String::new();
        for part in parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interpolation(n) => {
                    let ev = self.eval_at(n, depth + 1);
                    match self.text_of(&ev, depth) {
                        Some(t) => out.push_str(&t),
                        None => return Val::Unknown(render(node)),
                    }
                }
            }
            if out.len() > MAX_TEXT {
                return Val::Unknown(render(node));
            }
        }
        self.built_text(out, node)
    }

    /// A template's text where every unknown part comes from a data source:
    /// those parts become `*` (`com.amazonaws.${data.aws_region.x.name}.s3`
    /// gives `com.amazonaws.*.s3`). Any other unknown part gives `None`.
    pub fn text_with_placeholders(&self, node: &Node) -> Option<String> {
        let Value::Template(parts) = &node.value else {
            return self.eval(node).as_text().map(str::to_string);
        };
        let mut out = String::new();
        for part in parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Interpolation(n) => {
                    let ev = self.eval(n);
                    match (self.text_of(&ev, 0), &ev.v) {
                        (Some(t), _) => out.push_str(&t),
                        (None, Val::External(_)) => out.push('*'),
                        _ => return None,
                    }
                }
            }
        }
        Some(out)
    }

    /// A value as template text; a cluster reference reads as its name.
    pub fn text_of(&self, ev: &Ev, depth: usize) -> Option<String> {
        match &ev.v {
            Val::Cluster(address) => {
                if let Some(name) = self.cluster_names.borrow().get(address) {
                    return Some(name.clone());
                }
                let (res, bindings) = self.resource_by_address(address)?;
                let name = res.body.get("name")?;
                let key = format!("{address}.name");
                if !self.visiting.borrow_mut().insert(key.clone()) {
                    return None;
                }
                let v = self.in_scope(res.scope, bindings, || self.eval_at(name, depth + 1));
                self.visiting.borrow_mut().remove(&key);
                v.as_text().map(str::to_string)
            }
            _ => ev.as_text().map(str::to_string),
        }
    }

    fn call(&self, name: &str, args: &[Node], node: &Node, depth: usize) -> Val {
        let unknown = || Val::Unknown(render(node));
        if name == "try" || name == "can" {
            // The first argument that evaluates without an error; an
            // argument that is merely unknown stops the search.
            for arg in args {
                let saved = self.missing.replace(false);
                let v = self.eval_at(arg, depth + 1);
                let failed = self.missing.replace(saved);
                match (&v.v, failed) {
                    (Val::Unknown(_), true) => {
                        if name == "can" {
                            return Val::Bool(false);
                        }
                    }
                    (Val::Unknown(_), false) | (Val::OneOf(_), _) => return unknown(),
                    _ if name == "can" => return Val::Bool(true),
                    _ => return v.v,
                }
            }
            return unknown();
        }
        let args: Vec<Ev> = args.iter().map(|a| self.eval_at(a, depth + 1)).collect();
        let lists = || -> Option<Vec<Vec<Ev>>> {
            args.iter()
                .map(|a| match &a.v {
                    Val::List(items) => Some(items.clone()),
                    _ => None,
                })
                .collect()
        };
        match (name, args.as_slice()) {
            ("tolist", [one]) => match &one.v {
                Val::List(_) => one.v.clone(),
                _ => unknown(),
            },
            // A set keeps each known value once.
            ("toset", [one]) => match &one.v {
                Val::List(items) => match each_value_once(items) {
                    Some(out) => Val::List(out),
                    None => unknown(),
                },
                _ => unknown(),
            },
            ("concat", _) => match lists() {
                Some(ls) => Val::List(ls.into_iter().flatten().collect()),
                None => unknown(),
            },
            ("flatten", [one]) => {
                let mut out = Vec::new();
                let mut stack: Vec<Ev> = vec![one.clone()];
                while let Some(ev) = stack.pop() {
                    match ev.v {
                        Val::List(items) => stack.extend(items.into_iter().rev()),
                        Val::Unknown(_) | Val::External(_) | Val::OneOf(_) => return unknown(),
                        _ => out.push(ev),
                    }
                }
                if matches!(one.v, Val::List(_)) {
                    Val::List(out)
                } else {
                    unknown()
                }
            }
            ("compact", [one]) => match &one.v {
                Val::List(items) => {
                    let mut out = Vec::new();
                    for item in items {
                        match &item.v {
                            Val::Null => {}
                            Val::Str(s) if s.is_empty() => {}
                            Val::Unknown(_) | Val::OneOf(_) => return unknown(),
                            _ => out.push(item.clone()),
                        }
                    }
                    Val::List(out)
                }
                _ => unknown(),
            },
            ("distinct", [one]) => match &one.v {
                Val::List(items) => match each_value_once(items) {
                    Some(out) => Val::List(out),
                    None => unknown(),
                },
                _ => unknown(),
            },
            ("merge", _) => {
                let mut out: Vec<MapItem> = Vec::new();
                for arg in &args {
                    match &arg.v {
                        Val::Map(items) => {
                            for item in items {
                                out.retain(|o| o.key != item.key);
                                out.push(item.clone());
                            }
                        }
                        Val::Null => {}
                        _ => return unknown(),
                    }
                }
                Val::Map(out)
            }
            ("one", [one]) => match &one.v {
                Val::List(items) if items.is_empty() => Val::Null,
                Val::List(items) if items.len() == 1 => {
                    items.first().map_or_else(unknown, |i| i.v.clone())
                }
                _ => unknown(),
            },
            ("coalesce", _) => {
                for arg in &args {
                    match &arg.v {
                        Val::Null => {}
                        Val::Str(s) if s.is_empty() => {}
                        Val::Unknown(_) | Val::External(_) | Val::OneOf(_) => return unknown(),
                        v => return v.clone(),
                    }
                }
                unknown()
            }
            ("replace", [text, from, to]) => match (text.as_text(), from.as_text(), to.as_text()) {
                // A `/regex/` pattern is not interpreted.
                (Some(t), Some(f), Some(r))
                    if !(f.len() > 1 && f.starts_with('/') && f.ends_with('/')) =>
                {
                    // The length before building it: an empty `f` matches
                    // between every character.
                    let matches = if f.is_empty() {
                        t.chars().count() + 1
                    } else {
                        t.matches(f).count()
                    };
                    let len = matches.saturating_mul(r.len()).saturating_add(t.len());
                    if len > MAX_TEXT {
                        return unknown();
                    }
                    self.built_text(t.replace(f, r), node)
                }
                _ => unknown(),
            },
            ("split", [sep, text]) => match (sep.as_text(), text.as_text()) {
                (Some(sep), Some(t)) if !sep.is_empty() => Val::List(
                    t.split(sep)
                        .map(|p| Ev::new(Val::Str(p.to_string()), text.span))
                        .collect(),
                ),
                _ => unknown(),
            },
            ("trimspace", [one]) => match one.as_text() {
                Some(t) => Val::Str(t.trim().to_string()),
                None => unknown(),
            },
            ("basename" | "dirname", [one]) => match one.as_text() {
                Some(p) => {
                    let path = std::path::Path::new(p);
                    let part = if name == "basename" {
                        path.file_name().map(|n| n.to_string_lossy().into_owned())
                    } else {
                        path.parent().map(|d| d.to_string_lossy().into_owned())
                    };
                    part.map_or_else(unknown, Val::Str)
                }
                None => unknown(),
            },
            ("lookup", [map, key, rest @ ..]) if rest.len() <= 1 => match (&map.v, key.as_text()) {
                (Val::Map(items), Some(k)) => match items.iter().find(|i| i.key == k) {
                    Some(item) => item.val.v.clone(),
                    None => rest.first().map_or_else(unknown, |d| d.v.clone()),
                },
                _ => unknown(),
            },
            ("format", [fmt, rest @ ..]) => match fmt.as_text() {
                Some(f) => format_text(f, rest).map_or_else(unknown, |t| self.built_text(t, node)),
                None => unknown(),
            },
            ("join", [sep, list]) => match (sep.as_text(), &list.v) {
                (Some(sep), Val::List(items)) => {
                    let Some(parts) = items
                        .iter()
                        .map(|i| i.as_text())
                        .collect::<Option<Vec<_>>>()
                    else {
                        return unknown();
                    };
                    let len = parts.iter().fold(0usize, |n, p| {
                        n.saturating_add(p.len()).saturating_add(sep.len())
                    });
                    if len > MAX_TEXT.saturating_add(sep.len()) {
                        return unknown();
                    }
                    self.built_text(parts.join(sep), node)
                }
                _ => unknown(),
            },
            ("cidrsubnet", [prefix, bits, num]) => {
                match (prefix.as_text(), bits.as_i64(), num.as_i64()) {
                    (Some(p), Some(b), Some(n)) => {
                        cidrsubnet(p, b, n).map_or_else(unknown, Val::Str)
                    }
                    _ => unknown(),
                }
            }
            ("keys" | "values", [one]) => match &one.v {
                Val::Map(items) if name == "keys" => Val::List(
                    items
                        .iter()
                        .map(|i| Ev::new(Val::Str(i.key.clone()), i.key_span))
                        .collect(),
                ),
                Val::Map(items) => Val::List(items.iter().map(|i| i.val.clone()).collect()),
                _ => unknown(),
            },
            ("length", [one]) => match &one.v {
                Val::List(items) => Val::Num(items.len().to_string()),
                Val::Map(items) => Val::Num(items.len().to_string()),
                Val::Str(s) => Val::Num(s.chars().count().to_string()),
                _ => unknown(),
            },
            ("element", [list, index]) => match (&list.v, index.as_i64()) {
                (Val::List(items), Some(i)) if !items.is_empty() && i >= 0 => {
                    let i = usize::try_from(i).unwrap_or(0) % items.len();
                    items.get(i).map_or_else(unknown, |e| e.v.clone())
                }
                _ => unknown(),
            },
            ("contains", [list, value]) => match &list.v {
                Val::List(items)
                    if !matches!(value.v, Val::Unknown(_) | Val::OneOf(_))
                        && items
                            .iter()
                            .all(|i| !matches!(i.v, Val::Unknown(_) | Val::OneOf(_))) =>
                {
                    Val::Bool(items.iter().any(|i| i.v == value.v))
                }
                _ => unknown(),
            },
            ("tostring", [one]) => match &one.v {
                Val::Str(_) | Val::Null => one.v.clone(),
                Val::Num(n) => Val::Str(n.clone()),
                Val::Bool(b) => Val::Str(b.to_string()),
                _ => unknown(),
            },
            ("tonumber", [one]) => match one.as_i64() {
                Some(n) => Val::Num(n.to_string()),
                None => unknown(),
            },
            ("tomap", [one]) => match &one.v {
                Val::Map(_) => one.v.clone(),
                _ => unknown(),
            },
            ("lower" | "upper", [one]) => match one.as_text() {
                Some(t) if name == "lower" => Val::Str(t.to_lowercase()),
                Some(t) => Val::Str(t.to_uppercase()),
                None => unknown(),
            },
            _ => unknown(),
        }
    }
}

/// `format` with the verbs `%s`, `%d`, `%v` and `%%`; `None` for others or
/// unknown arguments.
fn format_text(fmt: &str, args: &[Ev]) -> Option<String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            's' | 'd' | 'v' => out.push_str(args.next()?.as_text()?),
            _ => return None,
        }
        if out.len() > MAX_TEXT {
            return None;
        }
    }
    Some(out)
}

/// Terraform's `cidrsubnet(prefix, newbits, netnum)`.
fn cidrsubnet(prefix: &str, newbits: i64, netnum: i64) -> Option<String> {
    let net: ipnet::IpNet = prefix.trim().parse().ok()?;
    let newbits = u8::try_from(newbits).ok()?;
    let netnum = u128::try_from(netnum).ok()?;
    let len = net.prefix_len().checked_add(newbits)?;
    match net {
        ipnet::IpNet::V4(v4) => {
            if len > 32 || (newbits < 32 && netnum >= 1u128 << newbits) {
                return None;
            }
            let base = u32::from(v4.network());
            let shift = 32 - u32::from(len);
            let add = u32::try_from(netnum).ok()?.checked_shl(shift).unwrap_or(0);
            let addr = std::net::Ipv4Addr::from(base | add);
            Some(format!("{addr}/{len}"))
        }
        ipnet::IpNet::V6(v6) => {
            if len > 128 || (newbits < 128 && netnum >= 1u128 << newbits) {
                return None;
            }
            let base = u128::from(v6.network());
            let shift = 128 - u32::from(len);
            let add = netnum.checked_shl(shift).unwrap_or(0);
            let addr = std::net::Ipv6Addr::from(base | add);
            Some(format!("{addr}/{len}"))
        }
    }
}

/// A binary operator over known values; `None` when an operand is not
/// known or the operator does not apply.
fn binary(op: &str, a: &Ev, b: &Ev) -> Option<Val> {
    let known = |e: &Ev| {
        !matches!(
            e.v,
            Val::Unknown(_) | Val::External(_) | Val::OneOf(_) | Val::Group(_) | Val::ClusterSg(_)
        )
    };
    if !known(a) || !known(b) {
        return None;
    }
    let num = |e: &Ev| -> Option<f64> {
        match &e.v {
            Val::Num(n) | Val::Str(n) => n.trim().parse().ok(),
            _ => None,
        }
    };
    let show = |f: f64| {
        if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{}", f as i64)
        } else {
            f.to_string()
        }
    };
    Some(match op {
        "==" | "!=" => {
            let equal = match (num(a), num(b), &a.v, &b.v) {
                (Some(x), Some(y), Val::Num(_), Val::Num(_)) => x == y,
                _ => a.v == b.v,
            };
            Val::Bool(equal == (op == "=="))
        }
        "&&" => Val::Bool(a.as_bool()? && b.as_bool()?),
        "||" => Val::Bool(a.as_bool()? || b.as_bool()?),
        "<" => Val::Bool(num(a)? < num(b)?),
        ">" => Val::Bool(num(a)? > num(b)?),
        "<=" => Val::Bool(num(a)? <= num(b)?),
        ">=" => Val::Bool(num(a)? >= num(b)?),
        "+" => Val::Num(show(num(a)? + num(b)?)),
        "-" => Val::Num(show(num(a)? - num(b)?)),
        "*" => Val::Num(show(num(a)? * num(b)?)),
        "/" if num(b)? != 0.0 => Val::Num(show(num(a)? / num(b)?)),
        "%" if num(b)? != 0.0 => Val::Num(show(num(a)? % num(b)?)),
        _ => return None,
    })
}

#[cfg(test)]
mod cidrsubnet_properties {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use ipnet::IpNet;
    use proptest::prelude::*;

    use super::cidrsubnet;

    fn subnet(prefix: &str, result: &str) -> (IpNet, IpNet) {
        (prefix.parse().unwrap(), result.parse().unwrap())
    }

    proptest! {
        /// `cidrsubnet(prefix, newbits, netnum)` is the prefix's network
        /// with `netnum` in the next `newbits` bits: a subnet of the prefix,
        /// `newbits` longer. A netnum that does not fit, a negative one, or
        /// a length past the family's gives no value.
        #[test]
        fn v4(addr: u32, prefix in 0u8..=32, newbits in 0i64..=40, raw: u64, negative: bool) {
            let fits = 1u128 << newbits.min(63);
            let netnum = if negative { -1 } else { (u128::from(raw) % (fits + 1)) as i64 };
            let text = format!("{}/{prefix}", Ipv4Addr::from(addr));
            let got = cidrsubnet(&text, newbits, netnum);
            let len = i64::from(prefix) + newbits;
            if negative || len > 32 || netnum as u128 >= fits {
                prop_assert_eq!(got, None);
                return Ok(());
            }
            let got = got.unwrap();
            let len = len as u32;
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            let add = (netnum as u32).checked_shl(32 - len).unwrap_or(0);
            prop_assert_eq!(&got, &format!("{}/{len}", Ipv4Addr::from((addr & mask) | add)));
            let (outer, inner) = subnet(&text, &got);
            prop_assert!(outer.contains(&inner));
            prop_assert!(outer.contains(&inner.network()));
            prop_assert_eq!(u32::from(inner.prefix_len()), len);
        }

        #[test]
        fn v6(addr: u128, prefix in 0u8..=128, newbits in 0i64..=140, raw: u64, negative: bool) {
            let fits = 1u128 << newbits.min(64);
            let netnum = if negative { -1 } else { (u128::from(raw) % (fits + 1)) as i64 };
            let text = format!("{}/{prefix}", Ipv6Addr::from(addr));
            let got = cidrsubnet(&text, newbits, netnum);
            let len = i64::from(prefix) + newbits;
            if negative || len > 128 || netnum < 0 || netnum as u128 >= fits {
                prop_assert_eq!(got, None);
                return Ok(());
            }
            let got = got.unwrap();
            let len = len as u32;
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            let add = (netnum as u128).checked_shl(128 - len).unwrap_or(0);
            prop_assert_eq!(&got, &format!("{}/{len}", Ipv6Addr::from((addr & mask) | add)));
            let (outer, inner) = subnet(&text, &got);
            prop_assert!(outer.contains(&inner));
            prop_assert_eq!(u32::from(inner.prefix_len()), len);
        }
    }
}
