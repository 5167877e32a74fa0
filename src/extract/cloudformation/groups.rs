//! Security group references and lists (`SecurityGroupIds`, `Groups`,
//! `SourceSecurityGroups`, `SourceSecurityGroupId`).

use foldhash::{HashMap, HashMapExt};

use crate::model::{GroupList, GroupRef, SgId};
use crate::source::Span;
use crate::syntax::{Node, Value};

use super::intrinsics::{
    alternatives, getatt_target, intrinsic, product, ref_target, Placeholders, Val,
    MAX_ALTERNATIVES,
};
use super::template::{Template, EKS_CLUSTER, SECURITY_GROUP};

/// What one group-valued expression refers to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Target {
    /// A group in the model (defined here, or a cluster's implicit group).
    Group(SgId),
    /// A group defined elsewhere, described for messages.
    External(String),
    /// The expression is a list (a list parameter): see its `GroupList`.
    List(GroupList),
    Unknown,
}

impl<'a> Template<'a> {
    /// What a scalar group expression refers to: `Ref` to a group or a
    /// parameter, `GetAtt Group.GroupId`, `GetAtt Cluster.ClusterSecurityGroupId`,
    /// an import, a literal ID.
    pub fn group_target(&self, node: &Node) -> Target {
        if let Some(name) = ref_target(node) {
            return self.ref_group_target(name);
        }
        if let Some((res, attr)) = getatt_target(node) {
            return match (self.resource_type(res), attr) {
                (Some(SECURITY_GROUP), "GroupId") => self
                    .groups
                    .get(res)
                    .map_or(Target::Unknown, |&id| Target::Group(id)),
                (Some(EKS_CLUSTER), "ClusterSecurityGroupId") => self
                    .clusters
                    .get(res)
                    .map_or(Target::Unknown, |slot| Target::Group(slot.sg)),
                (Some(_), _) => Target::External(format!("{res}.{attr}")),
                (None, _) => Target::Unknown,
            };
        }
        match intrinsic(node) {
            // The export's name with unknown parts as `${Name}`: a description,
            // and the same expression names the same export.
            Some(("ImportValue", arg)) => match self.eval_with(arg, Placeholders::All) {
                Val::Str(name) => Target::External(format!("import {name}")),
                _ => Target::Unknown,
            },
            Some(("Split", _)) => match self.eval(node) {
                Val::List(items) => Target::List(externals(items)),
                _ => Target::List(GroupList::Unknown),
            },
            Some(_) => match self.eval(node) {
                Val::Str(s) if !s.trim().is_empty() => Target::External(s.trim().to_string()),
                _ => Target::Unknown,
            },
            None => match &node.value {
                Value::String(s) if !s.trim().is_empty() => Target::External(s.trim().to_string()),
                Value::Seq(_) => Target::List(self.group_list_plain(node)),
                _ => Target::Unknown,
            },
        }
    }

    fn ref_group_target(&self, name: &str) -> Target {
        if let Some(&id) = self.groups.get(name) {
            return Target::Group(id);
        }
        if let Some(param) = self.params.get(name) {
            if param.is_list() {
                return Target::List(
                    match self.eval_ref(name, super::intrinsics::Placeholders::None) {
                        Val::List(items) => externals(items),
                        _ => GroupList::Unknown,
                    },
                );
            }
            return Target::External(format!("parameter {name}"));
        }
        if name.starts_with("AWS::") {
            return Target::Unknown;
        }
        if self.resource(name).is_some() {
            return Target::External(format!("resource {name}"));
        }
        Target::Unknown
    }

    /// A property holding a list of groups, with the span of each resolved
    /// member when the result is a plain list.
    pub fn group_list(&self, node: &Node) -> (GroupList, Vec<Span>) {
        let alts = alternatives(node);
        if let [(single, _)] = alts.as_slice() {
            return match single {
                None => (GroupList::Absent, Vec::new()),
                Some(n) => self.group_list_spanned(n),
            };
        }
        let mut spans: Vec<(GroupRef, Span)> = Vec::new();
        let lists = alts
            .into_iter()
            .map(|(alt, _)| match alt {
                None => GroupList::Absent,
                Some(n) => {
                    self.member_spans(n, &mut spans);
                    self.group_list_plain(n)
                }
            })
            .collect();
        let list = one_of(lists);
        let spans = align_to_members(&list, spans);
        (list, spans)
    }

    /// Each group a literal list may hold, with the span of the element
    /// that names it, in order of appearance. A group named twice appears
    /// twice: `align_to_members` takes its first span.
    fn member_spans(&self, node: &Node, out: &mut Vec<(GroupRef, Span)>) {
        let Some(items) = node.as_seq() else {
            return;
        };
        for item in items {
            for member in self.group_element(item).all_members() {
                out.push((member, item.span));
            }
        }
    }

    fn group_list_spanned(&self, node: &Node) -> (GroupList, Vec<Span>) {
        let list = self.group_list_plain(node);
        let mut spans = Vec::new();
        if let (GroupList::Groups(_), Some(items)) = (&list, node.as_seq()) {
            for item in items {
                if let GroupList::Groups(g) = self.group_element(item) {
                    spans.extend(std::iter::repeat_n(item.span, g.len()));
                }
            }
            return (list, spans);
        }
        // Conditions inside the list: spans follow `all_members()`.
        let mut members = Vec::new();
        self.member_spans(node, &mut members);
        let spans = align_to_members(&list, members);
        (list, spans)
    }

