//! Manifests: YAML (with locations) -> raw syntax -> validated [`model`].
//! Validation collects every problem, each with file, line and column.
//!
//! Entry point: [`load_project`] reads `rolesmith.yaml` and every
//! `modules/*.yaml` beside it and returns the validated [`Project`] or all
//! problems as [`Diagnostics`]. Only this module reads YAML.

mod actions;
mod config;
mod diag;
mod features;
pub mod model;
mod module;
mod parameters;
pub mod rules;
mod walk;
mod yaml;

use std::path::{Path, PathBuf};

pub use diag::{Diagnostics, Problem, ProblemKind, Severity, SourceFile};
pub use model::*;
pub use module::digest;

/// Reads and validates a whole project: `config_path` and every
/// `modules/*.yaml` in the same folder (in file-name order). Returns every
/// problem at once. File names in problems are relative to the project root.
pub fn load_project(
    catalogue: &crate::catalogue::Catalogue,
    config_path: &Path,
) -> Result<Project, Diagnostics> {
    let root = match config_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let config_name = PathBuf::from(
        config_path
            .file_name()
            .unwrap_or_else(|| std::ffi::OsStr::new("rolesmith.yaml")),
    );
    let mut problems = Vec::new();
    let config_src = read_source(config_path, &config_name, &mut problems);
    let mut modules_src = Vec::new();
    let modules_dir = root.join("modules");
    match std::fs::read_dir(&modules_dir) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect();
            paths.sort();
            for p in paths {
                let name = Path::new("modules").join(p.file_name().unwrap_or_default());
                if p.extension().is_some_and(|e| e == "yml") {
                    problems.push(SourceFile::new(&name, "").problem(
                        None,
                        ProblemKind::ModuleFile,
                        format!("`{}` is ignored: manifests must end in `.yaml`", name.display()),
                        "",
                        Some("rename it to `.yaml`".to_owned()),
                    ));
                    continue;
                }
                if let Some(src) = read_source(&p, &name, &mut problems) {
                    modules_src.push(src);
                }
            }
        }
        Err(e) => problems.push(SourceFile::new("modules", "").problem(
            None,
            ProblemKind::NoModules,
            format!("cannot read the `modules` folder beside the config: {e}"),
            "",
            Some("create `modules/` next to rolesmith.yaml with one `<module-id>.yaml` per module".to_owned()),
        )),
    }
    let srcs: Vec<&SourceFile> = modules_src.iter().collect();
    let result = check_sources(catalogue, config_src.as_ref(), &srcs, problems);
    result.map(|(config, modules, warnings)| Project {
        root,
        config,
        modules,
        warnings,
    })
}

/// Validates a config text (named `name`, e.g. `rolesmith.yaml`) on its own.
pub fn load_config_str(
    catalogue: &crate::catalogue::Catalogue,
    name: &Path,
    text: &str,
) -> Result<Config, Diagnostics> {
    let src = SourceFile::new(name, text);
    let mut problems = Vec::new();
    let (config, _) = config::check(catalogue, &src, &mut problems);
    finish(problems, Vec::new(), config)
}

/// Validates one manifest text on its own. `name` is its path relative to the
/// project root (its stem must be the module id); `name_prefix` is the
/// config's role-name prefix. Returns the module with its warnings.
pub fn load_module_str(
    catalogue: &crate::catalogue::Catalogue,
    name: &Path,
    text: &str,
    name_prefix: &str,
) -> Result<(Module, Vec<Problem>), Diagnostics> {
    let src = SourceFile::new(name, text);
    let stem = name
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let m = module::check(
        catalogue,
        &src,
        &stem,
        Some(name_prefix),
        &mut problems,
        &mut warnings,
    );
    diag::sort_problems(&mut warnings);
    match m {
        Some(m) if problems.is_empty() => Ok((m, warnings)),
        _ => finish(problems, warnings, None),
    }
}

/// Validates a project given as texts: the config and `(path, text)` of each
/// manifest (paths relative to the root, e.g. `modules/x.yaml`).
pub fn load_project_str(
    catalogue: &crate::catalogue::Catalogue,
    root: &Path,
    config: &str,
    modules: &[(PathBuf, String)],
) -> Result<Project, Diagnostics> {
    let config_src = SourceFile::new("rolesmith.yaml", config);
    let srcs: Vec<SourceFile> = modules
        .iter()
        .map(|(p, t)| SourceFile::new(p, t.as_str()))
        .collect();
    let refs: Vec<&SourceFile> = srcs.iter().collect();
    check_sources(catalogue, Some(&config_src), &refs, Vec::new()).map(
        |(config, modules, warnings)| Project {
            root: root.to_path_buf(),
            config,
            modules,
            warnings,
        },
    )
}

