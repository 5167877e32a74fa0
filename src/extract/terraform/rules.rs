//! Security group rules: inline `ingress`/`egress` blocks (and their
//! attribute form), `aws_security_group_rule`, the `aws_vpc_security_group_*`
//! rule resources, tags, and the remote-access group EKS makes for a managed
//! node group.

use foldhash::{HashMap, HashMapExt};

use super::eval::{block_labels, is_block, Ev, Val};
use super::{Extractor, Instance, Resource};
use crate::model::{
    DefaultEgress, Direction, GroupList, GroupOrigin, GroupRef, Known, Peer, PortRange, Presence,
    Protocol, RemoteAccess, SecurityGroup, SgId, SgRule, Tag,
};
use crate::source::Span;
use crate::syntax::{hcl, Node, Value};

/// Alternatives of a list whose members (or itself) may be conditional:
/// each alternative is the list's members, or `None` when unknown.
pub(super) fn list_alternatives(ev: &Ev) -> Vec<Option<Vec<Ev>>> {
    const MAX_ALTERNATIVES: usize = 16;
    match &ev.v {
        Val::Null => vec![Some(Vec::new())],
        Val::OneOf(alts) => alts.iter().flat_map(list_alternatives).collect(),
        Val::List(items) => {
            let mut alts: Vec<Vec<Ev>> = vec![Vec::new()];
            for item in items {
                match &item.v {
                    Val::OneOf(choices) => {
                        let mut next = Vec::new();
                        for alt in &alts {
                            for choice in choices {
                                let mut a = alt.clone();
                                // A null member is dropped (as `compact` would).
                                if !choice.is_null() {
                                    a.push(choice.clone());
                                }
                                next.push(a);
                            }
                        }
                        if next.len() > MAX_ALTERNATIVES {
                            return vec![None];
                        }
                        alts = next;
                    }
                    _ => alts.iter_mut().for_each(|a| a.push(item.clone())),
                }
            }
            alts.into_iter().map(Some).collect()
        }
        _ => vec![None],
    }
}

/// Each distinct peer of a list setting with its presence: always when it
/// is in every alternative, else conditional; an unknown alternative adds a
/// conditional unknown peer.
fn peers_of(ev: &Ev, to_peer: &dyn Fn(&Ev) -> Peer) -> Vec<(Peer, Presence)> {
    let alts = list_alternatives(ev);
    // Each peer in first-seen order, with the alternatives holding it and
    // the last of them (1-based) that counted it; `index` finds it.
    let mut out: Vec<(Peer, usize, usize)> = Vec::new();
    let mut index: HashMap<Peer, usize> = HashMap::new();
    let mut unknown = false;
    for (n, alt) in alts.iter().enumerate() {
        let Some(items) = alt else {
            unknown = true;
            continue;
        };
        for item in items {
            let at = *index.entry(to_peer(item)).or_insert_with_key(|peer| {
                out.push((peer.clone(), 0, 0));
                out.len() - 1
            });
            if let Some((_, count, last)) = out.get_mut(at) {
                if *last != n + 1 {
                    *count += 1;
                    *last = n + 1;
                }
            }
        }
    }
    let mut peers: Vec<(Peer, Presence)> = out
        .into_iter()
        .map(|(peer, n, _)| {
            let presence = if n == alts.len() {
                Presence::Always
            } else {
                Presence::Conditional
            };
            (peer, presence)
        })
        .collect();
    if unknown && !peers.iter().any(|(p, _)| *p == Peer::Unknown) {
        peers.push((Peer::Unknown, Presence::Conditional));
    }
    peers
}

fn both(a: Presence, b: Presence) -> Presence {
    if a == Presence::Always && b == Presence::Always {
        Presence::Always
    } else {
        Presence::Conditional
    }
}

fn cidr_peer(ev: &Ev) -> Peer {
    ev.as_text().map_or(Peer::Unknown, Peer::cidr)
}

