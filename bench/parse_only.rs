//! The benchmark's floor: read and parse files as `check` does, without
//! extraction or rules. `cargo run --release --example parse_only -- PATH...`
//! It allocates as the binary does.

include!("../src/allocator.rs");

fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    let (parsed, failed) = eks_sg_lint::pipeline::parse_only(&paths);
    println!("{parsed} files parsed, {failed} with errors");
}
