//! Review documents: Markdown snapshots of a module set that is not the
//! shipped one, every granted action reviewed (with access level and
//! feature) and nothing else, self-contained HTML (no external references)
//! that renders in headless Chromium with every action visible, the index,
//! the quick-create link, and the `review` command's exit codes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rolesmith::catalogue::catalogue;
use rolesmith::compile::{self, CompiledModule, SELF_AUDIT_FEATURE};
use rolesmith::manifest::{self, Project};
use rolesmith::review::{self, History, Settings};
use serde_json::Value;

use crate::util::{self, repo, with_config};

fn fixtures() -> PathBuf {
    util::fixtures("review")
}

fn load(config: &Path) -> Project {
    manifest::load_project(rolesmith::catalogue::catalogue(), config)
        .unwrap_or_else(|d| panic!("{} invalid: {:?}", config.display(), d.problems))
}

/// The fixture project (not the shipped modules) and the shipped one.
fn projects() -> Vec<Project> {
    vec![
        load(&fixtures().join("acme/rolesmith.yaml")),
        load(&repo().join("rolesmith.yaml")),
    ]
}

fn compiled(p: &Project) -> Vec<CompiledModule> {
    compile::compile_project(catalogue(), p).unwrap_or_else(|e| panic!("{e:?}"))
}

fn doc(p: &Project, c: &CompiledModule, settings: &Settings) -> review::Review {
    let m = p.modules.iter().find(|m| m.id == c.module).unwrap();
    review::review(catalogue(), p, m, c, &History::default(), settings)
}

#[test]
fn markdown_snapshots() {
    let project = load(&fixtures().join("acme/rolesmith.yaml"));
    let all = compiled(&project);
    insta::glob!("../fixtures/review/acme/modules", "*.yaml", |path| {
        let stem = path.file_stem().unwrap().to_string_lossy();
        let c = all.iter().find(|c| c.module == stem).unwrap();
        let md = review::render_markdown(&doc(&project, c, &Settings::default())).unwrap();
        insta::with_settings!({snapshot_path => "../../snapshots/review", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("review_md", md);
        });
    });
}

#[test]
fn index_snapshot() {
    let project = load(&fixtures().join("acme/rolesmith.yaml"));
    let all = compiled(&project);
    let mut histories = BTreeMap::new();
    histories.insert(
        "alarms".to_string(),
        History {
            released: vec!["1.0.0".parse().unwrap(), "1.0.3".parse().unwrap()],
            ..History::default()
        },
    );
    let idx = review::index(
        &project,
        &all,
        &histories,
        &rolesmith::pipeline::layout::review_link,
    );
    let md = review::render_index_md("Acme Analytics", &idx).unwrap();
    insta::with_settings!({snapshot_path => "../../snapshots/review", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("index_md", md);
    });
    let html = review::render_index_html("Acme Analytics", &idx).unwrap();
    for href in [
        "alarms/1.0.3/review.html",
        "alarms/1.0.0/review.html",
        "data-export/2.1.0/review.html",
    ] {
        assert!(html.contains(&format!("href=\"{href}\"")), "{href}");
    }
    assert_no_external_references(&html, None);
}

