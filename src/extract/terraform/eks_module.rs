//! The `terraform-aws-modules/eks/aws` module, modelled from its known
//! behaviour rather than read from its source (see `shared/docs/domain.md`,
//! "terraform-aws-modules/eks").
//!
//! A call of the module (any version constraint, or a local copy of it that
//! declares the module's characteristic variables) becomes:
//! - a cluster named by `name` (v21) or `cluster_name` (v19/v20), with the
//!   implicit EKS cluster security group;
//! - the module's cluster group (`create_security_group` /
//!   `create_cluster_security_group`, default true): ingress TCP 443 from the
//!   node group, no egress, plus `*_additional_rules`;
//! - the module's node group (`create_node_security_group`, default true),
//!   tagged `kubernetes.io/cluster/<name>: owned`: TCP 443 and 10250 from the
//!   cluster group, TCP/UDP 53 from itself, and with
//!   `node_security_group_enable_recommended_rules` (default true) TCP
//!   1025-65535 from itself, TCP 4443/6443/8443/9443/10251 from the cluster
//!   group and egress all to `0.0.0.0/0` (and `::/0` for IPv6);
//! - one node group per `eks_managed_node_groups` / `self_managed_node_groups`
//!   entry: the module's launch template sets the node group, the entry's
//!   `vpc_security_group_ids` and, with
//!   `attach_cluster_primary_security_group`, the EKS cluster SG.
//!
//! The submodules `//modules/eks-managed-node-group` and
//! `//modules/self-managed-node-group`, called directly, become a node group.
//!
//! Both generations of input names are read (v21 first). Versions before 19
//! (a constraint whose only major is 18 or less) had other rules and endpoint
//! defaults: their groups' rules are marked incomplete.
//!
//! Spans: the cluster is the module block's header; a setting is its
//! argument; generated groups and rules point at the argument that causes
//! them (or the header); a node group is its key in the map.

use super::eval::{for_each_items, is_block, Binding, Ev, MapItem, Val};
use super::rules::RuleSpec;
use super::Extractor;
use crate::model::{
    Cluster, ClusterLink, ClusterSgAttachment, Direction, Endpoint, GroupList, GroupOrigin,
    GroupRef, IpFamily, Known, NodeGroup, NodeGroupKind, Peer, PortRange, Presence, Protocol,
    SecurityGroup, SgId, SgRule, Tag,
};
use crate::source::Span;
use crate::syntax::{Entry, Node};

const TOOL: &str = "terraform-aws-modules/eks";

/// What a module call is known to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// The root module: a cluster and its node groups.
    Cluster { legacy: bool },
    /// `//modules/eks-managed-node-group`.
    ManagedNodeGroup,
    /// `//modules/self-managed-node-group`.
    SelfManagedNodeGroup,
}

/// The flavor of a registry source (`terraform-aws-modules/eks/aws`, with or
/// without a host, a submodule path or a `?ref=`), given its `version`.
pub(crate) fn flavor_of_source(source: &str, version: Option<&str>) -> Option<Flavor> {
    let mut source = source.trim();
    for prefix in [
        "git::",
        "https://",
        "ssh://",
        "git@",
        "registry.terraform.io/",
    ] {
        source = source.strip_prefix(prefix).unwrap_or(source);
    }
    let source = source.replace("github.com:", "github.com/");
    let source = source.as_str();
    let (base, sub) = match source.split_once("//") {
        Some((b, s)) => (b, Some(s.split('?').next().unwrap_or(s).trim_matches('/'))),
        None => (source.split('?').next().unwrap_or(source), None),
    };
    let base = base.trim_end_matches('/');
    let is_eks = base == "terraform-aws-modules/eks/aws"
        || base.ends_with("github.com/terraform-aws-modules/terraform-aws-eks")
        || base.ends_with("github.com/terraform-aws-modules/terraform-aws-eks.git");
    if !is_eks {
        return None;
    }
    match sub {
        None | Some("") => Some(Flavor::Cluster {
            legacy: version.is_some_and(is_legacy_constraint),
        }),
        Some("modules/eks-managed-node-group") => Some(Flavor::ManagedNodeGroup),
        Some("modules/self-managed-node-group") => Some(Flavor::SelfManagedNodeGroup),
        Some(_) => None,
    }
}

