//! Which parts of the model document a set of rules files can observe.
//!
//! The model document holds every fact about every cluster, group and
//! rule; the rules shipped with the tool read a dozen of its keys. Building
//! the rest costs most of the time and memory the Guard rules take on a
//! large scan, so the document is built through a [`Proj`]: the keys the
//! queries name (in any of the spellings the evaluator tries when a key is
//! missing), the whole value wherever a clause compares, renders or counts
//! it, and the first entry of a map whose emptiness is all that is asked
//! (`!empty`, `exists`). The items of a list and the values of a map, for
//! the steps that walk them (`[*]`, filters, `*`), are positions of their
//! own.
//!
//! The analysis is conservative: a construct whose reach it does not model
//! (parameterized rules, type blocks, captured keys, an undefined variable)
//! or a rules file past its bounds makes the projection [`Proj::full`], and
//! the evaluator sees the whole document.

use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::sync::Arc;

use super::ast::{Block, Clause, Conjunction, Let, LetValue, Op, Part, Query, RulesFile};
use super::eval::canonical_key;

/// The part of a document to build at one position.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Proj {
    /// Everything below this position.
    full: bool,
    /// A map here keeps its first entry even if no key of it is asked for,
    /// so that its emptiness stays what it is.
    keep_first: bool,
    /// The keys asked for, with what to build under each.
    fields: Vec<(String, Arc<Proj>)>,
    /// What to build under every key (a query walked all of a map's values).
    any: Option<Arc<Proj>>,
    /// What to build for each item of a list here.
    items: Option<Arc<Proj>>,
}

static FULL: Proj = Proj {
    full: true,
    keep_first: false,
    fields: Vec::new(),
    any: None,
    items: None,
};

static NOTHING: Proj = Proj {
    full: false,
    keep_first: false,
    fields: Vec::new(),
    any: None,
    items: None,
};

impl Proj {
    /// The whole document.
    pub fn full() -> Proj {
        FULL.clone()
    }

    pub fn is_full(&self) -> bool {
        self.full
    }

    /// What to build under `key` of a map at this position, or `None` when
    /// the key can be left out. `first` says whether the entry would be the
    /// map's first. Keys are matched in snake_case, the spelling of every
    /// key of the model document (queries may use any spelling the
    /// evaluator accepts).
    pub fn child(&self, key: &str, first: bool) -> Option<&Proj> {
        if self.full {
            return Some(&FULL);
        }
        if let Some((_, p)) = self.fields.iter().find(|(k, _)| k == key) {
            return Some(p);
        }
        if let Some(any) = &self.any {
            return Some(any);
        }
        (first && self.keep_first).then_some(&NOTHING)
    }

    /// How many entries a map here with `keys` possible keys gets at most:
    /// its capacity, so that a projected map does not keep room for the
    /// keys left out.
    pub fn width(&self, keys: usize) -> usize {
        if self.full || self.any.is_some() {
            return keys;
        }
        (self.fields.len() + usize::from(self.keep_first)).min(keys)
    }

    /// What to build for each item of a list at this position. Lists are
    /// never shortened: their length is observable.
    pub fn items(&self) -> &Proj {
        if self.full {
            return &FULL;
        }
        self.items.as_deref().unwrap_or(&NOTHING)
    }

    /// The union of what several rules files observe.
    pub fn for_files<'a>(files: impl IntoIterator<Item = &'a RulesFile>) -> Proj {
        let mut a = Analyzer::default();
        a.nodes.push(Node::default());
        for f in files {
            a.file(f);
            if a.gave_up {
                return Proj::full();
            }
        }
        let mut memo = HashMap::new();
        match a.proj(vec![ROOT], &mut memo) {
            Some(p) => Arc::unwrap_or_clone(p),
            None => Proj::full(),
        }
    }
}

const ROOT: usize = 0;
/// Deeper nesting than this (of rules or of positions) is not followed: the
/// projection is then full.
const MAX_DEPTH: u32 = 200;
/// More positions than this are not followed either.
const MAX_NODES: usize = 20_000;

/// A position in the document while the rules are read.
#[derive(Debug, Default)]
struct Node {
    /// Steps from the root.
    depth: u32,
    full: bool,
    keep_first: bool,
    fields: HashMap<String, usize>,
    any: Option<usize>,
    items: Option<usize>,
}

/// Positions in the document a query may stand at.
type At = Vec<usize>;