fn prefix_list_peer(ev: &Ev) -> Peer {
    match &ev.v {
        Val::Str(s) => Peer::PrefixList(s.clone()),
        Val::External(d) => Peer::PrefixList(d.clone()),
        _ => Peer::Unknown,
    }
}

/// Where a standalone rule goes.
enum Targets {
    /// Groups of the model (alternatives are conditional).
    Groups(Vec<(SgId, Presence)>),
    /// A group outside the module: the rule is dropped.
    Outside,
    /// Unresolved, possibly a group of the module.
    Unknown,
}

/// The settings of one rule, whatever resource or block it comes from.
pub(super) struct RuleSpec<'e> {
    pub fields: &'e Ev,
    pub direction: Direction,
    pub span: Span,
    pub presence: Presence,
}

impl Extractor<'_, '_> {
    fn group_peer(&self, ev: &Ev, this: SgId) -> Peer {
        match self.group_ref(ev) {
            Some(GroupRef::Group(id)) if id == this => Peer::SelfRef,
            Some(r) => Peer::Group(r),
            None => Peer::Unknown,
        }
    }

    /// The rules one set of settings makes: one per peer.
    pub(super) fn rules_of(&self, spec: &RuleSpec<'_>, this: SgId) -> Vec<SgRule> {
        let f = |key: &str| spec.fields.field(key).filter(|e| !e.is_null());
        let protocol = f("protocol")
            .or_else(|| f("ip_protocol"))
            .and_then(Ev::as_text)
            .map_or(Protocol::Unknown, Protocol::parse);
        let from = f("from_port").map(|e| e.as_i64());
        let to = f("to_port").map(|e| e.as_i64());
        // All-protocol rules (`-1`) carry no ports: `for_rule` covers them.
        let ports = PortRange::for_rule(protocol, from.flatten(), to.flatten());
        let description = f("description").and_then(Ev::as_text).map(str::to_string);

        let mut peers: Vec<(Peer, Presence)> = Vec::new();
        for key in ["cidr_blocks", "ipv6_cidr_blocks"] {
            if let Some(ev) = f(key) {
                peers.extend(peers_of(ev, &cidr_peer));
            }
        }
        if let Some(ev) = f("prefix_list_ids") {
            peers.extend(peers_of(ev, &prefix_list_peer));
        }
        if let Some(ev) = f("security_groups") {
            peers.extend(peers_of(ev, &|e| self.group_peer(e, this)));
        }
        for key in ["cidr_ipv4", "cidr_ipv6"] {
            if let Some(ev) = f(key) {
                peers.extend(scalar_peers(ev, &cidr_peer));
            }
        }
        if let Some(ev) = f("prefix_list_id") {
            peers.extend(scalar_peers(ev, &prefix_list_peer));
        }
        for key in ["source_security_group_id", "referenced_security_group_id"] {
            if let Some(ev) = f(key) {
                peers.extend(scalar_peers(ev, &|e| self.group_peer(e, this)));
            }
        }
        if let Some(ev) = f("self") {
            match ev.as_bool() {
                Some(true) => peers.push((Peer::SelfRef, Presence::Always)),
                Some(false) => {}
                None => peers.push((Peer::SelfRef, Presence::Conditional)),
            }
        }

        peers
            .into_iter()
            .map(|(peer, presence)| SgRule {
                direction: spec.direction,
                protocol,
                ports,
                peer,
                span: spec.span,
                presence: both(spec.presence, presence),
                description: description.clone(),
                implicit: false,
            })
            .collect()
    }

    fn push_rules(&mut self, id: SgId, rules: Vec<SgRule>) {
        let group = self.model.group_mut(id);
        for rule in rules {
            match rule.direction {
                Direction::Ingress => group.ingress.push(rule),
                Direction::Egress => group.egress.push(rule),
            }
        }
    }

