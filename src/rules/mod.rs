//! The rule registry: every built-in rule, one per file, each with its code,
//! name, level and documentation beside its logic.

pub mod eks000_parse_error;
pub mod eks001_cluster_without_explicit_security_group;
pub mod eks002_cluster_security_group_without_self_ingress;
pub mod eks003_cluster_security_group_egress_below_minimum;
pub mod eks004_cluster_security_group_not_on_nodes;
pub mod eks005_nodes_cannot_reach_api_server;
pub mod eks006_control_plane_cannot_reach_kubelet;
pub mod eks007_node_dns_blocked;
pub mod eks008_nodes_without_registry_access;
pub mod eks009_ipv4_rule_without_ipv6_counterpart;
pub mod eks010_legacy_control_plane_security_group;
pub mod eks011_multiple_cluster_tagged_security_groups;

use crate::analysis::Analysis;
use crate::finding::{Finding, RuleMeta};
use crate::model::Model;

/// What a rule may read: the model and the facts derived from it.
pub struct Context<'a> {
    pub model: &'a Model,
    pub analysis: &'a Analysis,
}

/// A built-in rule: its metadata and its check.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Context, &mut Vec<Finding>),
}

/// Every built-in rule, in code order.
pub static RULES: &[Rule] = &[
    Rule {
        meta: &eks000_parse_error::META,
        check: eks000_parse_error::check,
    },
    Rule {
        meta: &eks001_cluster_without_explicit_security_group::META,
        check: eks001_cluster_without_explicit_security_group::check,
    },
    Rule {
        meta: &eks002_cluster_security_group_without_self_ingress::META,
        check: eks002_cluster_security_group_without_self_ingress::check,
    },
    Rule {
        meta: &eks003_cluster_security_group_egress_below_minimum::META,
        check: eks003_cluster_security_group_egress_below_minimum::check,
    },
    Rule {
        meta: &eks004_cluster_security_group_not_on_nodes::META,
        check: eks004_cluster_security_group_not_on_nodes::check,
    },
    Rule {
        meta: &eks005_nodes_cannot_reach_api_server::META,
        check: eks005_nodes_cannot_reach_api_server::check,
    },
    Rule {
        meta: &eks006_control_plane_cannot_reach_kubelet::META,
        check: eks006_control_plane_cannot_reach_kubelet::check,
    },
    Rule {
        meta: &eks007_node_dns_blocked::META,
        check: eks007_node_dns_blocked::check,
    },
    Rule {
        meta: &eks008_nodes_without_registry_access::META,
        check: eks008_nodes_without_registry_access::check,
    },
    Rule {
        meta: &eks009_ipv4_rule_without_ipv6_counterpart::META,
        check: eks009_ipv4_rule_without_ipv6_counterpart::check,
    },
    Rule {
        meta: &eks010_legacy_control_plane_security_group::META,
        check: eks010_legacy_control_plane_security_group::check,
    },
    Rule {
        meta: &eks011_multiple_cluster_tagged_security_groups::META,
        check: eks011_multiple_cluster_tagged_security_groups::check,
    },
];

/// Metadata of every rule, for reporters and listings.
pub fn metas() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta).collect()
}

/// The Markdown table of rules the README carries.
pub fn markdown_table(metas: &[&RuleMeta]) -> String {
    let mut out = String::from(
        "| code | name | level | formats | what it reports |\n|---|---|---|---|---|\n",
    );
    for m in metas {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            m.code,
            m.name,
            m.level.as_str(),
            m.formats.join(", "),
            m.summary
        ));
    }
    out
}

/// The rule with this code.
pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code))
}

/// Runs the selected rules.
pub fn check_all(cx: &Context, selected: impl Fn(&RuleMeta) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|r| selected(r.meta)) {
        (rule.check)(cx, &mut out);
    }
    out
}

/// A finding for a blocked flow: names the side that blocks it, labels the
/// blocking groups that are in the scan, and says which rule to add.
pub(crate) struct BlockedFlow<'a> {
    pub meta: &'static RuleMeta,
    /// Where the finding points (a node group).
    pub anchor: crate::source::Span,
    pub resource: &'a str,
    /// "nodes of node group `Nodes` cannot reach the API server of cluster `C`".
    pub what: String,
    /// "TCP 443".
    pub traffic: String,
    /// "from the nodes" / "to the control plane": the other end, seen from
    /// the blocking side when it is egress.
    pub toward: &'a str,
    pub from: &'a str,
}

impl BlockedFlow<'_> {
    pub(crate) fn finding(
        &self,
        model: &Model,
        side: crate::analysis::flows::Side,
        groups: &[crate::model::SgId],
    ) -> Finding {
        use crate::analysis::flows::Side;
        let names: Vec<String> = groups
            .iter()
            .map(|g| format!("`{}`", model.group(*g).name))
            .collect();
        let names = names.join(", ");
        let (why, help) = match side {
            Side::Egress => (
                format!(
                    "no outbound rule of {names} allows {} {}",
                    self.traffic, self.toward
                ),
                format!(
                    "add an outbound {} rule {} (a security group reference, or 0.0.0.0/0) to one of {names}",
                    self.traffic, self.toward
                ),
            ),
            Side::Ingress => (
                format!(
                    "no inbound rule of {names} admits {} {}",
                    self.traffic, self.from
                ),
                format!(
                    "add an inbound {} rule {} to one of {names}",
                    self.traffic, self.from
                ),
            ),
        };
        let mut finding = Finding::new(
            self.meta,
            self.anchor,
            format!("{} on {}: {why}", self.what, self.traffic),
        )
        .with_label(format!("{} blocked", self.traffic))
        .with_help(help)
        .with_resource(self.resource.to_string());
        for g in groups {
            let sg = model.group(*g);
            let label = match side {
                Side::Egress => format!("no outbound {} {} here", self.traffic, self.toward),
                Side::Ingress => format!("no inbound {} {} here", self.traffic, self.from),
            };
            let span = match side {
                Side::Egress => sg.egress_span.unwrap_or(sg.span),
                Side::Ingress => sg.span,
            };
            if span != self.anchor {
                finding = finding.with_secondary(span, label);
            }
        }
        finding
    }
}
