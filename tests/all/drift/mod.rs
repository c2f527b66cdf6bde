//! Drift detection: one test per finding kind against roles deployed in moto
//! from the generated template and then changed the way customers change
//! them; the same kinds without moto or the `aws` feature, from role
//! snapshots under `tests/fixtures/drift/roles/` (`roles`); offline cases
//! from authorization-details files; the fleet through the CLI.

#[cfg(feature = "aws")]
mod asked;
mod behind;
#[cfg(feature = "aws")]
mod fleet;
mod generation;
#[cfg(feature = "aws")]
mod kinds;
mod offline;
mod roles;

use std::path::Path;
use std::sync::OnceLock;

use rolesmith::compile::CompiledModule;
use rolesmith::drift::{ModuleVersions, Report, Subject, VersionLayout};
use rolesmith::live::{ReadError, RoleSnapshot};
use rolesmith::manifest::Config;
use rolesmith::version::{Ledger, Release};

/// The repository's own project: config, compiled modules and ledger.
pub struct Project {
    pub config: Config,
    pub compiled: Vec<CompiledModule>,
    pub ledger: Ledger,
    /// Released versions' managed policies, from `generated/`, per module.
    pub layouts: Vec<(String, Vec<VersionLayout>)>,
}

pub fn project() -> &'static Project {
    static P: OnceLock<Project> = OnceLock::new();
    P.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let project = rolesmith::manifest::load_project(
            rolesmith::catalogue::catalogue(),
            &root.join("rolesmith.yaml"),
        )
        .unwrap();
        let ledger = rolesmith::pipeline::read_ledger(root).unwrap();
        // As the pipeline does: released versions at their generation.
        let compiled = rolesmith::compile::compile_project_at(
            rolesmith::catalogue::catalogue(),
            &project,
            &|m| ledger.generation(&m.id, &m.version),
        )
        .unwrap();
        let layouts = compiled
            .iter()
            .map(|c| {
                let of_module = ledger
                    .releases(&c.module)
                    .iter()
                    .map(|r| {
                        let path =
                            root.join(rolesmith::pipeline::layout::template(&c.module, &r.version));
                        let t: serde_json::Value =
                            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
                        (r.version.clone(), rolesmith::drift::policy_layouts(&t))
                    })
                    .collect();
                (c.module.clone(), of_module)
            })
            .collect();
        Project {
            config: project.config,
            compiled,
            ledger,
            layouts,
        }
    })
}

impl Project {
    pub fn module(&self, id: &str) -> &CompiledModule {
        self.compiled.iter().find(|c| c.module == id).unwrap()
    }

    /// Checks a role read for `subject` against its module's current and
    /// released versions, plus `extra` (older versions made up by a test).
    pub fn check(
        &self,
        subject: &Subject,
        extra: &[Release],
        read: Result<&RoleSnapshot, &ReadError>,
    ) -> Report {
        let releases = self.releases(&subject.module, extra);
        let versions = ModuleVersions {
            latest: self.module(&subject.module),
            releases: &releases,
            layouts: self.layouts_of(&subject.module),
        };
        rolesmith::drift::check(
            rolesmith::catalogue::catalogue(),
            &self.config,
            &versions,
            subject,
            read,
        )
    }

    /// [`Project::check`] as when `generated/` holds no released template:
    /// older versions' managed policies are unknown.
    pub fn check_without_templates(
        &self,
        subject: &Subject,
        read: Result<&RoleSnapshot, &ReadError>,
    ) -> Report {
        let releases = self.releases(&subject.module, &[]);
        let versions = ModuleVersions {
            latest: self.module(&subject.module),
            releases: &releases,
            layouts: &[],
        };
        rolesmith::drift::check(
            rolesmith::catalogue::catalogue(),
            &self.config,
            &versions,
            subject,
            read,
        )
    }

    /// Released versions' managed policies of module `id`.
    pub fn layouts_of(&self, id: &str) -> &[VersionLayout] {
        self.layouts
            .iter()
            .find(|(m, _)| m == id)
            .map_or(&[][..], |(_, l)| l.as_slice())
    }

    /// Released versions of `id`, plus `extra` (older versions made up by a test).
    pub fn releases<'a>(&'a self, id: &str, extra: &'a [Release]) -> Vec<&'a Release> {
        let mut r = self.ledger.releases(id);
        r.extend(extra.iter());
        r
    }
}
