//! The vendor's role-mapping table in DynamoDB: partition key `tenant`,
//! sort key `module`; string attributes `account_id`, `role_arn`,
//! `external_id`, `region`, `status` (`pending` | `active`) and
//! `deployed_version`. The product resolves tenant + module to a role ARN
//! with one `GetItem`; rolesmith creates the table on demand, records rows
//! (`tenant add`), marks them active (`tenant verify`) and scans it in
//! parallel segments (`drift --fleet dynamodb://TABLE`).

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put,
    ScalarAttributeType, TableStatus, TransactWriteItem,
};

use super::call::{CallError, classify};
use crate::live::fleet_file::{FleetRow, RowStatus};
use crate::live::{ReadError, ReadErrorKind};

/// Items per scan page: bounds what one segment holds in memory.
const SCAN_PAGE: i32 = 100;

/// Most items of one `TransactWriteItems` call (DynamoDB's limit).
const TRANSACTION_LIMIT: usize = 100;

/// The mapping table `name`, reached with `conf`.
#[derive(Debug, Clone)]
pub struct MappingTable {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

/// One item of a scan.
#[derive(Debug, Clone)]
pub enum Scanned {
    /// A well-formed row.
    Row(FleetRow),
    /// An item that is not a mapping row: its key as far as known, and why.
    Malformed {
        /// `tenant/module`, or what of it the item has.
        key: String,
        /// What is wrong.
        message: String,
    },
}

fn failed<E>(op: &str, what: &str, e: aws_sdk_dynamodb::error::SdkError<E>) -> ReadError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify(op, what, CallError::Sdk(Box::new(e)))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

/// A row from a table item.
fn row_of(item: &HashMap<String, AttributeValue>) -> Result<FleetRow, String> {
    FleetRow::from_attributes(|k| item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str))
}

/// The item of a row (`account_id` from its role ARN).
fn item_of(row: &FleetRow) -> HashMap<String, AttributeValue> {
    let mut item = HashMap::new();
    item.insert("tenant".into(), s(&row.tenant));
    item.insert("module".into(), s(&row.module));
    item.insert("role_arn".into(), s(&row.role_arn));
    if let Some(account) = crate::iam::arn::concrete_parts(&row.role_arn).nth(4) {
        item.insert("account_id".into(), s(account));
    }
    let optional = [
        ("external_id", row.external_id.as_deref()),
        ("region", row.region.as_deref()),
        ("stack_name", row.stack_name.as_deref()),
        ("status", row.status.map(RowStatus::as_str)),
        ("deployed_version", row.deployed_version.as_deref()),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            item.insert(k.into(), s(v));
        }
    }
    item
}

impl MappingTable {
    /// The table `name` (nothing is called yet).
    pub fn new(conf: &SdkConfig, name: &str) -> MappingTable {
        MappingTable {
            client: aws_sdk_dynamodb::Client::new(conf),
            name: name.to_string(),
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the table (on-demand capacity) when it does not exist, and
    /// waits until it is active; true when it was created now.
    pub async fn ensure(&self) -> Result<bool, ReadError> {
        let status = match self.status().await? {
            Some(st) => st,
            None => {
                let key = |name: &str, kind: KeyType| {
                    KeySchemaElement::builder()
                        .attribute_name(name)
                        .key_type(kind)
                        .build()
                };
                let attr = |name: &str| {
                    AttributeDefinition::builder()
                        .attribute_name(name)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                };
                let built = (|| {
                    Ok::<_, aws_sdk_dynamodb::error::BuildError>((
                        key("tenant", KeyType::Hash)?,
                        key("module", KeyType::Range)?,
                        attr("tenant")?,
                        attr("module")?,
                    ))
                })();
                let (pk, sk, pa, sa) = built.map_err(|e| {
                    ReadError::new(
                        ReadErrorKind::Other,
                        format!("cannot describe the table `{}`: {e}", self.name),
                    )
                })?;
                match self
                    .client
                    .create_table()
                    .table_name(&self.name)
                    .key_schema(pk)
                    .key_schema(sk)
                    .attribute_definitions(pa)
                    .attribute_definitions(sa)
                    .billing_mode(BillingMode::PayPerRequest)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    // Created by someone else meanwhile: use it.
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|se| se.is_resource_in_use_exception()) => {}
                    Err(e) => return Err(failed("dynamodb:CreateTable", &self.name, e)),
                }
                self.wait_active().await?;
                return Ok(true);
            }
        };
        if status != TableStatus::Active {
            self.wait_active().await?;
        }
        Ok(false)
    }

