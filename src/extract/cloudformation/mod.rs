//! CloudFormation (YAML, JSON, CDK output) → model.
//!
//! One document at a time. The order matters only for references, so the
//! extraction goes in phases: groups are declared first (every `Ref` to a
//! group resolves whatever the order of the resources), then clusters with
//! their implicit EKS cluster security group, then the groups' inline rules
//! and the standalone rules (which may target a cluster's group through
//! `GetAtt Cluster.ClusterSecurityGroupId`), launch templates, node groups
//! and VPC endpoints.
//!
//! Span conventions: a resource-level anchor (a group, a cluster, a node
//! group, an endpoint, a standalone rule) is the logical ID key; an inline
//! rule is its list item (the branch of an `Fn::If` item); a setting is its
//! entry, key through value (`ResourcesVpcConfig`, `SecurityGroupIds`,
//! `SecurityGroupEgress`, `RemoteAccess`).
//!
//! Unknown stays unknown: a parameter without a default, an import, a
//! pseudo parameter, an unresolvable function never become a guess.

mod groups;
mod intrinsics;
mod rules;
mod template;
#[cfg(test)]
mod tests;

use foldhash::{HashMap, HashMapExt};

use crate::model::{
    Cluster, ClusterLink, ClusterSgAttachment, DefaultEgress, Direction, Endpoint, GroupList,
    GroupOrigin, IpFamily, Known, Model, NodeGroup, NodeGroupKind, Note, Peer, PortRange, Presence,
    Protocol, RemoteAccess, SecurityGroup, SgRule, VpcEndpoint,
};
use crate::source::FileId;
use crate::syntax::Node;

use groups::{concat, one_of};
use intrinsics::{alternatives, getatt_target, is_no_value, ref_target, Placeholders, Val};
use template::{
    ClusterSlot, Resource, Template, AUTO_SCALING_GROUP, EKS_CLUSTER, EKS_NODEGROUP,
    LAUNCH_CONFIGURATION, LAUNCH_TEMPLATE, VPC_ENDPOINT,
};

/// The tag that links self-managed nodes to their cluster.
const CLUSTER_TAG_PREFIX: &str = "kubernetes.io/cluster/";

/// Extracts the model of one CloudFormation document. A document that is not
/// a template, or has no `Resources`, yields an empty model.
pub fn extract(doc: &Node, file: FileId) -> Model {
    // Every span comes from the tree, which already carries the file.
    let _ = file;
    let mut model = Model::default();
    let mut template = Template::new(doc);
    template.declare_groups(&mut model);
    template.add_clusters(&mut model);
    template.fill_groups(&mut model);
    template.standalone_rules(&mut model);
    let launch_templates = template.launch_templates();
    template.add_node_groups(&mut model, &launch_templates);
    template.add_endpoints(&mut model);
    model
}

/// The groups a launch template or launch configuration sets, by logical
/// ID, and launch templates by their `LaunchTemplateName`.
struct LaunchTemplates {
    groups: HashMap<String, GroupList>,
    by_name: HashMap<String, String>,
}

impl<'a> Template<'a> {
    fn add_clusters(&mut self, model: &mut Model) {
        let base = model.next_cluster_id().0;
        let mut slots = Vec::new();
        let mut names = Vec::new();
        for (i, res) in self.of_type(EKS_CLUSTER).enumerate() {
            let id = crate::model::ClusterId(base + u32::try_from(i).unwrap_or(u32::MAX));
            let name = self.static_cluster_name(res.id);
            let sg = model.add_eks_cluster_sg(id, name.as_deref().unwrap_or(res.id), res.key_span);
            slots.push((res.id, ClusterSlot { id, sg }));
            if let Some(name) = name {
                names.push((name, id));
            }
        }
        for (name, id) in names {
            self.cluster_names
                .entry(name)
                .and_modify(|unique| *unique = None)
                .or_insert(Some(id));
        }
        self.clusters.extend(slots.iter().copied());
        for (res_id, slot) in slots {
            let Some(res) = self.resource(res_id) else {
                continue;
            };
            let cluster = self.cluster(res, slot);
            // Ids were handed out in this order above.
            model.add_cluster(cluster);
        }
    }

