//! The one way rolesmith writes JSON files and reports: pretty (two-space
//! indent, keys in the order the types give, maps sorted as `BTreeMap`s
//! are), with a trailing newline, so the same value is always the same bytes.

/// `value` as pretty JSON with a trailing newline.
pub fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}