    /// The inline rules and tags of an `aws_security_group` or
    /// `aws_default_security_group`.
    pub(super) fn group_body(&mut self, res: &Resource<'_>) {
        let Some(&id) = self.groups.get(&res.address) else {
            return;
        };
        let mut rules = Vec::new();
        let mut incomplete = false;
        let mut egress_declared = false;
        let mut egress_span: Option<Span> = None;
        for entry in res.body.as_map().unwrap_or(&[]) {
            let direction = match entry.key.as_str() {
                "ingress" => Direction::Ingress,
                "egress" => Direction::Egress,
                "dynamic" if is_block(entry) => {
                    let (labels, _) = block_labels(&entry.value);
                    if labels.first().is_some_and(|l| l.key == "egress") {
                        egress_declared = true;
                        egress_span.get_or_insert(entry.value.span);
                    }
                    continue;
                }
                "tags" => {
                    let tags = self.tags(&entry.value);
                    self.model.group_mut(id).tags = tags;
                    continue;
                }
                _ => continue,
            };
            if direction == Direction::Egress {
                egress_declared = true;
                let span = if is_block(entry) {
                    entry.value.span
                } else {
                    entry.span()
                };
                egress_span.get_or_insert(span);
            }
            if is_block(entry) {
                continue;
            }
            // The attribute form: `ingress = [{ ... }, ...]`.
            let list = self.ev.eval(&entry.value);
            let alts = list_alternatives(&list);
            let presence = if alts.len() == 1 {
                Presence::Always
            } else {
                Presence::Conditional
            };
            for alt in &alts {
                let Some(items) = alt else {
                    incomplete = true;
                    continue;
                };
                for item in items {
                    if !matches!(item.v, Val::Map(_)) {
                        incomplete = true;
                        continue;
                    }
                    rules.extend(self.rules_of(
                        &RuleSpec {
                            fields: item,
                            direction,
                            span: item.span,
                            presence,
                        },
                        id,
                    ));
                }
            }
        }
        // Blocks, written or `dynamic` over a known collection.
        for (name, direction) in [
            ("ingress", Direction::Ingress),
            ("egress", Direction::Egress),
        ] {
            for inst in self.instances(res.body, name) {
                match inst {
                    Instance::Known { fields, span } => rules.extend(self.rules_of(
                        &RuleSpec {
                            fields: &fields,
                            direction,
                            span,
                            presence: Presence::Always,
                        },
                        id,
                    )),
                    Instance::Unknown(_) => incomplete = true,
                }
            }
        }
        if incomplete {
            self.note(
                res.header,
                format!("some rules of {} could not be read", res.address),
            );
        }
        self.push_rules(id, rules);
        let group = self.model.group_mut(id);
        group.rules_incomplete |= incomplete;
        group.inline_egress_declared = egress_declared;
        group.egress_span = egress_span;
        group.default_egress = DefaultEgress::None;
    }

    /// The groups a standalone rule's `security_group_id` designates in the
    /// model, with the presence each gets.
    fn rule_targets(&self, res: &Resource<'_>) -> Targets {
        let Some(node) = res.body.get("security_group_id") else {
            return Targets::Outside;
        };
        let ev = self.ev.eval(node);
        let target = |ev: &Ev| match self.group_ref(ev) {
            Some(GroupRef::Group(id)) => Some(id),
            _ => None,
        };
        let groups: Vec<(SgId, Presence)> = match &ev.v {
            Val::OneOf(alts) => alts
                .iter()
                .filter_map(target)
                .map(|id| (id, Presence::Conditional))
                .collect(),
            _ => target(&ev)
                .map(|id| (id, Presence::Always))
                .into_iter()
                .collect(),
        };
        if !groups.is_empty() {
            return Targets::Groups(groups);
        }
        // A variable, a module output, a data source or an ID literal names
        // a group outside this module; anything else might be one of ours.
        let outside = |ev: &Ev| match &ev.v {
            Val::Str(_) | Val::External(_) | Val::Null => true,
            Val::Unknown(d) => d.starts_with("var.") || d.starts_with("module."),
            _ => false,
        };
        let all_outside = match &ev.v {
            Val::OneOf(alts) => alts.iter().all(outside),
            _ => outside(&ev),
        };
        if all_outside {
            Targets::Outside
        } else {
            Targets::Unknown
        }
    }

