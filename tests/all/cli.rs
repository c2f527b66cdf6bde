//! The command line as people meet it (issue 14): `init` starts a project
//! that validates and builds, the shell completions load, the manual page
//! is generated from the same definitions, every option says what it does,
//! and `--config` is offered only where the project is read.

use std::path::Path;

use clap::CommandFactory;
use rolesmith::cli::Cli;

use crate::util;

// ---- help text ----

/// Every (sub)command of the tree, with its path (`rolesmith drift`).
fn commands() -> Vec<(String, clap::Command)> {
    fn walk(path: String, c: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
        for s in c.get_subcommands() {
            walk(format!("{path} {}", s.get_name()), s, out);
        }
        out.push((path, c.clone()));
    }
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    walk("rolesmith".to_string(), &root, &mut out);
    out
}

#[test]
fn every_option_of_every_command_has_help_text() {
    let mut missing = Vec::new();
    for (path, c) in commands() {
        if path != "rolesmith" && c.get_about().is_none() {
            missing.push(format!("{path}: the command has no description"));
        }
        for a in c.get_arguments() {
            if a.get_help().is_none() && a.get_long_help().is_none() {
                missing.push(format!("{path}: `{}` has no help", a.get_id()));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn format_is_described_on_every_command_that_has_it() {
    let mut seen = 0;
    for (path, c) in commands() {
        if let Some(a) = c.get_arguments().find(|a| a.get_id() == "format") {
            seen += 1;
            let help = a
                .get_help()
                .map(|h| h.to_string().to_lowercase())
                .unwrap_or_default();
            assert!(!help.is_empty(), "{path}: `--format` has no help");
            // Each value is named in the help or described in the list of values.
            for v in a.get_possible_values() {
                assert!(
                    help.contains(v.get_name()) || v.get_help().is_some(),
                    "{path}: `--format {}` is not described: {help}",
                    v.get_name()
                );
            }
        }
    }
    // validate, diff, actions, simulate, drift, review, explain.
    assert_eq!(seen, 7);
}

#[test]
fn config_is_offered_only_by_commands_that_read_the_project() {
    for (path, c) in commands() {
        let has = c.get_arguments().any(|a| a.get_id() == "config");
        let reads = [
            "validate",
            "build",
            "release",
            "diff",
            "drift",
            "review",
            "explain",
            "publish",
            "tenant add",
            "tenant verify",
        ]
        .iter()
        .any(|n| path == format!("rolesmith {n}"));
        // The root takes it too, for `rolesmith --config X validate`.
        assert_eq!(has, reads || path == "rolesmith", "{path}");
    }
    for args in [
        &["actions", "--config", "x.yaml", "connect:ListInstances"][..],
        &["--config", "x.yaml", "actions", "connect:ListInstances"],
        &["simulate", "--config", "x.yaml", "--batch", "-"],
        &["--config", "x.yaml", "simulate", "--batch", "-"],
    ] {
        let out = util::run(util::rolesmith().args(args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.text());
        assert!(out.stderr.contains("--config"), "{}", out.stderr);
    }
}

#[test]
fn config_before_and_after_the_command_both_work() {
    let dir = init_project();
    let config = dir.path().join("rolesmith.yaml");
    let before = util::run(
        util::rolesmith()
            .arg("--config")
            .arg(&config)
            .arg("validate"),
    );
    assert_eq!(before.code, 0, "{}", before.text());
    let after = util::run(
        util::rolesmith()
            .arg("validate")
            .arg("--config")
            .arg(&config),
    );
    assert_eq!(after.code, 0, "{}", after.text());
    // After wins, as with the global flag before.
    let both = util::run(
        util::rolesmith()
            .args(["--config", "nowhere/rolesmith.yaml", "validate", "--config"])
            .arg(&config),
    );
    assert_eq!(both.code, 0, "{}", both.text());
}

// ---- completions and the manual ----

#[test]
fn bash_completion_loads_and_offers_the_commands() {
    let bin = env!("CARGO_BIN_EXE_rolesmith");
    let script = format!(
        "source <('{bin}' completions bash) && complete -p rolesmith && \
         COMP_WORDS=(rolesmith '') COMP_CWORD=1 COMP_LINE='rolesmith ' COMP_POINT=10 && \
         _rolesmith rolesmith '' rolesmith && printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = util::run(std::process::Command::new("bash").args(["-c", &script]));
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.stdout.starts_with("complete "), "{}", out.stdout);
    let offered: Vec<&str> = out.stdout.lines().skip(1).collect();
    for c in [
        "validate",
        "build",
        "release",
        "diff",
        "actions",
        "simulate",
        "drift",
        "review",
        "init",
        "completions",
        "man",
    ] {
        assert!(offered.contains(&c), "`{c}` is not offered: {offered:?}");
    }
    // And the options of a command.
    let script = format!(
        "source <('{bin}' completions bash) && \
         COMP_WORDS=(rolesmith drift --for) COMP_CWORD=2 COMP_LINE='rolesmith drift --for' COMP_POINT=21 && \
         _rolesmith rolesmith --for drift && printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = util::run(std::process::Command::new("bash").args(["-c", &script]));
    assert_eq!(out.stdout.trim(), "--format", "{}", out.text());
}

#[test]
fn completions_for_every_shell() {
    for (shell, says) in [
        ("zsh", "#compdef rolesmith"),
        ("fish", "complete -c rolesmith"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = util::run(util::rolesmith().args(["completions", shell]));
        assert_eq!(out.code, 0, "{shell}: {}", out.text());
        assert!(out.stdout.contains(says), "{shell}");
        assert!(out.stdout.contains("simulate"), "{shell}");
    }
    let out = util::run(util::rolesmith().args(["completions", "tcsh"]));
    assert_eq!(out.code, 2);
}

#[test]
fn manual_pages_come_from_the_same_definitions() {
    let out = util::run(util::rolesmith().arg("man"));
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        out.stdout.contains(".TH rolesmith 1"),
        "{}",
        &out.stdout[..200]
    );
    for c in ["validate", "drift", "init", "completions"] {
        assert!(out.stdout.contains(&format!("rolesmith\\-{c}")), "{c}");
    }
    let drift = util::run(util::rolesmith().args(["man", "drift"]));
    assert_eq!(drift.code, 0);
    assert!(drift.stdout.contains(".TH rolesmith-drift 1"));
    assert!(drift.stdout.contains("\\-\\-format"));
    assert!(drift.stdout.contains("self\\-contained page"));
    let bad = util::run(util::rolesmith().args(["man", "drfit"]));
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("`drfit` is not a command"),
        "{}",
        bad.stderr
    );
}

// ---- init ----

fn init(dir: &Path) -> util::Run {
    util::run(util::rolesmith().arg("init").arg(dir))
}

fn init_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = init(dir.path());
    assert_eq!(out.code, 0, "{}", out.text());
    dir
}

#[test]
fn init_then_validate_and_build_succeed_in_an_empty_folder() {
    let dir = init_project();
    let config = dir.path().join("rolesmith.yaml");
    assert!(dir.path().join("modules/example.yaml").is_file());
    let validate = util::with_config(&config, &["validate"]);
    assert_eq!(validate.code, 0, "{}", validate.text());
    // No warning either: the example is one to copy.
    assert!(!validate.stderr.contains('!'), "{}", validate.stderr);
    let build = util::with_config(&config, &["build"]);
    assert_eq!(build.code, 0, "{}", build.text());
    assert!(
        dir.path()
            .join("generated/example/1.0.0/template.json")
            .is_file()
    );
    let check = util::with_config(&config, &["build", "--check"]);
    assert_eq!(check.code, 0, "{}", check.text());
    // From inside the folder, with no flag at all.
    let here = util::run(util::rolesmith().current_dir(dir.path()).arg("validate"));
    assert_eq!(here.code, 0, "{}", here.text());
}

#[test]
fn init_prints_the_next_steps() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new/project");
    let out = init(&target);
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(
        target.join("rolesmith.yaml").is_file(),
        "the folder is created"
    );
    for step in [
        "next steps",
        "rolesmith validate",
        "rolesmith build",
        "rolesmith release",
        "vendor",
    ] {
        assert!(out.stdout.contains(step), "{step}: {}", out.stdout);
    }
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let dir = init_project();
    let config = dir.path().join("rolesmith.yaml");
    std::fs::write(&config, "# mine\n").unwrap();
    let again = init(dir.path());
    assert_eq!(again.code, 1, "{}", again.text());
    assert!(again.stderr.contains("rolesmith.yaml`"), "{}", again.stderr);
    assert!(again.stderr.contains("example.yaml`"), "{}", again.stderr);
    assert!(again.stderr.contains("nothing was written"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");

    // One file in the way: the other is not written either.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("modules")).unwrap();
    std::fs::write(dir.path().join("modules/example.yaml"), "x").unwrap();
    let out = init(dir.path());
    assert_eq!(out.code, 1, "{}", out.text());
    assert!(
        out.stderr.contains("example.yaml` already exists"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("rolesmith.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("modules/example.yaml")).unwrap(),
        "x"
    );
}
