//! Terraform: a root module (every `.tf`/`.tf.json` file of a directory,
//! parsed) and the modules it calls, to a [`Model`] fragment.
//!
//! Reading happens per module instance (a *scope*: the root, or one
//! instance of a module call). First every `variable`, `locals` entry,
//! `module` call, `output` and `resource`/`data` block of each scope is
//! gathered by address, across files. Then the EKS items are built, with a
//! small evaluator (`eval.rs`) that knows literals, variables (the call's
//! argument, a `.tfvars` value for the root, or the default), locals,
//! templates, references to resources and module outputs, `for`
//! expressions, operators, conditionals and the common functions. What it
//! cannot resolve stays unknown.
//!
//! Modules: a local source (`./x`, `../x`), or a download recorded in
//! `.terraform/modules/modules.json`, is read as a child scope whose
//! addresses carry the module path (`module.net.aws_security_group.a`), so
//! groups link across module boundaries. Calls are followed
//! [`MAX_MODULE_DEPTH`] deep, at most [`MAX_SCOPES`] instances, never into
//! an ancestor. The `terraform-aws-modules/eks` module (by source, or a
//! local copy recognised by its variables) is modelled from its known
//! behaviour (`eks_module.rs`). Any other registry module's outputs are
//! unknown.
//!
//! Span conventions (all point into the given files):
//! - a resource (cluster, group, node group, endpoint): its header, from the
//!   `resource` keyword through the name label (in `.tf.json`, the name);
//! - an inline rule: its `ingress`/`egress` block (or the object in the
//!   attribute form); a standalone rule resource: its whole block;
//! - settings (`vpc_config`, `security_group_ids`, `remote_access`, ...): the
//!   block, or the attribute from its name through its value;
//! - generated items (the EKS cluster SG, the remote-access group, the EKS
//!   module's groups and rules): the resource, block or module argument that
//!   causes them.
//!
//! Choices worth knowing:
//! - `count`/`for_each` over known values give one item per instance,
//!   addressed `x[0]` / `x["key"]`, with `count.index` / `each` bound; zero
//!   instances drop the resource; unknown ones (or more than
//!   `eval::MAX_INSTANCES`) leave one `Presence::Conditional` item whose
//!   references are alike for every instance.
//! - Nested `dynamic` blocks (`ingress`, `egress`, `launch_template`,
//!   `remote_access`, `network_interfaces`, ...) are expanded when their
//!   `for_each` is known, with the iterator bound; otherwise they make the
//!   setting unknown (a group's rules incomplete).
//! - A standalone rule that cannot be placed (its `type` or its group is
//!   unresolved but may be one of the module's) marks the groups it may
//!   belong to as having incomplete rules; one on a group outside the module
//!   (an ID, a variable, a module output, a data source) is dropped.
//! - An empty string is never taken for a cluster or node group name
//!   (modules default names to `""`).
//! - An Auto Scaling group counts as EKS nodes only when a tag key starts
//!   with `kubernetes.io/cluster/`; when the rest of the key is unknown the
//!   node group keeps an unknown cluster link.
//! - A VPC endpoint's service whose only unknown parts come from data
//!   sources (typically the region) keeps its text with `*` in their place:
//!   `com.amazonaws.*.ecr.api`.
//! - The evaluator has a work budget; a module too large to resolve fully
//!   gets a note and unknown values, never a long run.

mod eks_module;
mod eval;
pub mod json;
pub mod load;
pub mod plan;
mod rules;
#[cfg(test)]
mod tests;

use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::model::{
    Cluster, ClusterId, ClusterLink, ClusterSgAttachment, Direction, Endpoint, GroupList,
    GroupOrigin, GroupRef, IpFamily, Known, Model, NodeGroup, NodeGroupKind, Note, Presence,
    RemoteAccess, SecurityGroup, SgId, VpcEndpoint,
};
use crate::source::{FileId, Span};
use crate::syntax::{hcl, Node, TemplatePart, Value};

use eval::{
    block_labels, for_each_items, is_block, Binding, Ev, Evaluator, Expansion, Module, Resource,
    Scope, Val, GROUP_TYPES,
};

/// Module calls are followed this deep.
pub const MAX_MODULE_DEPTH: usize = 8;
/// Module instances (scopes) one extraction may hold.
pub const MAX_SCOPES: usize = 512;

/// What the extractor may read besides the module's own files.
#[derive(Default)]
pub struct Context<'a> {
    /// The directory of the module being extracted (canonical), to resolve
    /// local module sources.
    pub dir: Option<PathBuf>,
    /// Every Terraform directory the run parsed, by canonical path.
    pub dirs: Option<&'a BTreeMap<PathBuf, Vec<(FileId, &'a Node)>>>,
    /// Downloaded modules (`.terraform/modules/modules.json`): module key
    /// (`eks`, `eks.node_group`) to its directory (canonical).
    pub downloaded: HashMap<String, PathBuf>,
    /// Values of the root module's variables (`terraform.tfvars`,
    /// `*.auto.tfvars`, `--var-file`), in the order Terraform applies them.
    pub var_files: Vec<&'a Node>,
    /// The module path of the root's addresses (`module.a.`), for a module
    /// read alone (a plan's child module).
    pub prefix: String,
}