    fn cluster(&self, res: &Resource<'a>, slot: ClusterSlot) -> Cluster {
        let name = match res.prop("Name") {
            Some(n) => self.known_str(self.eval(n)),
            None => Known::Unknown,
        };
        let mut cluster = Cluster {
            address: res.id.to_string(),
            name,
            span: res.key_span,
            creation_groups: GroupList::Absent,
            explicit_group_expected: true,
            vpc_config_span: None,
            creation_groups_span: None,
            creation_group_spans: Vec::new(),
            cluster_sg: slot.sg,
            ip_family: self.ip_family(res),
            endpoint: Endpoint {
                public_access: Known::Value(true),
                private_access: Known::Value(false),
                public_access_cidrs: None,
                span: None,
                cidrs_span: None,
            },
            creates_private_endpoints: false,
        };
        let Some(vpc) = res.prop_entry("ResourcesVpcConfig") else {
            return cluster;
        };
        cluster.vpc_config_span = Some(vpc.span());
        let alts = alternatives(&vpc.value);
        let config = match alts.as_slice() {
            [(Some(config), _)] if config.as_map().is_some() => *config,
            [(None, _)] => return cluster,
            _ => {
                // The whole configuration under a condition or a function:
                // the groups of each branch, the endpoint unknown.
                cluster.creation_groups = one_of(
                    alts.iter()
                        .map(|(alt, _)| match alt {
                            None => GroupList::Absent,
                            Some(c) if c.as_map().is_none() => GroupList::Unknown,
                            Some(c) => c
                                .get("SecurityGroupIds")
                                .map_or(GroupList::Absent, |g| self.group_list(g).0),
                        })
                        .collect(),
                );
                cluster.endpoint.public_access = Known::Unknown;
                cluster.endpoint.private_access = Known::Unknown;
                cluster.endpoint.public_access_cidrs = Some(Known::Unknown);
                return cluster;
            }
        };
        if let Some(groups) = config.entry("SecurityGroupIds") {
            let (list, spans) = self.group_list(&groups.value);
            cluster.creation_groups = list;
            cluster.creation_groups_span = Some(groups.span());
            cluster.creation_group_spans = spans;
        }
        let public = config.entry("EndpointPublicAccess");
        let private = config.entry("EndpointPrivateAccess");
        cluster.endpoint.public_access = self.known_bool(public.map(|e| &e.value), true);
        cluster.endpoint.private_access = self.known_bool(private.map(|e| &e.value), false);
        if let Some(cidrs) = config.entry("PublicAccessCidrs") {
            let value = self.eval(&cidrs.value);
            if value != Val::Absent {
                cluster.endpoint.public_access_cidrs = Some(self.known_str_list(value));
                cluster.endpoint.cidrs_span = Some(cidrs.span());
            }
        }
        cluster.endpoint.span = public.or(private).map(|e| e.span());
        cluster
    }

    fn ip_family(&self, res: &Resource<'a>) -> IpFamily {
        let Some(config) = res.prop("KubernetesNetworkConfig") else {
            return IpFamily::Ipv4;
        };
        if is_no_value(config) {
            return IpFamily::Ipv4;
        }
        if config.as_map().is_none() {
            return IpFamily::Unknown;
        }
        let Some(family) = config.get("IpFamily") else {
            return IpFamily::Ipv4;
        };
        fn of(v: Val) -> IpFamily {
            match v {
                Val::Absent => IpFamily::Ipv4,
                Val::Str(s) if s.trim().eq_ignore_ascii_case("ipv6") => IpFamily::Ipv6,
                Val::Str(s) if s.trim().eq_ignore_ascii_case("ipv4") => IpFamily::Ipv4,
                Val::OneOf(alts) => {
                    let mut families = alts.into_iter().map(of);
                    let first = families.next().unwrap_or(IpFamily::Unknown);
                    if families.all(|f| f == first) {
                        first
                    } else {
                        IpFamily::Unknown
                    }
                }
                _ => IpFamily::Unknown,
            }
        }
        of(self.eval(family))
    }

    fn launch_templates(&self) -> LaunchTemplates {
        let mut lts = LaunchTemplates {
            groups: HashMap::new(),
            by_name: HashMap::new(),
        };
        for res in &self.resources {
            let groups = match res.ty {
                LAUNCH_TEMPLATE => {
                    // Unknown parts stay as `${Name}`: within one stack the
                    // same expression has the same value, so a node group
                    // naming `!Sub ${AWS::StackName}` finds a template named so.
                    if let Some(Val::Str(name)) = res
                        .prop("LaunchTemplateName")
                        .map(|n| self.eval_with(n, Placeholders::All))
                    {
                        lts.by_name.insert(name, res.id.to_string());
                    }
                    self.launch_template_groups(res.prop("LaunchTemplateData"))
                }
                LAUNCH_CONFIGURATION => res
                    .prop("SecurityGroups")
                    .map_or(GroupList::Absent, |g| self.group_list(g).0),
                _ => continue,
            };
            lts.groups.insert(res.id.to_string(), groups);
        }
        lts
    }