/// A version constraint whose every major version is 18 or less.
fn is_legacy_constraint(constraint: &str) -> bool {
    let majors: Vec<u32> = constraint
        .split(',')
        .filter_map(|part| {
            let digits: String = part
                .trim()
                .trim_start_matches(|c: char| !c.is_ascii_digit())
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect();
    !majors.is_empty() && majors.iter().all(|m| *m <= 18)
}

/// Recognises a local copy of the module (or of a submodule) by the
/// variables it declares.
pub(crate) fn flavor_of_variables(has: &dyn Fn(&str) -> bool) -> Option<Flavor> {
    if has("node_security_group_enable_recommended_rules") && has("eks_managed_node_groups") {
        return Some(Flavor::Cluster { legacy: false });
    }
    if has("cluster_primary_security_group_id") && has("vpc_security_group_ids") {
        if has("use_custom_launch_template") && has("ami_type") && has("remote_access") {
            return Some(Flavor::ManagedNodeGroup);
        }
        if has("launch_template_id") && has("desired_size") && has("health_check_type") {
            return Some(Flavor::SelfManagedNodeGroup);
        }
    }
    None
}

/// The first argument present among `names`.
fn arg<'n>(body: &'n Node, names: &[&str]) -> Option<&'n Entry> {
    names
        .iter()
        .find_map(|n| body.entry(n).filter(|e| !is_block(e)))
}

/// An output of a module call of known behaviour, evaluated in the calling
/// scope.
pub(super) fn output(
    ev: &super::eval::Evaluator<'_, '_>,
    call: &str,
    key: Option<&str>,
    flavor: Flavor,
    out: &str,
    span: Span,
) -> Ev {
    let module = ev.module();
    let address = match key {
        Some(k) => format!("{}module.{call}[\"{k}\"]", module.prefix),
        None => format!("{}module.{call}", module.prefix),
    };
    let unknown = || Ev::new(Val::Unknown(format!("module.{call}.{out}")), span);
    let Some(body) = module.calls.iter().find(|c| c.name == call).map(|c| c.body) else {
        return unknown();
    };
    if !matches!(flavor, Flavor::Cluster { .. }) {
        return unknown();
    }
    let created_or_given = |create: &[&str], given: &[&str], group: &str| -> Ev {
        let create = match arg(body, create) {
            Some(e) => ev.eval(&e.value).as_bool(),
            None => Some(true),
        };
        match create {
            Some(true) => Ev::new(Val::Group(format!("{address}.{group}")), span),
            Some(false) => match arg(body, given) {
                Some(e) => {
                    let v = ev.eval(&e.value);
                    Ev::new(v.v, span)
                }
                None => Ev::new(Val::Null, span),
            },
            None => unknown(),
        }
    };
    let key = format!("{address}.output.{out}");
    ev.guarded(&key, || match out {
        "cluster_name" | "cluster_id" => Ev::new(Val::Cluster(address.clone()), span),
        "cluster_primary_security_group_id" => Ev::new(Val::ClusterSg(address.clone()), span),
        "cluster_security_group_id" => created_or_given(
            &["create_security_group", "create_cluster_security_group"],
            &["security_group_id", "cluster_security_group_id"],
            "cluster_security_group",
        ),
        "node_security_group_id" => created_or_given(
            &["create_node_security_group"],
            &["node_security_group_id"],
            "node_security_group",
        ),
        _ => unknown(),
    })
    .unwrap_or_else(unknown)
}

/// A boolean setting: its value, and the span of the argument when written.
struct Setting {
    value: Known<bool>,
    span: Option<Span>,
}

/// One rule the module writes itself.
struct Builtin {
    direction: Direction,
    protocol: Protocol,
    from: i64,
    to: i64,
    peer: Peer,
    description: &'static str,
}

impl Extractor<'_, '_> {
    fn setting(&self, body: &Node, names: &[&str], default: bool) -> Setting {
        match arg(body, names) {
            Some(e) => {
                let ev = self.ev.eval(&e.value);
                let value = match (ev.as_bool(), &ev.v) {
                    (Some(b), _) => Known::Value(b),
                    (None, Val::Null) => Known::Value(default),
                    (None, Val::OneOf(alts)) => Known::OneOf(
                        alts.iter()
                            .map(|a| a.as_bool().map_or(Known::Unknown, Known::Value))
                            .collect(),
                    ),
                    _ => Known::Unknown,
                };
                Setting {
                    value,
                    span: Some(e.span()),
                }
            }
            None => Setting {
                value: Known::Value(default),
                span: None,
            },
        }
    }

