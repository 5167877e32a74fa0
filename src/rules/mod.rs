//! The rule registry: every built-in rule, one per file, each with its code,
//! name, level and documentation beside its logic.

pub mod eks000_parse_error;
pub mod eks001_cluster_without_explicit_security_group;
pub mod eks002_cluster_security_group_without_self_ingress;
pub mod eks003_cluster_security_group_egress_below_minimum;

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
];

/// Metadata of every rule, for reporters and listings.
pub fn metas() -> Vec<&'static RuleMeta> {
    RULES.iter().map(|r| r.meta).collect()
}

/// The rule with this code.
pub fn by_code(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.meta.code.eq_ignore_ascii_case(code))
}

/// Runs the selected rules.
pub fn check_all(cx: &Context, selected: impl Fn(&RuleMeta) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in RULES.iter().filter(|r| selected(r.meta)) {
        (rule.check)(cx, &mut out);
    }
    out
}
