//! Go's `encoding/asn1` rules for `time.Time` fields: GeneralizedTime or UTCTime, in the
//! layouts Go parses, refused unless they serialize back to the same text (so no trailing zeros
//! in fractions, and `Z` rather than `+0000`), because tspclient-go refuses such tokens too.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use super::der::{Tag, Tlv, structural, syntax};

/// A `time.Time` field: GeneralizedTime or UTCTime, with Go's format rules (the value must
/// serialize back to the same text, so no trailing zeros in fractions and `Z` for UTC).
pub(super) fn time_value(tlv: &Tlv<'_>) -> Result<OffsetDateTime, String> {
    let text = std::str::from_utf8(tlv.content).map_err(|_| syntax("invalid time"))?;
    let invalid = || format!("parsing time {text:?}: invalid time");
    let parsed = match tlv.tag {
        Tag::GENERALIZED_TIME => parse_time(text, 4).ok_or_else(invalid)?,
        Tag::UTC_TIME => {
            let mut t = parse_time(text, 2).ok_or_else(invalid)?;
            // UTCTime years 50-99 are 1950-1999 (RFC 5280 4.1.2.5.1).
            let year = t.year();
            let year = if year >= 50 { 1900 + year } else { 2000 + year };
            t = t.replace_year(year).map_err(|_| invalid())?;
            t
        }
        _ => return Err(structural("invalid time tag")),
    };
    Ok(parsed)
}

/// `YYYY`/`YY` `MMDDhhmm[ss][.f+](Z|±hhmm)`; seconds are optional only in UTCTime and
/// fractions only in GeneralizedTime, as in Go.
fn parse_time(text: &str, year_digits: usize) -> Option<OffsetDateTime> {
    let bytes = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let digits = bytes.get(from..from + len)?;
        digits.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let year = num(0, year_digits)?;
    let mut pos = year_digits;
    let month = num(pos, 2)?;
    let day = num(pos + 2, 2)?;
    let hour = num(pos + 4, 2)?;
    let minute = num(pos + 6, 2)?;
    pos += 8;
    let utc = year_digits == 2;
    let second = match num(pos, 2) {
        Some(s) => {
            pos += 2;
            s
        }
        None if utc => 0,
        None => return None,
    };
    let mut nanos = 0u32;
    if !utc && bytes.get(pos) == Some(&b'.') {
        let digits = bytes[pos + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let fraction = &bytes[pos + 1..pos + 1 + digits];
        if digits == 0 || digits > 9 || fraction.last() == Some(&b'0') {
            return None;
        }
        let value = num(pos + 1, digits)?;
        nanos = value * 10u32.pow(9 - digits as u32);
        pos += 1 + digits;
    }
    let offset = match &bytes[pos..] {
        b"Z" => UtcOffset::UTC,
        [sign @ (b'+' | b'-'), ..] if bytes.len() == pos + 5 => {
            let (h, m) = (num(pos + 1, 2)?, num(pos + 3, 2)?);
            let seconds = (h * 3600 + m * 60) as i32;
            if seconds == 0 {
                // Go writes a zero offset back as "Z", so "+0000" does not round-trip.
                return None;
            }
            let signed = if *sign == b'-' { -seconds } else { seconds };
            UtcOffset::from_whole_seconds(signed).ok()?
        }
        _ => return None,
    };
    let date = Date::from_calendar_date(
        i32::try_from(year).ok()?,
        Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let time = Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .to_offset(UtcOffset::UTC),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::der::Reader;
    use super::*;

    fn first(input: &[u8]) -> Tlv<'_> {
        Reader::new(input).any().unwrap()
    }

    #[test]
    fn times_as_go() {
        let time_of = |tag: u8, text: &str| {
            let mut der = vec![tag, text.len() as u8];
            der.extend_from_slice(text.as_bytes());
            time_value(&first(&der))
        };
        let t = time_of(0x18, "20250121091746.641Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_737_451_066);
        assert_eq!(t.millisecond(), 641);
        assert!(time_of(0x18, "20250121091746.640Z").is_err());
        assert!(time_of(0x18, "20250121091746+0000").is_err());
        let shifted = time_of(0x18, "20250121101746+0100").unwrap();
        assert_eq!(shifted.unix_timestamp(), 1_737_451_066);
        assert_eq!(time_of(0x17, "990101000000Z").unwrap().year(), 1999);
        assert_eq!(time_of(0x17, "2401010000Z").unwrap().year(), 2024);
        assert!(time_of(0x18, "20251321091746Z").is_err());
    }
}
