//! The documents a rules file runs over, other than the model document:
//! a raw Terraform module as the tree of its blocks.

use std::sync::Arc;

use super::value::{self, Kind, Val};
use crate::source::FileId;
use crate::syntax::Node;

/// A Terraform module (a directory's files) as one document: block types,
/// then labels, merged across files (`resource.aws_eks_cluster.this`), and
/// inside a body, repeated blocks (`ingress { }` twice) gathered into a
/// list under their name.
pub fn terraform_module(files: &[(FileId, &Node)]) -> Arc<Val> {
    let mut merged: Vec<(Arc<Val>, Arc<Val>)> = Vec::new();
    let mut span = None;
    for (_, node) in files {
        span = span.or(Some(node.span));
        let doc = value::from_node(node);
        if let Kind::Map(entries) = &doc.kind {
            merge_into(&mut merged, entries, 0);
        }
    }
    Val::new(span, Kind::Map(merged))
}

/// Labels merge up to this depth (block type, two labels); below it a body
/// begins and repeated keys become lists.
const LABEL_DEPTH: usize = 3;

fn merge_into(
    into: &mut Vec<(Arc<Val>, Arc<Val>)>,
    entries: &[(Arc<Val>, Arc<Val>)],
    depth: usize,
) {
    for (k, v) in entries {
        let key = k.as_str().unwrap_or("");
        let is_map = matches!(v.kind, Kind::Map(_));
        if depth < LABEL_DEPTH && is_map {
            if let Some(pos) = into
                .iter()
                .position(|(k2, v2)| k2.as_str() == Some(key) && matches!(v2.kind, Kind::Map(_)))
            {
                let (k2, existing) = into[pos].clone();
                let mut combined = match &existing.kind {
                    Kind::Map(e) => e.clone(),
                    _ => Vec::new(),
                };
                if let Kind::Map(new) = &v.kind {
                    merge_into(&mut combined, new, depth + 1);
                }
                into[pos] = (k2, Val::new(existing.span, Kind::Map(combined)));
                continue;
            }
            let mut fresh = Vec::new();
            if let Kind::Map(new) = &v.kind {
                merge_into(&mut fresh, new, depth + 1);
            }
            into.push((Arc::clone(k), Val::new(v.span, Kind::Map(fresh))));
            continue;
        }
        if depth >= LABEL_DEPTH {
            into.push((Arc::clone(k), group_repeats(v)));
        } else {
            into.push((Arc::clone(k), Arc::clone(v)));
        }
    }
}

/// Inside a body: repeated keys become one list.
fn group_repeats(v: &Arc<Val>) -> Arc<Val> {
    let Kind::Map(entries) = &v.kind else {
        return Arc::clone(v);
    };
    let mut out: Vec<(Arc<Val>, Arc<Val>)> = Vec::new();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (k, _) in entries {
        let key = k.as_str().unwrap_or("").to_string();
        match counts.iter_mut().find(|(n, _)| *n == key) {
            Some((_, c)) => *c += 1,
            None => counts.push((key, 1)),
        }
    }
    for (k, val) in entries {
        let key = k.as_str().unwrap_or("");
        let repeated = counts.iter().any(|(n, c)| n == key && *c > 1);
        let val = group_repeats(val);
        if !repeated {
            out.push((Arc::clone(k), val));
            continue;
        }
        match out.iter().position(|(k2, _)| k2.as_str() == Some(key)) {
            Some(pos) => {
                let (k2, list) = out[pos].clone();
                let mut items = match &list.kind {
                    Kind::List(items) => items.clone(),
                    _ => Vec::new(),
                };
                items.push(val);
                out[pos] = (k2, Val::new(list.span, Kind::List(items)));
            }
            None => out.push((Arc::clone(k), Val::new(val.span, Kind::List(vec![val])))),
        }
    }
    Val::new(v.span, Kind::Map(out))
}
