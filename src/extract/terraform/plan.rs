//! Terraform plan JSON (`terraform show -json plan.out`): every module of
//! `planned_values` (the root and each child module instance) is rewritten
//! into the tree the HCL front end makes and extracted like a module, so
//! spans point into the plan file. Planned values are literal; a value the
//! plan leaves unknown (a group ID created by the same apply) is taken from
//! the `configuration` section's references (`aws_security_group.x.id`), so
//! resources of one module still link.

use foldhash::{HashMap, HashMapExt};

use crate::model::Model;
use crate::source::Span;
use crate::syntax::{Entry, Node, Value};

const BLOCKS: &[&str] = &[
    "vpc_config",
    "kubernetes_network_config",
    "launch_template",
    "remote_access",
    "network_interfaces",
    "mixed_instances_policy",
    "launch_template_specification",
    "ingress",
    "egress",
    "tag",
];

/// Modules of one plan read at most.
const MAX_MODULES: usize = 512;

/// Extracts every module of a plan.
pub fn extract(doc: &Node) -> Model {
    let mut model = Model::default();
    let Some(root) = doc.path(&["planned_values", "root_module"]) else {
        return model;
    };
    let config = doc.path(&["configuration", "root_module"]);
    let mut modules: Vec<(String, Node)> = Vec::new();
    collect(root, config, &mut modules, 0);
    for (address, module) in &modules {
        let cx = super::Context {
            prefix: if address.is_empty() {
                String::new()
            } else {
                format!("{address}.")
            },
            ..super::Context::default()
        };
        model.absorb(super::extract_with(&[(module.span.file, module)], &cx));
    }
    model
}

/// One module's resources as a Terraform body, then its children.
fn collect(module: &Node, config: Option<&Node>, out: &mut Vec<(String, Node)>, depth: usize) {
    if depth > super::MAX_MODULE_DEPTH || out.len() >= MAX_MODULES {
        return;
    }
    let mut entries = Vec::new();
    let resources = module
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or(&[]);
    // Instances per resource, and each resource's configuration: counted
    // and indexed once, not searched for per instance.
    let mut instances: HashMap<ResourceKey, usize> = HashMap::new();
    for key in resources.iter().filter_map(resource_key) {
        *instances.entry(key).or_default() += 1;
    }
    let mut configs: HashMap<ResourceKey, &Node> = HashMap::new();
    for r in config
        .and_then(|c| c.get("resources"))
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        if let Some(key) = resource_key(r) {
            configs.entry(key).or_insert(r);
        }
    }
    for res in resources {
        if let Some(entry) = resource(res, &instances, &configs) {
            entries.push(entry);
        }
    }
    let address = module
        .get("address")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_string();
    out.push((address, Node::new(module.span, Value::Map(entries))));
    for child in module
        .get("child_modules")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        // `module.a.module.b["k"]`: the configuration of call `b` of `a`.
        let call = child
            .get("address")
            .and_then(Node::as_str)
            .and_then(|a| a.rsplit("module.").next())
            .map(|c| c.split('[').next().unwrap_or(c).to_string());
        let child_config = match (config, call) {
            (Some(c), Some(name)) => c.path(&["module_calls", name.as_str(), "module"]),
            _ => None,
        };
        collect(child, child_config, out, depth + 1);
    }
}

/// A resource's mode, type and name (`managed` when no mode is given).
type ResourceKey<'a> = (&'a str, &'a str, &'a str);

fn resource_key(r: &Node) -> Option<ResourceKey<'_>> {
    let mode = r.get("mode").and_then(Node::as_str).unwrap_or("managed");
    let ty = r.get("type").and_then(Node::as_str)?;
    let name = r.get("name").and_then(Node::as_str)?;
    Some((mode, ty, name))
}

