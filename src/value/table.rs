//! Lookup tables: a source loaded once, indexed by key (and optionally by parent key), and
//! shared read-only by every worker thread.

use foldhash::HashMap;

use crate::value::Value;

/// The string form of a lookup key: strings as they are, integers in decimal, anything else
/// is not a key.
pub fn key_string(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match v {
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            Some(std::borrow::Cow::Owned(n.to_string()))
        }
        _ => None,
    }
}

/// One indexed source. Rows keep their input order.
#[derive(Debug, Default)]
pub struct Table {
    name: String,
    rows: Vec<Value>,
    keys: Vec<String>,
    by_key: HashMap<String, usize>,
    /// Parent key of each row (empty = root), when the table declares a parent field.
    parents: Option<Vec<Option<String>>>,
    children: HashMap<String, Vec<usize>>,
    /// Whether every key was an integer in the source (keys given back are then integers).
    int_keys: bool,
    /// The rows after the first of a repeated key, in input order (kept by
    /// [`Table::build_all`] only).
    more: HashMap<String, Vec<Value>>,
    /// The rows in `more`.
    more_len: usize,
}

/// A problem found while indexing a table (duplicate keys, missing keys, unknown parents).
#[derive(Debug, Clone, PartialEq)]
pub struct TableWarning {
    /// The row's position among the entries given to [`Table::build`], from 1 (rows the loader
    /// already left out are not counted, so it is not always the input's line).
    pub row: usize,
    /// What is wrong, naming the table, the same for every row with this problem:
    /// "duplicate key in `categorie`: the first row is kept".
    pub message: String,
    /// What is particular to this row: "key `A1`".
    pub detail: Option<String>,
}

impl Table {
    /// Builds a table from `(key, parent, row)` triples. A row without a key cannot be looked up
    /// and is reported; a duplicate key keeps the first row and is reported.
    pub fn build(
        name: impl Into<String>,
        entries: Vec<(Option<String>, Option<String>, Value)>,
        hierarchical: bool,
    ) -> (Table, Vec<TableWarning>) {
        Table::build_all(name, entries, hierarchical, false)
    }

    /// [`Table::build`]; with `keep_all`, the later rows of a repeated key are kept too (for
    /// [`Table::get_all`]) and not reported: the first row is still the one [`Table::get`]
    /// gives and the one the hierarchy uses.
    pub fn build_all(
        name: impl Into<String>,
        entries: Vec<(Option<String>, Option<String>, Value)>,
        hierarchical: bool,
        keep_all: bool,
    ) -> (Table, Vec<TableWarning>) {
        let mut t = Table {
            name: name.into(),
            parents: hierarchical.then(Vec::new),
            ..Table::default()
        };
        let mut warnings = Vec::new();
        // The entry each kept row came from, to name it in a warning.
        let mut entry_of = Vec::new();
        for (i, (key, parent, row)) in entries.into_iter().enumerate() {
            let Some(key) = key.filter(|k| !k.is_empty()) else {
                warnings.push(TableWarning {
                    row: i + 1,
                    message: format!("a row of `{}` has no key: it cannot be looked up", t.name),
                    detail: None,
                });
                continue;
            };
            if t.by_key.contains_key(&key) && keep_all {
                t.more.entry(key).or_default().push(row);
                t.more_len += 1;
                continue;
            }
            if t.by_key.contains_key(&key) {
                warnings.push(TableWarning {
                    row: i + 1,
                    message: format!("duplicate key in `{}`: the first row is kept", t.name),
                    detail: Some(format!("key `{key}`")),
                });
                continue;
            }
            let idx = t.rows.len();
            entry_of.push(i + 1);
            t.by_key.insert(key.clone(), idx);
            t.keys.push(key);
            t.rows.push(row);
            if let Some(parents) = t.parents.as_mut() {
                parents.push(parent.filter(|p| !p.is_empty()));
            }
        }
        if let Some(parents) = &t.parents {
            for (idx, parent) in parents.iter().enumerate() {
                if let Some(p) = parent {
                    if !t.by_key.contains_key(p) {
                        warnings.push(TableWarning {
                            row: entry_of[idx],
                            message: format!(
                                "a row of `{}` names a parent that is not in the table",
                                t.name
                            ),
                            detail: Some(format!("`{}` names parent `{p}`", t.keys[idx])),
                        });
                    }
                    t.children.entry(p.clone()).or_default().push(idx);
                }
            }
        }
        (t, warnings)
    }

