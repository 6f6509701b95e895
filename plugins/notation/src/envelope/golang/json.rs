//! A JSON reader that accepts and rejects exactly what Go's `encoding/json` does, with the same
//! error text (`invalid character 'm' looking for beginning of value` ...).
//!
//! Notation parses JWS envelopes with `encoding/json`, and users search for its messages, so
//! serde_json's wording will not do. The tree keeps members in document order, duplicates
//! included, because Go's struct decoding lets the last of several case-insensitively equal
//! keys win and that needs the order.

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as its literal text.
    Number(String),
    /// A string: the unescaped text (invalid UTF-8 and lone surrogates replaced by U+FFFD as Go
    /// does) and the raw text between the quotes (Go's `time.Time` parses the raw bytes).
    String {
        /// Unescaped text.
        text: String,
        /// The bytes between the quotes, unescaped nothing.
        raw: String,
    },
    /// An array.
    Array(Vec<Json>),
    /// An object: members in document order, duplicates kept.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The word Go's `UnmarshalTypeError` uses for this kind of value.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String { .. } => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// How the input is read: `json.Unmarshal` wants exactly one value; `json.Decoder.Decode`
/// (used by the JWT library for the payload) reads the first value and ignores what follows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `json.Unmarshal`.
    Unmarshal,
    /// `json.NewDecoder(..).Decode`.
    Decoder,
}

/// Parses `input` the way Go would, returning Go's error text on failure.
pub fn parse(input: &[u8], mode: Mode) -> Result<Json, String> {
    let mut p = Parser {
        s: input,
        i: 0,
        mode,
    };
    p.skip_ws();
    if p.i == input.len() {
        return Err(match mode {
            Mode::Unmarshal => "unexpected end of JSON input".into(),
            Mode::Decoder => "EOF".into(),
        });
    }
    let value = p.value(0)?;
    if mode == Mode::Unmarshal {
        p.skip_ws();
        if let Some(&c) = input.get(p.i) {
            return Err(invalid(c, "after top-level value"));
        }
    }
    Ok(value)
}