    /// A rule that cannot be placed: the groups it may belong to have
    /// incomplete rules.
    fn unplaced_rule(&mut self, res: &Resource<'_>, targets: &Targets, why: &str) {
        let ids: Vec<SgId> = match targets {
            Targets::Outside => return,
            Targets::Groups(groups) => groups.iter().map(|(id, _)| *id).collect(),
            Targets::Unknown => (0..self.model.groups.len())
                .filter_map(|i| u32::try_from(i).ok().map(SgId))
                .collect(),
        };
        for id in ids {
            self.model.group_mut(id).rules_incomplete = true;
        }
        self.note(res.header, format!("{} {why}", res.address));
    }

    /// `aws_security_group_rule`.
    pub(super) fn legacy_rule(&mut self, res: &Resource<'_>) {
        let Some(presence) = self.presence(res) else {
            return;
        };
        let direction = match res
            .body
            .get("type")
            .and_then(|n| self.ev.eval(n).as_text().map(str::to_ascii_lowercase))
            .as_deref()
        {
            Some("ingress") => Direction::Ingress,
            Some("egress") => Direction::Egress,
            _ => {
                let targets = self.rule_targets(res);
                self.unplaced_rule(res, &targets, "has a type that could not be resolved");
                return;
            }
        };
        self.standalone_rule(res, direction, presence);
    }

    /// `aws_vpc_security_group_ingress_rule` / `_egress_rule`.
    pub(super) fn vpc_rule(&mut self, res: &Resource<'_>, direction: Direction) {
        let Some(presence) = self.presence(res) else {
            return;
        };
        self.standalone_rule(res, direction, presence);
    }

    fn standalone_rule(&mut self, res: &Resource<'_>, direction: Direction, presence: Presence) {
        let targets = self.rule_targets(res);
        let Targets::Groups(groups) = &targets else {
            self.unplaced_rule(
                res,
                &targets,
                "applies to a security group that could not be resolved",
            );
            return;
        };
        let fields = self.ev.eval_args(res.body);
        for &(id, target_presence) in groups {
            let rules = self.rules_of(
                &RuleSpec {
                    fields: &fields,
                    direction,
                    span: res.body.span,
                    presence: both(presence, target_presence),
                },
                id,
            );
            self.push_rules(id, rules);
        }
    }

    /// Tags from a `tags` setting: literal maps entry by entry (so one
    /// unknown entry leaves the others known), anything else evaluated.
    fn tags(&self, node: &Node) -> Vec<Tag> {
        let mut out = Vec::new();
        self.collect_tags(node, &mut out, 0);
        out
    }

    fn collect_tags(&self, node: &Node, out: &mut Vec<Tag>, depth: usize) {
        let text = |ev: Ev| {
            ev.as_text()
                .map_or(Known::Unknown, |t| Known::Value(t.to_string()))
        };
        match &node.value {
            Value::Map(entries) => {
                for entry in entries {
                    let key = match hcl::key_expression(entry) {
                        Some(key_node) => text(self.ev.eval(&key_node)),
                        None => Known::Value(entry.key.to_string()),
                    };
                    out.push(Tag {
                        key,
                        value: text(self.ev.eval(&entry.value)),
                        span: entry.span(),
                    });
                }
            }
            Value::Call(call) if call.0 == "merge" && depth < 8 => {
                for arg in &call.1 {
                    self.collect_tags(arg, out, depth + 1);
                }
            }
            Value::Null => {}
            _ => match self.ev.eval(node).v {
                Val::Map(items) => {
                    for item in items {
                        out.push(Tag {
                            key: Known::Value(item.key),
                            value: text(item.val),
                            span: node.span,
                        });
                    }
                }
                Val::Null => {}
                _ => out.push(Tag {
                    key: Known::Unknown,
                    value: Known::Unknown,
                    span: node.span,
                }),
            },
        }
    }

