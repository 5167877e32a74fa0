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
pub mod examples;

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

/// Every shipped rule: the Rust rules and the built-in Guard rules (for
/// listings, `explain`, the README table and the fixture meta-tests).
pub fn all_metas() -> Vec<&'static RuleMeta> {
    let mut metas = metas();
    metas.extend(crate::guard::metas(&crate::guard::RuleSet::default()));
    metas
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
    /// The destination, for an egress rule: "to the control plane of `C`".
    pub toward: String,
    /// The source, for an ingress rule: "from node group `Nodes`".
    pub from: String,
}

/// "`a`", "`a` or `b`", "any of `a`, `b`, `c`".
fn name_groups(model: &Model, groups: &[crate::model::SgId]) -> String {
    let names: Vec<String> = groups
        .iter()
        .map(|g| format!("`{}`", model.group(*g).name))
        .collect();
    match names.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} or {b}"),
        _ => format!("any of {}", names.join(", ")),
    }
}

impl BlockedFlow<'_> {
    pub(crate) fn finding(
        &self,
        model: &Model,
        side: crate::analysis::flows::Side,
        groups: &[crate::model::SgId],
    ) -> Finding {
        use crate::analysis::flows::Side;
        use crate::model::GroupOrigin;
        let names = name_groups(model, groups);
        let (dir, peer) = match side {
            Side::Egress => ("outbound", &self.toward),
            Side::Ingress => ("inbound", &self.from),
        };
        let why = format!("no {dir} rule of {names} allows {} {peer}", self.traffic);
        let generated = groups.iter().all(|g| {
            matches!(
                model.group(*g).origin,
                GroupOrigin::Generated(_) | GroupOrigin::EksClusterSg(_)
            )
        });
        let help = if generated {
            format!(
                "these groups are created by EKS or eksctl with fixed rules: put a group of your own that allows {} {peer} on the same side (a launch template's groups, eksctl `securityGroups.attachIDs`, `withShared`)",
                self.traffic
            )
        } else {
            let writable: Vec<crate::model::SgId> = groups
                .iter()
                .copied()
                .filter(|g| model.group(*g).is_defined_in_scan())
                .collect();
            let target = if writable.is_empty() {
                names.clone()
            } else {
                name_groups(model, &writable)
            };
            format!(
                "add an {dir} {} rule {peer} (a security group reference, or 0.0.0.0/0) to {target}",
                self.traffic
            )
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
            let whose = match sg.origin {
                GroupOrigin::EksClusterSg(_) => {
                    "the EKS cluster security group EKS creates for this cluster has "
                }
                GroupOrigin::RemoteAccess(_) => "the remote-access group EKS creates has ",
                _ => "",
            };
            let label = format!("{whose}no {dir} {} {peer}", self.traffic);
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