    /// A list value without `Fn::If` at its top.
    fn group_list_plain(&self, node: &Node) -> GroupList {
        if let Some(items) = node.as_seq() {
            let parts: Vec<GroupList> = items.iter().map(|i| self.group_element(i)).collect();
            return concat(parts, true);
        }
        match self.group_target(node) {
            Target::List(list) => list,
            Target::Group(id) => GroupList::Groups(vec![GroupRef::Group(id)]),
            // A scalar where a list belongs: a list parameter in disguise, or
            // a function whose list is unknown.
            Target::External(_) | Target::Unknown => match self.eval(node) {
                Val::List(items) => externals(items),
                _ => GroupList::Unknown,
            },
        }
    }

    /// One element of a literal list, as the list it contributes.
    fn group_element(&self, node: &Node) -> GroupList {
        let alts = alternatives(node);
        let lists: Vec<GroupList> = alts
            .into_iter()
            .map(|(alt, _)| match alt {
                None => GroupList::Groups(Vec::new()),
                Some(n) => match self.group_target(n) {
                    Target::Group(id) => GroupList::Groups(vec![GroupRef::Group(id)]),
                    Target::External(s) => GroupList::Groups(vec![GroupRef::External(s)]),
                    Target::List(list) => list,
                    // One group, but which one is unknown.
                    Target::Unknown => {
                        GroupList::Groups(vec![GroupRef::External(self.describe(n))])
                    }
                },
            })
            .collect();
        one_of(lists)
    }
}

impl Template<'_> {
    /// An unresolved group expression, for messages: its text with unknown
    /// parts as `${Name}` when it has one.
    fn describe(&self, node: &Node) -> String {
        if let Val::Str(text) = self.eval_with(node, Placeholders::All) {
            return text;
        }
        match intrinsic(node) {
            Some((name, _)) => format!("an unresolved Fn::{name} value"),
            None => "an unresolved value".to_string(),
        }
    }
}

/// Literal values of a list parameter or `Fn::Split`: groups defined
/// elsewhere.
fn externals(items: Vec<Val>) -> GroupList {
    let mut out = Vec::new();
    for item in items {
        match item {
            Val::Str(s) if s.trim().is_empty() => {}
            Val::Str(s) => out.push(GroupRef::External(s.trim().to_string())),
            _ => return GroupList::Unknown,
        }
    }
    GroupList::Groups(out)
}

/// Alternatives folded: nested `OneOf` flattened, duplicates removed.
pub(super) fn one_of(lists: Vec<GroupList>) -> GroupList {
    let mut out: Vec<GroupList> = Vec::new();
    for list in lists {
        for alt in leaves(list) {
            if !out.contains(&alt) {
                out.push(alt);
            }
        }
    }
    match out.len() {
        0 => GroupList::Unknown,
        1 => out.pop().unwrap_or(GroupList::Unknown),
        n if n > MAX_ALTERNATIVES => GroupList::Unknown,
        _ => GroupList::OneOf(out),
    }
}

/// A list's alternatives without nesting: each `Absent`, `Groups` or `Unknown`.
fn leaves(list: GroupList) -> Vec<GroupList> {
    match list {
        GroupList::OneOf(alts) => alts.into_iter().flat_map(leaves).collect(),
        other => vec![other],
    }
}

/// Lists written one after another (the items of a list; the several group
/// settings of a launch template). With `present`, the result is a list even
/// when every part is absent.
pub(super) fn concat(parts: Vec<GroupList>, present: bool) -> GroupList {
    let alts: Vec<Vec<GroupList>> = parts.into_iter().map(leaves).collect();
    let Some(combos) = product(&alts) else {
        return GroupList::Unknown;
    };
    let results = combos
        .into_iter()
        .map(|combo| {
            let mut groups = Vec::new();
            let mut any_present = present;
            for part in combo {
                match part {
                    GroupList::Unknown => return GroupList::Unknown,
                    GroupList::Absent => {}
                    GroupList::Groups(g) => {
                        any_present = true;
                        groups.extend(g);
                    }
                    GroupList::OneOf(_) => return GroupList::Unknown,
                }
            }
            if any_present {
                GroupList::Groups(groups)
            } else {
                GroupList::Absent
            }
        })
        .collect();
    one_of(results)
}

/// Spans in the order of `list.all_members()`, or none when some member has
/// no element of its own (it came from a parameter or a function).
fn align_to_members(list: &GroupList, spans: Vec<(GroupRef, Span)>) -> Vec<Span> {
    // Each group's first span, indexed: a list may hold thousands of groups,
    // and searching the spans for each member would be quadratic.
    let mut first: HashMap<GroupRef, Span> = HashMap::with_capacity(spans.len());
    for (group, span) in spans {
        first.entry(group).or_insert(span);
    }
    list.all_members()
        .iter()
        .map(|m| first.get(m).copied())
        .collect::<Option<Vec<Span>>>()
        .unwrap_or_default()
}
