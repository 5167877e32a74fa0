//! Intrinsic functions and the value resolver.
//!
//! `!Ref X` (a YAML tag) and `{"Ref": "X"}` (a one-key map) are the same
//! function, as are `!GetAtt A.B`, `!GetAtt [A, B]` and
//! `{"Fn::GetAtt": [A, B]}`. The resolver folds what the template itself
//! determines (literals, parameter defaults, mappings, `Fn::Sub`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`) and keeps everything else unknown: it never
//! guesses. `Fn::If` yields both branches as alternatives.

use foldhash::{HashMap, HashMapExt};

use crate::model::Known;
use crate::syntax::{Entry, Node, Value};

use super::template::{Template, EKS_CLUSTER};

/// Alternatives beyond this many (a product of conditions) are given up as
/// unknown rather than enumerated.
pub(super) const MAX_ALTERNATIVES: usize = 16;

/// Nesting beyond this is treated as unknown (names that refer to each other).
const MAX_EVAL_DEPTH: u32 = 64;

/// A function call: its name without the `Fn::` prefix (`Ref`, `GetAtt`,
/// `Sub`, ...) and its argument.
pub(super) fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    match &node.value {
        Value::Tagged(tag, inner) => Some((tag.strip_prefix("Fn::").unwrap_or(&**tag), inner)),
        Value::Map(entries) if entries.len() == 1 => {
            let entry = entries.first()?;
            if entry.key == "Ref" {
                Some(("Ref", &entry.value))
            } else {
                entry
                    .key
                    .strip_prefix("Fn::")
                    .map(|name| (name, &entry.value))
            }
        }
        _ => None,
    }
}

/// The logical ID of a `Ref`, when the node is one.
pub(super) fn ref_target(node: &Node) -> Option<&str> {
    match intrinsic(node) {
        Some(("Ref", arg)) => arg.as_str().map(str::trim),
        _ => None,
    }
}

/// The resource and attribute of a `GetAtt` in either form.
pub(super) fn getatt_target(node: &Node) -> Option<(&str, &str)> {
    match intrinsic(node)? {
        ("GetAtt", arg) => getatt_parts(arg),
        _ => None,
    }
}

/// The resource and attribute of a `GetAtt`'s argument (`A.B` or `[A, B]`).
fn getatt_parts(arg: &Node) -> Option<(&str, &str)> {
    match &arg.value {
        Value::String(s) => {
            let (res, attr) = s.trim().split_once('.')?;
            Some((res, attr))
        }
        Value::Seq(items) => match items.as_slice() {
            [res, attr] => Some((res.as_str()?.trim(), attr.as_str()?.trim())),
            _ => None,
        },
        _ => None,
    }
}

/// Whether the node is `Ref: AWS::NoValue`.
pub(super) fn is_no_value(node: &Node) -> bool {
    ref_target(node) == Some("AWS::NoValue")
}

/// A resolved value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    /// A scalar's text (strings, numbers and booleans as written).
    Str(String),
    List(Vec<Val>),
    /// A `Ref` to a resource of the template (its physical ID is unknown).
    Ref(String),
    /// A `GetAtt` on a resource of the template.
    Att(String, String),
    /// `AWS::NoValue`: as if the property were not written.
    Absent,
    /// The branches of a condition.
    OneOf(Vec<Val>),
    Unknown,
}

impl Val {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Every alternative, nested conditions flattened.
    pub fn alternatives(self) -> Vec<Val> {
        match self {
            Val::OneOf(alts) => alts.into_iter().flat_map(Val::alternatives).collect(),
            other => vec![other],
        }
    }

    /// Several alternatives folded back: one value when they agree.
    fn one_of(alts: Vec<Val>) -> Val {
        let mut out: Vec<Val> = Vec::new();
        for alt in alts.into_iter().flat_map(Val::alternatives) {
            if !out.contains(&alt) {
                out.push(alt);
            }
        }
        match out.len() {
            0 => Val::Unknown,
            1 => out.pop().unwrap_or(Val::Unknown),
            n if n > MAX_ALTERNATIVES => Val::Unknown,
            _ => Val::OneOf(out),
        }
    }
}