/// The Terraform inputs of one run, by directory.
#[derive(Default)]
pub struct Dirs<'a> {
    /// Parsed `.tf` and `.tf.json` files by directory (as found).
    pub modules: BTreeMap<PathBuf, Vec<(FileId, &'a Node)>>,
    /// `terraform.tfvars` and `*.auto.tfvars` by directory, with their paths.
    pub var_files: BTreeMap<PathBuf, Vec<(PathBuf, &'a Node)>>,
    /// `--var-file` files, applied to every root module after the others.
    pub cli_var_files: Vec<&'a Node>,
    /// Directories read only because a module of the scan calls them.
    pub loaded: BTreeSet<PathBuf>,
}

/// Extracts every root module of the run (a directory no other directory of
/// the run calls, and not read only for a call), each with the modules it
/// calls. Each fragment is keyed by its first file.
pub fn extract_dirs(dirs: &Dirs<'_>) -> Vec<(FileId, Model)> {
    use rayon::prelude::*;
    let canonical: BTreeMap<PathBuf, Vec<(FileId, &Node)>> = dirs
        .modules
        .iter()
        .filter_map(|(d, files)| Some((normalize(d)?, files.clone())))
        .collect();
    let loaded: BTreeSet<PathBuf> = dirs.loaded.iter().filter_map(|d| normalize(d)).collect();
    // Calls between the run's directories.
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (dir, files) in &canonical {
        for (_, root) in files {
            for entry in root.as_map().unwrap_or(&[]) {
                if entry.key != "module" || !is_block(entry) {
                    continue;
                }
                let (_, body) = block_labels(&entry.value);
                let Some(source) = body.get("source").and_then(Node::as_str) else {
                    continue;
                };
                if source.starts_with("./") || source.starts_with("../") {
                    if let Some(target) = normalize(&dir.join(source)) {
                        if target != *dir && canonical.contains_key(&target) {
                            edges.entry(dir.clone()).or_default().insert(target);
                        }
                    }
                }
            }
        }
    }
    let called: BTreeSet<PathBuf> = edges.values().flatten().cloned().collect();
    // Roots: directories nothing calls; then, for calls in a cycle, the
    // first directory of the cycle that no root reaches.
    let mut roots_canonical: Vec<PathBuf> = canonical
        .keys()
        .filter(|d| !called.contains(*d) && !loaded.contains(*d))
        .cloned()
        .collect();
    let mut reached: BTreeSet<PathBuf> = BTreeSet::new();
    let reach = |start: &PathBuf, reached: &mut BTreeSet<PathBuf>| {
        let mut stack: Vec<PathBuf> = vec![start.clone()];
        while let Some(d) = stack.pop() {
            if !reached.insert(d.clone()) {
                continue;
            }
            stack.extend(edges.get(&d).into_iter().flatten().cloned());
        }
    };
    for r in &roots_canonical {
        reach(r, &mut reached);
    }
    for d in canonical.keys() {
        if !reached.contains(d) && !loaded.contains(d) {
            roots_canonical.push(d.clone());
            reach(d, &mut reached);
        }
    }
    // A set, not a list: a scan of thousands of roots looks each one up.
    let roots_canonical: BTreeSet<PathBuf> = roots_canonical.into_iter().collect();
    type Root<'r, 'n> = (&'r PathBuf, &'r PathBuf, &'r Vec<(FileId, &'n Node)>);
    let roots: Vec<Root<'_, '_>> = dirs
        .modules
        .iter()
        .filter_map(|(d, files)| {
            let c = normalize(d)?;
            let c = roots_canonical.get(&c)?;
            Some((d, c, files))
        })
        .collect();
    roots
        .par_iter()
        .filter_map(|(dir, canon, files)| {
            let var_files = dirs.var_files.get(*dir).cloned().unwrap_or_default();
            extract_root(
                canon,
                files,
                var_files,
                &dirs.cli_var_files,
                Some(&canonical),
            )
        })
        .collect()
}

/// Extracts the root module in `canon` (a canonical directory) with its
/// `.tfvars` files and the `--var-file` files; the fragment is keyed by
/// the first file. `dirs` holds the directories its module calls may read.
fn extract_root(
    canon: &Path,
    files: &[(FileId, &Node)],
    mut var_files: Vec<(PathBuf, &Node)>,
    cli_var_files: &[&Node],
    dirs: Option<&BTreeMap<PathBuf, Vec<(FileId, &Node)>>>,
) -> Option<(FileId, Model)> {
    // `terraform.tfvars` first, then `*.auto.tfvars` in name order.
    var_files.sort_by_key(|(p, _)| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        (name != "terraform.tfvars", name)
    });
    let mut values: Vec<&Node> = var_files.into_iter().map(|(_, n)| n).collect();
    values.extend(cli_var_files.iter().copied());
    let cx = Context {
        dir: Some(canon.to_path_buf()),
        dirs,
        downloaded: load::downloaded_modules(canon),
        var_files: values,
        prefix: String::new(),
    };
    Some((files.first()?.0, extract_with(files, &cx)))
}

/// The `source` of each `module` block of `files`: `None` when it is not
/// a literal.
fn call_sources<'f, 'n>(files: &'f [&'n Node]) -> impl Iterator<Item = Option<&'n str>> + 'f {
    files
        .iter()
        .flat_map(|root| root.as_map().unwrap_or(&[]))
        .filter(|entry| entry.key == "module" && is_block(entry))
        .map(|entry| {
            block_labels(&entry.value)
                .1
                .get("source")
                .and_then(Node::as_str)
        })
}

/// Whether a module `source` names a local directory.
pub(super) fn is_local(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// Whether the module whose files are `files`, in the canonical directory
/// `canon`, may read another directory: it calls a local module, or calls
/// any module where `terraform init` recorded downloads.
pub fn reads_other_dirs(files: &[&Node], canon: &Path) -> bool {
    let mut calls = call_sources(files).peekable();
    if calls.peek().is_none() {
        return false;
    }
    calls.flatten().any(is_local) || !load::downloaded_modules(canon).is_empty()
}

/// Every directory (canonical) that the modules of `dirs` (directory, its
/// files) may read for their calls: each local source, and every download
/// recorded for a directory with calls. A root module is one that no other
/// module calls, so a directory outside this set is a root.
pub fn dirs_called(dirs: &[(&Path, Vec<&Node>)]) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    for (dir, files) in dirs {
        let mut any = false;
        for source in call_sources(files) {
            any = true;
            if let Some(target) = source
                .filter(|s| is_local(s))
                .and_then(|s| normalize(&dir.join(s)))
            {
                out.insert(target);
            }
        }
        if let Some(canon) = any.then(|| normalize(dir)).flatten() {
            out.extend(load::downloaded_modules(&canon).into_values());
        }
    }
    out
}

/// Extracts, alone, the root module in `canon` (canonical) whose parsed files are `files`
/// (in file order) and whose `.tfvars` files are `var_files`, as
/// [`extract_dirs`] would. For a module that reads no other directory
/// ([`reads_other_dirs`]) and that no other module calls ([`dirs_called`]),
/// in a run without `--var-file`: it can be extracted as soon as its files
/// are parsed, and their trees freed.
pub fn extract_alone(
    canon: &Path,
    files: &[(FileId, &Node)],
    var_files: Vec<(PathBuf, &Node)>,
) -> Option<(FileId, Model)> {
    extract_root(canon, files, var_files, &[], None)
}