/// `(feature, action)` -> access level, from the template's own statements
/// (the Sid tells the feature) and the catalogue.
fn granted_by_template(c: &CompiledModule) -> BTreeMap<(String, String), String> {
    let sid_feature: BTreeMap<&str, &str> = c
        .all_grants()
        .map(|g| (g.sid.as_str(), g.feature.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    let resources = c.template["Resources"].as_object().unwrap();
    for r in resources.values() {
        if r["Type"] != "AWS::IAM::ManagedPolicy" {
            continue;
        }
        for st in r["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
        {
            // A statement the template writes only under a condition.
            let st = st.get("Fn::If").map_or(st, |f| &f[1]);
            let feature = sid_feature[st["Sid"].as_str().unwrap()];
            let actions = match &st["Action"] {
                Value::Array(a) => a.iter().map(|v| v.as_str().unwrap()).collect(),
                Value::String(s) => vec![s.as_str()],
                other => panic!("{other}"),
            };
            for a in actions {
                let level = if a.contains('*') || a.contains('?') {
                    let levels: BTreeSet<String> = catalogue()
                        .matching(a)
                        .iter()
                        .flat_map(|m| m.access_level.split(", ").map(str::to_string))
                        .collect();
                    levels.into_iter().collect::<Vec<_>>().join(", ")
                } else {
                    catalogue().action(a).unwrap().access_level.to_string()
                };
                out.insert((feature.to_string(), a.to_string()), level);
            }
        }
    }
    out
}

/// `(feature, action)` -> access level, read back from the Markdown tables
/// of the "Permissions" and "Self-audit" sections.
fn reviewed_in_markdown(md: &str) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    let mut feature: Option<String> = None;
    for line in md.lines() {
        if let Some(rest) = line.strip_prefix("### Feature `") {
            feature = Some(rest.split('`').next().unwrap().to_string());
        } else if line.starts_with("## Self-audit") {
            feature = Some(SELF_AUDIT_FEATURE.to_string());
        } else if line.starts_with("## ") && !line.starts_with("## Permissions") {
            feature = None;
        } else if let (Some(f), Some(row)) = (&feature, line.strip_prefix("| `")) {
            let action = row.split('`').next().unwrap().to_string();
            let level = line.split(" | ").nth(1).unwrap().trim().to_string();
            // An action of two statements (self-audit reads policies, and
            // the boundary under its condition) is a row per statement.
            let dup = out.insert((f.clone(), action.clone()), level.clone());
            assert!(
                dup.is_none() || (f == SELF_AUDIT_FEATURE && dup == Some(level)),
                "`{action}` listed twice in `{f}`"
            );
        }
    }
    out
}

#[test]
fn every_granted_action_is_reviewed_with_level_and_feature_and_nothing_else() {
    for p in projects() {
        for c in compiled(&p) {
            let md = review::render_markdown(&doc(&p, &c, &Settings::default())).unwrap();
            let want = granted_by_template(&c);
            assert!(!want.is_empty());
            assert_eq!(
                reviewed_in_markdown(&md),
                want,
                "module `{}`: review and template disagree",
                c.module
            );
        }
    }
}

#[test]
fn what_stands_out_in_the_fixture() {
    let p = load(&fixtures().join("acme/rolesmith.yaml"));
    let c = compiled(&p)
        .into_iter()
        .find(|c| c.module == "data-export")
        .unwrap();
    let r = doc(&p, &c, &Settings::default());
    let names = |v: &[review::Notice]| v.iter().map(|n| n.action.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&r.attention.permissions_management),
        ["s3:PutBucketPolicy"]
    );
    assert_eq!(names(&r.attention.tagging), ["s3:PutObjectTagging"]);
    assert_eq!(names(&r.attention.pass_role), ["iam:PassRole"]);
    assert_eq!(
        r.attention.pass_role[0].limited_to,
        ["the AWS IAM role given as `DeliveryRoleName`"]
    );
    assert_eq!(
        r.attention.pass_role[0].conditions,
        ["`iam:PassedToService` is `firehose.amazonaws.com`"]
    );
    // One table per fact: a wildcard-only action is listed once, as one
    // AWS cannot limit; "on `*`" lists the rest.
    assert_eq!(
        names(&r.attention.wildcard_only),
        ["s3:ListAllMyBuckets", "logs:DescribeLog*"]
    );
    assert_eq!(names(&r.attention.on_star), Vec::<String>::new());
    assert_eq!(r.counts.on_star, 2);
    assert!(r.attention.broad.is_empty());
    assert_eq!(names(&r.attention.patterns), ["logs:DescribeLog*"]);
    assert!(
        r.attention.patterns[0]
            .why
            .contains("AWS adds no other DescribeLog actions")
    );
    assert_eq!(r.trust.max_session, "2 hours");
    assert_eq!(r.trust.external_id_parameter.as_deref(), Some("ExternalId"));
    assert_eq!(
        r.trust.principals,
        ["arn:${AWS::Partition}:iam::444455556666:role/platform/AcmeBroker"]
    );
    // The self-audit statement is its own section, granted too.
    assert!(r.self_audit.is_some());
}

#[test]
fn changes_and_added_in_come_from_the_history() {
    let p = load(&fixtures().join("acme/rolesmith.yaml"));
    let c = compiled(&p)
        .into_iter()
        .find(|c| c.module == "alarms")
        .unwrap();
    let m = p.modules.iter().find(|m| m.id == "alarms").unwrap();
    // 1.0.0 had `read-alarms` as it is now, and `manage-alarms` without
    // its action (another feature granted `cloudwatch:PutMetricAlarm` on
    // fewer alarms).
    let read_alarms: Vec<_> = c
        .grants
        .iter()
        .filter(|g| g.feature == "read-alarms")
        .cloned()
        .collect();
    let mut narrower = c
        .grants
        .iter()
        .find(|g| g.feature == "manage-alarms")
        .unwrap()
        .clone();
    narrower.feature = "read-alarms".into();
    narrower.sid = "Old1".into();
    narrower.resources = vec![
        "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:acme-x".into(),
    ];
    let mut old = read_alarms.clone();
    old.push(narrower);
    let h = History {
        granted: vec![("1.0.0".parse().unwrap(), old)],
        self_audit_unknown: Vec::new(),
        previous: Some("1.0.0".parse().unwrap()),
        changes: vec![rolesmith::version::FeatureChange {
            feature: "notify".into(),
            added: vec![rolesmith::version::Permission {
                action: "sns:Publish".into(),
                resource: "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alarms"
                    .into(),
                conditions: Default::default(),
            }],
            removed: vec![],
        }],
        released: vec!["1.0.0".parse().unwrap()],
    };
    let r = review::review(catalogue(), &p, m, &c, &h, &Settings::default());
    let md = review::render_markdown(&r).unwrap();
    assert!(md.contains("### Feature `read-alarms` (added in 1.0.0)"));
    assert!(md.contains("### Feature `notify` (added in 1.0.3)"));
    assert!(md.contains("### Feature `manage-alarms` (added in 1.0.3)"));
    let row = |action: &str| {
        r.permissions
            .iter()
            .find(|p| p.action.name == action)
            .map(|p| p.added_in.clone())
            .unwrap()
    };
    assert_eq!(row("cloudwatch:DescribeAlarms"), "1.0.0");
    // Granted in 1.0.0 on `acme-x` only: `acme-*` is new in 1.0.3.
    assert_eq!(row("cloudwatch:PutMetricAlarm"), "1.0.3");
    assert_eq!(row("sns:Publish"), "1.0.3");
    assert!(md.contains("Previous released version: 1.0.0."));
    assert!(md.contains("  - added: `sns:Publish` on the Amazon SNS topic `alarms` (`arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alarms`)"), "{md}");
    assert!(!md.contains("No earlier released version"));
}

#[test]
fn rendering_is_deterministic() {
    for p in projects() {
        let all = compiled(&p);
        let render = || -> Vec<String> {
            let settings = review::settings(&p.config);
            let mut out = Vec::new();
            for c in &all {
                let d = doc(&p, c, &settings);
                out.push(review::render(&d, review::Format::Markdown).unwrap());
                out.push(review::render(&d, review::Format::Html).unwrap());
            }
            let idx = review::index(
                &p,
                &all,
                &BTreeMap::new(),
                &rolesmith::pipeline::layout::review_link,
            );
            out.push(review::render_index_md(&p.config.vendor.name, &idx).unwrap());
            out.push(review::render_index_html(&p.config.vendor.name, &idx).unwrap());
            out
        };
        let (a, b) = (render(), render());
        assert_eq!(a, b);
        // Two documents per module version, plus the two index pages.
        assert_eq!(a.len(), all.len() * 2 + 2);
    }
}

/// No scripts, stylesheets, images, fonts, frames or links outside the page,
/// except the quick-create link when one is expected.
fn assert_no_external_references(html: &str, quick_create: Option<&str>) {
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "@import",
        "url(",
        "src=",
        "@font-face",
    ] {
        assert!(!lower.contains(banned), "HTML contains `{banned}`");
    }
    let mut urls = Vec::new();
    for scheme in ["http://", "https://", "//"] {
        let mut rest = lower.as_str();
        while let Some(i) = rest.find(scheme) {
            // `//` alone counts only as a protocol-relative attribute value.
            if scheme == "//" && !rest[..i].ends_with('"') && !rest[..i].ends_with('\'') {
                rest = &rest[i + 2..];
                continue;
            }
            let end = rest[i..]
                .find(|c: char| c == '"' || c == '\'' || c.is_whitespace() || c == '<')
                .map_or(rest.len(), |e| e + i);
            urls.push(rest[i..end].to_string());
            rest = &rest[end..];
        }
    }
    match quick_create {
        None => assert!(urls.is_empty(), "external references: {urls:?}"),
        Some(url) => {
            let url = url.to_ascii_lowercase().replace('&', "&amp;");
            assert!(
                urls.iter().all(|u| *u == url),
                "references other than the quick-create link: {urls:?}"
            );
            assert_eq!(urls.len(), 1, "{urls:?}");
        }
    }
}

