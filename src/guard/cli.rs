//! `eks-sg-lint guard validate|test`, compatible with cfn-guard's commands.

use std::io::Write;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum GuardCommand {
    /// Evaluate Guard rules over data files (as `cfn-guard validate`)
    Validate,
    /// Run Guard rule unit tests (as `cfn-guard test`)
    Test,
}

/// Runs a guard command; returns cfn-guard's exit code for it.
pub fn run(_cmd: &GuardCommand, _stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let _ = writeln!(stderr, "error: not implemented yet");
    1
}
