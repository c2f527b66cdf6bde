//! The one pipeline every project command shares: load and validate the
//! project, compile every module once, read the release ledger, build the
//! outputs (templates, review documents with their history, changelogs,
//! capability matrix, ledger), run the versioning step, and write
//! `generated/` all or nothing. The layout of `generated/` is [`layout`]'s.
//!
//! Commands ask for what they need: `build` for [`Loaded::build`],
//! `release` for [`Loaded::release`] (one compile, one render), `diff` for
//! [`Loaded::diff`] (templates only), `review` for [`Loaded::review`], and
//! `drift` for [`Loaded`] itself (compiled modules and the ledger; it never
//! renders documents). This layer reads and writes files; the stages it
//! calls (`compile`, `version`, `review`) are pure.

mod error;
pub mod layout;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::{Class, PipelineError};

use crate::catalogue::Catalogue;
use crate::compile::{self, CompiledModule};
use crate::manifest::{self, Module, Project};
use crate::review::{self, Format, History};
use crate::version::{self, Ledger, Release, ReleaseOutcome, VersionDiff, VersionError};

/// Files to write: paths relative to the project root, contents.
pub type Files = Vec<(PathBuf, Vec<u8>)>;

/// A loaded, compiled project with its release ledger.
#[derive(Debug)]
pub struct Loaded<'c> {
    /// The catalogue everything was checked and compiled against.
    pub catalogue: &'c Catalogue,
    /// Project root (folder of the config).
    pub root: PathBuf,
    /// The validated project.
    pub project: Project,
    /// Every module, compiled, in project order.
    pub compiled: Vec<CompiledModule>,
    /// The release ledger (empty when nothing is released).
    pub ledger: Ledger,
}

/// What `build` writes, and what it tells the user.
#[derive(Debug)]
pub struct Build {
    /// Every file, sorted by path.
    pub files: Files,
    /// Lines for stdout: what each new major version removes.
    pub notes: Vec<String>,
}

/// Rendered outputs that passed the versioning step.
struct Staged {
    /// Templates and review documents of the current versions.
    version_files: Files,
    /// Index, vendor side, changelogs, capability matrix and ledger.
    ledger_files: Files,
    /// The release record each module would get now.
    now: Vec<(String, Release)>,
    /// What new major versions remove.
    notes: Vec<String>,
}

/// What `release` did and wrote.
#[derive(Debug)]
pub struct Released {
    /// Versions released now, and those already released.
    pub outcome: ReleaseOutcome,
    /// Lines for stdout: what each new major version removes.
    pub notes: Vec<String>,
    /// Files whose bytes changed.
    pub changed: usize,
}

/// Reads and validates the project at `config`, compiles every module and
/// reads the ledger.
pub fn load<'c>(catalogue: &'c Catalogue, config: &Path) -> Result<Loaded<'c>, PipelineError> {
    if !config.is_file() {
        return Err(PipelineError::ConfigMissing {
            path: config.to_path_buf(),
        });
    }
    let root = match config.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let project = manifest::load_project(catalogue, config).map_err(PipelineError::Manifest)?;
    from_project(catalogue, root, project)
}

/// Compiles a validated project (rooted at `root`) and reads its ledger.
pub fn from_project(
    catalogue: &Catalogue,
    root: PathBuf,
    project: Project,
) -> Result<Loaded<'_>, PipelineError> {
    let mut ledger = read_ledger(&root)?;
    // A released version compiles at the generation it was released with.
    let compiled = compile::compile_project_at(catalogue, &project, &|m| {
        ledger.generation(&m.id, &m.version)
    })
    .map_err(PipelineError::Compile)?;
    // Ledgers written before they recorded self-audit grants: read them
    // from the released templates once (build then writes them down).
    ledger.fill_self_audit(&|rel| std::fs::read(root.join(layout::generated(rel))).ok());
    Ok(Loaded {
        catalogue,
        root,
        project,
        compiled,
        ledger,
    })
}

/// Reads `generated/releases.json` under `root`; a missing file is an empty
/// ledger (nothing released yet).
pub fn read_ledger(root: &Path) -> Result<Ledger, PipelineError> {
    let path = root.join(layout::ledger());
    match std::fs::read(&path) {
        Ok(bytes) => Ledger::parse(&path, &bytes).map_err(|e| PipelineError::Ledger(Box::new(e))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ledger::default()),
        Err(source) => Err(PipelineError::LedgerUnreadable { path, source }),
    }
}

