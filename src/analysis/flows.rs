//! Flow verdicts (domain.md, "Flows"): can traffic of one protocol and port
//! go from a set of groups S to a set D? Allowed, blocked or unknown, with
//! the rules or groups that decided it so a finding can point at them.

use std::borrow::Cow;

use super::{default_egress, Membership};
use crate::model::{GroupRef, Model, Peer, Presence, Protocol, SgId, SgRule};

/// The two sides of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The sources' egress.
    Egress,
    /// The destinations' ingress.
    Ingress,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Egress => "outbound",
            Side::Ingress => "inbound",
        }
    }
}

/// A rule of a group, located for messages.
#[derive(Debug, Clone, PartialEq)]
pub struct DecidingRule {
    pub group: SgId,
    pub rule: SgRule,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A proving egress rule of S and a proving ingress rule of D (only
    /// the egress rule for traffic to the internet).
    Allowed { deciding: Vec<DecidingRule> },
    /// No group on `side` has a rule that proves or may allow the flow, and
    /// every group there has known rules. `groups` are that side's groups.
    Blocked { side: Side, groups: Vec<SgId> },
    /// Anything else; no rule fires on it.
    Unknown,
}

impl Verdict {
    pub fn is_blocked(&self) -> bool {
        matches!(self, Verdict::Blocked { .. })
    }

    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Allowed { .. } => "allowed",
            Verdict::Blocked { .. } => "blocked",
            Verdict::Unknown => "unknown",
        }
    }
}

/// What one rule says about a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RuleSays {
    /// Matches and its peer is in the other set (or is the world).
    Proves,
    /// Might match or might reach the other set (another CIDR, a prefix
    /// list, unknown values, a conditional rule).
    MayAllow,
    No,
}

/// The other end of a flow, as one side's rules see it.
#[derive(Clone, Copy)]
enum Other<'a> {
    Groups(&'a Membership),
    /// Addresses outside the VPC: only a rule for `0.0.0.0/0` or `::/0`
    /// reaches them; another CIDR, a prefix list or a group does not.
    Internet,
}

/// One side of a flow for one protocol and port: the rules of `own` on that
/// side that protocol and port do not rule out. Read once, it decides that
/// side toward any other set (EKS007 asks for every pair of node groups).
pub struct SideRules<'m> {
    own: &'m Membership,
    /// In the order of `own`'s groups, each group's written rules before
    /// its default ones: the owner, the rule, and whether protocol and port
    /// surely match (rather than may).
    rules: Vec<(SgId, Cow<'m, SgRule>, bool)>,
    /// Whether every rule of every group of `own` is known.
    all_known: bool,
}

impl<'m> SideRules<'m> {
    pub fn new(
        model: &'m Model,
        own: &'m Membership,
        side: Side,
        protocol: Protocol,
        port: i64,
    ) -> Self {
        let mut rules = Vec::new();
        let mut all_known = own.complete;
        for member in &own.groups {
            let GroupRef::Group(id) = member else {
                // A group defined elsewhere: its rules are unknown.
                all_known = false;
                continue;
            };
            let sg = model.group(*id);
            if sg.rules_incomplete {
                all_known = false;
            }
            let (written, defaults) = match side {
                Side::Egress => (&sg.egress, default_egress(sg)),
                Side::Ingress => (&sg.ingress, Vec::new()),
            };
            for rule in written {
                if let Some(sure) = traffic_matches(rule, protocol, port) {
                    rules.push((*id, Cow::Borrowed(rule), sure));
                }
            }
            for rule in defaults {
                if let Some(sure) = traffic_matches(&rule, protocol, port) {
                    rules.push((*id, Cow::Owned(rule), sure));
                }
            }
        }
        SideRules {
            own,
            rules,
            all_known,
        }
    }

    /// This side toward `other`: (the index of the first proving rule,
    /// whether some rule may allow, whether every rule is known).
    fn verdict(&self, other: Other) -> (Option<usize>, bool, bool) {
        let mut proving = None;
        let mut may_allow = false;
        for (i, (id, rule, sure)) in self.rules.iter().enumerate() {
            match rule_says(rule, *id, other, *sure) {
                RuleSays::Proves if proving.is_none() => proving = Some(i),
                RuleSays::Proves => {}
                RuleSays::MayAllow => may_allow = true,
                RuleSays::No => {}
            }
        }
        (proving, may_allow, self.all_known)
    }

