//! `clerkmap inspect`: the fields of a source file, so an integrator knows what to map: every
//! path (in the mapping language's syntax: `.a.b`, `."Codice EAN"`, lists as `[*]`), its value
//! types, how many records have a value there and how many have it empty, example values and,
//! for small sets, how many distinct values. A CSV file's columns are all listed, in file
//! order, those empty in every row included. Large files are sampled: only the first records
//! are read (the output says so).
//!
//! The same walk gives `check --input` the paths an input's records have
//! ([`input_fields`]).

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::value::{Value, kind};
use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use crate::check::input_paths::InputFields;
pub use crate::check::input_paths::field_step;
use crate::engine::source::{Chunk, SourceError, SourceReader};
use crate::engine::{Format, Input, Origin};

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
    /// values had each, most frequent first; none for a CSV column empty in every row.
    pub types: Vec<(String, u64)>,
    /// Records in which the path has a value (not null, not an empty string, list or object).
    pub present: u64,
    /// Records in which the path is there but holds no value: null, an empty string, list or
    /// object (a CSV's empty cell). `records - present - empty` records do not have it at all.
    pub empty: u64,
    /// Distinct values (strings, numbers, bools), when there are at most [`DISTINCT_LIMIT`].
    pub distinct: Option<usize>,
    /// Up to three different values it held (strings, numbers, bools; not empty strings), as
    /// JSON values; a text longer than 40 characters is cut, with `…`.
    pub examples: Vec<Value>,
    /// What the text values look like, when most agree: `decimal comma`, `date dd/mm/yyyy`...
    pub text_shape: Option<String>,
    /// How to read it in a mapping, when the text shape calls for a function, or when it is
    /// one value in some records and a list of them in others.
    pub hint: Option<String>,
    /// Whether [`Field::hint`] is about its texts' shape (else about one value or a list).
    #[serde(skip)]
    pub hint_of_shape: bool,
}

/// What [`inspect`] found in a file; [`Inspection::render`] shows it as a table.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The file's path, as given.
    pub file: String,
    /// The format the file was read as, written as `--input-format` takes it: `json`,
    /// `ndjson`, `csv;`, `csv,`, `tsv`, `xml`, `xml:ITEM` (a CSV's delimiter as detected).
    #[serde(serialize_with = "format_as_name")]
    pub format: Format,
    /// A CSV file's delimiter (`;`, `,` or a TAB), as detected or stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Records read.
    pub records: u64,
    /// Whether the file has more records than were read.
    pub sampled: bool,
    /// Records that could not be read, with the first reasons.
    pub unreadable: u64,
    /// Why the first three of them could not be read, each as `line N: why` (`record N` in a
    /// JSON or XML file).
    pub unreadable_examples: Vec<String>,
    /// Every path found: a CSV's columns in file order (those empty in every row included),
    /// otherwise in the order first met.
    pub fields: Vec<Field>,
}

/// The name `--input-format` takes for `f`: `json`, `ndjson`, `csv;`, `tsv`, `xml:ITEM`...
pub fn format_name(f: &Format) -> String {
    f.spec()
}

fn format_as_name<S: Serializer>(f: &Format, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_name(f))
}

#[derive(Default)]
struct Acc {
    types: IndexMap<&'static str, u64>,
    present: u64,
    /// Records in which the path occurs, with a value or not.
    occurs: u64,
    /// The last record that counted towards `present`.
    last_record: u64,
    /// The last record that counted towards `occurs`.
    last_occurrence: u64,
    distinct: HashSet<String>,
    too_many: bool,
    examples: Vec<Value>,
    shapes: IndexMap<&'static str, u64>,
    /// The first text of each shape (the key `None`: of no shape), to show one that a hint's
    /// function would not read.
    first_of_shape: IndexMap<Option<&'static str>, String>,
    texts: u64,
    scalars: u64,
    /// The path this one is inside (`.options` of `.options[*]`), by its index.
    parent: Option<usize>,
}

