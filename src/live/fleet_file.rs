//! The fleet file: the vendor's role-mapping table, one row per tenant and
//! module (`- {tenant, module, role_arn, external_id, region}`), and the
//! same rows as the DynamoDB mapping table holds them ([`FleetRow::from_attributes`]).
//!
//! `tenant add` appends rows ([`append_rows`]) and `tenant verify` updates
//! one ([`replace_row`]); both write the whole file or nothing, and check
//! that the new text parses to exactly the rows intended before writing.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::RoleTarget;

/// One row of a fleet file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetRow {
    /// Tenant name, reported as is.
    pub tenant: String,
    /// Module id whose manifest the role is checked against.
    pub module: String,
    /// The customer's role.
    pub role_arn: String,
    /// ExternalId to assume the role with.
    pub external_id: Option<String>,
    /// Region for STS and CloudFormation.
    pub region: Option<String>,
    /// CloudFormation stack that deployed the role, when the vendor knows it.
    #[serde(default)]
    pub stack_name: Option<String>,
    /// `pending` (recorded by `tenant add`, not verified yet) or `active`;
    /// a row without one is active (fleet files written by hand).
    #[serde(default)]
    pub status: Option<RowStatus>,
    /// The version `tenant verify` found deployed.
    #[serde(default)]
    pub deployed_version: Option<String>,
}

/// Where a mapping row is in onboarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RowStatus {
    /// Recorded by `tenant add`; the product must not use the role yet.
    Pending,
    /// Checked by `tenant verify`: the role is safe and deployed.
    Active,
}

impl RowStatus {
    /// `pending` or `active`.
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Pending => "pending",
            RowStatus::Active => "active",
        }
    }

    /// Parses `pending` / `active`.
    pub fn parse(s: &str) -> Option<RowStatus> {
        match s {
            "pending" => Some(RowStatus::Pending),
            "active" => Some(RowStatus::Active),
            _ => None,
        }
    }
}

impl FleetRow {
    /// True unless the row is `pending` (rows without a status are active).
    pub fn is_active(&self) -> bool {
        self.status != Some(RowStatus::Pending)
    }

    /// A row of the DynamoDB mapping table, from its string attributes
    /// (`get` returns an attribute's string value): `tenant`, `module`,
    /// `role_arn` are required, the role ARN must be an IAM role ARN, and
    /// `status` must be `pending` or `active` when present. `Err` says
    /// what is wrong in words.
    pub fn from_attributes<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<FleetRow, String> {
        let need = |k: &str| {
            get(k)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("the string attribute `{k}` is missing"))
        };
        let tenant = need("tenant")?;
        let module = need("module")?;
        let role_arn = need("role_arn")?;
        if super::role_name_of(&role_arn).is_none() {
            return Err(format!("`role_arn` `{role_arn}` is not an IAM role ARN"));
        }
        let opt = |k: &str| get(k).filter(|v| !v.is_empty()).map(str::to_string);
        let status = match get("status") {
            None => None,
            Some(s) => Some(
                RowStatus::parse(s)
                    .ok_or_else(|| format!("`status` `{s}` is neither `pending` nor `active`"))?,
            ),
        };
        Ok(FleetRow {
            tenant,
            module,
            role_arn,
            external_id: opt("external_id"),
            region: opt("region"),
            stack_name: opt("stack_name"),
            status,
            deployed_version: opt("deployed_version"),
        })
    }

    /// The row as one line of a fleet file (`- {tenant: ..., ...}`), every
    /// value double-quoted so any text stays a string.
    pub fn to_line(&self) -> String {
        let mut fields = vec![
            ("tenant", Some(self.tenant.as_str())),
            ("module", Some(self.module.as_str())),
            ("role_arn", Some(self.role_arn.as_str())),
            ("external_id", self.external_id.as_deref()),
            ("region", self.region.as_deref()),
            ("stack_name", self.stack_name.as_deref()),
            ("status", self.status.map(RowStatus::as_str)),
            ("deployed_version", self.deployed_version.as_deref()),
        ];
        fields.retain(|(_, v)| v.is_some());
        let body: Vec<String> = fields
            .into_iter()
            .filter_map(|(k, v)| Some(format!("{k}: {}", quoted(v?))))
            .collect();
        format!("- {{{}}}", body.join(", "))
    }

    /// The read target: the role is assumed with its own external id, so the
    /// check runs with exactly the access the vendor has in production.
    pub fn target(&self) -> RoleTarget {
        RoleTarget {
            role_arn: self.role_arn.clone(),
            assume_role: Some(self.role_arn.clone()),
            external_id: self.external_id.clone(),
            region: self.region.clone(),
            stack_name: self.stack_name.clone(),
        }
    }
}