    /// Every call of the EKS module (and its node group submodules) in the
    /// current scope.
    pub(super) fn eks_modules(&mut self, scope: usize) {
        let module = self.ev.scope_at(scope).module;
        let known = self.ev.scope_at(scope).known_calls.clone();
        for call in &module.calls {
            let Some(flavor) = known.get(call.name).copied() else {
                continue;
            };
            self.ev.enter(scope, Vec::new());
            // `count = 0` (or false) removes the call; `for_each` over
            // clusters is not modelled.
            if let Some(count) = call.body.get("count") {
                let ev = self.ev.eval(count);
                if ev.as_i64().or_else(|| ev.as_bool().map(i64::from)) == Some(0) {
                    continue;
                }
            }
            // `for_each`: one cluster (or node group) per known instance.
            let instances: Vec<(Option<String>, Vec<Binding>)> = match call.body.get("for_each") {
                None => vec![(None, Vec::new())],
                Some(for_each) => match for_each_items(&self.ev.eval(for_each)) {
                    Some(items) if items.len() <= 64 => items
                        .into_iter()
                        .map(|(k, v)| {
                            let binding = Binding {
                                name: "each".into(),
                                key: Ev::new(Val::Str(k.clone()), v.span),
                                value: v,
                            };
                            (Some(k), vec![binding])
                        })
                        .collect(),
                    _ => {
                        self.note(
                            call.header,
                            format!(
                                "the instances of module.{} could not be resolved",
                                call.name
                            ),
                        );
                        continue;
                    }
                },
            };
            for (key, bindings) in instances {
                self.ev.enter(scope, bindings);
                let create = self.setting(call.body, &["create"], true);
                if create.value == Known::Value(false) {
                    continue;
                }
                let address = match &key {
                    Some(k) => format!("{}module.{}[\"{k}\"]", module.prefix, call.name),
                    None => format!("{}module.{}", module.prefix, call.name),
                };
                match flavor {
                    Flavor::Cluster { legacy } => {
                        self.eks_cluster(call.body, call.header, &address, legacy)
                    }
                    Flavor::ManagedNodeGroup | Flavor::SelfManagedNodeGroup => {
                        self.eks_submodule(call.body, call.header, &address, flavor)
                    }
                }
            }
        }
    }

