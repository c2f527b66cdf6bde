//! `rolesmith drift`: reads roles (live, from a file, or a fleet), checks
//! them with `drift::check` and renders the reports. Exit codes: 0 no drift,
//! 1 drift of severity error, 2 bad input, 3 a live account unreadable.
use std::collections::BTreeMap;
#[cfg(feature = "aws")]
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Exit, Global};
use clap::{Args, ValueEnum};

use crate::compile::CompiledModule;
use crate::drift::{self, ModuleChoice, ModuleVersions, Report, Subject, VersionLayout};
use crate::live::fleet_file::FleetFile;
use crate::live::offline::AuthDetailsReader;
use crate::live::{ReadError, RoleReader, RoleSnapshot, RoleTarget};
use crate::report::{self, FleetReport};
use crate::version::Ledger;

/// Arguments of `drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Module whose manifest the role is checked against; default: the role's `rolesmith:module` tag.
    #[arg(long)]
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
    /// Check every row of a fleet file (YAML list of tenant, module, role_arn, external_id, region), or of the DynamoDB mapping table `dynamodb://TABLE`; `pending` rows are skipped.
    #[arg(long, value_name = "FILE|dynamodb://TABLE", conflicts_with_all = ["module", "role_arn"])]
    pub fleet: Option<String>,
    /// Check only shard K (0-based) of N of the fleet: `K/N`, or `auto/N` to take K from `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job) or `AWS_BATCH_JOB_ARRAY_INDEX` (AWS Batch array job); shards 0..N-1 cover every row exactly once.
    #[arg(long, value_name = "K/N", requires = "fleet")]
    pub shard: Option<String>,
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
    /// Report format: `text`; `json` (the report contract); `jsonl` (JSON Lines: one report per
    /// row, printed as each row finishes); `html` (one self-contained page: summary, tenant x
    /// module matrix, versions chart, upgrade notices); `csv` (one row per role).
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

/// Report formats of `drift` (`html` and `csv` render one role as a fleet of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DriftFormat {
    /// Text for people.
    #[default]
    Text,
    /// The JSON report of the contract (a fleet: summary and every row's report).
    Json,
    /// JSON Lines: one report per line, each printed as its row finishes
    /// (completion order), memory bounded whatever the fleet's size; the
    /// summary goes to stderr.
    Jsonl,
    /// One self-contained HTML page.
    Html,
    /// RFC 4180 CSV, CRLF line ends.
    Csv,
}

