//! Flow verdicts (domain.md, "Flows"): can traffic of one protocol and port
//! go from a set of groups S to a set D? Allowed, blocked or unknown, with
//! the rules or groups that decided it so a finding can point at them.

use super::{effective_egress, Membership};
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

/// One side of a flow: `own` are the groups whose rules are read, `other`
/// the set on the other end.
fn side_verdict(
    model: &Model,
    own: &Membership,
    other: &Membership,
    side: Side,
    protocol: Protocol,
    port: i64,
) -> (Option<DecidingRule>, bool, bool) {
    // (proving rule, something may allow, every rule is known)
    let mut proving = None;
    let mut may_allow = false;
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
        let rules = match side {
            Side::Egress => effective_egress(model, *id),
            Side::Ingress => sg.ingress.clone(),
        };
        for rule in rules {
            match rule_says(&rule, *id, other, protocol, port) {
                RuleSays::Proves if proving.is_none() => {
                    proving = Some(DecidingRule { group: *id, rule });
                }
                RuleSays::Proves => {}
                RuleSays::MayAllow => may_allow = true,
                RuleSays::No => {}
            }
        }
    }
    (proving, may_allow, all_known)
}

fn rule_says(rule: &SgRule, owner: SgId, other: &Membership, protocol: Protocol, port: i64) -> RuleSays {
    let protocol_matches = match rule.protocol {
        Protocol::Unknown => None,
        p => Some(p.covers(protocol)),
    };
    let port_matches = if rule.protocol == Protocol::All || !protocol.has_ports() {
        Some(true)
    } else {
        rule.ports.contains(port)
    };
    let matches = match (protocol_matches, port_matches) {
        (Some(false), _) | (_, Some(false)) => return RuleSays::No,
        (Some(true), Some(true)) => true,
        _ => false,
    };
    let peer = match &rule.peer {
        Peer::SelfRef => {
            if other.contains(owner) {
                RuleSays::Proves
            } else {
                RuleSays::No
            }
        }
        Peer::Group(g) => {
            if other.groups.contains(g) {
                RuleSays::Proves
            } else if other.complete {
                RuleSays::No
            } else {
                RuleSays::MayAllow
            }
        }
        Peer::Cidr(_) if rule.peer.is_world() => RuleSays::Proves,
        Peer::Cidr(_) | Peer::PrefixList(_) | Peer::Unknown => RuleSays::MayAllow,
    };
    match (peer, matches, rule.presence) {
        (RuleSays::No, _, _) => RuleSays::No,
        (RuleSays::Proves, true, Presence::Always) => RuleSays::Proves,
        _ => RuleSays::MayAllow,
    }
}

/// The verdict for traffic of `protocol`/`port` from `src` to `dst`.
pub fn flow(model: &Model, src: &Membership, dst: &Membership, protocol: Protocol, port: i64) -> Verdict {
    let (egress, egress_may, egress_known) =
        side_verdict(model, src, dst, Side::Egress, protocol, port);
    let (ingress, ingress_may, ingress_known) =
        side_verdict(model, dst, src, Side::Ingress, protocol, port);
    if let (Some(egress), Some(ingress)) = (&egress, &ingress) {
        return Verdict::Allowed {
            deciding: vec![egress.clone(), ingress.clone()],
        };
    }
    let model_groups = |m: &Membership| m.model_groups().collect::<Vec<_>>();
    if egress.is_none() && !egress_may && egress_known && !src.groups.is_empty() {
        return Verdict::Blocked {
            side: Side::Egress,
            groups: model_groups(src),
        };
    }
    if ingress.is_none() && !ingress_may && ingress_known && !dst.groups.is_empty() {
        return Verdict::Blocked {
            side: Side::Ingress,
            groups: model_groups(dst),
        };
    }
    Verdict::Unknown
}

/// The verdict for traffic from `src` to the internet: only the sources'
/// egress decides (a rule to `0.0.0.0/0` or `::/0` proves it).
pub fn to_internet(model: &Model, src: &Membership, protocol: Protocol, port: i64) -> Verdict {
    let nowhere = Membership {
        groups: Vec::new(),
        complete: true,
    };
    let (egress, may, known) = side_verdict(model, src, &nowhere, Side::Egress, protocol, port);
    match egress {
        Some(rule) => Verdict::Allowed {
            deciding: vec![rule],
        },
        None if !may && known && !src.groups.is_empty() => Verdict::Blocked {
            side: Side::Egress,
            groups: src.model_groups().collect(),
        },
        None => Verdict::Unknown,
    }
}
