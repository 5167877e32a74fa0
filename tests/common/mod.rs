//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod describe;

use std::path::{Path, PathBuf};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the project, when present (absent in a user's fresh
/// clone: tests that need it skip).
pub fn shared() -> Option<PathBuf> {
    let p = root().join("..").join("shared");
    p.is_dir().then_some(p)
}

pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_eks-sg-lint"))
}