#[test]
fn html_is_self_contained_and_escaped() {
    let p = load(&fixtures().join("acme/rolesmith.yaml"));
    for c in compiled(&p) {
        let html = review::render_html(&doc(&p, &c, &Settings::default())).unwrap();
        assert_no_external_references(&html, None);
        assert!(html.contains("@media print"));
        if c.module == "data-export" {
            // The manifest's `<for>` and `&` are text, not markup.
            assert!(html.contains("S3 bucket &amp; tag them &lt;for&gt; the"));
            assert!(!html.contains("<for>"));
        }
    }
}

#[test]
fn quick_create_link_when_a_template_url_base_is_set() {
    let p = load(&fixtures().join("acme/rolesmith.yaml"));
    let c = compiled(&p)
        .into_iter()
        .find(|c| c.module == "alarms")
        .unwrap();
    let settings = Settings {
        template_url_base: Some("https://acme-templates.s3.amazonaws.com/roles/".into()),
    };
    let r = doc(&p, &c, &settings);
    let url = r.deploy.quick_create_url.clone().unwrap();
    assert_eq!(
        url,
        "https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?templateURL=https%3A%2F%2Facme-templates.s3.amazonaws.com%2Froles%2Falarms%2F1.0.3%2Ftemplate.json&stackName=Acme-alarms&param_ExternalId=&param_TopicName="
    );
    let html = review::render_html(&r).unwrap();
    assert_no_external_references(&html, Some(&url));
    let md = review::render_markdown(&r).unwrap();
    assert!(md.contains(&format!("({url})")));
    // Without a base there is no link at all.
    let plain = review::render_html(&doc(&p, &c, &Settings::default())).unwrap();
    assert!(!plain.contains("quick-create page"));
}