    /// The rule at `index` of [`SideRules::verdict`], for messages.
    fn deciding(&self, index: usize) -> Option<DecidingRule> {
        self.rules.get(index).map(|(group, rule, _)| DecidingRule {
            group: *group,
            rule: SgRule::clone(rule),
        })
    }
}

/// DNS: UDP first, then TCP, on port 53 (EKS007 and the graph's table).
pub const DNS: [Protocol; 2] = [Protocol::Udp, Protocol::Tcp];

/// Each set's `side` for DNS ([`DNS`], in its order), read once: for
/// deciding DNS between every pair of sets with [`flow_between`].
pub fn dns_sides<'m>(
    model: &'m Model,
    sets: impl Iterator<Item = &'m Membership>,
    side: Side,
) -> Vec<[SideRules<'m>; 2]> {
    sets.map(|set| DNS.map(|p| SideRules::new(model, set, side, p, 53)))
        .collect()
}

/// Whether a rule's protocol and port match the traffic: `None` when they
/// rule it out, `Some(true)` when they surely match, `Some(false)` when
/// unknown values may.
fn traffic_matches(rule: &SgRule, protocol: Protocol, port: i64) -> Option<bool> {
    let protocol_matches = match rule.protocol {
        Protocol::Unknown => None,
        p => Some(p.covers(protocol)),
    };
    let port_matches = if rule.protocol == Protocol::All || !protocol.has_ports() {
        Some(true)
    } else if rule.protocol == Protocol::Unknown {
        // The protocol may turn out to be `-1`, which ignores the ports: they
        // cannot rule the flow out.
        None
    } else {
        rule.ports.contains(port)
    };
    match (protocol_matches, port_matches) {
        (Some(false), _) | (_, Some(false)) => None,
        (Some(true), Some(true)) => Some(true),
        _ => Some(false),
    }
}

/// What a rule whose protocol and port may match (`matches`: surely) says
/// about the flow toward `other`.
fn rule_says(rule: &SgRule, owner: SgId, other: Other, matches: bool) -> RuleSays {
    let peer = match (&rule.peer, other) {
        (Peer::Cidr(_), _) if rule.peer.is_world() => RuleSays::Proves,
        (Peer::Unknown, _) => RuleSays::MayAllow,
        (_, Other::Internet) => RuleSays::No,
        (Peer::SelfRef, Other::Groups(set)) => group_peer(&GroupRef::Group(owner), set),
        (Peer::Group(g), Other::Groups(set)) => group_peer(g, set),
        (Peer::Cidr(_) | Peer::PrefixList(_), Other::Groups(_)) => RuleSays::MayAllow,
    };
    match (peer, matches, rule.presence) {
        (RuleSays::No, _, _) => RuleSays::No,
        (RuleSays::Proves, true, Presence::Always) => RuleSays::Proves,
        _ => RuleSays::MayAllow,
    }
}

/// Whether a rule whose peer is `peer` reaches the set `other`. A group
/// known only by an ID from outside the scan may be any group: it proves
/// nothing, and rules nothing out.
fn group_peer(peer: &GroupRef, other: &Membership) -> RuleSays {
    if other.groups.contains(peer) {
        return RuleSays::Proves;
    }
    let other_has_unknown_identity = other
        .groups
        .iter()
        .any(|g| matches!(g, GroupRef::External(_)));
    if matches!(peer, GroupRef::External(_)) || other_has_unknown_identity || !other.complete {
        RuleSays::MayAllow
    } else {
        RuleSays::No
    }
}

/// The verdict for traffic of `protocol`/`port` from `src` to `dst`.
pub fn flow(
    model: &Model,
    src: &Membership,
    dst: &Membership,
    protocol: Protocol,
    port: i64,
) -> Verdict {
    flow_between(
        &SideRules::new(model, src, Side::Egress, protocol, port),
        &SideRules::new(model, dst, Side::Ingress, protocol, port),
    )
}

/// [`flow`] from the sides already read: the sources' egress and the
/// destinations' ingress, for the same protocol and port.
pub fn flow_between(egress: &SideRules, ingress: &SideRules) -> Verdict {
    match decide(egress, ingress) {
        Decided::Allowed(e, i) => Verdict::Allowed {
            deciding: egress
                .deciding(e)
                .into_iter()
                .chain(ingress.deciding(i))
                .collect(),
        },
        Decided::Blocked(side) => blocked(side, egress, ingress),
        Decided::Unknown => Verdict::Unknown,
    }
}

