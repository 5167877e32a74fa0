//! The model document: the EKS model and the facts derived from it as one
//! document that Guard rules query, in the same shape for CloudFormation,
//! Terraform and eksctl. Every value carries the span of the user's text it
//! came from, so a failing clause points at the source. The shape is
//! documented in the README ("Guard rules").

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use rayon::prelude::*;

use crate::analysis::{default_egress, Analysis};
use crate::model::{
    Cluster, ClusterId, Direction, GroupOrigin, GroupRef, IpFamily, Known, Model, NodeGroupKind,
    Peer, Presence, Protocol, SgId, SgRule,
};
use crate::source::Span;

use super::projection::Proj;
use super::value::{Kind, Val};

type Entries = Vec<(Arc<Val>, Arc<Val>)>;

fn at(span: Span, kind: Kind) -> Arc<Val> {
    Val::new(Some(span), kind)
}

/// Text of the model (names, addresses): owned.
fn s(span: Span, v: impl Into<String>) -> Arc<Val> {
    at(span, Kind::Str(Cow::Owned(v.into())))
}

/// A fixed word (`ingress`, `tcp`, `managed`): borrowed, not allocated.
fn word(span: Span, v: &'static str) -> Arc<Val> {
    at(span, Kind::Str(Cow::Borrowed(v)))
}

fn b(span: Span, v: bool) -> Arc<Val> {
    at(span, Kind::Bool(v))
}

fn null(span: Span) -> Arc<Val> {
    at(span, Kind::Null)
}

fn list(span: Span, items: Vec<Arc<Val>>) -> Arc<Val> {
    at(span, Kind::List(items))
}

/// A key's text and its one value.
type SharedKey = (&'static str, Arc<Val>);

/// What the document is built from, and how its keys are made.
struct Builder<'a> {
    model: &'a Model,
    analysis: &'a Analysis,
    /// In a projected document no rule can read a key's span (the
    /// constructs that bind keys build the whole document), so each key is
    /// made once and shared: half the values of the document.
    shared_keys: Option<RefCell<Vec<SharedKey>>>,
}

impl<'a> Builder<'a> {
    /// A builder with a key cache of its own when keys are shared: each
    /// thread's share of a list gets one (keys are shared within a share).
    fn new(model: &'a Model, analysis: &'a Analysis, share_keys: bool) -> Self {
        Builder {
            model,
            analysis,
            shared_keys: share_keys.then(RefCell::default),
        }
    }

    fn key(&self, span: Span, key: &'static str) -> Arc<Val> {
        let Some(keys) = &self.shared_keys else {
            return Val::str(Some(span), key);
        };
        let mut keys = keys.borrow_mut();
        if let Some((_, v)) = keys.iter().find(|(k, _)| *k == key) {
            return Arc::clone(v);
        }
        let v = Val::str(None, key);
        keys.push((key, Arc::clone(&v)));
        v
    }

    /// Adds `key` when the projection asks for it, and only then builds
    /// its value (with what the projection asks for under it).
    fn put(
        &self,
        e: &mut Entries,
        p: &Proj,
        span: Span,
        key: &'static str,
        value: impl FnOnce(&Proj) -> Arc<Val>,
    ) {
        if let Some(under) = p.child(key, e.is_empty()) {
            let v = value(under);
            e.push((self.key(span, key), v));
        }
    }
}

fn map(span: Span, e: Entries) -> Arc<Val> {
    at(span, Kind::Map(e))
}

/// A known boolean, or `null` when it depends on an unresolved value.
fn known_bool(span: Span, k: &Known<bool>) -> Arc<Val> {
    match k {
        Known::Value(v) => b(span, *v),
        Known::OneOf(_) | Known::Unknown => null(span),
    }
}