#[derive(Default)]
struct Analyzer {
    nodes: Vec<Node>,
    gave_up: bool,
    depth: u32,
}

/// Variables in reach: the `let`s of a block, read from its position,
/// each worked out once.
struct Env<'a> {
    parent: Option<&'a Env<'a>>,
    lets: &'a [Let],
    at: At,
    done: RefCell<Vec<Option<At>>>,
    busy: RefCell<Vec<bool>>,
}

impl<'a> Env<'a> {
    fn new(parent: Option<&'a Env<'a>>, lets: &'a [Let], at: At) -> Env<'a> {
        Env {
            parent,
            lets,
            at,
            done: RefCell::new(vec![None; lets.len()]),
            busy: RefCell::new(vec![false; lets.len()]),
        }
    }
}

impl Analyzer {
    fn file(&mut self, f: &RulesFile) {
        let env = Env::new(None, &f.lets, vec![ROOT]);
        for rule in &f.rules {
            if let Some(c) = &rule.conditions {
                self.conjunction(c, &env);
            }
            self.block(&rule.block, &env, vec![ROOT]);
        }
    }

    fn deeper(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.gave_up = true;
        }
        !self.gave_up
    }

    fn up(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn block(&mut self, b: &Block, parent: &Env<'_>, at: At) {
        if self.deeper() {
            let env = Env::new(Some(parent), &b.lets, at);
            self.conjunction(&b.clauses, &env);
        }
        self.up();
    }

    fn conjunction(&mut self, c: &Conjunction, env: &Env<'_>) {
        for d in c {
            for clause in d {
                self.clause(clause, env);
                if self.gave_up {
                    return;
                }
            }
        }
    }

    fn clause(&mut self, c: &Clause, env: &Env<'_>) {
        match c {
            Clause::Access(a) => {
                let at = self.query(&a.query, env);
                let shallow = !a.negated
                    && matches!((a.op, a.op_not), (Op::Empty, true) | (Op::Exists, false));
                for n in at {
                    self.observe(n, shallow);
                }
                if let Some(rhs) = &a.rhs {
                    let at = self.let_value(rhs, env);
                    for n in at {
                        self.observe(n, false);
                    }
                }
            }
            Clause::Block { query, block, .. } => {
                let at = self.query(query, env);
                self.block(block, env, at);
            }
            Clause::When {
                conditions, block, ..
            } => {
                self.conjunction(conditions, env);
                self.block(block, env, env.at.clone());
            }
            // Another rule is read on its own.
            Clause::NamedRule { .. } => {}
            Clause::ParamCall { .. } | Clause::TypeBlock(_) => self.gave_up = true,
        }
    }

    /// A clause reads the values at `n`: whole, or only whether they are
    /// empty.
    fn observe(&mut self, n: usize, shallow: bool) {
        if let Some(node) = self.nodes.get_mut(n) {
            if shallow {
                node.keep_first = true;
            } else {
                node.full = true;
            }
        }
    }

    fn let_value(&mut self, v: &LetValue, env: &Env<'_>) -> At {
        match v {
            LetValue::Literal(_) => Vec::new(),
            LetValue::Query(q) => self.query(q, env),
            // A function reads its arguments whole and returns new values.
            LetValue::Call(call) => {
                for arg in &call.args {
                    let at = self.let_value(arg, env);
                    for n in at {
                        self.observe(n, false);
                    }
                }
                Vec::new()
            }
        }
    }

    /// The positions a variable's values stand at, worked out in the scope
    /// that defines it (as the evaluator does); `None` when no scope does.
    fn variable(&mut self, name: &str, env: &Env<'_>) -> Option<At> {
        let mut scope = Some(env);
        while let Some(e) = scope {
            if let Some(i) = e.lets.iter().position(|l| l.name == name) {
                if let Some(Some(done)) = e.done.borrow().get(i) {
                    return Some(done.clone());
                }
                if e.busy.borrow().get(i).copied().unwrap_or(false) {
                    return Some(Vec::new());
                }
                if let Some(b) = e.busy.borrow_mut().get_mut(i) {
                    *b = true;
                }
                let at = match e.lets.get(i) {
                    Some(l) if self.deeper() => self.let_value(&l.value, e),
                    _ => Vec::new(),
                };
                self.up();
                if let Some(slot) = e.done.borrow_mut().get_mut(i) {
                    *slot = Some(at.clone());
                }
                return Some(at);
            }
            scope = e.parent;
        }
        None
    }

    fn child(&mut self, n: usize, key: &str) -> usize {
        if let Some(&c) = self.nodes.get(n).and_then(|node| node.fields.get(key)) {
            return c;
        }
        let c = self.new_node(n);
        if let Some(node) = self.nodes.get_mut(n) {
            node.fields.insert(key.to_string(), c);
        }
        c
    }

    /// A position below `parent`. Past a bound on their number or depth
    /// (a rules file written to make this analysis expensive) the
    /// projection gives up and the whole document is built.
    fn new_node(&mut self, parent: usize) -> usize {
        let depth = self.nodes.get(parent).map_or(0, |p| p.depth) + 1;
        if depth > MAX_DEPTH || self.nodes.len() >= MAX_NODES {
            self.gave_up = true;
        }
        self.nodes.push(Node {
            depth,
            ..Node::default()
        });
        self.nodes.len() - 1
    }

    /// The position of every value of a map at `n` (`items: false`) or of
    /// every item of a list at `n` (`items: true`).
    fn below(&mut self, n: usize, items: bool) -> usize {
        fn slot(node: &mut Node, items: bool) -> &mut Option<usize> {
            if items {
                &mut node.items
            } else {
                &mut node.any
            }
        }
        if let Some(c) = self.nodes.get_mut(n).and_then(|node| *slot(node, items)) {
            return c;
        }
        let c = self.new_node(n);
        if let Some(node) = self.nodes.get_mut(n) {
            *slot(node, items) = Some(c);
        }
        c
    }

    /// Where a step that walks a list's items (`items`), a map's values
    /// (`values`) and/or stays on the value itself (`itself`) leads.
    fn step(&mut self, at: &At, itself: bool, items: bool, values: bool) -> At {
        let mut out = Vec::with_capacity(at.len() * 3);
        for &n in at {
            if itself {
                out.push(n);
            }
            if items {
                out.push(self.below(n, true));
            }
            if values {
                out.push(self.below(n, false));
            }
        }
        out
    }

    fn query(&mut self, q: &Query, env: &Env<'_>) -> At {
        let mut parts = q.parts.as_slice();
        let mut at = env.at.clone();
        if let [Part::Var(name), rest @ ..] = parts {
            match self.variable(name, env) {
                Some(v) => at = v,
                None => {
                    self.gave_up = true;
                    return Vec::new();
                }
            }
            parts = match rest {
                [Part::AllIndices(_), more @ ..] => more,
                _ => rest,
            };
        }
        for part in parts {
            if self.gave_up || at.is_empty() {
                break;
            }
            at = match part {
                Part::This => at,
                // On a list its items, on a map or a scalar the value itself.
                Part::AllIndices(None) => self.step(&at, true, true, false),
                // An index reads a list's items only.
                Part::Index(_) => self.step(&at, false, true, false),
                Part::Key(key) if key.parse::<i64>().is_ok() => self.step(&at, false, true, false),
                // The key and the spellings the evaluator tries when it is
                // missing: one position, under the key's snake_case form.
                Part::Key(key) => {
                    let key = canonical_key(key);
                    at.iter().map(|&n| self.child(n, &key)).collect()
                }
                Part::AllValues(None) => self.step(&at, true, true, true),
                // A filter tests a list's items, a map's values, or the
                // value itself after `*`.
                Part::Filter(None, conj) => {
                    let at = self.step(&at, true, true, true);
                    if self.deeper() {
                        let inner = Env::new(Some(env), &[], at.clone());
                        self.conjunction(conj, &inner);
                    }
                    self.up();
                    at
                }
                // A variable's values used as keys: any key of a map may be
                // read, and the values are read whole as key names.
                Part::Var(name) => {
                    match self.variable(name, env) {
                        Some(v) => {
                            for n in v {
                                self.observe(n, false);
                            }
                        }
                        None => self.gave_up = true,
                    }
                    self.step(&at, false, false, true)
                }
                Part::AllIndices(Some(_))
                | Part::AllValues(Some(_))
                | Part::Filter(Some(_), _)
                | Part::KeysFilter(..) => {
                    self.gave_up = true;
                    Vec::new()
                }
            };
            // A position reached twice is one position.
            at.sort_unstable();
            at.dedup();
        }
        at
    }

    /// The projection of the union of `ids`, each union worked out once
    /// (the projection is a graph: positions reached by several paths share
    /// it); `None` past [`MAX_NODES`] unions.
    fn proj(&self, mut ids: Vec<usize>, memo: &mut Memo) -> Option<Arc<Proj>> {
        ids.sort_unstable();
        ids.dedup();
        if let Some(p) = memo.get(&ids) {
            return Some(Arc::clone(p));
        }
        if memo.len() >= MAX_NODES {
            return None;
        }
        let nodes: Vec<&Node> = ids.iter().filter_map(|&i| self.nodes.get(i)).collect();
        let p = if nodes.iter().any(|n| n.full) {
            Arc::new(Proj::full())
        } else {
            let any: Vec<usize> = nodes.iter().filter_map(|n| n.any).collect();
            let items: Vec<usize> = nodes.iter().filter_map(|n| n.items).collect();
            let mut keys: Vec<&str> = nodes
                .iter()
                .flat_map(|n| n.fields.keys().map(String::as_str))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            let mut fields = Vec::with_capacity(keys.len());
            for k in keys {
                let mut under: Vec<usize> = nodes
                    .iter()
                    .filter_map(|n| n.fields.get(k).copied())
                    .collect();
                under.extend(&any);
                fields.push((k.to_string(), self.proj(under, memo)?));
            }
            let any = match any.is_empty() {
                true => None,
                false => Some(self.proj(any, memo)?),
            };
            let items = match items.is_empty() {
                true => None,
                false => Some(self.proj(items, memo)?),
            };
            Arc::new(Proj {
                full: false,
                keep_first: nodes.iter().any(|n| n.keep_first),
                fields,
                any,
                items,
            })
        };
        memo.insert(ids, Arc::clone(&p));
        Some(p)
    }
}

/// Projections already worked out, by the positions they unite.
type Memo = HashMap<Vec<usize>, Arc<Proj>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::parser;