    /// `SecurityGroupIds`, `SecurityGroups` and `NetworkInterfaces[].Groups`
    /// of `LaunchTemplateData`, together.
    fn launch_template_groups(&self, data: Option<&Node>) -> GroupList {
        let Some(data) = data else {
            return GroupList::Absent;
        };
        let per_branch = alternatives(data)
            .into_iter()
            .map(|(alt, _)| match alt {
                None => GroupList::Absent,
                Some(d) if d.as_map().is_none() => GroupList::Unknown,
                Some(d) => {
                    let mut parts = Vec::new();
                    for key in ["SecurityGroupIds", "SecurityGroups"] {
                        if let Some(g) = d.get(key) {
                            parts.push(self.group_list(g).0);
                        }
                    }
                    if let Some(nics) = d.get("NetworkInterfaces") {
                        parts.push(self.interface_groups(nics));
                    }
                    concat(parts, false)
                }
            })
            .collect();
        one_of(per_branch)
    }

    fn interface_groups(&self, nics: &Node) -> GroupList {
        let per_branch = alternatives(nics)
            .into_iter()
            .map(|(alt, _)| match alt {
                None => GroupList::Absent,
                Some(list) => match list.as_seq() {
                    None => GroupList::Unknown,
                    Some(items) => {
                        let parts = items
                            .iter()
                            .map(|item| {
                                one_of(
                                    alternatives(item)
                                        .into_iter()
                                        .map(|(nic, _)| match nic {
                                            None => GroupList::Absent,
                                            Some(n) if n.as_map().is_none() => GroupList::Unknown,
                                            Some(n) => {
                                                n.get("Groups").map_or(GroupList::Absent, |g| {
                                                    self.group_list(g).0
                                                })
                                            }
                                        })
                                        .collect(),
                                )
                            })
                            .collect();
                        concat(parts, false)
                    }
                },
            })
            .collect();
        one_of(per_branch)
    }

    /// The groups of a launch template specification (`{Id|Name, Version}`),
    /// and whether it could not be resolved.
    fn launch_template_spec(
        &self,
        spec: &Node,
        id_key: &str,
        name_key: &str,
        lts: &LaunchTemplates,
    ) -> (GroupList, bool) {
        let mut unknown = false;
        let mut results = Vec::new();
        for (alt, _) in alternatives(spec) {
            let Some(spec) = alt else {
                results.push(GroupList::Absent);
                continue;
            };
            let Some(reference) = spec.get(id_key).or_else(|| spec.get(name_key)) else {
                unknown = true;
                results.push(GroupList::Unknown);
                continue;
            };
            for (target, _) in alternatives(reference) {
                let groups = target.and_then(|t| self.launch_template_ref(t, lts));
                if groups.is_none() {
                    unknown = true;
                }
                results.push(groups.unwrap_or(GroupList::Unknown));
            }
        }
        (one_of(results), unknown)
    }

    /// The groups of the launch template a value names, when it is one of
    /// this template's.
    fn launch_template_ref(&self, node: &Node, lts: &LaunchTemplates) -> Option<GroupList> {
        let target = ref_target(node)
            .or_else(|| getatt_target(node).map(|(res, _)| res))
            .map(str::to_string)
            .or_else(|| match self.eval_with(node, Placeholders::All) {
                Val::Str(name) => lts.by_name.get(&name).cloned(),
                _ => None,
            })?;
        lts.groups.get(&target).cloned()
    }

    fn add_node_groups(&self, model: &mut Model, lts: &LaunchTemplates) {
        for res in &self.resources {
            match res.ty {
                EKS_NODEGROUP => self.add_managed_node_group(model, res, lts),
                AUTO_SCALING_GROUP => self.add_self_managed_node_group(model, res, lts),
                _ => {}
            }
        }
    }

    fn add_managed_node_group(&self, model: &mut Model, res: &Resource<'a>, lts: &LaunchTemplates) {
        let (launch_template_groups, launch_template_unknown) = match res.prop("LaunchTemplate") {
            Some(spec) => self.launch_template_spec(spec, "Id", "Name", lts),
            None => (GroupList::Absent, false),
        };
        if launch_template_unknown {
            model.notes.push(Note {
                span: res.key_span,
                message: format!(
                    "the launch template of `{}` could not be resolved; the groups on its nodes are unknown",
                    res.id
                ),
            });
        }
        let remote_access = self.remote_access(model, res);
        model.add_node_group(NodeGroup {
            address: res.id.to_string(),
            name: match res.prop("NodegroupName") {
                Some(n) => self.known_str(self.eval(n)),
                None => Known::Unknown,
            },
            span: res.key_span,
            kind: NodeGroupKind::Managed,
            cluster: res
                .prop("ClusterName")
                .map_or(ClusterLink::Unknown, |n| self.cluster_link(n)),
            launch_template_groups,
            launch_template_unknown,
            cluster_sg: ClusterSgAttachment::UnlessLaunchTemplateSetsGroups,
            additional_groups: Vec::new(),
            remote_access,
        });
    }

