//! eksctl `ClusterConfig` documents (`apiVersion: eksctl.io/v1alpha5`).
//!
//! eksctl deploys CloudFormation stacks it generates from the config, and
//! those stacks carry security groups and rules the user never writes. This
//! extractor models them exactly as eksctl's builder creates them, so a
//! config needs no rules of its own (domain.md, "eksctl: what it creates"):
//!
//! - the control-plane group (unless `vpc.securityGroup` or
//!   `vpc.controlPlaneSecurityGroupIDs` supplies one), with TCP 443 from
//!   `vpc.extraCIDRs`/`extraIPv6CIDRs` and remote networks;
//! - the shared node group (unless `vpc.sharedNodeSecurityGroup`), with its
//!   all-traffic self rule, and all traffic both ways between it and the EKS
//!   cluster SG (unless `vpc.manageSharedNodeSecurityGroupRules: false`);
//! - per self-managed node group, the local group (tagged for the cluster)
//!   with the control-plane rules on both sides and the SSH rules;
//! - per managed node group, the SSH group eksctl puts in the launch template
//!   it generates (modelled as the node group's remote-access group);
//! - EFA groups for `efaEnabled` node groups that eksctl gives one.
//!
//! Every generated group is a CloudFormation `AWS::EC2::SecurityGroup` without
//! inline egress, so its default egress is allow-all. Generated rules are
//! `implicit` and anchored at what caused them: the cluster's `name`, the node
//! group's `name`, the `ssh` setting or the CIDR entry.

use crate::model::{
    Cluster, ClusterId, ClusterLink, ClusterSgAttachment, DefaultEgress, Direction, Endpoint,
    GroupList, GroupOrigin, GroupRef, IpFamily, Known, Model, NodeGroup, NodeGroupKind, Note, Peer,
    PortRange, Presence, Protocol, RemoteAccess, SecurityGroup, SgId, SgRule, Tag,
};
use crate::source::{FileId, Span};
use crate::syntax::{Entry, Node};

/// The tool named in [`GroupOrigin::Generated`].
const TOOL: &str = "eksctl";

/// The CIDR eksctl gives a VPC it creates when `vpc.cidr` is not set.
const DEFAULT_VPC_CIDR: &str = "192.168.0.0/16";

/// The Kubernetes version eksctl deploys when `metadata.version` is not set
/// (eksctl 0.2xx); it matters only for the EFA group of managed node groups.
const DEFAULT_K8S_VERSION: (u64, u64) = (1, 34);

/// From this version on, managed node groups use EKS's built-in EFA support
/// and eksctl makes no EFA group for them.
const EFA_BUILT_IN_SINCE: (u64, u64) = (1, 33);

/// Extracts one eksctl `ClusterConfig` document. A document that is not a map
/// or has another `kind` yields an empty model.
pub fn extract(doc: &Node, file: FileId) -> Model {
    let mut model = Model::default();
    if doc.as_map().is_none() {
        return model;
    }
    if let Some(kind) = doc.get("kind").and_then(text) {
        if kind != "ClusterConfig" {
            return model;
        }
    }
    let cluster = ClusterContext::build(doc, file, &mut model);
    let node_group_lists = [
        ("nodeGroups", NodeGroupKind::SelfManaged),
        ("managedNodeGroups", NodeGroupKind::Managed),
    ];
    for (key, kind) in node_group_lists {
        let Some(entry) = doc.entry(key) else {
            continue;
        };
        if entry.value.is_null() {
            continue;
        }
        let Some(items) = entry.value.as_seq() else {
            model.notes.push(Note {
                span: entry.span(),
                message: format!("`{key}` is not a list: its node groups were not read"),
            });
            continue;
        };
        for (index, item) in items.iter().enumerate() {
            if item.as_map().is_none() {
                model.notes.push(Note {
                    span: item.span,
                    message: format!("`{key}[{index}]` is not a map: skipped"),
                });
                continue;
            }
            match kind {
                NodeGroupKind::SelfManaged => cluster.self_managed(item, index, &mut model),
                NodeGroupKind::Managed => cluster.managed(item, index, &mut model),
            }
        }
    }
    model
}

/// What the node groups need to know about their cluster.
struct ClusterContext {
    /// The cluster name, when written.
    name: Option<String>,
    /// The name for messages and group names.
    label: String,
    id: ClusterId,
    /// The group eksctl's node rules treat as the control plane's.
    control_plane: GroupRef,
    /// Set when that group is eksctl's own (so its rules are known).
    generated_control_plane: Option<SgId>,
    shared: GroupRef,
    vpc_cidr: Peer,
    k8s_version: Option<(u64, u64)>,
}

impl ClusterContext {
    /// Adds the cluster, its EKS cluster SG, the control-plane and shared
    /// groups and their rules.
    fn build(doc: &Node, file: FileId, model: &mut Model) -> Self {
        let metadata = doc.get("metadata");
        let name_entry = metadata.and_then(|m| m.entry("name"));
        let name = name_entry.and_then(|e| text(&e.value));
        let span = name_entry
            .map(Entry::span)
            .or_else(|| doc.entry("metadata").map(Entry::span))
            .or_else(|| doc.as_map().and_then(|m| m.first()).map(Entry::span))
            .unwrap_or(Span::new(
                file,
                doc.span.start as usize,
                doc.span.start as usize,
            ));
        let label = name.clone().unwrap_or_else(|| "(unnamed)".into());

        let id = model.next_cluster_id();
        let cluster_sg = model.add_eks_cluster_sg(id, &label, span);
        if name.is_none() {
            for tag in &mut model.group_mut(cluster_sg).tags {
                tag.key = Known::Unknown;
            }
            model.notes.push(Note {
                span,
                message:
                    "eksctl ClusterConfig without `metadata.name`: the cluster name is unknown"
                        .into(),
            });
        }

        let vpc = doc.get("vpc").filter(|v| v.as_map().is_some());
        let control_plane = ControlPlane::of(doc, vpc, &label, span, model);
        let shared = shared_group(vpc, &label, span, cluster_sg, model);
        let (endpoint, creates_private_endpoints) = endpoint(doc, vpc);

        let k8s_version = match metadata.and_then(|m| m.get("version")) {
            None => Some(DEFAULT_K8S_VERSION),
            Some(n) if n.is_null() => Some(DEFAULT_K8S_VERSION),
            Some(n) => text(n).and_then(|v| parse_version(&v)),
        };

        let cluster = Cluster {
            address: format!("ClusterConfig {label}"),
            name: name.clone().map_or(Known::Unknown, Known::Value),
            span,
            creation_groups: control_plane.creation_groups,
            explicit_group_expected: false,
            vpc_config_span: doc.entry("vpc").map(Entry::span),
            creation_groups_span: control_plane.creation_groups_span,
            creation_group_spans: control_plane.creation_group_spans,
            cluster_sg,
            ip_family: ip_family(doc),
            endpoint,
            creates_private_endpoints,
        };
        let added = model.add_cluster(cluster);
        debug_assert_eq!(added, id);

        ClusterContext {
            name,
            label,
            id,
            control_plane: control_plane.group,
            generated_control_plane: control_plane.generated,
            shared,
            vpc_cidr: vpc_cidr(vpc),
            k8s_version,
        }
    }

