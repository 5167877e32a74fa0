//! What the pipeline needs to find the modules a Terraform directory calls
//! before parsing: the local sources written in its text, the downloads
//! `terraform init` recorded, and which directories are only called (not
//! roots). Reading stays in the pipeline; this only looks at text and paths.

use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::normalize;

/// Directories followed from one root at most.
pub const MAX_MODULE_DIRS: usize = 256;

/// The local module sources (`./x`, `../x`) written in a Terraform file:
/// every `source = "./..."` or `"../..."`. A textual scan, so a commented
/// out call may be found too; the extractor decides from the parsed text.
pub fn local_sources(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // memchr's searcher: `str::match_indices` took 5 instructions a byte.
    for at in memchr::memmem::find_iter(text.as_bytes(), b"source") {
        let before = text.get(..at).and_then(|b| b.chars().next_back());
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '"') {
            continue;
        }
        let rest = text.get(at + "source".len()..).unwrap_or("");
        let rest = rest.trim_start_matches([' ', '\t']);
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start_matches([' ', '\t']);
        let Some(rest) = rest.strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find(['"', '\n']) else {
            continue;
        };
        let source = rest.get(..end).unwrap_or("");
        if super::is_local(source) {
            out.push(source.to_string());
        }
    }
    out
}

/// `.terraform/modules/modules.json` of a root directory: each module key
/// (`eks`, `eks.node_group`) with its directory. Empty when absent or
/// unreadable.
pub fn downloaded_modules(root: &Path) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    let path = root.join(".terraform").join("modules").join("modules.json");
    let Ok(meta) = std::fs::metadata(&path) else {
        return out;
    };
    // Not a FIFO, which would block, nor a link to a device.
    if !meta.is_file() || meta.len() > 8 * 1024 * 1024 {
        return out;
    }
    let Ok(text) = crate::discover::read_text(&path) else {
        return out;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return out;
    };
    let Some(modules) = json.get("Modules").and_then(|m| m.as_array()) else {
        return out;
    };
    for m in modules {
        let (Some(key), Some(dir)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|d| d.as_str()),
        ) else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        if let Some(dir) = normalize(&root.join(dir)) {
            out.insert(key.to_string(), dir);
        }
    }
    out
}

/// Terraform files (`*.tf`, `*.tf.json`) directly in a directory, sorted.
pub fn terraform_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .map(|n| n.to_string_lossy())
                    .is_some_and(|n| n.ends_with(".tf") || n.ends_with(".tf.json"))
        })
        .collect();
    out.sort();
    out
}

/// The module directories reachable from `dirs` (each with the local
/// sources its files name, see [`local_sources`]) that are not among them,
/// followed up to `MAX_MODULE_DIRS`, reading new directories' sources
/// through `read`. Also returns the set of directories (canonical) called
/// by another directory.
pub fn follow_modules(
    dirs: &BTreeMap<PathBuf, Vec<String>>,
    read: &mut dyn FnMut(&Path) -> Vec<String>,
) -> (Vec<PathBuf>, BTreeSet<PathBuf>) {
    // Nothing to follow: the directories are not made canonical (a system
    // call per part of each path).
    if dirs.values().all(Vec::is_empty) {
        return (Vec::new(), BTreeSet::new());
    }
    let mut known: BTreeSet<PathBuf> = dirs.keys().filter_map(|d| normalize(d)).collect();
    let mut called: BTreeSet<PathBuf> = BTreeSet::new();
    let mut queue: Vec<(PathBuf, Vec<String>, usize)> = dirs
        .iter()
        .filter_map(|(d, sources)| Some((normalize(d)?, sources.clone(), 0)))
        .collect();
    let mut extra = Vec::new();
    while let Some((dir, sources, depth)) = queue.pop() {
        for source in sources {
            let Some(target) = normalize(&dir.join(&source)) else {
                continue;
            };
            if target == dir {
                continue;
            }
            called.insert(target.clone());
            if known.contains(&target)
                || depth >= super::MAX_MODULE_DEPTH
                || extra.len() >= MAX_MODULE_DIRS
                || !target.is_dir()
            {
                continue;
            }
            known.insert(target.clone());
            let sources = read(&target);
            extra.push(target.clone());
            queue.push((target, sources, depth + 1));
        }
    }
    (extra, called)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_local_sources() {
        let text = "module \"a\" {\n  source = \"./modules/a\"\n}\nmodule \"b\" {\n  source  = \"terraform-aws-modules/eks/aws\"\n}\nmodule \"c\" { source = \"../..\" }\n";
        assert_eq!(
            local_sources(text),
            vec!["./modules/a".to_string(), "../..".to_string()]
        );
        let text = "module \"c\" {\n source=\"../..\"\n}\n";
        assert_eq!(local_sources(text), vec!["../..".to_string()]);
    }
}