/// [`flow_between`] for callers that act on blocked flows alone: the
/// verdict if it is `Blocked`, and no copies of proving rules otherwise.
pub fn blocked_between(egress: &SideRules, ingress: &SideRules) -> Option<Verdict> {
    match decide(egress, ingress) {
        Decided::Blocked(side) => Some(blocked(side, egress, ingress)),
        Decided::Allowed(..) | Decided::Unknown => None,
    }
}

/// A flow's verdict before the rules and groups that decided it are copied
/// out: the indices of the proving rules, or the blocked side.
enum Decided {
    Allowed(usize, usize),
    Blocked(Side),
    Unknown,
}

fn decide(egress: &SideRules, ingress: &SideRules) -> Decided {
    let (src, dst) = (egress.own, ingress.own);
    let (egress, egress_may, egress_known) = egress.verdict(Other::Groups(dst));
    let (ingress, ingress_may, ingress_known) = ingress.verdict(Other::Groups(src));
    if let (Some(e), Some(i)) = (egress, ingress) {
        return Decided::Allowed(e, i);
    }
    if egress.is_none() && !egress_may && egress_known && !src.groups.is_empty() {
        return Decided::Blocked(Side::Egress);
    }
    if ingress.is_none() && !ingress_may && ingress_known && !dst.groups.is_empty() {
        return Decided::Blocked(Side::Ingress);
    }
    Decided::Unknown
}

/// A blocked verdict, with the groups of the side that blocks.
fn blocked(side: Side, egress: &SideRules, ingress: &SideRules) -> Verdict {
    let own = match side {
        Side::Egress => egress.own,
        Side::Ingress => ingress.own,
    };
    Verdict::Blocked {
        side,
        groups: own.model_groups().collect(),
    }
}

