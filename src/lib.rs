//! eks-sg-lint: catches Amazon EKS security-group mistakes in CloudFormation,
//! Terraform and eksctl files before they are deployed.
//!
//! The pipeline flows one way:
//! `discover -> parse -> extract -> model -> analyze -> check -> report`
//! ([`discover`], [`syntax`], [`extract`], [`model`], [`analysis`],
//! [`rules`], [`report`]); [`pipeline::scan`] runs it and [`cli`] wraps it.

pub mod analysis;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod discover;
pub mod extract;
pub mod finding;
pub mod free;
pub mod guard;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;