/// What to do with names whose value is unknown inside strings
/// (`Fn::Sub`, `Fn::Join`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Placeholders {
    /// The string is unknown.
    None,
    /// Pseudo parameters (`${AWS::Region}`) stay in the text literally; any
    /// other unknown makes the string unknown. For VPC endpoint service
    /// names, matched by their suffix (`.ecr.api`).
    Pseudo,
    /// Every unknown name stays in the text as `${Name}`. For recognising a
    /// pattern (`kubernetes.io/cluster/${ClusterName}`), never for a value.
    All,
}

/// Structural alternatives of a property: the branches of `Fn::If` (nested
/// ones flattened), `None` for `AWS::NoValue`. The flag says the value is
/// one of several (conditional).
pub(super) fn alternatives(node: &Node) -> Vec<(Option<&Node>, bool)> {
    let mut out = Vec::new();
    collect_alternatives(node, false, 0, &mut out);
    out
}

fn collect_alternatives<'n>(
    node: &'n Node,
    conditional: bool,
    depth: u32,
    out: &mut Vec<(Option<&'n Node>, bool)>,
) {
    if is_no_value(node) {
        out.push((None, conditional));
        return;
    }
    if let Some(("If", arg)) = intrinsic(node) {
        if let Some([_, yes, no]) = arg.as_seq() {
            if depth < MAX_EVAL_DEPTH {
                collect_alternatives(yes, true, depth + 1, out);
                collect_alternatives(no, true, depth + 1, out);
                return;
            }
        }
    }
    out.push((Some(node), conditional));
}

/// The product of per-part alternatives, or `None` past `MAX_ALTERNATIVES`
/// squared combinations. Combinations come prefix-major: the first part's
/// choice varies slowest.
pub(super) fn product<T: Clone>(parts: &[Vec<T>]) -> Option<Vec<Vec<T>>> {
    let mut acc: Vec<Vec<T>> = vec![Vec::with_capacity(parts.len())];
    for part in parts {
        if let [only] = part.as_slice() {
            // Most parts have one choice: extending every combination in
            // place keeps a long list linear, where copying each prefix
            // again for every part made it quadratic.
            for combo in &mut acc {
                combo.push(only.clone());
            }
            continue;
        }
        // Checked before building, so a part with very many choices never
        // allocates the combinations that would be given up anyway.
        if acc.len().saturating_mul(part.len()) > MAX_ALTERNATIVES * MAX_ALTERNATIVES {
            return None;
        }
        acc = branch(&acc, part);
    }
    Some(acc)
}

/// Every combination extended by every choice of a part (none when the
/// part has no choice). Past the cap check there are few combinations, and
/// at most a handful of parts with two or more choices, so these copies
/// stay bounded.
fn branch<T: Clone>(acc: &[Vec<T>], part: &[T]) -> Vec<Vec<T>> {
    let mut next = Vec::with_capacity(acc.len() * part.len());
    for prefix in acc {
        for choice in part {
            let mut combo = Vec::with_capacity(prefix.capacity());
            combo.extend_from_slice(prefix);
            combo.push(choice.clone());
            next.push(combo);
        }
    }
    next
}

/// `Fn::Sub`'s variable map by name, the first entry winning for a name
/// written twice: a template may have thousands of placeholders and
/// variables, and scanning the map for each one would be quadratic.
fn sub_vars(vars: Option<&[Entry]>) -> HashMap<&str, &Node> {
    let mut index = HashMap::new();
    for entry in vars.unwrap_or(&[]) {
        index.entry(entry.key.as_str()).or_insert(&entry.value);
    }
    index
}

/// Pseudo parameters' names (`AWS::Region`, ...); `AWS::NoValue` is not one.
fn is_pseudo(name: &str) -> bool {
    name.starts_with("AWS::") && name != "AWS::NoValue"
}

impl<'a> Template<'a> {
    /// Resolves a value.
    pub fn eval(&self, node: &Node) -> Val {
        self.eval_with(node, Placeholders::None)
    }

    pub fn eval_with(&self, node: &Node, ph: Placeholders) -> Val {
        let depth = self.depth.get();
        if depth >= MAX_EVAL_DEPTH {
            return Val::Unknown;
        }
        self.depth.set(depth + 1);
        let v = self.eval_inner(node, ph);
        self.depth.set(depth);
        v
    }