/// A list of the names of `groups`.
fn group_names(model: &Model, span: Span, groups: &[GroupRef]) -> Arc<Val> {
    list(
        span,
        groups
            .iter()
            .map(|g| s(span, group_name(model, g)))
            .collect(),
    )
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

/// Builds the whole model document.
pub fn build(model: &Model, analysis: &Analysis) -> Arc<Val> {
    build_projected(model, analysis, &Proj::full())
}

/// Builds the parts of the model document that `p` asks for: the rest is
/// left out, never built.
pub fn build_projected(model: &Model, analysis: &Analysis, p: &Proj) -> Arc<Val> {
    let share_keys = !p.is_full();
    let d = &Builder::new(model, analysis, share_keys);
    let fork = || Builder::new(model, analysis, share_keys);
    let root_span = model
        .clusters
        .first()
        .map(|c| c.span)
        .or_else(|| model.groups.first().map(|g| g.span))
        .unwrap_or_default();
    let rs = root_span;
    let mut root: Entries = Vec::new();
    d.put(&mut root, p, rs, "clusters", |p| {
        let p = p.items();
        let clusters = model
            .clusters
            .par_iter()
            .enumerate()
            .map_init(fork, |d, (i, c)| cluster(d, ClusterId(i as u32), c, p))
            .collect();
        list(rs, clusters)
    });
    d.put(&mut root, p, rs, "node_groups", |p| {
        let p = p.items();
        let node_groups = model
            .node_groups
            .par_iter()
            .enumerate()
            .map_init(fork, |d, (i, ng)| node_group(d, i, ng, p))
            .collect();
        list(rs, node_groups)
    });
    d.put(&mut root, p, rs, "security_groups", |p| {
        let p = p.items();
        // Which node groups and clusters carry each group, gathered once
        // rather than by a scan over every node group for every group.
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
        let groups = (0..model.groups.len())
            .into_par_iter()
            .map_init(fork, |d, i| {
                let carriers = Carriers {
                    node_groups: on_nodes.get(i).map_or(&[], Vec::as_slice),
                    clusters: on_cp.get(i).map_or(&[], Vec::as_slice),
                };
                group(d, SgId(i as u32), carriers, p)
            })
            .collect();
        list(rs, groups)
    });
    d.put(&mut root, p, rs, "vpc_endpoints", |p| {
        let p = p.items();
        let endpoints = model
            .endpoints
            .iter()
            .map(|ep| {
                let sp = ep.span;
                let mut e = Entries::with_capacity(p.width(2));
                d.put(&mut e, p, sp, "address", |_| s(sp, &ep.address));
                d.put(&mut e, p, sp, "service", |_| known_str(sp, &ep.service));
                map(sp, e)
            })
            .collect();
        list(rs, endpoints)
    });
    map(rs, root)
}

fn node_group(d: &Builder, i: usize, ng: &crate::model::NodeGroup, p: &Proj) -> Arc<Val> {
    let (model, analysis) = (d.model, d.analysis);
    let sp = ng.span;
    let mut e = Entries::with_capacity(p.width(7));
    d.put(&mut e, p, sp, "address", |_| s(sp, &ng.address));
    d.put(&mut e, p, sp, "name", |_| known_str(sp, &ng.name));
    d.put(&mut e, p, sp, "kind", |_| {
        word(
            sp,
            match ng.kind {
                NodeGroupKind::Managed => "managed",
                NodeGroupKind::SelfManaged => "self-managed",
            },
        )
    });
    d.put(&mut e, p, sp, "cluster", |_| {
        analysis
            .cluster_of
            .get(i)
            .copied()
            .flatten()
            .and_then(|c| model.clusters.get(c.index()))
            .map_or_else(|| null(sp), |c| s(sp, &c.address))
    });
    let membership = analysis.nodes.get(i);
    d.put(&mut e, p, sp, "security_groups", |_| {
        group_names(model, sp, membership.map_or(&[][..], |m| &m.groups))
    });
    d.put(&mut e, p, sp, "security_groups_complete", |_| {
        b(sp, membership.is_some_and(|m| m.complete))
    });
    d.put(&mut e, p, sp, "remote_access", |p| {
        match &ng.remote_access {
            None => null(sp),
            Some(ra) => {
                let rs = ra.span;
                let mut r = Entries::with_capacity(p.width(3));
                d.put(&mut r, p, rs, "key_set", |_| known_bool(rs, &ra.key_set));
                d.put(&mut r, p, rs, "source_security_groups", |_| {
                    group_names(model, rs, &ra.source_groups.all_members())
                });
                d.put(&mut r, p, rs, "security_group", |_| {
                    ra.group
                        .and_then(|g| model.groups.get(g.index()))
                        .map_or_else(|| null(rs), |sg| s(rs, &sg.name))
                });
                map(rs, r)
            }
        }
    });
    map(sp, e)
}

fn known_str(span: Span, k: &Known<String>) -> Arc<Val> {
    match k {
        Known::Value(v) => s(span, v),
        _ => null(span),
    }
}

fn cluster(d: &Builder, id: ClusterId, c: &Cluster, p: &Proj) -> Arc<Val> {
    let (model, analysis) = (d.model, d.analysis);
    let sp = c.span;
    let mut e = Entries::with_capacity(p.width(8));
    d.put(&mut e, p, sp, "address", |_| s(sp, &c.address));
    d.put(&mut e, p, sp, "name", |_| known_str(sp, &c.name));
    d.put(&mut e, p, sp, "ip_family", |_| {
        word(
            sp,
            match c.ip_family {
                IpFamily::Ipv4 => "ipv4",
                IpFamily::Ipv6 => "ipv6",
                IpFamily::Unknown => "unknown",
            },
        )
    });
    // Endpoint: the effective values (the extractors apply each format's
    // defaults), with spans on the settings where written.
    let ep = &c.endpoint;
    let ep_span = ep.span.unwrap_or(sp);
    d.put(&mut e, p, ep_span, "endpoint", |p| {
        let mut en = Entries::with_capacity(p.width(5));
        d.put(&mut en, p, ep_span, "public_access", |_| {
            known_bool(ep_span, &ep.public_access)
        });
        d.put(&mut en, p, ep_span, "private_access", |_| {
            known_bool(ep_span, &ep.private_access)
        });
        let cidr_span = ep.cidrs_span.unwrap_or(ep_span);
        // No list written: EKS allows every address.
        d.put(
            &mut en,
            p,
            cidr_span,
            "public_access_cidrs",
            |_| match &ep.public_access_cidrs {
                None => list(cidr_span, vec![word(cidr_span, "0.0.0.0/0")]),
                Some(Known::Value(v)) => {
                    list(cidr_span, v.iter().map(|x| s(cidr_span, x)).collect())
                }
                Some(_) => null(cidr_span),
            },
        );
        d.put(&mut en, p, cidr_span, "public_access_cidrs_set", |_| {
            b(cidr_span, ep.public_access_cidrs.is_some())
        });
        d.put(
            &mut en,
            p,
            cidr_span,
            "public_access_cidrs_open_to_world",
            |_| match &ep.public_access_cidrs {
                None => b(cidr_span, true),
                Some(Known::Value(v)) => b(cidr_span, v.iter().any(|t| Peer::cidr(t).is_world())),
                Some(_) => null(cidr_span),
            },
        );
        map(ep_span, en)
    });

    d.put(&mut e, p, sp, "security_groups", |_| {
        let cp = analysis.control_plane.get(id.index());
        group_names(model, sp, cp.map_or(&[][..], |m| &m.groups))
    });
    d.put(&mut e, p, sp, "cluster_security_group", |_| {
        model
            .groups
            .get(c.cluster_sg.index())
            .map_or_else(|| null(sp), |g| s(sp, &g.name))
    });
    d.put(&mut e, p, sp, "node_groups", |_| {
        let ngs = analysis
            .node_groups_of(id)
            .filter_map(|g| model.node_groups.get(g.index()))
            .map(|g| s(g.span, &g.address))
            .collect();
        list(sp, ngs)
    });
    map(sp, e)
}

/// The node groups and clusters (indices, in model order) whose nodes or
/// control plane carry a group.
struct Carriers<'a> {
    node_groups: &'a [usize],
    clusters: &'a [usize],
}

