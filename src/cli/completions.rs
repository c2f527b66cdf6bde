//! `rolesmith completions SHELL` and `rolesmith man [COMMAND]`: the shell
//! completion script (clap_complete) and the manual page in roff
//! (clap_mangen), both generated from the same clap definitions as the
//! parser, so they cannot disagree with it. Both print to stdout.
use clap::{Args, CommandFactory, ValueEnum};

use super::{Cli, Exit};

/// Shells with a completion script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash: `source <(rolesmith completions bash)`.
    Bash,
    /// Zsh: write it as `_rolesmith` into a folder of `$fpath`.
    Zsh,
    /// Fish: write it to `~/.config/fish/completions/rolesmith.fish`.
    Fish,
    /// PowerShell: `rolesmith completions powershell | Out-String | Invoke-Expression`.
    Powershell,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Command whose page to print (`rolesmith-validate(1)`, ...); default: the page of rolesmith.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Prints the completion script: exit 0.
pub fn run(a: &CompletionsArgs) -> Exit {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    match a.shell {
        Shell::Bash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "rolesmith", &mut out)
        }
        Shell::Zsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, "rolesmith", &mut out)
        }
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, "rolesmith", &mut out)
        }
        Shell::Powershell => clap_complete::generate(
            clap_complete::Shell::PowerShell,
            &mut cmd,
            "rolesmith",
            &mut out,
        ),
    }
    super::print_out(&String::from_utf8_lossy(&out));
    Exit::Ok
}

/// Prints a manual page: exit 0, or 2 for a command that does not exist.
pub fn man(a: &ManArgs) -> Exit {
    let mut root = Cli::command();
    root.build();
    let page = match &a.command {
        None => root,
        Some(name) => {
            let Some(sub) = root.find_subcommand(name).cloned() else {
                let names: Vec<String> = root
                    .get_subcommands()
                    .map(|c| format!("`{}`", c.get_name()))
                    .collect();
                super::eprint_error(format!(
                    "`{name}` is not a command of rolesmith; the commands are {}",
                    names.join(", ")
                ));
                return Exit::Failure;
            };
            // Built, the command's display name is `rolesmith-<command>`.
            sub
        }
    };
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).render(&mut out) {
        super::eprint_error(format!("cannot render the manual page: {e}"));
        return Exit::Failure;
    }
    super::print_out(&String::from_utf8_lossy(&out));
    Exit::Ok
}