/// A YAML double-quoted scalar (JSON's escapes are YAML's).
fn quoted(v: &str) -> String {
    serde_json::Value::String(v.to_string()).to_string()
}

/// Where something is in the fleet file (1-based; 0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct At {
    /// Line.
    pub line: u64,
    /// Column.
    pub column: u64,
}

impl From<&serde_saphyr::Location> for At {
    fn from(l: &serde_saphyr::Location) -> At {
        At {
            line: l.line(),
            column: l.column(),
        }
    }
}

/// Where a row's values are, for messages about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RowAt {
    /// The row's `module` value.
    pub module: At,
    /// The row's `role_arn` value.
    pub role_arn: At,
}

/// A fleet file read and checked: its rows in file order, and where each is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FleetFile {
    /// The file, for messages.
    pub path: PathBuf,
    /// The rows.
    pub rows: Vec<FleetRow>,
    /// Where each row's values are (same order as `rows`).
    pub at: Vec<RowAt>,
}

/// One problem of a fleet file, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub at: At,
    /// What is wrong and what to do.
    pub message: String,
}

/// The fleet file could not be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum FleetFileError {
    /// Not readable.
    #[error("cannot read fleet file `{path}`: {source}")]
    #[diagnostic(help("check the path given to `--fleet`"))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not a list of rows.
    #[error("{path}:{line}:{column}: {message}")]
    #[diagnostic(help(
        "a fleet file is a YAML list of `{{tenant, module, role_arn, external_id, region}}` rows"
    ))]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// Rows that cannot be checked: every one, each with its location.
    #[error("{}", located(path, problems))]
    #[diagnostic(help(
        "fix the rows; a row names a module of the project and a role ARN of the form `arn:aws:iam::<account>:role/<name>`; nothing was read"
    ))]
    Rows {
        /// The file.
        path: PathBuf,
        /// Every problem, in file order.
        problems: Vec<Problem>,
    },
    /// The change cannot be made to the file's text safely.
    #[error("cannot update fleet file `{path}`: {message}")]
    #[diagnostic(help(
        "nothing was written; keep rows as one `- {{...}}` line each in a block list, or make the change by hand"
    ))]
    Edit {
        /// The file.
        path: PathBuf,
        /// What stops it.
        message: String,
    },
    /// Writing failed; the file is as it was.
    #[error("cannot write fleet file `{}`", .0.path.display())]
    #[diagnostic(help("check that the folder is writable; the file is as it was"))]
    Write(#[source] crate::fsutil::WriteError),
}

fn located(path: &Path, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| {
            format!(
                "{}:{}:{}: {}",
                path.display(),
                p.at.line,
                p.at.column,
                p.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A row as written, with locations.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    tenant: String,
    module: Spanned<String>,
    role_arn: Spanned<String>,
    external_id: Option<String>,
    region: Option<String>,
    #[serde(default)]
    stack_name: Option<String>,
    #[serde(default)]
    status: Option<RowStatus>,
    #[serde(default)]
    deployed_version: Option<String>,
}

/// Reads a fleet file and checks what it can alone (syntax, role ARNs).
pub fn load_fleet(path: &Path) -> Result<FleetFile, FleetFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FleetFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_fleet(&text, path)
}

/// Parses fleet file text (`path` is used in messages only); every row
/// whose role ARN is not an IAM role ARN is reported, with its location.
pub fn parse_fleet(text: &str, path: &Path) -> Result<FleetFile, FleetFileError> {
    let raw: Vec<RawRow> = if text.trim().is_empty() {
        Vec::new()
    } else {
        let mut options = serde_saphyr::Options::default();
        // `!Ref acme` and other application tags would be dropped silently,
        // changing what the row says: refuse them where they are.
        options.reject_unsupported_tags = true;
        options.with_snippet = false;
        serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let e = e.without_snippet();
            let loc = e.location();
            let message = first_line(&e.to_string());
            let message = match message
                .strip_prefix("unsupported tag `")
                .and_then(|r| r.split('`').next())
            {
                Some(tag) => format!(
                    "unknown YAML tag `{tag}`: a fleet file holds plain strings; remove the tag"
                ),
                None => message,
            };
            FleetFileError::Syntax {
                path: path.to_path_buf(),
                line: loc.map_or(0, |l| l.line()),
                column: loc.map_or(0, |l| l.column()),
                message,
            }
        })?
    };
    let mut file = FleetFile {
        path: path.to_path_buf(),
        ..FleetFile::default()
    };
    let mut problems = Vec::new();
    for r in raw {
        let at = RowAt {
            module: At::from(&r.module.referenced),
            role_arn: At::from(&r.role_arn.referenced),
        };
        if super::role_name_of(&r.role_arn.value).is_none() {
            problems.push(Problem {
                at: at.role_arn,
                message: format!(
                    "`{}` (tenant `{}`) is not an IAM role ARN",
                    r.role_arn.value, r.tenant
                ),
            });
        }
        file.rows.push(FleetRow {
            tenant: r.tenant,
            module: r.module.value,
            role_arn: r.role_arn.value,
            external_id: r.external_id,
            region: r.region,
            stack_name: r.stack_name,
            status: r.status,
            deployed_version: r.deployed_version,
        });
        file.at.push(at);
    }
    if problems.is_empty() {
        Ok(file)
    } else {
        Err(FleetFileError::Rows {
            path: path.to_path_buf(),
            problems,
        })
    }
}