    /// `ClusterName` of a managed node group: a cluster of this template (by
    /// reference or by name), or a name to link across the scan.
    fn cluster_link(&self, node: &Node) -> ClusterLink {
        let links: Vec<ClusterLink> = alternatives(node)
            .into_iter()
            .map(|(alt, _)| match alt {
                None => ClusterLink::Unknown,
                Some(n) => {
                    if let Some(slot) = ref_target(n).and_then(|t| self.clusters.get(t)) {
                        return ClusterLink::Cluster(slot.id);
                    }
                    match self.eval(n) {
                        Val::Str(name) => self.cluster_by_name(name.trim()),
                        _ => ClusterLink::Unknown,
                    }
                }
            })
            .collect();
        match links.split_first() {
            Some((first, rest)) if rest.iter().all(|l| l == first) => first.clone(),
            _ => ClusterLink::Unknown,
        }
    }

    /// A cluster name: this template's cluster of that name, or the name.
    fn cluster_by_name(&self, name: &str) -> ClusterLink {
        match self.cluster_names.get(name) {
            Some(Some(id)) => ClusterLink::Cluster(*id),
            _ => ClusterLink::Name(name.to_string()),
        }
    }

    /// `RemoteAccess` of a managed node group, with the group EKS creates
    /// for it (added to the model before the node group, so its origin can
    /// name the node group's id).
    fn remote_access(&self, model: &mut Model, res: &Resource<'a>) -> Option<RemoteAccess> {
        let entry = res.prop_entry("RemoteAccess")?;
        let alts = alternatives(&entry.value);
        let conditional = alts.len() > 1;
        let config = alts.iter().find_map(|(alt, _)| *alt)?;
        // A configuration that is not a literal map (an unresolved
        // function) leaves both the key and the sources unknown.
        let literal = config.as_map().is_some();
        let key_set = match config.get("Ec2SshKey") {
            None if !literal => Known::Unknown,
            None => Known::Value(false),
            Some(key) => match self.eval(key) {
                Val::Absent => Known::Value(false),
                v => match self.known_str(v) {
                    Known::Value(s) => Known::Value(!s.trim().is_empty()),
                    Known::OneOf(alts) => Known::OneOf(
                        alts.into_iter()
                            .map(|k| match k {
                                Known::Value(s) => Known::Value(!s.trim().is_empty()),
                                _ => Known::Unknown,
                            })
                            .collect(),
                    ),
                    Known::Unknown => Known::Unknown,
                },
            },
        };
        let source_groups = match config.get("SourceSecurityGroups") {
            None if !literal => GroupList::Unknown,
            None => GroupList::Absent,
            Some(g) => self.group_list(g).0,
        };
        let windows = res
            .prop("AmiType")
            .and_then(|t| self.eval(t).as_str().map(|s| s.to_ascii_uppercase()))
            .is_some_and(|t| t.starts_with("WINDOWS"));
        let port = if windows { 3389 } else { 22 };
        let span = entry.span();
        let mut group = SecurityGroup::new(
            format!("remote access group of {}", res.id),
            GroupOrigin::RemoteAccess(model.next_node_group_id()),
            span,
        );
        group.default_egress = DefaultEgress::AllowAll;
        let branches = source_groups.alternatives();
        let several = branches.len() > 1 || conditional;
        for branch in branches {
            let Some(sources) = branch else {
                group.rules_incomplete = true;
                continue;
            };
            let peers: Vec<Peer> = if sources.is_empty() {
                vec![Peer::cidr("0.0.0.0/0")]
            } else {
                sources.into_iter().map(Peer::Group).collect()
            };
            for peer in peers {
                let rule = SgRule {
                    direction: Direction::Ingress,
                    protocol: Protocol::Tcp,
                    ports: PortRange::single(port),
                    peer,
                    span,
                    presence: if several {
                        Presence::Conditional
                    } else {
                        Presence::Always
                    },
                    description: Some(format!("EKS remote access: TCP {port}")),
                    implicit: true,
                };
                if !group.ingress.contains(&rule) {
                    group.ingress.push(rule);
                }
            }
        }
        let group = model.add_group(group);
        Some(RemoteAccess {
            span,
            key_set,
            source_groups,
            group: Some(group),
        })
    }

