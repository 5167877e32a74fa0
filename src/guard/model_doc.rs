//! The model document: the EKS model and the facts derived from it as one
//! document that Guard rules query, in the same shape for CloudFormation,
//! Terraform and eksctl. Every value carries the span of the user's text it
//! came from, so a failing clause points at the source. The shape is
//! documented in the README ("Guard rules").

use std::borrow::Cow;
use std::rc::Rc;

use crate::analysis::{default_egress, Analysis};
use crate::model::{
    Cluster, ClusterId, Direction, GroupOrigin, GroupRef, IpFamily, Known, Model, NodeGroupKind,
    Peer, Presence, Protocol, SgId, SgRule,
};
use crate::source::Span;

use super::value::{Kind, Val};

type Entries = Vec<(Rc<Val>, Rc<Val>)>;

fn at(span: Span, kind: Kind) -> Rc<Val> {
    Val::new(Some(span), kind)
}

/// Text of the model (names, addresses): owned.
fn s(span: Span, v: impl Into<String>) -> Rc<Val> {
    at(span, Kind::Str(Cow::Owned(v.into())))
}

/// A fixed word (`ingress`, `tcp`, `managed`): borrowed, not allocated.
fn word(span: Span, v: &'static str) -> Rc<Val> {
    at(span, Kind::Str(Cow::Borrowed(v)))
}

fn b(span: Span, v: bool) -> Rc<Val> {
    at(span, Kind::Bool(v))
}

fn null(span: Span) -> Rc<Val> {
    at(span, Kind::Null)
}

fn list(span: Span, items: Vec<Rc<Val>>) -> Rc<Val> {
    at(span, Kind::List(items))
}

fn put(e: &mut Entries, span: Span, key: &'static str, v: Rc<Val>) {
    e.push((Val::str(Some(span), key), v));
}

fn map(span: Span, e: Entries) -> Rc<Val> {
    at(span, Kind::Map(e))
}

/// A known boolean, or `null` when it depends on an unresolved value.
fn known_bool(span: Span, k: &Known<bool>) -> Rc<Val> {
    match k {
        Known::Value(v) => b(span, *v),
        Known::OneOf(_) | Known::Unknown => null(span),
    }
}

fn group_name(model: &Model, g: &GroupRef) -> String {
    match g {
        GroupRef::Group(id) => model
            .groups
            .get(id.index())
            .map_or_else(|| "?".into(), |sg| sg.name.clone()),
        GroupRef::External(desc) => desc.clone(),
    }
}

/// Builds the model document.
pub fn build(model: &Model, analysis: &Analysis) -> Rc<Val> {
    let root_span = model
        .clusters
        .first()
        .map(|c| c.span)
        .or_else(|| model.groups.first().map(|g| g.span))
        .unwrap_or_default();
    let mut root: Entries = Vec::new();
    let clusters = model
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| cluster(model, analysis, ClusterId(i as u32), c))
        .collect();
    put(&mut root, root_span, "clusters", list(root_span, clusters));

    let node_groups = model
        .node_groups
        .iter()
        .enumerate()
        .map(|(i, ng)| {
            let sp = ng.span;
            let mut e = Entries::with_capacity(7);
            put(&mut e, sp, "address", s(sp, &ng.address));
            put(&mut e, sp, "name", known_str(sp, &ng.name));
            put(
                &mut e,
                sp,
                "kind",
                word(
                    sp,
                    match ng.kind {
                        NodeGroupKind::Managed => "managed",
                        NodeGroupKind::SelfManaged => "self-managed",
                    },
                ),
            );
            let cluster = analysis
                .cluster_of
                .get(i)
                .copied()
                .flatten()
                .and_then(|c| model.clusters.get(c.index()))
                .map_or_else(|| null(sp), |c| s(sp, &c.address));
            put(&mut e, sp, "cluster", cluster);
            let membership = analysis.nodes.get(i);
            let groups = membership
                .map(|m| {
                    m.groups
                        .iter()
                        .map(|g| s(sp, group_name(model, g)))
                        .collect()
                })
                .unwrap_or_default();
            put(&mut e, sp, "security_groups", list(sp, groups));
            put(
                &mut e,
                sp,
                "security_groups_complete",
                b(sp, membership.is_some_and(|m| m.complete)),
            );
            let ra = match &ng.remote_access {
                None => null(sp),
                Some(ra) => {
                    let rs = ra.span;
                    let mut r = Entries::with_capacity(3);
                    put(&mut r, rs, "key_set", known_bool(rs, &ra.key_set));
                    let members = ra.source_groups.all_members();
                    put(
                        &mut r,
                        rs,
                        "source_security_groups",
                        list(
                            rs,
                            members
                                .iter()
                                .map(|g| s(rs, group_name(model, g)))
                                .collect(),
                        ),
                    );
                    let group = ra
                        .group
                        .and_then(|g| model.groups.get(g.index()))
                        .map_or_else(|| null(rs), |sg| s(rs, &sg.name));
                    put(&mut r, rs, "security_group", group);
                    map(rs, r)
                }
            };
            put(&mut e, sp, "remote_access", ra);
            map(sp, e)
        })
        .collect();
    put(
        &mut root,
        root_span,
        "node_groups",
        list(root_span, node_groups),
    );

    // Which node groups and clusters carry each group, gathered once rather
    // than by a scan over every node group for every group.
    let mut on_nodes: Vec<Vec<usize>> = vec![Vec::new(); model.groups.len()];
    for (i, m) in analysis.nodes.iter().enumerate() {
        for id in m.model_groups() {
            if let Some(list) = on_nodes.get_mut(id.index()) {
                list.push(i);
            }
        }
    }
    let mut on_cp: Vec<Vec<usize>> = vec![Vec::new(); model.groups.len()];
    for (i, m) in analysis.control_plane.iter().enumerate() {
        for id in m.model_groups() {
            if let Some(list) = on_cp.get_mut(id.index()) {
                list.push(i);
            }
        }
    }
    let groups = model
        .groups
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let carriers = Carriers {
                node_groups: on_nodes.get(i).map_or(&[], Vec::as_slice),
                clusters: on_cp.get(i).map_or(&[], Vec::as_slice),
            };
            group(model, SgId(i as u32), carriers)
        })
        .collect();
    put(
        &mut root,
        root_span,
        "security_groups",
        list(root_span, groups),
    );

    let endpoints = model
        .endpoints
        .iter()
        .map(|ep| {
            let sp = ep.span;
            let mut e = Entries::with_capacity(2);
            put(&mut e, sp, "address", s(sp, &ep.address));
            put(&mut e, sp, "service", known_str(sp, &ep.service));
            map(sp, e)
        })
        .collect();
    put(
        &mut root,
        root_span,
        "vpc_endpoints",
        list(root_span, endpoints),
    );
    map(root_span, root)
}

