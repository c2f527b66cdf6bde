//! `rolesmith build [--check]`: the pipeline's outputs after the versioning
//! step ([`crate::pipeline::Loaded::build`]), written all or none; `--check`
//! writes nothing and shows what `build` would change as unified diffs.
use std::path::Path;

use clap::Args;

use super::{Exit, Global};
use crate::{pipeline, review};

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Write nothing; exit 1 with a diff when `generated/` is stale. Older
    /// version folders are expected; a folder of a module without a manifest,
    /// or of a version newer than the manifest's, is a warning only.
    #[arg(long)]
    pub check: bool,
}

/// Runs `build`: 0 built (or up to date), 1 invalid manifests, failed
/// compilation or stale output, 2 unreadable files.
pub fn run(g: &Global, a: &BuildArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let built = match l.build(a.check) {
        Ok(b) => b,
        Err(e) => return super::project::report(e, "build"),
    };
    for note in &built.notes {
        super::print_out(&format!("{note}\n"));
    }
    for line in needs_s3_lines(&l.compiled) {
        super::print_out(&format!("{line}\n"));
    }
    for note in pipeline::strays(&l.root, &l.project) {
        super::eprint_warning(&note);
    }
    if a.check {
        return check(&l.root, &built.files);
    }
    match pipeline::write(&l.root, &built.files) {
        Ok(changed) => {
            super::print_out(&summary(l.project.modules.len(), changed));
            Exit::Ok
        }
        Err(e) => super::project::report(e, "build"),
    }
}

/// One line per template too large to deploy as a template body.
fn needs_s3_lines(compiled: &[crate::compile::CompiledModule]) -> Vec<String> {
    compiled
        .iter()
        .filter_map(|c| {
            let bytes = c.template_bytes().len();
            review::needs_s3(bytes).then(|| {
                format!(
                    "`{}` is {} bytes, over CloudFormation's {}-byte template-body limit: deploy it with `--s3-bucket` or from a template URL",
                    pipeline::layout::text(&pipeline::layout::template(&c.module, &c.version)),
                    review::thousands(bytes),
                    review::thousands(review::TEMPLATE_BODY_LIMIT),
                )
            })
        })
        .collect()
}

/// `built 6 modules: 2 files changed`, with a newline.
pub(super) fn summary(modules: usize, changed: usize) -> String {
    format!(
        "built {modules} module{}: {changed} file{} changed\n",
        if modules == 1 { "" } else { "s" },
        if changed == 1 { "" } else { "s" },
    )
}

/// Prints a unified diff (current file -> what `build` would write) for
/// every stale or missing file; exit 1 when there is any.
fn check(root: &Path, files: &pipeline::Files) -> Exit {
    let stale = pipeline::stale(root, files);
    let mut out = String::new();
    for pipeline::StaleFile {
        path: rel,
        current,
        want,
    } in &stale
    {
        let old = current
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let new = String::from_utf8_lossy(want);
        let shown = rel.display().to_string();
        let old_name = if current.is_some() {
            format!("a/{shown}")
        } else {
            "/dev/null".to_string()
        };
        out.push_str(
            &similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
                .unified_diff()
                .header(&old_name, &format!("b/{shown}"))
                .to_string(),
        );
    }
    let stale = stale.len();
    if stale == 0 {
        super::print_out(&format!(
            "up to date: {} file{}\n",
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        ));
        return Exit::Ok;
    }
    super::print_out(&out);
    super::eprint_error(format!(
        "`generated/` is stale: {stale} {} from what the manifests give; run `rolesmith build`",
        if stale == 1 {
            "file differs"
        } else {
            "files differ"
        }
    ));
    Exit::Problems
}