    fn eks_cluster(&mut self, body: &Node, header: Span, address: &str, legacy: bool) {
        let name = arg(body, &["name", "cluster_name"])
            .and_then(|e| self.ev.text_of(&self.ev.eval(&e.value), 0))
            .filter(|n| !n.is_empty());
        let label = name.clone().unwrap_or_else(|| address.to_string());
        if let Some(n) = &name {
            self.ev
                .cluster_names
                .borrow_mut()
                .insert(address.to_string(), n.clone());
        }
        let cid = self.model.next_cluster_id();
        let eks_sg = self.model.add_eks_cluster_sg(cid, &label, header);
        self.cluster_sgs.insert(address.to_string(), eks_sg);

        let ipv6 = match arg(body, &["ip_family", "cluster_ip_family"]) {
            None => Known::Value(false),
            Some(e) => {
                let ev = self.ev.eval(&e.value);
                match ev.as_text() {
                    Some(t) => Known::Value(t.eq_ignore_ascii_case("ipv6")),
                    None if ev.is_null() => Known::Value(false),
                    None => Known::Unknown,
                }
            }
        };
        let ip_family = match ipv6 {
            Known::Value(true) => IpFamily::Ipv6,
            Known::Value(false) => IpFamily::Ipv4,
            _ => IpFamily::Unknown,
        };

        // The module's groups.
        let create_cluster = self.setting(
            body,
            &["create_security_group", "create_cluster_security_group"],
            true,
        );
        let create_node = self.setting(body, &["create_node_security_group"], true);
        let recommended = self.setting(
            body,
            &["node_security_group_enable_recommended_rules"],
            true,
        );
        let cluster_group = self.module_group(
            &create_cluster,
            body,
            &["security_group_id", "cluster_security_group_id"],
            format!("{address}.cluster_security_group"),
            header,
        );
        let node_group = self.module_group(
            &create_node,
            body,
            &["node_security_group_id"],
            format!("{address}.node_security_group"),
            header,
        );
        let cluster_peer = cluster_group
            .peer
            .clone()
            .map_or(Peer::Unknown, Peer::Group);
        let node_peer = node_group.peer.clone().map_or(Peer::Unknown, Peer::Group);

        if let Some(id) = cluster_group.created {
            let presence = presence_of(&create_node.value);
            if presence.is_some() {
                let rules = vec![Builtin {
                    direction: Direction::Ingress,
                    protocol: Protocol::Tcp,
                    from: 443,
                    to: 443,
                    peer: node_peer.clone(),
                    description: "module: node groups to cluster API",
                }];
                self.builtin_rules(
                    id,
                    rules,
                    presence.unwrap_or_default(),
                    create_node.span.unwrap_or(header),
                );
            }
            self.additional_rules(
                id,
                body,
                &[
                    "security_group_additional_rules",
                    "cluster_security_group_additional_rules",
                ],
                &cluster_peer,
                &node_peer,
            );
            if legacy {
                self.model.group_mut(id).rules_incomplete = true;
            }
        }
        if let Some(id) = node_group.created {
            let mut tag_key = Known::Unknown;
            if let Some(n) = &name {
                tag_key = Known::Value(format!("kubernetes.io/cluster/{n}"));
            }
            self.model.group_mut(id).tags.push(Tag {
                key: tag_key,
                value: Known::Value("owned".into()),
                span: header,
            });
            let base = vec![
                builtin_in(
                    Protocol::Tcp,
                    443,
                    &cluster_peer,
                    "module: cluster API to node groups",
                ),
                builtin_in(
                    Protocol::Tcp,
                    10250,
                    &cluster_peer,
                    "module: cluster API to node kubelets",
                ),
                builtin_in(
                    Protocol::Tcp,
                    53,
                    &Peer::SelfRef,
                    "module: node to node CoreDNS",
                ),
                builtin_in(
                    Protocol::Udp,
                    53,
                    &Peer::SelfRef,
                    "module: node to node CoreDNS UDP",
                ),
            ];
            self.builtin_rules(
                id,
                base,
                Presence::Always,
                create_node.span.unwrap_or(header),
            );
            if let Some(presence) = presence_of(&recommended.value) {
                let mut rules = vec![Builtin {
                    direction: Direction::Ingress,
                    protocol: Protocol::Tcp,
                    from: 1025,
                    to: 65535,
                    peer: Peer::SelfRef,
                    description: "module: node to node ephemeral ports",
                }];
                for port in [4443, 6443, 8443, 9443, 10251] {
                    rules.push(builtin_in(
                        Protocol::Tcp,
                        port,
                        &cluster_peer,
                        "module: cluster API to node webhook",
                    ));
                }
                let mut egress = vec![Peer::cidr("0.0.0.0/0")];
                match ipv6 {
                    Known::Value(true) => egress.push(Peer::cidr("::/0")),
                    Known::Value(false) => {}
                    // Unknown family: the IPv6 rule may or may not exist.
                    _ => {}
                }
                for peer in egress {
                    rules.push(Builtin {
                        direction: Direction::Egress,
                        protocol: Protocol::All,
                        from: -1,
                        to: -1,
                        peer,
                        description: "module: all egress",
                    });
                }
                let span = recommended.span.unwrap_or(header);
                self.builtin_rules(id, rules, presence, span);
                if !matches!(ipv6, Known::Value(_)) {
                    self.model.group_mut(id).rules_incomplete = true;
                }
            }
            self.additional_rules(
                id,
                body,
                &["node_security_group_additional_rules"],
                &cluster_peer,
                &node_peer,
            );
            // v20's `enable_efa_support` adds self rules to the node group.
            let efa = self.setting(body, &["enable_efa_support"], false).value;
            if legacy || efa != Known::Value(false) {
                self.model.group_mut(id).rules_incomplete = true;
            }
        }

        // The groups given to the cluster at creation.
        let mut creation: Vec<GroupRef> = Vec::new();
        let mut creation_unknown = cluster_group.unknown;
        if let Some(g) = &cluster_group.peer {
            creation.push(g.clone());
        }
        let additional = arg(
            body,
            &[
                "additional_security_group_ids",
                "cluster_additional_security_group_ids",
            ],
        );
        if let Some(e) = additional {
            match self.group_list(&self.ev.eval(&e.value)).0 {
                GroupList::Groups(groups) => {
                    for g in groups {
                        if !creation.contains(&g) {
                            creation.push(g);
                        }
                    }
                }
                GroupList::Absent => {}
                _ => creation_unknown = true,
            }
        }
        let creation_groups = if creation_unknown {
            GroupList::Unknown
        } else if creation.is_empty() {
            GroupList::Absent
        } else {
            GroupList::Groups(creation)
        };

        // Endpoint: private on and public off unless told otherwise (v19+).
        let (public_default, private_default) = if legacy { (true, false) } else { (false, true) };
        let public = self.setting(
            body,
            &["endpoint_public_access", "cluster_endpoint_public_access"],
            public_default,
        );
        let private = self.setting(
            body,
            &["endpoint_private_access", "cluster_endpoint_private_access"],
            private_default,
        );
        let cidrs_entry = arg(
            body,
            &[
                "endpoint_public_access_cidrs",
                "cluster_endpoint_public_access_cidrs",
            ],
        );
        let public_access_cidrs = cidrs_entry.and_then(|e| {
            let ev = self.ev.eval(&e.value);
            match &ev.v {
                Val::Null => None,
                Val::List(items) => Some(
                    items
                        .iter()
                        .map(|i| i.as_text().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .map_or(Known::Unknown, Known::Value),
                ),
                _ => Some(Known::Unknown),
            }
        });

        let cluster = Cluster {
            address: address.to_string(),
            name: name.map_or(Known::Unknown, Known::Value),
            span: header,
            creation_groups,
            explicit_group_expected: create_cluster.value == Known::Value(false),
            vpc_config_span: create_cluster.span,
            creation_groups_span: create_cluster.span.or(additional.map(Entry::span)),
            creation_group_spans: Vec::new(),
            cluster_sg: eks_sg,
            ip_family,
            endpoint: Endpoint {
                public_access: public.value,
                private_access: private.value,
                public_access_cidrs,
                span: public.span.or(private.span),
                cidrs_span: cidrs_entry.map(Entry::span),
            },
            creates_private_endpoints: false,
        };
        let id = self.model.add_cluster(cluster);
        self.clusters.insert(address.to_string(), id);

        // Node groups.
        let node_sg = node_group.peer.clone();
        for (key, kind) in [
            ("eks_managed_node_groups", NodeGroupKind::Managed),
            ("self_managed_node_groups", NodeGroupKind::SelfManaged),
        ] {
            let Some(entry) = body.entry(key).filter(|e| !is_block(e)) else {
                continue;
            };
            let defaults_key = match kind {
                NodeGroupKind::Managed => "eks_managed_node_group_defaults",
                NodeGroupKind::SelfManaged => "self_managed_node_group_defaults",
            };
            let defaults = body
                .get(defaults_key)
                .map(|d| self.ev.eval(d))
                .unwrap_or_else(|| Ev::new(Val::Null, header));
            let groups = self.ev.eval(&entry.value);
            let items: Vec<MapItem> = match groups.v {
                Val::Map(items) => items,
                Val::Null => Vec::new(),
                _ => {
                    self.note(
                        entry.span(),
                        format!("the node groups of {address} could not be resolved"),
                    );
                    continue;
                }
            };
            for item in items {
                let ng_address = format!("{address}.{key}[\"{}\"]", item.key);
                self.module_node_group(NodeGroupSpec {
                    address: ng_address,
                    name: item.key.clone(),
                    span: item.key_span,
                    kind,
                    cluster: ClusterLink::Cluster(id),
                    fields: &item.val,
                    defaults: &defaults,
                    node_sg: node_sg.clone(),
                    node_sg_unknown: node_group.unknown,
                    eks_sg: Some(eks_sg),
                });
            }
        }
    }

    /// A node group submodule called directly.
    fn eks_submodule(&mut self, body: &Node, header: Span, address: &str, flavor: Flavor) {
        let kind = match flavor {
            Flavor::SelfManagedNodeGroup => NodeGroupKind::SelfManaged,
            _ => NodeGroupKind::Managed,
        };
        let cluster = match body.get("cluster_name") {
            Some(n) => self.cluster_link(&self.ev.eval(n)),
            None => ClusterLink::Unknown,
        };
        let fields = self.ev.eval_args(body);
        let null = Ev::new(Val::Null, header);
        let name = fields
            .field("name")
            .and_then(Ev::as_text)
            .unwrap_or("")
            .to_string();
        let primary = fields
            .field("cluster_primary_security_group_id")
            .filter(|e| !e.is_null())
            .cloned();
        let ng = self.module_node_group(NodeGroupSpec {
            address: address.to_string(),
            name,
            span: header,
            kind,
            cluster,
            fields: &fields,
            defaults: &null,
            node_sg: None,
            node_sg_unknown: false,
            eks_sg: None,
        });
        // The submodule takes the cluster SG as an ID.
        if let (Some(ng), Some(p)) = (ng, primary) {
            if let Some(r) = self.group_ref(&p) {
                if let Some(node_group) = self.model.node_groups.get_mut(ng) {
                    push_lt_group(&mut node_group.launch_template_groups, r);
                }
            }
        }
    }

    /// One node group of the module; returns its index.
    fn module_node_group(&mut self, spec: NodeGroupSpec<'_>) -> Option<usize> {
        let field = |k: &str| {
            spec.fields
                .field(k)
                .filter(|e| !e.is_null())
                .or_else(|| spec.defaults.field(k).filter(|e| !e.is_null()))
        };
        let flag = |k: &str, default: bool| -> Option<bool> {
            match field(k) {
                None => Some(default),
                Some(e) => e.as_bool(),
            }
        };
        if !matches!(spec.fields.v, Val::Map(_) | Val::Null) {
            self.note(
                spec.span,
                format!("the settings of {} could not be resolved", spec.address),
            );
        }
        if flag("create", true) == Some(false) {
            return None;
        }
        let mut unknown = !matches!(spec.fields.v, Val::Map(_) | Val::Null);
        let custom_template = match spec.kind {
            NodeGroupKind::Managed => flag("use_custom_launch_template", true),
            NodeGroupKind::SelfManaged => Some(true),
        };
        // A launch template made elsewhere: its groups are not known.
        if flag("create_launch_template", true) == Some(false)
            && field("launch_template_id").is_some()
        {
            unknown = true;
        }
        let mut groups: Vec<GroupRef> = Vec::new();
        let mut launch_template_groups = GroupList::Absent;
        let mut remote: Option<(Ev, Span)> = None;
        let mut cluster_sg = match spec.kind {
            NodeGroupKind::Managed => ClusterSgAttachment::UnlessLaunchTemplateSetsGroups,
            NodeGroupKind::SelfManaged => ClusterSgAttachment::Never,
        };
        match custom_template {
            Some(true) => {
                if spec.node_sg_unknown {
                    unknown = true;
                }
                if let Some(sg) = &spec.node_sg {
                    groups.push(sg.clone());
                }
                if let Some(ids) = field("vpc_security_group_ids") {
                    match self.group_list(ids).0 {
                        GroupList::Groups(list) => {
                            for g in list {
                                if !groups.contains(&g) {
                                    groups.push(g);
                                }
                            }
                        }
                        GroupList::Absent => {}
                        _ => unknown = true,
                    }
                }
                match flag("attach_cluster_primary_security_group", false) {
                    Some(true) => {
                        if let Some(sg) = spec.eks_sg {
                            groups.push(GroupRef::Group(sg));
                        }
                    }
                    Some(false) => {}
                    None => unknown = true,
                }
                // v21: a group of the node group's own when it has rules
                // (EFA support adds some); v20 puts EFA on the node group.
                if flag("enable_efa_support", false) != Some(false) {
                    unknown = true;
                }
                let ingress = field("security_group_ingress_rules").cloned();
                let egress = field("security_group_egress_rules").cloned();
                let empty = |r: &Option<Ev>| match r {
                    None => true,
                    Some(r) => matches!(&r.v, Val::Map(m) if m.is_empty()),
                };
                if !empty(&ingress) || !empty(&egress) {
                    match self.node_group_security_group(&spec.address, spec.span, ingress, egress)
                    {
                        Some(id) => groups.push(GroupRef::Group(id)),
                        None => unknown = true,
                    }
                }
                launch_template_groups = if groups.is_empty() {
                    GroupList::Absent
                } else {
                    GroupList::Groups(groups)
                };
                if spec.kind == NodeGroupKind::SelfManaged {
                    cluster_sg = ClusterSgAttachment::Never;
                }
            }
            // EKS's own launch template: the cluster SG only (and a
            // remote-access group, not modelled here).
            Some(false) => {
                if let Some(ra) = field("remote_access") {
                    remote = Some((ra.clone(), ra.span));
                }
            }
            None => unknown = true,
        }
        let name = field("name")
            .and_then(Ev::as_text)
            .map(str::to_string)
            .unwrap_or(spec.name);
        let name = if name.is_empty() {
            Known::Unknown
        } else {
            Known::Value(name)
        };
        // EKS's remote-access group, with its own launch template.
        let remote_access = match remote {
            Some((fields, span)) if matches!(fields.v, Val::Map(_)) => {
                let windows = field("ami_type")
                    .and_then(Ev::as_text)
                    .is_some_and(|t| t.to_ascii_uppercase().contains("WINDOWS"));
                Some(self.remote_access_of(&spec.address, windows, &fields, span))
            }
            Some(_) => {
                unknown = true;
                None
            }
            None => None,
        };
        let id = self.model.add_node_group(NodeGroup {
            address: spec.address,
            name,
            span: spec.span,
            kind: spec.kind,
            cluster: spec.cluster,
            launch_template_groups: if unknown {
                GroupList::Unknown
            } else {
                launch_template_groups
            },
            launch_template_unknown: unknown,
            cluster_sg,
            additional_groups: Vec::new(),
            remote_access,
        });
        Some(id.index())
    }

    /// v21: the group a node group gets of its own when given rules
    /// (`security_group_ingress_rules` / `_egress_rules`, maps of
    /// `aws_vpc_security_group_*_rule` settings, `ip_protocol` "tcp" by
    /// default). `None` when the rules are not known.
    fn node_group_security_group(
        &mut self,
        address: &str,
        span: Span,
        ingress: Option<Ev>,
        egress: Option<Ev>,
    ) -> Option<SgId> {
        let items = |r: &Option<Ev>| -> Option<Vec<MapItem>> {
            match r {
                None => Some(Vec::new()),
                Some(ev) => match &ev.v {
                    Val::Map(items) => Some(items.clone()),
                    Val::Null => Some(Vec::new()),
                    _ => None,
                },
            }
        };
        let (ingress, egress) = (items(&ingress)?, items(&egress)?);
        let name = format!("{address}.security_group");
        let id = self.model.add_group(SecurityGroup::new(
            name.clone(),
            GroupOrigin::Generated(TOOL),
            span,
        ));
        self.groups.insert(name, id);
        let mut rules = Vec::new();
        for (list, direction) in [(ingress, Direction::Ingress), (egress, Direction::Egress)] {
            for item in list {
                let mut fields = item.val.clone();
                if let Val::Map(m) = &mut fields.v {
                    if !m.iter().any(|i| i.key == "ip_protocol" && !i.val.is_null()) {
                        m.retain(|i| i.key != "ip_protocol");
                        m.push(MapItem {
                            key: "ip_protocol".into(),
                            key_span: item.key_span,
                            val: Ev::new(Val::Str("tcp".into()), item.key_span),
                        });
                    }
                }
                rules.extend(self.rules_of(
                    &RuleSpec {
                        fields: &fields,
                        direction,
                        span: item.key_span.join(item.val.span),
                        presence: Presence::Always,
                    },
                    id,
                ));
            }
        }
        let group = self.model.group_mut(id);
        for rule in rules {
            match rule.direction {
                Direction::Ingress => group.ingress.push(rule),
                Direction::Egress => group.egress.push(rule),
            }
        }
        Some(id)
    }

    /// A group the module creates (or the one it is given instead).
    fn module_group(
        &mut self,
        create: &Setting,
        body: &Node,
        given: &[&str],
        name: String,
        header: Span,
    ) -> ModuleGroup {
        match create.value {
            Known::Value(true) => {
                let mut sg = SecurityGroup::new(
                    name.clone(),
                    GroupOrigin::Generated(TOOL),
                    create.span.unwrap_or(header),
                );
                sg.egress_span = None;
                let id = self.model.add_group(sg);
                self.groups.insert(name, id);
                ModuleGroup {
                    created: Some(id),
                    peer: Some(GroupRef::Group(id)),
                    unknown: false,
                }
            }
            Known::Value(false) => {
                let peer = arg(body, given).and_then(|e| {
                    let ev = self.ev.eval(&e.value);
                    match &ev.v {
                        Val::Null => None,
                        Val::Str(s) if s.is_empty() => None,
                        _ => self.group_ref(&ev),
                    }
                });
                ModuleGroup {
                    created: None,
                    peer,
                    unknown: false,
                }
            }
            _ => ModuleGroup {
                created: None,
                peer: None,
                unknown: true,
            },
        }
    }

    fn builtin_rules(&mut self, id: SgId, rules: Vec<Builtin>, presence: Presence, span: Span) {
        let group = self.model.group_mut(id);
        for b in rules {
            let ports = if b.protocol == Protocol::All {
                PortRange::ALL
            } else {
                PortRange::new(Some(b.from), Some(b.to))
            };
            let peer = match &b.peer {
                Peer::Group(GroupRef::Group(g)) if *g == id => Peer::SelfRef,
                p => p.clone(),
            };
            let rule = SgRule {
                direction: b.direction,
                protocol: b.protocol,
                ports,
                peer,
                span,
                presence,
                description: Some(b.description.to_string()),
                implicit: true,
            };
            match b.direction {
                Direction::Ingress => group.ingress.push(rule),
                Direction::Egress => group.egress.push(rule),
            }
        }
    }

    /// `*_additional_rules`: a map of rule objects whose sources may be the
    /// module's groups.
    fn additional_rules(
        &mut self,
        id: SgId,
        body: &Node,
        names: &[&str],
        cluster_peer: &Peer,
        node_peer: &Peer,
    ) {
        let Some(entry) = arg(body, names) else {
            return;
        };
        let ev = self.ev.eval(&entry.value);
        let items = match &ev.v {
            Val::Map(items) => items.clone(),
            Val::Null => Vec::new(),
            _ => {
                self.model.group_mut(id).rules_incomplete = true;
                self.note(
                    entry.span(),
                    format!("the rules in {} could not be resolved", entry.key),
                );
                return;
            }
        };
        let mut out = Vec::new();
        for item in items {
            let fields = &item.val;
            let direction = match fields
                .field("type")
                .and_then(Ev::as_text)
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("ingress") => Direction::Ingress,
                Some("egress") => Direction::Egress,
                _ => {
                    self.model.group_mut(id).rules_incomplete = true;
                    continue;
                }
            };
            // The module's own sources, as group IDs.
            let mut fields = fields.clone();
            let mut source: Option<Peer> = None;
            for (key, peer) in [
                ("source_node_security_group", node_peer),
                ("source_cluster_security_group", cluster_peer),
            ] {
                match fields.field(key).map(Ev::as_bool) {
                    Some(Some(true)) => source = Some(peer.clone()),
                    Some(None) => {
                        self.model.group_mut(id).rules_incomplete = true;
                    }
                    _ => {}
                }
            }
            if let Val::Map(m) = &mut fields.v {
                m.retain(|i| {
                    i.key != "source_node_security_group"
                        && i.key != "source_cluster_security_group"
                        && !(source.is_some() && i.key == "source_security_group_id")
                });
            }
            let span = item.key_span.join(item.val.span);
            let mut rules = self.rules_of(
                &RuleSpec {
                    fields: &fields,
                    direction,
                    span,
                    presence: Presence::Always,
                },
                id,
            );
            if let Some(peer) = source {
                let template = rule_template(&fields, direction, span);
                let peer = match peer {
                    Peer::Group(GroupRef::Group(g)) if g == id => Peer::SelfRef,
                    p => p,
                };
                rules.push(SgRule { peer, ..template });
            }
            out.extend(rules);
        }
        let group = self.model.group_mut(id);
        for rule in out {
            match rule.direction {
                Direction::Ingress => group.ingress.push(rule),
                Direction::Egress => group.egress.push(rule),
            }
        }
    }
}