    /// A `nodeGroups[]` item: an Auto Scaling group with eksctl's launch
    /// template, whose groups are `attachIDs`, the shared group and the local
    /// group.
    fn self_managed(&self, item: &Node, index: usize, model: &mut Model) {
        let (name, span) = node_group_name(item);
        let display = name.clone().unwrap_or_else(|| index.to_string());
        let security_groups = item.get("securityGroups");
        let mut additional = self.attach_ids(item, &display, "nodeGroups", model);

        if !Flag::of(security_groups.and_then(|s| s.get("withShared"))).is_false() {
            additional.push(self.shared.clone());
        }

        let with_local = Flag::of(security_groups.and_then(|s| s.get("withLocal")));
        if !with_local.is_false() {
            let local = self.local_group(item, &display, span, model);
            additional.push(GroupRef::Group(local));
            // eksctl makes the EFA group of a self-managed node group along
            // with its local group, whatever the Kubernetes version.
            if let Some(efa_span) = efa_enabled(item) {
                additional.push(GroupRef::Group(self.efa_group(&display, efa_span, model)));
            }
        } else if let Some(ssh) = Ssh::of(item) {
            // eksctl writes SSH rules only into the local group: without it
            // no port 22 rule is made, whatever `ssh` says.
            model.notes.push(Note {
                span: ssh.span,
                message: format!(
                    "nodeGroups[{display}]: `securityGroups.withLocal: false`, so eksctl opens no SSH port; SSH access depends on the attached groups"
                ),
            });
        }

        model.add_node_group(NodeGroup {
            address: format!("nodeGroups[{display}]"),
            name: name.map_or(Known::Unknown, Known::Value),
            span,
            kind: NodeGroupKind::SelfManaged,
            cluster: ClusterLink::Cluster(self.id),
            launch_template_groups: GroupList::Absent,
            launch_template_unknown: false,
            cluster_sg: ClusterSgAttachment::Never,
            additional_groups: additional,
            remote_access: None,
        });
    }

    /// A `managedNodeGroups[]` item: EKS's node group with the launch
    /// template eksctl generates (cluster SG, `attachIDs`, SSH group), or
    /// the user's own launch template.
    fn managed(&self, item: &Node, index: usize, model: &mut Model) {
        let (name, span) = node_group_name(item);
        let display = name.clone().unwrap_or_else(|| index.to_string());

        let user_template = item.get("launchTemplate").filter(|n| !n.is_null());
        if user_template.is_some() {
            // eksctl passes the user's template through: the groups are
            // whatever it sets (eksctl rejects `securityGroups`/`ssh` then).
            model.add_node_group(NodeGroup {
                address: format!("managedNodeGroups[{display}]"),
                name: name.map_or(Known::Unknown, Known::Value),
                span,
                kind: NodeGroupKind::Managed,
                cluster: ClusterLink::Cluster(self.id),
                launch_template_groups: GroupList::Unknown,
                launch_template_unknown: true,
                cluster_sg: ClusterSgAttachment::UnlessLaunchTemplateSetsGroups,
                additional_groups: Vec::new(),
                remote_access: None,
            });
            return;
        }

        let mut additional = self.attach_ids(item, &display, "managedNodeGroups", model);
        if let Some(efa_span) = efa_enabled(item) {
            let built_in = self.k8s_version.map(|v| v >= EFA_BUILT_IN_SINCE);
            match built_in {
                Some(true) => {}
                Some(false) => {
                    additional.push(GroupRef::Group(self.efa_group(&display, efa_span, model)));
                }
                None => model.notes.push(Note {
                    span: efa_span,
                    message: format!(
                        "managedNodeGroups[{display}]: the Kubernetes version is unreadable, so whether eksctl adds an EFA security group is unknown"
                    ),
                }),
            }
        }

        let remote_access = Ssh::of(item).map(|ssh| {
            let mut sg = generated_group(
                format!(
                    "eksctl SSH security group of managed node group {display} ({})",
                    self.label
                ),
                ssh.span,
            );
            sg.origin = GroupOrigin::RemoteAccess(model.next_node_group_id());
            sg.ingress = self.ssh_rules(&ssh, item);
            let group = model.add_group(sg);
            RemoteAccess {
                span: ssh.span,
                key_set: Known::Value(true),
                source_groups: ssh.source_group_list(),
                group: Some(group),
            }
        });

        model.add_node_group(NodeGroup {
            address: format!("managedNodeGroups[{display}]"),
            name: name.map_or(Known::Unknown, Known::Value),
            span,
            kind: NodeGroupKind::Managed,
            cluster: ClusterLink::Cluster(self.id),
            launch_template_groups: GroupList::Absent,
            launch_template_unknown: false,
            cluster_sg: ClusterSgAttachment::Always,
            additional_groups: additional,
            remote_access,
        });
    }

    /// `securityGroups.attachIDs`, as externals.
    fn attach_ids(
        &self,
        item: &Node,
        display: &str,
        list: &str,
        model: &mut Model,
    ) -> Vec<GroupRef> {
        let Some(node) = item.path(&["securityGroups", "attachIDs"]) else {
            return Vec::new();
        };
        match IdList::of(node) {
            IdList::Ids(items) => items
                .iter()
                .map(|i| i.group_ref("an unresolved entry of securityGroups.attachIDs"))
                .collect(),
            IdList::Unreadable => {
                model.notes.push(Note {
                    span: node.span,
                    message: format!(
                        "{list}[{display}]: `securityGroups.attachIDs` is not a list of IDs"
                    ),
                });
                vec![GroupRef::External(
                    "an unresolved securityGroups.attachIDs".into(),
                )]
            }
        }
    }

    /// The local group of a self-managed node group, with its rules and the
    /// matching rules on eksctl's control-plane group.
    fn local_group(&self, item: &Node, display: &str, span: Span, model: &mut Model) -> SgId {
        let mut sg = generated_group(
            format!(
                "eksctl security group of node group {display} ({})",
                self.label
            ),
            span,
        );
        sg.tags.push(Tag {
            key: self.name.as_ref().map_or(Known::Unknown, |n| {
                Known::Value(format!("kubernetes.io/cluster/{n}"))
            }),
            value: Known::Value("owned".into()),
            span,
        });
        let from_control_plane = Peer::Group(self.control_plane.clone());
        sg.ingress.push(generated_rule(
            Direction::Ingress,
            Protocol::Tcp,
            kubelet_and_workload_ports(),
            from_control_plane.clone(),
            span,
            "eksctl: kubelet and workload ports from the control plane".into(),
        ));
        sg.ingress.push(generated_rule(
            Direction::Ingress,
            Protocol::Tcp,
            PortRange::single(443),
            from_control_plane,
            span,
            "eksctl: HTTPS from the control plane (extension API servers)".into(),
        ));
        if let Some(ssh) = Ssh::of(item) {
            sg.ingress.extend(self.ssh_rules(&ssh, item));
        }
        let local = model.add_group(sg);

        if let Some(cp) = self.generated_control_plane {
            let to_local = Peer::Group(GroupRef::Group(local));
            let cp_group = model.group_mut(cp);
            cp_group.egress.push(generated_rule(
                Direction::Egress,
                Protocol::Tcp,
                kubelet_and_workload_ports(),
                to_local.clone(),
                span,
                format!("eksctl: kubelet and workload ports to node group {display}"),
            ));
            cp_group.egress.push(generated_rule(
                Direction::Egress,
                Protocol::Tcp,
                PortRange::single(443),
                to_local.clone(),
                span,
                format!("eksctl: HTTPS to node group {display}"),
            ));
            cp_group.ingress.push(generated_rule(
                Direction::Ingress,
                Protocol::Tcp,
                PortRange::single(443),
                to_local,
                span,
                format!("eksctl: API requests from node group {display}"),
            ));
        }
        local
    }