fn group(d: &Builder, id: SgId, carriers: Carriers, p: &Proj) -> Arc<Val> {
    let model = d.model;
    let Some(g) = model.groups.get(id.index()) else {
        return Val::lit(Kind::Null);
    };
    let sp = g.span;
    let mut e = Entries::with_capacity(p.width(9));
    d.put(&mut e, p, sp, "name", |_| s(sp, &g.name));
    d.put(&mut e, p, sp, "origin", |_| {
        let origin = match g.origin {
            GroupOrigin::Defined => "defined",
            GroupOrigin::EksClusterSg(_) => "eks-cluster-security-group",
            GroupOrigin::RemoteAccess(_) => "remote-access",
            GroupOrigin::Generated(tool) => tool,
        };
        word(sp, origin)
    });
    d.put(&mut e, p, sp, "rules_complete", |_| {
        b(sp, !g.rules_incomplete)
    });
    d.put(&mut e, p, sp, "node_groups", |_| {
        let on_nodes: Vec<Arc<Val>> = carriers
            .node_groups
            .iter()
            .filter_map(|&i| model.node_groups.get(i))
            .map(|ng| s(sp, &ng.address))
            .collect();
        list(sp, on_nodes)
    });
    d.put(&mut e, p, sp, "clusters", |_| {
        let on_cp: Vec<Arc<Val>> = carriers
            .clusters
            .iter()
            .filter_map(|&i| model.clusters.get(i))
            .map(|c| s(sp, &c.address))
            .collect();
        list(sp, on_cp)
    });
    d.put(&mut e, p, sp, "tags", |p| {
        let p = p.items();
        let tags = g
            .tags
            .iter()
            .map(|t| {
                let mut te = Entries::with_capacity(p.width(2));
                d.put(&mut te, p, t.span, "key", |_| known_str(t.span, &t.key));
                d.put(&mut te, p, t.span, "value", |_| known_str(t.span, &t.value));
                map(t.span, te)
            })
            .collect();
        list(sp, tags)
    });
    d.put(&mut e, p, sp, "ingress", |p| {
        let p = p.items();
        let ingress = g.ingress.iter().map(|r| rule(d, id, r, p)).collect();
        list(sp, ingress)
    });
    // The effective egress: the group's own rules, then its format's
    // default, read in place rather than cloned.
    let egress_span = g.egress_span.unwrap_or(sp);
    d.put(&mut e, p, egress_span, "egress", |p| {
        let p = p.items();
        let defaults = default_egress(g);
        let egress = g
            .egress
            .iter()
            .chain(&defaults)
            .map(|r| rule(d, id, r, p))
            .collect();
        list(egress_span, egress)
    });
    map(sp, e)
}

