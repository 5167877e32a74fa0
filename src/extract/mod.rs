//! Extractors: one per format, each turning parsed trees into a [`Model`]
//! fragment. This is the only layer that knows the formats.

pub mod cloudformation;
pub mod eksctl;
pub mod terraform;

use crate::model::Model;
use crate::source::FileId;
use crate::syntax::Node;

/// One parsed CloudFormation document (JSON, or one YAML document).
pub fn cloudformation(doc: &Node, file: FileId) -> Model {
    cloudformation::extract(doc, file)
}

/// One parsed eksctl `ClusterConfig` document.
pub fn eksctl(doc: &Node, file: FileId) -> Model {
    eksctl::extract(doc, file)
}

/// One Terraform module: every `.tf` file of a directory, parsed.
pub fn terraform(files: &[(FileId, &Node)]) -> Model {
    terraform::extract(files)
}