/// Runs `drift`.
pub fn run(g: &Global, a: &DriftArgs) -> Exit {
    let l = match super::project::load_quiet(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let layouts = released_layouts(&l.root, &l.compiled, &l.ledger);
    let ctx = Ctx {
        config: &l.project.config,
        compiled: &l.compiled,
        ledger: &l.ledger,
        layouts: &layouts,
    };
    if let Some(fleet) = &a.fleet {
        return run_fleet(&ctx, a, fleet);
    }
    let Some(role_arn) = &a.role_arn else {
        super::eprint_error(
            "give `--role-arn` (and `--module`, or let the role's `rolesmith:module` tag say it), or `--fleet FILE`",
        );
        return Exit::Failure;
    };
    if let Some(module) = &a.module
        && ctx.module(module).is_none()
    {
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
        module: String::new(),
        role_arn: role_arn.clone(),
        region: region(a),
    };
    let report = match ctx.check(a.module.as_deref(), subject, read.as_ref()) {
        Ok(r) => r,
        Err(message) => {
            super::eprint_error(message);
            return Exit::Failure;
        }
    };
    let exit = exit_for(&report::Summary::of(std::slice::from_ref(&report), 0));
    let text = match a.format {
        DriftFormat::Text => report::text(&report),
        DriftFormat::Json => match report::json(&report) {
            Ok(t) => t,
            Err(e) => return unserialisable(&e),
        },
        DriftFormat::Jsonl => match report::jsonl(&report) {
            Ok(t) => t,
            Err(e) => return unserialisable(&e),
        },
        DriftFormat::Html | DriftFormat::Csv => {
            let fleet = FleetReport::new(vec![report], 0);
            match fleet_table(&ctx, &fleet, a.format) {
                Ok(t) => t,
                Err(exit) => return exit,
            }
        }
    };
    super::print_out(&text);
    exit
}

/// A fleet report as `html` (the project's modules give the columns, latest
/// versions and quick-create links) or `csv`.
fn fleet_table(ctx: &Ctx<'_>, fleet: &FleetReport, format: DriftFormat) -> Result<String, Exit> {
    if format == DriftFormat::Csv {
        return Ok(report::fleet_csv(fleet));
    }
    report::fleet_html(fleet, &ctx.page_modules()).map_err(|e| {
        super::eprint_diagnostic(e);
        Exit::Failure
    })
}

/// The tenant's region for `${AWS::Region}` when no stack says it:
/// `--region`, else `AWS_REGION` (then `AWS_DEFAULT_REGION`), as the AWS CLI.
fn region(a: &DriftArgs) -> Option<String> {
    a.region.clone().or_else(|| {
        ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    })
}

/// A report that cannot be serialised is a defect: say so, exit 2.
fn unserialisable(e: &serde_json::Error) -> Exit {
    super::eprint_error(format!(
        "cannot serialise the report ({e}); this is a bug in rolesmith, please report it"
    ));
    Exit::Failure
}

/// The exit code of the reports `counts` counts: 3 when a role could not
/// be read, else 1 when any drifted, else 0.
fn exit_for(counts: &report::Summary) -> Exit {
    if counts.error > 0 {
        Exit::Live
    } else if counts.drift > 0 {
        Exit::Problems
    } else {
        Exit::Ok
    }
}

/// Says that `pending` rows were skipped, when there were any.
#[cfg(feature = "aws")]
fn warn_pending(pending: u64) {
    if pending > 0 {
        super::eprint_warning(&format!(
            "{pending} `pending` row{} skipped: run `rolesmith tenant verify` once the customer deployed the stack",
            if pending == 1 { "" } else { "s" }
        ));
    }
}

/// Released versions' managed policies per module, from their templates in
/// `generated/` (frozen by `release`); a template that cannot be read is
/// left out, and drift then reports missing permissions one by one.
pub(super) type Layouts = BTreeMap<String, Vec<VersionLayout>>;

pub(super) fn released_layouts(
    root: &Path,
    compiled: &[CompiledModule],
    ledger: &Ledger,
) -> Layouts {
    let mut out = Layouts::new();
    for c in compiled {
        let mut of_module = Vec::new();
        for r in ledger.releases(&c.module) {
            let path = root.join(crate::pipeline::layout::template(&c.module, &r.version));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(template) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            of_module.push((r.version.clone(), drift::policy_layouts(&template)));
        }
        out.insert(c.module.clone(), of_module);
    }
    out
}

pub(super) struct Ctx<'a> {
    pub(super) config: &'a crate::manifest::Config,
    pub(super) compiled: &'a [CompiledModule],
    pub(super) ledger: &'a Ledger,
    pub(super) layouts: &'a Layouts,
}

