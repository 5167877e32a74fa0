//! The EKS model: plain data, no format knowledge.
//!
//! Extractors turn a parsed file (or a Terraform directory) into a [`Model`]
//! fragment; fragments are merged into one model per run. Every item keeps
//! the span of the user's own text that defined it.

pub mod net;

use foldhash::{HashSet, HashSetExt};

use crate::source::Span;
pub use net::{Peer, PortRange, Protocol};

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}
id_type!(ClusterId);
id_type!(NodeGroupId);
id_type!(SgId);

/// A value that may not be known statically, with the alternatives a
/// condition allows (`Fn::If` yields both branches).
#[derive(Debug, Clone, PartialEq)]
pub enum Known<T> {
    Value(T),
    /// Several possible values (branches of a condition).
    OneOf(Vec<Known<T>>),
    Unknown,
}

impl<T> Known<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Known::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A reference to a security group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupRef {
    /// A group in the model (defined in the scan or implicit).
    Group(SgId),
    /// A group defined elsewhere (an ID literal, a parameter without a
    /// default, a data source, an import): its rules are unknown. The string
    /// describes it for messages.
    External(String),
}

/// The list of groups in some setting, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupList {
    /// The setting is absent.
    Absent,
    /// A list whose every member is resolved (possibly empty).
    Groups(Vec<GroupRef>),
    /// Alternatives (conditions): each may itself be absent, a list or unknown.
    OneOf(Vec<GroupList>),
    /// The list itself cannot be resolved (a parameter of type list without a
    /// default, a variable, an unknown function).
    Unknown,
}

impl GroupList {
    /// Every alternative flattened into a list of possible resolved sets;
    /// `None` stands for an unknown alternative, `Some(vec![])` for absent or
    /// empty.
    pub fn alternatives(&self) -> Vec<Option<Vec<GroupRef>>> {
        match self {
            GroupList::Absent => vec![Some(Vec::new())],
            GroupList::Groups(g) => vec![Some(g.clone())],
            GroupList::Unknown => vec![None],
            GroupList::OneOf(alts) => alts.iter().flat_map(GroupList::alternatives).collect(),
        }
    }

    /// Every group that is a member in some alternative, once each, in
    /// order of first appearance.
    pub fn all_members(&self) -> Vec<GroupRef> {
        let mut every = Vec::new();
        self.push_members(&mut every);
        // A set, not a search of the output: lists may be thousands long.
        let mut seen = HashSet::with_capacity(every.len());
        every
            .into_iter()
            .filter(|g| seen.insert(*g))
            .cloned()
            .collect()
    }

    /// Every member of every alternative, repeats included, in the order of
    /// `alternatives()`.
    fn push_members<'s>(&'s self, out: &mut Vec<&'s GroupRef>) {
        match self {
            GroupList::Groups(groups) => out.extend(groups),
            GroupList::OneOf(alts) => alts.iter().for_each(|alt| alt.push_members(out)),
            GroupList::Absent | GroupList::Unknown => {}
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, GroupList::Absent)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

/// How sure the model is that a rule exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Presence {
    /// The rule exists whenever its group does.
    #[default]
    Always,
    /// The rule exists only under a condition (`Fn::If`, `count`).
    Conditional,
}

/// One security group rule, normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct SgRule {
    pub direction: Direction,
    pub protocol: Protocol,
    /// Inclusive port range; `PortRange::ALL` for all-protocol rules.
    pub ports: PortRange,
    pub peer: Peer,
    /// The rule's text (an inline list item, a standalone resource, a block).
    pub span: Span,
    pub presence: Presence,
    /// A description when the rule has one; for messages.
    pub description: Option<String>,
    /// Set when the rule was not written by the user but comes from a
    /// default or from a tool that generates it (EKS's cluster SG rules,
    /// eksctl's generated rules, CloudFormation's default egress). `span`
    /// then points at the resource the rule belongs to.
    pub implicit: bool,
}

/// Where a security group comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupOrigin {
    /// Defined by the user in the scanned files.
    Defined,
    /// The EKS cluster security group EKS creates for every cluster (seed S1).
    EksClusterSg(ClusterId),
    /// The remote-access group EKS creates for a managed node group with SSH.
    RemoteAccess(NodeGroupId),
    /// Created by a tool from the user's configuration (eksctl, the Terraform
    /// EKS module); `String` names the tool.
    Generated(&'static str),
}