fn known_str(span: Span, k: &Known<String>) -> Rc<Val> {
    match k {
        Known::Value(v) => s(span, v),
        _ => null(span),
    }
}

fn cluster(model: &Model, analysis: &Analysis, id: ClusterId, c: &Cluster) -> Rc<Val> {
    let sp = c.span;
    let mut e = Entries::with_capacity(8);
    put(&mut e, sp, "address", s(sp, &c.address));
    put(&mut e, sp, "name", known_str(sp, &c.name));
    put(
        &mut e,
        sp,
        "ip_family",
        word(
            sp,
            match c.ip_family {
                IpFamily::Ipv4 => "ipv4",
                IpFamily::Ipv6 => "ipv6",
                IpFamily::Unknown => "unknown",
            },
        ),
    );
    // Endpoint: the effective values (the extractors apply each format's
    // defaults), with spans on the settings where written.
    let ep = &c.endpoint;
    let ep_span = ep.span.unwrap_or(sp);
    let mut en = Entries::with_capacity(5);
    put(
        &mut en,
        ep_span,
        "public_access",
        known_bool(ep_span, &ep.public_access),
    );
    put(
        &mut en,
        ep_span,
        "private_access",
        known_bool(ep_span, &ep.private_access),
    );
    let cidr_span = ep.cidrs_span.unwrap_or(ep_span);
    let (cidrs, explicit) = match &ep.public_access_cidrs {
        None => (list(cidr_span, vec![word(cidr_span, "0.0.0.0/0")]), false),
        Some(Known::Value(v)) => (
            list(cidr_span, v.iter().map(|x| s(cidr_span, x)).collect()),
            true,
        ),
        Some(_) => (null(cidr_span), true),
    };
    let open = match &cidrs.kind {
        Kind::List(items) => b(
            cidr_span,
            items
                .iter()
                .any(|x| x.as_str().is_some_and(|t| Peer::cidr(t).is_world())),
        ),
        _ => null(cidr_span),
    };
    put(&mut en, cidr_span, "public_access_cidrs", cidrs);
    put(
        &mut en,
        cidr_span,
        "public_access_cidrs_set",
        b(cidr_span, explicit),
    );
    put(
        &mut en,
        cidr_span,
        "public_access_cidrs_open_to_world",
        open,
    );
    put(&mut e, ep_span, "endpoint", map(ep_span, en));

    let cp = analysis.control_plane.get(id.index());
    let groups = cp
        .map(|m| {
            m.groups
                .iter()
                .map(|g| s(sp, group_name(model, g)))
                .collect()
        })
        .unwrap_or_default();
    put(&mut e, sp, "security_groups", list(sp, groups));
    put(
        &mut e,
        sp,
        "cluster_security_group",
        model
            .groups
            .get(c.cluster_sg.index())
            .map_or_else(|| null(sp), |g| s(sp, &g.name)),
    );
    let ngs = analysis
        .node_groups_of(id)
        .filter_map(|g| model.node_groups.get(g.index()))
        .map(|g| s(g.span, &g.address))
        .collect();
    put(&mut e, sp, "node_groups", list(sp, ngs));
    map(sp, e)
}

