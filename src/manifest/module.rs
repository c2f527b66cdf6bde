//! `modules/<id>.yaml` -> [`Module`]: identity, parameters, features, and the
//! action/resource/condition rules of the manifest contract.

use super::diag::ProblemKind;
use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::diag::{Problem, SourceFile};
use super::features::features;
use super::model::Module;
use super::parameters::parameters;
use super::rules;
use super::walk::Ctx;
use super::yaml::{Node, Value};

/// Allowed `max_length` of a parameter.
pub const MAX_LENGTH_RANGE: std::ops::RangeInclusive<i128> = 1..=4096;
/// `max_length` when none is given.
pub const DEFAULT_MAX_LENGTH: u32 = 128;

/// Checks one manifest. `stem` is the file name without `.yaml`; `prefix` the
/// config's role-name prefix when known. Returns the module when nothing is wrong.
pub fn check(
    catalogue: &crate::catalogue::Catalogue,
    src: &SourceFile,
    stem: &str,
    prefix: Option<&str>,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Option<Module> {
    let before = problems.len();
    let root = super::parse_yaml(src, problems)?;
    let mut cx = Ctx {
        catalogue,
        src,
        problems,
        warnings: Vec::new(),
    };
    let module = check_root(&mut cx, &root, stem, prefix);
    warnings.append(&mut cx.warnings);
    if cx.problems.len() > before {
        return None;
    }
    let mut module = module?;
    module.source = src.name.clone();
    module.digest = digest(normalised(&src.text).as_bytes());
    Some(module)
}

/// Manifest text as its digest sees it: without a byte-order mark, with
/// `\n` line ends, so a checkout's line-ending settings (`core.autocrlf`)
/// or an editor's BOM never change a release.
pub fn normalised(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// `sha256:<hex>` of some bytes.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in hash.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn check_root(cx: &mut Ctx<'_>, root: &Node, stem: &str, prefix: Option<&str>) -> Option<Module> {
    let top = cx.fields(
        root,
        root.span,
        "",
        &[
            "module",
            "version",
            "description",
            "regions",
            "parameters",
            "features",
        ],
    )?;
    let id = top
        .required(cx, "module", stem)
        .and_then(|n| module_id(cx, n, stem, prefix));
    let version = top
        .required(cx, "version", "1.0.0")
        .and_then(|n| version(cx, n));
    let description = top
        .required(cx, "description", "what this module lets the vendor do")
        .and_then(|n| cx.text(n, "description"));
    let regions = match top.get("regions") {
        Some(n) => regions(cx, n, "regions").map(Some),
        None => Some(None),
    };
    let (names, parameters) = match top.get("parameters") {
        Some(n) => parameters(cx, n),
        None => (Vec::new(), Some(BTreeMap::new())),
    };
    let features = top
        .required(
            cx,
            "features",
            "[{id: ..., description: ..., actions: [...]}]",
        )
        .and_then(|n| {
            features(
                cx,
                n,
                top.key("features").map_or(root.span, |k| k.span),
                &names,
            )
        });
    if let (Some(params), Some(features), Some(node)) =
        (&parameters, &features, top.get("parameters"))
    {
        unused_parameters(cx, node, params, features);
    }
    Some(Module {
        id: id?,
        version: version?,
        description: description?.to_owned(),
        parameters: parameters?,
        features: features?,
        regions: regions?,
        feature_lines: top
            .get("features")
            .map(|n| feature_lines(cx, n))
            .unwrap_or_default(),
        version_at: top
            .get("version")
            .map_or((0, 0), |n| cx.src.position(n.span)),
        source: Default::default(),
        digest: String::new(),
    })
}

/// Warns about parameters no resource, condition or derived ARN uses: the
/// customer is asked for a value that changes nothing.
fn unused_parameters(
    cx: &mut Ctx<'_>,
    node: &Node,
    params: &BTreeMap<String, crate::manifest::Parameter>,
    features: &[crate::manifest::Feature],
) {
    use crate::iam::sub::{Token, tokens};
    let mut used: std::collections::BTreeSet<&str> = Default::default();
    let mut note = |s: &str| {
        for t in tokens(s) {
            if let Token::Placeholder(n) = t
                && let Some((k, _)) = params.get_key_value(n)
            {
                used.insert(k.as_str());
            }
        }
    };
    for f in features {
        match &f.resources {
            Some(rs) => rs.iter().for_each(|r| note(r)),
            // Derived ARNs keep the placeholders that are declared parameters.
            None => {
                for a in &f.actions {
                    for action in cx.catalogue.matching(a) {
                        for format in action.grant_arn_formats() {
                            note(format);
                        }
                    }
                }
            }
        }
        for block in f.conditions.values() {
            block.values().flatten().for_each(|v| note(v));
        }
    }
    let Value::Map(entries) = &node.value else {
        return;
    };
    for (k, _) in entries {
        let Value::Str(name) = &k.value else { continue };
        if params.contains_key(name) && !used.contains(name.as_str()) {
            cx.warn(
                k.span,
                ProblemKind::UnusedParameter,
                format!("parameter `{name}` is used by no resource, condition or derived ARN"),
                "unused",
                Some(format!(
                    "use it as `${{{name}}}` in a feature's `resources` or conditions, or remove it: the customer would be asked for a value that changes nothing"
                )),
            );
        }
    }
}

/// The line of each feature's `id` value.
fn feature_lines(cx: &Ctx<'_>, features: &Node) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let Value::Seq(items) = &features.value else {
        return out;
    };
    for item in items {
        let Value::Map(entries) = &item.value else {
            continue;
        };
        for (k, v) in entries {
            if let (Value::Str(key), Value::Str(id)) = (&k.value, &v.value)
                && key == "id"
            {
                out.insert(id.clone(), cx.src.line_of(v.span));
            }
        }
    }
    out
}