impl FleetFile {
    /// Checks every row's module with `unknown` (a message for a module
    /// the project lacks, `None` for a known one); every problem at once,
    /// located at the row's `module` value, before anything is read.
    pub fn check_modules(
        &self,
        unknown: impl Fn(&str) -> Option<String>,
    ) -> Result<(), FleetFileError> {
        let problems: Vec<Problem> = self
            .rows
            .iter()
            .zip(&self.at)
            .filter_map(|(row, at)| {
                unknown(&row.module).map(|m| Problem {
                    at: at.module,
                    message: format!("tenant `{}`: {m}", row.tenant),
                })
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FleetFileError::Rows {
                path: self.path.clone(),
                problems,
            })
        }
    }
}

/// Reads the file's text, or `""` when it does not exist yet.
fn read_or_empty(path: &Path) -> Result<String, FleetFileError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(FleetFileError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Writes `text` to `path` once it parses to exactly `expected`.
fn write_checked(path: &Path, text: String, expected: &[FleetRow]) -> Result<(), FleetFileError> {
    let got = parse_fleet(&text, path)?;
    if got.rows != expected {
        return Err(FleetFileError::Edit {
            path: path.to_path_buf(),
            message: "the edited text would not hold the intended rows".into(),
        });
    }
    crate::fsutil::write_all_atomic(&[(path.to_path_buf(), text.into_bytes())])
        .map(|_| ())
        .map_err(FleetFileError::Write)
}

/// Appends `rows` to the fleet file at `path` (created when missing), one
/// line each, keeping the file's text (comments included) as it was. All
/// or nothing: the file must parse before, the new text must parse to
/// the old rows followed by `rows`, and it is written whole.
pub fn append_rows(path: &Path, rows: &[FleetRow]) -> Result<(), FleetFileError> {
    let mut text = read_or_empty(path)?;
    let mut expected = parse_fleet(&text, path)?.rows;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for r in rows {
        text.push_str(&r.to_line());
        text.push('\n');
    }
    expected.extend(rows.iter().cloned());
    write_checked(path, text, &expected).map_err(|e| match e {
        FleetFileError::Syntax { .. } | FleetFileError::Edit { .. } => FleetFileError::Edit {
            path: path.to_path_buf(),
            message: "its rows are not a block list of `- ` lines, so rows cannot be appended"
                .into(),
        },
        other => other,
    })
}

/// Replaces the row of `tenant` and `module` with `new` (one line, as
/// [`append_rows`] writes rows). All or nothing, like [`append_rows`];
/// a row written over several lines is refused rather than rewritten.
pub fn replace_row(
    path: &Path,
    tenant: &str,
    module: &str,
    new: &FleetRow,
) -> Result<(), FleetFileError> {
    let text = read_or_empty(path)?;
    let file = parse_fleet(&text, path)?;
    let edit = |message: String| FleetFileError::Edit {
        path: path.to_path_buf(),
        message,
    };
    let Some(i) = file
        .rows
        .iter()
        .position(|r| r.tenant == tenant && r.module == module)
    else {
        return Err(edit(format!(
            "it has no row of tenant `{tenant}` and module `{module}`"
        )));
    };
    let (Some(at), Some(_)) = (file.at.get(i), file.rows.get(i)) else {
        return Err(edit("its rows and their locations disagree".into()));
    };
    let line = at.module.line;
    if line == 0 || at.role_arn.line != line {
        return Err(edit(format!(
            "the row of tenant `{tenant}` and module `{module}` (line {line}) is not on one line"
        )));
    }
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let index = usize::try_from(line - 1).unwrap_or(usize::MAX);
    let new_line = format!("{}\n", new.to_line());
    match lines.get_mut(index) {
        Some(l) if l.trim_start().starts_with("- {") => *l = &new_line,
        _ => {
            return Err(edit(format!(
                "the row of tenant `{tenant}` and module `{module}` (line {line}) is not a `- {{...}}` line"
            )));
        }
    }
    let mut expected = file.rows.clone();
    if let Some(r) = expected.get_mut(i) {
        *r = new.clone();
    }
    write_checked(path, lines.concat(), &expected)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_in_order() {
        let text = r#"
- {tenant: acme, module: contact-flows, role_arn: "arn:aws:iam::222233334444:role/CXPortal-contact-flows", external_id: "acme-4f1c", region: eu-west-2}
- {tenant: zeta, module: reports, role_arn: "arn:aws:iam::333344445555:role/CXPortal-reports", external_id: "zeta-1", region: us-east-1, stack_name: cx-reports}
"#;
        let rows = parse_fleet(text, Path::new("fleet.yaml"))
            .unwrap_or_default()
            .rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].tenant, "acme");
        assert_eq!(rows[1].stack_name.as_deref(), Some("cx-reports"));
        let t = rows[0].target();
        assert_eq!(t.assume_role.as_deref(), Some(rows[0].role_arn.as_str()));
        assert_eq!(t.external_id.as_deref(), Some("acme-4f1c"));
    }

    #[test]
    fn unknown_field_is_located() {
        let text = "- tenant: acme\n  module: m\n  role_arn: arn:aws:iam::222233334444:role/R\n  regoin: x\n";
        match parse_fleet(text, Path::new("f.yaml")) {
            Err(FleetFileError::Syntax { line, .. }) => assert_eq!(line, 4),
            other => unreachable!("{other:?}"),
        }
    }

    #[test]
    fn bad_arn_names_the_row() {
        let text = "- {tenant: a, module: m, role_arn: arn:aws:iam::1:role/R}\n- {tenant: b, module: m, role_arn: nope}\n- {tenant: c, module: m, role_arn: arn:aws:s3:::x}\n";
        match parse_fleet(text, Path::new("f.yaml")) {
            Err(e @ FleetFileError::Rows { .. }) => {
                let FleetFileError::Rows { problems, .. } = &e else {
                    unreachable!()
                };
                let at: Vec<(u64, u64)> =
                    problems.iter().map(|p| (p.at.line, p.at.column)).collect();
                assert_eq!(at, [(2, 36), (3, 36)]);
                assert!(problems[0].message.contains("tenant `b`"), "{e}");
                assert!(e.to_string().starts_with("f.yaml:2:36: `nope`"), "{e}");
            }
            other => unreachable!("{other:?}"),
        }
    }

    #[test]
    fn unknown_modules_are_all_located() {
        let text = "- {tenant: a, module: known, role_arn: arn:aws:iam::1:role/R}\n- tenant: b\n  module: nope\n  role_arn: arn:aws:iam::1:role/R\n";
        let file = parse_fleet(text, Path::new("f.yaml")).unwrap_or_default();
        match file.check_modules(|m| (m != "known").then(|| format!("unknown module `{m}`"))) {
            Err(e) => assert_eq!(
                e.to_string(),
                "f.yaml:3:11: tenant `b`: unknown module `nope`"
            ),
            Ok(()) => unreachable!("the unknown module passed"),
        }
        assert!(file.check_modules(|_| None).is_ok());
    }

    #[test]
    fn an_unknown_tag_is_an_error_where_it_is() {
        let text = "- {tenant: acme, module: m, role_arn: arn:aws:iam::1:role/R}\n- {tenant: !Ref zeta, module: m, role_arn: arn:aws:iam::1:role/R}\n";
        match parse_fleet(text, Path::new("f.yaml")) {
            Err(e @ FleetFileError::Syntax { .. }) => {
                let FleetFileError::Syntax { line, column, .. } = &e else {
                    unreachable!()
                };
                assert_eq!((*line, *column), (2, 17), "{e}");
                assert!(e.to_string().contains("unknown YAML tag `!Ref`"), "{e}");
            }
            other => unreachable!("{other:?}"),
        }
    }

    fn row(tenant: &str, module: &str) -> FleetRow {
        FleetRow {
            tenant: tenant.into(),
            module: module.into(),
            role_arn: "arn:aws:iam::222233334444:role/CXPortal-m".into(),
            external_id: Some("x: \"quoted\" #1".into()),
            region: Some("eu-west-2".into()),
            stack_name: None,
            status: Some(RowStatus::Pending),
            deployed_version: None,
        }
    }

    #[test]
    fn lines_parse_back_to_their_rows() {
        let r = row("acme: inc", "m");
        let text = format!("{}\n", r.to_line());
        let back = parse_fleet(&text, Path::new("f.yaml"))
            .unwrap_or_default()
            .rows;
        assert_eq!(back, vec![r]);
    }

    #[test]
    fn rows_from_attributes() {
        let attrs = [
            ("tenant", "acme"),
            ("module", "m"),
            ("role_arn", "arn:aws:iam::222233334444:role/R"),
            ("status", "active"),
            ("deployed_version", "1.2.0"),
        ];
        let get = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let r = FleetRow::from_attributes(get);
        assert_eq!(r.as_ref().map(|r| r.status), Ok(Some(RowStatus::Active)));
        assert!(r.is_ok_and(|r| r.is_active() && r.deployed_version.as_deref() == Some("1.2.0")));
        let bad = |k: &str| match k {
            "role_arn" => Some("arn:aws:s3:::b"),
            other => get(other),
        };
        assert!(FleetRow::from_attributes(bad).is_err_and(|e| e.contains("not an IAM role ARN")));
        let odd = |k: &str| if k == "status" { Some("done") } else { get(k) };
        assert!(FleetRow::from_attributes(odd).is_err_and(|e| e.contains("`done`")));
        let missing = |k: &str| if k == "module" { None } else { get(k) };
        assert!(FleetRow::from_attributes(missing).is_err_and(|e| e.contains("`module`")));
    }

    #[test]
    fn appending_keeps_the_file_and_is_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let path = dir.path().join("fleet.yaml");
        std::fs::write(
            &path,
            "# our tenants\n- {tenant: old, module: m, role_arn: \"arn:aws:iam::1:role/R\"}",
        )
        .unwrap_or_default();
        assert!(append_rows(&path, &[row("a", "m"), row("a", "n")]).is_ok());
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(text.starts_with("# our tenants\n"), "{text}");
        let rows = load_fleet(&path).unwrap_or_default().rows;
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2], row("a", "n"));
        // A flow list cannot take `- ` lines: refused, file untouched.
        let flow = "[{tenant: t, module: m, role_arn: \"arn:aws:iam::1:role/R\"}]\n";
        std::fs::write(&path, flow).unwrap_or_default();
        assert!(matches!(
            append_rows(&path, &[row("b", "m")]),
            Err(FleetFileError::Edit { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), flow);
    }

    #[test]
    fn replacing_a_row_changes_only_its_line() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| unreachable!("{e}"));
        let path = dir.path().join("fleet.yaml");
        assert!(append_rows(&path, &[row("a", "m"), row("b", "m")]).is_ok());
        let mut active = row("b", "m");
        active.status = Some(RowStatus::Active);
        active.deployed_version = Some("1.0.0".into());
        assert!(replace_row(&path, "b", "m", &active).is_ok());
        let rows = load_fleet(&path).unwrap_or_default().rows;
        assert_eq!(rows, vec![row("a", "m"), active.clone()]);
        assert!(matches!(
            replace_row(&path, "c", "m", &active),
            Err(FleetFileError::Edit { .. })
        ));
        // A row over several lines is refused, not rewritten.
        let multi = "- tenant: a\n  module: m\n  role_arn: arn:aws:iam::1:role/R\n";
        std::fs::write(&path, multi).unwrap_or_default();
        assert!(matches!(
            replace_row(&path, "a", "m", &active),
            Err(FleetFileError::Edit { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), multi);
    }
}
