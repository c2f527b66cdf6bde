//! Policy documents as IAM returns them: URL-encoded (RFC 3986) JSON.
//! Decoding happens only when the text is not already JSON, so a document
//! that was decoded upstream (the AWS CLI, moto, a test) passes through as is.

/// Returns the JSON text of a policy document from IAM.
///
/// Already-plain JSON (starts with `{` or `[` after whitespace) is returned
/// unchanged; otherwise `%XX` escapes are decoded. `+` stays `+`: IAM encodes
/// spaces as `%20`. A malformed escape or non-UTF-8 result leaves the text as
/// it was, so the parse in `drift` reports it as unreadable.
pub fn decode_document(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') || !text.contains('%') {
        return text.to_string();
    }
    percent_decode(text).unwrap_or_else(|| text.to_string())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = hex(*bytes.get(i + 1)?)?;
            let lo = hex(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::decode_document;

    #[test]
    fn decodes_url_encoded_json() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode_document(enc),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
    }

    #[test]
    fn plain_json_passes_through_even_with_percent_signs() {
        let plain = r#"{"Condition":{"StringLike":{"k":"100%25"}}}"#;
        assert_eq!(decode_document(plain), plain);
    }

    #[test]
    fn plus_is_not_a_space_and_multibyte_decodes() {
        assert_eq!(
            decode_document("%7B%22a%22%3A%22x+y%C3%A9%22%7D"),
            "{\"a\":\"x+yé\"}"
        );
    }

    #[test]
    fn malformed_escape_is_left_for_the_parser_to_reject() {
        assert_eq!(decode_document("%7B%2"), "%7B%2");
        assert_eq!(decode_document("%FF%FE"), "%FF%FE");
    }
}
