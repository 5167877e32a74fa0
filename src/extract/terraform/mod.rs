//! Extractor stub (being written).

use crate::model::Model;
use crate::source::FileId;
use crate::syntax::Node;

pub fn extract(_files: &[(FileId, &Node)]) -> Model {
    Model::default()
}
