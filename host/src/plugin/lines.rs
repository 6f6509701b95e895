//! Reading one protocol line from an async stream without buffering more than a cap.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// One line, or why there is none.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A complete line without its `\n`.
    Text(Vec<u8>),
    /// Longer than the cap: `seen` bytes were read before giving up.
    TooLong { seen: usize },
    /// End of stream.
    Eof,
}

/// Reads to the next `\n`, failing as soon as the line passes `cap` bytes. Unlike the SDK's
/// reader this does not skip the rest: a plugin that sends an oversized line is not trusted to
/// stay in sync, and its connection is dropped.
pub(crate) async fn read_line_capped<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    cap: usize,
) -> std::io::Result<Line> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(if line.is_empty() {
                Line::Eof
            } else {
                Line::Text(line)
            });
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (&available[..at], true),
            None => (available, false),
        };
        if line.len() + chunk.len() > cap {
            let seen = line.len() + chunk.len();
            return Ok(Line::TooLong { seen });
        }
        line.extend_from_slice(chunk);
        let consumed = chunk.len() + usize::from(done);
        reader.consume(consumed);
        if done {
            return Ok(Line::Text(line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn enforces_the_cap_before_buffering() {
        let mut input: &[u8] = b"ok\n0123456789abcdef\n";
        assert_eq!(
            read_line_capped(&mut input, 8).await.unwrap(),
            Line::Text(b"ok".to_vec())
        );
        assert!(matches!(
            read_line_capped(&mut input, 8).await.unwrap(),
            Line::TooLong { .. }
        ));
        let mut empty: &[u8] = b"";
        assert_eq!(read_line_capped(&mut empty, 8).await.unwrap(), Line::Eof);
    }
}
