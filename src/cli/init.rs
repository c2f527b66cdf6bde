//! `rolesmith init [DIR]`: a starter project (`rolesmith.yaml` and one
//! commented example module) that validates and builds as it is. Refuses,
//! with exit 1 and every clashing file named, when any of its files
//! exists; writes all of them or none (`fsutil`).
use std::path::PathBuf;

use super::Exit;
use clap::Args;

const CONFIG: &str = include_str!("init/rolesmith.yaml");
const EXAMPLE: &str = include_str!("init/example.yaml");

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder of the new project (created when missing).
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

/// Runs `init`: 0 written, 1 a file is in the way (nothing written), 2 the
/// files could not be written.
pub fn run(a: &InitArgs) -> Exit {
    let files = [
        (a.dir.join("rolesmith.yaml"), CONFIG),
        (a.dir.join("modules").join("example.yaml"), EXAMPLE),
    ];
    let taken: Vec<String> = files
        .iter()
        .filter(|(p, _)| std::fs::symlink_metadata(p).is_ok())
        .map(|(p, _)| format!("`{}`", p.display()))
        .collect();
    if !taken.is_empty() {
        super::eprint_error(format!(
            "{} already exist{}; init writes only into a folder without them (move them away, or give another DIR); nothing was written",
            taken.join(" and "),
            if taken.len() == 1 { "s" } else { "" }
        ));
        return Exit::Problems;
    }
    let writes: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(p, text)| (p.clone(), text.as_bytes().to_vec()))
        .collect();
    if let Err(e) = crate::fsutil::write_all_atomic(&writes) {
        super::eprint_diagnostic(e);
        return Exit::Failure;
    }
    let config = a.dir.join("rolesmith.yaml");
    let c = config.display();
    super::print_out(&format!(
        "created {c} and {}\n\nnext steps:\n  1. edit the `vendor` block of {c} (your account id and authoriser role)\n  2. rolesmith validate --config {c}    # checks every manifest, writes nothing\n  3. rolesmith build --config {c}       # writes generated/<module>/<version>/template.json and review documents\n  4. rolesmith release --config {c}     # freezes the version you ship; commit generated/\n",
        a.dir.join("modules").join("example.yaml").display()
    ));
    Exit::Ok
}
