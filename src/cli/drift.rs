//! `rolesmith drift`: reads roles (live, from a file, or a fleet), checks
//! them with `drift::check` and renders the reports. Exit codes: 0 no drift,
//! 1 drift of severity error, 2 bad input, 3 a live account unreadable.
use std::path::PathBuf;

use super::{Exit, Format, Global};
use clap::Args;

use crate::compile::CompiledModule;
use crate::drift::{self, ModuleVersions, Report, Status, Subject};
use crate::live::offline::AuthDetailsReader;
use crate::live::{ReadError, RoleReader, RoleSnapshot, RoleTarget};
use crate::report::{self};
#[cfg(feature = "aws")]
use crate::report::{FleetReport, Summary};
use crate::version::Ledger;

/// Arguments of `drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Module whose manifest the role is checked against.
    #[arg(long, required_unless_present = "fleet")]
    pub module: Option<String>,
    /// ARN of the customer's role.
    #[arg(long, required_unless_present = "fleet")]
    pub role_arn: Option<String>,
    /// Tenant name to put in the report.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Assume this role first (with `--external-id`) and read with its credentials.
    #[arg(long, requires = "external_id")]
    pub assume_role: Option<String>,
    /// ExternalId for `--assume-role`.
    #[arg(long)]
    pub external_id: Option<String>,
    /// CloudFormation stack of the module (its `ModuleVersion` output gives the deployed version).
    #[arg(long)]
    pub stack_name: Option<String>,
    /// Read the output of `aws iam get-account-authorization-details` instead of the live account.
    #[arg(long, value_name = "AUTH_DETAILS.json", conflicts_with_all = ["fleet", "assume_role"])]
    pub from_file: Option<PathBuf>,
    /// Check every row of a fleet file (YAML list of tenant, module, role_arn, external_id, region).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["module", "role_arn"])]
    pub fleet: Option<PathBuf>,
    /// Rows checked at once in fleet mode (1 to 256).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Seconds allowed to read one role, every retry included; past it the row is `read_failed` (timed out).
    #[arg(long, value_name = "SECONDS", default_value_t = crate::live::retry::DEFAULT_ROW_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub row_timeout: u64,
    /// AWS named profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region.
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint URL for AWS APIs (also `AWS_ENDPOINT_URL`).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `drift`.
pub fn run(g: &Global, a: &DriftArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let ctx = Ctx {
        config: &l.project.config,
        compiled: &l.compiled,
        ledger: &l.ledger,
    };
    if let Some(fleet) = &a.fleet {
        return run_fleet(&ctx, a, fleet);
    }
    let (Some(module), Some(role_arn)) = (&a.module, &a.role_arn) else {
        super::eprint_error("give `--module` and `--role-arn`, or `--fleet FILE`");
        return Exit::Failure;
    };
    if ctx.module(module).is_none() {
        super::eprint_error(ctx.unknown_module(module));
        return Exit::Failure;
    }
    let target = RoleTarget {
        role_arn: role_arn.clone(),
        assume_role: a.assume_role.clone(),
        external_id: a.external_id.clone(),
        region: a.region.clone(),
        stack_name: a.stack_name.clone(),
    };
    let read = match &a.from_file {
        Some(path) => match AuthDetailsReader::load(path) {
            Ok(r) => r.read_role(&target),
            Err(e) => {
                super::eprint_diagnostic(e);
                return Exit::Failure;
            }
        },
        None => match live_read(a, &target) {
            Ok(r) => r,
            Err(exit) => return exit,
        },
    };
    let subject = Subject {
        tenant: a.tenant.clone(),
        module: module.clone(),
        role_arn: role_arn.clone(),
        region: a.region.clone(),
    };
    let report = ctx.check(&subject, read.as_ref());
    let text = match a.format {
        Format::Text => report::text(&report),
        Format::Json => match report::json(&report) {
            Ok(t) => t,
            Err(e) => return unserialisable(&e),
        },
    };
    super::print_out(&text);
    exit_for(std::slice::from_ref(&report))
}

/// A report that cannot be serialised is a defect: say so, exit 2.
fn unserialisable(e: &serde_json::Error) -> Exit {
    super::eprint_error(format!(
        "cannot serialise the report ({e}); this is a bug in rolesmith, please report it"
    ));
    Exit::Failure
}

/// The exit code of a set of reports: 3 when a role could not be read, else
/// 1 when any drifted, else 0.
fn exit_for(reports: &[Report]) -> Exit {
    if reports.iter().any(|r| r.status == Status::Error) {
        Exit::Live
    } else if reports.iter().any(|r| r.status == Status::Drift) {
        Exit::Problems
    } else {
        Exit::Ok
    }
}

