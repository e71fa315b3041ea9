//! `clerkmap inspect`: the fields of a source file, so an integrator knows what to map: every
//! path (in the mapping language's syntax: `.a.b`, `."Codice EAN"`, lists as `[*]`), its value
//! types, how many records have it, example values and, for small sets, how many distinct
//! values. Large files are sampled: only the first records are read (the output says so).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::value::kind;

use crate::engine::source::{SourceError, SourceReader};
use crate::engine::{Format, Origin};

/// Distinct values are counted up to this many; beyond, the set is "large".
pub const DISTINCT_LIMIT: usize = 20;
/// Records read by default.
pub const DEFAULT_SAMPLE: usize = 10_000;
const EXAMPLES: usize = 3;

/// What is known about one path.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The path in the mapping language's syntax, from the record: `.a.b`, `."Codice EAN"`,
    /// `.varianti[*].codice` for the items of a list.
    pub path: String,
    /// Value kinds (`string`, `int`, `float`, `bool`, `null`, `list`, `object`) with how many
    /// values had each, most frequent first.
    pub types: Vec<(String, u64)>,
    /// Records in which the path has a value (not null, not an empty string).
    pub present: u64,
    /// Distinct values (strings, numbers, bools), when there are at most [`DISTINCT_LIMIT`].
    pub distinct: Option<usize>,
    /// Up to three different values it held (strings, numbers, bools; not empty strings), as
    /// compact JSON cut at 40 characters.
    pub examples: Vec<String>,
    /// What the text values look like, when most agree: `decimal comma`, `date dd/mm/yyyy`...
    pub text_shape: Option<String>,
    /// How to read it in a mapping, when the text shape calls for a function.
    pub hint: Option<String>,
}

/// What [`inspect`] found in a file; [`Inspection::render`] shows it as a table.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The file's path, as given.
    pub file: String,
    /// The format the file was read as.
    pub format: Format,
    /// Records read.
    pub records: u64,
    /// Whether the file has more records than were read.
    pub sampled: bool,
    /// Records that could not be read, with the first reasons.
    pub unreadable: u64,
    /// Why the first three of them could not be read, each as `N: why`, `N` being the line
    /// (the record's number in a JSON or XML file).
    pub unreadable_examples: Vec<String>,
    /// Every path found, in the order first met.
    pub fields: Vec<Field>,
}

#[derive(Default)]
struct Acc {
    types: IndexMap<&'static str, u64>,
    present: u64,
    /// The last record that counted towards `present`.
    last_record: u64,
    distinct: HashSet<String>,
    too_many: bool,
    examples: Vec<String>,
    shapes: IndexMap<&'static str, u64>,
    texts: u64,
    scalars: u64,
}

/// `.name` or `."odd name"`.
pub fn field_step(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        format!(".{name}")
    } else {
        format!(".{}", Value::String(name.to_string()))
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The shape of a text value, when it is a recognisable one.
fn text_shape(s: &str) -> Option<&'static str> {
    let t = s.trim();
    // "1137.12 EUR", "59,90 €": an amount with its currency.
    let amount = t
        .strip_suffix('€')
        .or_else(|| {
            t.rsplit_once(' ')
                .filter(|(_, c)| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
                .map(|(a, _)| a)
        })
        .map(str::trim);
    if let Some(a) = amount
        && matches!(number_shape(a), Some("decimal comma" | "number"))
    {
        return Some("amount with currency");
    }
    if let Some(shape) = number_shape(t) {
        return Some(shape);
    }
    other_shape(t)
}

fn number_shape(t: &str) -> Option<&'static str> {
    let unsigned = t.strip_prefix('-').unwrap_or(t);
    if let Some((int, frac)) = unsigned.split_once(',') {
        let int_ok = int.split('.').enumerate().all(|(i, g)| {
            all_digits(g) && (i == 0 && g.len() <= 3 || g.len() == 3 || !int.contains('.'))
        });
        if int_ok && all_digits(frac) {
            return Some("decimal comma");
        }
    }
    if let Some((int, frac)) = unsigned.split_once('.')
        && all_digits(int)
        && all_digits(frac)
    {
        return Some("number");
    }
    if all_digits(unsigned) {
        // Long digit strings and leading zeros are codes (EAN, ZIP), not quantities.
        return Some(
            if unsigned.len() > 6 || (unsigned.len() > 1 && unsigned.starts_with('0')) {
                "digits"
            } else {
                "number"
            },
        );
    }
    None
}

