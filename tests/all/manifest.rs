//! Manifest and config validation: one fixture per rule, rendered diagnostics
//! snapshotted; the `validate` command's exit codes; no input panics.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use miette::{GraphicalReportHandler, GraphicalTheme};
use proptest::prelude::*;
use rolesmith::manifest::{self, Diagnostics};

use crate::util;

mod long_lines;

/// Plain-text, fixed-width rendering so snapshots do not depend on the terminal.
fn render(d: &Diagnostics) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::none()).with_width(100);
    let mut out = String::new();
    for p in d {
        handler.render_report(&mut out, p).unwrap();
        out.push('\n');
    }
    out
}

fn fixtures() -> PathBuf {
    util::fixtures("manifest")
}

macro_rules! snap {
    ($($tt:tt)*) => {
        insta::with_settings!({snapshot_path => "../../snapshots/manifest", prepend_module_to_snapshot => false}, {
            $($tt)*
        })
    };
}

/// Warnings (one line each, then rendered) before the model summary.
fn with_warnings(w: &[rolesmith::manifest::Problem], model: String) -> String {
    if w.is_empty() {
        return model;
    }
    let lines: Vec<String> = w
        .iter()
        .map(|p| {
            format!(
                "warning: {} [{}] help: {}",
                p.one_line(),
                p.kind,
                p.help.as_deref().unwrap_or("-")
            )
        })
        .collect();
    let d = Diagnostics {
        problems: w.to_vec(),
        warnings: Vec::new(),
    };
    format!("{}\n\n{}\n{model}", lines.join("\n"), render(&d))
}

/// Outcome of a load, as text: the model summary when valid, else every
/// problem as data (one line each) and rendered.
fn outcome<T: std::fmt::Debug>(r: Result<T, Diagnostics>, valid: impl Fn(&T) -> String) -> String {
    match r {
        Ok(v) => format!("valid\n{}", valid(&v)),
        Err(d) => {
            let lines: Vec<String> = d
                .iter()
                .map(|p| {
                    format!(
                        "{} [{}] help: {}",
                        p.one_line(),
                        p.kind,
                        p.help.as_deref().unwrap_or("-")
                    )
                })
                .collect();
            format!("{}\n\n{}", lines.join("\n"), render(&d))
        }
    }
}

#[test]
fn module_fixtures() {
    snap!({
        insta::glob!("../fixtures/manifest", "modules/*.yaml", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let name = Path::new("modules").join(path.file_name().unwrap());
            let r = manifest::load_module_str(
                rolesmith::catalogue::catalogue(),
                &name,
                &text,
                "CXPortal-",
            );
            let expect_valid = path.file_stem().unwrap() == "valid";
            assert_eq!(r.is_ok(), expect_valid, "{}: {r:#?}", path.display());
            insta::assert_snapshot!(outcome(r, |(m, w)| with_warnings(w, format!("{m:#?}"))));
        });
    });
}

#[test]
fn config_fixtures() {
    snap!({
        insta::glob!("../fixtures/manifest", "config/*.yaml", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let r = manifest::load_config_str(
                rolesmith::catalogue::catalogue(),
                Path::new("rolesmith.yaml"),
                &text,
            );
            let expect_valid = path
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .starts_with("valid");
            assert_eq!(r.is_ok(), expect_valid, "{}: {r:#?}", path.display());
            insta::assert_snapshot!(outcome(r, |c| format!("{c:#?}")));
        });
    });
}

#[test]
fn project_fixtures() {
    snap!({
        insta::glob!(
            "../fixtures/manifest",
            "projects/*/rolesmith.yaml",
            |path| {
                let r = manifest::load_project(rolesmith::catalogue::catalogue(), path);
                let expect_valid = path.parent().unwrap().file_name().unwrap() == "valid";
                assert_eq!(r.is_ok(), expect_valid, "{}", path.display());
                insta::assert_snapshot!(outcome(r, |p| {
                    let mut s = String::new();
                    for m in &p.modules {
                        s.push_str(&format!(
                            "{} {} {} {}\n",
                            m.id,
                            m.version,
                            m.source.display(),
                            m.digest
                        ));
                        for f in &m.features {
                            s.push_str(&format!("  {}: {:?} {:?}\n", f.id, f.actions, f.resources));
                        }
                    }
                    s
                }));
            }
        );
    });
}

#[test]
fn problems_are_data() {
    let d = manifest::load_config_str(
        rolesmith::catalogue::catalogue(),
        Path::new("rolesmith.yaml"),
        "vendor:\n  name: x\n  account_id: 111122223333\n  authoriser_role: R\n",
    )
    .unwrap_err();
    assert_eq!(d.len(), 1);
    let p = &d.problems[0];
    assert_eq!((p.line, p.column), (3, 15));
    assert_eq!(p.file, Path::new("rolesmith.yaml"));
    assert!(p.message.contains("quoted"), "{}", p.message);
    assert!(p.help.as_deref().unwrap().contains("\"111122223333\""));
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["problems"][0]["line"], 3);
    assert_eq!(json["problems"][0]["file"], "rolesmith.yaml");
}

