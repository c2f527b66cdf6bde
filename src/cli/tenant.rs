//! `rolesmith tenant add` and `rolesmith tenant verify`: onboarding a
//! tenant into the role-mapping table (DynamoDB, `--table`) or a fleet
//! file (`--fleet`).
//!
//! `add` mints the tenant's ExternalId (128 random bits from the OS, as 32
//! hex digits; a tenant already recorded keeps its id), prints a console
//! quick-create link per module with the stack name and `ExternalId`
//! filled in, and records one `pending` row per module. `verify` assumes
//! each role with its ExternalId, proves offline (with the policy
//! evaluator) that its trust policy refuses a missing or wrong ExternalId
//! and every other principal, reads the deployed version, runs the drift
//! check, and marks the row `active` only when all of it passes.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::{Exit, Global, WithConfig};
use crate::live::fleet_file::{FleetRow, RowStatus};
use crate::policy::{Decision, Policy, Request};

/// `tenant` subcommands.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Mint the tenant's ExternalId, print quick-create links, record one `pending` row per module.
    Add(WithConfig<AddArgs>),
    /// Check the tenant's deployed roles and mark their rows `active`.
    Verify(WithConfig<VerifyArgs>),
}

/// Where the mapping rows are, and how to reach AWS.
#[derive(Debug, Args)]
#[group(id = "store", required = true, multiple = false)]
pub struct StoreArgs {
    /// The DynamoDB mapping table (created on demand by `tenant add`).
    #[arg(long, group = "store")]
    pub table: Option<String>,
    /// A fleet file instead of the table (created on demand by `tenant add`).
    #[arg(long, value_name = "FILE", group = "store")]
    pub fleet: Option<PathBuf>,
    /// AWS named profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Region of the mapping table (default: the AWS configuration's).
    #[arg(long)]
    pub table_region: Option<String>,
    /// Endpoint URL for AWS APIs (also `AWS_ENDPOINT_URL`).
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

/// Arguments of `tenant add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Tenant name (the table's partition key).
    #[arg(long)]
    pub tenant: String,
    /// The customer's 12-digit AWS account id.
    #[arg(long)]
    pub account: String,
    /// Modules the tenant deploys, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub modules: Vec<String>,
    /// Region the customer deploys the stacks in (the quick-create links open there).
    #[arg(long)]
    pub region: Option<String>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Arguments of `tenant verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Tenant name.
    #[arg(long)]
    pub tenant: String,
    /// Seconds allowed to read one role, every retry included.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::live::retry::DEFAULT_ROW_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub row_timeout: u64,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Runs a `tenant` subcommand.
pub fn run(g: &Global, c: &TenantCommand) -> Exit {
    match c {
        TenantCommand::Add(a) => add(g, &a.args),
        TenantCommand::Verify(a) => verify(g, &a.args),
    }
}

/// A new ExternalId: 128 bits from the OS's random source, as 32 hex
/// digits (IAM accepts 2 to 1,224 of `[\w+=,.@:/-]`).
fn mint_external_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The partition of a region (`cn-north-1` -> `aws-cn`).
fn partition(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    }
}

fn account_of(role_arn: &str) -> Option<&str> {
    crate::iam::arn::concrete_parts(role_arn).nth(4)
}

/// The tenant's rows: read from the table or the fleet file.
enum Store {
    #[cfg(feature = "aws")]
    Table(Box<Table>),
    Fleet(PathBuf),
}

#[cfg(feature = "aws")]
struct Table {
    runtime: tokio::runtime::Runtime,
    table: crate::live::aws::dynamodb::MappingTable,
    opts: crate::live::aws::AwsOptions,
}

#[cfg_attr(
    not(feature = "aws"),
    expect(
        dead_code,
        reason = "used by `tenant verify` and `--table`, which need the `aws` feature"
    )
)]
fn fail_live(e: impl std::fmt::Display) -> Exit {
    super::eprint_error(e);
    Exit::Live
}

fn fail_file(e: crate::live::fleet_file::FleetFileError) -> Exit {
    super::eprint_diagnostic(e);
    Exit::Failure
}

impl Store {
    fn open(s: &StoreArgs, row_timeout: u64) -> Result<Store, Exit> {
        if let Some(path) = &s.fleet {
            return Ok(Store::Fleet(path.clone()));
        }
        let Some(name) = s.table.as_deref().filter(|n| !n.is_empty()) else {
            super::eprint_error("give `--table TABLE` or `--fleet FILE`");
            return Err(Exit::Failure);
        };
        open_table(s, name, row_timeout)
    }

    /// Every row of `tenant`.
    fn rows(&self, tenant: &str) -> Result<Vec<FleetRow>, Exit> {
        match self {
            #[cfg(feature = "aws")]
            Store::Table(t) => t
                .runtime
                .block_on(t.table.tenant_rows(tenant))
                .map_err(fail_live),
            Store::Fleet(path) => {
                if !path.exists() {
                    return Ok(Vec::new());
                }
                let file = crate::live::fleet_file::load_fleet(path).map_err(fail_file)?;
                Ok(file
                    .rows
                    .into_iter()
                    .filter(|r| r.tenant == tenant)
                    .collect())
            }
        }
    }

    /// Is `id` used by another tenant? (Checked in a fleet file; in the
    /// table, 128 random bits make a repeat as good as impossible.)
    fn id_taken(&self, id: &str) -> Result<bool, Exit> {
        match self {
            #[cfg(feature = "aws")]
            Store::Table(_) => Ok(false),
            Store::Fleet(path) => {
                if !path.exists() {
                    return Ok(false);
                }
                let file = crate::live::fleet_file::load_fleet(path).map_err(fail_file)?;
                Ok(file
                    .rows
                    .iter()
                    .any(|r| r.external_id.as_deref() == Some(id)))
            }
        }
    }

    /// Records new rows, all or nothing.
    fn insert(&self, rows: &[FleetRow]) -> Result<(), Exit> {
        match self {
            #[cfg(feature = "aws")]
            Store::Table(t) => t.runtime.block_on(t.table.insert(rows)).map_err(fail_live),
            Store::Fleet(path) => {
                crate::live::fleet_file::append_rows(path, rows).map_err(fail_file)
            }
        }
    }

    /// Writes a row's new status and deployed version.
    #[cfg_attr(
        not(feature = "aws"),
        expect(
            dead_code,
            reason = "used by `tenant verify` and `--table`, which need the `aws` feature"
        )
    )]
    fn mark(&self, row: &FleetRow) -> Result<(), Exit> {
        match self {
            #[cfg(feature = "aws")]
            Store::Table(t) => t.runtime.block_on(t.table.mark(row)).map_err(fail_live),
            Store::Fleet(path) => {
                crate::live::fleet_file::replace_row(path, &row.tenant, &row.module, row)
                    .map_err(fail_file)
            }
        }
    }
}

#[cfg(feature = "aws")]
fn aws_options(s: &StoreArgs, row_timeout: u64) -> crate::live::aws::AwsOptions {
    crate::live::aws::AwsOptions {
        profile: s.profile.clone(),
        region: s.table_region.clone(),
        endpoint_url: s.endpoint_url.clone(),
        retry: crate::live::retry::RetryPolicy {
            row_timeout: std::time::Duration::from_secs(row_timeout),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[cfg(feature = "aws")]
fn open_table(s: &StoreArgs, name: &str, row_timeout: u64) -> Result<Store, Exit> {
    let runtime = crate::live::aws::runtime(2).map_err(fail_live)?;
    let opts = aws_options(s, row_timeout);
    let conf = runtime.block_on(crate::live::aws::load_config(
        &opts,
        crate::live::aws::standard_retries(),
    ));
    let table = crate::live::aws::dynamodb::MappingTable::new(&conf, name);
    Ok(Store::Table(Box::new(Table {
        runtime,
        table,
        opts,
    })))
}

#[cfg(not(feature = "aws"))]
fn open_table(_s: &StoreArgs, _name: &str, _row_timeout: u64) -> Result<Store, Exit> {
    super::eprint_error(
        "this build has no AWS support (built without the `aws` feature), which `--table` needs; use `--fleet FILE`",
    );
    Err(Exit::Failure)
}

/// Runs `tenant add`.
fn add(g: &Global, a: &AddArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    if a.tenant.trim().is_empty() {
        super::eprint_error("`--tenant` is empty; give the tenant's name");
        return Exit::Failure;
    }
    if a.account.len() != 12 || !a.account.bytes().all(|b| b.is_ascii_digit()) {
        super::eprint_error(format!(
            "`--account {}` is not a 12-digit AWS account id",
            a.account
        ));
        return Exit::Failure;
    }
    let mut modules: Vec<&str> = Vec::new();
    for m in a.modules.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
        if !modules.contains(&m) {
            modules.push(m);
        }
    }
    if modules.is_empty() {
        super::eprint_error("`--modules` names no module; give `--modules m1,m2`");
        return Exit::Failure;
    }
    let layouts = super::drift::Layouts::new();
    let ctx = super::drift::Ctx {
        config: &l.project.config,
        compiled: &l.compiled,
        ledger: &l.ledger,
        layouts: &layouts,
    };
    let mut problems = 0;
    for m in &modules {
        if ctx.module(m).is_none() {
            super::eprint_error(ctx.unknown_module(m));
            problems += 1;
        } else if l.ledger.latest(m).is_none() {
            super::eprint_error(format!(
                "module `{m}` has no released version a customer could deploy; run `rolesmith release {m}` and `rolesmith publish` first"
            ));
            problems += 1;
        }
    }
    if problems > 0 {
        super::eprint_error("nothing was recorded");
        return Exit::Failure;
    }
    let store = match Store::open(&a.store, crate::live::retry::DEFAULT_ROW_TIMEOUT_SECS) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    #[cfg(feature = "aws")]
    if let Store::Table(t) = &store {
        match t.runtime.block_on(t.table.ensure()) {
            Ok(true) => super::eprint_warning(&format!(
                "created the mapping table `{}` (partition key `tenant`, sort key `module`, on-demand capacity)",
                t.table.name()
            )),
            Ok(false) => {}
            Err(e) => return fail_live(e),
        }
    }
    let existing = match store.rows(&a.tenant) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    // A tenant keeps its ExternalId: the customer's stacks already hold it.
    let mut ids: Vec<&str> = existing
        .iter()
        .filter_map(|r| r.external_id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > 1 {
        super::eprint_error(format!(
            "tenant `{}` already has rows with different ExternalIds ({}); fix the rows by hand first",
            a.tenant,
            ids.iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Exit::Failure;
    }
    if let Some(other) = existing
        .iter()
        .filter_map(|r| account_of(&r.role_arn))
        .find(|acct| *acct != a.account)
    {
        super::eprint_error(format!(
            "tenant `{}` is recorded in account `{other}`, not `{}`: a tenant has one account; use another tenant name for another account",
            a.tenant, a.account
        ));
        return Exit::Failure;
    }
    let external_id = match ids.first() {
        Some(id) => (*id).to_string(),
        None => loop {
            let id = match mint_external_id() {
                Ok(id) => id,
                Err(e) => {
                    super::eprint_error(format!(
                        "cannot get random bytes from the operating system: {e}"
                    ));
                    return Exit::Failure;
                }
            };
            match store.id_taken(&id) {
                Ok(false) => break id,
                Ok(true) => continue,
                Err(exit) => return exit,
            }
        },
    };
    let region = a.region.as_deref();
    let mut new_rows = Vec::new();
    let mut out = format!("tenant {}: ExternalId {external_id}\n", a.tenant);
    for m in &modules {
        let Some(c) = ctx.module(m) else { continue };
        let role_arn = format!(
            "arn:{}:iam::{}:role/{}",
            partition(region),
            a.account,
            c.role_name
        );
        let recorded = existing.iter().any(|r| r.module == *m);
        if !recorded {
            new_rows.push(FleetRow {
                tenant: a.tenant.clone(),
                module: (*m).to_string(),
                role_arn: role_arn.clone(),
                external_id: Some(external_id.clone()),
                region: a.region.clone(),
                // The customer may rename the stack in the console: drift
                // reads the version from the role's tag instead.
                stack_name: None,
                status: Some(RowStatus::Pending),
                deployed_version: None,
            });
        }
        let Some(release) = l.ledger.latest(m) else {
            continue;
        };
        out.push_str(&format!(
            "{m} {} ({}): {role_arn}\n",
            release.version,
            if recorded {
                "already recorded, left as it is"
            } else {
                "recorded as pending"
            }
        ));
        match &l.project.config.review.template_url_base {
            Some(base) => {
                let template = crate::review::template_url(base, m, &release.version);
                // Only the ExternalId: the console shows every other
                // parameter with the template's default for the customer.
                let params: Vec<(String, String)> = if l.project.config.roles.external_id {
                    vec![(crate::compile::template::EXTERNAL_ID.to_string(), external_id.clone())]
                } else {
                    Vec::new()
                };
                out.push_str(&format!(
                    "  quick-create: {}\n",
                    crate::review::quick_create_url(&template, &c.role_name, &params, region)
                ));
            }
            None => out.push_str(
                "  no quick-create link: set `review.template_url_base` (see `rolesmith publish`)\n",
            ),
        }
    }
    if !new_rows.is_empty()
        && let Err(exit) = store.insert(&new_rows)
    {
        super::eprint_error("nothing was recorded");
        return exit;
    }
    out.push_str(&format!(
        "{} row{} recorded; once the customer has deployed, run `rolesmith tenant verify --tenant {}`\n",
        new_rows.len(),
        if new_rows.len() == 1 { "" } else { "s" },
        a.tenant
    ));
    super::print_out(&out);
    Exit::Ok
}

/// Runs `tenant verify`.
fn verify(g: &Global, a: &VerifyArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let store = match Store::open(&a.store, a.row_timeout) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let rows = match store.rows(&a.tenant) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    if rows.is_empty() {
        super::eprint_error(format!(
            "tenant `{}` has no rows; run `rolesmith tenant add` first",
            a.tenant
        ));
        return Exit::Failure;
    }
    let layouts = super::drift::released_layouts(&l.root, &l.compiled, &l.ledger);
    let ctx = super::drift::Ctx {
        config: &l.project.config,
        compiled: &l.compiled,
        ledger: &l.ledger,
        layouts: &layouts,
    };
    verify_rows(&ctx, &store, a, rows)
}

#[cfg(not(feature = "aws"))]
fn verify_rows(
    _ctx: &super::drift::Ctx<'_>,
    _store: &Store,
    _a: &VerifyArgs,
    _rows: Vec<FleetRow>,
) -> Exit {
    super::eprint_error(
        "this build has no AWS support (built without the `aws` feature), which `tenant verify` needs",
    );
    Exit::Failure
}

#[cfg(feature = "aws")]
fn verify_rows(
    ctx: &super::drift::Ctx<'_>,
    store: &Store,
    a: &VerifyArgs,
    rows: Vec<FleetRow>,
) -> Exit {
    use crate::live::RoleReader;

    let opts = match store {
        Store::Table(t) => t.opts.clone(),
        Store::Fleet(_) => aws_options(&a.store, a.row_timeout),
    };
    let reader = match crate::live::aws::BlockingAwsReader::connect(&opts) {
        Ok(r) => r,
        Err(e) => return fail_live(e),
    };
    let mut out = String::new();
    let (mut failed, mut unreadable) = (0, 0);
    for mut row in rows {
        let head = format!("{}/{}", row.tenant, row.module);
        let snap = match reader.read_role(&row.target()) {
            Ok(s) => s,
            Err(e) => {
                unreadable += 1;
                out.push_str(&format!(
                    "{head}: pending (the role could not be assumed or read: {})\n",
                    e.message
                ));
                continue;
            }
        };
        let partition = snap.partition().unwrap_or("aws");
        let vendor = ctx.config.vendor.authoriser_arn(partition);
        let mut findings = trust_problems(
            snap.trust_policy.as_str(),
            &row.role_arn,
            &vendor,
            row.external_id.as_deref(),
        );
        let version = snap.deployed_version().map(str::to_string);
        match &version {
            None => findings.push(
                "the role carries no `rolesmith:version` tag, so the deployed version is unknown"
                    .to_string(),
            ),
            Some(v) => {
                let released = semver::Version::parse(v)
                    .ok()
                    .is_some_and(|v| ctx.ledger.get(&row.module, &v).is_some());
                if !released {
                    findings.push(format!(
                        "the deployed version `{v}` is not a released version of `{}`",
                        row.module
                    ));
                }
            }
        }
        let subject = crate::drift::Subject {
            tenant: Some(row.tenant.clone()),
            module: String::new(),
            role_arn: row.role_arn.clone(),
            region: row.region.clone(),
        };
        match ctx.check(Some(&row.module), subject, Ok(&snap)) {
            Ok(report) => {
                for f in &report.findings {
                    if f.severity == crate::drift::Severity::Error {
                        findings.push(format!("{}: {}", f.kind.as_str(), f.message));
                    }
                }
            }
            Err(message) => findings.push(message),
        }
        if !findings.is_empty() {
            failed += 1;
            out.push_str(&format!(
                "{head}: pending, {} problem{}:\n",
                findings.len(),
                if findings.len() == 1 { "" } else { "s" }
            ));
            for f in findings {
                out.push_str(&format!("  - {f}\n"));
            }
            continue;
        }
        row.status = Some(RowStatus::Active);
        row.deployed_version = version.clone();
        if let Err(exit) = store.mark(&row) {
            super::print_out(&out);
            return exit;
        }
        out.push_str(&format!(
            "{head}: active (version {}; the trust policy refuses a missing or wrong ExternalId and every other principal; no drift)\n",
            version.unwrap_or_default()
        ));
    }
    super::print_out(&out);
    if unreadable > 0 {
        Exit::Live
    } else if failed > 0 {
        Exit::Problems
    } else {
        Exit::Ok
    }
}

/// The statements of a policy document (one object or a list).
fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

/// Does a `Principal` element name `(kind, who)`? `*`, the ARN itself,
/// its account's root or its account id (for `AWS` principals).
fn names_principal(element: &Value, kind: &str, who: &str) -> bool {
    let account = crate::iam::arn::concrete_parts(who)
        .nth(4)
        .filter(|a| !a.is_empty());
    let matches = |v: &str| {
        v == "*"
            || v == who
            || (kind == "AWS"
                && account.is_some_and(|a| {
                    v == a
                        || crate::iam::arn::concrete_parts(v).nth(4) == Some(a)
                            && v.ends_with(":root")
                }))
    };
    match element {
        Value::String(s) => s == "*",
        Value::Object(m) => match m.get(kind) {
            Some(Value::String(s)) => matches(s),
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(matches),
            _ => false,
        },
        _ => false,
    }
}

/// Whether `(kind, who)` may assume the role with `external_id` (none:
/// without one), by the crate's evaluator: the statements that apply to
/// the principal, with `Principal` replaced by the role as resource.
fn may_assume(
    doc: &Value,
    role_arn: &str,
    kind: &str,
    who: &str,
    external_id: Option<&str>,
) -> Result<bool, String> {
    let mut kept = Vec::new();
    for st in statements(doc) {
        let Some(obj) = st.as_object() else { continue };
        let applies = match (obj.get("Principal"), obj.get("NotPrincipal")) {
            (Some(p), _) => names_principal(p, kind, who),
            (None, Some(np)) => !names_principal(np, kind, who),
            (None, None) => false,
        };
        if !applies {
            continue;
        }
        let mut s: Map<String, Value> = obj.clone();
        s.remove("Principal");
        s.remove("NotPrincipal");
        s.insert("Resource".into(), json!("*"));
        kept.push(Value::Object(s));
    }
    let policy = Policy::parse(
        "trust policy",
        &json!({"Version": "2012-10-17", "Statement": kept}),
    )
    .map_err(|e| format!("the trust policy cannot be read: {e}"))?;
    let mut context = std::collections::BTreeMap::new();
    if let Some(id) = external_id {
        context.insert("sts:ExternalId".to_string(), vec![id.to_string()]);
    }
    if kind == "AWS" {
        context.insert("aws:PrincipalArn".to_string(), vec![who.to_string()]);
        if let Some(acct) = crate::iam::arn::concrete_parts(who).nth(4) {
            context.insert("aws:PrincipalAccount".to_string(), vec![acct.to_string()]);
        }
    }
    let req = Request {
        action: "sts:AssumeRole".into(),
        resource: role_arn.into(),
        context,
    };
    let eval = crate::policy::evaluate(&req, std::slice::from_ref(&policy), None);
    Ok(eval.decision == Decision::Allowed)
}

/// What is wrong with a trust policy for this tenant, evaluated offline:
/// the vendor's authoriser must be able to assume the role with the
/// tenant's ExternalId, and neither it without one or with another, nor
/// any other principal (named in the policy, the customer's own account,
/// an unrelated account, a service), even with the right ExternalId.
#[cfg_attr(
    all(not(feature = "aws"), not(test)),
    expect(
        dead_code,
        reason = "used by `tenant verify` and `--table`, which need the `aws` feature"
    )
)]
pub(crate) fn trust_problems(
    trust: &str,
    role_arn: &str,
    vendor: &str,
    external_id: Option<&str>,
) -> Vec<String> {
    let doc: Value = match serde_json::from_str(trust) {
        Ok(v) => v,
        Err(e) => return vec![format!("the trust policy is not JSON: {e}")],
    };
    let mut out = Vec::new();
    let mut probe =
        |kind: &str, who: &str, id: Option<&str>, want: bool, what: String| match may_assume(
            &doc, role_arn, kind, who, id,
        ) {
            Ok(got) if got == want => {}
            Ok(_) => out.push(what),
            Err(m) => out.push(m),
        };
    let Some(id) = external_id else {
        return vec!["the row has no ExternalId, so the role cannot be checked against one; add the tenant again".into()];
    };
    probe(
        "AWS",
        vendor,
        Some(id),
        true,
        format!(
            "`{vendor}` cannot assume the role with the tenant's ExternalId `{id}`: the trust policy must allow it (update the stack with this ExternalId)"
        ),
    );
    probe(
        "AWS",
        vendor,
        None,
        false,
        format!(
            "`{vendor}` can assume the role without an ExternalId (confused deputy): the trust policy must require `sts:ExternalId` with `StringEquals`"
        ),
    );
    let wrong = format!("{id}-not-this-tenant");
    probe(
        "AWS",
        vendor,
        Some(&wrong),
        false,
        format!(
            "`{vendor}` can assume the role with another ExternalId than the tenant's: the condition must be `StringEquals` on `{id}`"
        ),
    );
    let partition = crate::iam::arn::concrete_parts(role_arn)
        .nth(1)
        .unwrap_or("aws");
    let customer = crate::iam::arn::concrete_parts(role_arn)
        .nth(4)
        .unwrap_or_default();
    let outsider_account = if customer == "999999999999" {
        "999999999998"
    } else {
        "999999999999"
    };
    let mut others: Vec<(String, String)> = vec![
        (
            "AWS".into(),
            format!("arn:{partition}:iam::{outsider_account}:role/outsider"),
        ),
        (
            "AWS".into(),
            format!("arn:{partition}:iam::{customer}:root"),
        ),
        (
            "AWS".into(),
            format!("arn:{partition}:iam::{customer}:role/any-role"),
        ),
        ("Service".into(), "ec2.amazonaws.com".into()),
    ];
    // Every principal the policy names, besides the vendor's authoriser.
    for st in statements(&doc) {
        if let Some(Value::Object(m)) = st.get("Principal") {
            for (kind, v) in m {
                let values: Vec<&str> = match v {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                for who in values {
                    if !(kind == "AWS" && who == vendor) && who != "*" {
                        others.push((kind.clone(), who.to_string()));
                    }
                }
            }
        }
    }
    others.sort();
    others.dedup();
    for (kind, who) in &others {
        for id in [Some(id), None] {
            probe(
                kind,
                who,
                id,
                false,
                format!(
                    "`{who}` ({kind}) can assume the role{}: only `{vendor}` may",
                    if id.is_some() {
                        " (with the tenant's ExternalId)"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::222233334444:role/CXPortal-m";
    const VENDOR: &str = "arn:aws:iam::111122223333:role/CXPortalAuthoriserRole";

    fn trust(statements: Value) -> String {
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    }

    fn good() -> Value {
        json!([{
            "Effect": "Allow",
            "Principal": {"AWS": VENDOR},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "abc123"}}
        }])
    }

    #[test]
    fn the_generated_trust_passes() {
        assert_eq!(
            trust_problems(&trust(good()), ROLE, VENDOR, Some("abc123")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn another_tenants_id_fails() {
        let p = trust_problems(&trust(good()), ROLE, VENDOR, Some("zzz"));
        assert!(
            p.iter()
                .any(|m| m.contains("cannot assume the role with the tenant's ExternalId `zzz`")),
            "{p:?}"
        );
    }

    #[test]
    fn a_removed_condition_fails() {
        let t = trust(
            json!([{"Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "sts:AssumeRole"}]),
        );
        let p = trust_problems(&t, ROLE, VENDOR, Some("abc123"));
        assert!(
            p.iter().any(|m| m.contains("without an ExternalId")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.contains("another ExternalId")), "{p:?}");
    }

    #[test]
    fn a_wildcard_condition_fails() {
        let t = trust(
            json!([{"Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "sts:AssumeRole",
            "Condition": {"StringLike": {"sts:ExternalId": "*"}}}]),
        );
        let p = trust_problems(&t, ROLE, VENDOR, Some("abc123"));
        assert!(p.iter().any(|m| m.contains("another ExternalId")), "{p:?}");
    }

    #[test]
    fn a_second_principal_fails() {
        let mut st = good();
        st[0]["Principal"]["AWS"] = json!([VENDOR, "arn:aws:iam::444455556666:user/mallory"]);
        let p = trust_problems(&trust(st), ROLE, VENDOR, Some("abc123"));
        assert!(p.iter().any(|m| m.contains("mallory")), "{p:?}");
    }

    #[test]
    fn everyone_and_the_customers_account_fail() {
        let t = trust(
            json!([{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "abc123"}}}]),
        );
        let p = trust_problems(&t, ROLE, VENDOR, Some("abc123"));
        assert!(p.iter().any(|m| m.contains("outsider")), "{p:?}");
        let t = trust(
            json!([good()[0].clone(), {"Effect": "Allow", "Principal": {"AWS": "222233334444"}, "Action": "sts:AssumeRole"}]),
        );
        let p = trust_problems(&t, ROLE, VENDOR, Some("abc123"));
        assert!(p.iter().any(|m| m.contains("222233334444:root")), "{p:?}");
    }

    #[test]
    fn a_deny_for_others_keeps_it_safe() {
        let t = trust(
            json!([good()[0].clone(), {"Effect": "Deny", "NotPrincipal": {"AWS": VENDOR}, "Action": "sts:*"}]),
        );
        assert_eq!(
            trust_problems(&t, ROLE, VENDOR, Some("abc123")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn external_ids_are_fresh_hex() {
        let a = mint_external_id().unwrap_or_default();
        let b = mint_external_id().unwrap_or_default();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
