//! `eks-sg-lint graph`: each cluster's flow matrix as a table, a Mermaid
//! flowchart or a Graphviz DOT graph. Mermaid and DOT draw the same picture:
//! one node for the control plane, one per node group, one for the internet,
//! and one edge per required flow labelled with its verdict.

use std::fmt::Write as _;

use crate::analysis::flows::{DecidingRule, Side, Verdict};
use crate::analysis::matrix::{Endpoint, FlowRow};
use crate::model::{Direction, Model, Peer};
use crate::source::SourceMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Table,
    Mermaid,
    Dot,
}

/// One cluster's matrix, ready to draw.
pub struct ClusterGraph<'a> {
    pub name: &'a str,
    pub node_groups: Vec<(Endpoint, &'a str)>,
    pub rows: Vec<FlowRow>,
}

fn endpoint_name<'a>(graph: &'a ClusterGraph, e: Endpoint) -> &'a str {
    match e {
        Endpoint::ControlPlane => "control plane",
        Endpoint::Internet => "internet",
        Endpoint::Nodes(_) => graph
            .node_groups
            .iter()
            .find(|(id, _)| *id == e)
            .map_or("?", |(_, n)| n),
    }
}

fn endpoint_id(e: Endpoint) -> String {
    match e {
        Endpoint::ControlPlane => "cp".into(),
        Endpoint::Internet => "internet".into(),
        Endpoint::Nodes(id) => format!("ng{}", id.0),
    }
}

fn rule_text(model: &Model, sources: &SourceMap, d: &DecidingRule) -> String {
    let group = &model.group(d.group).name;
    let dir = match d.rule.direction {
        Direction::Ingress => "in",
        Direction::Egress => "out",
    };
    let peer = match &d.rule.peer {
        Peer::Cidr(c) => c.to_string(),
        Peer::SelfRef => "self".into(),
        Peer::Group(crate::model::GroupRef::Group(g)) => model.group(*g).name.clone(),
        Peer::Group(crate::model::GroupRef::External(e)) => e.clone(),
        Peer::PrefixList(p) => p.clone(),
        Peer::Unknown => "?".into(),
    };
    let at = sources
        .get(d.rule.span.file)
        .map(|f| format!("{}:{}", f.display, f.line_col(d.rule.span.start).line))
        .unwrap_or_default();
    let origin = if d.rule.implicit { " (default)" } else { "" };
    format!(
        "{group} {dir} {} {} {peer}{origin} [{at}]",
        d.rule.protocol.label(),
        d.rule.ports.label()
    )
}

fn why(model: &Model, sources: &SourceMap, v: &Verdict) -> String {
    match v {
        Verdict::Allowed { deciding } => deciding
            .iter()
            .map(|d| rule_text(model, sources, d))
            .collect::<Vec<_>>()
            .join("; "),
        Verdict::Blocked { side, groups } => {
            let names: Vec<&str> = groups
                .iter()
                .map(|g| model.group(*g).name.as_str())
                .collect();
            let side = match side {
                Side::Egress => "no outbound rule of",
                Side::Ingress => "no inbound rule of",
            };
            format!("{side} {}", names.join(", "))
        }
        Verdict::Unknown => "not provable from the scanned files (a group known only by its ID, a CIDR other than the internet, a conditional rule, or an unresolved value)".into(),
    }
}

pub fn render(
    graphs: &[ClusterGraph],
    model: &Model,
    sources: &SourceMap,
    format: GraphFormat,
) -> String {
    let mut out = String::new();
    for graph in graphs {
        match format {
            GraphFormat::Table => {
                let _ = writeln!(out, "cluster {}", graph.name);
                let _ = writeln!(out, "| from | to | traffic | for | verdict | decided by |");
                let _ = writeln!(out, "|---|---|---|---|---|---|");
                for r in &graph.rows {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} {} | {} | {} | {} |",
                        endpoint_name(graph, r.from),
                        endpoint_name(graph, r.to),
                        r.protocol.label(),
                        r.port,
                        r.purpose,
                        r.verdict.label(),
                        why(model, sources, &r.verdict)
                    );
                }
                out.push('\n');
            }
            GraphFormat::Mermaid => {
                let _ = writeln!(out, "---\ntitle: cluster {}\n---\nflowchart LR", graph.name);
                let _ = writeln!(out, "  cp[\"control plane\"]");
                for (e, name) in &graph.node_groups {
                    let _ = writeln!(out, "  {}[\"{}\"]", endpoint_id(*e), name.replace('"', "'"));
                }
                let _ = writeln!(out, "  internet((internet))");
                for (i, r) in graph.rows.iter().enumerate() {
                    let arrow = if r.verdict.is_blocked() {
                        "-.->"
                    } else {
                        "-->"
                    };
                    let _ = writeln!(
                        out,
                        "  {} {arrow}|\"{} {} {}\"| {}",
                        endpoint_id(r.from),
                        r.protocol.label(),
                        r.port,
                        r.verdict.label(),
                        endpoint_id(r.to)
                    );
                    let colour = match r.verdict {
                        Verdict::Allowed { .. } => "green",
                        Verdict::Blocked { .. } => "red",
                        Verdict::Unknown => "grey",
                    };
                    let _ = writeln!(out, "  linkStyle {i} stroke:{colour}");
                }
                out.push('\n');
            }
            GraphFormat::Dot => {
                let _ = writeln!(
                    out,
                    "digraph \"{}\" {{\n  rankdir=LR;",
                    graph.name.replace('"', "'")
                );
                let _ = writeln!(out, "  cp [label=\"control plane\", shape=box];");
                for (e, name) in &graph.node_groups {
                    let _ = writeln!(
                        out,
                        "  {} [label=\"{}\", shape=box];",
                        endpoint_id(*e),
                        name.replace('"', "'")
                    );
                }
                let _ = writeln!(out, "  internet [label=\"internet\", shape=ellipse];");
                for r in &graph.rows {
                    let (colour, style) = match r.verdict {
                        Verdict::Allowed { .. } => ("green", "solid"),
                        Verdict::Blocked { .. } => ("red", "dashed"),
                        Verdict::Unknown => ("grey", "dotted"),
                    };
                    let _ = writeln!(
                        out,
                        "  {} -> {} [label=\"{} {} {}\", color={colour}, style={style}];",
                        endpoint_id(r.from),
                        endpoint_id(r.to),
                        r.protocol.label(),
                        r.port,
                        r.verdict.label()
                    );
                }
                out.push_str("}\n");
            }
        }
    }
    if graphs.is_empty() {
        out.push_str("no cluster found\n");
    }
    // Names and file names come from the scanned files: their control
    // characters are shown, not sent to the terminal.
    match super::printable::text(&out) {
        std::borrow::Cow::Owned(shown) => shown,
        std::borrow::Cow::Borrowed(_) => out,
    }
}