fn json_file(
    path: PathBuf,
    bytes: Result<Vec<u8>, serde_json::Error>,
) -> Result<(PathBuf, Vec<u8>), PipelineError> {
    match bytes {
        Ok(b) => Ok((path, b)),
        Err(source) => Err(PipelineError::Serialise { path, source }),
    }
}

impl Loaded<'_> {
    fn module(&self, id: &str) -> Option<&Module> {
        self.project.modules.iter().find(|m| m.id == id)
    }

    /// Each compiled module's review history in `ledger`, by module id.
    fn histories(&self, ledger: &Ledger) -> BTreeMap<String, History> {
        self.compiled
            .iter()
            .map(|c| (c.module.clone(), History::of(ledger, c)))
            .collect()
    }

    /// Each version folder's files: template, Markdown and HTML reviews.
    fn version_files(&self, histories: &BTreeMap<String, History>) -> Result<Files, PipelineError> {
        let settings = review::settings(&self.project.config);
        let empty = History::default();
        let mut out = Vec::new();
        for c in &self.compiled {
            let Some(module) = self.module(&c.module) else {
                continue;
            };
            out.push((layout::template(&c.module, &c.version), c.template_bytes()));
            let history = histories.get(&c.module).unwrap_or(&empty);
            let doc = review::review(self.catalogue, &self.project, module, c, history, &settings);
            for format in [Format::Markdown, Format::Html] {
                let text = review::render(&doc, format)?;
                out.push((
                    layout::review(&c.module, &c.version, format),
                    text.into_bytes(),
                ));
            }
        }
        Ok(out)
    }

    /// The index pages of every module's reviews.
    fn index_files(&self, histories: &BTreeMap<String, History>) -> Result<Files, PipelineError> {
        let idx = review::index(
            &self.project,
            &self.compiled,
            histories,
            &layout::review_link,
        );
        let vendor = &self.project.config.vendor.name;
        Ok(vec![
            (
                layout::generated(layout::INDEX_HTML),
                review::render_index_html(vendor, &idx)?.into_bytes(),
            ),
            (
                layout::generated(layout::INDEX_MD),
                review::render_index_md(vendor, &idx)?.into_bytes(),
            ),
        ])
    }

    /// The vendor side (`generated/vendor/`): the authoriser role's policy,
    /// its template and its review. Regenerated at every build from the
    /// current modules; releases never freeze it (it is the vendor's).
    fn vendor_files(&self) -> Result<Files, PipelineError> {
        let v = compile::vendor::VendorPolicy::of(&self.project.config, &self.compiled);
        let policy = v.policy_document(compile::vendor::POLICY_JSON_PARTITION);
        Ok(vec![
            (
                layout::vendor(layout::VENDOR_POLICY_FILE),
                compile::vendor::to_bytes(&policy),
            ),
            (
                layout::vendor(layout::TEMPLATE_FILE),
                compile::vendor::to_bytes(&v.template()),
            ),
            (
                layout::vendor(layout::REVIEW_MD),
                review::render_vendor_md(&v)?.into_bytes(),
            ),
        ])
    }

    /// The release record each module would get now, from its version
    /// folder's files: a release freezes what the customer deploys (the
    /// template, with the grants and parameters in the record); the review
    /// documents are regenerated from the ledger at every build.
    fn releases(&self, version_files: &Files) -> Vec<(String, Release)> {
        self.compiled
            .iter()
            .filter_map(|c| {
                let m = self.module(&c.module)?;
                let files = version_files
                    .iter()
                    .filter(|(p, _)| layout::is_frozen(p))
                    .filter_map(|(p, b)| {
                        let rel = layout::in_version_dir(p, &c.module, &c.version)?;
                        Some((rel, manifest::digest(b)))
                    })
                    .collect();
                Some((c.module.clone(), Release::of(m, c, files)))
            })
            .collect()
    }

    /// Changelogs, capability matrix and ledger as `ledger` stands; nothing
    /// when no module was ever released.
    fn history_files(ledger: &Ledger, now: &[(String, Release)]) -> Result<Files, PipelineError> {
        if ledger.modules().next().is_none() {
            return Ok(Vec::new());
        }
        let mut files: Files = version::changelogs(ledger, now)
            .into_iter()
            .map(|(m, text)| (layout::changelog(&m), text.into_bytes()))
            .collect();
        files.push(json_file(
            layout::capabilities(),
            version::capabilities(ledger).to_bytes(),
        )?);
        files.push(json_file(layout::ledger(), ledger.to_bytes())?);
        Ok(files)
    }

    /// `errors` pointing at the `version` line of their module's manifest.
    fn located(&self, mut errors: Vec<VersionError>) -> Vec<VersionError> {
        for e in &mut errors {
            if let Some((module, at)) = e.manifest_at_mut()
                && let Some(m) = self.module(module)
            {
                let (file, line, column) = m.version_location();
                *at = version::ManifestAt { file, line, column };
            }
        }
        errors
    }

    /// Reads a file under `generated/` by its ledger path (`None`: missing or unreadable).
    fn read_generated(&self, rel: &str) -> Option<Vec<u8>> {
        std::fs::read(self.root.join(layout::generated(rel))).ok()
    }

    /// Renders every output and runs the versioning step against the
    /// ledger. With `check`, also verifies every released file on disk.
    fn stage(&self, check: bool) -> Result<Staged, PipelineError> {
        let histories = self.histories(&self.ledger);
        let version_files = self.version_files(&histories)?;
        let now = self.releases(&version_files);
        let mut errors = Vec::new();
        let notes = version::plan_build(&self.ledger, &now).unwrap_or_else(|e| {
            errors.extend(self.located(e));
            Vec::new()
        });
        if check {
            errors.extend(version::verify_released(&self.ledger, &|p| {
                self.read_generated(p)
            }));
        }
        if !errors.is_empty() {
            return Err(PipelineError::Version(errors));
        }
        let mut ledger_files = self.index_files(&histories)?;
        ledger_files.extend(self.vendor_files()?);
        ledger_files.extend(Self::history_files(&self.ledger, &now)?);
        Ok(Staged {
            version_files,
            ledger_files,
            now,
            notes,
        })
    }

    /// Every file `build` writes, after the versioning step. With `check`,
    /// also verifies every released file on disk against its digest.
    pub fn build(&self, check: bool) -> Result<Build, PipelineError> {
        let staged = self.stage(check)?;
        Ok(Build {
            files: sorted([staged.version_files, staged.ledger_files]),
            notes: staged.notes,
        })
    }

    /// Freezes the current version of `modules` (all when empty): requires
    /// the versioning step to pass, `generated/` to hold exactly what `build`
    /// writes and every released file to be intact; then writes the new
    /// ledger and what it changes (changelogs, capability matrix, index) in
    /// one transaction. Compiles and renders once, like `build`.
    pub fn release(&self, modules: &[String]) -> Result<Released, PipelineError> {
        let staged = self.stage(false)?;
        let known: Vec<String> = self.project.modules.iter().map(|m| m.id.clone()).collect();
        let (next, outcome) = version::release(&self.ledger, &staged.now, &known, modules)
            .map_err(|e| PipelineError::Version(self.located(e)))?;
        let mut errors = version::verify_released(&self.ledger, &|p| self.read_generated(p));
        let mut stale_paths: Vec<&Path> = stale(&self.root, &staged.version_files)
            .into_iter()
            .chain(stale(&self.root, &staged.ledger_files))
            .map(|f| f.path)
            .collect();
        stale_paths.sort();
        let stale: Vec<String> = stale_paths.into_iter().map(layout::text).collect();
        if !stale.is_empty() {
            errors.push(VersionError::Stale { files: stale });
        }
        if !errors.is_empty() {
            return Err(PipelineError::Version(errors));
        }
        // Only the index and the history files depend on the ledger's list
        // of releases: the version folders are what was just checked.
        let mut ledger_files = self.index_files(&self.histories(&next))?;
        ledger_files.extend(self.vendor_files()?);
        ledger_files.extend(Self::history_files(&next, &staged.now)?);
        let files = sorted([staged.version_files, ledger_files]);
        let changed = write(&self.root, &files)?;
        Ok(Released {
            outcome,
            notes: staged.notes,
            changed,
        })
    }

    /// Compares two versions of `module` (see [`version::resolve`]): a
    /// released version as it was frozen (its ledger record and template on
    /// disk), the current one as it builds now.
    pub fn diff(
        &self,
        module: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<VersionDiff, PipelineError> {
        let (Some(m), Some(c)) = (
            self.module(module),
            self.compiled.iter().find(|c| c.module == module),
        ) else {
            return Err(PipelineError::Version(vec![VersionError::UnknownModule {
                module: module.to_string(),
                known: self.project.modules.iter().map(|m| m.id.clone()).collect(),
            }]));
        };
        let (from_v, to_v) = version::resolve(&self.ledger, module, &c.version, from, to)
            .map_err(|e| PipelineError::Version(vec![e]))?;
        // Only grants and parameters are compared: the current record needs no file digests.
        let current = Release::of(m, c, BTreeMap::new());
        let current_template = String::from_utf8_lossy(&c.template_bytes()).into_owned();
        let side = |v: &semver::Version| -> Result<(Release, String, String), PipelineError> {
            let rel = layout::template(module, v);
            let shown = layout::text(&rel);
            match self.ledger.get(module, v) {
                Some(r) => {
                    let text = std::fs::read_to_string(self.root.join(&rel))
                        .map_err(|source| PipelineError::Unreadable { path: rel, source })?;
                    Ok((r.clone(), text, shown))
                }
                None => Ok((current.clone(), current_template.clone(), shown)),
            }
        };
        let (old, old_text, old_path) = side(&from_v)?;
        let (new, new_text, new_path) = side(&to_v)?;
        Ok(version::diff(
            module,
            version::Side {
                release: &old,
                template: &old_text,
                path: &old_path,
            },
            version::Side {
                release: &new,
                template: &new_text,
                path: &new_path,
            },
        ))
    }

    /// The review document of `module` at `version` (default: the current
    /// one, rendered now with its history); an earlier version is read from
    /// its frozen document, since its manifest is gone. `Ok(None)`: no such
    /// document.
    pub fn review(
        &self,
        module: &str,
        version: Option<&semver::Version>,
        format: Format,
    ) -> Result<Option<String>, PipelineError> {
        let (Some(m), Some(c)) = (
            self.module(module),
            self.compiled.iter().find(|c| c.module == module),
        ) else {
            return Ok(None);
        };
        match version {
            Some(v) if *v != c.version => {
                Ok(std::fs::read_to_string(self.root.join(layout::review(module, v, format))).ok())
            }
            _ => {
                let history = History::of(&self.ledger, c);
                let doc = review::review(
                    self.catalogue,
                    &self.project,
                    m,
                    c,
                    &history,
                    &review::settings(&self.project.config),
                );
                Ok(Some(review::render(&doc, format)?))
            }
        }
    }
}

