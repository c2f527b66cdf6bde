//! CloudFormation `Fn::Sub` strings read as literal text and `${...}`
//! placeholders: the one `${` scanner of the crate.
//!
//! The rules are CloudFormation's: `${Name}` is a placeholder whose name runs
//! to the first `}` after `${`; `${!Text}` is the escape for the literal text
//! `${Text}`; a `${` with no `}` after it is not a placeholder
//! ([`Token::Unterminated`]: CloudFormation rejects it, callers here treat it
//! as text). The catalogue's ARN formats (`arn:${Partition}:...`) use the
//! same `${Name}` syntax.
//!
//! Invariant: the [`Piece::raw`] texts of [`pieces`], concatenated, give the
//! input back; tokenising never allocates.

use std::ops::Range;

/// One token of an `Fn::Sub` string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// Text without `${` (never empty).
    Literal(&'a str),
    /// `${Name}`: the text between the braces (may be empty, never starts with `!`).
    Placeholder(&'a str),
    /// `${!Text}`: holds `Text`; CloudFormation writes `${Text}` literally.
    Escaped(&'a str),
    /// A `${` with no closing `}`: holds the rest of the string from `${`.
    Unterminated(&'a str),
}

/// A token with where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Byte offset of the token's text in the string.
    pub start: usize,
    /// The token's text as written (`${Name}` with its braces).
    pub raw: &'a str,
    /// What the text is.
    pub token: Token<'a>,
}

impl<'a> Piece<'a> {
    /// Byte range of the token in the string.
    pub fn range(&self) -> Range<usize> {
        self.start..self.start + self.raw.len()
    }

    /// For `${...}` with its `}`, the text between the braces as written
    /// (with the `!` of an escape); `None` for other tokens.
    pub fn inner(&self) -> Option<&'a str> {
        match self.token {
            Token::Placeholder(_) | Token::Escaped(_) => {
                self.raw.strip_prefix("${")?.strip_suffix('}')
            }
            Token::Literal(_) | Token::Unterminated(_) => None,
        }
    }
}

/// Iterator over the [`Piece`]s of a string; see [`pieces`].
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let start = self.pos;
        let rest = self.s.get(start..).filter(|r| !r.is_empty())?;
        let (raw, token) = match rest.find("${") {
            Some(0) => match rest.get(2..).and_then(|r| r.find('}')) {
                Some(end) => {
                    let raw = rest.get(..end + 3).unwrap_or(rest);
                    let inner = rest.get(2..end + 2).unwrap_or_default();
                    let token = match inner.strip_prefix('!') {
                        Some(text) => Token::Escaped(text),
                        None => Token::Placeholder(inner),
                    };
                    (raw, token)
                }
                None => (rest, Token::Unterminated(rest)),
            },
            Some(i) => {
                let lit = rest.get(..i).unwrap_or(rest);
                (lit, Token::Literal(lit))
            }
            None => (rest, Token::Literal(rest)),
        };
        self.pos = start + raw.len();
        Some(Piece { start, raw, token })
    }
}

/// The pieces of `s`, in order, with their offsets.
pub fn pieces(s: &str) -> Pieces<'_> {
    Pieces { s, pos: 0 }
}

/// The tokens of `s`, in order.
pub fn tokens(s: &str) -> impl Iterator<Item = Token<'_>> + Clone {
    pieces(s).map(|p| p.token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Token::*;

    fn all(s: &str) -> Vec<Token<'_>> {
        tokens(s).collect()
    }

    #[test]
    fn literals_and_placeholders() {
        assert_eq!(all(""), []);
        assert_eq!(all("abc"), [Literal("abc")]);
        assert_eq!(
            all("arn:${AWS::Partition}:s3:::${B}/x"),
            [
                Literal("arn:"),
                Placeholder("AWS::Partition"),
                Literal(":s3:::"),
                Placeholder("B"),
                Literal("/x")
            ]
        );
        assert_eq!(all("${A}${B}"), [Placeholder("A"), Placeholder("B")]);
        assert_eq!(all("${}"), [Placeholder("")]);
        assert_eq!(all("$ {x} $"), [Literal("$ {x} $")]);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            all("a/${!aws:username}/b"),
            [Literal("a/"), Escaped("aws:username"), Literal("/b")]
        );
        assert_eq!(all("${!}"), [Escaped("")]);
        let p: Vec<Piece<'_>> = pieces("x${!L}").collect();
        assert_eq!(p.get(1).and_then(Piece::inner), Some("!L"));
        assert_eq!(p.get(1).map(Piece::range), Some(1..6));
    }

    #[test]
    fn unterminated_and_nested_text() {
        assert_eq!(all("a${B"), [Literal("a"), Unterminated("${B")]);
        assert_eq!(all("${"), [Unterminated("${")]);
        // The name runs to the first `}`: `${` inside it is part of the name.
        assert_eq!(all("${a${b}}c"), [Placeholder("a${b"), Literal("}c")]);
        assert_eq!(
            all("é${é}é"),
            [Literal("é"), Placeholder("é"), Literal("é")]
        );
    }

    #[test]
    fn raw_texts_give_the_input_back() {
        for s in ["", "a${B", "${!x}y${z}", "${a${b}}c", "}${", "$${x}"] {
            let back: String = pieces(s).map(|p| p.raw).collect();
            assert_eq!(back, s);
        }
    }
}