fn other_shape(t: &str) -> Option<&'static str> {
    let b = t.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() >= 10
        && digits(0..2)
        && b[2] == b'/'
        && digits(3..5)
        && b[5] == b'/'
        && digits(6..10)
    {
        return Some(if b.len() > 10 {
            "date dd/mm/yyyy hh:mm"
        } else {
            "date dd/mm/yyyy"
        });
    }
    if b.len() >= 10 && digits(0..4) && b[4] == b'-' && b[7] == b'-' {
        return Some("date yyyy-mm-dd");
    }
    if t.starts_with("http://") || t.starts_with("https://") {
        return Some("absolute URL");
    }
    if t.starts_with('/') && !t.contains(' ') {
        return Some("URL path");
    }
    if t.contains('<') && t.contains('>') && (t.contains("</") || t.contains("/>")) {
        return Some("HTML");
    }
    None
}

fn hint_for(shape: &str, path: &str) -> Option<String> {
    Some(match shape {
        "decimal comma" => format!("`{path} | decimal` reads 1.234,56 as a number"),
        "amount with currency" => {
            format!("`{path} | decimal` reads the number, without the currency")
        }
        "number" => format!("`{path} | decimal` (or `| int`) makes it a number"),
        "date dd/mm/yyyy" => format!("`{path} | date(\"%d/%m/%Y\")` gives unix seconds"),
        "date dd/mm/yyyy hh:mm" => {
            format!("`{path} | date(\"%d/%m/%Y %H:%M\")` gives unix seconds")
        }
        "URL path" => format!("`{path} | absolute_url(site)` makes it absolute"),
        "HTML" => format!("`{path} | strip_html` gives plain text"),
        _ => return None,
    })
}

fn example(v: &Value) -> String {
    crate::value::elide(&v.to_string(), 40, "…")
}

struct Walker {
    fields: IndexMap<String, Acc>,
}

impl Walker {
    /// Counts `v` at `path` and everything inside it, in the order met (depth first), with a
    /// stack of its own: no recursion, however deep the value.
    fn visit(&mut self, path: String, v: &Value, record: u64) {
        let mut todo: Vec<(String, &Value)> = vec![(path, v)];
        while let Some((path, v)) = todo.pop() {
            let acc = self.fields.entry(path.clone()).or_default();
            *acc.types.entry(kind(v)).or_default() += 1;
            let has_value = !v.is_null() && v.as_str() != Some("");
            if has_value && acc.last_record != record {
                acc.present += 1;
                acc.last_record = record;
            }
            match v {
                Value::Object(m) => {
                    // Pushed last first, so that the first is counted first.
                    for (k, x) in m.iter().rev() {
                        todo.push((format!("{path}{}", field_step(k)), x));
                    }
                }
                Value::Array(items) => {
                    let p = format!("{path}[*]");
                    for x in items.iter().rev() {
                        todo.push((p.clone(), x));
                    }
                }
                Value::Null => {}
                scalar => Self::scalar(acc, scalar, has_value),
            }
        }
    }

