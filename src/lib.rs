//! eks-sg-lint: catches Amazon EKS security-group mistakes in CloudFormation,
//! Terraform and eksctl files before they are deployed.
//!
//! The pipeline flows one way:
//! `discover -> parse -> extract -> model -> analyze -> check -> report`.

pub mod extract;
pub mod model;
pub mod source;
pub mod syntax;