// ---- headless Chromium ----

#[test]
fn html_renders_in_headless_chromium_with_every_action() {
    let dir = tempfile::tempdir().unwrap();
    for p in projects() {
        for c in compiled(&p) {
            let html = review::render_html(&doc(&p, &c, &Settings::default())).unwrap();
            let file = dir.path().join(format!("{}.html", c.module));
            std::fs::write(&file, &html).unwrap();
            let dom = crate::util::chromium_dom(&file);
            assert!(
                dom.contains("security review</h1>"),
                "`{}`: the page did not render: {}",
                c.module,
                &dom[..dom.len().min(500)]
            );
            for (_, action) in granted_by_template(&c).keys() {
                assert!(
                    dom.contains(&format!("<code class=\"action\">{action}</code>")),
                    "`{}`: `{action}` is not in the rendered page",
                    c.module
                );
            }
            assert!(dom.contains("What this document does not prove"));
        }
    }
}

// ---- CLI ----

#[test]
fn review_command() {
    let config = fixtures().join("acme/rolesmith.yaml");
    let p = load(&config);
    let c = compiled(&p)
        .into_iter()
        .find(|c| c.module == "alarms")
        .unwrap();
    let r = doc(&p, &c, &Settings::default());

    let (code, out, _) = with_config(&config, &["review", "alarms"]).parts();
    assert_eq!(code, 0);
    assert_eq!(out, review::render_markdown(&r).unwrap());

    let (code, out, _) = with_config(
        &config,
        &["review", "alarms", "--format", "html", "--version", "1.0.3"],
    )
    .parts();
    assert_eq!(code, 0);
    assert_eq!(out, review::render_html(&r).unwrap());

    let (code, _, err) = with_config(&config, &["review", "alarm"]).parts();
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown module `alarm`; did you mean `alarms`?"),
        "{err}"
    );

    let (code, _, err) = with_config(&config, &["review", "alarms", "--version", "0.9.0"]).parts();
    assert_eq!(code, 2);
    assert!(err.contains("has no review of version `0.9.0`"), "{err}");

    let (code, _, err) = with_config(&config, &["review", "alarms", "--version", "x"]).parts();
    assert_eq!(code, 2);
    assert!(err.contains("is not a version"), "{err}");
}