    /// The EFA group: all traffic to and from itself.
    fn efa_group(&self, display: &str, span: Span, model: &mut Model) -> SgId {
        let mut sg = generated_group(
            format!(
                "eksctl EFA security group of node group {display} ({})",
                self.label
            ),
            span,
        );
        for direction in [Direction::Ingress, Direction::Egress] {
            let rule = generated_rule(
                direction,
                Protocol::All,
                PortRange::ALL,
                Peer::SelfRef,
                span,
                "eksctl: EFA traffic within the group".into(),
            );
            match direction {
                Direction::Ingress => sg.ingress.push(rule),
                Direction::Egress => sg.egress.push(rule),
            }
        }
        model.add_group(sg)
    }

    /// Ingress TCP 22 as eksctl writes it: from the source groups, else from
    /// the VPC CIDR with private networking, else from anywhere (v4 and v6).
    fn ssh_rules(&self, ssh: &Ssh, item: &Node) -> Vec<SgRule> {
        let peers: Vec<Peer> = match &ssh.sources {
            Some(IdList::Ids(items)) if !items.is_empty() => items
                .iter()
                .map(|i| {
                    i.id.clone()
                        .map_or(Peer::Unknown, |id| Peer::Group(GroupRef::External(id)))
                })
                .collect(),
            Some(IdList::Unreadable) => vec![Peer::Unknown],
            _ => match Flag::of(item.get("privateNetworking")) {
                Flag::Set(true) => vec![self.vpc_cidr.clone()],
                Flag::Unreadable => vec![Peer::Unknown],
                Flag::Absent | Flag::Set(false) => {
                    vec![Peer::cidr("0.0.0.0/0"), Peer::cidr("::/0")]
                }
            },
        };
        peers
            .into_iter()
            .map(|peer| {
                generated_rule(
                    Direction::Ingress,
                    Protocol::Tcp,
                    PortRange::single(22),
                    peer,
                    ssh.span,
                    "eksctl: SSH access to the nodes".into(),
                )
            })
            .collect()
    }
}

/// The groups given to the cluster at creation, and the one eksctl's node
/// rules pair with.
struct ControlPlane {
    creation_groups: GroupList,
    creation_groups_span: Option<Span>,
    creation_group_spans: Vec<Span>,
    /// `vpc.securityGroup`, the first of `controlPlaneSecurityGroupIDs`, or
    /// eksctl's own group.
    group: GroupRef,
    generated: Option<SgId>,
}

impl ControlPlane {
    /// `securityGroup` wins over `controlPlaneSecurityGroupIDs`; eksctl makes
    /// a group of its own when neither is set.
    fn of(doc: &Node, vpc: Option<&Node>, label: &str, span: Span, model: &mut Model) -> Self {
        let vpc_entry = |key: &str| vpc.and_then(|v| v.entry(key));
        if let Some(entry) = vpc_entry("securityGroup") {
            if let Some(id) = text(&entry.value) {
                let group = GroupRef::External(id);
                return ControlPlane {
                    creation_groups: GroupList::Groups(vec![group.clone()]),
                    creation_groups_span: Some(entry.span()),
                    creation_group_spans: vec![entry.value.span],
                    group,
                    generated: None,
                };
            }
        }
        if let Some(entry) = vpc_entry("controlPlaneSecurityGroupIDs") {
            let unresolved = || GroupRef::External("vpc.controlPlaneSecurityGroupIDs".into());
            match IdList::of(&entry.value) {
                IdList::Ids(items) if items.is_empty() => {}
                IdList::Ids(items) => {
                    let refs: Vec<GroupRef> = items
                        .iter()
                        .map(|i| i.group_ref("an entry of vpc.controlPlaneSecurityGroupIDs"))
                        .collect();
                    let group = refs.first().cloned().unwrap_or_else(unresolved);
                    let creation_groups = if items.iter().all(|i| i.id.is_some()) {
                        GroupList::Groups(refs)
                    } else {
                        GroupList::Unknown
                    };
                    return ControlPlane {
                        creation_groups,
                        creation_groups_span: Some(entry.span()),
                        creation_group_spans: items.iter().map(|i| i.span).collect(),
                        group,
                        generated: None,
                    };
                }
                IdList::Unreadable => {
                    return ControlPlane {
                        creation_groups: GroupList::Unknown,
                        creation_groups_span: Some(entry.span()),
                        creation_group_spans: Vec::new(),
                        group: unresolved(),
                        generated: None,
                    };
                }
            }
        }

        let mut sg = generated_group(
            format!("eksctl control plane security group of {label}"),
            span,
        );
        // TCP 443 from the extra VPC CIDRs and the remote (hybrid) networks.
        let mut cidrs = Vec::new();
        for key in ["extraCIDRs", "extraIPv6CIDRs"] {
            if let Some(items) = vpc.and_then(|v| v.get(key)).and_then(Node::as_seq) {
                cidrs.extend(items.iter().map(|n| (n, "an extra VPC CIDR")));
            }
        }
        for key in ["remoteNodeNetworks", "remotePodNetworks"] {
            let networks = doc
                .path(&["remoteNetworkConfig", key])
                .and_then(Node::as_seq)
                .unwrap_or(&[]);
            for network in networks {
                if let Some(items) = network.get("cidrs").and_then(Node::as_seq) {
                    cidrs.extend(items.iter().map(|n| (n, "a remote network")));
                }
            }
        }
        for (node, what) in cidrs {
            let peer = text(node).map_or(Peer::Unknown, |c| Peer::cidr(&c));
            sg.ingress.push(generated_rule(
                Direction::Ingress,
                Protocol::Tcp,
                PortRange::single(443),
                peer,
                node.span,
                format!("eksctl: API server access from {what}"),
            ));
        }
        let cp = model.add_group(sg);
        ControlPlane {
            creation_groups: GroupList::Groups(vec![GroupRef::Group(cp)]),
            creation_groups_span: None,
            creation_group_spans: vec![span],
            group: GroupRef::Group(cp),
            generated: Some(cp),
        }
    }
}

/// The shared node group (`vpc.sharedNodeSecurityGroup` or eksctl's own,
/// with its self rule) and, unless `manageSharedNodeSecurityGroupRules` is
/// false, all traffic both ways between it and the EKS cluster SG.
fn shared_group(
    vpc: Option<&Node>,
    label: &str,
    span: Span,
    cluster_sg: SgId,
    model: &mut Model,
) -> GroupRef {
    let vpc_entry = |key: &str| vpc.and_then(|v| v.entry(key));
    let shared = match vpc_entry("sharedNodeSecurityGroup").and_then(|e| text(&e.value)) {
        Some(id) => GroupRef::External(id),
        None => {
            let mut sg = generated_group(
                format!("eksctl shared node security group of {label}"),
                span,
            );
            sg.ingress.push(generated_rule(
                Direction::Ingress,
                Protocol::All,
                PortRange::ALL,
                Peer::SelfRef,
                span,
                "eksctl: nodes talk to each other (all traffic)".into(),
            ));
            GroupRef::Group(model.add_group(sg))
        }
    };
    let manage_rules = Flag::of(vpc_entry("manageSharedNodeSecurityGroupRules").map(|e| &e.value));
    if manage_rules.is_false() {
        return shared;
    }
    let presence = if manage_rules == Flag::Unreadable {
        Presence::Conditional
    } else {
        Presence::Always
    };
    if let GroupRef::Group(shared_id) = &shared {
        let mut rule = generated_rule(
            Direction::Ingress,
            Protocol::All,
            PortRange::ALL,
            Peer::Group(GroupRef::Group(cluster_sg)),
            span,
            "eksctl: all traffic from the EKS cluster security group".into(),
        );
        rule.presence = presence;
        model.group_mut(*shared_id).ingress.push(rule);
    }
    let mut rule = generated_rule(
        Direction::Ingress,
        Protocol::All,
        PortRange::ALL,
        Peer::Group(shared.clone()),
        span,
        "eksctl: all traffic from the shared node security group".into(),
    );
    rule.presence = presence;
    model.group_mut(cluster_sg).ingress.push(rule);
    shared
}

