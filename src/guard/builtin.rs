//! The Guard rules shipped with the tool (the top-level `rules/` folder),
//! embedded in the binary. Each file holds one rule and a header with its
//! code, name, level, summary and documentation.

use std::path::Path;
use std::sync::OnceLock;

use super::LoadedRules;
use crate::finding::RuleMeta;

/// (file name, text) of every built-in rule file, in code order.
pub const FILES: &[(&str, &str)] = &[
    (
        "EKS012-public-endpoint-open-to-world.guard",
        include_str!("../../rules/EKS012-public-endpoint-open-to-world.guard"),
    ),
    (
        "EKS013-public-endpoint-restricted-without-private-access.guard",
        include_str!("../../rules/EKS013-public-endpoint-restricted-without-private-access.guard"),
    ),
    (
        "EKS014-node-ssh-open-to-world.guard",
        include_str!("../../rules/EKS014-node-ssh-open-to-world.guard"),
    ),
    (
        "EKS015-kubelet-open-to-world.guard",
        include_str!("../../rules/EKS015-kubelet-open-to-world.guard"),
    ),
];

/// The built-in rule files, parsed once. A file that does not parse (a
/// bug caught by the tests) is left out rather than taking the run down.
pub fn loaded() -> &'static [LoadedRules] {
    static LOADED: OnceLock<Vec<LoadedRules>> = OnceLock::new();
    LOADED.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|(name, text)| super::load_text(&Path::new("rules").join(name), text).ok())
            .collect()
    })
}

/// The metadata of the built-in Guard rules, in code order.
pub fn metas() -> &'static [&'static RuleMeta] {
    static METAS: OnceLock<Vec<&'static RuleMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        loaded()
            .iter()
            .flat_map(|f| f.metas.iter().map(|(_, m)| *m))
            .collect()
    })
}
