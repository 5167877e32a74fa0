//! Facts derived from the model: which groups sit on a cluster's control
//! plane (CP(c)) and on each node group's nodes (N(g)), which groups are
//! shared between them, and each group's effective rules with the format's
//! defaults applied (see `shared/docs/domain.md`).

pub mod flows;
pub mod matrix;

use foldhash::HashSet;

use crate::model::{
    ClusterId, ClusterLink, ClusterSgAttachment, DefaultEgress, Direction, GroupList, GroupRef,
    Known, Model, NodeGroupId, Peer, PortRange, Presence, Protocol, SecurityGroup, SgId, SgRule,
};

/// A set of groups, and whether the set is known to be complete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Membership {
    pub groups: Vec<GroupRef>,
    /// False when some member could not be resolved (an unknown list, an
    /// unresolvable launch template): verdicts needing the whole set are
    /// then unknown.
    pub complete: bool,
}

impl Membership {
    fn push(&mut self, group: GroupRef) {
        if !self.groups.contains(&group) {
            self.groups.push(group);
        }
    }

    /// Adds the groups not in the set yet, in order. Long lists are checked
    /// against a set of the members rather than the list.
    fn extend(&mut self, groups: impl ExactSizeIterator<Item = GroupRef>) {
        if self.groups.len() + groups.len() <= 32 {
            groups.for_each(|g| self.push(g));
            return;
        }
        let mut seen: HashSet<GroupRef> = self.groups.iter().cloned().collect();
        for group in groups {
            if seen.insert(group.clone()) {
                self.groups.push(group);
            }
        }
    }

    fn extend_list(&mut self, list: &GroupList) {
        for alt in list.alternatives() {
            match alt {
                Some(groups) => self.extend(groups.into_iter()),
                None => self.complete = false,
            }
        }
    }

    /// Groups of the set that are in the model (not external).
    pub fn model_groups(&self) -> impl Iterator<Item = SgId> + '_ {
        self.groups.iter().filter_map(|g| match g {
            GroupRef::Group(id) => Some(*id),
            GroupRef::External(_) => None,
        })
    }

    pub fn contains(&self, id: SgId) -> bool {
        self.groups.contains(&GroupRef::Group(id))
    }
}

/// The derived facts of one model.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// CP(c), indexed by cluster.
    pub control_plane: Vec<Membership>,
    /// N(g), indexed by node group.
    pub nodes: Vec<Membership>,
    /// The cluster each node group belongs to, when the scan holds it.
    pub cluster_of: Vec<Option<ClusterId>>,
    /// Whether the node group names its cluster rather than referring to
    /// it: its template then knows the control plane's groups only as
    /// parameters, which may stand for any of them.
    linked_by_name: Vec<bool>,
    /// The node groups of each cluster, in model order (the inverse of
    /// `cluster_of`), so that a cluster's node groups are found without a
    /// scan over every node group.
    by_cluster: Vec<Vec<NodeGroupId>>,
}