/// The VPC CIDR (SSH with private networking): as written, eksctl's default
/// for a VPC it creates, unknown for an existing VPC.
fn vpc_cidr(vpc: Option<&Node>) -> Peer {
    match vpc.and_then(|v| v.get("cidr")).filter(|n| !n.is_null()) {
        Some(n) => text(n).map_or(Peer::Unknown, |c| Peer::cidr(&c)),
        None if uses_existing_vpc(vpc) => Peer::Unknown,
        None => Peer::cidr(DEFAULT_VPC_CIDR),
    }
}

/// `kubernetesNetworkConfig.ipFamily`, case-insensitive; IPv4 by default.
fn ip_family(doc: &Node) -> IpFamily {
    match doc.path(&["kubernetesNetworkConfig", "ipFamily"]) {
        None => IpFamily::Ipv4,
        Some(n) if n.is_null() => IpFamily::Ipv4,
        Some(n) => match text(n).map(|t| t.to_ascii_lowercase()).as_deref() {
            Some("ipv4") => IpFamily::Ipv4,
            Some("ipv6") => IpFamily::Ipv6,
            _ => IpFamily::Unknown,
        },
    }
}

/// The endpoint settings, and whether eksctl creates the VPC endpoints of a
/// private cluster.
fn endpoint(doc: &Node, vpc: Option<&Node>) -> (Endpoint, bool) {
    let endpoints_entry = vpc.and_then(|v| v.entry("clusterEndpoints"));
    let endpoints = endpoints_entry.map(|e| &e.value);
    let mut public_access = Flag::of(endpoints.and_then(|e| e.get("publicAccess"))).known_or(true);
    let mut private_access =
        Flag::of(endpoints.and_then(|e| e.get("privateAccess"))).known_or(false);
    let mut span = endpoints_entry.map(Entry::span);

    let private_cluster = doc.entry("privateCluster");
    let enabled = Flag::of(private_cluster.and_then(|p| p.value.get("enabled")));
    let skip = Flag::of(private_cluster.and_then(|p| p.value.get("skipEndpointCreation")));
    let on_outposts = doc
        .path(&["outpost", "controlPlaneOutpostARN"])
        .and_then(text)
        .is_some();
    let mut creates_private_endpoints = false;
    match enabled {
        // A fully-private cluster ends private-only: eksctl turns the public
        // endpoint off once the cluster is up.
        Flag::Set(true) => {
            public_access = Known::Value(false);
            private_access = Known::Value(true);
            span = span.or(private_cluster.map(Entry::span));
            creates_private_endpoints = !skip.is_true();
        }
        Flag::Unreadable => {
            public_access = Known::Unknown;
            private_access = Known::Unknown;
        }
        Flag::Absent | Flag::Set(false) => {}
    }
    if on_outposts {
        // A control plane on Outposts is private-only.
        public_access = Known::Value(false);
        private_access = Known::Value(true);
    }

    let cidrs_entry = vpc.and_then(|v| v.entry("publicAccessCIDRs"));
    let public_access_cidrs = cidrs_entry.and_then(|e| match IdList::of(&e.value) {
        // eksctl omits an empty list, so EKS's default applies.
        IdList::Ids(items) if items.is_empty() => None,
        IdList::Ids(items) => Some(
            items
                .into_iter()
                .map(|i| i.id)
                .collect::<Option<Vec<String>>>()
                .map_or(Known::Unknown, Known::Value),
        ),
        IdList::Unreadable => Some(Known::Unknown),
    });

    (
        Endpoint {
            public_access,
            private_access,
            public_access_cidrs,
            span,
            cidrs_span: cidrs_entry.map(Entry::span),
        },
        creates_private_endpoints,
    )
}

/// Whether the config names an existing VPC (its CIDR then comes from AWS).
fn uses_existing_vpc(vpc: Option<&Node>) -> bool {
    let Some(vpc) = vpc else {
        return false;
    };
    if vpc.get("id").and_then(text).is_some() {
        return true;
    }
    let Some(subnets) = vpc.get("subnets").and_then(Node::as_map) else {
        return false;
    };
    subnets.iter().any(|kind| {
        kind.value
            .as_map()
            .unwrap_or(&[])
            .iter()
            .any(|az| az.value.get("id").and_then(text).is_some())
    })
}

/// A node group's name and anchor: the `name` entry, or the item.
fn node_group_name(item: &Node) -> (Option<String>, Span) {
    let entry = item.entry("name");
    let name = entry.and_then(|e| text(&e.value));
    let span = entry.map_or(item.span, Entry::span);
    (name, span)
}

/// The `efaEnabled: true` entry's span.
fn efa_enabled(item: &Node) -> Option<Span> {
    let entry = item.entry("efaEnabled")?;
    Flag::of(Some(&entry.value)).is_true().then(|| entry.span())
}

/// The SSH setting of a node group when eksctl opens SSH for it.
struct Ssh {
    span: Span,
    sources: Option<IdList>,
}

impl Ssh {
    /// eksctl's defaulting: SSH is on with `allow: true`, or when a key is
    /// given (`publicKeyPath`, `publicKeyName`, `publicKey`) and `allow` is
    /// not false.
    fn of(item: &Node) -> Option<Ssh> {
        let entry = item.entry("ssh")?;
        let ssh = &entry.value;
        let allow = Flag::of(ssh.get("allow"));
        let key_given = ["publicKeyPath", "publicKeyName", "publicKey"]
            .iter()
            .any(|k| ssh.get(k).and_then(text).is_some());
        let allowed = if key_given {
            !allow.is_false()
        } else {
            allow.is_true()
        };
        if !allowed {
            return None;
        }
        let sources = ssh
            .get("sourceSecurityGroupIds")
            .filter(|n| !n.is_null())
            .map(IdList::of);
        Some(Ssh {
            span: entry.span(),
            sources,
        })
    }

    fn source_group_list(&self) -> GroupList {
        match &self.sources {
            None => GroupList::Absent,
            Some(IdList::Ids(items)) if items.is_empty() => GroupList::Absent,
            Some(IdList::Ids(items)) => items
                .iter()
                .map(|i| i.id.clone().map(GroupRef::External))
                .collect::<Option<Vec<_>>>()
                .map_or(GroupList::Unknown, GroupList::Groups),
            Some(IdList::Unreadable) => GroupList::Unknown,
        }
    }
}

/// A list of IDs (or CIDRs) as written.
enum IdList {
    Ids(Vec<IdItem>),
    /// Not a list.
    Unreadable,
}

struct IdItem {
    /// `None` when the item is not a scalar.
    id: Option<String>,
    span: Span,
}

impl IdItem {
    fn group_ref(&self, unresolved: &str) -> GroupRef {
        GroupRef::External(self.id.clone().unwrap_or_else(|| unresolved.into()))
    }
}

impl IdList {
    fn of(node: &Node) -> IdList {
        if node.is_null() {
            return IdList::Ids(Vec::new());
        }
        match node.as_seq() {
            Some(items) => IdList::Ids(
                items
                    .iter()
                    .map(|n| IdItem {
                        id: text(n),
                        span: n.span,
                    })
                    .collect(),
            ),
            None => IdList::Unreadable,
        }
    }
}