/// The files of both sets, sorted by path.
fn sorted([mut a, b]: [Files; 2]) -> Files {
    a.extend(b);
    a.sort_by(|x, y| x.0.cmp(&y.0));
    a
}

/// A file whose bytes on disk are not what the pipeline gives.
#[derive(Debug)]
pub struct StaleFile<'f> {
    /// Path relative to the project root.
    pub path: &'f Path,
    /// The bytes on disk, `None` when missing or unreadable.
    pub current: Option<Vec<u8>>,
    /// The bytes the pipeline gives.
    pub want: &'f [u8],
}

/// Files of `files` whose bytes on disk (under `root`) differ or are missing.
pub fn stale<'f>(root: &Path, files: &'f Files) -> Vec<StaleFile<'f>> {
    files
        .iter()
        .filter_map(|(p, want)| {
            let current = std::fs::read(root.join(p)).ok();
            (current.as_deref() != Some(want.as_slice())).then_some(StaleFile {
                path: p,
                current,
                want,
            })
        })
        .collect()
}

/// Writes `files` under `root`, all or none (see [`crate::fsutil`]);
/// returns how many changed. A failed write leaves `generated/` exactly as
/// it was, folders included.
pub fn write(root: &Path, files: &Files) -> Result<usize, PipelineError> {
    let absolute: Files = files
        .iter()
        .map(|(p, b)| (root.join(p), b.clone()))
        .collect();
    Ok(crate::fsutil::write_all_atomic(&absolute)?)
}

