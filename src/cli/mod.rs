//! Command-line glue: parses flags into typed arguments, dispatches to one
//! file per command, and maps outcomes to the exit codes of the contract.
//! The commands themselves only call the library and render its results.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod actions;
mod build;
mod completions;
mod diff;
mod drift;
mod explain;
mod init;
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
    /// Project configuration file, for the commands that read the project
    /// (also accepted after the command name); default `rolesmith.yaml`.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Colour diagnostics (`NO_COLOR` is honoured in `auto`).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

/// What every command is given: the project's config file (the commands
/// that do not read the project ignore it) and the colour choice.
#[derive(Debug, Clone)]
pub struct Global {
    /// Project configuration file; modules are read from `modules/` and
    /// output written to `generated/` beside it.
    pub config: PathBuf,
    /// Colour of diagnostics.
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

/// Where the project's config is when no `--config` is given.
pub const DEFAULT_CONFIG: &str = "rolesmith.yaml";

/// The arguments of a command that reads the project: `--config`, then its own.
#[derive(Debug, Args)]
pub struct WithConfig<T: Args> {
    /// Project configuration file (default `rolesmith.yaml`); modules are read
    /// from `modules/` and output written to `generated/` beside it.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub args: T,
}

/// The commands of the contract.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the config and every manifest; report all problems at once.
    Validate(WithConfig<validate::ValidateArgs>),
    /// Compile every module into `generated/`.
    Build(WithConfig<build::BuildArgs>),
    /// Freeze the current version of modules (all when none are named).
    Release(WithConfig<release::ReleaseArgs>),
    /// What changed in permissions (and in the template) between two versions.
    Diff(WithConfig<diff::DiffArgs>),
    /// Look actions up in the IAM catalogue (wildcards allowed).
    Actions(actions::ActionsArgs),
    /// Evaluate IAM policies offline, one request or a JSON Lines batch.
    Simulate(simulate::SimulateArgs),
    /// Compare live roles (or an authorization-details dump) with the manifests.
    Drift(WithConfig<drift::DriftArgs>),
    /// Write the review document of a module version for security teams.
    Review(WithConfig<review::ReviewArgs>),
    /// Explain an AWS AccessDenied message: module, feature, version to deploy, what to do.
    Explain(WithConfig<explain::ExplainArgs>),
    /// Upload released templates and review documents to S3; print their URLs and quick-create links.
    Publish(WithConfig<publish::PublishArgs>),
    /// Onboard tenants: mint their ExternalId and record their rows (`add`), check their roles (`verify`).
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Start a project: a `rolesmith.yaml` and an example module that validate and build.
    Init(init::InitArgs),
    /// Print the shell completion script for bash, zsh, fish or PowerShell.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff) of rolesmith, or of one of its commands.
    Man(completions::ManArgs),
}

impl Command {
    /// The `--config` given after the command name; `None` for the
    /// commands that do not read the project.
    fn config(&self) -> Option<Option<&PathBuf>> {
        match self {
            Command::Validate(w) => Some(w.config.as_ref()),
            Command::Build(w) => Some(w.config.as_ref()),
            Command::Release(w) => Some(w.config.as_ref()),
            Command::Diff(w) => Some(w.config.as_ref()),
            Command::Drift(w) => Some(w.config.as_ref()),
            Command::Review(w) => Some(w.config.as_ref()),
            Command::Explain(w) => Some(w.config.as_ref()),
            Command::Publish(w) => Some(w.config.as_ref()),
            Command::Tenant(tenant::TenantCommand::Add(w)) => Some(w.config.as_ref()),
            Command::Tenant(tenant::TenantCommand::Verify(w)) => Some(w.config.as_ref()),
            Command::Actions(_)
            | Command::Simulate(_)
            | Command::Init(_)
            | Command::Completions(_)
            | Command::Man(_) => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Command::Validate(_) => "validate",
            Command::Build(_) => "build",
            Command::Release(_) => "release",
            Command::Diff(_) => "diff",
            Command::Actions(_) => "actions",
            Command::Simulate(_) => "simulate",
            Command::Drift(_) => "drift",
            Command::Review(_) => "review",
            Command::Explain(_) => "explain",
            Command::Publish(_) => "publish",
            Command::Tenant(_) => "tenant",
            Command::Init(_) => "init",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
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
    install_diagnostics(cli.color);
    run(cli).into()
}

/// Runs a parsed command line and returns its exit code.
pub fn run(cli: Cli) -> Exit {
    // `--config` after the command wins over one before it (as a global
    // flag did); before a command that reads no project it is a mistake.
    let config = match cli.command.config() {
        Some(after) => after
            .or(cli.config.as_ref())
            .cloned()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG)),
        None => {
            if cli.config.is_some() {
                eprint_error(format!(
                    "`rolesmith {}` reads no project, so `--config` means nothing to it; leave it out",
                    cli.command.name()
                ));
                return Exit::Failure;
            }
            PathBuf::from(DEFAULT_CONFIG)
        }
    };
    let g = &Global {
        config,
        color: cli.color,
    };
    match &cli.command {
        Command::Validate(w) => validate::run(g, &w.args),
        Command::Build(w) => build::run(g, &w.args),
        Command::Release(w) => release::run(g, &w.args),
        Command::Diff(w) => diff::run(g, &w.args),
        Command::Actions(a) => actions::run(g, a),
        Command::Simulate(a) => simulate::run(g, a),
        Command::Drift(w) => drift::run(g, &w.args),
        Command::Review(w) => review::run(g, &w.args),
        Command::Explain(w) => explain::run(g, &w.args),
        Command::Publish(w) => publish::run(g, &w.args),
        Command::Tenant(c) => tenant::run(g, c),
        Command::Init(a) => init::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => completions::man(a),
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
