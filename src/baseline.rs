//! Baselines: a file of earlier findings, keyed by code, file and resource
//! (not line), so that adopting the tool on a repository with findings
//! reports only new ones, and moving code does not bring old ones back.

use foldhash::{HashMap, HashMapExt};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::source::SourceMap;

const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
struct Key {
    code: String,
    file: String,
    resource: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Key>,
}

/// A loaded baseline: how many findings of each key it accepts.
#[derive(Debug, Default)]
pub struct Baseline {
    counts: HashMap<Key, usize>,
}

fn key(f: &Finding, sources: &SourceMap) -> Key {
    Key {
        code: f.code.to_string(),
        file: sources
            .get(f.span.file)
            .map(|s| s.display.clone())
            .unwrap_or_default(),
        resource: f.resource.clone(),
    }
}

/// The baseline file's text for `findings` (suppressed ones left out).
pub fn render(findings: &[Finding], sources: &SourceMap) -> String {
    let mut keys: Vec<Key> = findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .map(|f| key(f, sources))
        .collect();
    keys.sort();
    let file = File {
        version: VERSION,
        findings: keys,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = crate::discover::read_text(path).map_err(|e| {
            format!(
                "{}: {}",
                path.display(),
                crate::discover::describe_io_error(&e)
            )
        })?;
        let file: File = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a baseline file: {e}", path.display()))?;
        if file.version != VERSION {
            return Err(format!(
                "{}: baseline version {} is not supported (expected {VERSION})",
                path.display(),
                file.version
            ));
        }
        let mut counts = HashMap::new();
        for k in file.findings {
            *counts.entry(k).or_insert(0) += 1;
        }
        Ok(Baseline { counts })
    }

    /// Drops the findings the baseline accepts (as many of each key as it
    /// holds); returns how many were dropped.
    pub fn filter(&self, findings: &mut Vec<Finding>, sources: &SourceMap) -> usize {
        let mut left = self.counts.clone();
        let before = findings.len();
        findings.retain(|f| {
            if f.suppression.is_some() {
                return true;
            }
            match left.get_mut(&key(f, sources)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
        before - findings.len()
    }
}