    /// Lower-case ASCII words of letters joined by single underscores.
    fn snake_case(k: &str) -> bool {
        !k.is_empty()
            && k.split('_')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
    }

    fn proj(rules: &[&str]) -> Proj {
        let files: Vec<RulesFile> = rules
            .iter()
            .map(|r| parser::parse(r).expect("rules parse"))
            .collect();
        Proj::for_files(&files)
    }

    #[test]
    fn the_built_in_rules_read_a_few_keys() {
        let texts: Vec<&str> = crate::guard::builtin::FILES
            .iter()
            .map(|(_, t)| *t)
            .collect();
        let p = proj(&texts);
        assert!(!p.is_full());
        assert!(p.child("vpc_endpoints", false).is_none());
        assert!(p.child("node_groups", false).is_none());
        let cluster = p.child("clusters", false).expect("clusters").items();
        assert!(cluster.child("endpoint", false).is_some());
        assert!(cluster.child("security_groups", false).is_none());
        let group = p.child("security_groups", false).expect("groups").items();
        assert!(group.child("egress", false).is_none());
        assert!(group.child("tags", false).is_none());
        let rule = group.child("ingress", false).expect("ingress").items();
        for key in ["world", "protocol", "from_port", "to_port"] {
            assert!(rule.child(key, false).is_some(), "{key}");
        }
        assert!(rule.child("peer", false).is_none());
        assert!(rule.child("description", false).is_none());
        // `%x !empty` over rules: a rule map keeps its first entry.
        assert!(rule.child("direction", true).is_some());
        assert!(rule.child("direction", false).is_none());
    }