fn resource(
    res: &Node,
    instances: &HashMap<ResourceKey, usize>,
    configs: &HashMap<ResourceKey, &Node>,
) -> Option<Entry> {
    let key = resource_key(res)?;
    let (mode, ty, name) = key;
    let keyword = if mode == "data" { "data" } else { "resource" };
    let address_node = res.get("address")?;
    // One instance keeps its name; several are told apart by their index.
    let instances = instances.get(&key).copied().unwrap_or(0);
    let label = match (instances, res.get("index")) {
        (n, Some(index)) if n > 1 => match index.as_scalar_text() {
            Some(i) => format!("{name}[{i}]"),
            None => name.to_string(),
        },
        _ => name.to_string(),
    };
    let header = address_node.span;
    let span = Span {
        start: header.start,
        ..res.span
    };
    let expressions = configs.get(&key).and_then(|r| r.get("expressions"));
    let body = body(res.get("values"), expressions, span, 0);
    let value = Node::new(
        span,
        Value::Map(vec![Entry {
            key: ty.into(),
            key_span: header,
            value: Node::new(
                span,
                Value::Map(vec![Entry {
                    key: label.into(),
                    key_span: header,
                    value: Node::new(span, body),
                }]),
            ),
        }]),
    );
    Some(Entry {
        key: keyword.into(),
        key_span: header,
        value,
    })
}

/// Planned values, with the configuration's references where a value is
/// not known.
fn body(values: Option<&Node>, expressions: Option<&Node>, span: Span, depth: usize) -> Value {
    let mut entries: Vec<Entry> = Vec::new();
    for entry in values.and_then(Node::as_map).unwrap_or(&[]) {
        let expr = expressions.and_then(|e| e.get(&entry.key));
        if entry.value.is_null() {
            if let Some(r) = expr.and_then(|e| reference(&entry.key, e, entry.value.span)) {
                entries.push(Entry {
                    key: entry.key.clone(),
                    key_span: entry.key_span,
                    value: r,
                });
                continue;
            }
        }
        let blocks = depth < 16
            && BLOCKS.contains(&entry.key.as_str())
            && entry
                .value
                .as_seq()
                .is_some_and(|items| items.iter().all(|i| i.as_map().is_some()));
        if blocks {
            for (i, item) in entry.value.as_seq().unwrap_or(&[]).iter().enumerate() {
                let block_span = Span {
                    start: entry.key_span.start,
                    ..item.span
                };
                let expr = expr.and_then(Node::as_seq).and_then(|s| s.get(i));
                entries.push(Entry {
                    key: entry.key.clone(),
                    key_span: entry.key_span,
                    value: Node::new(block_span, body(Some(item), expr, block_span, depth + 1)),
                });
            }
            continue;
        }
        entries.push(entry.clone());
    }
    // Settings the plan leaves unknown are absent from the values.
    for entry in expressions.and_then(Node::as_map).unwrap_or(&[]) {
        if entries.iter().any(|e| e.key == entry.key) {
            continue;
        }
        if let Some(r) = reference(&entry.key, &entry.value, span) {
            entries.push(Entry {
                key: entry.key.clone(),
                key_span: entry.key_span,
                value: r,
            });
        }
    }
    Value::Map(entries)
}

/// `{"references": ["aws_security_group.x.id", "aws_security_group.x"]}`
/// as a reference node (the most precise one, listed first); for a list
/// setting (`*_ids`, `security_groups`), a list of every distinct
/// reference that is not a prefix of another.
fn reference(key: &str, expr: &Node, span: Span) -> Option<Node> {
    let refs: Vec<&str> = expr
        .get("references")?
        .as_seq()?
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let node = |r: &str| crate::syntax::hcl::json_string_value(&format!("${{{r}}}"), span);
    if key.ends_with("_ids") || key == "security_groups" {
        let items: Vec<Node> = refs
            .iter()
            .filter(|r| !refs.iter().any(|o| o.len() > r.len() && o.starts_with(**r)))
            .map(|r| node(r))
            .collect();
        return Some(Node::new(span, Value::Seq(items)));
    }
    Some(node(refs.first()?))
}