/// A boolean setting as written; YAML null counts as absent (eksctl's Go
/// types read it as unset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flag {
    Absent,
    Set(bool),
    Unreadable,
}

impl Flag {
    fn of(node: Option<&Node>) -> Flag {
        match node {
            None => Flag::Absent,
            Some(n) if n.is_null() => Flag::Absent,
            Some(n) => n.as_bool().map_or(Flag::Unreadable, Flag::Set),
        }
    }

    fn known_or(self, default: bool) -> Known<bool> {
        match self {
            Flag::Absent => Known::Value(default),
            Flag::Set(b) => Known::Value(b),
            Flag::Unreadable => Known::Unknown,
        }
    }

    fn is_true(self) -> bool {
        self == Flag::Set(true)
    }

    fn is_false(self) -> bool {
        self == Flag::Set(false)
    }
}

/// A scalar's text, trimmed; `None` for non-scalars and empty strings.
fn text(node: &Node) -> Option<String> {
    let t = node.as_scalar_text()?;
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `1.30` / `"1.30"` / `1.30.2` as (major, minor).
fn parse_version(text: &str) -> Option<(u64, u64)> {
    let mut parts = text.trim().trim_start_matches('v').split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The TCP range eksctl opens from the control plane to nodes.
fn kubelet_and_workload_ports() -> PortRange {
    PortRange::new(Some(1025), Some(65535))
}

/// A group of eksctl's stacks: CloudFormation without inline egress.
fn generated_group(name: String, span: Span) -> SecurityGroup {
    let mut sg = SecurityGroup::new(name, GroupOrigin::Generated(TOOL), span);
    sg.default_egress = DefaultEgress::AllowAll;
    sg
}

fn generated_rule(
    direction: Direction,
    protocol: Protocol,
    ports: PortRange,
    peer: Peer,
    span: Span,
    description: String,
) -> SgRule {
    SgRule {
        direction,
        protocol,
        ports,
        peer,
        span,
        presence: Presence::Always,
        description: Some(description),
        implicit: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GroupOrigin, NodeGroupId};
    use crate::syntax::{yaml, Limits};

    const FILE: FileId = FileId(0);

    fn model_of(text: &str) -> Model {
        let docs = yaml::parse(FILE, text, Limits::default()).expect("test YAML parses");
        let doc = docs.first().expect("the test YAML has a document");
        let model = extract(doc, FILE);
        check_invariants(&model, text.len());
        model
    }

    /// Every id points into the model and every span into the text.
    fn check_invariants(model: &Model, len: usize) {
        let groups = model.groups.len();
        let ok_ref = |r: &GroupRef| match r {
            GroupRef::Group(id) => assert!(id.index() < groups, "dangling group id"),
            GroupRef::External(s) => assert!(!s.is_empty()),
        };
        let ok_span = |s: Span| assert!(s.start <= s.end && s.end as usize <= len, "{s:?}");
        for g in &model.groups {
            ok_span(g.span);
            for r in g.ingress.iter().chain(&g.egress) {
                ok_span(r.span);
                if let Peer::Group(p) = &r.peer {
                    ok_ref(p);
                }
            }
            if let GroupOrigin::RemoteAccess(n) = g.origin {
                assert!(n.index() < model.node_groups.len());
            }
        }
        for c in &model.clusters {
            ok_span(c.span);
            assert!(c.cluster_sg.index() < groups);
            c.creation_groups.all_members().iter().for_each(ok_ref);
        }
        for (i, n) in model.node_groups.iter().enumerate() {
            ok_span(n.span);
            n.additional_groups.iter().for_each(ok_ref);
            if let ClusterLink::Cluster(c) = n.cluster {
                assert!(c.index() < model.clusters.len());
            }
            if let Some(ra) = &n.remote_access {
                ok_span(ra.span);
                let g = ra.group.expect("eksctl remote access has a group");
                assert_eq!(
                    model.group(g).origin,
                    GroupOrigin::RemoteAccess(NodeGroupId(i as u32))
                );
            }
        }
        for n in &model.notes {
            ok_span(n.span);
        }
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    fn group_id(r: &GroupRef) -> SgId {
        match r {
            GroupRef::Group(id) => *id,
            GroupRef::External(e) => panic!("expected a model group, got external {e}"),
        }
    }

    fn ext(id: &str) -> GroupRef {
        GroupRef::External(id.into())
    }

    fn has_rule(rules: &[SgRule], protocol: Protocol, ports: PortRange, peer: &Peer) -> bool {
        rules
            .iter()
            .any(|r| r.protocol == protocol && r.ports == ports && &r.peer == peer && r.implicit)
    }

    fn ssh_peers(rules: &[SgRule]) -> Vec<Peer> {
        rules
            .iter()
            .filter(|r| r.protocol == Protocol::Tcp && r.ports == PortRange::single(22))
            .map(|r| r.peer.clone())
            .collect()
    }

    fn ng<'m>(model: &'m Model, address: &str) -> &'m NodeGroup {
        model
            .node_groups
            .iter()
            .find(|n| n.address == address)
            .unwrap_or_else(|| panic!("no node group {address}"))
    }

    /// The generated local group of a self-managed node group (the one
    /// tagged for the cluster).
    fn local_of(model: &Model, node_group: &NodeGroup) -> SgId {
        node_group
            .additional_groups
            .iter()
            .filter_map(|r| match r {
                GroupRef::Group(id) => Some(*id),
                GroupRef::External(_) => None,
            })
            .find(|id| !model.group(*id).tags.is_empty())
            .expect("a local group")
    }

    const BASIC: &str = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: demo
  region: eu-west-1
nodeGroups:
  - name: ng-1
    instanceType: m5.large
managedNodeGroups:
  - name: mng-1
";

    #[test]
    fn default_groups_and_generated_rules() {
        let m = model_of(BASIC);
        assert_eq!(m.clusters.len(), 1);
        let c = &m.clusters[0];
        assert_eq!(c.address, "ClusterConfig demo");
        assert_eq!(c.name, Known::Value("demo".into()));
        assert_eq!(slice(BASIC, c.span), "name: demo");
        assert!(!c.explicit_group_expected);
        assert_eq!(c.ip_family, IpFamily::Ipv4);
        assert!(!c.creates_private_endpoints);
        assert_eq!(c.vpc_config_span, None);

        let cluster_sg = m.group(c.cluster_sg);
        assert_eq!(cluster_sg.origin, GroupOrigin::EksClusterSg(ClusterId(0)));

        // The control-plane group eksctl makes.
        let GroupList::Groups(creation) = &c.creation_groups else {
            panic!("creation groups: {:?}", c.creation_groups);
        };
        assert_eq!(creation.len(), 1);
        let cp = group_id(&creation[0]);
        assert_eq!(m.group(cp).origin, GroupOrigin::Generated("eksctl"));
        assert_eq!(m.group(cp).default_egress, DefaultEgress::AllowAll);
        assert!(!m.group(cp).inline_egress_declared);
        assert_eq!(c.creation_group_spans, vec![c.span]);

        // The self-managed node group: shared + local.
        let n = ng(&m, "nodeGroups[ng-1]");
        assert_eq!(n.kind, NodeGroupKind::SelfManaged);
        assert_eq!(n.cluster, ClusterLink::Cluster(ClusterId(0)));
        assert_eq!(n.cluster_sg, ClusterSgAttachment::Never);
        assert_eq!(n.launch_template_groups, GroupList::Absent);
        assert_eq!(n.name, Known::Value("ng-1".into()));
        assert_eq!(slice(BASIC, n.span), "name: ng-1");
        assert_eq!(n.additional_groups.len(), 2);
        assert!(n.remote_access.is_none());

        // Shared group: self rule, all traffic both ways with the cluster SG.
        let shared = group_id(&n.additional_groups[0]);
        let shared_sg = m.group(shared);
        assert_eq!(shared_sg.origin, GroupOrigin::Generated("eksctl"));
        assert_eq!(shared_sg.default_egress, DefaultEgress::AllowAll);
        assert!(shared_sg.name.contains("shared"));
        assert!(has_rule(
            &shared_sg.ingress,
            Protocol::All,
            PortRange::ALL,
            &Peer::SelfRef
        ));
        assert!(has_rule(
            &shared_sg.ingress,
            Protocol::All,
            PortRange::ALL,
            &Peer::Group(GroupRef::Group(c.cluster_sg))
        ));
        assert!(has_rule(
            &cluster_sg.ingress,
            Protocol::All,
            PortRange::ALL,
            &Peer::Group(GroupRef::Group(shared))
        ));
        assert!(shared_sg.ingress.iter().all(|r| r.span == c.span));

        // Local group: tagged, kubelet/workload and 443 from the control plane.
        let local = group_id(&n.additional_groups[1]);
        let local_sg = m.group(local);
        assert_eq!(local_sg.origin, GroupOrigin::Generated("eksctl"));
        assert_eq!(local_sg.default_egress, DefaultEgress::AllowAll);
        assert_eq!(local_sg.tags.len(), 1);
        assert_eq!(
            local_sg.tags[0].key,
            Known::Value("kubernetes.io/cluster/demo".into())
        );
        assert_eq!(local_sg.tags[0].value, Known::Value("owned".into()));
        let from_cp = Peer::Group(GroupRef::Group(cp));
        let workload = PortRange::new(Some(1025), Some(65535));
        assert!(has_rule(
            &local_sg.ingress,
            Protocol::Tcp,
            workload,
            &from_cp
        ));
        assert!(has_rule(
            &local_sg.ingress,
            Protocol::Tcp,
            PortRange::single(443),
            &from_cp
        ));
        assert!(ssh_peers(&local_sg.ingress).is_empty());
        assert!(local_sg.ingress.iter().all(|r| r.span == n.span));

        // The control-plane side of the pairing.
        let to_local = Peer::Group(GroupRef::Group(local));
        let cp_sg = m.group(cp);
        assert!(has_rule(&cp_sg.egress, Protocol::Tcp, workload, &to_local));
        assert!(has_rule(
            &cp_sg.egress,
            Protocol::Tcp,
            PortRange::single(443),
            &to_local
        ));
        assert!(has_rule(
            &cp_sg.ingress,
            Protocol::Tcp,
            PortRange::single(443),
            &to_local
        ));
        assert_eq!(cp_sg.ingress.len(), 1);
        assert_eq!(cp_sg.egress.len(), 2);

        // The managed node group: the cluster SG only.
        let mng = ng(&m, "managedNodeGroups[mng-1]");
        assert_eq!(mng.kind, NodeGroupKind::Managed);
        assert_eq!(mng.cluster_sg, ClusterSgAttachment::Always);
        assert_eq!(mng.launch_template_groups, GroupList::Absent);
        assert!(!mng.launch_template_unknown);
        assert!(mng.additional_groups.is_empty());
        assert!(mng.remote_access.is_none());

        // Endpoint defaults.
        assert_eq!(c.endpoint.public_access, Known::Value(true));
        assert_eq!(c.endpoint.private_access, Known::Value(false));
        assert_eq!(c.endpoint.public_access_cidrs, None);
        assert_eq!(c.endpoint.span, None);

        // Cluster SG, control plane, shared, local.
        assert_eq!(m.groups.len(), 4);
    }

    #[test]
    fn custom_control_plane_and_shared_groups() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: custom
vpc:
  securityGroup: sg-cp
  controlPlaneSecurityGroupIDs: [sg-ignored]
  sharedNodeSecurityGroup: sg-shared
nodeGroups:
  - name: ng
";
        let m = model_of(text);
        let c = &m.clusters[0];
        assert_eq!(c.creation_groups, GroupList::Groups(vec![ext("sg-cp")]));
        let span = c.creation_groups_span.expect("creation span");
        assert_eq!(slice(text, span), "securityGroup: sg-cp");
        assert_eq!(c.creation_group_spans.len(), 1);
        assert_eq!(slice(text, c.creation_group_spans[0]), "sg-cp");
        assert!(c.vpc_config_span.is_some());

        let n = ng(&m, "nodeGroups[ng]");
        assert_eq!(n.additional_groups[0], ext("sg-shared"));
        let local = m.group(local_of(&m, n));
        assert!(has_rule(
            &local.ingress,
            Protocol::Tcp,
            PortRange::new(Some(1025), Some(65535)),
            &Peer::Group(ext("sg-cp"))
        ));
        // Only the cluster SG and the local group are in the model; the
        // cluster SG admits the external shared group.
        assert_eq!(m.groups.len(), 2);
        assert!(has_rule(
            &m.group(c.cluster_sg).ingress,
            Protocol::All,
            PortRange::ALL,
            &Peer::Group(ext("sg-shared"))
        ));
    }

    #[test]
    fn control_plane_security_group_ids() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: ids}
