//! Go's `%q` formatting (`strconv.Quote`), used by notation in nearly every trust policy error.
//!
//! Reproducing it keeps our messages byte-identical to notation's for the common cases, so a
//! user's search for an error finds notation's documentation and issues.

/// Quotes text like Go's `%q`.
pub(crate) fn go_quote(text: &str) -> String {
    go_quote_bytes(text.as_bytes())
}

/// Quotes bytes like Go's `%q` on a string holding them: DN escapes such as `\ff` can produce
/// bytes that are not UTF-8, which Go shows as `\xff`.
pub(crate) fn go_quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                push_escaped_str(&mut out, valid);
                rest = &[];
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                // `valid` is UTF-8 by construction of `valid_up_to`.
                push_escaped_str(&mut out, &String::from_utf8_lossy(valid));
                // Go escapes one bad byte at a time and resynchronises on the next.
                if let Some((&bad, tail)) = after.split_first() {
                    out.push_str(&format!("\\x{bad:02x}"));
                    rest = tail;
                } else {
                    rest = &[];
                }
            }
        }
    }
    out.push('"');
    out
}

fn push_escaped_str(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_go_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
}

/// An approximation of Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols
/// and the ASCII space) without Unicode category tables: controls, non-ASCII spaces, the common
/// format characters, private use and noncharacters are not printable. Unassigned code points,
/// which Go also escapes, are shown as they are.
fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let code = c as u32;
    let format_or_private = matches!(code,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF
        | 0xFDD0..=0xFDEF | 0xF0000.. );
    !format_or_private && (code & 0xFFFE) != 0xFFFE
}

/// Go's `%#U` for a byte (`U+0067 'g'`), used by `encoding/hex` errors that go-ldap forwards.
pub(crate) fn go_unicode_format(byte: u8) -> String {
    if (0x20..0x7f).contains(&byte) {
        format!("U+{:04X} '{}'", byte, byte as char)
    } else {
        format!("U+{byte:04X}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("e2e"), "\"e2e\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("tab\there\n"), "\"tab\\there\\n\"");
        assert_eq!(go_quote("\u{1}"), "\"\\x01\"");
        assert_eq!(go_quote("é ü 中"), "\"é ü 中\"");
        assert_eq!(go_quote("\u{a0}\u{200b}"), "\"\\u00a0\\u200b\"");
        assert_eq!(go_quote_bytes(b"a\xffb"), "\"a\\xffb\"");
        assert_eq!(go_quote_bytes(b"\xc3"), "\"\\xc3\"");
    }

    #[test]
    fn formats_unicode_like_go() {
        assert_eq!(go_unicode_format(b'g'), "U+0067 'g'");
        assert_eq!(go_unicode_format(1), "U+0001");
    }
}