impl Analysis {
    pub fn new(model: &Model) -> Self {
        let cluster_of: Vec<Option<ClusterId>> = model
            .node_groups
            .iter()
            .map(|ng| link_cluster(model, &ng.cluster))
            .collect();
        let control_plane = model
            .clusters
            .iter()
            .map(|c| {
                let mut m = Membership {
                    groups: vec![GroupRef::Group(c.cluster_sg)],
                    complete: true,
                };
                m.extend_list(&c.creation_groups);
                m
            })
            .collect();
        let nodes = model
            .node_groups
            .iter()
            .zip(&cluster_of)
            .map(|(ng, cluster)| {
                let mut m = Membership {
                    groups: Vec::new(),
                    complete: !ng.launch_template_unknown,
                };
                let lt_alternatives = ng.launch_template_groups.alternatives();
                // EKS adds the cluster SG to a managed node group's nodes only
                // when its launch template sets no groups (domain.md).
                let attach_cluster_sg = match ng.cluster_sg {
                    ClusterSgAttachment::Always => true,
                    ClusterSgAttachment::Never => false,
                    ClusterSgAttachment::UnlessLaunchTemplateSetsGroups => {
                        lt_alternatives
                            .iter()
                            .any(|alt| alt.as_ref().is_some_and(Vec::is_empty))
                            || ng.launch_template_unknown
                    }
                };
                if attach_cluster_sg {
                    match cluster {
                        Some(c) => m.push(GroupRef::Group(model.cluster(*c).cluster_sg)),
                        None => m.complete = false,
                    }
                }
                m.extend_list(&ng.launch_template_groups);
                m.extend(ng.additional_groups.iter().cloned());
                if let Some(group) = ng.remote_access.as_ref().and_then(|ra| ra.group) {
                    m.push(GroupRef::Group(group));
                }
                m
            })
            .collect();
        let linked_by_name = model
            .node_groups
            .iter()
            .map(|ng| matches!(ng.cluster, ClusterLink::Name(_)))
            .collect();
        let mut by_cluster: Vec<Vec<NodeGroupId>> = vec![Vec::new(); model.clusters.len()];
        for (i, c) in cluster_of.iter().enumerate() {
            if let Some(list) = c.and_then(|c| by_cluster.get_mut(c.index())) {
                list.push(NodeGroupId(u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
        Analysis {
            control_plane,
            nodes,
            cluster_of,
            linked_by_name,
            by_cluster,
        }
    }

    /// CP(c) as node group `g` sees it: complete only when `g` refers to
    /// its cluster directly. A node group stack that names its cluster (a
    /// parameter default, a tag) reaches the control plane through groups
    /// passed in as parameters, so its CP(c) may hold more than the scan
    /// shows.
    pub fn control_plane_of(&self, g: NodeGroupId) -> Option<Membership> {
        let cluster = self.cluster_of.get(g.index()).copied().flatten()?;
        let mut cp = self.control_plane.get(cluster.index())?.clone();
        if self.linked_by_name.get(g.index()).copied().unwrap_or(false) {
            cp.complete = false;
        }
        Some(cp)
    }

    /// The node groups of a cluster.
    pub fn node_groups_of(&self, cluster: ClusterId) -> impl Iterator<Item = NodeGroupId> + '_ {
        self.by_cluster
            .get(cluster.index())
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
    }

    /// The node groups whose nodes carry group `id`, in model order.
    pub fn node_groups_with(&self, id: SgId) -> impl Iterator<Item = NodeGroupId> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, m)| m.contains(id))
            .map(|(i, _)| NodeGroupId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    /// Groups defined in the scan that are in CP(c) and in N(g) for some node
    /// group g of c (rules.md, "Terms"), each with its cluster.
    pub fn shared_groups(&self, model: &Model) -> Vec<(SgId, ClusterId)> {
        let mut out = Vec::new();
        let mut seen = foldhash::HashSet::default();
        for (ci, cp) in self.control_plane.iter().enumerate() {
            let cluster = ClusterId(u32::try_from(ci).unwrap_or(u32::MAX));
            for sg in cp.model_groups() {
                if !model.group(sg).is_defined_in_scan() || seen.contains(&(sg, cluster)) {
                    continue;
                }
                if self
                    .node_groups_of(cluster)
                    .any(|ng| self.nodes[ng.index()].contains(sg))
                {
                    seen.insert((sg, cluster));
                    out.push((sg, cluster));
                }
            }
        }
        out
    }
}

fn link_cluster(model: &Model, link: &ClusterLink) -> Option<ClusterId> {
    match link {
        ClusterLink::Cluster(id) => Some(*id),
        ClusterLink::Name(name) => {
            let mut matches = model
                .clusters
                .iter()
                .enumerate()
                .filter(|(_, c)| c.name == Known::Value(name.clone()));
            let first = matches.next()?;
            // A name that two clusters share links to neither: no guessing.
            matches
                .next()
                .is_none()
                .then_some(ClusterId(first.0 as u32))
        }
        ClusterLink::Unknown => None,
    }
}

/// A group's egress with the format's default applied: AWS's allow-all
/// when the user wrote no inline egress and the format keeps it.
pub fn effective_egress(model: &Model, group: SgId) -> Vec<SgRule> {
    let sg = model.group(group);
    let mut rules = sg.egress.clone();
    rules.extend(default_egress(sg));
    rules
}

/// The rules a group's format adds when the user wrote no egress of its own
/// (AWS's allow-all to `0.0.0.0/0` and `::/0`), or none.
pub fn default_egress(sg: &SecurityGroup) -> Vec<SgRule> {
    if sg.inline_egress_declared || sg.default_egress != DefaultEgress::AllowAll {
        return Vec::new();
    }
    // `0.0.0.0/0` and `::/0`, built rather than parsed: flows ask for a
    // group's defaults once per pair of node groups.
    [
        ipnet::IpNet::V4(ipnet::Ipv4Net::default()),
        ipnet::IpNet::V6(ipnet::Ipv6Net::default()),
    ]
    .into_iter()
    .map(|net| SgRule {
        direction: Direction::Egress,
        protocol: Protocol::All,
        ports: PortRange::ALL,
        peer: Peer::Cidr(net),
        span: sg.egress_span.unwrap_or(sg.span),
        presence: Presence::Always,
        description: Some("default egress: all traffic".into()),
        implicit: true,
    })
    .collect()
}

/// Whether a rule's peer is `group` itself (a self rule or a reference to
/// the group's own id).
pub fn peer_is_group(rule: &SgRule, group: SgId) -> bool {
    match &rule.peer {
        Peer::SelfRef => true,
        Peer::Group(GroupRef::Group(id)) => *id == group,
        _ => false,
    }
}