/// Extracts one Terraform module: all `.tf` files of a directory.
pub fn extract(files: &[(FileId, &Node)]) -> Model {
    extract_with(files, &Context::default())
}

/// One planned scope: a module instance to read.
struct Plan<'a> {
    files: Vec<&'a Node>,
    dir: Option<PathBuf>,
    prefix: String,
    parent: Option<usize>,
    call: Option<&'a Node>,
    call_name: String,
    instance: Option<(Option<String>, Binding)>,
    /// Directories of the ancestors (cycle guard).
    ancestors: Vec<PathBuf>,
    /// The module key in `modules.json` (`eks`, `a.b`).
    key: String,
    depth: usize,
    expanded: bool,
}

/// Extracts one Terraform module and the modules it calls that `cx` holds.
pub fn extract_with(files: &[(FileId, &Node)], cx: &Context<'_>) -> Model {
    let roots: Vec<&Node> = files.iter().map(|(_, node)| *node).collect();
    let mut plans: Vec<Plan<'_>> = vec![Plan {
        files: roots,
        dir: cx.dir.clone(),
        prefix: cx.prefix.clone(),
        parent: None,
        call: None,
        call_name: String::new(),
        instance: None,
        ancestors: cx.dir.iter().cloned().collect(),
        key: String::new(),
        depth: 0,
        expanded: false,
    }];
    let mut notes: Vec<Note> = Vec::new();
    // Each round reads one more level of module calls; a call's instances
    // need its caller's values, so the evaluator is rebuilt per level.
    for _ in 0..=MAX_MODULE_DEPTH {
        let modules = build_modules(&plans);
        let ev = Evaluator::new(build_scopes(&plans, &modules, cx));
        let mut new_plans = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            if plan.expanded || plan.depth >= MAX_MODULE_DEPTH {
                continue;
            }
            ev.enter(i, Vec::new());
            for call in &ev.scope_at(i).module.calls {
                if ev.scope_at(i).known_calls.contains_key(call.name) {
                    continue;
                }
                let Some(dir) = resolve_call(plan, call, cx) else {
                    continue;
                };
                let Some(files) = cx.dirs.and_then(|d| d.get(&dir)) else {
                    continue;
                };
                if plan.ancestors.contains(&dir) {
                    notes.push(Note {
                        span: call.header,
                        message: format!("module.{} calls itself: not followed", call.name),
                    });
                    continue;
                }
                let instances: Vec<(Option<String>, Option<Binding>)> =
                    match call_instances(&ev, call.body) {
                        Some(list) => list,
                        None => {
                            notes.push(Note {
                                span: call.header,
                                message: format!(
                                    "the instances of module.{} could not be resolved",
                                    call.name
                                ),
                            });
                            continue;
                        }
                    };
                for (key, binding) in instances {
                    let prefix = match &key {
                        None => format!("{}module.{}.", plan.prefix, call.name),
                        Some(k) if call.body.get("count").is_some() => {
                            format!("{}module.{}[{k}].", plan.prefix, call.name)
                        }
                        Some(k) => format!("{}module.{}[\"{k}\"].", plan.prefix, call.name),
                    };
                    let mut ancestors = plan.ancestors.clone();
                    ancestors.push(dir.clone());
                    new_plans.push(Plan {
                        files: files.iter().map(|(_, n)| *n).collect(),
                        dir: Some(dir.clone()),
                        prefix,
                        parent: Some(i),
                        call: Some(call.body),
                        call_name: call.name.to_string(),
                        instance: binding.map(|b| (key.clone(), b)),
                        ancestors,
                        key: if plan.key.is_empty() {
                            call.name.to_string()
                        } else {
                            format!("{}.{}", plan.key, call.name)
                        },
                        depth: plan.depth + 1,
                        expanded: false,
                    });
                }
            }
        }
        drop(ev);
        drop(modules);
        for plan in &mut plans {
            plan.expanded = true;
        }
        if new_plans.is_empty() {
            break;
        }
        let room = MAX_SCOPES.saturating_sub(plans.len());
        if new_plans.len() > room {
            if let Some(first) = new_plans.first() {
                if let Some(call) = first.call {
                    notes.push(Note {
                        span: call.span,
                        message: "too many module instances: some were not read".into(),
                    });
                }
            }
            new_plans.truncate(room);
        }
        plans.extend(new_plans);
    }
    let modules = build_modules(&plans);
    let mut x = Extractor {
        ev: Evaluator::new(build_scopes(&plans, &modules, cx)),
        model: Model::default(),
        groups: HashMap::new(),
        cluster_sgs: HashMap::new(),
        clusters: HashMap::new(),
        templates: HashMap::new(),
        configs: HashMap::new(),
        presences: HashMap::new(),
    };
    x.model.notes = notes;
    x.run();
    x.model
}

fn build_modules<'a>(plans: &[Plan<'a>]) -> Vec<Module<'a>> {
    plans
        .iter()
        .enumerate()
        .map(|(i, p)| Module::collect(&p.files, &p.prefix, i))
        .collect()
}

fn build_scopes<'m, 'a>(
    plans: &[Plan<'a>],
    modules: &'m [Module<'a>],
    cx: &Context<'a>,
) -> Vec<Scope<'m, 'a>> {
    let mut scopes: Vec<Scope<'m, 'a>> = modules.iter().map(Scope::root).collect();
    for (i, plan) in plans.iter().enumerate() {
        let Some(scope) = scopes.get_mut(i) else {
            continue;
        };
        scope.parent = plan.parent;
        scope.call = plan.call;
        scope.dir = plan.dir.clone();
        scope.instance = plan.instance.as_ref().map(|(_, b)| b.clone());
        if plan.parent.is_none() {
            for file in &cx.var_files {
                for entry in file.as_map().unwrap_or(&[]) {
                    if !is_block(entry) {
                        scope.values.insert(entry.key.to_string(), &entry.value);
                    }
                }
            }
        }
        // Calls of the EKS module (by source, or a local copy of it).
        if let Some(module) = modules.get(i) {
            for call in &module.calls {
                let version = call.body.get("version").and_then(Node::as_str);
                let flavor = call
                    .source
                    .as_deref()
                    .and_then(|s| eks_module::flavor_of_source(s, version))
                    .or_else(|| {
                        let dir = resolve_call(plan, call, cx)?;
                        let files = cx.dirs?.get(&dir)?;
                        let roots: Vec<&Node> = files.iter().map(|(_, n)| *n).collect();
                        let child = Module::collect(&roots, "", 0);
                        eks_module::flavor_of_variables(&|v| child.variables.contains_key(v))
                    });
                if let Some(flavor) = flavor {
                    scope.known_calls.insert(call.name.to_string(), flavor);
                }
            }
        }
    }
    for (i, plan) in plans.iter().enumerate() {
        let Some(parent) = plan.parent else {
            continue;
        };
        let key = plan.instance.as_ref().and_then(|(k, _)| k.clone());
        if let Some(scope) = scopes.get_mut(parent) {
            scope
                .children
                .entry(plan.call_name.clone())
                .or_default()
                .push((key, i));
        }
    }
    scopes
}