impl Ctx<'_> {
    pub(super) fn module(&self, id: &str) -> Option<&CompiledModule> {
        self.compiled.iter().find(|c| c.module == id)
    }

    pub(super) fn unknown_module(&self, id: &str) -> String {
        let best = crate::iam::suggest::best(id, self.compiled.iter().map(|c| c.module.as_str()));
        match best {
            Some(m) => {
                format!("unknown module `{id}`; did you mean `{m}`?")
            }
            _ => format!(
                "unknown module `{id}`; the modules are {}",
                self.module_list()
            ),
        }
    }

    /// Checks a role read against `asked` (else the module its tag names);
    /// `Err` is a usage problem (exit 2): no module given and no tag, or a
    /// tag naming no module of the project.
    pub(super) fn check(
        &self,
        asked: Option<&str>,
        mut subject: Subject,
        read: Result<&RoleSnapshot, &ReadError>,
    ) -> Result<Report, String> {
        match drift::choose_module(asked, read) {
            ModuleChoice::Use { module, from_tag } => {
                let Some(latest) = self.module(&module) else {
                    return Err(if from_tag {
                        format!(
                            "the role's `{}` tag says {}; give `--module`",
                            drift::MODULE_TAG,
                            self.unknown_module(&module)
                        )
                    } else {
                        self.unknown_module(&module)
                    });
                };
                subject.module = module;
                Ok(self.check_module(latest, &subject, read))
            }
            ModuleChoice::Mismatch { asked, tagged } => match read {
                Ok(snap) => Ok(drift::mismatch_report(
                    subject.tenant,
                    &subject.role_arn,
                    &asked,
                    &tagged,
                    snap,
                )),
                Err(_) => Err(format!(
                    "module `{asked}` does not match the role's tag `{tagged}`"
                )),
            },
            ModuleChoice::Unknown => match read {
                Err(e) => Ok(drift::unresolved_report(
                    subject.tenant,
                    &subject.role_arn,
                    e,
                )),
                Ok(snap) => Err(format!(
                    "role `{}` has no `{}` tag, so its module is unknown; give `--module` (the modules are {})",
                    snap.arn,
                    drift::MODULE_TAG,
                    self.module_list()
                )),
            },
        }
    }

    /// The modules as the fleet page shows them: latest version and the
    /// quick-create link its review document gives.
    fn page_modules(&self) -> Vec<report::PageModule> {
        let settings = crate::review::settings(self.config);
        self.compiled
            .iter()
            .map(|c| report::PageModule {
                module: c.module.clone(),
                latest_version: c.version.to_string(),
                quick_create_url: crate::review::module_quick_create_url(c, &settings),
            })
            .collect()
    }

    fn module_list(&self) -> String {
        self.compiled
            .iter()
            .map(|c| format!("`{}`", c.module))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn check_module(
        &self,
        latest: &CompiledModule,
        subject: &Subject,
        read: Result<&RoleSnapshot, &ReadError>,
    ) -> Report {
        let releases = self.ledger.releases(&subject.module);
        let versions = ModuleVersions {
            latest,
            releases: &releases,
            layouts: self
                .layouts
                .get(&subject.module)
                .map_or(&[][..], Vec::as_slice),
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

/// Reads the fleet file and checks every row's module before any API call:
/// a mistake in the file is exit 2, with every problem located.
fn load_fleet(ctx: &Ctx<'_>, path: &std::path::Path) -> Result<FleetFile, Exit> {
    let file = crate::live::fleet_file::load_fleet(path).map_err(|e| {
        super::eprint_diagnostic(e);
        Exit::Failure
    })?;
    file.check_modules(|m| ctx.module(m).is_none().then(|| ctx.unknown_module(m)))
        .map_err(|e| {
            super::eprint_diagnostic(e);
            Exit::Failure
        })?;
    Ok(file)
}

/// The summary of a streamed fleet, on stderr (stdout holds only reports).
#[cfg(feature = "aws")]
fn eprint_summary(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The fleet source of `--fleet`: a file, or `dynamodb://TABLE`.
fn table_of(fleet: &str) -> Option<&str> {
    fleet.strip_prefix("dynamodb://")
}

/// `--shard`, the scheduler's index variables read for `auto/N`.
fn shard_of(a: &DriftArgs) -> Result<crate::live::shard::Shard, Exit> {
    match &a.shard {
        None => Ok(crate::live::shard::Shard::default()),
        Some(text) => {
            crate::live::shard::Shard::parse(text, |k| std::env::var(k).ok()).map_err(|m| {
                super::eprint_error(m);
                Exit::Failure
            })
        }
    }
}

#[cfg(feature = "aws")]
fn run_fleet(ctx: &Ctx<'_>, a: &DriftArgs, fleet: &str) -> Exit {
    use crate::live::fleet::{Item, Source};

    let shard = match shard_of(a) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let (source, known, table) = match table_of(fleet) {
        Some("") => {
            super::eprint_error("`--fleet dynamodb://` names no table; give `dynamodb://TABLE`");
            return Exit::Failure;
        }
        Some(name) => (
            Source::Table {
                name: name.to_string(),
                shard,
            },
            None,
            true,
        ),
        None => {
            let file = match load_fleet(ctx, Path::new(fleet)) {
                Ok(f) => f,
                Err(exit) => return exit,
            };
            warn_pending(file.rows.iter().filter(|r| !r.is_active()).count() as u64);
            let rows: Vec<_> = file
                .rows
                .into_iter()
                .filter(|r| r.is_active() && shard.contains(&r.tenant, &r.module))
                .collect();
            let n = rows.len() as u64;
            (Source::Rows(rows), Some(n), false)
        }
    };
    let progress = match known {
        Some(n) if std::io::IsTerminal::is_terminal(&std::io::stderr()) => {
            let bar = indicatif::ProgressBar::new(n);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} roles checked ({elapsed})",
            ) {
                bar.set_style(style);
            }
            bar
        }
        _ => indicatif::ProgressBar::hidden(),
    };
    let stream = a.format == DriftFormat::Jsonl;
    let mut collected: Vec<(usize, Report)> = Vec::new();
    let mut counts = report::Summary::default();
    let mut malformed: Vec<String> = Vec::new();
    let mut unserialisable_report: Option<serde_json::Error> = None;
    let streamed = crate::live::fleet::stream_fleet(
        &aws_options(a),
        source,
        usize::from(a.concurrency),
        |item| {
            progress.inc(1);
            let (seq, row, read) = match item {
                Item::Read { seq, row, read } => (seq, row, read),
                Item::Malformed { key, message } => {
                    malformed.push(format!("`{key}`: {message}"));
                    return;
                }
            };
            if table && ctx.module(&row.module).is_none() {
                malformed.push(format!(
                    "`{}/{}`: {}",
                    row.tenant,
                    row.module,
                    ctx.unknown_module(&row.module)
                ));
                return;
            }
            let subject = Subject {
                tenant: Some(row.tenant.clone()),
                module: String::new(),
                role_arn: row.role_arn.clone(),
                region: row.region.clone(),
            };
            let r = match ctx.check(Some(&row.module), subject, read.result.as_ref()) {
                Ok(r) => r,
                Err(message) => {
                    malformed.push(format!("`{}/{}`: {message}", row.tenant, row.module));
                    return;
                }
            };
            counts.count(r.status);
            if stream {
                match report::jsonl(&r) {
                    Ok(line) => super::print_out(&line),
                    Err(e) => unserialisable_report = Some(e),
                }
            } else {
                collected.push((seq, r));
            }
        },
    );
    progress.finish_and_clear();
    let streamed = match streamed {
        Ok(s) => s,
        Err(e) => {
            super::eprint_error(e);
            return Exit::Live;
        }
    };
    if let Some(e) = unserialisable_report {
        return unserialisable(&e);
    }
    counts.api_calls = streamed.api_calls;
    if let Some(why) = &streamed.stopped {
        super::eprint_error(why);
    }
    warn_pending(streamed.pending);
    if !stream {
        // Files keep their order; a table's scan order means nothing.
        if table {
            collected.sort_by(|(_, x), (_, y)| {
                (&x.tenant, &x.module, &x.role_arn).cmp(&(&y.tenant, &y.module, &y.role_arn))
            });
        } else {
            collected.sort_by_key(|(seq, _)| *seq);
        }
        let fleet = FleetReport::new(
            collected.into_iter().map(|(_, r)| r).collect(),
            streamed.api_calls,
        );
        let text = match a.format {
            DriftFormat::Json => match report::fleet_json(&fleet) {
                Ok(t) => t,
                Err(e) => return unserialisable(&e),
            },
            DriftFormat::Html | DriftFormat::Csv => match fleet_table(ctx, &fleet, a.format) {
                Ok(t) => t,
                Err(exit) => return exit,
            },
            DriftFormat::Text | DriftFormat::Jsonl => report::fleet_text(&fleet),
        };
        super::print_out(&text);
    } else {
        eprint_summary(&format!(
            "shard {shard}: {} checked, {} ok, {} drift, {} error, {} API calls",
            counts.checked, counts.ok, counts.drift, counts.error, counts.api_calls
        ));
    }
    if let Some(e) = &streamed.scan_failed {
        super::eprint_error(e);
        return Exit::Live;
    }
    if !malformed.is_empty() {
        for m in malformed.iter().take(20) {
            super::eprint_error(format!("mapping row {m}; the row was not checked"));
        }
        if malformed.len() > 20 {
            super::eprint_error(format!("... and {} more such rows", malformed.len() - 20));
        }
        return Exit::Failure;
    }
    exit_for(&counts)
}

#[cfg(not(feature = "aws"))]
fn run_fleet(ctx: &Ctx<'_>, a: &DriftArgs, fleet: &str) -> Exit {
    if let Err(exit) = shard_of(a) {
        return exit;
    }
    // A file is still checked: its mistakes are worth knowing first.
    if table_of(fleet).is_none()
        && let Err(exit) = load_fleet(ctx, Path::new(fleet))
    {
        return exit;
    }
    super::eprint_error(
        "this build has no AWS support (built without the `aws` feature), which `--fleet` needs",
    );
    Exit::Failure
}