#[test]
fn review_of_an_earlier_version_is_read_from_generated() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixtures().join("acme");
    std::fs::create_dir_all(dir.path().join("modules")).unwrap();
    std::fs::copy(
        src.join("rolesmith.yaml"),
        dir.path().join("rolesmith.yaml"),
    )
    .unwrap();
    for m in ["alarms.yaml", "data-export.yaml"] {
        std::fs::copy(
            src.join("modules").join(m),
            dir.path().join("modules").join(m),
        )
        .unwrap();
    }
    let frozen = dir.path().join("generated/alarms/1.0.0");
    std::fs::create_dir_all(&frozen).unwrap();
    std::fs::write(frozen.join("REVIEW.md"), "# frozen 1.0.0\n").unwrap();
    let (code, out, _) = with_config(
        &dir.path().join("rolesmith.yaml"),
        &["review", "alarms", "--version", "1.0.0"],
    )
    .parts();
    assert_eq!(code, 0);
    assert_eq!(out, "# frozen 1.0.0\n");
}

// ---- "Added in" at scale (issue 10) ----

const SCALE_CONFIG: &str = "vendor:
  name: Scale Vendor
  account_id: \"444455556666\"
  authoriser_role: ScaleAuthoriser
roles:
  name_prefix: Scale-
  self_audit: true
";

const SCALE_FEATURES: usize = 8;
const SCALE_VERSIONS: [&str; 6] = ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0"];
/// The last feature appears only in this version (index into SCALE_VERSIONS).
const LATE_FEATURE_FROM: usize = 2;

/// A few hundred real actions, each with the feature that grants it and the
/// index of the version that adds it: wildcard-only EC2 reads and Amazon
/// Connect reads bound to the instance parameter. Every feature has actions
/// from its first version and gains more in every later one.
fn scale_actions() -> Vec<(String, usize, usize)> {
    let cat = catalogue();
    let mut names: Vec<String> = ["ec2:Describe*", "ec2:Get*"]
        .iter()
        .flat_map(|p| cat.matching(p))
        .filter(|a| a.is_wildcard_only())
        .map(|a| a.name.to_string())
        .take(240)
        .collect();
    names.extend(
        ["connect:List*", "connect:Describe*", "connect:Get*"]
            .iter()
            .flat_map(|p| cat.matching(p))
            .filter(|a| !a.is_wildcard_only())
            .map(|a| a.name.to_string())
            .take(100),
    );
    let connect = names.iter().filter(|n| n.starts_with("connect:")).count();
    assert!(
        names.len() >= 280,
        "the catalogue has too few actions: {} ({connect} connect)",
        names.len()
    );
    names
        .into_iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let feature = i % SCALE_FEATURES;
            let version = (i / SCALE_FEATURES) % SCALE_VERSIONS.len();
            let late = feature == SCALE_FEATURES - 1;
            (!late || version >= LATE_FEATURE_FROM).then_some((name, feature, version))
        })
        .collect()
}

/// The manifest of version `v` (index): every action added up to it.
fn scale_manifest(actions: &[(String, usize, usize)], v: usize) -> String {
    let mut out = format!(
        "module: big\nversion: {}\ndescription: A large read-only integration.\nparameters:\n  InstanceId:\n    description: Amazon Connect instance id\n    max_length: 36\nfeatures:\n",
        SCALE_VERSIONS[v]
    );
    for f in 0..SCALE_FEATURES {
        let mine: Vec<&str> = actions
            .iter()
            .filter(|(_, feature, added)| *feature == f && *added <= v)
            .map(|(n, _, _)| n.as_str())
            .collect();
        if mine.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "  - id: feature-{f}\n    description: Feature {f} of the integration.\n    actions:\n"
        ));
        for a in mine {
            out.push_str(&format!("      - {a}\n"));
        }
    }
    out
}

/// `action` -> the "Added in" cell of its row, from the Markdown tables of
/// the feature sections.
fn added_in_cells(md: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut in_features = false;
    for line in md.lines() {
        if line.starts_with("### Feature `") {
            in_features = true;
        } else if line.starts_with("## ") {
            in_features = false;
        } else if in_features && let Some(row) = line.strip_prefix("| `") {
            let action = row.split('`').next().unwrap().to_string();
            let cells: Vec<&str> = line.trim_end_matches('|').split(" | ").collect();
            let last = cells.last().unwrap().trim().to_string();
            assert!(
                out.insert(action.clone(), last).is_none(),
                "`{action}` twice"
            );
        }
    }
    out
}