    /// A managed node group's `remote_access`, and the group EKS makes for
    /// it: SSH (RDP for Windows) from the source groups, or from anywhere
    /// when none are given.
    pub(super) fn remote_access(
        &mut self,
        res: &Resource<'_>,
        fields: &Ev,
        span: Span,
    ) -> RemoteAccess {
        let windows = res
            .body
            .get("ami_type")
            .and_then(|n| self.ev.eval(n).as_text().map(str::to_ascii_uppercase))
            .is_some_and(|t| t.contains("WINDOWS"));
        self.remote_access_of(&res.address, windows, fields, span)
    }

    /// The remote access of the node group at `address` (an
    /// `aws_eks_node_group`, an EKS module entry), from its settings.
    pub(super) fn remote_access_of(
        &mut self,
        address: &str,
        windows: bool,
        fields: &Ev,
        span: Span,
    ) -> RemoteAccess {
        let key_set = match fields.field("ec2_ssh_key").map(|e| &e.v) {
            None | Some(Val::Null) => Known::Value(false),
            Some(Val::Str(s)) => Known::Value(!s.is_empty()),
            Some(_) => Known::Unknown,
        };
        let source_groups = match fields.field("source_security_group_ids") {
            Some(ev) => self.group_list(ev).0,
            None => GroupList::Absent,
        };
        let group = if key_set == Known::Value(false) {
            None
        } else {
            let port = if windows { 3389 } else { 22 };
            let ng = self.model.next_node_group_id();
            let mut sg = SecurityGroup::new(
                format!("remote access group of {address}"),
                GroupOrigin::RemoteAccess(ng),
                span,
            );
            let alts = source_groups.alternatives();
            let mut peers: Vec<(Peer, usize)> = Vec::new();
            let mut unknown = false;
            for alt in &alts {
                let Some(groups) = alt else {
                    unknown = true;
                    continue;
                };
                let alt_peers: Vec<Peer> = if groups.is_empty() {
                    vec![Peer::cidr("0.0.0.0/0")]
                } else {
                    groups.iter().cloned().map(Peer::Group).collect()
                };
                for peer in alt_peers {
                    match peers.iter_mut().find(|(p, _)| *p == peer) {
                        Some((_, n)) => *n += 1,
                        None => peers.push((peer, 1)),
                    }
                }
            }
            let mut rules: Vec<(Peer, Presence)> = peers
                .into_iter()
                .map(|(p, n)| {
                    let presence = if n == alts.len() {
                        Presence::Always
                    } else {
                        Presence::Conditional
                    };
                    (p, presence)
                })
                .collect();
            if unknown {
                rules.push((Peer::Unknown, Presence::Conditional));
            }
            for (peer, presence) in rules {
                sg.ingress.push(SgRule {
                    direction: Direction::Ingress,
                    protocol: Protocol::Tcp,
                    ports: PortRange::single(port),
                    peer,
                    span,
                    presence,
                    description: Some(format!("EKS remote access: TCP {port}")),
                    implicit: true,
                });
            }
            sg.default_egress = DefaultEgress::AllowAll;
            Some(self.model.add_group(sg))
        };
        RemoteAccess {
            span,
            key_set,
            source_groups,
            group,
        }
    }
}

/// The peer of a single-valued setting (`cidr_ipv4`, `source_security_group_id`).
fn scalar_peers(ev: &Ev, to_peer: &dyn Fn(&Ev) -> Peer) -> Vec<(Peer, Presence)> {
    match &ev.v {
        Val::OneOf(alts) => {
            let mut out: Vec<(Peer, Presence)> = Vec::new();
            for alt in alts {
                if alt.is_null() {
                    continue;
                }
                let peer = to_peer(alt);
                if !out.iter().any(|(p, _)| *p == peer) {
                    out.push((peer, Presence::Conditional));
                }
            }
            out
        }
        // An unresolved setting may be null: the peer may not exist.
        Val::Unknown(_) => vec![(to_peer(ev), Presence::Conditional)],
        _ => vec![(to_peer(ev), Presence::Always)],
    }
}