/// The paths with each one's inner paths right after it, each level in the order first met
/// (a list empty in the first records has its elements' paths under it, not after every path
/// met before its first element).
fn tree_order(fields: IndexMap<String, Acc>) -> Vec<(String, Acc)> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); fields.len()];
    let mut stack = Vec::new();
    for (i, acc) in fields.values().enumerate() {
        match acc.parent.and_then(|p| children.get_mut(p)) {
            Some(siblings) => siblings.push(i),
            None => stack.push(i),
        }
    }
    stack.reverse();
    let mut order = Vec::with_capacity(fields.len());
    while let Some(i) = stack.pop() {
        order.push(i);
        stack.extend(children[i].iter().rev());
    }
    let mut slots: Vec<Option<(String, Acc)>> = fields.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect()
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
        // The day comes first when the first number cannot be a month, the month when the
        // second cannot; a value where both can tells neither (see `date_order`).
        let (first, second) = (
            (b[0] - b'0') * 10 + b[1] - b'0',
            (b[3] - b'0') * 10 + b[4] - b'0',
        );
        let time = b.len() > 10;
        return Some(match (first > 12, second > 12, time) {
            (true, _, false) => DAY_FIRST,
            (true, _, true) => DAY_FIRST_TIME,
            (false, true, false) => MONTH_FIRST,
            (false, true, true) => MONTH_FIRST_TIME,
            (false, false, false) => EITHER_FIRST,
            (false, false, true) => EITHER_FIRST_TIME,
        });
    }
    if b.len() >= 10 && digits(0..4) && b[4] == b'-' && b[7] == b'-' {
        return Some(if has_offset(t) {
            DATE_OFFSET
        } else {
            "date yyyy-mm-dd"
        });
    }
    // RSS and e-mail dates: `Tue, 05 Mar 2024 14:22:10 +0000`
    if (16..=40).contains(&b.len())
        && t.contains(':')
        && chrono::DateTime::parse_from_rfc2822(t).is_ok()
    {
        return Some(DATE_OFFSET);
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

/// Whether a date-time text ends with its offset from UTC: `Z`, `+01:00`, ` +0100`.
fn has_offset(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() < 16 {
        return false;
    }
    if t.ends_with('Z') {
        return true;
    }
    let tail = |n: usize| &b[b.len() - n..];
    let sign = |c: u8| c == b'+' || c == b'-';
    let d = |x: &[u8]| x.iter().all(u8::is_ascii_digit);
    // +hh:mm or +hhmm, after the time
    (sign(tail(6)[0]) && d(&tail(5)[..2]) && tail(3)[0] == b':' && d(tail(2)))
        || (sign(tail(5)[0]) && d(tail(4)) && !tail(6)[0].is_ascii_digit())
}

/// A date and time with its offset from UTC (RFC 3339, `2024-03-05 14:22:10 +0100`, RFC 2822).
const DATE_OFFSET: &str = "date with offset";
const DAY_FIRST: &str = "date dd/mm/yyyy";
const DAY_FIRST_TIME: &str = "date dd/mm/yyyy hh:mm";
const MONTH_FIRST: &str = "date mm/dd/yyyy";
const MONTH_FIRST_TIME: &str = "date mm/dd/yyyy hh:mm";
const EITHER_FIRST: &str = "date dd/mm/yyyy or mm/dd/yyyy";
const EITHER_FIRST_TIME: &str = "date dd/mm/yyyy or mm/dd/yyyy hh:mm";

/// A field's dates written `nn/nn/yyyy` whose day and month no value tells apart count as the
/// order the other values show, when they show one (`01/05/2024` beside `12/31/2024` is
/// month-first); when they show both orders, or none, they stay apart.
fn date_order(shapes: &mut IndexMap<&'static str, u64>) {
    for (either, day, month) in [
        (EITHER_FIRST, DAY_FIRST, MONTH_FIRST),
        (EITHER_FIRST_TIME, DAY_FIRST_TIME, MONTH_FIRST_TIME),
    ] {
        let decided = match (shapes.contains_key(day), shapes.contains_key(month)) {
            (true, false) => day,
            (false, true) => month,
            _ => continue,
        };
        if let Some(n) = shapes.shift_remove(either) {
            *shapes.entry(decided).or_default() += n;
        }
    }
}

fn hint_for(shape: &str, path: &str) -> Option<String> {
    Some(match shape {
        "decimal comma" => format!("`{path} | decimal` reads 1.234,56 as a number"),
        "amount with currency" => {
            format!("`{path} | decimal` reads the number, without the currency")
        }
        "number" => format!("`{path} | decimal` (or `| int`) makes it a number"),
        DAY_FIRST => format!("`{path} | date(\"%d/%m/%Y\")` gives unix seconds"),
        DAY_FIRST_TIME => format!("`{path} | date(\"%d/%m/%Y %H:%M\")` gives unix seconds"),
        MONTH_FIRST => format!("`{path} | date(\"%m/%d/%Y\")` gives unix seconds"),
        MONTH_FIRST_TIME => format!("`{path} | date(\"%m/%d/%Y %H:%M\")` gives unix seconds"),
        EITHER_FIRST => format!(
            "`{path} | date(\"%d/%m/%Y\")` gives unix seconds, or `date(\"%m/%d/%Y\")`: no value read tells whether the day or the month comes first"
        ),
        EITHER_FIRST_TIME => format!(
            "`{path} | date(\"%d/%m/%Y %H:%M\")` gives unix seconds, or `date(\"%m/%d/%Y %H:%M\")`: no value read tells whether the day or the month comes first"
        ),
        "date yyyy-mm-dd" => format!(
            "`{path} | date` gives unix seconds, reading it as Europe/Rome time (`date`'s default zone): for another, `date(\"%Y-%m-%d %H:%M:%S\", \"UTC\")` (or `\"%Y-%m-%d\"` for a date alone)"
        ),
        DATE_OFFSET => format!(
            "`{path} | date` gives unix seconds, the instant its offset says (no time zone to choose)"
        ),
        "URL path" => format!("`{path} | absolute_url(site)` makes it absolute"),
        "HTML" => format!("`{path} | strip_html` gives plain text"),
        _ => return None,
    })
}

/// Whether the function [`hint_for`] offers for a shape rejects a text of another shape
/// (`decimal`, `date`; not `absolute_url` nor `strip_html`).
/// Whether the function of `shape`'s hint reads a text of shape `other` as well: `decimal`
/// reads every shape of number.
fn reads_too(shape: &str, other: &str) -> bool {
    const NUMBERS: [&str; 3] = ["number", "decimal comma", "amount with currency"];
    const DATES: [&str; 2] = ["date yyyy-mm-dd", DATE_OFFSET];
    (NUMBERS.contains(&shape) && NUMBERS.contains(&other))
        || (DATES.contains(&shape) && DATES.contains(&other))
}

fn rejects_others(shape: &str) -> bool {
    !matches!(shape, "URL path" | "HTML")
}

/// An example value: a text longer than 40 characters cut, with `…`.
fn example(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::value::elide(s, 40, "…").into()),
        other => other.clone(),
    }
}