    /// Declares that the source's keys are integers, so keys handed back (ancestors,
    /// children) are integers too, matching an integer-id feed.
    pub fn set_int_keys(&mut self, int_keys: bool) {
        self.int_keys = int_keys;
    }

    /// A key as a value: an integer when the table's keys are integers, else a string.
    pub fn key_value(&self, key: &str) -> Value {
        if self.int_keys
            && let Ok(i) = key.parse::<i64>()
        {
            return Value::from(i);
        }
        Value::String(key.into())
    }

    /// The table's name, as its `lookup` declaration gives it (also the input its rows come
    /// from); messages name the table by it.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Rows kept: one per distinct key (keyless rows and duplicates are not counted).
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// Whether no row was kept (an `optional` table without its input, or one no running
    /// block needs, is empty).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    /// Whether a row is stored under `key` (a key in its string form, see [`key_string`]).
    pub fn contains(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }
    /// The row stored under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.by_key.get(key).map(|&i| &self.rows[i])
    }
    /// Every row stored under `key`, in input order (only the first one unless the table was
    /// built with `keep_all`).
    pub fn get_all(&self, key: &str) -> impl Iterator<Item = &Value> {
        self.get(key)
            .into_iter()
            .chain(self.more.get(key).into_iter().flatten())
    }
    /// Rows stored, the later rows of repeated keys included (see [`Table::build_all`]).
    pub fn rows_stored(&self) -> usize {
        self.rows.len() + self.more_len
    }
    /// Whether the table was declared with a parent field.
    pub fn is_hierarchical(&self) -> bool {
        self.parents.is_some()
    }
    /// The parent key of `key`, if the table is hierarchical and `key` has one.
    pub fn parent(&self, key: &str) -> Option<&str> {
        let parents = self.parents.as_ref()?;
        let idx = *self.by_key.get(key)?;
        parents[idx].as_deref()
    }
    /// The keys of the immediate children of `key`, in table order.
    pub fn children(&self, key: &str) -> impl Iterator<Item = &str> {
        self.children
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| self.keys[i].as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn cats() -> (Table, Vec<TableWarning>) {
        let rows = [
            ("A", ""),
            ("A.B", "A"),
            ("A.B.C", "A.B"),
            ("A.B", "A"),
            ("Z", "Q"),
        ];
        Table::build(
            "cats",
            rows.iter()
                .map(|(k, p)| {
                    (
                        Some(k.to_string()),
                        Some(p.to_string()),
                        json!({"codice": k}),
                    )
                })
                .collect(),
            true,
        )
    }

    #[test]
    fn indexes_keys_parents_and_children() {
        let (t, warnings) = cats();
        assert_eq!(t.len(), 4);
        assert_eq!(t.parent("A.B.C"), Some("A.B"));
        assert_eq!(t.parent("A"), None);
        assert_eq!(t.children("A").collect::<Vec<_>>(), vec!["A.B"]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].message.contains("duplicate key in"));
        assert_eq!(warnings[0].detail.as_deref(), Some("key `A.B`"));
        assert!(
            warnings[1]
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("parent `Q`"))
        );
    }

    #[test]
    fn every_row_of_a_key_is_kept_when_asked() {
        let entries = |rows: &[(&str, i64)]| {
            rows.iter()
                .map(|(k, n)| (Some(k.to_string()), None, json!({"k": k, "n": n})))
                .collect()
        };
        let rows = [("A", 1), ("B", 2), ("A", 3), ("A", 4)];
        let (t, warnings) = Table::build_all("t", entries(&rows), false, true);
        assert!(warnings.is_empty(), "{warnings:?}");
        let ns: Vec<&Value> = t.get_all("A").map(|r| &r["n"]).collect();
        assert_eq!(ns, [&json!(1), &json!(3), &json!(4)]);
        assert_eq!(t.get("A"), Some(&json!({"k": "A", "n": 1})));
        assert_eq!((t.len(), t.rows_stored()), (2, 4));
        assert_eq!(t.get_all("Z").count(), 0);
        let (t, warnings) = Table::build("t", entries(&rows), false);
        assert_eq!((t.get_all("A").count(), warnings.len()), (1, 2));
    }

    #[test]
    fn integer_keys_have_a_string_form() {
        assert_eq!(key_string(&json!(1001)).as_deref(), Some("1001"));
        assert_eq!(key_string(&json!(1.5)), None);
    }
}
