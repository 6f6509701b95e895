//! Reading one protocol line without letting a peer make us buffer more than a cap.

use std::io::{self, BufRead};

/// Outcome of reading one line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A complete line (without its `\n`).
    Text(Vec<u8>),
    /// The line exceeded the cap; its bytes up to the next `\n` were discarded.
    TooLong,
    /// End of input.
    Eof,
}

/// Reads up to the next `\n`, keeping at most `cap` bytes. A line longer than `cap` is skipped
/// to its end so the stream stays in sync, and reported as [`Line::TooLong`].
pub(crate) fn read_line_capped(input: &mut dyn BufRead, cap: usize) -> io::Result<Line> {
    let mut line = Vec::new();
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (too_long, line.is_empty()) {
                (true, _) => Line::TooLong,
                (false, true) => Line::Eof,
                // A final line without `\n` still counts.
                (false, false) => Line::Text(line),
            });
        }
        let (chunk, found_newline) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (&available[..at], true),
            None => (available, false),
        };
        if !too_long && line.len() + chunk.len() > cap {
            too_long = true;
            line = Vec::new();
        }
        if !too_long {
            line.extend_from_slice(chunk);
        }
        let consumed = chunk.len() + usize::from(found_newline);
        input.consume(consumed);
        if found_newline {
            return Ok(if too_long {
                Line::TooLong
            } else {
                Line::Text(line)
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_enforces_the_cap() {
        let mut input: &[u8] = b"short\nthis line is too long\nok\nlast";
        let mut read = || read_line_capped(&mut input, 8).unwrap();
        assert_eq!(read(), Line::Text(b"short".to_vec()));
        assert_eq!(read(), Line::TooLong);
        assert_eq!(read(), Line::Text(b"ok".to_vec()));
        assert_eq!(read(), Line::Text(b"last".to_vec()));
        assert_eq!(read(), Line::Eof);
    }
}
