//! The record paths a mapping reads, looked for in its inputs before a run (W003). A run only
//! needs to know which of its own paths no record has, so the records are read until every one
//! has been seen, usually within the first few, and each record only where a path is wanted;
//! `inspect`'s full census of every path of every record (types, shares, examples) is taken
//! only when a path is missing, for the "did you mean" of its warning.

use std::collections::{BTreeSet, HashSet};

use crate::value::Value;

use super::inspect::input_fields;
use crate::check::input_paths::{EACH, FILTERED, INDEXED, InputFields, field_step, split_steps};
use crate::engine::Input;
use crate::engine::source::{Chunk, SourceError, SourceReader};

/// The paths of `wanted` (patterns of the mapping, in `inspect`'s notation with its element
/// steps told apart: `.a.b[?].c`) found in the first `limit` records of `input` (all with
/// `None`), with the input's other paths too when one of `wanted` is in none of them (as
/// [`input_fields`] finds them).
pub fn paths_present(
    input: &Input,
    wanted: &BTreeSet<String>,
    limit: Option<usize>,
) -> Result<InputFields, SourceError> {
    let file = input.display();
    let Some(format) = input.resolved_format() else {
        return input_fields(input, limit);
    };
    // Every step-prefix of a wanted path: a record is walked only along them (from the record
    // itself, `""`).
    let mut prefixes: HashSet<String> = HashSet::from([String::new()]);
    for p in wanted {
        let mut prefix = String::new();
        for step in split_steps(p) {
            prefix.push_str(&step);
            prefixes.insert(prefix.clone());
        }
    }
    let mut missing: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    // Small chunks: a chunk is decoded whole, and the paths are usually all seen in the first
    // few records (decoding 1,024 whole Passweb articles took 74 M instructions, on the main
    // thread, before the run starts).
    let mut reader = SourceReader::for_input(input, format, 32)?;
    let mut records = 0u64;
    let mut sampled = false;
    // A CSV's columns hold texts (W008); other formats' value types are known only from
    // the full census below.
    let mut texts = BTreeSet::new();
    'read: while let Some(chunk) = reader.next_chunk() {
        let chunk = chunk?;
        if let Chunk::Csv { headers, .. } = &chunk {
            // A column is a path even where every cell is empty, as `inspect` counts it.
            for h in headers.iter() {
                missing.remove(field_step(h).as_str());
                texts.insert(field_step(h));
            }
        }
        for (_, rec) in chunk.decode() {
            // (one record at least, so that a CSV whose header has every path is not said
            // to hold no record)
            if (missing.is_empty() && records > 0) || limit.is_some_and(|l| records >= l as u64) {
                sampled = true;
                break 'read;
            }
            if let Ok(record @ Value::Object(_)) = rec {
                records += 1;
                seen(String::new(), &record, &prefixes, &mut missing);
            }
        }
    }
    if !missing.is_empty() {
        return input_fields(input, limit);
    }
    Ok(InputFields {
        name: input.name.clone(),
        file,
        records,
        sampled,
        paths: wanted.clone(),
        texts,
        one_or_many: Vec::new(),
        format: input
            .format
            .as_ref()
            .map(|f| crate::engine::report::shell_word(&f.spec())),
    })
}

/// Marks the wanted paths at `path` and below it (in `v`) as found, going only where a wanted
/// path leads; a stack of its own, no recursion. The wanted paths are patterns
/// ([`crate::check::input_paths::PathUse::pattern`]): `[*]` is reached through a list's
/// elements and an object's values, `[?]` through a list's elements and through a value that is
/// not a list (itself), `[#]` through a list's elements only.
fn seen(path: String, v: &Value, prefixes: &HashSet<String>, missing: &mut BTreeSet<&str>) {
    let mut todo: Vec<(String, &Value)> = vec![(path, v)];
    while let Some((path, v)) = todo.pop() {
        if !prefixes.contains(&path) {
            continue;
        }
        missing.remove(path.as_str());
        let wanted = |step: &str| Some(format!("{path}{step}")).filter(|p| prefixes.contains(p));
        match v {
            Value::Array(items) => {
                for step in [EACH, FILTERED, INDEXED] {
                    if let Some(p) = wanted(step) {
                        todo.extend(items.iter().map(|x| (p.clone(), x)));
                    }
                }
            }
            _ => {
                if let Some(p) = wanted(FILTERED) {
                    todo.push((p, v));
                }
                if let Value::Object(m) = v {
                    if let Some(p) = wanted(EACH) {
                        todo.extend(m.values().map(|x| (p.clone(), x)));
                    }
                    for (k, x) in m {
                        todo.push((format!("{path}{}", field_step(k)), x));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Input;

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn memory(name: &str, text: &str) -> Input {
        Input::memory("src", name, text.as_bytes().to_vec())
    }

    #[test]
    fn found_paths_stop_the_reading_and_a_missing_one_takes_the_full_census() {
        let text = "{\"a\":{\"b\":[{\"c\":1}]},\"odd name\":null}\n{\"z\":2}\n{\"y\":3}\n";
        let input = memory("x.ndjson", text);
        let wanted = set(&[".a.b[*].c", ".\"odd name\"", ".a"]);
        let f = paths_present(&input, &wanted, None).unwrap_or_default();
        assert_eq!(f.paths, wanted);
        assert_eq!(
            (f.records, f.sampled),
            (1, true),
            "stops after the first record"
        );
        // `.a.q` is in no record: every path of every record, for the hint.
        let f = paths_present(&input, &set(&[".a.q", ".z"]), None).unwrap_or_default();
        assert!(
            f.paths.contains(".y") && f.paths.contains(".a.b[*].c"),
            "{:?}",
            f.paths
        );
        assert!(!f.paths.contains(".a.q"));
        assert_eq!((f.records, f.sampled), (3, false));
    }

    #[test]
    fn an_object_is_walked_through_its_values_and_a_filter_through_the_value_itself() {
        let text = "{\"labels\":{\"en\":\"A\",\"it\":{\"x\":1}},\"one\":{\"k\":1},\"l\":[{\"k\":2}]}\n{\"z\":1}\n";
        let input = memory("x.ndjson", text);
        let wanted = set(&[
            ".labels[*]",
            ".labels[*].x",
            ".one[?].k",
            ".l[?].k",
            ".l[#].k",
        ]);
        let f = paths_present(&input, &wanted, None).unwrap_or_default();
        assert_eq!(f.paths, wanted);
        assert_eq!(
            (f.records, f.sampled),
            (1, true),
            "found in the first record"
        );
        // An index takes the elements of a list only: the census is taken.
        let f = paths_present(&input, &set(&[".labels[#]"]), None).unwrap_or_default();
        assert!(!f.has(".labels[#]") && f.has(".labels[*]"), "{:?}", f.paths);
        assert_eq!((f.records, f.sampled), (2, false));
    }

    #[test]
    fn a_csv_column_counts_even_when_empty_everywhere() {
        let input = memory("x.csv", "id,Empty col\n1,\n2,\n");
        let wanted = set(&[".id", ".\"Empty col\""]);
        let f = paths_present(&input, &wanted, None).unwrap_or_default();
        assert_eq!(f.paths, wanted);
    }
}