/// A rule's protocol, ports and description from its settings, without a
/// peer.
fn rule_template(fields: &Ev, direction: Direction, span: Span) -> SgRule {
    let f = |key: &str| fields.field(key).filter(|e| !e.is_null());
    let protocol = f("protocol")
        .and_then(Ev::as_text)
        .map_or(Protocol::Unknown, Protocol::parse);
    let from = f("from_port").and_then(Ev::as_i64);
    let to = f("to_port").and_then(Ev::as_i64);
    SgRule {
        direction,
        protocol,
        ports: PortRange::for_rule(protocol, from, to),
        peer: Peer::Unknown,
        span,
        presence: Presence::Always,
        description: f("description").and_then(Ev::as_text).map(str::to_string),
        implicit: false,
    }
}

fn builtin_in(protocol: Protocol, port: i64, peer: &Peer, description: &'static str) -> Builtin {
    Builtin {
        direction: Direction::Ingress,
        protocol,
        from: port,
        to: port,
        peer: peer.clone(),
        description,
    }
}

/// The presence of rules switched by a setting: `None` when off.
fn presence_of(value: &Known<bool>) -> Option<Presence> {
    match value {
        Known::Value(true) => Some(Presence::Always),
        Known::Value(false) => None,
        Known::OneOf(alts) if alts.iter().all(|a| *a == Known::Value(false)) => None,
        _ => Some(Presence::Conditional),
    }
}

