//! `AWS::EC2::SecurityGroup` (inline rules, tags) and the standalone
//! `AWS::EC2::SecurityGroupIngress` / `AWS::EC2::SecurityGroupEgress`.

use crate::model::{
    DefaultEgress, Direction, GroupOrigin, GroupRef, Model, Note, Peer, PortRange, Presence,
    Protocol, SecurityGroup, SgId, SgRule, Tag,
};
use crate::source::Span;
use crate::syntax::Node;

use super::groups::Target;
use super::intrinsics::{alternatives, intrinsic, is_no_value, product, ref_target, Val};
use super::template::{Resource, Template};

/// The properties that say who the other side of a rule is, in the order
/// AWS reads them.
const INGRESS_PEERS: &[&str] = &[
    "CidrIp",
    "CidrIpv6",
    "SourceSecurityGroupId",
    "SourcePrefixListId",
    "SourceSecurityGroupName",
];
const EGRESS_PEERS: &[&str] = &[
    "CidrIp",
    "CidrIpv6",
    "DestinationSecurityGroupId",
    "DestinationPrefixListId",
];

/// The fields of a rule besides its peer, in the order `read_rule` keeps
/// them (the peers follow).
#[derive(Clone, Copy)]
enum Field {
    IpProtocol,
    FromPort,
    ToPort,
    Description,
}
const FIELDS: usize = 4;
const MAX_PEERS: usize = 5;
const _: () = assert!(INGRESS_PEERS.len() <= MAX_PEERS && EGRESS_PEERS.len() <= MAX_PEERS);

/// Whether a field's value is itself, not a choice: no `Fn::If`, no
/// `AWS::NoValue` (what [`alternatives`] would give as one plain choice).
fn is_plain(node: &Node) -> bool {
    !is_no_value(node) && !matches!(intrinsic(node), Some(("If", _)))
}

/// The group a rule belongs to, for recognising self references.
pub(super) struct Owner {
    pub id: SgId,
    /// The group's `GroupName`, when known (`SourceSecurityGroupName`).
    pub name: Option<String>,
}

/// Rules read from one rule description (an inline item or a standalone
/// resource); `incomplete` when some alternative could not be read.
#[derive(Default)]
struct RuleRead {
    rules: Vec<SgRule>,
    incomplete: bool,
}

impl<'a> Template<'a> {
    /// Creates the model group of every `AWS::EC2::SecurityGroup` (no rules
    /// yet, so that every reference resolves whatever the order).
    pub fn declare_groups(&mut self, model: &mut Model) {
        let mut declared = Vec::new();
        for res in self.of_type(super::template::SECURITY_GROUP) {
            let mut sg = SecurityGroup::new(res.id, GroupOrigin::Defined, res.key_span);
            sg.default_egress = DefaultEgress::AllowAll;
            declared.push((res.id, model.add_group(sg)));
        }
        self.group_ids
            .extend(declared.iter().map(|&(res, id)| (id, res)));
        self.groups.extend(declared);
    }

    /// Inline rules and tags of every group.
    pub fn fill_groups(&self, model: &mut Model) {
        for res in self.of_type(super::template::SECURITY_GROUP) {
            let Some(&id) = self.groups.get(res.id) else {
                continue;
            };
            let owner = Owner {
                id,
                name: res
                    .prop("GroupName")
                    .and_then(|n| self.eval(n).as_str().map(str::to_string)),
            };
            let mut group = model.group(id).clone();
            self.inline_rules(res, &owner, &mut group, &mut model.notes);
            group.tags = self.tags(res.prop("Tags"));
            *model.group_mut(id) = group;
        }
    }

    fn inline_rules(
        &self,
        res: &Resource<'a>,
        owner: &Owner,
        group: &mut SecurityGroup,
        notes: &mut Vec<Note>,
    ) {
        for (key, direction) in [
            ("SecurityGroupIngress", Direction::Ingress),
            ("SecurityGroupEgress", Direction::Egress),
        ] {
            let Some(entry) = res.prop_entry(key) else {
                continue;
            };
            let alts = alternatives(&entry.value);
            let multiple = alts.len() > 1;
            let mut declared_in_every_branch = true;
            let mut declared_in_some_branch = false;
            for (list, conditional) in alts {
                let Some(list) = list else {
                    declared_in_every_branch = false;
                    continue;
                };
                declared_in_some_branch = true;
                let Some(items) = list.as_seq() else {
                    group.rules_incomplete = true;
                    notes.push(Note {
                        span: entry.span(),
                        message: format!(
                            "`{key}` of `{}` could not be resolved; its rules are unknown",
                            res.id
                        ),
                    });
                    continue;
                };
                for item in items {
                    for (rule, item_conditional) in alternatives(item) {
                        let Some(rule) = rule else { continue };
                        if rule.as_map().is_none() {
                            group.rules_incomplete = true;
                            continue;
                        }
                        let read = self.read_rule(
                            rule,
                            direction,
                            owner,
                            rule.span,
                            conditional || item_conditional || multiple,
                        );
                        group.rules_incomplete |= read.incomplete;
                        match direction {
                            Direction::Ingress => group.ingress.extend(read.rules),
                            Direction::Egress => group.egress.extend(read.rules),
                        }
                    }
                }
            }
            if direction == Direction::Egress && declared_in_some_branch {
                // A branch without inline egress keeps AWS's allow-all: the
                // default stays unless every branch replaces it.
                group.inline_egress_declared = declared_in_every_branch;
                group.egress_span = Some(entry.span());
            }
        }
    }