/// The directory a module call reads: a local path, or the download
/// `modules.json` records. `None` for anything else.
fn resolve_call(plan: &Plan<'_>, call: &eval::Call<'_>, cx: &Context<'_>) -> Option<PathBuf> {
    let source = call.source.as_deref()?;
    if source.starts_with("./") || source.starts_with("../") {
        let dir = plan.dir.as_ref()?;
        return normalize(&dir.join(source));
    }
    let key = if plan.key.is_empty() {
        call.name.to_string()
    } else {
        format!("{}.{}", plan.key, call.name)
    };
    cx.downloaded.get(&key).cloned()
}

/// A path without `.` and `..` components (lexically, then canonical when
/// it exists).
pub fn normalize(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// The instances of a module call: `(None, None)` for a plain call, keyed
/// instances for a known `count`/`for_each`; `None` when unknown.
fn call_instances(
    ev: &Evaluator<'_, '_>,
    body: &Node,
) -> Option<Vec<(Option<String>, Option<Binding>)>> {
    if let Some(count) = body.get("count") {
        let c = ev.eval(count);
        let n = c.as_i64().or_else(|| c.as_bool().map(i64::from))?;
        if n > 64 {
            return None;
        }
        return Some(
            (0..n.max(0))
                .map(|i| {
                    (
                        Some(i.to_string()),
                        Some(Binding {
                            name: "count".into(),
                            key: Ev::new(Val::Num(i.to_string()), count.span),
                            value: Ev::new(Val::Null, count.span),
                        }),
                    )
                })
                .collect(),
        );
    }
    if let Some(for_each) = body.get("for_each") {
        let items = for_each_items(&ev.eval(for_each))?;
        if items.len() > 64 {
            return None;
        }
        return Some(
            items
                .into_iter()
                .map(|(k, v)| {
                    (
                        Some(k.clone()),
                        Some(Binding {
                            name: "each".into(),
                            key: Ev::new(Val::Str(k), v.span),
                            value: v,
                        }),
                    )
                })
                .collect(),
        );
    }
    Some(vec![(None, None)])
}

struct Extractor<'m, 'a> {
    ev: Evaluator<'m, 'a>,
    model: Model,
    /// Security group resources by address.
    groups: HashMap<String, SgId>,
    /// The EKS cluster SG of each `aws_eks_cluster`, by the cluster's address.
    cluster_sgs: HashMap<String, SgId>,
    clusters: HashMap<String, ClusterId>,
    /// Groups set by each launch template, by address.
    templates: HashMap<String, GroupList>,
    /// Groups of each launch configuration, by address.
    configs: HashMap<String, GroupList>,
    /// Whether each resource instance exists always or under a condition.
    presences: HashMap<String, Presence>,
}

/// One instance of a resource, with its `each`/`count`.
struct Item<'m, 'a> {
    res: Resource<'a>,
    bindings: Vec<Binding>,
    _module: std::marker::PhantomData<&'m ()>,
}

impl<'m, 'a> Extractor<'m, 'a> {
    fn module(&self) -> &'m Module<'a> {
        self.ev.module()
    }

    /// Every resource instance of every scope: one per known instance, one
    /// (conditional) for a resource whose instances are unknown.
    fn items(&mut self) -> Vec<Item<'m, 'a>> {
        let mut out = Vec::new();
        let scopes: Vec<&'m Module<'a>> = self.ev.scopes.iter().map(|s| s.module).collect();
        for module in scopes {
            for res in &module.resources {
                let copy = |address: String| Resource {
                    ty: res.ty,
                    address,
                    scope: res.scope,
                    body: res.body,
                    header: res.header,
                };
                match self.ev.expansion(res).as_ref() {
                    Expansion::Zero => {}
                    Expansion::Single => {
                        self.presences.insert(res.address.clone(), Presence::Always);
                        out.push(Item {
                            res: copy(res.address.clone()),
                            _module: std::marker::PhantomData,
                            bindings: Vec::new(),
                        });
                    }
                    Expansion::Unknown => {
                        self.presences
                            .insert(res.address.clone(), Presence::Conditional);
                        out.push(Item {
                            res: copy(res.address.clone()),
                            _module: std::marker::PhantomData,
                            bindings: Vec::new(),
                        });
                    }
                    Expansion::Instances(list) => {
                        for inst in list {
                            self.presences
                                .insert(inst.address.clone(), Presence::Always);
                            out.push(Item {
                                res: copy(inst.address.clone()),
                                _module: std::marker::PhantomData,
                                bindings: vec![inst.binding.clone()],
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn enter(&self, item: &Item<'_, '_>) {
        self.ev.enter(item.res.scope, item.bindings.clone());
    }

    fn run(&mut self) {
        let items = self.items();
        let of_type =
            |ty: &str| -> Vec<&Item<'m, 'a>> { items.iter().filter(|r| r.res.ty == ty).collect() };

        // Groups first (empty), then clusters with their implicit groups, so
        // that every rule can name any of them.
        for item in items.iter().filter(|r| GROUP_TYPES.contains(&r.res.ty)) {
            let res = &item.res;
            let id = self.model.add_group(SecurityGroup::new(
                res.address.clone(),
                GroupOrigin::Defined,
                res.header,
            ));
            self.groups.insert(res.address.clone(), id);
        }
        let clusters = of_type("aws_eks_cluster");
        let base = self.model.next_cluster_id().0;
        let mut names = Vec::with_capacity(clusters.len());
        for (i, item) in clusters.iter().enumerate() {
            self.enter(item);
            let res = &item.res;
            // An empty name is never a cluster's: the caller sets it.
            let name = res
                .body
                .get("name")
                .and_then(|n| self.ev.eval(n).as_text().map(str::to_string))
                .filter(|n| !n.is_empty());
            if let Some(n) = &name {
                self.ev
                    .cluster_names
                    .borrow_mut()
                    .insert(res.address.clone(), n.clone());
            }
            let label = name.clone().unwrap_or_else(|| res.address.clone());
            let cid = ClusterId(base + u32::try_from(i).unwrap_or(u32::MAX));
            let sg = self.model.add_eks_cluster_sg(cid, &label, res.header);
            self.cluster_sgs.insert(res.address.clone(), sg);
            names.push(name);
        }
        for (item, name) in clusters.iter().zip(names) {
            self.enter(item);
            self.cluster(&item.res, name);
        }
        for scope in 0..self.ev.scopes.len() {
            self.eks_modules(scope);
        }

        for item in items.iter().filter(|r| GROUP_TYPES.contains(&r.res.ty)) {
            self.enter(item);
            self.group_body(&item.res);
        }
        for item in &items {
            self.enter(item);
            match item.res.ty {
                "aws_security_group_rule" => self.legacy_rule(&item.res),
                "aws_vpc_security_group_ingress_rule" => {
                    self.vpc_rule(&item.res, Direction::Ingress)
                }
                "aws_vpc_security_group_egress_rule" => self.vpc_rule(&item.res, Direction::Egress),
                _ => {}
            }
        }

        for item in of_type("aws_launch_template") {
            self.enter(item);
            let groups = self.launch_template_groups(&item.res);
            self.templates.insert(item.res.address.clone(), groups);
        }
        for item in of_type("aws_launch_configuration") {
            self.enter(item);
            let res = &item.res;
            let groups = match res.body.get("security_groups") {
                Some(node) => self.group_list(&self.ev.eval(node)).0,
                None => GroupList::Absent,
            };
            self.configs.insert(res.address.clone(), groups);
        }
        for item in of_type("aws_eks_node_group") {
            self.enter(item);
            self.node_group(&item.res);
        }
        for item in of_type("aws_autoscaling_group") {
            self.enter(item);
            self.autoscaling_group(&item.res);
        }
        for item in of_type("aws_vpc_endpoint") {
            self.enter(item);
            self.endpoint(&item.res);
        }
        if self.ev.exhausted() {
            if let Some(first) = items.first() {
                self.note(
                    first.res.header,
                    "this module is too large to resolve fully: some values were left unknown",
                );
            }
        }
    }

    /// Whether a resource instance exists: `None` when it has no instance,
    /// `Conditional` when its instances are unknown.
    fn presence(&self, res: &Resource<'_>) -> Option<Presence> {
        self.presences.get(&res.address).copied()
    }

    fn note(&mut self, span: Span, message: impl Into<String>) {
        self.model.notes.push(Note {
            span,
            message: message.into(),
        });
    }

    // ---- groups as values -------------------------------------------------

    /// One group, from a scalar value: a group of the module, an implicit
    /// cluster group, or a group defined elsewhere (an ID, a data source, a
    /// variable without default). `None` for values that are not one group.
    fn group_ref(&self, ev: &Ev) -> Option<GroupRef> {
        match &ev.v {
            Val::Group(address) => Some(match self.groups.get(address) {
                Some(id) => GroupRef::Group(*id),
                None => GroupRef::External(address.clone()),
            }),
            Val::ClusterSg(address) => Some(match self.cluster_sgs.get(address) {
                Some(id) => GroupRef::Group(*id),
                None => GroupRef::External(ev.describe()),
            }),
            Val::Str(s) => Some(GroupRef::External(s.clone())),
            Val::Unknown(d) | Val::External(d) => Some(GroupRef::External(d.clone())),
            _ => None,
        }
    }

    /// A list of groups with the spans of its members (aligned when the
    /// result is a plain `Groups`).
    fn group_list(&self, ev: &Ev) -> (GroupList, Vec<Span>) {
        match &ev.v {
            Val::Null => (GroupList::Absent, Vec::new()),
            Val::OneOf(alts) => {
                let mut out: Vec<GroupList> = Vec::new();
                for alt in alts {
                    let (list, _) = self.group_list(alt);
                    if !out.contains(&list) {
                        out.push(list);
                    }
                }
                match out.len() {
                    1 => (out.pop().unwrap_or(GroupList::Unknown), Vec::new()),
                    _ => (GroupList::OneOf(out), Vec::new()),
                }
            }
            Val::List(_) => {
                let alts = rules::list_alternatives(ev);
                let mut lists: Vec<GroupList> = Vec::new();
                let mut spans = Vec::new();
                for alt in &alts {
                    let list = match alt {
                        Some(items) => {
                            let refs: Option<Vec<GroupRef>> =
                                items.iter().map(|i| self.group_ref(i)).collect();
                            if alts.len() == 1 {
                                spans = items.iter().map(|i| i.span).collect();
                            }
                            refs.map_or(GroupList::Unknown, GroupList::Groups)
                        }
                        None => GroupList::Unknown,
                    };
                    if !lists.contains(&list) {
                        lists.push(list);
                    }
                }
                match lists.len() {
                    1 => {
                        let list = lists.pop().unwrap_or(GroupList::Unknown);
                        if !matches!(list, GroupList::Groups(_)) {
                            spans.clear();
                        }
                        (list, spans)
                    }
                    _ => (GroupList::OneOf(lists), Vec::new()),
                }
            }
            _ => (GroupList::Unknown, Vec::new()),
        }
    }

    // ---- clusters ---------------------------------------------------------

    fn cluster(&mut self, res: &Resource<'_>, name: Option<String>) {
        let body = res.body;
        let vpc = body.entry("vpc_config").filter(|e| is_block(e));
        let vpc_body = vpc.map(|e| block_labels(&e.value).1);
        let sg_entry = vpc_body.and_then(|v| v.entry("security_group_ids"));
        let (creation_groups, creation_group_spans) = match sg_entry {
            Some(entry) => self.group_list(&self.ev.eval(&entry.value)),
            None => (GroupList::Absent, Vec::new()),
        };
        if let (Some(entry), GroupList::Unknown) = (sg_entry, &creation_groups) {
            self.note(
                entry.span(),
                format!(
                    "the security groups of {} could not be resolved",
                    res.address
                ),
            );
        }

        let bool_setting = |key: &str, default: bool| -> (Known<bool>, Option<Span>) {
            match vpc_body.and_then(|v| v.entry(key)) {
                Some(e) => {
                    let ev = self.ev.eval(&e.value);
                    let known = match (ev.as_bool(), &ev.v) {
                        (Some(b), _) => Known::Value(b),
                        (None, Val::Null) => Known::Value(default),
                        (None, Val::OneOf(alts)) => Known::OneOf(
                            alts.iter()
                                .map(|a| a.as_bool().map_or(Known::Unknown, Known::Value))
                                .collect(),
                        ),
                        _ => Known::Unknown,
                    };
                    (known, Some(e.span()))
                }
                None => (Known::Value(default), None),
            }
        };
        let (public_access, public_span) = bool_setting("endpoint_public_access", true);
        let (private_access, private_span) = bool_setting("endpoint_private_access", false);
        let cidrs_entry = vpc_body.and_then(|v| v.entry("public_access_cidrs"));
        let texts = |ev: &Ev| -> Known<Vec<String>> {
            match &ev.v {
                Val::List(items) => items
                    .iter()
                    .map(|i| i.as_text().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .map_or(Known::Unknown, Known::Value),
                _ => Known::Unknown,
            }
        };
        let public_access_cidrs = cidrs_entry.and_then(|e| {
            let ev = self.ev.eval(&e.value);
            match &ev.v {
                Val::Null => None,
                Val::OneOf(alts) => Some(Known::OneOf(alts.iter().map(texts).collect())),
                _ => Some(texts(&ev)),
            }
        });

        let ip_family = match body
            .get("kubernetes_network_config")
            .and_then(|k| block_labels(k).1.get("ip_family"))
        {
            None => IpFamily::Ipv4,
            Some(node) => match self.ev.eval(node).as_text() {
                Some(t) if t.eq_ignore_ascii_case("ipv6") => IpFamily::Ipv6,
                Some(t) if t.eq_ignore_ascii_case("ipv4") => IpFamily::Ipv4,
                _ if node.is_null() => IpFamily::Ipv4,
                _ => IpFamily::Unknown,
            },
        };

        let cluster_sg = match self.cluster_sgs.get(&res.address) {
            Some(sg) => *sg,
            None => return,
        };
        let cluster = Cluster {
            address: res.address.clone(),
            name: name.map_or(Known::Unknown, Known::Value),
            span: res.header,
            creation_groups,
            explicit_group_expected: true,
            vpc_config_span: vpc.map(|e| e.value.span),
            creation_groups_span: sg_entry.map(|e| e.span()),
            creation_group_spans,
            cluster_sg,
            ip_family,
            endpoint: Endpoint {
                public_access,
                private_access,
                public_access_cidrs,
                span: public_span.or(private_span),
                cidrs_span: cidrs_entry.map(|e| e.span()),
            },
            creates_private_endpoints: false,
        };
        let id = self.model.add_cluster(cluster);
        self.clusters.insert(res.address.clone(), id);
    }

    // ---- launch templates and node groups ---------------------------------

    fn launch_template_groups(&self, res: &Resource<'_>) -> GroupList {
        let body = res.body;
        let mut groups = GroupList::Absent;
        for key in ["vpc_security_group_ids", "security_group_names"] {
            if let Some(node) = body.get(key) {
                groups = merge_lists(groups, self.group_list(&self.ev.eval(node)).0);
            }
        }
        for inst in self.instances(body, "network_interfaces") {
            let list = match inst {
                Instance::Known { fields, .. } => match fields.field("security_groups") {
                    Some(ev) => self.group_list(ev).0,
                    None => GroupList::Absent,
                },
                Instance::Unknown(_) => GroupList::Unknown,
            };
            groups = merge_lists(groups, list);
        }
        // The provider sends no groups for an empty list: the template sets
        // none, and EKS then adds the cluster SG to the nodes.
        empty_as_absent(groups)
    }

    /// The groups of a launch template named by an `id`/`name` pair of
    /// settings; `None` when the template cannot be resolved.
    fn template_by(&self, spec: &Ev, id_key: &str, name_key: &str) -> Option<GroupList> {
        let find = |ev: &Ev| -> Option<GroupList> {
            match &ev.v {
                Val::LaunchTemplate(address) => self.templates.get(address).cloned(),
                Val::Str(name) => self.template_named(name),
                _ => None,
            }
        };
        match spec.field(id_key).filter(|e| !e.is_null()) {
            Some(id) => find(id),
            None => find(spec.field(name_key).filter(|e| !e.is_null())?),
        }
    }

    /// Every instance of the nested block `name` in `body`: written blocks,
    /// and `dynamic` blocks expanded over a known `for_each` (their iterator
    /// bound while the content is evaluated).
    fn instances(&self, body: &Node, name: &str) -> Vec<Instance> {
        const MAX_INSTANCES: usize = 64;
        let mut out = Vec::new();
        for entry in body.as_map().unwrap_or(&[]) {
            if !is_block(entry) {
                continue;
            }
            if entry.key == name {
                out.push(Instance::Known {
                    fields: self.ev.eval(block_labels(&entry.value).1),
                    span: entry.value.span,
                });
                continue;
            }
            if entry.key != "dynamic" {
                continue;
            }
            let (labels, dynamic) = block_labels(&entry.value);
            if labels.first().is_none_or(|l| l.key != name) {
                continue;
            }
            let span = entry.value.span;
            let iterator = match dynamic.get("iterator").map(|n| &n.value) {
                Some(Value::Reference(parts)) => match parts.as_slice() {
                    [crate::syntax::RefPart::Attr(n)] => n.clone(),
                    _ => name.to_string(),
                },
                _ => name.to_string(),
            };
            let (Some(content), Some(for_each)) = (
                dynamic.entry("content").filter(|e| is_block(e)),
                dynamic.get("for_each"),
            ) else {
                out.push(Instance::Unknown(span));
                continue;
            };
            let items: Vec<(Ev, Ev)> = match self.ev.eval(for_each).v {
                Val::List(items) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Ev::new(Val::Num(i.to_string()), v.span), v))
                    .collect(),
                Val::Map(items) => items
                    .into_iter()
                    .map(|m| (Ev::new(Val::Str(m.key), m.key_span), m.val))
                    .collect(),
                Val::Null => Vec::new(),
                _ => {
                    out.push(Instance::Unknown(span));
                    continue;
                }
            };
            if items.len() > MAX_INSTANCES {
                out.push(Instance::Unknown(span));
                continue;
            }
            for (key, value) in items {
                let binding = Binding {
                    name: iterator.clone(),
                    key,
                    value,
                };
                let fields = self
                    .ev
                    .with_binding(binding, || self.ev.eval(block_labels(&content.value).1));
                out.push(Instance::Known { fields, span });
            }
        }
        out
    }

    /// A template of the module by its `name`.
    fn template_named(&self, name: &str) -> Option<GroupList> {
        self.module()
            .resources
            .iter()
            .filter(|r| r.ty == "aws_launch_template")
            .find(|r| {
                r.body
                    .get("name")
                    .is_some_and(|n| self.ev.eval(n).as_text() == Some(name))
            })
            .and_then(|r| self.templates.get(&r.address).cloned())
    }

    fn node_group(&mut self, res: &Resource<'_>) {
        let body = res.body;
        let cluster = match body.get("cluster_name") {
            Some(node) => self.cluster_link(&self.ev.eval(node)),
            None => ClusterLink::Unknown,
        };
        if cluster == ClusterLink::Unknown {
            if let Some(e) = body.entry("cluster_name") {
                self.note(
                    e.span(),
                    format!("the cluster of {} could not be resolved", res.address),
                );
            }
        }
        let (launch_template_groups, launch_template_unknown) =
            match self.instances(body, "launch_template").into_iter().next() {
                Some(Instance::Known { fields, span }) => {
                    match self.template_by(&fields, "id", "name") {
                        Some(groups) => (groups, false),
                        None => {
                            self.note(
                                span,
                                format!(
                                    "the launch template of {} could not be resolved",
                                    res.address
                                ),
                            );
                            (GroupList::Unknown, true)
                        }
                    }
                }
                Some(Instance::Unknown(span)) => {
                    self.note(
                        span,
                        format!("whether {} has a launch template is unknown", res.address),
                    );
                    (GroupList::Unknown, true)
                }
                None => (GroupList::Absent, false),
            };
        let name = body
            .get("node_group_name")
            .and_then(|n| self.ev.eval(n).as_text().map(str::to_string))
            .filter(|n| !n.is_empty())
            .map_or(Known::Unknown, Known::Value);
        let remote_access = match self.instances(body, "remote_access").into_iter().next() {
            Some(Instance::Known { fields, span }) => Some(self.remote_access(res, &fields, span)),
            Some(Instance::Unknown(span)) => Some(RemoteAccess {
                span,
                key_set: Known::Unknown,
                source_groups: GroupList::Unknown,
                group: None,
            }),
            None => None,
        };
        self.model.add_node_group(NodeGroup {
            address: res.address.clone(),
            name,
            span: res.header,
            kind: NodeGroupKind::Managed,
            cluster,
            launch_template_groups,
            launch_template_unknown,
            cluster_sg: ClusterSgAttachment::UnlessLaunchTemplateSetsGroups,
            additional_groups: Vec::new(),
            remote_access,
        });
    }

    fn cluster_link(&self, ev: &Ev) -> ClusterLink {
        match &ev.v {
            Val::Cluster(address) => match self.clusters.get(address) {
                Some(id) => ClusterLink::Cluster(*id),
                None => ClusterLink::Unknown,
            },
            Val::Str(name) => self.cluster_by_name(name),
            _ => ClusterLink::Unknown,
        }
    }

    /// The cluster a name designates: the module's one cluster of that name,
    /// or the name for linking across the scan.
    fn cluster_by_name(&self, name: &str) -> ClusterLink {
        // An empty name is a module's unset input, never a cluster's.
        if name.is_empty() {
            return ClusterLink::Unknown;
        }
        let wanted = Known::Value(name.to_string());
        let mut matches = (0u32..)
            .zip(&self.model.clusters)
            .filter(|(_, c)| c.name == wanted);
        match (matches.next(), matches.next()) {
            (Some((i, _)), None) => ClusterLink::Cluster(ClusterId(i)),
            _ => ClusterLink::Name(name.to_string()),
        }
    }

    fn autoscaling_group(&mut self, res: &Resource<'_>) {
        let body = res.body;
        let Some(cluster) = self.asg_cluster_link(body) else {
            return;
        };
        let template = self.instances(body, "launch_template").into_iter().next();
        let mixed = self
            .instances(body, "mixed_instances_policy")
            .into_iter()
            .next();
        let spec = if let Some(inst) = template {
            Some(match inst {
                Instance::Known { fields, span } => (self.template_by(&fields, "id", "name"), span),
                Instance::Unknown(span) => (None, span),
            })
        } else if let Some(inst) = mixed {
            Some(match inst {
                Instance::Known { fields, span } => {
                    let spec = fields
                        .field("launch_template")
                        .and_then(|lt| lt.field("launch_template_specification"));
                    let groups = spec.and_then(|spec| {
                        self.template_by(spec, "launch_template_id", "launch_template_name")
                    });
                    (groups, span)
                }
                Instance::Unknown(span) => (None, span),
            })
        } else if let Some(entry) = body.entry("launch_configuration") {
            let ev = self.ev.eval(&entry.value);
            let groups = match &ev.v {
                Val::LaunchConfig(address) => self.configs.get(address).cloned(),
                Val::Str(name) => self.config_named(name),
                _ => None,
            };
            Some((groups, entry.span()))
        } else {
            None
        };
        let (launch_template_groups, launch_template_unknown) = match spec {
            Some((Some(groups), _)) => (groups, false),
            Some((None, span)) => {
                self.note(
                    span,
                    format!(
                        "the launch template or configuration of {} could not be resolved",
                        res.address
                    ),
                );
                (GroupList::Unknown, true)
            }
            None => (GroupList::Absent, false),
        };
        let name = body
            .get("name")
            .and_then(|n| self.ev.eval(n).as_text().map(str::to_string))
            .filter(|n| !n.is_empty())
            .map_or(Known::Unknown, Known::Value);
        self.model.add_node_group(NodeGroup {
            address: res.address.clone(),
            name,
            span: res.header,
            kind: NodeGroupKind::SelfManaged,
            cluster,
            launch_template_groups,
            launch_template_unknown,
            cluster_sg: ClusterSgAttachment::Never,
            additional_groups: Vec::new(),
            remote_access: None,
        });
    }

    fn config_named(&self, name: &str) -> Option<GroupList> {
        self.module()
            .resources
            .iter()
            .filter(|r| r.ty == "aws_launch_configuration")
            .find(|r| {
                r.body
                    .get("name")
                    .is_some_and(|n| self.ev.eval(n).as_text() == Some(name))
            })
            .and_then(|r| self.configs.get(&r.address).cloned())
    }

    /// The cluster an Auto Scaling group's `kubernetes.io/cluster/<name>` tag
    /// names; `None` when it has no such tag (not EKS nodes).
    fn asg_cluster_link(&self, body: &Node) -> Option<ClusterLink> {
        let mut keys: Vec<Node> = Vec::new();
        for entry in body.as_map().unwrap_or(&[]) {
            match entry.key.as_str() {
                "tag" if is_block(entry) => keys.extend(entry.value.get("key").cloned()),
                "tags" => collect_tag_keys(&entry.value, &mut keys, 0),
                "dynamic" if is_block(entry) => {
                    let (labels, content) = block_labels(&entry.value);
                    if labels.first().is_some_and(|l| l.key == "tag") {
                        if let Some(for_each) = content.get("for_each") {
                            collect_map_keys(for_each, &mut keys, 0);
                        }
                    }
                }
                _ => {}
            }
        }
        let mut found: Option<ClusterLink> = None;
        for key in &keys {
            match self.cluster_tag(key) {
                Some(ClusterLink::Unknown) => {
                    found.get_or_insert(ClusterLink::Unknown);
                }
                Some(link) => return Some(link),
                None => {}
            }
        }
        found
    }

    /// The cluster named by a tag key `kubernetes.io/cluster/<name>`.
    fn cluster_tag(&self, key: &Node) -> Option<ClusterLink> {
        const PREFIX: &str = "kubernetes.io/cluster/";
        if let Some(text) = self.ev.eval(key).as_text() {
            let name = text.strip_prefix(PREFIX)?;
            return Some(self.cluster_by_name(name));
        }
        // A template: the literal prefix proves the link, the rest names it.
        let Value::Template(parts) = &key.value else {
            return None;
        };
        let mut literal = String::new();
        let mut rest = parts.iter();
        for part in rest.by_ref() {
            match part {
                TemplatePart::Literal(s) => literal.push_str(s),
                TemplatePart::Interpolation(n) => {
                    if literal != PREFIX {
                        return None;
                    }
                    if rest.next().is_some() {
                        return Some(ClusterLink::Unknown);
                    }
                    let ev = self.ev.eval(n);
                    return Some(match &ev.v {
                        Val::Cluster(_) => self.cluster_link(&ev),
                        _ => match ev.as_text() {
                            Some(name) => self.cluster_by_name(name),
                            None => ClusterLink::Unknown,
                        },
                    });
                }
            }
        }
        None
    }

    fn endpoint(&mut self, res: &Resource<'_>) {
        let service = res
            .body
            .get("service_name")
            .and_then(|n| self.ev.text_with_placeholders(n))
            .map_or(Known::Unknown, Known::Value);
        self.model.endpoints.push(VpcEndpoint {
            address: res.address.clone(),
            service,
            span: res.header,
        });
    }
}

/// One instance of a nested block.
enum Instance {
    /// The block's settings, evaluated, and the block's span.
    Known { fields: Ev, span: Span },
    /// A `dynamic` block whose instances are unknown.
    Unknown(Span),
}

/// `Groups([])` as `Absent`, in every alternative.
fn empty_as_absent(list: GroupList) -> GroupList {
    match list {
        GroupList::Groups(g) if g.is_empty() => GroupList::Absent,
        GroupList::OneOf(alts) => GroupList::OneOf(alts.into_iter().map(empty_as_absent).collect()),
        other => other,
    }
}

/// Both lists on the same resources (a launch template's two places).
fn merge_lists(a: GroupList, b: GroupList) -> GroupList {
    match (a, b) {
        (GroupList::Absent, x) | (x, GroupList::Absent) => x,
        (GroupList::Unknown, _) | (_, GroupList::Unknown) => GroupList::Unknown,
        (GroupList::Groups(mut a), GroupList::Groups(b)) => {
            for g in b {
                if !a.contains(&g) {
                    a.push(g);
                }
            }
            GroupList::Groups(a)
        }
        (GroupList::OneOf(alts), x) => GroupList::OneOf(
            alts.into_iter()
                .map(|a| merge_lists(a, x.clone()))
                .collect(),
        ),
        (x, GroupList::OneOf(alts)) => GroupList::OneOf(
            alts.into_iter()
                .map(|a| merge_lists(x.clone(), a))
                .collect(),
        ),
    }
}

/// The `key` of every tag object in an Auto Scaling group's `tags` list
/// (objects found in literal lists and in the arguments of calls such as
/// `concat`).
fn collect_tag_keys(node: &Node, out: &mut Vec<Node>, depth: usize) {
    if depth > 16 {
        return;
    }
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                collect_tag_keys(item, out, depth + 1);
            }
        }
        Value::Call(call) => {
            for item in &call.1 {
                collect_tag_keys(item, out, depth + 1);
            }
        }
        Value::Map(_) => match node.get("key") {
            Some(key) => out.push(key.clone()),
            // The map form of `tags` on newer providers' sibling resources.
            None => collect_map_keys(node, out, depth + 1),
        },
        _ => {}
    }
}

/// The keys of literal maps (and of maps given to `merge`), as nodes: plain
/// keys as strings, template keys parsed again.
fn collect_map_keys(node: &Node, out: &mut Vec<Node>, depth: usize) {
    if depth > 16 {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            for entry in entries {
                out.push(hcl::key_expression(entry).unwrap_or_else(|| {
                    Node::new(entry.key_span, Value::String(entry.key.clone()))
                }));
            }
        }
        Value::Call(call) if call.0 == "merge" => {
            for arg in &call.1 {
                collect_map_keys(arg, out, depth + 1);
            }
        }
        _ => {}
    }
}