/// An example as the table shows it: compact JSON.
fn shown(v: &Value) -> String {
    v.to_string()
}

/// Whether a value is there but holds nothing.
fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

struct Walker {
    fields: IndexMap<String, Acc>,
    /// Only the paths and their counts are wanted (no value statistics): for
    /// [`input_fields`], before every run.
    paths_only: bool,
}

impl Walker {
    /// Counts `v` at `path` and everything inside it, in the order met (depth first), with a
    /// stack of its own: no recursion, however deep the value.
    fn visit(&mut self, path: String, v: &Value, record: u64) {
        let mut todo: Vec<(String, &Value, Option<usize>)> = vec![(path, v, None)];
        while let Some((path, v, parent)) = todo.pop() {
            let entry = self.fields.entry(path.clone());
            let index = entry.index();
            let acc = entry.or_insert_with(|| Acc {
                parent,
                ..Acc::default()
            });
            *acc.types.entry(kind(v)).or_default() += 1;
            let has_value = !is_empty_value(v);
            if has_value && acc.last_record != record {
                acc.present += 1;
                acc.last_record = record;
            }
            if acc.last_occurrence != record {
                acc.occurs += 1;
                acc.last_occurrence = record;
            }
            match v {
                Value::Object(m) => {
                    // Pushed last first, so that the first is counted first.
                    for (k, x) in m.iter().rev() {
                        todo.push((format!("{path}{}", field_step(k)), x, Some(index)));
                    }
                }
                Value::Array(items) => {
                    let p = format!("{path}[*]");
                    for x in items.iter().rev() {
                        todo.push((p.clone(), x, Some(index)));
                    }
                }
                Value::Null => {}
                _ if self.paths_only => {}
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
            let shape = text_shape(s);
            if let Some(shape) = shape {
                *acc.shapes.entry(shape).or_default() += 1;
            }
            if !acc.first_of_shape.contains_key(&shape) {
                acc.first_of_shape.insert(shape, s.to_string());
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
    let input = Input::file(path.display().to_string(), path).with_format(Some(format));
    inspect_input(&input, limit)
}

/// [`inspect`] for an input of a run (its stated format, else its extension's, and its record
/// size limit).
pub fn inspect_input(input: &Input, limit: Option<usize>) -> Result<Inspection, SourceError> {
    inspect_with(input, limit, false)
}

fn inspect_with(
    input: &Input,
    limit: Option<usize>,
    paths_only: bool,
) -> Result<Inspection, SourceError> {
    let file = input.display();
    let format = input.resolved_format().ok_or_else(|| SourceError {
        file: file.clone(),
        line: None,
        message: "cannot tell the format from the extension: state it".into(),
    })?;
    // A CSV is read with the delimiter detected here, so that the one reported is the one
    // used.
    let format = match format {
        Format::Csv { delimiter: None } => Format::Csv {
            delimiter: detect_delimiter(&input.origin),
        },
        f => f,
    };
    let mut reader = SourceReader::for_input(input, format.clone(), 1024)?;
    let mut w = Walker {
        fields: IndexMap::new(),
        paths_only,
    };
    let mut columns: Option<Vec<String>> = None;
    let mut records = 0u64;
    let mut unreadable = 0u64;
    let mut unreadable_examples = Vec::new();
    let mut sampled = false;
    'read: while let Some(chunk) = reader.next_chunk() {
        let chunk = chunk?;
        if let (None, Chunk::Csv { headers, .. }) = (&columns, &chunk) {
            // Every column, in file order, before any value: also those empty in every row.
            for h in headers.iter() {
                w.fields.entry(field_step(h)).or_default();
            }
            columns = Some(headers.iter().map(|h| field_step(h)).collect());
        }
        for (loc, rec) in chunk.decode() {
            let loc = crate::engine::Loc::new(loc, format.has_lines());
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
                        unreadable_examples.push(format!(
                            "{loc}: not a record but {}",
                            crate::value::elide(&other.to_string(), 40, "…")
                        ));
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
    // A CSV row has every column: an empty cell is a column there without a value.
    if let Some(columns) = &columns {
        for c in columns {
            if let Some(acc) = w.fields.get_mut(c) {
                acc.occurs = records;
            }
        }
    }
    let fields = tree_order(w.fields)
        .into_iter()
        .map(|(p, acc)| field(p, acc))
        .collect();
    let delimiter = match &format {
        Format::Csv { delimiter: Some(d) } => Some((*d as char).to_string()),
        _ => None,
    };
    Ok(Inspection {
        file,
        format,
        delimiter,
        records,
        sampled,
        unreadable,
        unreadable_examples,
        fields,
    })
}

fn field(path: String, acc: Acc) -> Field {
    let mut types: Vec<(String, u64)> = acc
        .types
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
    types.sort_by_key(|t| std::cmp::Reverse(t.1));
    let mut shapes = acc.shapes;
    date_order(&mut shapes);
    let dominant = shapes
        .iter()
        .max_by_key(|(_, n)| **n)
        .filter(|(_, n)| acc.texts > 0 && **n * 10 >= acc.texts * 9)
        .map(|(s, n)| (*s, *n));
    let hint = dominant.and_then(|(shape, n)| {
        let mut hint = hint_for(shape, &path)?;
        // The texts of another shape (or none) that the hint's function does not read: say so,
        // with one of them, when that function rejects them.
        let read_too: u64 = shapes
            .iter()
            .filter(|(s, _)| **s != shape && reads_too(shape, s))
            .map(|(_, n)| n)
            .sum();
        let others = acc.texts - n - read_too;
        let other = shapes
            .keys()
            .filter(|s| **s != shape && !reads_too(shape, s))
            .find_map(|s| acc.first_of_shape.get(&Some(*s)))
            .or_else(|| acc.first_of_shape.get(&None));
        // `decimal` reads "14,90" beside "7.50", with the comma as the decimal mark: right for a
        // price, wrong for "1,299" meant as a thousand (an English export's).
        if let Some(comma) = shapes
            .keys()
            .filter(|s| **s == "decimal comma" && **s != shape && reads_too(shape, s))
            .find_map(|s| acc.first_of_shape.get(&Some(*s)))
        {
            hint = format!(
                "{hint}; it reads {} too, a single comma being the decimal mark (where \"1,299\" means a thousand and more, as in English exports, write `decimal(\"en\")`)",
                Value::String(crate::value::elide(comma, 40, "…").into()),
            );
        }
        Some(match other {
            Some(text) if others > 0 && rejects_others(shape) => format!(
                "{hint}; {} of its {} texts {} not ({}{}) and would be rejected",
                crate::value::count(others),
                crate::value::count(acc.texts),
                if others == 1 { "is" } else { "are" },
                if others == 1 { "" } else { "such as " },
                Value::String(crate::value::elide(text, 40, "…").into()),
            ),
            _ => hint,
        })
    });
    // One value in some records, a list in others (XML: one element or several).
    let one_or_many = types.iter().any(|(t, _)| t == "list")
        && types.iter().any(|(t, _)| t != "list" && t != "null");
    // One or many comes first (a hint about the texts alone would be followed over a list,
    // and reject it); the shape of its texts is said with the hint about them.
    let many = one_or_many.then(|| {
        let single = if types.iter().any(|(t, _)| t == "object") {
            "`[*]` over a single object walks its fields"
        } else {
            "`[*]` over a single value gives `[]`"
        };
        format!(
            "one value in some records, a list of them in others (an XML element once or repeated, or elements of two namespaces with one name, which `--input-format NAME=xmlns` keeps apart): `flatten([{path}])` is always the list; {single}"
        )
    });
    let shape_hint = hint.is_some() && many.is_none();
    let hint = match (many, hint) {
        (Some(many), Some(texts)) => Some(format!("{many}; for each of its texts, {texts}")),
        (many, texts) => many.or(texts),
    };
    let shape = dominant.map(|(s, _)| s.to_string());
    Field {
        hint_of_shape: shape_hint,
        types,
        present: acc.present,
        empty: acc.occurs.saturating_sub(acc.present),
        distinct: (!acc.too_many && acc.scalars > 0).then_some(acc.distinct.len()),
        examples: acc.examples,
        text_shape: shape,
        hint,
        path,
    }
}

/// The paths the records of an input have (the first `limit` records), for
/// [`crate::check::input_warnings`].
pub fn input_fields(input: &Input, limit: Option<usize>) -> Result<InputFields, SourceError> {
    let i = inspect_with(input, limit, true)?;
    Ok(InputFields {
        name: input.name.clone(),
        file: i.file,
        records: i.records,
        sampled: i.sampled,
        texts: text_paths(&i.fields),
        one_or_many: one_or_many_paths(&i.fields),
        format: input
            .format
            .as_ref()
            .map(|f| crate::engine::report::shell_word(&f.spec())),
        paths: i
            .fields
            .into_iter()
            .map(|f| f.path)
            .collect::<BTreeSet<_>>(),
    })
}

/// The fields that are a list in some records and one value in others, with how many had
/// the one value (W010).
pub fn one_or_many_paths(fields: &[Field]) -> Vec<(String, u64)> {
    fields
        .iter()
        .filter_map(|f| {
            let list = f.types.iter().any(|(t, _)| t == "list");
            let single: u64 = f
                .types
                .iter()
                .filter(|(t, _)| t != "list" && t != "null")
                .map(|(_, n)| n)
                .sum();
            (list && single > 0).then(|| (f.path.clone(), single))
        })
        .collect()
}

/// The fields whose every value is a text (or null), with at least one text (W008).
pub fn text_paths(fields: &[Field]) -> BTreeSet<String> {
    fields
        .iter()
        .filter(|f| {
            f.types.iter().any(|(t, _)| t == "string")
                && f.types.iter().all(|(t, _)| t == "string" || t == "null")
        })
        .map(|f| f.path.clone())
        .collect()
}

/// The delimiter of a CSV file, detected as the engine detects it (the one among `;`, `,` and
/// TAB that occurs most in the header line, outside quotes; `,` when none does), from a
/// regular file's first line. `None` for a pipe (the engine then detects it as it reads).
fn detect_delimiter(origin: &Origin) -> Option<u8> {
    let path = origin.path()?;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let f = std::fs::File::open(path).ok()?;
    let mut head = Vec::new();
    BufReader::new(f.take(64 * 1024))
        .read_until(b'\n', &mut head)
        .ok()?;
    Some(delimiter_of(
        head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head),
    ))
}

/// The delimiter of a CSV header line (see [`detect_delimiter`]).
fn delimiter_of(line: &[u8]) -> u8 {
    let mut counts = [(b';', 0usize), (b',', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in line.iter().take_while(|b| **b != b'\n') {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|c| c.0 == b) {
            c.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map_or(b',', |c| c.0)
}

/// How the table names a format.
fn describe_format(f: &Format) -> String {
    match f {
        Format::Json => "JSON array".into(),
        Format::Ndjson => "NDJSON".into(),
        Format::Csv {
            delimiter: Some(b'\t'),
        } => "TSV".into(),
        Format::Csv { delimiter: Some(d) } => format!("CSV with `{}`", *d as char),
        Format::Csv { delimiter: None } => "CSV".into(),
        Format::Xml {
            item,
            qualified: false,
        } => format!("XML, records are <{item}> elements"),
        Format::Xml {
            item,
            qualified: true,
        } => format!("XML, records are <{item}> elements, names keep their namespace prefix"),
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
        let _ = writeln!(
            out,
            "{}: {}, {read}",
            self.file,
            describe_format(&self.format)
        );
        if self.unreadable > 0 {
            let _ = writeln!(
                out,
                "of them, {} could not be read (the table shows the other {}): {}",
                crate::value::count(self.unreadable),
                crate::value::count(self.records),
                self.unreadable_examples.join("; ")
            );
        }
        out.push('\n');
        let rows: Vec<[String; 6]> = self
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
                if types.is_empty() {
                    types.push("-".into());
                }
                [
                    f.path.clone(),
                    types.join(", "),
                    format!("{}%", percent(f.present, self.records)),
                    // So that present + empty + missing make 100% once rounded.
                    format!(
                        "{}%",
                        percent(f.present + f.empty, self.records)
                            - percent(f.present, self.records)
                    ),
                    match (f.distinct, f.examples.is_empty()) {
                        (Some(d), _) => d.to_string(),
                        (None, false) => format!(">{DISTINCT_LIMIT}"),
                        (None, true) => String::new(),
                    },
                    f.examples.iter().map(shown).collect::<Vec<_>>().join(", "),
                ]
            })
            .collect();
        let head = ["path", "types", "present", "empty", "distinct", "examples"];
        let mut width = head.map(|h| h.chars().count());
        for r in &rows {
            for (i, c) in r.iter().enumerate().take(5) {
                width[i] = width[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String; 6]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i == 5 {
                    s.push_str(c);
                } else if (2..=4).contains(&i) {
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
                let shape = match f.text_shape.as_deref() {
                    Some(s) if f.hint_of_shape => format!("{s}: "),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "  {}: {shape}{}",
                    f.path,
                    f.hint.as_deref().unwrap_or("")
                );
            }
        }
        let _ = writeln!(
            out,
            "\npresent: share of records with a value; empty: share with the field but no value (null, \"\", [] or {{}}; an empty CSV cell); distinct: different values (>{DISTINCT_LIMIT}: many)"
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

    /// The field `.p` of records holding `values`.
    fn field_of(values: &[&str]) -> Field {
        let mut w = Walker {
            fields: IndexMap::new(),
            paths_only: false,
        };
        for (i, v) in values.iter().enumerate() {
            w.visit(".p".into(), &Value::String((*v).into()), i as u64 + 1);
        }
        let acc = w.fields.shift_remove(".p").unwrap_or_default();
        field(".p".into(), acc)
    }

    /// Shopify's `2024-03-05 14:22:10 +0100` and RFC 3339 carry their offset: `| date` reads
    /// them as that instant (a trial was told to read them as Europe/Rome time, and given a
    /// format that rejected every one).
    #[test]
    fn a_date_with_its_offset_is_read_by_date_as_it_is() {
        let values = [
            "2024-03-05 14:22:10 +0100",
            "2024-03-05T14:22:10+01:00",
            "2024-03-05T13:22:10Z",
            "2024-03-05 08:22:10 -0500",
            "Tue, 05 Mar 2024 13:22:10 GMT",
        ];
        let hint = field_of(&values).hint.unwrap_or_default();
        assert_eq!(
            hint,
            "`.p | date` gives unix seconds, the instant its offset says (no time zone to choose)"
        );
        let Some(crate::functions::Imp::Reads(date)) =
            crate::functions::get("date").map(|f| &f.imp)
        else {
            panic!("date reads its arguments")
        };
        for v in values {
            assert_eq!(
                date(&[&Value::String(v.into())]),
                Ok(Value::from(1709644930)),
                "{v}"
            );
        }
        // mixed with local dates: `date` reads both, none is counted as rejected
        let hint = field_of(&["2024-03-05 14:22:10 +0100", "2024-03-05"]).hint;
        assert!(!hint.unwrap_or_default().contains("rejected"));
        assert_eq!(other_shape("2024-03-05 14:22:10"), Some("date yyyy-mm-dd"));
        assert_eq!(
            other_shape("2024-03-05 14:22-0100x"),
            Some("date yyyy-mm-dd")
        );
    }

    /// A list empty in the first records has its elements' paths under it (a trial's
    /// `.options[*]...` came after every path met before its first element).
    #[test]
    fn inner_paths_follow_their_path() {
        let mut w = Walker {
            fields: IndexMap::new(),
            paths_only: true,
        };
        let records = [
            crate::json!({"id": 1, "options": [], "at": "x"}),
            crate::json!({"id": 2, "options": [{"group": {"name": "Size"}}], "at": "y", "z": 1}),
        ];
        for (i, r) in records.iter().enumerate() {
            let Value::Object(m) = r else { continue };
            for (k, v) in m {
                w.visit(field_step(k), v, i as u64 + 1);
            }
        }
        let paths: Vec<String> = tree_order(w.fields).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                ".id",
                ".options",
                ".options[*]",
                ".options[*].group",
                ".options[*].group.name",
                ".at",
                ".z"
            ]
        );
    }

    #[test]
    fn a_hint_says_how_many_texts_its_function_would_reject() {
        let mut prices = vec!["49.95"; 12];
        prices.push("[ADD]2.55");
        assert_eq!(
            field_of(&prices).hint.as_deref(),
            Some(
                "`.p | decimal` (or `| int`) makes it a number; 1 of its 13 texts is not (\"[ADD]2.55\") and would be rejected"
            )
        );
        let mut dates = vec!["31/12/2024"; 19];
        dates.extend(["01/02/2024", "soon"]);
        let hint = field_of(&dates).hint.unwrap_or_default();
        assert!(
            hint.ends_with("; 1 of its 21 texts is not (\"soon\") and would be rejected"),
            "{hint}"
        );
        assert_eq!(
            field_of(&["49.95", "1"]).hint.as_deref(),
            Some("`.p | decimal` (or `| int`) makes it a number")
        );
        let iso = field_of(&["2023-04-05 14:22:10", "2024-01-31"]).hint;
        assert!(
            iso.as_deref()
                .is_some_and(|h| h
                    .starts_with("`.p | date` gives unix seconds, reading it as Europe/Rome time")),
            "{iso:?}"
        );
        // `decimal` reads a decimal comma as well: not rejected, but said (a Wix export's
        // "14,90" beside "7.50"), with what reads "1,299" as a thousand
        let mut mixed = vec!["7.50"; 20];
        mixed.extend(["14,90", "[ADD]1"]);
        assert_eq!(
            field_of(&mixed).hint.as_deref(),
            Some(
                "`.p | decimal` (or `| int`) makes it a number; it reads \"14,90\" too, a single comma being the decimal mark (where \"1,299\" means a thousand and more, as in English exports, write `decimal(\"en\")`); 1 of its 22 texts is not (\"[ADD]1\") and would be rejected"
            )
        );
        // one value or a list of them: how to always have the list
        let mut w = Walker {
            fields: IndexMap::new(),
            paths_only: false,
        };
        w.visit(".v".into(), &crate::json!({"e": "1"}), 1);
        w.visit(".v".into(), &crate::json!([{"e": "2"}, {"e": "3"}]), 2);
        let acc = w.fields.shift_remove(".v").unwrap_or_default();
        assert_eq!(
            field(".v".into(), acc).hint.as_deref(),
            Some(
                "one value in some records, a list of them in others (an XML element once or repeated, or elements of two namespaces with one name, which `--input-format NAME=xmlns` keeps apart): `flatten([.v])` is always the list; `[*]` over a single object walks its fields"
            )
        );
        // texts in some records, a list of them in others (WordPress's `.encoded`): one or
        // many first, then what reads each text
        let mut w = Walker {
            fields: IndexMap::new(),
            paths_only: false,
        };
        w.visit(".e".into(), &crate::json!("<p>a</p>"), 1);
        w.visit(".e".into(), &crate::json!(["<p>b</p>", "c"]), 2);
        let acc = w.fields.shift_remove(".e").unwrap_or_default();
        let hint = field(".e".into(), acc).hint.unwrap_or_default();
        assert!(
            hint.starts_with("one value in some records, a list of them in others")
                && hint.ends_with("; for each of its texts, `.e | strip_html` gives plain text"),
            "{hint}"
        );
        // `strip_html` reads any text: nothing to warn of
        let mut html = vec!["<p>a</p>"; 10];
        html.push("plain");
        assert_eq!(
            field_of(&html).hint.as_deref(),
            Some("`.p | strip_html` gives plain text")
        );
    }

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
        // the day or the month first, as the numbers tell
        assert_eq!(text_shape("12/31/2024"), Some("date mm/dd/yyyy"));
        assert_eq!(
            text_shape("12/31/2024 08:00"),
            Some("date mm/dd/yyyy hh:mm")
        );
        assert_eq!(
            text_shape("01/02/2024"),
            Some("date dd/mm/yyyy or mm/dd/yyyy")
        );
        let mut shapes: IndexMap<&str, u64> = [(MONTH_FIRST, 2), (EITHER_FIRST, 5)].into();
        date_order(&mut shapes);
        assert_eq!(shapes, IndexMap::from([(MONTH_FIRST, 7)]));
        let mut both: IndexMap<&str, u64> =
            [(MONTH_FIRST, 1), (DAY_FIRST, 1), (EITHER_FIRST, 5)].into();
        date_order(&mut both);
        assert_eq!(both.get(EITHER_FIRST), Some(&5), "both orders: undecided");
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

    /// The header row of a CSV file read with `delimiter` (`None`: the engine detects it).
    fn headers(path: &Path, delimiter: Option<u8>) -> Vec<String> {
        let origin = Origin::file(path.to_path_buf());
        let mut r = SourceReader::open(&origin, Format::Csv { delimiter }, 8)
            .unwrap_or_else(|e| panic!("{e}"));
        match r.next_chunk() {
            Some(Ok(Chunk::Csv { headers, .. })) => headers.to_vec(),
            _ => panic!("no CSV chunk"),
        }
    }

    #[test]
    fn the_delimiter_is_the_one_the_engine_detects() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for (i, head) in [
            "a;b;c",
            "a,b,c",
            "a\tb\tc",
            "\"x;y\",b,c",
            "a;b,c",
            "a,b;c",
            "a;b\tc",
            "solo",
            "\u{feff}a;b",
        ]
        .iter()
        .enumerate()
        {
            let p = dir.path().join(format!("{i}.csv"));
            std::fs::write(&p, format!("{head}\n1;2;3\n")).unwrap_or_else(|e| panic!("{e}"));
            let detected = detect_delimiter(&Origin::file(p.clone()));
            assert!(detected.is_some(), "{head}");
            assert_eq!(headers(&p, detected), headers(&p, None), "{head:?}");
        }
        assert_eq!(delimiter_of(b"a;b;c,d"), b';');
        assert_eq!(delimiter_of(b"a;b,c,d\tx"), b',');
        assert_eq!(
            delimiter_of(b"a;b\tc"),
            b'\t',
            "ties go to the last, as in the engine"
        );
    }

    #[test]
    fn field_steps_quote_odd_names() {
        assert_eq!(field_step("codice"), ".codice");
        assert_eq!(field_step("Codice EAN"), ".\"Codice EAN\"");
        assert_eq!(field_step("Vestibilità"), ".\"Vestibilità\"");
    }
}