    async fn status(&self) -> Result<Option<TableStatus>, ReadError> {
        match self
            .client
            .describe_table()
            .table_name(&self.name)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.table()
                    .and_then(|t| t.table_status().cloned())
                    .unwrap_or(TableStatus::Active),
            )),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(failed("dynamodb:DescribeTable", &self.name, e)),
        }
    }

    async fn wait_active(&self) -> Result<(), ReadError> {
        // DynamoDB creates a table in seconds; give it two minutes.
        for _ in 0..240 {
            if self.status().await? == Some(TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        Err(ReadError::new(
            ReadErrorKind::Timeout,
            format!(
                "the table `{}` did not become active within two minutes; run again later",
                self.name
            ),
        ))
    }

    /// Every row of `tenant` (a strongly consistent query, every page).
    pub async fn tenant_rows(&self, tenant: &str) -> Result<Vec<FleetRow>, ReadError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.name)
                .key_condition_expression("#t = :t")
                .expression_attribute_names("#t", "tenant")
                .expression_attribute_values(":t", s(tenant))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| failed("dynamodb:Query", &self.name, e))?;
            for item in page.items() {
                let row = row_of(item).map_err(|m| {
                    ReadError::new(
                        ReadErrorKind::Other,
                        format!(
                            "a row of tenant `{tenant}` in the table `{}` is malformed: {m}",
                            self.name
                        ),
                    )
                })?;
                out.push(row);
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.module.cmp(&b.module));
        Ok(out)
    }

    /// Records new rows, all or nothing (one transaction; each put fails if
    /// its tenant and module are already there).
    pub async fn insert(&self, rows: &[FleetRow]) -> Result<(), ReadError> {
        if rows.len() > TRANSACTION_LIMIT {
            return Err(ReadError::new(
                ReadErrorKind::Other,
                format!(
                    "{} rows at once is more than one DynamoDB transaction holds ({TRANSACTION_LIMIT}); add fewer modules at a time",
                    rows.len()
                ),
            ));
        }
        let mut req = self.client.transact_write_items();
        for row in rows {
            let put = Put::builder()
                .table_name(&self.name)
                .set_item(Some(item_of(row)))
                .condition_expression("attribute_not_exists(#t)")
                .expression_attribute_names("#t", "tenant")
                .build()
                .map_err(|e| {
                    ReadError::new(
                        ReadErrorKind::Other,
                        format!("cannot describe the row of `{}`: {e}", row.tenant),
                    )
                })?;
            req = req.transact_items(TransactWriteItem::builder().put(put).build());
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| failed("dynamodb:TransactWriteItems", &self.name, e))
    }

    /// Writes `row`'s `status` and `deployed_version`, only if the item
    /// still holds its ExternalId and role ARN (nobody changed it since it
    /// was read).
    pub async fn mark(&self, row: &FleetRow) -> Result<(), ReadError> {
        let what = format!("{}/{} in {}", row.tenant, row.module, self.name);
        let mut req = self
            .client
            .update_item()
            .table_name(&self.name)
            .key("tenant", s(&row.tenant))
            .key("module", s(&row.module))
            .expression_attribute_names("#s", "status")
            .expression_attribute_names("#r", "role_arn")
            .expression_attribute_values(":s", s(row.status.map_or("pending", RowStatus::as_str)))
            .expression_attribute_values(":r", s(&row.role_arn));
        let mut condition = "#r = :r".to_string();
        if let Some(id) = &row.external_id {
            req = req
                .expression_attribute_names("#x", "external_id")
                .expression_attribute_values(":x", s(id));
            condition.push_str(" AND #x = :x");
        }
        req = match &row.deployed_version {
            Some(v) => req
                .update_expression("SET #s = :s, #v = :v")
                .expression_attribute_names("#v", "deployed_version")
                .expression_attribute_values(":v", s(v)),
            None => req.update_expression("SET #s = :s"),
        };
        req.condition_expression(condition)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| failed("dynamodb:UpdateItem", &what, e))
    }

    /// Scans segment `segment` of `total`, page by page, calling `each`
    /// for every item (awaiting it: a slow consumer slows the scan, so
    /// memory stays bounded by one page).
    pub async fn scan_segment<F, Fut>(
        &self,
        segment: i32,
        total: i32,
        mut each: F,
    ) -> Result<(), ReadError>
    where
        F: FnMut(Scanned) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.name)
                .segment(segment)
                .total_segments(total)
                .limit(SCAN_PAGE)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| failed("dynamodb:Scan", &self.name, e))?;
            for item in page.items() {
                let scanned = match row_of(item) {
                    Ok(row) => Scanned::Row(row),
                    Err(message) => {
                        let part = |k: &str| {
                            item.get(k)
                                .and_then(|v| v.as_s().ok())
                                .map_or("?", String::as_str)
                                .to_string()
                        };
                        Scanned::Malformed {
                            key: format!("{}/{}", part("tenant"), part("module")),
                            message,
                        }
                    }
                };
                each(scanned).await;
            }
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_and_rows_round_trip() {
        let row = FleetRow {
            tenant: "acme".into(),
            module: "contact-flows".into(),
            role_arn: "arn:aws:iam::222233334444:role/CXPortal-contact-flows".into(),
            external_id: Some("abc".into()),
            region: Some("eu-west-2".into()),
            stack_name: None,
            status: Some(RowStatus::Pending),
            deployed_version: None,
        };
        let item = item_of(&row);
        assert_eq!(item.get("account_id"), Some(&s("222233334444")));
        assert_eq!(item.get("status"), Some(&s("pending")));
        assert_eq!(row_of(&item), Ok(row));
    }

    #[test]
    fn a_number_where_a_string_belongs_is_named() {
        let mut item = HashMap::new();
        item.insert("tenant".to_string(), s("acme"));
        item.insert("module".to_string(), s("m"));
        item.insert("role_arn".to_string(), AttributeValue::N("1".into()));
        assert_eq!(
            row_of(&item),
            Err("the string attribute `role_arn` is missing".to_string())
        );
    }
}
