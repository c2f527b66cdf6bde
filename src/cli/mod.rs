//! Command-line glue: parses flags into typed arguments, dispatches to one
//! file per command, and maps outcomes to the exit codes of the contract.
//! The commands themselves only call the library and render its results.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod actions;
mod build;
mod diff;
mod drift;
mod explain;
mod project;
mod publish;
mod release;
mod review;
mod simulate;
mod tenant;
mod validate;

/// Exit codes shared by every command (see `shared/design/cli.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done, nothing wrong found.
    Ok = 0,
    /// The check found problems.
    Problems = 1,
    /// The tool could not do its job (bad arguments, unreadable files, unknown module).
    Failure = 2,
    /// A live account could not be read.
    Live = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Output format of commands that report something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// When to colour diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// rolesmith: least-privilege, versioned cross-account IAM roles for SaaS vendors.
#[derive(Debug, Parser)]
#[command(name = "rolesmith", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Project configuration file; modules are read from `modules/` and output
    /// written to `generated/` beside it.
    #[arg(
        long,
        global = true,
        default_value = "rolesmith.yaml",
        value_name = "PATH"
    )]
    pub config: PathBuf,
    /// Colour diagnostics (`NO_COLOR` is honoured in `auto`).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

impl Global {
    /// Folder that holds the config file (project root).
    pub fn root(&self) -> PathBuf {
        match self.config.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// The commands of the contract.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the config and every manifest; report all problems at once.
    Validate(validate::ValidateArgs),
    /// Compile every module into `generated/`.
    Build(build::BuildArgs),
    /// Freeze the current version of modules (all when none are named).
    Release(release::ReleaseArgs),
    /// What changed in permissions (and in the template) between two versions.
    Diff(diff::DiffArgs),
    /// Look actions up in the IAM catalogue (wildcards allowed).
    Actions(actions::ActionsArgs),
    /// Evaluate IAM policies offline, one request or a JSON Lines batch.
    Simulate(simulate::SimulateArgs),
    /// Compare live roles (or an authorization-details dump) with the manifests.
    Drift(drift::DriftArgs),
    /// Write the review document of a module version for security teams.
    Review(review::ReviewArgs),
    /// Explain an AWS AccessDenied message: module, feature, version to deploy, what to do.
    Explain(explain::ExplainArgs),
    /// Upload released templates and review documents to S3; print their URLs and quick-create links.
    Publish(publish::PublishArgs),
    /// Onboard tenants: mint their ExternalId and record their rows (`add`), check their roles (`verify`).
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Failure
            } else {
                Exit::Ok
            };
            // A closed pipe while printing help is not an error worth reporting.
            let _ = e.print();
            return code.into();
        }
    };
    install_diagnostics(cli.global.color);
    run(cli).into()
}

/// Runs a parsed command line and returns its exit code.
pub fn run(cli: Cli) -> Exit {
    let g = &cli.global;
    match &cli.command {
        Command::Validate(a) => validate::run(g, a),
        Command::Build(a) => build::run(g, a),
        Command::Release(a) => release::run(g, a),
        Command::Diff(a) => diff::run(g, a),
        Command::Actions(a) => actions::run(g, a),
        Command::Simulate(a) => simulate::run(g, a),
        Command::Drift(a) => drift::run(g, a),
        Command::Review(a) => review::run(g, a),
        Command::Explain(a) => explain::run(g, a),
        Command::Publish(a) => publish::run(g, a),
        Command::Tenant(c) => tenant::run(g, c),
    }
}

fn colour_wanted(c: Color) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stderr())
        }
    }
}

fn install_diagnostics(c: Color) {
    let colour = colour_wanted(c);
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(colour)
                .unicode(colour)
                .terminal_links(false)
                .width(100)
                .build(),
        )
    }));
}

/// Prints a diagnostic (with its source snippet, if any) to stderr.
pub fn eprint_diagnostic(d: impl miette::Diagnostic + Send + Sync + 'static) {
    let report = miette::Report::new(d);
    let _ = writeln!(std::io::stderr(), "{report:?}");
}

/// Prints a one-line error to stderr as `error: ...`.
pub fn eprint_error(msg: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "error: {msg}");
}

/// Prints a one-line warning to stderr as `warning: ...` (does not change the exit code).
pub fn eprint_warning(msg: &str) {
    let _ = writeln!(std::io::stderr(), "warning: {msg}");
}

/// Writes results to stdout; a closed pipe (e.g. `| head`) is not an error.
pub fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