/// What a group's egress is when the user wrote no egress rule of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DefaultEgress {
    /// No egress at all (Terraform; CDK's "Disallow all traffic").
    #[default]
    None,
    /// Allow all to 0.0.0.0/0 and ::/0 (CloudFormation without inline egress).
    AllowAll,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub key: Known<String>,
    pub value: Known<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    /// A stable, human name: the CloudFormation logical ID, the Terraform
    /// address (`aws_security_group.nodes`), the eksctl-generated name.
    pub name: String,
    pub origin: GroupOrigin,
    /// The definition (for implicit groups, what causes them: the cluster).
    pub span: Span,
    /// Rules written inline and in standalone resources, plus generated ones.
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
    /// Set when the user wrote an egress list inline (even empty), so the
    /// default does not apply. Standalone egress rules do not remove the
    /// default (domain.md).
    pub inline_egress_declared: bool,
    /// The format's egress default, applied when `inline_egress_declared` is
    /// false.
    pub default_egress: DefaultEgress,
    /// The span of the inline egress list when there is one (anchor for
    /// EKS003).
    pub egress_span: Option<Span>,
    /// Some rules could not be read (an unknown list, a dynamic block over an
    /// unknown collection): verdicts that need the missing rules are unknown.
    pub rules_incomplete: bool,
    pub tags: Vec<Tag>,
}

impl SecurityGroup {
    pub fn new(name: impl Into<String>, origin: GroupOrigin, span: Span) -> Self {
        SecurityGroup {
            name: name.into(),
            origin,
            span,
            ingress: Vec::new(),
            egress: Vec::new(),
            inline_egress_declared: false,
            default_egress: DefaultEgress::None,
            egress_span: None,
            rules_incomplete: false,
            tags: Vec::new(),
        }
    }