/// `stack` or `any`: the region derived ARNs name.
pub(super) fn regions(cx: &mut Ctx<'_>, n: &Node, what: &str) -> Option<crate::manifest::Regions> {
    match cx.string(n, what)? {
        "stack" => Some(crate::manifest::Regions::Stack),
        "any" => Some(crate::manifest::Regions::Any),
        other => {
            cx.report(
                n.span,
                ProblemKind::Regions,
                format!("`{what}` is `{other}`, not `stack` or `any`"),
                "expected stack or any",
                Some("`stack`: derived ARNs name the stack's region; `any`: every region (a role used across the customer's regions)".to_owned()),
            );
            None
        }
    }
}

fn module_id(cx: &mut Ctx<'_>, n: &Node, stem: &str, prefix: Option<&str>) -> Option<String> {
    let id = cx.string(n, "module")?;
    if !rules::is_module_id(id) {
        cx.report(
            n.span,
            ProblemKind::ModuleId,
            format!("module id `{id}` is not valid"),
            "invalid module id",
            Some("use 1 to 40 lowercase letters, digits and `-`, starting with a letter (`^[a-z][a-z0-9-]{0,39}$`)".to_owned()),
        );
        return None;
    }
    if id != stem {
        cx.report(
            n.span,
            ProblemKind::ModuleFile,
            format!("module id `{id}` does not match the file name `{stem}.yaml`"),
            "differs from the file name",
            Some(format!(
                "rename the file to `modules/{id}.yaml` or set `module: {stem}`"
            )),
        );
        return None;
    }
    if let Some(p) = prefix {
        let len = p.chars().count() + id.len();
        if len > rules::MAX_ROLE_NAME {
            cx.report(
                n.span,
                ProblemKind::RoleNameLength,
                format!("role name `{p}{id}` is {len} characters long, IAM allows at most 64"),
                "role name too long",
                Some(format!(
                    "shorten the module id or `roles.name_prefix` in rolesmith.yaml by {} characters",
                    len - rules::MAX_ROLE_NAME
                )),
            );
            return None;
        }
    }
    Some(id.to_owned())
}

fn version(cx: &mut Ctx<'_>, n: &Node) -> Option<semver::Version> {
    let text = match &n.value {
        Value::Str(s) => s.clone(),
        Value::Float(_) | Value::Int(_) => {
            cx.report(
                n.span,
                ProblemKind::Version,
                "`version` must be MAJOR.MINOR.PATCH, like `1.2.0`".to_owned(),
                "not MAJOR.MINOR.PATCH",
                Some("write all three parts, e.g. `version: 1.0.0`".to_owned()),
            );
            return None;
        }
        _ => {
            cx.wrong_type(n, "version", "a version like `1.2.0`", None);
            return None;
        }
    };
    match semver::Version::parse(&text) {
        Ok(v) if v.pre.is_empty() && v.build.is_empty() => Some(v),
        Ok(v) => {
            cx.report(
                n.span,
                ProblemKind::Version,
                format!("version `{text}` has a pre-release or build part"),
                "pre-release or build part",
                Some(format!(
                    "use plain MAJOR.MINOR.PATCH: `{}.{}.{}`",
                    v.major, v.minor, v.patch
                )),
            );
            None
        }
        Err(e) => {
            cx.report(
                n.span,
                ProblemKind::Version,
                format!("version `{text}` is not MAJOR.MINOR.PATCH: {e}"),
                "invalid version",
                // `v1.2.0` is how git tags spell versions: say exactly what to change.
                Some(
                    match text
                        .strip_prefix(['v', 'V'])
                        .filter(|rest| semver::Version::parse(rest).is_ok())
                    {
                        Some(rest) => format!("drop the leading `v`: `version: {rest}`"),
                        None => {
                            "write three numbers without leading zeros, e.g. `1.2.0`".to_owned()
                        }
                    },
                ),
            );
            None
        }
    }
}