    #[test]
    fn a_compared_value_is_built_whole() {
        let p = proj(&["rule r { clusters[*].endpoint == {} }"]);
        let ep = p
            .child("clusters", false)
            .unwrap()
            .items()
            .child("endpoint", false);
        assert!(ep.is_some_and(Proj::is_full));
    }

    #[test]
    fn a_map_has_room_for_the_keys_asked_for_only() {
        let p =
            proj(&["rule r { security_groups[*].ingress[*] { world == true\n from_port == 22 } }"]);
        let rule = p.child("security_groups", false).unwrap().items();
        let rule = rule.child("ingress", false).unwrap().items();
        assert_eq!(rule.width(9), 2);
        assert_eq!(rule.width(1), 1);
        assert_eq!(Proj::full().width(9), 9);
        let any = proj(&["rule r { clusters[*].endpoint.* == true }"]);
        let ep = any.child("clusters", false).unwrap().items();
        assert_eq!(ep.child("endpoint", false).unwrap().width(5), 5);
    }

    #[test]
    fn map_wildcards_keep_every_key() {
        let p = proj(&["rule r { clusters[*].endpoint.* == true }"]);
        let ep = p.child("clusters", false).unwrap().items();
        let ep = ep.child("endpoint", false).unwrap();
        assert!(ep.child("anything", false).is_some());
    }