    fn scalar(acc: &mut Acc, scalar: &Value, has_value: bool) {
        acc.scalars += 1;
        let key = scalar.to_string();
        if let Value::String(s) = scalar
            && !s.trim().is_empty()
        {
            acc.texts += 1;
            if let Some(shape) = text_shape(s) {
                *acc.shapes.entry(shape).or_default() += 1;
            }
        }
        if !has_value {
            return;
        }
        if !acc.too_many && !acc.distinct.contains(&key) {
            if acc.distinct.len() >= DISTINCT_LIMIT {
                acc.too_many = true;
                acc.distinct.clear();
            } else {
                acc.distinct.insert(key.clone());
            }
        }
        if acc.examples.len() < EXAMPLES {
            let ex = example(scalar);
            if !acc.examples.contains(&ex) {
                acc.examples.push(ex);
            }
        }
    }
}

/// Reads up to `limit` records of a file (all with `None`) and describes its fields.
pub fn inspect(
    path: &Path,
    format: Format,
    limit: Option<usize>,
) -> Result<Inspection, SourceError> {
    let origin = Origin::File(path.to_path_buf());
    let mut reader = SourceReader::open(&origin, format.clone(), 1024)?;
    let mut w = Walker {
        fields: IndexMap::new(),
    };
    let mut records = 0u64;
    let mut unreadable = 0u64;
    let mut unreadable_examples = Vec::new();
    let mut sampled = false;
    'read: while let Some(chunk) = reader.next_chunk() {
        for (loc, rec) in chunk?.decode() {
            if limit.is_some_and(|l| records + unreadable >= l as u64) {
                sampled = true;
                break 'read;
            }
            match rec {
                Ok(Value::Object(m)) => {
                    records += 1;
                    for (k, v) in &m {
                        w.visit(field_step(k), v, records);
                    }
                }
                Ok(other) => {
                    unreadable += 1;
                    if unreadable_examples.len() < 3 {
                        unreadable_examples
                            .push(format!("{loc}: not a record but {}", example(&other)));
                    }
                }
                Err(e) => {
                    unreadable += 1;
                    if unreadable_examples.len() < 3 {
                        unreadable_examples.push(format!("{loc}: {e}"));
                    }
                }
            }
        }
    }
    let fields = w
        .fields
        .into_iter()
        .map(|(path, acc)| {
            let mut types: Vec<(String, u64)> = acc
                .types
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect();
            types.sort_by_key(|t| std::cmp::Reverse(t.1));
            let shape = acc
                .shapes
                .iter()
                .max_by_key(|(_, n)| **n)
                .filter(|(_, n)| acc.texts > 0 && **n * 10 >= acc.texts * 9)
                .map(|(s, _)| s.to_string());
            let hint = shape.as_deref().and_then(|s| hint_for(s, &path));
            Field {
                types,
                present: acc.present,
                distinct: (!acc.too_many && acc.scalars > 0).then_some(acc.distinct.len()),
                examples: acc.examples,
                text_shape: shape,
                hint,
                path,
            }
        })
        .collect();
    Ok(Inspection {
        file: path.display().to_string(),
        format,
        records,
        sampled,
        unreadable,
        unreadable_examples,
        fields,
    })
}

fn format_name(f: &Format) -> String {
    match f {
        Format::Json => "JSON array".into(),
        Format::Ndjson => "NDJSON".into(),
        Format::Csv {
            delimiter: Some(b'\t'),
        } => "TSV".into(),
        Format::Csv { .. } => "CSV".into(),
        Format::Xml { item } => format!("XML, records are <{item}> elements"),
    }
}