/// The verdict for traffic from `src` to the internet: only the sources'
/// egress decides (a rule to `0.0.0.0/0` or `::/0` proves it).
pub fn to_internet(model: &Model, src: &Membership, protocol: Protocol, port: i64) -> Verdict {
    let egress = SideRules::new(model, src, Side::Egress, protocol, port);
    let (proving, may, known) = egress.verdict(Other::Internet);
    match proving {
        Some(rule) => Verdict::Allowed {
            deciding: egress.deciding(rule).into_iter().collect(),
        },
        None if !may && known && !src.groups.is_empty() => Verdict::Blocked {
            side: Side::Egress,
            groups: src.model_groups().collect(),
        },
        None => Verdict::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        DefaultEgress, Direction, GroupOrigin, Model, PortRange, SecurityGroup, SgId,
    };
    use crate::source::Span;

    fn rule(direction: Direction, protocol: Protocol, from: i64, to: i64, peer: Peer) -> SgRule {
        SgRule {
            direction,
            protocol,
            ports: PortRange::for_rule(protocol, Some(from), Some(to)),
            peer,
            span: Span::default(),
            presence: Presence::Always,
            description: None,
            implicit: false,
        }
    }

    fn group(model: &mut Model, name: &str, rules: Vec<SgRule>) -> SgId {
        let mut sg = SecurityGroup::new(name, GroupOrigin::Defined, Span::default());
        sg.inline_egress_declared = true;
        sg.default_egress = DefaultEgress::None;
        for r in rules {
            match r.direction {
                Direction::Ingress => sg.ingress.push(r),
                Direction::Egress => sg.egress.push(r),
            }
        }
        model.add_group(sg)
    }

    fn set(groups: &[SgId]) -> Membership {
        Membership {
            groups: groups.iter().map(|g| GroupRef::Group(*g)).collect(),
            complete: true,
        }
    }

    fn to(g: SgId) -> Peer {
        Peer::Group(GroupRef::Group(g))
    }

    /// Nodes group `n` and control-plane group `c` with the given rules.
    fn pair(
        node_rules: Vec<SgRule>,
        cp_rules: impl Fn(SgId) -> Vec<SgRule>,
    ) -> (Model, SgId, SgId) {
        let mut model = Model::default();
        let n = group(&mut model, "nodes", node_rules);
        let c = group(&mut model, "cp", cp_rules(n));
        (model, n, c)
    }

    #[test]
    fn sides_read_once_decide_every_pair_as_flow_does() {
        // `a` admits DNS from itself and `b` and sends it to itself, `b` sends
        // it to `a`, `c` to and from unknown peers.
        let mut model = Model::default();
        let dns = |d, peer| rule(d, Protocol::Udp, 53, 53, peer);
        let a = group(&mut model, "a", Vec::new());
        let b = group(&mut model, "b", Vec::new());
        let c = group(
            &mut model,
            "c",
            vec![
                dns(Direction::Egress, Peer::Unknown),
                dns(Direction::Ingress, Peer::Unknown),
            ],
        );
        model.group_mut(a).ingress = vec![
            dns(Direction::Ingress, Peer::SelfRef),
            dns(Direction::Ingress, to(b)),
        ];
        model.group_mut(a).egress = vec![dns(Direction::Egress, Peer::SelfRef)];
        model.group_mut(b).egress = vec![dns(Direction::Egress, to(a))];
        let sets = [set(&[a]), set(&[b]), set(&[c]), set(&[a, b])];
        let mut labels = Vec::new();
        for src in &sets {
            let egress = SideRules::new(&model, src, Side::Egress, Protocol::Udp, 53);
            for dst in &sets {
                let ingress = SideRules::new(&model, dst, Side::Ingress, Protocol::Udp, 53);
                let once = flow(&model, src, dst, Protocol::Udp, 53);
                assert_eq!(flow_between(&egress, &ingress), once);
                let blocked = blocked_between(&egress, &ingress);
                assert_eq!(blocked.is_some(), once.is_blocked());
                if let Some(v) = blocked {
                    assert_eq!(v, once);
                }
                labels.push(once.label());
            }
        }
        // Into `a` (or `a` and `b`) from `a`, `b` or both: allowed. `c` may
        // send anywhere and receive from anyone, so only `c` to `c` is
        // unknown: elsewhere the other side blocks.
        assert_eq!(
            labels,
            [
                "allowed", "blocked", "blocked", "allowed", //
                "allowed", "blocked", "blocked", "allowed", //
                "blocked", "blocked", "unknown", "blocked", //
                "allowed", "blocked", "blocked", "allowed",
            ]
        );
    }

    #[test]
    fn allowed_needs_egress_and_ingress_that_prove_it() {
        let (model, n, c) = pair(
            vec![rule(
                Direction::Egress,
                Protocol::Tcp,
                443,
                443,
                Peer::cidr("0.0.0.0/0"),
            )],
            |n| vec![rule(Direction::Ingress, Protocol::Tcp, 443, 443, to(n))],
        );
        let v = flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443);
        let Verdict::Allowed { deciding } = v else {
            panic!("{v:?}")
        };
        assert_eq!(deciding.len(), 2);
        assert_eq!(deciding[0].group, n);
        assert_eq!(deciding[1].group, c);
    }

    #[test]
    fn unknown_protocol_is_not_ruled_out_by_its_ports() {
        // `protocol = var.protocol, from_port = 0, to_port = 0`: with `-1`
        // it allows everything, so TCP 443 is unknown, not blocked.
        let (model, n, c) = pair(
            vec![rule(
                Direction::Egress,
                Protocol::Unknown,
                0,
                0,
                Peer::cidr("0.0.0.0/0"),
            )],
            |n| vec![rule(Direction::Ingress, Protocol::Tcp, 443, 443, to(n))],
        );
        let v = flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443);
        assert_eq!(v, Verdict::Unknown);
    }

    #[test]
    fn protocol_and_port_must_match() {
        let (model, n, c) = pair(
            vec![rule(
                Direction::Egress,
                Protocol::Udp,
                443,
                443,
                Peer::cidr("0.0.0.0/0"),
            )],
            |n| vec![rule(Direction::Ingress, Protocol::Tcp, 1025, 65535, to(n))],
        );
        // UDP egress does not carry TCP; ingress 1025-65535 does not hold 443.
        let v = flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443);
        assert_eq!(
            v,
            Verdict::Blocked {
                side: Side::Egress,
                groups: vec![n]
            }
        );
        // The same ingress does hold 10250.
        let back = flow(&model, &set(&[c]), &set(&[n]), Protocol::Tcp, 10250);
        assert!(back.is_blocked(), "cp has no egress: {back:?}");
    }

    #[test]
    fn all_protocol_rules_ignore_ports() {
        let (model, n, c) = pair(
            vec![rule(
                Direction::Egress,
                Protocol::All,
                0,
                0,
                Peer::cidr("::/0"),
            )],
            |n| vec![rule(Direction::Ingress, Protocol::All, 0, 0, to(n))],
        );
        let v = flow(&model, &set(&[n]), &set(&[c]), Protocol::Udp, 53);
        assert_eq!(v.label(), "allowed");
    }

    #[test]
    fn self_rules_prove_only_when_the_group_is_on_both_sides() {
        let mut model = Model::default();
        let s = group(
            &mut model,
            "shared",
            vec![
                rule(Direction::Egress, Protocol::Tcp, 53, 53, Peer::SelfRef),
                rule(Direction::Ingress, Protocol::Tcp, 53, 53, Peer::SelfRef),
            ],
        );
        let other = group(&mut model, "other", vec![]);
        assert_eq!(
            flow(&model, &set(&[s]), &set(&[s]), Protocol::Tcp, 53).label(),
            "allowed"
        );
        // To a set without `shared`, its self rule proves nothing.
        let v = flow(&model, &set(&[s]), &set(&[other]), Protocol::Tcp, 53);
        assert_eq!(
            v,
            Verdict::Blocked {
                side: Side::Egress,
                groups: vec![s]
            }
        );
    }

    #[test]
    fn a_union_of_groups_allows_when_any_member_does() {
        let mut model = Model::default();
        let a = group(&mut model, "a", vec![]);
        let b = group(
            &mut model,
            "b",
            vec![rule(
                Direction::Egress,
                Protocol::Tcp,
                0,
                65535,
                Peer::cidr("0.0.0.0/0"),
            )],
        );
        let c = group(
            &mut model,
            "c",
            vec![rule(Direction::Ingress, Protocol::Tcp, 443, 443, to(a))],
        );
        // Egress from b, ingress admits a: both are on the source side.
        let v = flow(&model, &set(&[a, b]), &set(&[c]), Protocol::Tcp, 443);
        assert_eq!(v.label(), "allowed");
        // Ingress is blocked for a source set holding only b.
        let v = flow(&model, &set(&[b]), &set(&[c]), Protocol::Tcp, 443);
        assert_eq!(
            v,
            Verdict::Blocked {
                side: Side::Ingress,
                groups: vec![c]
            }
        );
    }

    #[test]
    fn unknowns_never_block() {
        let mut model = Model::default();
        let n = group(&mut model, "nodes", vec![]);
        let c = group(&mut model, "cp", vec![]);
        // A group defined elsewhere on the source side: its rules are unknown.
        let mut with_external = set(&[n]);
        with_external
            .groups
            .push(GroupRef::External("sg-0123".into()));
        assert_eq!(
            flow(&model, &with_external, &set(&[c]), Protocol::Tcp, 443),
            Verdict::Blocked {
                side: Side::Ingress,
                groups: vec![c]
            }
        );
        let mut with_external_dst = set(&[c]);
        with_external_dst
            .groups
            .push(GroupRef::External("sg-0123".into()));
        assert_eq!(
            flow(
                &model,
                &with_external,
                &with_external_dst,
                Protocol::Tcp,
                443
            ),
            Verdict::Unknown
        );
        // An incomplete membership.
        let mut incomplete = set(&[n]);
        incomplete.complete = false;
        let mut incomplete_dst = set(&[c]);
        incomplete_dst.complete = false;
        assert_eq!(
            flow(&model, &incomplete, &incomplete_dst, Protocol::Tcp, 443),
            Verdict::Unknown
        );
    }

    #[test]
    fn a_group_known_only_by_id_may_be_any_group() {
        let external = Peer::Group(GroupRef::External("parameter ControlPlaneSg".into()));
        let (model, n, c) = pair(
            vec![rule(
                Direction::Egress,
                Protocol::All,
                0,
                0,
                Peer::cidr("0.0.0.0/0"),
            )],
            |_| {
                vec![rule(
                    Direction::Ingress,
                    Protocol::Tcp,
                    443,
                    443,
                    external.clone(),
                )]
            },
        );
        // The rule's peer may be the nodes' group: unknown, not blocked.
        assert_eq!(
            flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443),
            Verdict::Unknown
        );
        // A peer group of the scan, towards a set holding an external group.
        let (model, n, c) = pair(
            vec![rule(
                Direction::Egress,
                Protocol::All,
                0,
                0,
                Peer::cidr("0.0.0.0/0"),
            )],
            |n| vec![rule(Direction::Ingress, Protocol::Tcp, 443, 443, to(n))],
        );
        let mut dst = set(&[c]);
        dst.groups.push(GroupRef::External("sg-0123".into()));
        let mut src = set(&[n]);
        src.groups.push(GroupRef::External("sg-0456".into()));
        assert_eq!(
            flow(&model, &src, &dst, Protocol::Tcp, 443).label(),
            "allowed"
        );
    }

    #[test]
    fn a_cidr_other_than_the_world_may_allow() {
        let (model, n, c) = pair(
            vec![rule(
                Direction::Egress,
                Protocol::Tcp,
                443,
                443,
                Peer::cidr("10.0.0.0/16"),
            )],
            |n| vec![rule(Direction::Ingress, Protocol::Tcp, 443, 443, to(n))],
        );
        assert_eq!(
            flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443),
            Verdict::Unknown
        );
    }

    #[test]
    fn unknown_values_and_conditional_rules_may_allow() {
        let mut unknown_port = rule(
            Direction::Egress,
            Protocol::Tcp,
            0,
            0,
            Peer::cidr("0.0.0.0/0"),
        );
        unknown_port.ports = PortRange::new(None, None);
        let mut conditional = rule(
            Direction::Egress,
            Protocol::Tcp,
            443,
            443,
            Peer::cidr("0.0.0.0/0"),
        );
        conditional.presence = Presence::Conditional;
        let unknown_protocol = rule(
            Direction::Egress,
            Protocol::Unknown,
            443,
            443,
            Peer::cidr("0.0.0.0/0"),
        );
        for egress in [unknown_port, conditional, unknown_protocol] {
            let (model, n, c) = pair(vec![egress.clone()], |n| {
                vec![rule(Direction::Ingress, Protocol::Tcp, 443, 443, to(n))]
            });
            assert_eq!(
                flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443),
                Verdict::Unknown,
                "{egress:?}"
            );
        }
    }

    #[test]
    fn default_egress_and_incomplete_rules() {
        let mut model = Model::default();
        let mut cfn = SecurityGroup::new("cfn", GroupOrigin::Defined, Span::default());
        cfn.default_egress = DefaultEgress::AllowAll;
        let n = model.add_group(cfn);
        let c = group(
            &mut model,
            "cp",
            vec![rule(Direction::Ingress, Protocol::Tcp, 443, 443, to(n))],
        );
        assert_eq!(
            flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443).label(),
            "allowed"
        );
        model.group_mut(c).ingress.clear();
        model.group_mut(c).rules_incomplete = true;
        assert_eq!(
            flow(&model, &set(&[n]), &set(&[c]), Protocol::Tcp, 443),
            Verdict::Unknown
        );
    }

    #[test]
    fn internet_egress() {
        let mut model = Model::default();
        let open = group(
            &mut model,
            "open",
            vec![rule(
                Direction::Egress,
                Protocol::All,
                0,
                0,
                Peer::cidr("0.0.0.0/0"),
            )],
        );
        let vpc_only = group(
            &mut model,
            "vpc",
            vec![rule(
                Direction::Egress,
                Protocol::Tcp,
                443,
                443,
                Peer::cidr("10.0.0.0/16"),
            )],
        );
        let closed = group(
            &mut model,
            "closed",
            vec![rule(Direction::Egress, Protocol::Tcp, 443, 443, to(open))],
        );
        assert_eq!(
            to_internet(&model, &set(&[open]), Protocol::Tcp, 443).label(),
            "allowed"
        );
        // A CIDR inside the VPC is not the internet.
        assert_eq!(
            to_internet(&model, &set(&[vpc_only]), Protocol::Tcp, 443).label(),
            "blocked"
        );
        assert_eq!(
            to_internet(&model, &set(&[closed]), Protocol::Tcp, 443).label(),
            "blocked"
        );
    }
}
