//! The limits of reading an input, each enforced while decoding, never after the fact:
//!
//! - [`MAX_DEPTH`]: how deep a record may nest (JSON objects and lists, XML elements). Decoding
//!   never recurses deeper than this, so no input can overflow a stack.
//! - the record size limit (`max_record_bytes`, default [`DEFAULT_MAX_RECORD_BYTES`]): the most
//!   bytes one record may take in its file (an NDJSON line, a CSV record, an element of a JSON
//!   array, an XML item). A larger record is rejected with its place and never held in memory;
//!   reading resumes after it when the format allows (the next line, the next CSV record, the
//!   next array element, the end of the XML item).
//! - [`FIFO_OPEN_WAIT`]: how long opening a named pipe waits for the program that writes it.

use std::time::Duration;

/// How deep a record may nest: 128 levels, the record itself being the first (`{"a": [1]}`
/// has two: the record and the list; in XML the item element is the first level and each
/// element inside adds one). A record nested deeper is rejected with its place.
pub const MAX_DEPTH: usize = 128;

/// The default record size limit: 64 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 64 << 20;

/// How long opening a named pipe (a FIFO, `/dev/stdin` fed by a pipe) waits for a program to
/// open it for writing before giving up with an error: 30 seconds.
pub const FIFO_OPEN_WAIT: Duration = Duration::from_secs(30);

/// A byte count as people read it: `64 MiB`, `1.5 GiB`, `1000 bytes`.
pub fn show_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            return if n.is_multiple_of(size) {
                format!("{} {unit}", n / size)
            } else {
                format!("{:.1} {unit}", n as f64 / size as f64)
            };
        }
    }
    format!("{n} bytes")
}

/// Parses a record size limit: a number of bytes, or one with a unit (`64MiB`, `64M`, `512k`,
/// `1GiB`, `100MB`; `K`/`M`/`G` and `KiB`/`MiB`/`GiB` are powers of 1024, `KB`/`MB`/`GB` powers
/// of 1000). It must be at least 1 KiB.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let factor: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "`{s}` is not a size: write bytes (67108864) or with a unit (64MiB, 512KiB, 1GiB)"
            ));
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a size: it must start with a number (64MiB)"))?;
    let bytes = n
        .checked_mul(factor)
        .ok_or_else(|| format!("`{s}` is too large"))?;
    if bytes < 1 << 10 {
        return Err(format!(
            "`{s}` is too small: the limit must be at least 1 KiB"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_show() {
        assert_eq!(parse_bytes("64MiB"), Ok(64 << 20));
        assert_eq!(parse_bytes("64 M"), Ok(64 << 20));
        assert_eq!(parse_bytes("512k"), Ok(512 << 10));
        assert_eq!(parse_bytes("100MB"), Ok(100_000_000));
        assert_eq!(parse_bytes("2048"), Ok(2048));
        assert!(parse_bytes("12").is_err_and(|e| e.contains("at least 1 KiB")));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("64 furlongs").is_err());
        assert!(parse_bytes("99999999999999999999G").is_err());
        assert!(parse_bytes("18446744073709551615G").is_err_and(|e| e.contains("too large")));
        assert_eq!(show_bytes(DEFAULT_MAX_RECORD_BYTES), "64 MiB");
        assert_eq!(show_bytes(1536), "1.5 KiB");
        assert_eq!(show_bytes(1000), "1000 bytes");
    }
}