impl Inspection {
    /// A table of the fields, then hints.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let read = if self.sampled {
            format!(
                "the first {} records sampled (the file has more: --all reads everything)",
                self.records + self.unreadable
            )
        } else {
            format!("{} records, all read", self.records + self.unreadable)
        };
        let _ = writeln!(out, "{}: {}, {read}", self.file, format_name(&self.format));
        if self.unreadable > 0 {
            let _ = writeln!(
                out,
                "{} records could not be read: {}",
                self.unreadable,
                self.unreadable_examples.join("; ")
            );
        }
        out.push('\n');
        let rows: Vec<[String; 5]> = self
            .fields
            .iter()
            .map(|f| {
                let total: u64 = f.types.iter().map(|t| t.1).sum();
                let mut types: Vec<String> = f
                    .types
                    .iter()
                    .map(|(k, n)| {
                        if f.types.len() == 1 {
                            k.clone()
                        } else {
                            format!("{k} {}%", percent(*n, total))
                        }
                    })
                    .collect();
                if let Some(s) = &f.text_shape
                    && let Some(first) = types.iter_mut().find(|t| t.starts_with("string"))
                {
                    *first = first.replacen("string", &format!("string ({s})"), 1);
                }
                [
                    f.path.clone(),
                    types.join(", "),
                    format!("{}%", percent(f.present, self.records)),
                    match (f.distinct, f.examples.is_empty()) {
                        (Some(d), _) => d.to_string(),
                        (None, false) => format!(">{DISTINCT_LIMIT}"),
                        (None, true) => String::new(),
                    },
                    f.examples.join(", "),
                ]
            })
            .collect();
        let head = ["path", "types", "present", "distinct", "examples"];
        let mut width = head.map(|h| h.chars().count());
        for r in &rows {
            for (i, c) in r.iter().enumerate().take(4) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String; 5]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i == 4 {
                    s.push_str(c);
                } else if i == 2 || i == 3 {
                    let _ = write!(s, "{c:>w$}  ", w = width[i]);
                } else {
                    let _ = write!(s, "{c:<w$}  ", w = width[i]);
                }
            }
            s.trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(&head.map(String::from)));
        for r in &rows {
            let _ = writeln!(out, "{}", line(r));
        }
        let hints: Vec<&Field> = self.fields.iter().filter(|f| f.hint.is_some()).collect();
        if !hints.is_empty() {
            let _ = writeln!(out, "\nhints:");
            for f in hints {
                let _ = writeln!(
                    out,
                    "  {}: {}: {}",
                    f.path,
                    f.text_shape.as_deref().unwrap_or(""),
                    f.hint.as_deref().unwrap_or("")
                );
            }
        }
        let _ = writeln!(
            out,
            "\npresent: share of records with a value (not null, not empty); distinct: different values (>{DISTINCT_LIMIT}: many)"
        );
        out
    }
}

fn percent(n: u64, total: u64) -> u64 {
    (n * 100 + total / 2).checked_div(total).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(text_shape("1.137,12"), Some("decimal comma"));
        assert_eq!(text_shape("2,000000"), Some("decimal comma"));
        assert_eq!(text_shape("12.5"), Some("number"));
        assert_eq!(text_shape("22/03/2019"), Some("date dd/mm/yyyy"));
        assert_eq!(
            text_shape("22/03/2019 10:30"),
            Some("date dd/mm/yyyy hh:mm")
        );
        assert_eq!(text_shape("/a/b"), Some("URL path"));
        assert_eq!(text_shape("<p>x</p>"), Some("HTML"));
        assert_eq!(text_shape("Felpa, rossa"), None);
        assert_eq!(text_shape("1,2,3"), None);
        assert_eq!(text_shape("1137.12 EUR"), Some("amount with currency"));
        assert_eq!(text_shape("59,90 €"), Some("amount with currency"));
        assert_eq!(text_shape("8001234567890"), Some("digits"));
        assert_eq!(text_shape("0421"), Some("digits"));
        assert_eq!(text_shape("12"), Some("number"));
        // Multi-byte text never panics.
        assert_eq!(text_shape("€€€€€€€€€€€"), None);
        assert_eq!(text_shape("1€/02/2024 x"), None);
    }

    #[test]
    fn field_steps_quote_odd_names() {
        assert_eq!(field_step("codice"), ".codice");
        assert_eq!(field_step("Codice EAN"), ".\"Codice EAN\"");
        assert_eq!(field_step("Vestibilità"), ".\"Vestibilità\"");
    }
}