fn rule(d: &Builder, owner: SgId, r: &SgRule, p: &Proj) -> Arc<Val> {
    let model = d.model;
    let sp = r.span;
    let mut e = Entries::with_capacity(p.width(10));
    d.put(&mut e, p, sp, "direction", |_| {
        word(
            sp,
            match r.direction {
                Direction::Ingress => "ingress",
                Direction::Egress => "egress",
            },
        )
    });
    d.put(&mut e, p, sp, "protocol", |_| match r.protocol {
        Protocol::All => word(sp, "all"),
        Protocol::Tcp => word(sp, "tcp"),
        Protocol::Udp => word(sp, "udp"),
        Protocol::Icmp => word(sp, "icmp"),
        Protocol::Icmpv6 => word(sp, "icmpv6"),
        Protocol::Number(n) => s(sp, n.to_string()),
        Protocol::Unknown => word(sp, "unknown"),
    });
    let port = |p: Option<i64>| p.map_or_else(|| null(sp), |v| at(sp, Kind::Int(v)));
    d.put(&mut e, p, sp, "from_port", |_| port(r.ports.from));
    d.put(&mut e, p, sp, "to_port", |_| port(r.ports.to));
    d.put(&mut e, p, sp, "peer", |p| {
        let mut peer = Entries::with_capacity(p.width(3));
        let kind = match &r.peer {
            Peer::Cidr(_) => "cidr",
            Peer::PrefixList(_) => "prefix-list",
            Peer::Group(_) => "security-group",
            Peer::SelfRef => "self",
            Peer::Unknown => "unknown",
        };
        d.put(&mut peer, p, sp, "kind", |_| word(sp, kind));
        d.put(&mut peer, p, sp, "cidr", |_| match &r.peer {
            Peer::Cidr(net) => s(sp, net.to_string()),
            _ => null(sp),
        });
        d.put(&mut peer, p, sp, "security_group", |_| {
            let group = match &r.peer {
                Peer::PrefixList(p) => Some(p.clone()),
                Peer::Group(g) => Some(group_name(model, g)),
                Peer::SelfRef => model.groups.get(owner.index()).map(|g| g.name.clone()),
                Peer::Cidr(_) | Peer::Unknown => None,
            };
            group.map_or_else(|| null(sp), |g| s(sp, g))
        });
        map(sp, peer)
    });
    d.put(&mut e, p, sp, "world", |_| b(sp, r.peer.is_world()));
    d.put(&mut e, p, sp, "conditional", |_| {
        b(sp, r.presence == Presence::Conditional)
    });
    d.put(&mut e, p, sp, "implicit", |_| b(sp, r.implicit));
    d.put(&mut e, p, sp, "description", |_| {
        r.description
            .as_ref()
            .map_or_else(|| null(sp), |d| s(sp, d))
    });
    map(sp, e)
}
