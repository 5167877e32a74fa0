//! `.eks-sg-lint.toml`: found from the scanned path upward, or given with
//! `--config`. Unknown keys are errors that name the key and the file.
//!
//! ```toml
//! select = ["EKS0"]                 # codes or prefixes; default: all
//! ignore = ["EKS010"]
//! exclude = ["examples/**"]         # globs, relative to this file
//! fail-on = "error"                 # error | warning | note
//! rules = ["policies/*.guard"]      # extra Guard rule files
//!
//! [per-path-ignores]
//! "legacy/**" = ["EKS001"]
//!
//! [levels]
//! EKS008 = "error"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::finding::Level;

pub const FILE_NAME: &str = ".eks-sg-lint.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    fail_on: Option<String>,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    per_path_ignores: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    levels: BTreeMap<String, String>,
}

/// A loaded configuration, with globs compiled and paths made absolute.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from (none: defaults).
    pub path: Option<PathBuf>,
    /// The directory globs are relative to.
    pub root: PathBuf,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    exclude: Option<GlobSet>,
    pub fail_on: Option<Level>,
    /// Guard rule files, resolved against the config's directory (globs
    /// expanded).
    pub rules: Vec<PathBuf>,
    per_path_ignores: Vec<(GlobSet, Vec<String>)>,
    pub levels: BTreeMap<String, Level>,
}

fn glob_set(patterns: &[String], file: &Path) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| {
            // The pattern once, cut short: a hostile one may be any length.
            let shown: String = p.chars().take(80).collect();
            let cut = if shown.len() < p.len() { "..." } else { "" };
            format!(
                "{}: invalid glob `{shown}{cut}`: {}",
                file.display(),
                e.kind()
            )
        })?;
        builder.add(glob);
        // `dir/**` also matches `dir` itself, as users expect.
        if let Some(base) = p.strip_suffix("/**") {
            if let Ok(glob) = Glob::new(base) {
                builder.add(glob);
            }
        }
    }
    builder
        .build()
        .map_err(|e| format!("{}: invalid globs: {e}", file.display()))
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = crate::discover::read_text(path).map_err(|e| {
            format!(
                "{}: {}",
                path.display(),
                crate::discover::describe_io_error(&e)
            )
        })?;
        let raw: RawConfig = toml::from_str(&text)
            .map_err(|e| format!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let root = crate::discover::dir_of(path).to_path_buf();
        let level = |value: &str, key: &str| {
            Level::parse(value).ok_or_else(|| {
                format!(
                    "{}: `{key}` must be one of error, warning, note (found `{value}`)",
                    path.display()
                )
            })
        };
        let fail_on = raw
            .fail_on
            .as_deref()
            .map(|v| level(v, "fail-on"))
            .transpose()?;
        let mut levels = BTreeMap::new();
        for (code, value) in &raw.levels {
            levels.insert(
                code.to_ascii_uppercase(),
                level(value, &format!("levels.{code}"))?,
            );
        }
        let exclude = if raw.exclude.is_empty() {
            None
        } else {
            Some(glob_set(&raw.exclude, path)?)
        };
        let mut per_path_ignores = Vec::new();
        for (pattern, codes) in &raw.per_path_ignores {
            per_path_ignores.push((
                glob_set(std::slice::from_ref(pattern), path)?,
                codes.clone(),
            ));
        }
        let mut rules = Vec::new();
        for pattern in &raw.rules {
            let full = root.join(pattern);
            if pattern.contains(['*', '?', '[']) {
                let set = glob_set(std::slice::from_ref(pattern), path)?;
                let mut found: Vec<PathBuf> = walkdir::WalkDir::new(&root)
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_file())
                    .filter(|e| {
                        e.path()
                            .strip_prefix(&root)
                            .is_ok_and(|rel| set.is_match(rel))
                    })
                    .map(|e| e.path().to_path_buf())
                    .collect();
                found.sort();
                rules.extend(found);
            } else {
                rules.push(full);
            }
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            root,
            select: raw.select,
            ignore: raw.ignore,
            exclude,
            fail_on,
            rules,
            per_path_ignores,
            levels,
        })
    }

    /// Finds `.eks-sg-lint.toml` in `start` (a file's directory, or a
    /// directory) or the nearest parent. One that is there but no regular
    /// file (a directory, a FIFO, a device, a link to nothing) is an error
    /// rather than passed over: a shared config that a broken link no
    /// longer reaches would otherwise change the run without a word, and a
    /// FIFO would block it.
    pub fn discover(start: &Path) -> Result<Option<PathBuf>, String> {
        let abs = absolute(start);
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
            if candidate.symlink_metadata().is_ok() {
                return Err(format!(
                    "{}: not a regular file (a directory, a FIFO, a device or a link to nothing); \
                     rename it, or name a config with --config",
                    candidate.display()
                ));
            }
            dir = d.parent();
        }
        Ok(None)
    }

    /// The path relative to the config's directory, when below it.
    fn relative<'p>(&self, path: &'p Path) -> Option<std::borrow::Cow<'p, Path>> {
        let root = absolute(&self.root);
        let abs = absolute(path);
        abs.strip_prefix(&root)
            .ok()
            .map(|p| std::borrow::Cow::Owned(p.to_path_buf()))
    }

    /// Whether discovery leaves `path` out.
    pub fn is_excluded(&self, path: &Path) -> bool {
        // Asked for every path discovery meets: without excludes, skip
        // making it relative (two `current_dir` calls and new paths).
        let Some(set) = &self.exclude else {
            return false;
        };
        self.relative(path)
            .is_some_and(|rel| set.is_match(rel.as_ref()))
    }

    /// Whether `code` is ignored for findings in `path`.
    pub fn is_ignored_at(&self, path: &Path, code: &str) -> bool {
        // Asked once per finding: without per-path ignores, skip making the
        // path relative (two `current_dir` calls and new paths).
        if self.per_path_ignores.is_empty() {
            return false;
        }
        let Some(rel) = self.relative(path) else {
            return false;
        };
        self.per_path_ignores.iter().any(|(set, codes)| {
            set.is_match(rel.as_ref())
                && codes.iter().any(|c| {
                    c.eq_ignore_ascii_case("ALL")
                        || code
                            .to_ascii_uppercase()
                            .starts_with(&c.to_ascii_uppercase())
                })
        })
    }
}

