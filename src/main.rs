//! The binary: parse arguments, run, exit with the code.

include!("allocator.rs");

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    eks_sg_lint::free::exit_after_run();
    let code = eks_sg_lint::cli::run(args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
