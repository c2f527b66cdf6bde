//! The fleet file: the vendor's role-mapping table, one row per tenant and
//! module (`- {tenant, module, role_arn, external_id, region}`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

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
    /// A row is unusable.
    #[error("{path}: row {row} (tenant `{tenant}`): {message}")]
    #[diagnostic(help(
        "fix the row; the role ARN has the form `arn:aws:iam::<account>:role/<name>`"
    ))]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based row number.
        row: usize,
        /// Tenant of the row.
        tenant: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads and checks a fleet file.
pub fn load_fleet(path: &Path) -> Result<Vec<FleetRow>, FleetFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FleetFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_fleet(&text, path)
}

/// Parses fleet file text (`path` is used in messages only).
pub fn parse_fleet(text: &str, path: &Path) -> Result<Vec<FleetRow>, FleetFileError> {
    let rows: Vec<FleetRow> = if text.trim().is_empty() {
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
    for (i, row) in rows.iter().enumerate() {
        if super::role_name_of(&row.role_arn).is_none() {
            return Err(FleetFileError::Row {
                path: path.to_path_buf(),
                row: i + 1,
                tenant: row.tenant.clone(),
                message: format!("`{}` is not an IAM role ARN", row.role_arn),
            });
        }
    }
    Ok(rows)
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
        let rows = parse_fleet(text, Path::new("fleet.yaml")).unwrap_or_default();
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
        let text = "- {tenant: a, module: m, role_arn: arn:aws:iam::1:role/R}\n- {tenant: b, module: m, role_arn: nope}\n";
        match parse_fleet(text, Path::new("f.yaml")) {
            Err(FleetFileError::Row { row, tenant, .. }) => {
                assert_eq!((row, tenant.as_str()), (2, "b"));
            }
            other => unreachable!("{other:?}"),
        }
    }
}
