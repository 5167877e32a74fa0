//! The extracted model in a compact, reviewable form (positions as
//! line:column), for snapshot tests.

use std::fmt::Write as _;

use eks_sg_lint::analysis::Analysis;
use eks_sg_lint::model::{GroupList, GroupRef, Model, Peer, SgRule};
use eks_sg_lint::pipeline::Scan;
use eks_sg_lint::source::{SourceMap, Span};

pub fn pos(sources: &SourceMap, span: Span) -> String {
    match sources.get(span.file) {
        Some(f) => {
            let (s, e) = f.range(span);
            format!("{}:{}-{}:{}", s.line, s.column, e.line, e.column)
        }
        None => "?".into(),
    }
}

fn group_name(model: &Model, g: &GroupRef) -> String {
    match g {
        GroupRef::Group(id) => model.group(*id).name.clone(),
        GroupRef::External(d) => format!("external({d})"),
    }
}

fn list(model: &Model, l: &GroupList) -> String {
    match l {
        GroupList::Absent => "absent".into(),
        GroupList::Unknown => "unknown".into(),
        GroupList::Groups(g) => format!(
            "[{}]",
            g.iter()
                .map(|g| group_name(model, g))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        GroupList::OneOf(alts) => format!(
            "one of ({})",
            alts.iter()
                .map(|a| list(model, a))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
    }
}

fn rule(model: &Model, sources: &SourceMap, r: &SgRule) -> String {
    let peer = match &r.peer {
        Peer::Cidr(c) => c.to_string(),
        Peer::PrefixList(p) => format!("prefix list {p}"),
        Peer::Group(g) => group_name(model, g),
        Peer::SelfRef => "self".into(),
        Peer::Unknown => "unknown".into(),
    };
    format!(
        "{:?} {} {} {peer}{}{} @{}",
        r.direction,
        r.protocol.label(),
        r.ports.label(),
        if r.implicit { " (implicit)" } else { "" },
        if r.presence == eks_sg_lint::model::Presence::Conditional {
            " (conditional)"
        } else {
            ""
        },
        pos(sources, r.span)
    )
}

/// Clusters, node groups with CP(c)/N(g), groups with their rules, endpoints.
pub fn describe_scan(result: &Scan) -> String {
    let (model, sources) = (&result.model, &result.sources);
    let analysis = Analysis::new(model);
    let mut out = String::new();
    for (i, c) in model.clusters.iter().enumerate() {
        let _ = writeln!(
            out,
            "cluster {} name={:?} @{}\n  creation groups: {}\n  ip family: {:?}; endpoint public={:?} private={:?} cidrs={:?}\n  CP: {}",
            c.address,
            c.name,
            pos(sources, c.span),
            list(model, &c.creation_groups),
            c.ip_family,
            c.endpoint.public_access,
            c.endpoint.private_access,
            c.endpoint.public_access_cidrs,
            analysis.control_plane[i]
                .groups
                .iter()
                .map(|g| group_name(model, g))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    for (i, n) in model.node_groups.iter().enumerate() {
        let _ = writeln!(
            out,
            "node group {} {:?} @{}\n  cluster: {:?}\n  launch template groups: {}\n  N(g): {} (complete: {})",
            n.address,
            n.kind,
            pos(sources, n.span),
            analysis.cluster_of[i].map(|c| model.cluster(c).address.clone()),
            list(model, &n.launch_template_groups),
            analysis.nodes[i]
                .groups
                .iter()
                .map(|g| group_name(model, g))
                .collect::<Vec<_>>()
                .join(", "),
            analysis.nodes[i].complete,
        );
    }
    for g in &model.groups {
        let _ = writeln!(
            out,
            "group {} {:?} @{} default egress {:?} (inline egress: {})",
            g.name,
            g.origin,
            pos(sources, g.span),
            g.default_egress,
            g.inline_egress_declared
        );
        for r in g.ingress.iter().chain(&g.egress) {
            let _ = writeln!(out, "  {}", rule(model, sources, r));
        }
    }
    for e in &model.endpoints {
        let _ = writeln!(
            out,
            "endpoint {} {:?} @{}",
            e.address,
            e.service,
            pos(sources, e.span)
        );
    }
    out
}