fn absolute(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    // Lexically drop `.` parts so `./a` and `a` compare equal.
    abs.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join(FILE_NAME);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn an_invalid_glob_is_shown_once_and_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "exclude = [\"a[b\"]\n");
        let err = Config::load(&p).unwrap_err();
        assert!(
            err.ends_with("invalid glob `a[b`: unclosed character class; missing ']'"),
            "{err}"
        );
        let nested = format!("{}{}", "{a,".repeat(5000), "}".repeat(5000));
        let p = write(dir.path(), &format!("exclude = [\"{nested}\"]\n"));
        let err = Config::load(&p).unwrap_err();
        let shown = format!(
            "`{}...`",
            "{a,".repeat(27).chars().take(80).collect::<String>()
        );
        assert!(err.contains(&shown), "{err}");
        assert!(err.len() < 300, "{err}");
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "selct = [\"EKS001\"]\n");
        let err = Config::load(&p).unwrap_err();
        assert!(err.contains("selct"), "{err}");
        assert!(err.contains(FILE_NAME), "{err}");
        let p = write(dir.path(), "[levels]\nEKS001 = \"fatal\"\n");
        let err = Config::load(&p).unwrap_err();
        assert!(err.contains("levels.EKS001"), "{err}");
    }

    #[test]
    fn discovered_from_the_scanned_path_upward() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "ignore = [\"EKS010\"]\n");
        let nested = dir.path().join("infra").join("eks");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("c.yaml"), "x: 1").unwrap();
        assert_eq!(Config::discover(&nested), Ok(Some(p.clone())));
        assert_eq!(Config::discover(&nested.join("c.yaml")), Ok(Some(p)));
    }

    #[test]
    fn excludes_per_path_ignores_and_levels() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "exclude = [\"examples/**\"]\nfail-on = \"error\"\n[per-path-ignores]\n\"legacy/*.yaml\" = [\"EKS001\", \"EKS01\"]\n[levels]\neks008 = \"error\"\n",
        );
        let c = Config::load(&p).unwrap();
        assert!(c.is_excluded(&dir.path().join("examples")));
        assert!(c.is_excluded(&dir.path().join("examples/a/b.yaml")));
        assert!(!c.is_excluded(&dir.path().join("infra/b.yaml")));
        assert!(c.is_ignored_at(&dir.path().join("legacy/a.yaml"), "EKS001"));
        assert!(c.is_ignored_at(&dir.path().join("legacy/a.yaml"), "EKS011"));
        assert!(!c.is_ignored_at(&dir.path().join("legacy/a.yaml"), "EKS003"));
        assert!(!c.is_ignored_at(&dir.path().join("infra/a.yaml"), "EKS001"));
        assert_eq!(c.fail_on, Some(Level::Error));
        assert_eq!(c.levels.get("EKS008"), Some(&Level::Error));
    }
}