    /// An Auto Scaling group is a node group when a `kubernetes.io/cluster/`
    /// tag links it to EKS.
    fn add_self_managed_node_group(
        &self,
        model: &mut Model,
        res: &Resource<'a>,
        lts: &LaunchTemplates,
    ) {
        let Some(cluster) = self.asg_cluster_link(res.prop("Tags")) else {
            return;
        };
        let mut launch_template_groups = GroupList::Absent;
        let mut launch_template_unknown = false;
        let mixed = res.props.and_then(|p| {
            p.path(&[
                "MixedInstancesPolicy",
                "LaunchTemplate",
                "LaunchTemplateSpecification",
            ])
        });
        if let Some(spec) = res.prop("LaunchTemplate").or(mixed) {
            (launch_template_groups, launch_template_unknown) =
                self.launch_template_spec(spec, "LaunchTemplateId", "LaunchTemplateName", lts);
        } else if let Some(config) = res.prop("LaunchConfigurationName") {
            let results: Vec<GroupList> = alternatives(config)
                .into_iter()
                .map(|(alt, _)| {
                    let groups = alt.and_then(|n| {
                        let target = ref_target(n)?;
                        lts.groups.get(target).cloned()
                    });
                    if groups.is_none() {
                        launch_template_unknown = true;
                    }
                    groups.unwrap_or(GroupList::Unknown)
                })
                .collect();
            launch_template_groups = one_of(results);
        } else if res.prop("MixedInstancesPolicy").is_some() || res.prop("InstanceId").is_some() {
            launch_template_unknown = true;
            launch_template_groups = GroupList::Unknown;
        }
        if launch_template_unknown {
            model.notes.push(Note {
                span: res.key_span,
                message: format!(
                    "the launch template of `{}` could not be resolved; the groups on its nodes are unknown",
                    res.id
                ),
            });
        }
        model.add_node_group(NodeGroup {
            address: res.id.to_string(),
            name: match res.prop("AutoScalingGroupName") {
                Some(n) => self.known_str(self.eval(n)),
                None => Known::Unknown,
            },
            span: res.key_span,
            kind: NodeGroupKind::SelfManaged,
            cluster,
            launch_template_groups,
            launch_template_unknown,
            cluster_sg: ClusterSgAttachment::Never,
            additional_groups: Vec::new(),
            remote_access: None,
        });
    }

    /// The cluster an Auto Scaling group's `kubernetes.io/cluster/<name>`
    /// tag names; `None` when it has no such tag.
    fn asg_cluster_link(&self, tags: Option<&Node>) -> Option<ClusterLink> {
        let mut items = Vec::new();
        for (list, _) in alternatives(tags?) {
            if let Some(list) = list.and_then(Node::as_seq) {
                for item in list {
                    items.extend(alternatives(item).into_iter().filter_map(|(t, _)| t));
                }
            }
        }
        let mut link = None;
        for tag in items {
            let Some(key) = tag.get("Key") else { continue };
            // Unknown names stay as `${Name}` so that the tag is recognised
            // even when the cluster's name is not known.
            let Val::Str(key) = self.eval_with(key, Placeholders::All) else {
                continue;
            };
            let Some(name) = key.trim().strip_prefix(CLUSTER_TAG_PREFIX) else {
                continue;
            };
            let this = if name.contains("${") {
                name.strip_prefix("${")
                    .and_then(|n| n.strip_suffix('}'))
                    .and_then(|n| self.clusters.get(n))
                    .map_or(ClusterLink::Unknown, |slot| ClusterLink::Cluster(slot.id))
            } else {
                self.cluster_by_name(name)
            };
            link = Some(match link {
                None => this,
                Some(prev) if prev == this => prev,
                Some(_) => ClusterLink::Unknown,
            });
        }
        link
    }

    fn add_endpoints(&self, model: &mut Model) {
        for res in self.of_type(VPC_ENDPOINT) {
            // Pseudo parameters stay as written (`com.amazonaws.${AWS::Region}.ecr.api`):
            // endpoints are matched by their service suffix.
            let service = match res.prop("ServiceName") {
                Some(n) => self.known_str(self.eval_with(n, Placeholders::Pseudo)),
                None => Known::Unknown,
            };
            model.endpoints.push(VpcEndpoint {
                address: res.id.to_string(),
                service,
                span: res.key_span,
            });
        }
    }
}