fn check_sources(
    catalogue: &crate::catalogue::Catalogue,
    config_src: Option<&SourceFile>,
    modules_src: &[&SourceFile],
    mut problems: Vec<Problem>,
) -> Result<(Config, Vec<Module>, Vec<Problem>), Diagnostics> {
    let mut warnings = Vec::new();
    let (config, prefix) = match config_src {
        Some(src) => config::check(catalogue, src, &mut problems),
        None => (None, None),
    };
    let mut modules = Vec::new();
    for src in modules_src {
        let stem = src
            .name
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(m) = module::check(
            catalogue,
            src,
            &stem,
            prefix.as_deref(),
            &mut problems,
            &mut warnings,
        ) {
            modules.push(m);
        }
    }
    if modules_src.is_empty() && problems.is_empty() {
        problems.push(SourceFile::new("modules", "").problem(
            None,
            ProblemKind::NoModules,
            "the `modules` folder has no `*.yaml` manifests".to_owned(),
            "",
            Some("add one manifest per module, e.g. `modules/contact-flows.yaml`".to_owned()),
        ));
    }
    modules.sort_by(|a, b| a.id.cmp(&b.id));
    match (config, problems.is_empty()) {
        (Some(c), true) => {
            diag::sort_problems(&mut warnings);
            Ok((c, modules, warnings))
        }
        _ => {
            let mut d = Diagnostics { problems, warnings };
            d.sort();
            Err(d)
        }
    }
}

fn finish<T>(
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    value: Option<T>,
) -> Result<T, Diagnostics> {
    match value {
        Some(v) if problems.is_empty() => Ok(v),
        _ => {
            let mut d = Diagnostics { problems, warnings };
            d.sort();
            Err(d)
        }
    }
}

/// Reads a file as UTF-8; a problem (without location) otherwise.
fn read_source(path: &Path, name: &Path, problems: &mut Vec<Problem>) -> Option<SourceFile> {
    // A file-level problem: no position to show.
    let unreadable = |problems: &mut Vec<Problem>, message: String, help: &str| {
        problems.push(SourceFile::new(name, "").problem(
            None,
            ProblemKind::Unreadable,
            message,
            "",
            Some(help.to_owned()),
        ));
    };
    // Opening a FIFO would wait for a writer forever; a device never ends.
    if let Some(what) = std::fs::metadata(path).ok().and_then(|m| not_a_file(&m)) {
        unreadable(
            problems,
            format!("`{}` is {what}, not a file", name.display()),
            "manifests and the config must be plain files; move it out of the way",
        );
        return None;
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            match String::from_utf8(bytes) {
                Ok(text) => Some(SourceFile::new(name, text)),
                Err(e) => {
                    // Point at the first bad byte: the lossy text is identical up
                    // to it, so its offset gives the line and column.
                    let at = e.utf8_error().valid_up_to();
                    let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                    let src = SourceFile::new(name, lossy);
                    problems.push(src.problem(
                    Some(yaml::Span {
                        offset: at,
                        len: '\u{FFFD}'.len_utf8(),
                    }),
                    ProblemKind::Encoding,
                    format!(
                        "`{}` is not UTF-8 text: invalid byte 0x{:02x} at byte offset {at}",
                        name.display(),
                        e.as_bytes().get(at).copied().unwrap_or(0)
                    ),
                    "not UTF-8",
                    Some(
                        "save the file as UTF-8 (a manifest is YAML text, not a binary file)"
                            .to_owned(),
                    ),
                ));
                    None
                }
            }
        }
        Err(e) => {
            unreadable(
                problems,
                format!("cannot read `{}`: {e}", name.display()),
                "check that the file exists and is readable",
            );
            None
        }
    }
}

/// What a path that is not a regular file is (`None` for a regular file).
fn not_a_file(m: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("a folder")
    } else if t.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_block_device() || t.is_char_device() {
        Some("a device")
    } else {
        Some("not a regular file")
    }
}

/// Parses a file's YAML, reporting a syntax error at its location.
fn parse_yaml(src: &SourceFile, problems: &mut Vec<Problem>) -> Option<yaml::Node> {
    match yaml::parse(&src.text) {
        Ok(n) => Some(n),
        Err(e) => {
            problems.push(src.problem(
                e.span,
                ProblemKind::YamlSyntax,
                e.message,
                "here",
                Some(e.help),
            ));
            None
        }
    }
}