    fn eval_inner(&self, node: &Node, ph: Placeholders) -> Val {
        if let Some((name, arg)) = intrinsic(node) {
            return self.eval_function(name, arg, ph);
        }
        match &node.value {
            Value::String(s) | Value::Number(s) => Val::Str(s.to_string()),
            Value::Bool(b) => Val::Str(b.to_string()),
            Value::Seq(items) => Val::List(self.eval_items(items, ph)),
            _ => Val::Unknown,
        }
    }

    /// A literal list's items; `AWS::NoValue` items are dropped.
    fn eval_items(&self, items: &[Node], ph: Placeholders) -> Vec<Val> {
        items
            .iter()
            .map(|item| self.eval_with(item, ph))
            .filter(|v| *v != Val::Absent)
            .collect()
    }

    fn eval_function(&self, name: &str, arg: &Node, ph: Placeholders) -> Val {
        match name {
            "Ref" => match arg.as_str() {
                Some(target) => self.eval_ref(target.trim(), ph),
                None => Val::Unknown,
            },
            "GetAtt" => match getatt_parts(arg) {
                Some((res, attr)) if self.resource(res).is_some() => {
                    Val::Att(res.to_string(), attr.to_string())
                }
                _ => Val::Unknown,
            },
            "Sub" => self.eval_sub(arg, ph),
            "Join" => self.eval_join(arg, ph),
            "Select" => self.eval_select(arg, ph),
            "Split" => self.eval_split(arg, ph),
            "If" => match arg.as_seq() {
                Some([_, yes, no]) => {
                    Val::one_of(vec![self.eval_with(yes, ph), self.eval_with(no, ph)])
                }
                _ => Val::Unknown,
            },
            "FindInMap" => self.eval_find_in_map(arg, ph),
            "Base64" => self.eval_with(arg, ph),
            // YAML core tags (`!!str 443`) arrive as tags too; the value is the
            // scalar itself.
            t if t.starts_with("tag:yaml.org,2002:") => self.eval_with(arg, ph),
            // ImportValue, GetAZs, Cidr, Transform, conditions, ...
            _ => Val::Unknown,
        }
    }

    /// `Ref` to a name: a parameter's default, a resource, a pseudo
    /// parameter (unknown) or `AWS::NoValue` (absent).
    pub fn eval_ref(&self, target: &str, ph: Placeholders) -> Val {
        if target == "AWS::NoValue" {
            return Val::Absent;
        }
        if is_pseudo(target) {
            return match ph {
                Placeholders::None => Val::Unknown,
                Placeholders::Pseudo | Placeholders::All => Val::Str(format!("${{{target}}}")),
            };
        }
        if let Some(param) = self.params.get(target) {
            let value = self.param_value(param);
            return match (value, ph) {
                (Val::Unknown, Placeholders::All) => Val::Str(format!("${{{target}}}")),
                (v, _) => v,
            };
        }
        if self.resource(target).is_some() {
            return Val::Ref(target.to_string());
        }
        Val::Unknown
    }

    fn param_value(&self, param: &super::template::Param<'_>) -> Val {
        let Some(default) = param.default else {
            return Val::Unknown;
        };
        // An empty default is the usual "fill this in" placeholder, never a
        // usable name, group, CIDR or list of them: it stays unknown.
        if param.is_ssm()
            || default
                .as_scalar_text()
                .is_some_and(|t| t.trim().is_empty())
        {
            return Val::Unknown;
        }
        if param.is_list() {
            return match &default.value {
                Value::Seq(items) => Val::List(
                    items
                        .iter()
                        .map(|i| {
                            i.as_scalar_text()
                                .map_or(Val::Unknown, |t| Val::Str(t.trim().to_string()))
                        })
                        .collect(),
                ),
                _ => match default.as_scalar_text() {
                    Some(text) => Val::List(
                        text.split(',')
                            .map(|s| Val::Str(s.trim().to_string()))
                            .collect(),
                    ),
                    None => Val::Unknown,
                },
            };
        }
        default
            .as_scalar_text()
            .map_or(Val::Unknown, |t| Val::Str(t.into_owned()))
    }