/// The node groups and clusters (indices, in model order) whose nodes or
/// control plane carry a group.
struct Carriers<'a> {
    node_groups: &'a [usize],
    clusters: &'a [usize],
}

fn group(model: &Model, id: SgId, carriers: Carriers) -> Rc<Val> {
    let Some(g) = model.groups.get(id.index()) else {
        return Val::lit(Kind::Null);
    };
    let sp = g.span;
    let mut e = Entries::with_capacity(9);
    put(&mut e, sp, "name", s(sp, &g.name));
    let origin = match g.origin {
        GroupOrigin::Defined => "defined",
        GroupOrigin::EksClusterSg(_) => "eks-cluster-security-group",
        GroupOrigin::RemoteAccess(_) => "remote-access",
        GroupOrigin::Generated(tool) => tool,
    };
    put(&mut e, sp, "origin", word(sp, origin));
    put(&mut e, sp, "rules_complete", b(sp, !g.rules_incomplete));
    let on_nodes: Vec<Rc<Val>> = carriers
        .node_groups
        .iter()
        .filter_map(|&i| model.node_groups.get(i))
        .map(|ng| s(sp, &ng.address))
        .collect();
    put(&mut e, sp, "node_groups", list(sp, on_nodes));
    let on_cp: Vec<Rc<Val>> = carriers
        .clusters
        .iter()
        .filter_map(|&i| model.clusters.get(i))
        .map(|c| s(sp, &c.address))
        .collect();
    put(&mut e, sp, "clusters", list(sp, on_cp));
    let tags = g
        .tags
        .iter()
        .map(|t| {
            let mut te = Entries::with_capacity(2);
            put(&mut te, t.span, "key", known_str(t.span, &t.key));
            put(&mut te, t.span, "value", known_str(t.span, &t.value));
            map(t.span, te)
        })
        .collect();
    put(&mut e, sp, "tags", list(sp, tags));
    let ingress = g.ingress.iter().map(|r| rule(model, id, r)).collect();
    put(&mut e, sp, "ingress", list(sp, ingress));
    // The effective egress: the group's own rules, then its format's
    // default, read in place rather than cloned.
    let defaults = default_egress(g);
    let egress = g
        .egress
        .iter()
        .chain(&defaults)
        .map(|r| rule(model, id, r))
        .collect();
    put(
        &mut e,
        g.egress_span.unwrap_or(sp),
        "egress",
        list(g.egress_span.unwrap_or(sp), egress),
    );
    map(sp, e)
}

fn rule(model: &Model, owner: SgId, r: &SgRule) -> Rc<Val> {
    let sp = r.span;
    let mut e = Entries::with_capacity(10);
    put(
        &mut e,
        sp,
        "direction",
        word(
            sp,
            match r.direction {
                Direction::Ingress => "ingress",
                Direction::Egress => "egress",
            },
        ),
    );
    let protocol = match r.protocol {
        Protocol::All => word(sp, "all"),
        Protocol::Tcp => word(sp, "tcp"),
        Protocol::Udp => word(sp, "udp"),
        Protocol::Icmp => word(sp, "icmp"),
        Protocol::Icmpv6 => word(sp, "icmpv6"),
        Protocol::Number(n) => s(sp, n.to_string()),
        Protocol::Unknown => word(sp, "unknown"),
    };
    put(&mut e, sp, "protocol", protocol);
    let port = |p: Option<i64>| p.map_or_else(|| null(sp), |v| at(sp, Kind::Int(v)));
    put(&mut e, sp, "from_port", port(r.ports.from));
    put(&mut e, sp, "to_port", port(r.ports.to));
    let mut peer = Entries::with_capacity(3);
    let (kind, cidr, group) = match &r.peer {
        Peer::Cidr(net) => ("cidr", Some(net.to_string()), None),
        Peer::PrefixList(p) => ("prefix-list", None, Some(p.clone())),
        Peer::Group(g) => ("security-group", None, Some(group_name(model, g))),
        Peer::SelfRef => (
            "self",
            None,
            model.groups.get(owner.index()).map(|g| g.name.clone()),
        ),
        Peer::Unknown => ("unknown", None, None),
    };
    put(&mut peer, sp, "kind", word(sp, kind));
    put(
        &mut peer,
        sp,
        "cidr",
        cidr.map_or_else(|| null(sp), |c| s(sp, c)),
    );
    put(
        &mut peer,
        sp,
        "security_group",
        group.map_or_else(|| null(sp), |g| s(sp, g)),
    );
    put(&mut e, sp, "peer", map(sp, peer));
    put(&mut e, sp, "world", b(sp, r.peer.is_world()));
    put(
        &mut e,
        sp,
        "conditional",
        b(sp, r.presence == Presence::Conditional),
    );
    put(&mut e, sp, "implicit", b(sp, r.implicit));
    put(
        &mut e,
        sp,
        "description",
        r.description
            .as_ref()
            .map_or_else(|| null(sp), |d| s(sp, d)),
    );
    map(sp, e)
}