    /// Every standalone `SecurityGroupIngress` / `SecurityGroupEgress` whose
    /// group is in the model.
    pub fn standalone_rules(&self, model: &mut Model) {
        for res in &self.resources {
            let direction = match res.ty {
                super::template::SECURITY_GROUP_INGRESS => Direction::Ingress,
                super::template::SECURITY_GROUP_EGRESS => Direction::Egress,
                _ => continue,
            };
            let Some(props) = res.props else { continue };
            let target = props.get("GroupId").or_else(|| match direction {
                Direction::Ingress => props.get("GroupName"),
                Direction::Egress => None,
            });
            let Some(target) = target else { continue };
            let alts = alternatives(target);
            let multiple = alts.len() > 1;
            for (alt, conditional) in alts {
                let Some(alt) = alt else { continue };
                let Target::Group(id) = self.group_target(alt) else {
                    model.notes.push(Note {
                        span: res.key_span,
                        message: format!(
                            "the group of `{}` is not defined in this template; the rule is not modelled",
                            res.id
                        ),
                    });
                    continue;
                };
                let owner = Owner {
                    id,
                    name: self.group_name_of(id),
                };
                let read = self.read_rule(
                    props,
                    direction,
                    &owner,
                    res.key_span,
                    conditional || multiple || res.conditional,
                );
                let group = model.group_mut(id);
                group.rules_incomplete |= read.incomplete;
                match direction {
                    Direction::Ingress => group.ingress.extend(read.rules),
                    Direction::Egress => group.egress.extend(read.rules),
                }
            }
        }
    }

    /// The `GroupName` of a group defined in the template.
    fn group_name_of(&self, id: SgId) -> Option<String> {
        let res = self.group_ids.get(&id)?;
        let name = self.resource(res)?.prop("GroupName")?;
        self.eval(name).as_str().map(str::to_string)
    }

    /// The rules one rule description stands for: one, or one per
    /// combination of `Fn::If` branches in its fields (then conditional).
    fn read_rule(
        &self,
        rule: &Node,
        direction: Direction,
        owner: &Owner,
        span: Span,
        conditional: bool,
    ) -> RuleRead {
        let peers = match direction {
            Direction::Ingress => INGRESS_PEERS,
            Direction::Egress => EGRESS_PEERS,
        };
        // The fields, in the order of `Field`, then the peers.
        let mut found: [Option<&Node>; FIELDS + MAX_PEERS] = [None; FIELDS + MAX_PEERS];
        let fields = &mut found[..FIELDS + peers.len()];
        for (slot, name) in fields.iter_mut().zip(
            ["IpProtocol", "FromPort", "ToPort", "Description"]
                .into_iter()
                .chain(peers.iter().copied()),
        ) {
            *slot = rule.get(name);
        }
        // Most rules have no `Fn::If` and no `AWS::NoValue` in their fields:
        // one combination, the fields as written.
        let combos = if fields.iter().flatten().all(|n| is_plain(n)) {
            vec![fields.iter().map(|n| (*n, false)).collect()]
        } else {
            let choices: Vec<Vec<(Option<&Node>, bool)>> = fields
                .iter()
                .map(|f| match f {
                    Some(node) => alternatives(node),
                    None => vec![(None, false)],
                })
                .collect();
            let Some(combos) = product(&choices) else {
                return RuleRead {
                    rules: Vec::new(),
                    incomplete: true,
                };
            };
            combos
        };
        let mut read = RuleRead::default();
        for combo in combos {
            self.add_rule(
                &combo,
                direction,
                peers,
                owner,
                span,
                conditional,
                &mut read,
            );
        }
        read
    }

