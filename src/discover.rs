//! Discover: walks the given paths and lists candidate files. A candidate is
//! a file whose extension may hold infrastructure code; its content is
//! sniffed after reading (see [`sniff`]).

use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Files larger than this are not read: scanned files are reported as
/// skipped, and a file named on the command line is an error.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The directory `path` is in: its parent, or `.` for a bare file name.
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Reads a file of at most [`MAX_FILE_BYTES`]; one over the limit is an
/// error of kind `FileTooLarge`. A file whose size says so is not read; a
/// pipe (`<(...)`) is read as it comes, and an endless one such as
/// `/dev/zero` ends at the limit rather than at the end of memory.
pub fn read_bytes(path: &Path) -> std::io::Result<Vec<u8>> {
    let too_large = |what: String| {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "{what}larger than the {} MiB limit",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
    };
    let file = std::fs::File::open(path)?;
    let len = file.metadata().map_or(0, |m| m.len());
    if len > MAX_FILE_BYTES {
        return Err(too_large(format!("{} MiB is ", len / (1024 * 1024))));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(String::new()));
    }
    Ok(bytes)
}

/// Reads a UTF-8 file through [`read_bytes`]: the rules, config and
/// baseline files a user names, and `modules.json`.
pub fn read_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_bytes(path)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "not UTF-8 (an invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Directories never descended into.
const SKIPPED_DIRS: &[&str] = &[".git", ".terraform", "node_modules", "cdk.out.tmp"];

/// What a file's extension says it may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Candidate {
    /// `.yaml`, `.yml`.
    Yaml,
    /// `.json`.
    Json,
    /// `.template` (CloudFormation's old extension: YAML or JSON).
    Template,
    /// `.tf`.
    Terraform,
    /// `.tf.json`: Terraform's JSON syntax.
    TerraformJson,
    /// `terraform.tfvars`, `*.auto.tfvars`: values of a root module's
    /// variables.
    TerraformVars,
}

impl Candidate {
    pub fn of(path: &Path) -> Option<Candidate> {
        // A name that is not UTF-8 is judged by its UTF-8 parts: the
        // extension is ASCII.
        let name = path.file_name()?.to_string_lossy();
        let name = name.as_ref();
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Candidate::Yaml),
            "json" if name.to_ascii_lowercase().ends_with(".tf.json") => {
                Some(Candidate::TerraformJson)
            }
            "json" if name == "terraform.tfvars.json" || name.ends_with(".auto.tfvars.json") => {
                Some(Candidate::TerraformVars)
            }
            "json" => Some(Candidate::Json),
            "template" => Some(Candidate::Template),
            "tf" => Some(Candidate::Terraform),
            "tfvars" if name == "terraform.tfvars" || name.ends_with(".auto.tfvars") => {
                Some(Candidate::TerraformVars)
            }
            _ => None,
        }
    }
}

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FoundFile {
    pub path: PathBuf,
    pub candidate: Candidate,
}

/// A path that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<FoundFile>,
    pub errors: Vec<WalkError>,
}

/// Walks `paths` (files or directories). A file named explicitly is taken
/// when its extension fits; directories are walked recursively, without
/// following symbolic links to directories (so link loops cannot recur).
pub fn discover(paths: &[PathBuf], exclude: &dyn Fn(&Path) -> bool) -> Discovered {
    let mut out = Discovered::default();
    // Where each file found under each root is, once the root is made
    // canonical: paths that overlap (`x.yaml ./x.yaml`, `. ../here`, a
    // directory and a file in it) name some files twice.
    let mut places: Vec<PathBuf> = Vec::new();
    let overlap = paths.len() > 1;
    // A hook names many files of a few directories: each directory is
    // made canonical once.
    let mut canonical: std::collections::HashMap<&Path, PathBuf> = Default::default();
    for root in paths {
        let first = out.files.len();
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(WalkError {
                    path: root.clone(),
                    message: describe_io_error(&e),
                });
                continue;
            }
        };
        if meta.is_file() {
            if let Some(candidate) = Candidate::of(root) {
                out.files.push(FoundFile {
                    path: root.clone(),
                    candidate,
                });
                if overlap {
                    // The directory made canonical, not the file: a link
                    // named explicitly stays a file of its own, as it is
                    // when a directory is walked.
                    let dir = dir_of(root);
                    let dir = canonical.entry(dir).or_insert_with(|| {
                        std::fs::canonicalize(dir).unwrap_or_else(|_| dir.into())
                    });
                    let name = root.file_name().unwrap_or(root.as_os_str());
                    places.push(dir.join(name));
                }
            }
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let skipped_dir = e.depth() > 0
                    && e.file_type().is_dir()
                    && e.file_name()
                        .to_str()
                        .is_some_and(|n| SKIPPED_DIRS.contains(&n));
                !skipped_dir && !exclude(e.path())
            });
        for entry in walker {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    let is_file = entry.file_type().is_file()
                        || (entry.path_is_symlink()
                            && std::fs::metadata(path).is_ok_and(|m| m.is_file()));
                    if !is_file {
                        continue;
                    }
                    if let Some(candidate) = Candidate::of(path) {
                        out.files.push(FoundFile {
                            path: path.to_path_buf(),
                            candidate,
                        });
                    }
                }
                Err(e) => {
                    let path = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    let message = if e.loop_ancestor().is_some() {
                        "symbolic link loop".to_string()
                    } else if let Some(io) = e.io_error() {
                        describe_io_error(io)
                    } else {
                        e.to_string()
                    };
                    out.errors.push(WalkError { path, message });
                }
            }
        }
        if overlap {
            // Links to directories are not followed, so below the root a
            // path is already where it is.
            let base = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
            for file in &out.files[first..] {
                let rel = file.path.strip_prefix(root).unwrap_or(&file.path);
                places.push(base.join(rel));
            }
        }
    }
    if overlap {
        // Of the paths that name one place, the first in order is kept.
        let mut found: Vec<(FoundFile, PathBuf)> = out.files.drain(..).zip(places).collect();
        found.sort();
        let mut seen = std::collections::HashSet::new();
        out.files = found
            .into_iter()
            .filter_map(|(file, place)| seen.insert(place).then_some(file))
            .collect();
    } else {
        out.files.sort();
        out.files.dedup();
    }
    out
}