fn push_lt_group(list: &mut GroupList, group: GroupRef) {
    match list {
        GroupList::Groups(g) => {
            if !g.contains(&group) {
                g.insert(0, group);
            }
        }
        GroupList::Absent => *list = GroupList::Groups(vec![group]),
        GroupList::Unknown | GroupList::OneOf(_) => {}
    }
}

struct ModuleGroup {
    /// The group the module creates.
    created: Option<SgId>,
    /// The group that plays the role (created or given).
    peer: Option<GroupRef>,
    /// Whether the module creates it is unknown.
    unknown: bool,
}

struct NodeGroupSpec<'e> {
    address: String,
    name: String,
    span: Span,
    kind: NodeGroupKind,
    cluster: ClusterLink,
    fields: &'e Ev,
    defaults: &'e Ev,
    node_sg: Option<GroupRef>,
    /// Whether the module creates its node group is unknown.
    node_sg_unknown: bool,
    eks_sg: Option<SgId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_versions() {
        let f = |s: &str, v: Option<&str>| flavor_of_source(s, v);
        assert_eq!(
            f("terraform-aws-modules/eks/aws", Some("~> 20.0")),
            Some(Flavor::Cluster { legacy: false })
        );
        assert_eq!(
            f("terraform-aws-modules/eks/aws", Some("18.31.2")),
            Some(Flavor::Cluster { legacy: true })
        );
        assert_eq!(
            f("terraform-aws-modules/eks/aws", Some(">= 18, < 21")),
            Some(Flavor::Cluster { legacy: false })
        );
        assert_eq!(
            f(
                "terraform-aws-modules/eks/aws//modules/eks-managed-node-group",
                None
            ),
            Some(Flavor::ManagedNodeGroup)
        );
        assert_eq!(
            f(
                "terraform-aws-modules/eks/aws//modules/self-managed-node-group",
                None
            ),
            Some(Flavor::SelfManagedNodeGroup)
        );
        assert_eq!(
            f("terraform-aws-modules/eks/aws//modules/karpenter", None),
            None
        );
        assert_eq!(f("terraform-aws-modules/vpc/aws", None), None);
        assert_eq!(
            f(
                "git::https://github.com/terraform-aws-modules/terraform-aws-eks.git?ref=v20.1.0",
                None
            ),
            Some(Flavor::Cluster { legacy: false })
        );
    }
}