vpc:
  controlPlaneSecurityGroupIDs: [sg-1, sg-2]
nodeGroups:
  - name: ng
";
        let m = model_of(text);
        let c = &m.clusters[0];
        assert_eq!(
            c.creation_groups,
            GroupList::Groups(vec![ext("sg-1"), ext("sg-2")])
        );
        let spans: Vec<&str> = c
            .creation_group_spans
            .iter()
            .map(|s| slice(text, *s))
            .collect();
        assert_eq!(spans, ["sg-1", "sg-2"]);
        // eksctl pairs node groups with the first one.
        let local = m.group(local_of(&m, ng(&m, "nodeGroups[ng]")));
        assert!(has_rule(
            &local.ingress,
            Protocol::Tcp,
            PortRange::single(443),
            &Peer::Group(ext("sg-1"))
        ));
    }

    #[test]
    fn unmanaged_shared_rules() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: c
vpc:
  sharedNodeSecurityGroup: sg-shared
  manageSharedNodeSecurityGroupRules: false
";
        let m = model_of(text);
        let c = &m.clusters[0];
        // Only EKS's own self rule.
        assert_eq!(m.group(c.cluster_sg).ingress.len(), 1);
        assert_eq!(m.group(c.cluster_sg).ingress[0].peer, Peer::SelfRef);
    }

    #[test]
    fn with_shared_and_with_local_off_and_attach_ids() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: c
