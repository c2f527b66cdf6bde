//! Helpers every area shares: the binary as a [`Command`], one run of it
//! captured as a [`Run`], and throw-away copies of fixture projects.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (where `Cargo.toml` and `rolesmith.yaml` are).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<area>`.
pub fn fixtures(area: &str) -> PathBuf {
    repo().join("tests/fixtures").join(area)
}

/// The `rolesmith` binary with colour off (`NO_COLOR=1`, no `CLICOLOR_FORCE`),
/// so output is the same wherever the tests run. Snapshots of the command
/// (`insta_cmd`) record `NO_COLOR` only.
pub fn rolesmith() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rolesmith"));
    c.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    c
}

/// What one run of a command did.
#[derive(Debug)]
pub struct Run {
    /// Exit code; -1 when the process was killed by a signal.
    pub code: i32,
    /// Standard output (lossy UTF-8).
    pub stdout: String,
    /// Standard error (lossy UTF-8).
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr, in that order.
    pub fn parts(self) -> (i32, String, String) {
        (self.code, self.stdout, self.stderr)
    }

    /// Everything, for a snapshot or a failure message.
    pub fn text(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` to the end and captures what it did.
pub fn run(cmd: &mut Command) -> Run {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `rolesmith <args> --config <config> --color never`.
pub fn with_config(config: &Path, args: &[&str]) -> Run {
    run(rolesmith()
        .args(args)
        .arg("--config")
        .arg(config)
        .args(["--color", "never"]))
}

/// Copies the folder `from` into `to` (created), recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A temp folder holding a copy of everything in `src`.
pub fn temp_copy(src: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(src, dir.path());
    dir
}

/// A temp folder holding a copy of the project at `src`: its
/// `rolesmith.yaml` and `modules/` only (not what it generated).
pub fn temp_project(src: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        src.join("rolesmith.yaml"),
        dir.path().join("rolesmith.yaml"),
    )
    .unwrap();
    copy_tree(&src.join("modules"), &dir.path().join("modules"));
    dir
}

// ---- headless Chromium ----

/// Headless Chromium: `$ROLESMITH_CHROMIUM`, else Debian's `chromium`; a
/// missing browser fails the test and says how to install it.
pub fn chromium() -> PathBuf {
    let candidates = [
        std::env::var_os("ROLESMITH_CHROMIUM").map(PathBuf::from),
        Some(PathBuf::from("/usr/bin/chromium")),
        Some(PathBuf::from("/usr/bin/chromium-browser")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "headless Chromium is missing (looked for $ROLESMITH_CHROMIUM, /usr/bin/chromium): run `scripts/test.sh`, which installs Debian's `chromium`"
            )
        })
}

/// Chromium, headless, on `file` with any request off the machine failing.
fn headless(file: &Path, what: &[String]) -> Vec<u8> {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            // Any request that leaves the file would fail to resolve.
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(what)
        .arg(format!("file://{}", file.display()))
        .env("HOME", profile.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The DOM Chromium builds from a local file, with the network off.
pub fn chromium_dom(file: &Path) -> String {
    String::from_utf8(headless(file, &["--dump-dom".to_string()])).unwrap()
}

/// A local file printed to PDF by Chromium (its print style sheet applied).
pub fn chromium_pdf(file: &Path) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("page.pdf");
    headless(
        file,
        &[
            "--no-pdf-header-footer".to_string(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    std::fs::read(&pdf).unwrap_or_else(|e| panic!("chromium wrote no PDF: {e}"))
}