    /// The rule of one combination of field values (`combo` in the order of
    /// `Field`, then `peers`), added unless already read.
    #[allow(clippy::too_many_arguments)]
    fn add_rule(
        &self,
        combo: &[(Option<&Node>, bool)],
        direction: Direction,
        peers: &[&str],
        owner: &Owner,
        span: Span,
        conditional: bool,
        read: &mut RuleRead,
    ) {
        let field = |i: usize| combo.get(i).and_then(|(n, _)| *n);
        let branch_conditional = combo.iter().any(|(_, c)| *c);
        let protocol = field(Field::IpProtocol as usize)
            .map(|n| match self.eval(n) {
                Val::Str(s) => Protocol::parse(&s),
                _ => Protocol::Unknown,
            })
            .unwrap_or(Protocol::Unknown);
        let port = |f: Field| {
            field(f as usize).and_then(|n| match self.eval(n) {
                Val::Str(s) => parse_port(&s),
                _ => None,
            })
        };
        let (from, to) = (port(Field::FromPort), port(Field::ToPort));
        let peer = peers
            .iter()
            .enumerate()
            .find_map(|(i, key)| field(FIELDS + i).map(|n| self.peer(key, n, owner)))
            .unwrap_or(Peer::Unknown);
        if direction == Direction::Egress && is_cdk_no_egress(protocol, from, to, &peer) {
            // CDK's "Disallow all traffic" placeholder: no egress at all.
            return;
        }
        let sg_rule = SgRule {
            direction,
            protocol,
            ports: PortRange::for_rule(protocol, from, to),
            peer,
            span,
            presence: if conditional || branch_conditional {
                Presence::Conditional
            } else {
                Presence::Always
            },
            description: field(Field::Description as usize).and_then(|n| match self.eval(n) {
                Val::Str(s) => Some(s),
                _ => None,
            }),
            implicit: false,
        };
        if !read.rules.contains(&sg_rule) {
            read.rules.push(sg_rule);
        }
    }

    fn peer(&self, key: &str, node: &Node, owner: &Owner) -> Peer {
        match key {
            "CidrIp" | "CidrIpv6" => match self.eval(node) {
                Val::Str(s) => Peer::cidr(&s),
                _ => Peer::Unknown,
            },
            "SourceSecurityGroupId" | "DestinationSecurityGroupId" => {
                match self.group_target(node) {
                    Target::Group(id) if id == owner.id => Peer::SelfRef,
                    Target::Group(id) => Peer::Group(GroupRef::Group(id)),
                    Target::External(s) => Peer::Group(GroupRef::External(s)),
                    Target::List(_) | Target::Unknown => Peer::Unknown,
                }
            }
            "SourcePrefixListId" | "DestinationPrefixListId" => match self.eval(node) {
                Val::Str(s) => Peer::PrefixList(s),
                Val::Ref(id) => Peer::PrefixList(format!("resource {id}")),
                Val::Att(id, attr) => Peer::PrefixList(format!("{id}.{attr}")),
                _ => match ref_target(node) {
                    Some(name) => Peer::PrefixList(format!("parameter {name}")),
                    None => Peer::PrefixList("an unresolved prefix list".to_string()),
                },
            },
            "SourceSecurityGroupName" => {
                let names_owner = match self.group_target(node) {
                    Target::Group(id) => id == owner.id,
                    _ => false,
                } || matches!(
                    (self.eval(node), &owner.name),
                    (Val::Str(s), Some(name)) if s == *name
                );
                if names_owner {
                    Peer::SelfRef
                } else {
                    Peer::Unknown
                }
            }
            _ => Peer::Unknown,
        }
    }

    /// `Tags: [{Key, Value}]`. Tags that exist only under a condition are
    /// left out: a tag is a claim about the group in every case.
    pub fn tags(&self, node: Option<&Node>) -> Vec<Tag> {
        let Some(node) = node else {
            return Vec::new();
        };
        let alts = alternatives(node);
        let [(Some(list), false)] = alts.as_slice() else {
            return Vec::new();
        };
        let Some(items) = list.as_seq() else {
            return Vec::new();
        };
        let mut tags = Vec::new();
        for item in items {
            let alts = alternatives(item);
            let [(Some(tag), false)] = alts.as_slice() else {
                continue;
            };
            let Some(key) = tag.get("Key") else { continue };
            tags.push(Tag {
                key: self.known_text(Some(key)),
                value: self.known_text(tag.get("Value")),
                span: item.span,
            });
        }
        tags
    }
}

fn parse_port(text: &str) -> Option<i64> {
    let t = text.trim();
    t.parse::<i64>().ok().or_else(|| {
        let f: f64 = t.parse().ok()?;
        (f.fract() == 0.0 && f.abs() < 1e9).then_some(f as i64)
    })
}

/// CDK writes `icmp 252-86 to 255.255.255.255/32` when a group allows no
/// outbound traffic at all.
fn is_cdk_no_egress(protocol: Protocol, from: Option<i64>, to: Option<i64>, peer: &Peer) -> bool {
    protocol == Protocol::Icmp
        && from == Some(252)
        && to == Some(86)
        && *peer == Peer::cidr("255.255.255.255/32")
}