nodeGroups:
  - name: bare
    securityGroups:
      attachIDs: [sg-a, \"sg-b\"]
      withShared: false
      withLocal: false
    ssh:
      allow: true
  - name: no-shared
    securityGroups:
      withShared: \"false\"
  - name: no-local
    securityGroups:
      attachIDs: [sg-a]
      withLocal: false
";
        let m = model_of(text);
        let bare = ng(&m, "nodeGroups[bare]");
        assert_eq!(bare.additional_groups, vec![ext("sg-a"), ext("sg-b")]);
        // No local group: eksctl writes no SSH rule anywhere, and says so.
        assert!(m.groups.iter().all(|g| ssh_peers(&g.ingress).is_empty()));
        assert!(m.notes.iter().any(|n| n.message.contains("withLocal")));

        let no_shared = ng(&m, "nodeGroups[no-shared]");
        assert_eq!(no_shared.additional_groups.len(), 1);
        let only = group_id(&no_shared.additional_groups[0]);
        assert!(!m.group(only).tags.is_empty(), "the local group");

        let no_local = ng(&m, "nodeGroups[no-local]");
        assert_eq!(no_local.additional_groups.len(), 2);
        assert_eq!(no_local.additional_groups[0], ext("sg-a"));
        let shared = group_id(&no_local.additional_groups[1]);
        assert!(m.group(shared).tags.is_empty(), "the shared group");

        // The control-plane group has rules only for no-shared's local group.
        let cp = group_id(&m.clusters[0].creation_groups.all_members()[0]);
        assert_eq!(m.group(cp).egress.len(), 2);
    }

    const SSH: &str = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: ssh
vpc:
  cidr: 10.10.0.0/16
nodeGroups:
  - name: from-groups
    ssh:
      allow: true
      sourceSecurityGroupIds: [sg-bastion]
  - name: private
    privateNetworking: true
    ssh:
      publicKeyName: my-key
  - name: open
    ssh:
      publicKeyPath: ~/.ssh/id_rsa.pub
  - name: key-but-closed
    ssh:
      publicKey: \"ssh-rsa AAAA\"
      allow: false
  - name: ssm-only
    ssh:
      enableSsm: true
  - name: none
";

    #[test]
    fn self_managed_ssh_variants() {
        let m = model_of(SSH);
        let peers = |name: &str| {
            let n = ng(&m, &format!("nodeGroups[{name}]"));
            ssh_peers(&m.group(local_of(&m, n)).ingress)
        };
        assert_eq!(peers("from-groups"), vec![Peer::Group(ext("sg-bastion"))]);
        assert_eq!(peers("private"), vec![Peer::cidr("10.10.0.0/16")]);
        assert_eq!(
            peers("open"),
            vec![Peer::cidr("0.0.0.0/0"), Peer::cidr("::/0")]
        );
        assert!(peers("key-but-closed").is_empty());
        assert!(peers("ssm-only").is_empty());
        assert!(peers("none").is_empty());

        // SSH rules point at the `ssh` setting.
        let n = ng(&m, "nodeGroups[open]");
        for r in m.group(local_of(&m, n)).ingress.iter() {
            if r.ports == PortRange::single(22) {
                assert!(slice(SSH, r.span).starts_with("ssh:"));
                assert!(slice(SSH, r.span).contains("publicKeyPath"));
                assert!(r.implicit);
            }
        }
    }

    #[test]
    fn ssh_private_networking_vpc_cidr() {
        let default_vpc = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: a}
nodeGroups:
  - name: ng
    privateNetworking: true
    ssh: {allow: true}
";
        let m = model_of(default_vpc);
        let local = m.group(local_of(&m, ng(&m, "nodeGroups[ng]")));
        assert_eq!(
            ssh_peers(&local.ingress),
            vec![Peer::cidr("192.168.0.0/16")]
        );

        let existing_vpc = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: a}
vpc:
  id: vpc-123
nodeGroups:
  - name: ng
    privateNetworking: true
    ssh: {allow: true}
";
        let m = model_of(existing_vpc);
        let local = m.group(local_of(&m, ng(&m, "nodeGroups[ng]")));
        assert_eq!(ssh_peers(&local.ingress), vec![Peer::Unknown]);

        let existing_subnets = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: a}
vpc:
  subnets:
    private:
      eu-west-1a: {id: subnet-1}
managedNodeGroups:
  - name: mng
    privateNetworking: true
    ssh: {allow: true}
";
        let m = model_of(existing_subnets);
        let ra = ng(&m, "managedNodeGroups[mng]")
            .remote_access
            .as_ref()
            .expect("remote access");
        let g = m.group(ra.group.expect("group"));
        assert_eq!(ssh_peers(&g.ingress), vec![Peer::Unknown]);
    }

    #[test]
    fn managed_ssh_remote_access() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: m
managedNodeGroups:
  - name: plain
  - name: from-groups
    securityGroups:
      attachIDs: [sg-1, sg-2]
    ssh:
      allow: true
      publicKeyPath: ~/.ssh/ec2_id_rsa.pub
      sourceSecurityGroupIds: [\"sg-00241fbb12c607007\"]
  - name: open
    ssh: {publicKeyName: k}
  - name: private
    privateNetworking: true
    ssh: {allow: true}
  - name: closed
    ssh: {publicKeyName: k, allow: false}
";
        let m = model_of(text);
        assert!(ng(&m, "managedNodeGroups[plain]").remote_access.is_none());
        assert!(ng(&m, "managedNodeGroups[closed]").remote_access.is_none());

        let n = ng(&m, "managedNodeGroups[from-groups]");
        assert_eq!(n.cluster_sg, ClusterSgAttachment::Always);
        // attachIDs only: the SSH group is the remote-access group.
        assert_eq!(n.additional_groups, vec![ext("sg-1"), ext("sg-2")]);
        let ra = n.remote_access.as_ref().expect("remote access");
        assert!(slice(text, ra.span).starts_with("ssh:"));
        assert_eq!(ra.key_set, Known::Value(true));
        assert_eq!(
            ra.source_groups,
            GroupList::Groups(vec![ext("sg-00241fbb12c607007")])
        );
        let g = m.group(ra.group.expect("group"));
        assert_eq!(g.origin, GroupOrigin::RemoteAccess(NodeGroupId(1)));
        assert_eq!(g.default_egress, DefaultEgress::AllowAll);
        assert_eq!(g.span, ra.span);
        assert_eq!(
            ssh_peers(&g.ingress),
            vec![Peer::Group(ext("sg-00241fbb12c607007"))]
        );

        let open = ng(&m, "managedNodeGroups[open]");
        let ra = open.remote_access.as_ref().expect("remote access");
        assert_eq!(ra.source_groups, GroupList::Absent);
        let g = m.group(ra.group.expect("group"));
        assert_eq!(g.origin, GroupOrigin::RemoteAccess(NodeGroupId(2)));
        assert_eq!(
            ssh_peers(&g.ingress),
            vec![Peer::cidr("0.0.0.0/0"), Peer::cidr("::/0")]
        );

        let private = ng(&m, "managedNodeGroups[private]");
        let g = m.group(
            private
                .remote_access
                .as_ref()
                .and_then(|r| r.group)
                .expect("group"),
        );
        assert_eq!(ssh_peers(&g.ingress), vec![Peer::cidr("192.168.0.0/16")]);
    }

    #[test]
    fn managed_with_user_launch_template() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: lt}
managedNodeGroups:
  - name: custom
    launchTemplate:
      id: lt-1234
      version: \"3\"
";
        let m = model_of(text);
        let n = ng(&m, "managedNodeGroups[custom]");
        assert!(n.launch_template_unknown);
        assert_eq!(n.launch_template_groups, GroupList::Unknown);
        assert_eq!(
            n.cluster_sg,
            ClusterSgAttachment::UnlessLaunchTemplateSetsGroups
        );
    }

    #[test]
    fn private_cluster() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: p}
privateCluster:
  enabled: true
";
        let m = model_of(text);
        let c = &m.clusters[0];
        assert!(c.creates_private_endpoints);
        assert_eq!(c.endpoint.public_access, Known::Value(false));
        assert_eq!(c.endpoint.private_access, Known::Value(true));
        let span = c.endpoint.span.expect("endpoint span");
        assert!(slice(text, span).starts_with("privateCluster:"));

        let skip = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: p}
