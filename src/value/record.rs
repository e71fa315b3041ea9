//! A mapped record: its attributes in the order the mapping gave them, each name once.
//!
//! A mapped record is built once, checked once and serialised once, and has a few dozen
//! attributes at most: a vector of pairs found by comparing names does all of that with no
//! hashing and without the index a big [`Map`](super::Map) keeps.

use crate::value::{Map, Str, Value};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// A mapped record: attributes in order, each name once. Serialises as a JSON object, its
/// attributes in this order (the same bytes as the [`Map`] of [`Record::into_map`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    fields: Vec<(Str, Value)>,
}

impl Record {
    /// Appends the record's compact JSON text to `out`: the bytes serde_json writes for it.
    ///
    /// ```
    /// # use clerkmap::{json, value::Record};
    /// let r: Record = [("id", json!("A1")), ("price", json!(9.5))].into_iter().collect();
    /// let mut out = Vec::new();
    /// r.write_json(&mut out);
    /// assert_eq!(out, br#"{"id":"A1","price":9.5}"#);
    /// ```
    pub fn write_json(&self, out: &mut Vec<u8>) {
        super::write::write_object(out, self.fields.iter().map(|(k, v)| (k, v)));
    }

    /// An empty record with room for `n` attributes.
    pub fn with_capacity(n: usize) -> Record {
        Record {
            fields: Vec::with_capacity(n),
        }
    }

    /// The value of attribute `name`.
    ///
    /// ```
    /// # use clerkmap::value::Record;
    /// # use clerkmap::json;
    /// let mut r = Record::default();
    /// r.insert_new("id", json!(7));
    /// assert_eq!(r.get("id"), Some(&json!(7)));
    /// assert_eq!(r.get("name"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(k, _)| super::same_name(k, name))
            .map(|(_, v)| v)
    }

    /// Whether the record has attribute `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| super::same_name(k, name))
    }

    /// Adds attribute `name` at the end, unless the record has it already (then the record is
    /// unchanged and `false` is returned).
    ///
    /// ```
    /// # use clerkmap::value::Record;
    /// # use clerkmap::json;
    /// let mut r = Record::default();
    /// assert!(r.insert_new("a", json!(1)));
    /// assert!(!r.insert_new("a", json!(2)));
    /// assert_eq!(r.get("a"), Some(&json!(1)));
    /// ```
    pub fn insert_new(&mut self, name: impl Into<Str>, value: Value) -> bool {
        let name = name.into();
        if self.contains_key(&name) {
            return false;
        }
        self.fields.push((name, value));
        true
    }

    /// Adds attribute `name` at the end, the caller knowing the record does not have it (the
    /// checker refuses a mapping that assigns an attribute twice).
    pub(crate) fn push_unique(&mut self, name: Str, value: Value) {
        debug_assert!(!self.contains_key(&name), "attribute `{name}` twice");
        self.fields.push((name, value));
    }

    /// Keeps the attributes for which `keep` holds, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &mut Value) -> bool) {
        self.fields.retain_mut(|(k, v)| keep(k, v));
    }

    /// The attributes, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Str, &Value)> {
        self.fields.iter().map(|(k, v)| (k, v))
    }

    /// The attributes, in order, their values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Str, &mut Value)> {
        self.fields.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The attributes' values, in order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.fields.iter().map(|(_, v)| v)
    }

    /// How many attributes the record has.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the record has no attribute.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The record as a JSON object, attributes in order.
    pub fn into_map(self) -> Map {
        self.fields.into_iter().collect()
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len()))?;
        for (k, v) in &self.fields {
            map.serialize_entry(k.as_str(), v)?;
        }
        map.end()
    }
}

impl<K: Into<Str>> FromIterator<(K, Value)> for Record {
    /// A record of these attributes; a name given twice keeps its first value.
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(items: I) -> Record {
        let mut r = Record::default();
        for (k, v) in items {
            r.insert_new(k, v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn serialises_like_the_map_it_stands_for() {
        let r: Record = [
            ("id".to_string(), json!("A\"1")),
            ("price".to_string(), json!(1.5)),
            ("tags".to_string(), json!(["x", null, {"k": 1}])),
            ("name".to_string(), json!("é\n")),
        ]
        .into_iter()
        .collect();
        let bytes = serde_json::to_vec(&r).expect("serialises");
        assert_eq!(
            bytes,
            serde_json::to_vec(&r.clone().into_map()).expect("serialises")
        );
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            r#"{"id":"A\"1","price":1.5,"tags":["x",null,{"k":1}],"name":"é\n"}"#
        );
    }

    #[test]
    fn keeps_order_and_first_values_and_retains() {
        let mut r: Record = [
            ("b".to_string(), json!(1)),
            ("a".to_string(), json!(2)),
            ("b".to_string(), json!(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(r.len(), 2);
        assert_eq!(
            r.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(r.get("b"), Some(&json!(1)));
        r.retain(|k, _| k != "b");
        assert_eq!(
            r.into_map(),
            json!({"a": 2}).as_object().cloned().unwrap_or_default()
        );
    }
}
