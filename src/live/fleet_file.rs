//! The fleet file: the vendor's role-mapping table, one row per tenant and
//! module (`- {tenant, module, role_arn, external_id, region}`).

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
}

impl FleetRow {
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
        serde_saphyr::from_str(text).map_err(|e| {
            let loc = e.location();
            FleetFileError::Syntax {
                path: path.to_path_buf(),
                line: loc.map_or(0, |l| l.line()),
                column: loc.map_or(0, |l| l.column()),
                message: first_line(&e.to_string()),
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
}