/// Go's `encoding/json` nesting limit.
const MAX_DEPTH: usize = 10000;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    mode: Mode,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eof(&self) -> String {
        match self.mode {
            Mode::Unmarshal => "unexpected end of JSON input".into(),
            Mode::Decoder => "unexpected EOF".into(),
        }
    }

    fn next(&mut self) -> Result<u8, String> {
        let c = *self.s.get(self.i).ok_or_else(|| self.eof())?;
        self.i += 1;
        Ok(c)
    }

    fn peek(&self) -> Result<u8, String> {
        self.s.get(self.i).copied().ok_or_else(|| self.eof())
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        self.skip_ws();
        let c = self.peek()?;
        match c {
            b'{' | b'[' if depth >= MAX_DEPTH => Err("exceeded max depth".into()),
            b'{' => {
                self.i += 1;
                self.object(depth + 1)
            }
            b'[' => {
                self.i += 1;
                self.array(depth + 1)
            }
            b'"' => {
                self.i += 1;
                self.string()
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            _ => Err(invalid(c, "looking for beginning of value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, String> {
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            let c = self.next()?;
            if c != b'"' {
                return Err(invalid(c, "looking for beginning of object key string"));
            }
            let Json::String { text: key, .. } = self.string()? else {
                unreachable!("string() returns strings")
            };
            self.skip_ws();
            let c = self.next()?;
            if c != b':' {
                return Err(invalid(c, "after object key"));
            }
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Ok(Json::Object(members)),
                c => return Err(invalid(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, String> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.next()? {
                b',' => continue,
                b']' => return Ok(Json::Array(items)),
                c => return Err(invalid(c, "after array element")),
            }
        }
    }

    fn string(&mut self) -> Result<Json, String> {
        let start = self.i;
        let mut out = Vec::new();
        loop {
            let c = self.next()?;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.next()?;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let ch = self.surrogate_pair(first)?;
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return Err(invalid(e, "in string escape code")),
                    }
                }
                c if c < 0x20 => return Err(invalid(c, "in string literal")),
                c => out.push(c),
            }
        }
        let raw = String::from_utf8_lossy(&self.s[start..self.i - 1]).into_owned();
        Ok(Json::String {
            text: go_lossy_utf8(&out),
            raw,
        })
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let c = self.next()?;
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| invalid(c, "in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    /// Go combines a high surrogate with a following `\uDC00`-`\uDFFF` escape; any other lone
    /// surrogate becomes U+FFFD and the next escape is read on its own.
    fn surrogate_pair(&mut self, first: u32) -> Result<char, String> {
        if (0xD800..0xDC00).contains(&first)
            && self.s.get(self.i) == Some(&b'\\')
            && self.s.get(self.i + 1) == Some(&b'u')
        {
            let save = self.i;
            self.i += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        if self.peek()? == b'-' {
            self.i += 1;
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in numeric literal"));
            }
            self.i -= 1;
        }
        if self.next()? != b'0' {
            self.digits();
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            let c = self.next()?;
            if !c.is_ascii_digit() {
                return Err(invalid(c, "after decimal point in numeric literal"));
            }
            self.digits();
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            let mut c = self.next()?;
            if c == b'+' || c == b'-' {
                c = self.next()?;
            }
            if !c.is_ascii_digit() {
                return Err(invalid(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        // A number ends only where a delimiter follows; the decoder at end of input needs no
        // delimiter, but `json.Unmarshal` sees the end as acceptable too.
        let text = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        Ok(Json::Number(text))
    }

    fn digits(&mut self) {
        while matches!(self.s.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8], value: Json) -> Result<Json, String> {
        self.i += 1;
        for &want in &word[1..] {
            let c = self.next()?;
            if c != want {
                let name = String::from_utf8_lossy(word);
                let ctx = format!("in literal {name} (expecting {})", quote_char(want));
                return Err(invalid(c, &ctx));
            }
        }
        Ok(value)
    }
}

/// Go's `SyntaxError` text for an unexpected byte.
fn invalid(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

/// Go's `quoteChar`: the byte as a rune, quoted with single quotes the way `strconv.Quote`
/// escapes it.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let ch = c as char;
            let body = match ch {
                '\u{7}' => r"\a".into(),
                '\u{8}' => r"\b".into(),
                '\u{c}' => r"\f".into(),
                '\n' => r"\n".into(),
                '\r' => r"\r".into(),
                '\t' => r"\t".into(),
                '\u{b}' => r"\v".into(),
                '\\' => r"\\".into(),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => format!(r"\x{:02x}", c as u32),
                c if (0x80..=0xa0).contains(&(c as u32)) || c as u32 == 0xad => {
                    format!(r"\u{:04x}", c as u32)
                }
                c => c.to_string(),
            };
            format!("'{body}'")
        }
    }
}

/// Go decodes each invalid UTF-8 byte to one U+FFFD (Rust's lossy conversion may merge a run).
pub fn go_lossy_utf8(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                out.push('\u{FFFD}');
                rest = &bad[1..];
            }
        }
    }
    out
}

/// Go's case-insensitive key match for struct fields (`bytes.EqualFold`, simple Unicode case
/// folding).
pub fn fold_eq(a: &str, b: &str) -> bool {
    let fold = |c: char| {
        let mut up = c.to_uppercase();
        let u = match (up.next(), up.next()) {
            (Some(u), None) => u,
            _ => c,
        };
        let mut low = u.to_lowercase();
        match (low.next(), low.next()) {
            (Some(l), None) => l,
            _ => u,
        }
    };
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// Go's `UnmarshalTypeError` text for a struct field.
pub fn type_error(value: &Json, go_struct: &str, path: &str, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {go_struct}.{path} of type {go_type}",
        value.kind()
    )
}