pub fn describe_io_error(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file or directory".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            if e.raw_os_error() == Some(40) {
                "too many levels of symbolic links (a link loop?)".into()
            } else {
                e.to_string()
            }
        }
    }
}

/// What the content of a YAML/JSON file is, judged from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    CloudFormation,
    Eksctl,
    /// A Terraform plan (`terraform show -json`).
    TerraformPlan,
    /// Neither; skipped silently.
    Other,
}

/// Sniffs YAML/JSON text: CloudFormation when it carries
/// `AWSTemplateFormatVersion`, or `AWS::` types under `Resources` or `Type`
/// keys (the parsed document decides; see `pipeline`);
/// eksctl when it names `eksctl.io/` and `ClusterConfig`.
pub fn sniff(text: &str) -> Sniffed {
    // A file that is none of these is searched whole for every needle:
    // memchr's vectorized search rather than `str::contains`, which took
    // about 10 ms on a 20 MB template.
    fn has(text: &str, needle: &str) -> bool {
        memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
    }
    if has(text, "eksctl.io/") && has(text, "ClusterConfig") {
        return Sniffed::Eksctl;
    }
    if has(text, "\"format_version\"")
        && (has(text, "\"planned_values\"") || has(text, "\"resource_changes\""))
    {
        return Sniffed::TerraformPlan;
    }
    // A `Resources` map, or a bare map of resources (a template fragment),
    // names `AWS::` types.
    if has(text, "AWSTemplateFormatVersion")
        || (has(text, "AWS::") && (has(text, "Resources") || has(text, "Type")))
    {
        return Sniffed::CloudFormation;
    }
    Sniffed::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_by_extension() {
        assert_eq!(Candidate::of(Path::new("a/b.YAML")), Some(Candidate::Yaml));
        assert_eq!(
            Candidate::of(Path::new("main.tf")),
            Some(Candidate::Terraform)
        );
        assert_eq!(
            Candidate::of(Path::new("x.template")),
            Some(Candidate::Template)
        );
        assert_eq!(Candidate::of(Path::new("README.md")), None);
        assert_eq!(
            Candidate::of(Path::new("main.tf.json")),
            Some(Candidate::TerraformJson)
        );
        assert_eq!(
            Candidate::of(Path::new("terraform.tfvars")),
            Some(Candidate::TerraformVars)
        );
        assert_eq!(
            Candidate::of(Path::new("a.auto.tfvars")),
            Some(Candidate::TerraformVars)
        );
        assert_eq!(Candidate::of(Path::new("prod.tfvars")), None);
        assert_eq!(
            Candidate::of(Path::new("x.auto.tfvars.json")),
            Some(Candidate::TerraformVars)
        );
        assert_eq!(Candidate::of(Path::new("Makefile")), None);
    }

    #[test]
    fn sniffing() {
        assert_eq!(
            sniff("AWSTemplateFormatVersion: x"),
            Sniffed::CloudFormation
        );
        assert_eq!(
            sniff("{\"Resources\": {\"A\": {\"Type\": \"AWS::EC2::VPC\"}}}"),
            Sniffed::CloudFormation
        );
        assert_eq!(
            sniff("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig"),
            Sniffed::Eksctl
        );
        assert_eq!(sniff("apiVersion: v1\nkind: ConfigMap"), Sniffed::Other);
        assert_eq!(
            sniff("{\"format_version\": \"1.2\", \"planned_values\": {}}"),
            Sniffed::TerraformPlan
        );
    }
}