privateCluster:
  enabled: true
  skipEndpointCreation: true
";
        let c = &model_of(skip).clusters[0];
        assert!(!c.creates_private_endpoints);
        assert_eq!(c.endpoint.public_access, Known::Value(false));
        assert_eq!(c.endpoint.private_access, Known::Value(true));

        let off = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: p}
privateCluster: {enabled: false}
";
        let c = &model_of(off).clusters[0];
        assert!(!c.creates_private_endpoints);
        assert_eq!(c.endpoint.public_access, Known::Value(true));
    }

    #[test]
    fn ip_family() {
        let family = |value: &str| {
            let text = format!(
                "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {{name: f}}\n\
                 kubernetesNetworkConfig:\n  ipFamily: {value}\n"
            );
            model_of(&text).clusters[0].ip_family
        };
        assert_eq!(family("IPv6"), IpFamily::Ipv6);
        assert_eq!(family("ipv6"), IpFamily::Ipv6);
        assert_eq!(family("IPv4"), IpFamily::Ipv4);
        assert_eq!(family("dual"), IpFamily::Unknown);
    }

    #[test]
    fn endpoints() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  name: e
vpc:
  clusterEndpoints:
    publicAccess: false
    privateAccess: \"true\"
  publicAccessCIDRs: [\"1.1.1.1/32\", 10.0.0.0/8]
";
        let c = &model_of(text).clusters[0];
        assert_eq!(c.endpoint.public_access, Known::Value(false));
        assert_eq!(c.endpoint.private_access, Known::Value(true));
        assert_eq!(
            c.endpoint.public_access_cidrs,
            Some(Known::Value(vec!["1.1.1.1/32".into(), "10.0.0.0/8".into()]))
        );
        let span = c.endpoint.span.expect("endpoint span");
        assert!(slice(text, span).starts_with("clusterEndpoints:"));
        let cidrs = c.endpoint.cidrs_span.expect("cidrs span");
        assert!(slice(text, cidrs).starts_with("publicAccessCIDRs:"));

        let partial = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: e}
vpc:
  clusterEndpoints: {privateAccess: true}
  publicAccessCIDRs: []
";
        let c = &model_of(partial).clusters[0];
        assert_eq!(c.endpoint.public_access, Known::Value(true));
        assert_eq!(c.endpoint.private_access, Known::Value(true));
        assert_eq!(c.endpoint.public_access_cidrs, None);

        let unreadable = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: e}
vpc:
  clusterEndpoints: {publicAccess: maybe}
  publicAccessCIDRs: 1.1.1.1/32
";
        let c = &model_of(unreadable).clusters[0];
        assert_eq!(c.endpoint.public_access, Known::Unknown);
        assert_eq!(c.endpoint.public_access_cidrs, Some(Known::Unknown));
    }

    #[test]
    fn extra_cidrs_reach_the_control_plane() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: x}
vpc:
  extraCIDRs: [10.1.0.0/16]
remoteNetworkConfig:
  remoteNodeNetworks:
    - cidrs: [172.16.0.0/18]
";
        let m = model_of(text);
        let cp = group_id(&m.clusters[0].creation_groups.all_members()[0]);
        let ingress = &m.group(cp).ingress;
        assert_eq!(ingress.len(), 2);
        assert!(has_rule(
            ingress,
            Protocol::Tcp,
            PortRange::single(443),
            &Peer::cidr("10.1.0.0/16")
        ));
        assert_eq!(slice(text, ingress[0].span), "10.1.0.0/16");
        assert!(has_rule(
            ingress,
            Protocol::Tcp,
            PortRange::single(443),
            &Peer::cidr("172.16.0.0/18")
        ));
    }

    #[test]
    fn efa_groups() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: efa, version: \"1.30\"}
nodeGroups:
  - name: ng
    efaEnabled: true
managedNodeGroups:
  - name: mng
    efaEnabled: true
";
        let m = model_of(text);
        assert_eq!(ng(&m, "nodeGroups[ng]").additional_groups.len(), 3);
        assert_eq!(ng(&m, "managedNodeGroups[mng]").additional_groups.len(), 1);

        // From 1.33 (and by default) managed node groups get no EFA group.
        let recent = text.replace("\"1.30\"", "\"1.33\"");
        let m = model_of(&recent);
        assert!(ng(&m, "managedNodeGroups[mng]")
            .additional_groups
            .is_empty());
        let default = text.replace(", version: \"1.30\"", "");
        let m = model_of(&default);
        assert!(ng(&m, "managedNodeGroups[mng]")
            .additional_groups
            .is_empty());
        assert_eq!(ng(&m, "nodeGroups[ng]").additional_groups.len(), 3);
    }

    #[test]
    fn odd_documents_do_not_panic() {
        for text in [
            "- a\n- b\n",
            "just a string\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n",
            "kind: ClusterConfig\nmetadata: 5\nvpc: [1]\nnodeGroups: {a: b}\n",
            "kind: ClusterConfig\nmetadata: {name: [x]}\nnodeGroups: [1, {name: 2, ssh: 3, \
             securityGroups: {attachIDs: sg-1, withLocal: 7}}]\nmanagedNodeGroups: [{ssh: \
             {allow: true, sourceSecurityGroupIds: x}}]\nvpc: {controlPlaneSecurityGroupIDs: \
             [{a: b}], cidr: nonsense, securityGroup: ''}\n",
        ] {
            let docs = yaml::parse(FILE, text, Limits::default()).expect("parses");
            for doc in &docs {
                let m = extract(doc, FILE);
                check_invariants(&m, text.len());
            }
        }
        let not_eksctl = model_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
        assert_eq!(not_eksctl, Model::default());
        assert_eq!(model_of("- a\n"), Model::default());
    }

    #[test]
    fn missing_name_gives_a_partial_model() {
        let text = "\
apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata:
  region: us-east-1
nodeGroups:
  - instanceType: m5.large
";
        let m = model_of(text);
        let c = &m.clusters[0];
        assert_eq!(c.name, Known::Unknown);
        assert!(slice(text, c.span).starts_with("metadata:"));
        assert!(m
            .group(c.cluster_sg)
            .tags
            .iter()
            .all(|t| t.key == Known::Unknown));
        let n = &m.node_groups[0];
        assert_eq!(n.address, "nodeGroups[0]");
        assert_eq!(n.name, Known::Unknown);
        let local = m.group(local_of(&m, n));
        assert_eq!(local.tags[0].key, Known::Unknown);
        assert!(!m.notes.is_empty());
    }

    /// Every eksctl document of the shared corpus extracts without panicking
    /// and with ids and spans in range.
    #[test]
    fn corpus_eksctl_documents() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        let Ok(manifest) = std::fs::read_to_string(root.join("MANIFEST.txt")) else {
            eprintln!("corpus not found; skipped");
            return;
        };
        let mut documents = 0;
        let mut clusters = 0;
        for line in manifest.lines() {
            let Some(("eksctl", path)) = line.trim().split_once(' ') else {
                continue;
            };
            let Ok(text) = std::fs::read_to_string(root.join(path.trim())) else {
                continue;
            };
            let Ok(docs) = yaml::parse(FILE, &text, Limits::default()) else {
                continue;
            };
            for doc in &docs {
                documents += 1;
                let m = extract(doc, FILE);
                check_invariants(&m, text.len());
                clusters += m.clusters.len();
            }
        }
        eprintln!("corpus: {documents} eksctl documents, {clusters} clusters");
        if documents > 0 {
            assert!(clusters > 0);
        }
    }
}
