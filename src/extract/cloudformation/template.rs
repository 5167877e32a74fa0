//! The template's index: resources in document order, parameters, mappings,
//! and the ids the extraction hands out as it goes.

use foldhash::{HashMap, HashMapExt};
use std::cell::Cell;

use crate::model::{ClusterId, SgId};
use crate::source::Span;
use crate::syntax::Node;

pub(super) const SECURITY_GROUP: &str = "AWS::EC2::SecurityGroup";
pub(super) const SECURITY_GROUP_INGRESS: &str = "AWS::EC2::SecurityGroupIngress";
pub(super) const SECURITY_GROUP_EGRESS: &str = "AWS::EC2::SecurityGroupEgress";
pub(super) const EKS_CLUSTER: &str = "AWS::EKS::Cluster";
pub(super) const EKS_NODEGROUP: &str = "AWS::EKS::Nodegroup";
pub(super) const LAUNCH_TEMPLATE: &str = "AWS::EC2::LaunchTemplate";
pub(super) const LAUNCH_CONFIGURATION: &str = "AWS::AutoScaling::LaunchConfiguration";
pub(super) const AUTO_SCALING_GROUP: &str = "AWS::AutoScaling::AutoScalingGroup";
pub(super) const VPC_ENDPOINT: &str = "AWS::EC2::VPCEndpoint";

/// One entry of `Resources`.
pub(super) struct Resource<'a> {
    pub id: &'a str,
    /// The logical ID key: every resource-level anchor.
    pub key_span: Span,
    pub ty: &'a str,
    /// `Properties`, when it is there.
    pub props: Option<&'a Node>,
    /// The resource has a `Condition`: it exists only when that holds.
    pub conditional: bool,
}

impl<'a> Resource<'a> {
    /// The entry of a property (only when `Properties` is a literal map).
    pub fn prop_entry(&self, key: &str) -> Option<&'a crate::syntax::Entry> {
        self.props?.entry(key)
    }

    pub fn prop(&self, key: &str) -> Option<&'a Node> {
        self.props?.get(key)
    }
}

/// A template parameter.
pub(super) struct Param<'a> {
    pub ty: Option<&'a str>,
    pub default: Option<&'a Node>,
}

impl Param<'_> {
    /// `CommaDelimitedList` and `List<...>`: the value is a list.
    pub fn is_list(&self) -> bool {
        self.ty.is_some_and(|t| {
            let t = t.trim();
            t == "CommaDelimitedList" || t.starts_with("List<")
        })
    }

    /// `AWS::SSM::Parameter::Value<...>`: the default names an SSM parameter,
    /// it is not the value.
    pub fn is_ssm(&self) -> bool {
        self.ty
            .is_some_and(|t| t.trim().starts_with("AWS::SSM::Parameter::"))
    }
}

/// What the extraction knows about a cluster of this template.
#[derive(Clone, Copy)]
pub(super) struct ClusterSlot {
    pub id: ClusterId,
    pub sg: SgId,
}

pub(super) struct Template<'a> {
    pub resources: Vec<Resource<'a>>,
    by_id: HashMap<&'a str, usize>,
    pub params: HashMap<&'a str, Param<'a>>,
    pub mappings: Option<&'a Node>,
    /// `AWS::EC2::SecurityGroup` logical ID → its group.
    pub groups: HashMap<&'a str, SgId>,
    /// The other way round: a group's logical ID.
    pub group_ids: HashMap<SgId, &'a str>,
    /// `AWS::EKS::Cluster` logical ID → its cluster and implicit group.
    pub clusters: HashMap<&'a str, ClusterSlot>,
    /// A static cluster name → the cluster of that name, `None` when
    /// several clusters share it.
    pub cluster_names: HashMap<String, Option<ClusterId>>,
    /// Recursion guard for the evaluator (names that refer to each other).
    pub(super) depth: Cell<u32>,
}

impl<'a> Template<'a> {
    pub fn new(doc: &'a Node) -> Self {
        let mut resources = Vec::new();
        let mut by_id = HashMap::new();
        if let Some(entries) = resources_map(doc) {
            for entry in entries {
                let Some(ty) = entry.value.get("Type").and_then(Node::as_str) else {
                    continue;
                };
                if by_id.contains_key(entry.key.as_str()) {
                    // A duplicate logical ID: CloudFormation rejects the
                    // template; the first one is modelled.
                    continue;
                }
                by_id.insert(entry.key.as_str(), resources.len());
                resources.push(Resource {
                    id: entry.key.as_str(),
                    key_span: entry.key_span,
                    ty: ty.trim(),
                    props: entry.value.get("Properties"),
                    conditional: entry.value.get("Condition").is_some(),
                });
            }
        }
        let mut params = HashMap::new();
        for entry in doc.get("Parameters").and_then(Node::as_map).unwrap_or(&[]) {
            params.entry(entry.key.as_str()).or_insert_with(|| Param {
                ty: entry.value.get("Type").and_then(Node::as_str),
                default: entry.value.get("Default"),
            });
        }
        Template {
            resources,
            by_id,
            params,
            mappings: doc.get("Mappings"),
            groups: HashMap::new(),
            group_ids: HashMap::new(),
            clusters: HashMap::new(),
            cluster_names: HashMap::new(),
            depth: Cell::new(0),
        }
    }

    pub fn resource(&self, id: &str) -> Option<&Resource<'a>> {
        self.by_id.get(id).and_then(|&i| self.resources.get(i))
    }

    pub fn resource_type(&self, id: &str) -> Option<&'a str> {
        self.resource(id).map(|r| r.ty)
    }

    pub fn of_type<'s>(&'s self, ty: &'s str) -> impl Iterator<Item = &'s Resource<'a>> + 's {
        self.resources.iter().filter(move |r| r.ty == ty)
    }
}

/// The `Resources` map; a document without one that is itself a map of
/// resources (a fragment such as eksctl's test templates) is read as one.
fn resources_map(doc: &Node) -> Option<&[crate::syntax::Entry]> {
    if let Some(resources) = doc.get("Resources") {
        return resources.as_map();
    }
    let entries = doc.as_map()?;
    let looks_like_resources = entries.iter().any(|e| {
        e.value
            .get("Type")
            .and_then(Node::as_str)
            .is_some_and(|t| t.starts_with("AWS::"))
    }) && !entries.iter().any(|e| {
        matches!(
            e.key.as_str(),
            "AWSTemplateFormatVersion" | "apiVersion" | "kind"
        )
    });
    looks_like_resources.then_some(entries)
}