    #[test]
    fn every_spelling_of_a_key_finds_it() {
        for rules in [
            "rule r { Clusters[*].Endpoint.PublicAccess == true }",
            "rule r { clusters[*].endpoint.publicAccess == true }",
            "rule r { clusters[*].endpoint.'public-access' == true }",
            "rule r { clusters[*].endpoint.'Public Access' == true }",
        ] {
            let p = proj(&[rules]);
            let ep = p.child("clusters", false).unwrap().items();
            let ep = ep.child("endpoint", false).expect(rules);
            assert!(ep.child("public_access", false).is_some(), "{rules}");
            assert!(ep.child("private_access", false).is_none(), "{rules}");
        }
    }

    proptest::proptest! {
        /// A query key reaches a snake_case key of letters (the model
        /// document's spelling) through the evaluator's spellings only if
        /// that key is the query key's canonical form.
        #[test]
        fn a_spelling_in_snake_case_is_the_canonical_form(key in "[A-Za-z0-9 _.:-]{0,24}") {
            let canonical = crate::guard::eval::canonical_key(&key);
            for v in crate::guard::eval::case_variants(&key).into_iter().chain([key.clone()]) {
                if snake_case(&v) {
                    proptest::prop_assert_eq!(&canonical, &v);
                }
            }
        }
    }

    #[test]
    fn the_model_document_spells_every_key_in_snake_case() {
        use crate::guard::value::Kind;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples");
        let scan = crate::pipeline::scan(&[dir], &Default::default(), &|_| false);
        let analysis = crate::analysis::Analysis::new(&scan.model);
        let doc = crate::guard::model_doc::build(&scan.model, &analysis);
        let mut stack = vec![doc];
        let mut keys = 0;
        while let Some(v) = stack.pop() {
            match &v.kind {
                Kind::Map(entries) => {
                    for (k, v) in entries {
                        let k = k.as_str().unwrap_or("");
                        assert!(snake_case(k), "{k}");
                        assert_eq!(crate::guard::eval::canonical_key(k), k);
                        keys += 1;
                        stack.push(std::sync::Arc::clone(v));
                    }
                }
                Kind::List(items) => stack.extend(items.iter().cloned()),
                _ => {}
            }
        }
        assert!(keys > 100, "{keys}");
    }

    #[test]
    fn rules_written_to_be_expensive_build_everything() {
        let long = format!("rule r {{ clusters{} exists }}", ".a".repeat(50_000));
        let wide = format!("rule r {{ clusters{} exists }}", "[*]".repeat(300));
        let spelled = format!(
            "rule r {{ {} exists }}",
            vec!["PublicAccessCidrsOpenToWorld"; 500].join(".")
        );
        for rules in [long, wide] {
            assert!(proj(&[&rules]).is_full());
        }
        // Steps that may or may not walk a list do not multiply positions.
        let walks = format!("rule r {{ clusters{} exists }}", "[*]".repeat(100));
        assert!(!proj(&[&walks]).is_full());
        // Positions reached by many paths (`*` then keys, at every depth)
        // are worked out once, not once per path.
        let mut paths = Vec::new();
        for depth in 1..12 {
            for key in ["a", "b"] {
                paths.push(format!("x{}.{key} exists", ".*".repeat(depth)));
            }
        }
        let paths = format!("rule r {{\n{}\n}}", paths.join("\n"));
        let p = proj(&[&paths]);
        assert!(!p.is_full());
        assert!(p
            .child("x", false)
            .is_some_and(|x| x.child("a", false).is_some()));
        // Spellings do not multiply positions: one per step.
        assert!(proj(&[&spelled]).is_full(), "deeper than the bound");
        let ok = vec!["PublicAccessCidrs"; 50].join(".");
        assert!(!proj(&[&format!("rule r {{ {ok} exists }}")]).is_full());
    }

    #[test]
    fn what_is_not_modelled_builds_everything() {
        for rules in [
            "rule r { clusters[*].endpoint[ keys == /a/ ] !empty }",
            "rule r { %nowhere exists }",
            "rule r { clusters[ c | address exists ] !empty }",
            "rule p(x) { %x exists }\nrule r { p(clusters) }",
            "AWS::EKS::Cluster { Properties exists }",
        ] {
            assert!(proj(&[rules]).is_full(), "{rules}");
        }
    }
}
