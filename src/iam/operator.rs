//! The syntax of a condition operator name: an optional set qualifier
//! (`ForAnyValue:` / `ForAllValues:`), a base operator (`StringLike`) and an
//! optional `IfExists` suffix. One splitter for the manifest rules, the
//! evaluator and the review documents' words.

/// An operator name taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatorParts<'a> {
    /// The text before the first `:` (`ForAnyValue`), if any.
    pub qualifier: Option<&'a str>,
    /// The base operator (`StringLike`).
    pub base: &'a str,
    /// Whether it ends in `IfExists`.
    pub if_exists: bool,
}

/// Splits an operator name. With `ignore_case`, `IfExists` is found in any
/// case (IAM matches operator names ignoring case); the manifest contract
/// spells them exactly.
pub fn split(op: &str, ignore_case: bool) -> OperatorParts<'_> {
    let (qualifier, rest) = match op.split_once(':') {
        Some((q, r)) => (Some(q), r),
        None => (None, op),
    };
    const SUFFIX: &str = "IfExists";
    let cut = rest.len().checked_sub(SUFFIX.len());
    let tail = cut.and_then(|c| rest.get(c..));
    let has_suffix = tail.is_some_and(|t| {
        if ignore_case {
            t.eq_ignore_ascii_case(SUFFIX)
        } else {
            t == SUFFIX
        }
    });
    match (has_suffix, cut.and_then(|c| rest.get(..c))) {
        (true, Some(base)) => OperatorParts {
            qualifier,
            base,
            if_exists: true,
        },
        _ => OperatorParts {
            qualifier,
            base: rest,
            if_exists: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        let p = split("ForAnyValue:StringLikeIfExists", false);
        assert_eq!(p.qualifier, Some("ForAnyValue"));
        assert_eq!(p.base, "StringLike");
        assert!(p.if_exists);
        let p = split("stringlikeifexists", false);
        assert_eq!((p.base, p.if_exists), ("stringlikeifexists", false));
        let p = split("stringlikeifexists", true);
        assert_eq!((p.base, p.if_exists), ("stringlike", true));
        let p = split("Null", true);
        assert_eq!((p.qualifier, p.base, p.if_exists), (None, "Null", false));
        // The suffix alone leaves an empty (unknown) base.
        assert_eq!(split("IfExists", false).base, "");
    }
}