#[test]
fn digest_is_sha256_of_bytes() {
    let text = std::fs::read_to_string(fixtures().join("modules/valid.yaml")).unwrap();
    let m = manifest::load_module_str(
        rolesmith::catalogue::catalogue(),
        Path::new("modules/valid.yaml"),
        &text,
        "",
    )
    .unwrap()
    .0;
    assert_eq!(m.digest, manifest::digest(text.as_bytes()));
    assert!(m.digest.starts_with("sha256:") && m.digest.len() == 7 + 64);
    assert_eq!(m.source, Path::new("modules/valid.yaml"));
}

fn cli(args: &[&str]) -> Command {
    let mut c = util::rolesmith();
    c.current_dir(fixtures().join("projects"));
    c.args(["--color", "never"]).args(args);
    c
}

#[test]
fn cli_valid_project_exits_0() {
    snap!({
        assert_cmd_snapshot!(cli(&["--config", "valid/rolesmith.yaml", "validate"]));
    });
}

#[test]
fn cli_valid_project_json() {
    snap!({
        assert_cmd_snapshot!(cli(&[
            "--config",
            "valid/rolesmith.yaml",
            "validate",
            "--format",
            "json"
        ]));
    });
}

#[test]
fn cli_problems_exit_1() {
    snap!({
        assert_cmd_snapshot!(cli(&[
            "--config",
            "problems-in-several-files/rolesmith.yaml",
            "validate"
        ]));
    });
}

#[test]
fn cli_problems_json_exit_1() {
    snap!({
        assert_cmd_snapshot!(cli(&[
            "--config",
            "problems-in-several-files/rolesmith.yaml",
            "validate",
            "--format",
            "json"
        ]));
    });
}

#[test]
fn cli_missing_config_exits_2() {
    snap!({
        assert_cmd_snapshot!(cli(&["--config", "nowhere/rolesmith.yaml", "validate"]));
    });
}

#[test]
fn cli_writes_nothing() {
    let before: Vec<_> = walk(&fixtures().join("projects"));
    let out = cli(&["--config", "valid/rolesmith.yaml", "validate"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(before, walk(&fixtures().join("projects")));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any prefix of a valid manifest, and any edit of one, loads or reports
    /// problems, and every problem points inside the file.
    #[test]
    fn no_input_panics(cut in 0usize..2000, pos in 0usize..2000, junk in "[ -~\t\n\u{e9}\u{1F600}]{0,8}") {
        let text = std::fs::read_to_string(fixtures().join("modules/valid.yaml")).unwrap();
        let mut cut_at = cut.min(text.len());
        while !text.is_char_boundary(cut_at) { cut_at -= 1; }
        let mut t = text[..cut_at].to_owned();
        let mut p = pos.min(t.len());
        while !t.is_char_boundary(p) { p -= 1; }
        t.insert_str(p, &junk);
        for r in [
            manifest::load_module_str(rolesmith::catalogue::catalogue(), Path::new("modules/valid.yaml"), &t, "CXPortal-").err(),
            manifest::load_config_str(rolesmith::catalogue::catalogue(), Path::new("rolesmith.yaml"), &t).err(),
        ].into_iter().flatten() {
            let lines = t.lines().count().max(1) + 1;
            for p in &r {
                prop_assert!(p.line <= lines, "{} beyond {} lines", p.one_line(), lines);
            }
            let _ = render(&r);
        }
    }

    /// Arbitrary bytes-as-text never panic either.
    #[test]
    fn random_text_never_panics(t in "\\PC{0,200}") {
        let _ = manifest::load_module_str(rolesmith::catalogue::catalogue(), Path::new("modules/x.yaml"), &t, "");
        let _ = manifest::load_config_str(rolesmith::catalogue::catalogue(), Path::new("rolesmith.yaml"), &t);
    }
}

/// Rules that need the IAM catalogue; fixtures whose name starts with
/// `canonical`, `star-resource-wildcard-only` or `wildcard-with-reason` are valid.
#[test]
fn catalogue_fixtures() {
    snap!({
        insta::glob!("../fixtures/manifest", "catalogue/*.yaml", |path| {
            let text = std::fs::read_to_string(path).unwrap();
            let name = Path::new("modules").join(path.file_name().unwrap());
            let r = manifest::load_module_str(
                rolesmith::catalogue::catalogue(),
                &name,
                &text,
                "CXPortal-",
            );
            let stem = path.file_stem().unwrap().to_string_lossy();
            let expect_valid = [
                "canonical",
                "broad-",
                "star-resource-wildcard-only",
                "wildcard-with-reason",
            ]
            .iter()
            .any(|p| stem.starts_with(p));
            assert_eq!(r.is_ok(), expect_valid, "{}: {r:#?}", path.display());
            insta::assert_snapshot!(outcome(r, |(m, w)| with_warnings(w, format!("{m:#?}"))));
        });
    });
}

/// Issue 15: a FIFO in `modules/` is refused at once (exit 2, named), never
/// opened: opening it would wait for a writer forever.
#[test]
fn a_fifo_in_modules_is_refused_not_waited_on() {
    let dir = crate::util::temp_project(&crate::util::repo());
    let root = dir.path();
    let fifo = root.join("modules/pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo failed");
    let mut child = crate::util::rolesmith()
        .args(["validate", "--config"])
        .arg(root.join("rolesmith.yaml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Give it ten seconds; a blocked open would never return.
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("validate blocked on a FIFO");
    };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("modules/pipe.yaml` is a FIFO (named pipe), not a file"),
        "{err}"
    );
}