/// Folders under `generated/` that no manifest explains: a module folder
/// without a manifest (renamed or retired module), or a version folder newer
/// than the manifest's version (version lowered by mistake). Older version
/// folders are expected: released versions stay after a bump. These are
/// notes, not failures: `build` never deletes, and a retired module's
/// templates may still be deployed by customers.
pub fn strays(root: &Path, project: &Project) -> Vec<String> {
    let mut notes = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join(layout::GENERATED_DIR)) else {
        return notes;
    };
    let mut dirs: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    dirs.sort();
    for (name, path) in dirs {
        let module = project.modules.iter().find(|m| m.id == name);
        // `generated/vendor/` is the vendor side, not a module folder.
        if module.is_none() && name == layout::VENDOR_DIR {
            continue;
        }
        let Some(m) = module else {
            notes.push(format!(
                "`generated/{name}/` has no manifest `modules/{name}.yaml`; delete the folder if the module is retired (build never deletes)"
            ));
            continue;
        };
        let Ok(versions) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut newer: Vec<String> = versions
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter(|v| semver::Version::parse(v).is_ok_and(|v| v > m.version))
            .collect();
        newer.sort();
        for v in newer {
            notes.push(format!(
                "`generated/{name}/{v}/` is newer than the manifest's version `{}`; raise `version` in `modules/{name}.yaml` or delete the folder",
                m.version
            ));
        }
    }
    notes
}