    /// A value's text when it is part of a string (`Fn::Sub`, `Fn::Join`).
    fn text_of(&self, v: &Val, ph: Placeholders) -> Option<String> {
        match v {
            Val::Str(s) => Some(s.clone()),
            // `Ref` to an EKS cluster is its name.
            Val::Ref(id) => match self.static_cluster_name(id) {
                Some(name) => Some(name),
                None if ph == Placeholders::All => Some(format!("${{{id}}}")),
                None => None,
            },
            Val::Att(res, attr) if ph == Placeholders::All => Some(format!("${{{res}.{attr}}}")),
            _ => None,
        }
    }

    /// The `Name` of an `AWS::EKS::Cluster` of the template, when it is a
    /// known single value.
    pub fn static_cluster_name(&self, id: &str) -> Option<String> {
        let res = self.resource(id)?;
        if res.ty != EKS_CLUSTER {
            return None;
        }
        match self.eval(res.prop("Name")?) {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Concatenates parts, each possibly with alternatives.
    fn concat_texts(&self, parts: Vec<Val>, sep: &str, ph: Placeholders) -> Val {
        let alts: Vec<Vec<Val>> = parts.into_iter().map(Val::alternatives).collect();
        let Some(combos) = product(&alts) else {
            return Val::Unknown;
        };
        let results = combos
            .into_iter()
            .map(|combo| {
                let texts: Option<Vec<String>> =
                    combo.iter().map(|v| self.text_of(v, ph)).collect();
                texts.map_or(Val::Unknown, |t| Val::Str(t.join(sep)))
            })
            .collect();
        Val::one_of(results)
    }

    fn eval_sub(&self, arg: &Node, ph: Placeholders) -> Val {
        let (template, vars) = match &arg.value {
            Value::Seq(items) => match items.as_slice() {
                [t, vars] => (t, vars.as_map()),
                [t] => (t, None),
                _ => return Val::Unknown,
            },
            _ => (arg, None),
        };
        let Some(text) = template.as_str() else {
            return Val::Unknown;
        };
        let vars = sub_vars(vars);
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let (lit, after) = rest.split_at(start);
            parts.push(Val::Str(lit.to_string()));
            let after = &after[2..];
            let Some(end) = after.find('}') else {
                parts.push(Val::Str(format!("${{{after}")));
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                parts.push(Val::Str(format!("${{{literal}}}")));
                continue;
            }
            let name = name.trim();
            let value = match vars.get(name) {
                Some(node) => self.eval_with(node, ph),
                None => match name.split_once('.') {
                    Some((res, attr)) if !is_pseudo(name) => {
                        if self.resource(res).is_some() {
                            Val::Att(res.to_string(), attr.to_string())
                        } else {
                            Val::Unknown
                        }
                    }
                    _ => self.eval_ref(name, ph),
                },
            };
            parts.push(match value {
                Val::Unknown if ph == Placeholders::All => Val::Str(format!("${{{name}}}")),
                v => v,
            });
        }
        parts.push(Val::Str(rest.to_string()));
        self.concat_texts(parts, "", ph)
    }

    fn eval_join(&self, arg: &Node, ph: Placeholders) -> Val {
        let Some([sep, list]) = arg.as_seq() else {
            return Val::Unknown;
        };
        let Some(sep) = sep.as_scalar_text() else {
            return Val::Unknown;
        };
        let items = match self.eval_with(list, ph) {
            Val::List(items) => items,
            _ => return Val::Unknown,
        };
        self.concat_texts(items, &sep, ph)
    }

    fn eval_select(&self, arg: &Node, ph: Placeholders) -> Val {
        let Some([index, list]) = arg.as_seq() else {
            return Val::Unknown;
        };
        let index = match self.eval_with(index, ph) {
            Val::Str(s) => match s.trim().parse::<usize>() {
                Ok(i) => i,
                Err(_) => return Val::Unknown,
            },
            _ => return Val::Unknown,
        };
        match self.eval_with(list, ph) {
            Val::List(items) => items.into_iter().nth(index).unwrap_or(Val::Unknown),
            _ => Val::Unknown,
        }
    }

    fn eval_split(&self, arg: &Node, ph: Placeholders) -> Val {
        let Some([sep, source]) = arg.as_seq() else {
            return Val::Unknown;
        };
        let Some(sep) = sep.as_scalar_text() else {
            return Val::Unknown;
        };
        match self.eval_with(source, ph) {
            Val::Str(s) if !sep.is_empty() => Val::List(
                s.split(sep.as_ref())
                    .map(|p| Val::Str(p.to_string()))
                    .collect(),
            ),
            _ => Val::Unknown,
        }
    }

    /// `Fn::FindInMap` from the template's `Mappings` when every key is known.
    fn eval_find_in_map(&self, arg: &Node, ph: Placeholders) -> Val {
        let Some(args) = arg.as_seq() else {
            return Val::Unknown;
        };
        let (Some(map), Some(top), Some(second)) = (args.first(), args.get(1), args.get(2)) else {
            return Val::Unknown;
        };
        let key = |n: &Node| match self.eval(n) {
            Val::Str(s) => Some(s),
            _ => None,
        };
        let (Some(map), Some(top), Some(second)) = (key(map), key(top), key(second)) else {
            return Val::Unknown;
        };
        match self
            .mappings
            .and_then(|m| m.path(&[map.as_str(), top.as_str(), second.as_str()]))
        {
            Some(value) => self.eval_with(value, ph),
            None => Val::Unknown,
        }
    }

    /// A resolved value as a model `Known` string.
    pub fn known_str(&self, v: Val) -> Known<String> {
        match v {
            Val::Str(s) => Known::Value(s),
            Val::Ref(id) => self
                .static_cluster_name(&id)
                .map_or(Known::Unknown, Known::Value),
            Val::OneOf(alts) => fold_known(alts.into_iter().map(|a| self.known_str(a)).collect()),
            _ => Known::Unknown,
        }
    }

    /// The text of a property, as a `Known` string (absent → unknown).
    pub fn known_text(&self, node: Option<&Node>) -> Known<String> {
        node.map_or(Known::Unknown, |n| self.known_str(self.eval(n)))
    }

    /// A boolean property; `default` when absent or `AWS::NoValue`.
    pub fn known_bool(&self, node: Option<&Node>, default: bool) -> Known<bool> {
        let Some(node) = node else {
            return Known::Value(default);
        };
        fn of(v: Val, default: bool) -> Known<bool> {
            match v {
                Val::Absent => Known::Value(default),
                Val::Str(s) if s.trim().eq_ignore_ascii_case("true") => Known::Value(true),
                Val::Str(s) if s.trim().eq_ignore_ascii_case("false") => Known::Value(false),
                Val::OneOf(alts) => fold_known(alts.into_iter().map(|a| of(a, default)).collect()),
                _ => Known::Unknown,
            }
        }
        of(self.eval(node), default)
    }

    /// A list of strings (`PublicAccessCidrs`).
    pub fn known_str_list(&self, v: Val) -> Known<Vec<String>> {
        match v {
            Val::List(items) => {
                let alts: Vec<Vec<Val>> = items.into_iter().map(Val::alternatives).collect();
                let Some(combos) = product(&alts) else {
                    return Known::Unknown;
                };
                let results = combos
                    .into_iter()
                    .map(|combo| {
                        let mut out = Vec::new();
                        for v in combo {
                            match v {
                                Val::Str(s) => out.push(s),
                                Val::Absent => {}
                                _ => return Known::Unknown,
                            }
                        }
                        Known::Value(out)
                    })
                    .collect();
                fold_known(results)
            }
            Val::OneOf(alts) => {
                fold_known(alts.into_iter().map(|a| self.known_str_list(a)).collect())
            }
            _ => Known::Unknown,
        }
    }
}

/// Alternatives folded into a `Known`: one value when they agree.
pub(super) fn fold_known<T: PartialEq>(alts: Vec<Known<T>>) -> Known<T> {
    let mut out: Vec<Known<T>> = Vec::new();
    for alt in alts {
        match alt {
            Known::OneOf(inner) => {
                for i in inner {
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
            }
            other => {
                if !out.contains(&other) {
                    out.push(other);
                }
            }
        }
    }
    match out.len() {
        0 => Known::Unknown,
        1 => out.pop().unwrap_or(Known::Unknown),
        _ => Known::OneOf(out),
    }
}
