//! RFC 3339 times the way Go's `time.Time` reads and writes them in JSON.
//!
//! JWS envelopes carry `io.cncf.notary.signingTime` / `expiry` as JSON strings that Go parses
//! with `parseStrictRFC3339`: upper-case `T` and `Z`, no leap second, zone hours below 24,
//! any number of fraction digits; the offset is kept. Writing uses RFC3339Nano (`Z` for UTC,
//! fraction without trailing zeros), as `json.Marshal` does when notation signs.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

const LAYOUT: &str = "2006-01-02T15:04:05Z07:00";

/// Parses the raw JSON string contents (no unescaping, as Go's `Time.UnmarshalJSON` does).
pub fn parse_rfc3339(raw: &str) -> Result<OffsetDateTime, String> {
    let b = raw.as_bytes();
    let mut cur = Cursor { b, i: 0, raw };
    let year = cur.num(4, 4, "2006")?;
    cur.lit(b'-')?;
    let month = cur.num(2, 2, "01")?;
    if !(1..=12).contains(&month) {
        return Err(range(raw, "month"));
    }
    cur.lit(b'-')?;
    let day = cur.num(2, 2, "02")?;
    cur.lit(b'T')?;
    let hour_start = cur.i;
    // Go's layout element "15" accepts one digit; the strict check then rejects it.
    let hour = cur.num(1, 2, "15")?;
    if hour >= 24 {
        return Err(range(raw, "hour"));
    }
    if cur.i - hour_start == 1 {
        return Err(cannot(raw, &raw[hour_start..hour_start + 1], "15"));
    }
    cur.lit(b':')?;
    let minute = cur.num(2, 2, "04")?;
    if minute >= 60 {
        return Err(range(raw, "minute"));
    }
    cur.lit(b':')?;
    let second = cur.num(2, 2, "05")?;
    if second >= 60 {
        return Err(range(raw, "second"));
    }
    let mut nanos = 0u32;
    if matches!(b.get(cur.i), Some(b'.' | b',')) && b.get(cur.i + 1).is_some_and(u8::is_ascii_digit)
    {
        if b[cur.i] == b',' {
            return Err(cannot(raw, ",", "."));
        }
        cur.i += 1;
        let mut scale = 100_000_000u32;
        while let Some(d) = b.get(cur.i).filter(|d| d.is_ascii_digit()) {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            cur.i += 1;
        }
    }
    let offset_secs = cur.zone()?;
    if cur.i < b.len() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            quote(raw),
            quote(&raw[cur.i..])
        ));
    }
    let month = Month::try_from(month as u8).map_err(|_| range(raw, "month"))?;
    let date =
        Date::from_calendar_date(year as i32, month, day as u8).map_err(|_| range(raw, "day"))?;
    let time = Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos)
        .map_err(|_| range(raw, "second"))?;
    let offset = UtcOffset::from_whole_seconds(offset_secs).map_err(|_| range(raw, "hour"))?;
    Ok(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
    raw: &'a str,
}

impl Cursor<'_> {
    fn rest(&self) -> &str {
        self.raw.get(self.i..).unwrap_or("")
    }

    fn num(&mut self, min: usize, max: usize, elem: &str) -> Result<u32, String> {
        let start = self.i;
        let mut v = 0u32;
        while self.i - start < max {
            match self.b.get(self.i) {
                Some(d) if d.is_ascii_digit() => {
                    v = v * 10 + u32::from(d - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        if self.i - start < min {
            self.i = start;
            return Err(cannot(self.raw, self.rest(), elem));
        }
        Ok(v)
    }

    fn lit(&mut self, c: u8) -> Result<(), String> {
        if self.b.get(self.i) != Some(&c) {
            return Err(cannot(self.raw, self.rest(), &(c as char).to_string()));
        }
        self.i += 1;
        Ok(())
    }

    /// `Z` or `±hh:mm`, in seconds east of UTC.
    fn zone(&mut self) -> Result<i32, String> {
        if self.b.get(self.i) == Some(&b'Z') {
            self.i += 1;
            return Ok(0);
        }
        let z = self.b.get(self.i..self.i + 6).filter(|z| {
            matches!(z[0], b'+' | b'-')
                && z[3] == b':'
                && [1, 2, 4, 5].iter().all(|&k| z[k].is_ascii_digit())
        });
        let Some(z) = z else {
            return Err(cannot(self.raw, self.rest(), "Z07:00"));
        };
        let hh = i32::from(z[1] - b'0') * 10 + i32::from(z[2] - b'0');
        let mm = i32::from(z[4] - b'0') * 10 + i32::from(z[5] - b'0');
        if hh >= 24 {
            return Err(format!(
                "parsing time {}: timezone hour out of range",
                quote(self.raw)
            ));
        }
        if mm >= 60 {
            return Err(format!(
                "parsing time {}: timezone minute out of range",
                quote(self.raw)
            ));
        }
        self.i += 6;
        let secs = (hh * 60 + mm) * 60;
        Ok(if z[0] == b'-' { -secs } else { secs })
    }
}

fn cannot(raw: &str, value_elem: &str, layout_elem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        quote(raw),
        quote(LAYOUT),
        quote(value_elem),
        quote(layout_elem)
    )
}

fn range(raw: &str, what: &str) -> String {
    format!("parsing time {}: {what} out of range", quote(raw))
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// Formats like Go's `time.Time.MarshalJSON` (RFC3339Nano, the offset kept).
pub fn format_rfc3339_nano(t: OffsetDateTime) -> String {
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.nanosecond() != 0 {
        let frac = format!("{:09}", t.nanosecond());
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    let offset = t.offset().whole_seconds();
    if offset == 0 {
        out.push('Z');
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let abs = offset.unsigned_abs();
        out.push_str(&format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn parses_and_formats_like_go() {
        let t = parse_rfc3339("2023-06-27T13:20:21+08:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_687_843_221);
        assert_eq!(format_rfc3339_nano(t), "2023-06-27T13:20:21+08:00");
        let t = parse_rfc3339("2022-08-29T13:50:00.120Z").unwrap();
        assert_eq!(format_rfc3339_nano(t), "2022-08-29T13:50:00.12Z");
        assert_eq!(
            parse_rfc3339("2023-13-01T00:00:00Z").unwrap_err(),
            r#"parsing time "2023-13-01T00:00:00Z": month out of range"#
        );
        assert_eq!(
            parse_rfc3339("2023/01/01T00:00:00Z").unwrap_err(),
            r#"parsing time "2023/01/01T00:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "/01/01T00:00:00Z" as "-""#
        );
        assert!(parse_rfc3339("2023-01-01t00:00:00Z").is_err());
        assert!(parse_rfc3339("2023-01-01T00:00:60Z").is_err());
        assert!(parse_rfc3339("2023-02-29T00:00:00Z").is_err());
        assert!(parse_rfc3339("2023-01-01T00:00:00z").is_err());
    }
}