    pub fn is_defined_in_scan(&self) -> bool {
        matches!(self.origin, GroupOrigin::Defined)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpFamily {
    #[default]
    Ipv4,
    Ipv6,
    Unknown,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub public_access: Known<bool>,
    pub private_access: Known<bool>,
    /// `None` when the setting is absent (the format's default applies).
    pub public_access_cidrs: Option<Known<Vec<String>>>,
    /// Span of the endpoint settings, when written.
    pub span: Option<Span>,
    pub cidrs_span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Stable, human name: logical ID / Terraform address / eksctl name.
    pub address: String,
    /// The EKS cluster name, when known.
    pub name: Known<String>,
    pub span: Span,
    /// The groups given at creation (`ResourcesVpcConfig.SecurityGroupIds`,
    /// `vpc_config.security_group_ids`, eksctl's control-plane group).
    pub creation_groups: GroupList,
    /// Whether EKS001 applies: false where a tool always supplies a group of
    /// its own (eksctl, the Terraform EKS module with its group on).
    pub explicit_group_expected: bool,
    /// Span of the VPC configuration block (`ResourcesVpcConfig`,
    /// `vpc_config`), when written.
    pub vpc_config_span: Option<Span>,
    /// Span of the creation group list, when written.
    pub creation_groups_span: Option<Span>,
    /// Spans of the entries of the creation group list: aligned with the
    /// list when it is a plain `GroupList::Groups`, otherwise with
    /// `creation_groups.all_members()` (or empty when unknown).
    pub creation_group_spans: Vec<Span>,
    /// The implicit EKS cluster security group (seed S1).
    pub cluster_sg: SgId,
    pub ip_family: IpFamily,
    pub endpoint: Endpoint,
    /// True when the tool creates VPC endpoints for a private cluster
    /// (eksctl `privateCluster`).
    pub creates_private_endpoints: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClusterLink {
    /// A cluster of the same fragment (by reference).
    Cluster(ClusterId),
    /// By cluster name, to be linked across the scan.
    Name(String),
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeGroupKind {
    /// EKS managed node group.
    Managed,
    /// Auto Scaling group / eksctl `nodeGroups`.
    SelfManaged,
}

/// Whether EKS attaches the cluster security group to the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterSgAttachment {
    /// Managed node groups: attached unless the launch template sets groups.
    UnlessLaunchTemplateSetsGroups,
    Always,
    Never,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteAccess {
    pub span: Span,
    /// Whether an SSH key is set.
    pub key_set: Known<bool>,
    pub source_groups: GroupList,
    /// Group created by EKS for the remote access (in `Model::groups`).
    pub group: Option<SgId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeGroup {
    pub address: String,
    pub name: Known<String>,
    pub span: Span,
    pub kind: NodeGroupKind,
    pub cluster: ClusterLink,
    /// Groups the launch template (or launch configuration) sets; `Absent`
    /// when there is none or it sets none.
    pub launch_template_groups: GroupList,
    /// A launch template is referenced but could not be resolved: membership
    /// is unknown.
    pub launch_template_unknown: bool,
    pub cluster_sg: ClusterSgAttachment,
    /// Groups added on top (eksctl `attachIDs`, shared and local groups, the
    /// EKS module's node group, `vpc_security_group_ids` of a module entry).
    pub additional_groups: Vec<GroupRef>,
    pub remote_access: Option<RemoteAccess>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VpcEndpoint {
    pub address: String,
    /// The service name as written or resolved
    /// (`com.amazonaws.us-east-1.ecr.api`), or unknown.
    pub service: Known<String>,
    pub span: Span,
}

/// A problem an extractor noticed that is not a rule finding (e.g. an
/// unresolved reference kept unknown); shown with `--verbose`.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

/// The model of one fragment (a file, a Terraform directory) or of a whole
/// run after merging.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    pub clusters: Vec<Cluster>,
    pub node_groups: Vec<NodeGroup>,
    pub groups: Vec<SecurityGroup>,
    pub endpoints: Vec<VpcEndpoint>,
    pub notes: Vec<Note>,
}

impl Model {
    pub fn add_group(&mut self, group: SecurityGroup) -> SgId {
        self.groups.push(group);
        SgId(u32::try_from(self.groups.len() - 1).unwrap_or(u32::MAX))
    }

    pub fn add_cluster(&mut self, cluster: Cluster) -> ClusterId {
        self.clusters.push(cluster);
        ClusterId(u32::try_from(self.clusters.len() - 1).unwrap_or(u32::MAX))
    }

    pub fn add_node_group(&mut self, node_group: NodeGroup) -> NodeGroupId {
        self.node_groups.push(node_group);
        NodeGroupId(u32::try_from(self.node_groups.len() - 1).unwrap_or(u32::MAX))
    }

    pub fn group(&self, id: SgId) -> &SecurityGroup {
        &self.groups[id.index()]
    }

    pub fn group_mut(&mut self, id: SgId) -> &mut SecurityGroup {
        &mut self.groups[id.index()]
    }

    pub fn cluster(&self, id: ClusterId) -> &Cluster {
        &self.clusters[id.index()]
    }

    /// Creates the implicit EKS cluster security group for a cluster that
    /// will get id `cluster`, with its default rules (seed S1), anchored at
    /// `span` (the cluster's definition).
    pub fn add_eks_cluster_sg(&mut self, cluster: ClusterId, name: &str, span: Span) -> SgId {
        let mut sg = SecurityGroup::new(
            format!("EKS cluster security group of {name}"),
            GroupOrigin::EksClusterSg(cluster),
            span,
        );
        sg.ingress.push(SgRule {
            direction: Direction::Ingress,
            protocol: Protocol::All,
            ports: PortRange::ALL,
            peer: Peer::SelfRef,
            span,
            presence: Presence::Always,
            description: Some("EKS default: all traffic from itself".into()),
            implicit: true,
        });
        sg.inline_egress_declared = false;
        sg.default_egress = DefaultEgress::AllowAll;
        sg.tags.push(Tag {
            key: Known::Value(format!("kubernetes.io/cluster/{name}")),
            value: Known::Value("owned".into()),
            span,
        });
        self.add_group(sg)
    }

    /// The next cluster id (for creating a cluster's implicit group before
    /// the cluster itself).
    pub fn next_cluster_id(&self) -> ClusterId {
        ClusterId(u32::try_from(self.clusters.len()).unwrap_or(u32::MAX))
    }

    pub fn next_node_group_id(&self) -> NodeGroupId {
        NodeGroupId(u32::try_from(self.node_groups.len()).unwrap_or(u32::MAX))
    }

    /// The fragments of a run, in order, as one model. Each list is sized
    /// once for all of them: absorbing thousands of fragments into lists
    /// that grow by doubling held up to twice their memory, and copied
    /// every item at each step.
    pub fn merge(fragments: Vec<Model>) -> Model {
        let more = |len: fn(&Model) -> usize| fragments.iter().skip(1).map(len).sum::<usize>();
        let reserve = [
            more(|m| m.clusters.len()),
            more(|m| m.node_groups.len()),
            more(|m| m.groups.len()),
            more(|m| m.endpoints.len()),
            more(|m| m.notes.len()),
        ];
        let mut fragments = fragments.into_iter();
        // The first fragment's ids stay as they are: it is the start, not
        // copied (one large template's model is most of the run's).
        let mut model = fragments.next().unwrap_or_default();
        let [clusters, node_groups, groups, endpoints, notes] = reserve;
        model.clusters.reserve_exact(clusters);
        model.node_groups.reserve_exact(node_groups);
        model.groups.reserve_exact(groups);
        model.endpoints.reserve_exact(endpoints);
        model.notes.reserve_exact(notes);
        for fragment in fragments {
            model.absorb(fragment);
        }
        model
    }

    /// Appends another fragment, renumbering its ids.
    pub fn absorb(&mut self, other: Model) {
        let sg_base = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
        let cl_base = u32::try_from(self.clusters.len()).unwrap_or(u32::MAX);
        let ng_base = u32::try_from(self.node_groups.len()).unwrap_or(u32::MAX);
        let sg = |id: SgId| SgId(id.0 + sg_base);
        let fix_ref = |r: &mut GroupRef| {
            if let GroupRef::Group(id) = r {
                *id = sg(*id);
            }
        };
        fn fix_list(list: &mut GroupList, f: &dyn Fn(&mut GroupRef)) {
            match list {
                GroupList::Groups(g) => g.iter_mut().for_each(f),
                GroupList::OneOf(alts) => alts.iter_mut().for_each(|l| fix_list(l, f)),
                GroupList::Absent | GroupList::Unknown => {}
            }
        }
        let fix_peer = |p: &mut Peer| {
            if let Peer::Group(r) = p {
                fix_ref(r);
            }
        };
        for mut g in other.groups {
            g.ingress
                .iter_mut()
                .chain(g.egress.iter_mut())
                .for_each(|r| fix_peer(&mut r.peer));
            match &mut g.origin {
                GroupOrigin::EksClusterSg(c) => c.0 += cl_base,
                GroupOrigin::RemoteAccess(n) => n.0 += ng_base,
                GroupOrigin::Defined | GroupOrigin::Generated(_) => {}
            }
            self.groups.push(g);
        }
        for mut c in other.clusters {
            fix_list(&mut c.creation_groups, &fix_ref);
            c.cluster_sg = sg(c.cluster_sg);
            self.clusters.push(c);
        }
        for mut n in other.node_groups {
            if let ClusterLink::Cluster(c) = &mut n.cluster {
                c.0 += cl_base;
            }
            fix_list(&mut n.launch_template_groups, &fix_ref);
            n.additional_groups.iter_mut().for_each(fix_ref);
            if let Some(ra) = &mut n.remote_access {
                fix_list(&mut ra.source_groups, &fix_ref);
                if let Some(g) = &mut ra.group {
                    *g = sg(*g);
                }
            }
            self.node_groups.push(n);
        }
        self.endpoints.extend(other.endpoints);
        self.notes.extend(other.notes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    /// A fragment of one cluster's implicit group and one defined group
    /// that admits it.
    fn fragment(name: &str) -> Model {
        let mut model = Model::default();
        let span = Span::new(FileId(0), 0, 1);
        let cluster_sg = model.add_eks_cluster_sg(model.next_cluster_id(), name, span);
        let mut nodes = SecurityGroup::new(format!("{name}-nodes"), GroupOrigin::Defined, span);
        nodes.ingress.push(SgRule {
            direction: Direction::Ingress,
            protocol: Protocol::Tcp,
            ports: PortRange {
                from: Some(443),
                to: Some(443),
            },
            peer: Peer::Group(GroupRef::Group(cluster_sg)),
            span,
            presence: Presence::Always,
            description: None,
            implicit: false,
        });
        model.add_group(nodes);
        model
    }

    #[test]
    fn merging_renumbers_every_fragment_after_the_first() {
        let merged = Model::merge(vec![fragment("a"), fragment("b"), fragment("c")]);
        assert_eq!(merged.groups.len(), 6);
        let peers: Vec<&Peer> = merged
            .groups
            .iter()
            .flat_map(|g| g.ingress.iter().filter(|r| !r.implicit))
            .map(|r| &r.peer)
            .collect();
        let expected: Vec<Peer> = [0, 2, 4]
            .map(|i| Peer::Group(GroupRef::Group(SgId(i))))
            .into();
        assert_eq!(peers, expected.iter().collect::<Vec<_>>());
    }

    #[test]
    fn merging_one_fragment_or_none() {
        assert_eq!(Model::merge(vec![fragment("a")]), fragment("a"));
        assert_eq!(Model::merge(Vec::new()), Model::default());
    }
}