#[test]
fn added_in_is_the_first_release_that_granted_each_permission_at_scale() {
    let actions = scale_actions();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("rolesmith.yaml"), SCALE_CONFIG).unwrap();
    std::fs::create_dir(d.join("modules")).unwrap();
    let run = |args: &[&str]| {
        let r = util::run(
            util::rolesmith()
                .current_dir(d)
                .args(["--color", "never"])
                .args(args),
        );
        assert_eq!(r.code, 0, "rolesmith {args:?}:\n{}", r.text());
    };
    // Five releases, then the current, unreleased version.
    for v in 0..SCALE_VERSIONS.len() {
        std::fs::write(d.join("modules/big.yaml"), scale_manifest(&actions, v)).unwrap();
        run(&["build"]);
        if v + 1 < SCALE_VERSIONS.len() {
            run(&["release"]);
        }
    }
    let current = SCALE_VERSIONS[SCALE_VERSIONS.len() - 1];
    let md = std::fs::read_to_string(d.join(format!("generated/big/{current}/REVIEW.md"))).unwrap();
    let cells = added_in_cells(&md);
    let want: BTreeMap<String, String> = actions
        .iter()
        .map(|(n, _, v)| (n.clone(), SCALE_VERSIONS[*v].to_string()))
        .collect();
    assert_eq!(cells.len(), want.len());
    assert_eq!(
        cells, want,
        "every row's \"Added in\" is the release that first granted it"
    );
    // A customer on any older release sees exactly what was gained since.
    for (i, old) in SCALE_VERSIONS.iter().enumerate() {
        let old_v: semver::Version = old.parse().unwrap();
        let gained: BTreeSet<&String> = cells
            .iter()
            .filter(|(_, v)| v.parse::<semver::Version>().unwrap() > old_v)
            .map(|(a, _)| a)
            .collect();
        let expected: BTreeSet<&String> = actions
            .iter()
            .filter(|(_, _, v)| *v > i)
            .map(|(n, _, _)| n)
            .collect();
        assert_eq!(gained, expected, "gained since {old}");
    }
    // Rows differ from their feature's heading: features gained actions later.
    assert!(md.contains("### Feature `feature-0` (added in 1.0.0)"));
    assert!(md.contains(&format!(
        "### Feature `feature-7` (added in {})",
        SCALE_VERSIONS[LATE_FEATURE_FROM]
    )));
    // The same in the HTML document: one cell per row, the same versions.
    let html =
        std::fs::read_to_string(d.join(format!("generated/big/{current}/review.html"))).unwrap();
    for v in SCALE_VERSIONS {
        let rows = want.values().filter(|w| *w == v).count();
        assert!(
            html.matches(&format!("<td>{v}</td>")).count() >= rows,
            "{v}: fewer than {rows} HTML cells"
        );
    }
}

// ---- deploy instructions at every size (issue 10) ----