struct Ctx<'a> {
    config: &'a crate::manifest::Config,
    compiled: &'a [CompiledModule],
    ledger: &'a Ledger,
}

impl Ctx<'_> {
    fn module(&self, id: &str) -> Option<&CompiledModule> {
        self.compiled.iter().find(|c| c.module == id)
    }

    fn unknown_module(&self, id: &str) -> String {
        let best = crate::iam::suggest::best(id, self.compiled.iter().map(|c| c.module.as_str()));
        match best {
            Some(m) => {
                format!("unknown module `{id}`; did you mean `{m}`?")
            }
            _ => format!(
                "unknown module `{id}`; the modules are {}",
                self.compiled
                    .iter()
                    .map(|c| format!("`{}`", c.module))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn check(&self, subject: &Subject, read: Result<&RoleSnapshot, &ReadError>) -> Report {
        let Some(latest) = self.module(&subject.module) else {
            // Only fleet rows get here: the row is reported, the others go on.
            return drift::check_unknown_module(subject, &self.unknown_module(&subject.module));
        };
        let releases = self.ledger.releases(&subject.module);
        let versions = ModuleVersions {
            latest,
            releases: &releases,
        };
        drift::check(
            crate::catalogue::catalogue(),
            self.config,
            &versions,
            subject,
            read,
        )
    }
}

#[cfg(feature = "aws")]
fn aws_options(a: &DriftArgs) -> crate::live::aws::AwsOptions {
    crate::live::aws::AwsOptions {
        profile: a.profile.clone(),
        region: a.region.clone(),
        endpoint_url: a.endpoint_url.clone(),
        retry: crate::live::retry::RetryPolicy {
            row_timeout: std::time::Duration::from_secs(a.row_timeout),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[cfg(feature = "aws")]
fn live_read(a: &DriftArgs, target: &RoleTarget) -> Result<Result<RoleSnapshot, ReadError>, Exit> {
    let reader = crate::live::aws::BlockingAwsReader::connect(&aws_options(a)).map_err(|e| {
        super::eprint_error(e);
        Exit::Live
    })?;
    Ok(reader.read_role(target))
}

#[cfg(not(feature = "aws"))]
fn live_read(
    _a: &DriftArgs,
    _target: &RoleTarget,
) -> Result<Result<RoleSnapshot, ReadError>, Exit> {
    super::eprint_error(
        "this build has no AWS support (built without the `aws` feature); use `--from-file` with the output of `aws iam get-account-authorization-details`",
    );
    Err(Exit::Failure)
}

#[cfg(feature = "aws")]
fn run_fleet(ctx: &Ctx<'_>, a: &DriftArgs, path: &std::path::Path) -> Exit {
    let rows = match crate::live::fleet_file::load_fleet(path) {
        Ok(r) => r,
        Err(e) => {
            super::eprint_diagnostic(e);
            return Exit::Failure;
        }
    };
    let progress = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let bar = indicatif::ProgressBar::new(rows.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} roles checked ({elapsed})",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let concurrency = usize::from(a.concurrency);
    let read = match crate::live::fleet::read_fleet(&aws_options(a), &rows, concurrency, &progress)
    {
        Ok(r) => r,
        Err(e) => {
            super::eprint_error(e);
            return Exit::Live;
        }
    };
    progress.finish_and_clear();
    if let Some(why) = &read.stopped {
        super::eprint_error(why);
    }
    let results: Vec<Report> = rows
        .iter()
        .zip(&read.rows)
        .map(|(row, got)| {
            let subject = Subject {
                tenant: Some(row.tenant.clone()),
                module: row.module.clone(),
                role_arn: row.role_arn.clone(),
                region: row.region.clone(),
            };
            ctx.check(&subject, got.result.as_ref())
        })
        .collect();
    let fleet = FleetReport {
        summary: Summary::of(&results, read.api_calls),
        results,
    };
    let text = match a.format {
        Format::Text => report::fleet_text(&fleet),
        Format::Json => match report::fleet_json(&fleet) {
            Ok(t) => t,
            Err(e) => return unserialisable(&e),
        },
    };
    super::print_out(&text);
    exit_for(&fleet.results)
}

#[cfg(not(feature = "aws"))]
fn run_fleet(_ctx: &Ctx<'_>, _a: &DriftArgs, _path: &std::path::Path) -> Exit {
    super::eprint_error(
        "this build has no AWS support (built without the `aws` feature), which `--fleet` needs",
    );
    Exit::Failure
}