/// A module of about 1,100 wildcard-only actions: its template is over
/// CloudFormation's 51,200-byte limit for a template body.
fn large_project() -> tempfile::TempDir {
    let names: Vec<String> = catalogue()
        .matching("*")
        .iter()
        .filter(|a| a.is_wildcard_only() && a.access_level == "Read")
        .map(|a| a.name.to_string())
        .take(1100)
        .collect();
    assert_eq!(names.len(), 1100);
    // 110 actions per feature: each statement fits one managed policy.
    let mut manifest =
        "module: huge\nversion: 1.0.0\ndescription: Reads everything it can.\nfeatures:\n"
            .to_string();
    for (i, chunk) in names.chunks(110).enumerate() {
        manifest.push_str(&format!(
            "  - id: read-{i}\n    description: Read, part {i}.\n    actions:\n"
        ));
        for n in chunk {
            manifest.push_str(&format!("      - {n}\n"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rolesmith.yaml"), SCALE_CONFIG).unwrap();
    std::fs::create_dir(dir.path().join("modules")).unwrap();
    std::fs::write(dir.path().join("modules/huge.yaml"), manifest).unwrap();
    dir
}

#[test]
fn templates_over_the_body_limit_are_deployed_from_s3() {
    let dir = large_project();
    let config = dir.path().join("rolesmith.yaml");
    let p = load(&config);
    let c = compiled(&p).remove(0);
    let bytes = c.template_bytes().len();
    assert!(bytes > review::TEMPLATE_BODY_LIMIT, "{bytes}");
    let r = doc(&p, &c, &Settings::default());
    assert!(r.deploy.over_body_limit);
    assert!(
        r.deploy
            .command
            .contains("--template-file template.json \\\n  --s3-bucket <bucket in your account and region> \\\n"),
        "{}",
        r.deploy.command
    );
    assert_eq!(r.deploy.url_command, None);
    let md = review::render_markdown(&r).unwrap();
    assert!(md.contains(&format!(
        "The template is {} bytes, over the 51,200 bytes",
        review::thousands(bytes)
    )));
    let html = review::render_html(&r).unwrap();
    assert!(html.contains("--s3-bucket"));

    // With published templates: create the stack from the template URL.
    let settings = Settings {
        template_url_base: Some("https://t.s3.amazonaws.com/roles".into()),
    };
    let r = doc(&p, &c, &settings);
    let url = r.deploy.url_command.clone().unwrap();
    assert!(
        url.contains("--template-url https://t.s3.amazonaws.com/roles/huge/1.0.0/template.json"),
        "{url}"
    );
    assert!(url.contains("ParameterKey=ExternalId,ParameterValue='<external id from the vendor>'"));
    assert!(review::render_markdown(&r).unwrap().contains(&url));

    // `build` says which templates need it, one line each.
    let (code, out, _) = with_config(&config, &["build"]).parts();
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("template-body limit"))
        .collect();
    assert_eq!(
        lines,
        [format!(
            "`generated/huge/1.0.0/template.json` is {} bytes, over CloudFormation's 51,200-byte template-body limit: deploy it with `--s3-bucket` or from a template URL",
            review::thousands(bytes)
        )]
    );
    assert_eq!(
        std::fs::read(dir.path().join("generated/huge/1.0.0/template.json"))
            .unwrap()
            .len(),
        bytes
    );
}

#[test]
fn templates_within_the_body_limit_deploy_as_they_are() {
    for p in projects() {
        for c in compiled(&p) {
            assert!(c.template_bytes().len() <= review::TEMPLATE_BODY_LIMIT);
            let r = doc(&p, &c, &Settings::default());
            assert!(!r.deploy.over_body_limit);
            assert!(
                !r.deploy.command.contains("--s3-bucket"),
                "{}",
                r.deploy.command
            );
            assert!(!review::render_markdown(&r).unwrap().contains("51,200"));
        }
    }
    let (code, out, _) = with_config(&repo().join("rolesmith.yaml"), &["build", "--check"]).parts();
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("template-body limit"), "{out}");
}

/// Issue 10: broad grants are named in "what stands out" with honest words,
/// a pattern's words say IAM's `*` crosses `/`, a wildcard-only action is
/// listed once (not also as "on `*`"), and a long wildcard expansion is a
/// count with a folded list.
#[test]
fn broad_grants_and_patterns_in_honest_words() {
    let p = load(&fixtures().join("acme/rolesmith.yaml"));
    let c = compiled(&p)
        .into_iter()
        .find(|c| c.module == "backups")
        .unwrap();
    let r = doc(&p, &c, &Settings::default());
    let broad: Vec<(String, String)> = r
        .attention
        .broad
        .iter()
        .map(|n| (n.action.clone(), n.why.clone()))
        .collect();
    assert_eq!(broad.len(), 2, "{broad:?}");
    assert_eq!(broad[0].0, "s3:GetObject");
    assert!(broad[0].1.contains("any bucket open"), "{}", broad[0].1);
    assert_eq!(broad[1].0, "dynamodb:Query");
    assert!(
        broad[1].1.contains("leaves any table open"),
        "{}",
        broad[1].1
    );
    let rule = r
        .permissions
        .iter()
        .find(|p| p.action.name == "events:DescribeRule")
        .unwrap();
    assert!(
        rule.resources[0]
            .words
            .ends_with("matching `cx-portal-*` (`*` also matches `/`)"),
        "{}",
        rule.resources[0].words
    );
    let describe = r
        .permissions
        .iter()
        .find(|p| p.action.name == "ec2:Describe*")
        .unwrap();
    assert!(describe.action.fold_matches);
    let n = describe.action.matches.len();
    assert!(n > 100, "{n}");
    let md = review::render_markdown(&r).unwrap();
    assert!(md.contains(&format!(
        "`ec2:Describe*` (matches {n} actions: <details><summary>list</summary>`"
    )));
    assert!(!md.contains("limited to named resources."), "{md}");
    // ec2:Describe* is listed once, under what AWS cannot limit.
    assert_eq!(
        r.attention
            .wildcard_only
            .iter()
            .filter(|n| n.action == "ec2:Describe*")
            .count(),
        1
    );
    assert!(
        r.attention
            .on_star
            .iter()
            .all(|n| n.action != "ec2:Describe*")
    );
    let html = review::render_html(&r).unwrap();
    assert!(html.contains(&format!("<details><summary>matches {n} actions</summary>")));
    assert!(html.contains("<h3>Not limited to named resources</h3>"));
}

// ---- self-audit rows: "Added in" by coverage too ----

/// The self-audit rows of a copy of the shipped project's `contact-flows`
/// 1.2.0 review, as `(action, added in)`.
fn self_audit_added_in(d: &Path) -> Vec<(String, String)> {
    let md = std::fs::read_to_string(d.join("generated/contact-flows/1.2.0/REVIEW.md")).unwrap();
    let section = md
        .split("## Self-audit")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .map(|row| {
            let action = row.split('`').next().unwrap().to_string();
            let last = row.trim_end_matches('|').rsplit(" | ").next().unwrap();
            (action, last.trim().to_string())
        })
        .collect()
}

/// A copy of the shipped project whose ledger predates recorded self-audit
/// grants (every `self_audit` field removed).
fn shipped_with_an_old_ledger() -> tempfile::TempDir {
    let dir = shipped_with_generated();
    let path = dir.path().join("generated/releases.json");
    let mut ledger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut removed = 0;
    for releases in ledger["modules"].as_object_mut().unwrap().values_mut() {
        for r in releases.as_array_mut().unwrap() {
            removed += usize::from(r.as_object_mut().unwrap().remove("self_audit").is_some());
        }
    }
    assert!(removed > 0, "the shipped ledger records self-audit grants");
    std::fs::write(&path, serde_json::to_vec_pretty(&ledger).unwrap()).unwrap();
    dir
}

/// The shipped project with what it generated, in a temp folder.
fn shipped_with_generated() -> tempfile::TempDir {
    let dir = util::temp_project(&util::repo());
    util::copy_tree(
        &util::repo().join("generated"),
        &dir.path().join("generated"),
    );
    dir
}

#[test]
fn self_audit_rows_are_added_in_the_first_release_that_granted_them() {
    // The shipped ledger records the self-audit grants of every release.
    let dir = shipped_with_generated();
    let r = with_config(&dir.path().join("rolesmith.yaml"), &["build", "--check"]);
    assert_eq!(r.code, 0, "{}", r.text());
    let rows = self_audit_added_in(dir.path());
    assert_eq!(rows.len(), 7, "{rows:?}");
    assert!(rows.iter().all(|(_, v)| v == "1.0.0"), "{rows:?}");
}

#[test]
fn an_old_ledger_gets_its_self_audit_grants_from_the_released_templates() {
    let dir = shipped_with_an_old_ledger();
    let d = dir.path();
    let r = with_config(&d.join("rolesmith.yaml"), &["build"]);
    assert_eq!(r.code, 0, "{}", r.text());
    let rows = self_audit_added_in(d);
    assert_eq!(rows.len(), 7, "{rows:?}");
    assert!(rows.iter().all(|(_, v)| v == "1.0.0"), "{rows:?}");
    // build wrote them down: the ledger is the shipped one again.
    assert_eq!(
        std::fs::read(d.join("generated/releases.json")).unwrap(),
        std::fs::read(util::repo().join("generated/releases.json")).unwrap()
    );
    let check = with_config(&d.join("rolesmith.yaml"), &["build", "--check"]);
    assert_eq!(check.code, 0, "{}", check.text());
}

#[test]
fn self_audit_rows_never_claim_a_release_whose_grants_are_unknown() {
    // 1.0.0's template is gone and the ledger does not record its
    // self-audit grants: the rows cannot say 1.0.0 granted them.
    let dir = shipped_with_an_old_ledger();
    let d = dir.path();
    std::fs::remove_file(d.join("generated/contact-flows/1.0.0/template.json")).unwrap();
    let r = util::with_config(&d.join("rolesmith.yaml"), &["build"]);
    assert_eq!(r.code, 0, "{}", r.text());
    let rows = self_audit_added_in(d);
    assert_eq!(rows.len(), 7, "{rows:?}");
    assert!(rows.iter().all(|(_, v)| v == "1.1.0"), "{rows:?}");
}
