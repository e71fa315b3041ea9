//! An object's fields: a vector of pairs in the order they were read or built.
//!
//! Records are made of small objects (a few to a few dozen fields) that are built once, read a
//! few times and dropped: a vector found by comparing names does that with one allocation and no
//! hashing, where an `IndexMap` pays a hash table and SipHash for each. An object with more than
//! [`INDEXED`] fields also gets an index by name, so a big object (thousands of attributes in a
//! user's export) never makes a lookup or a decoder's duplicate check quadratic.
//!
//! The behaviour is `serde_json::Map`'s with `preserve_order`, which this type replaced: fields
//! keep their insertion order, `insert` on a present name replaces the value in place, `remove`
//! moves the last field into the removed one's place (`shift_remove` keeps the order), and two
//! maps are equal when they have the same fields whatever their order.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use std::sync::atomic::{AtomicU32, Ordering};

use foldhash::fast::RandomState;

use super::{Str, Value};

/// Above this many fields a map keeps an index by name (below, comparing names in order is
/// faster than hashing one).
pub const INDEXED: usize = 16;

/// An object's fields, in the order they were read or built, each name once.
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(Str, Value)>,
    /// Position of each name, kept only above [`INDEXED`] fields. Boxed so that a map (and a
    /// [`Value`]) stays small: most maps never have one.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Str, usize, RandomState>>>,
}

/// Where a lookup last found its field (see [`Map::get_hinted`]): shared by the threads that run
/// one plan, read and written without ordering (a stale hint only costs the usual search).
#[derive(Default)]
pub struct Hint(AtomicU32);

impl fmt::Debug for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hint")
    }
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map::default()
    }

    /// An empty map with room for `n` fields.
    pub fn with_capacity(n: usize) -> Map {
        Map {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no field.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every field.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name).copied(),
            None => self
                .entries
                .iter()
                .position(|(k, _)| super::same_name(k, name)),
        }
    }

    /// The value of field `name`, looked for first where `hint` says the last lookup through it
    /// found it: records of one export mostly have their fields in the same order, so a path of
    /// the plan finds each field at once instead of comparing names from the first.
    ///
    /// ```
    /// # use clerkmap::{json, value::Hint};
    /// let hint = Hint::default();
    /// let (a, b) = (json!({"x": 1, "y": 2}), json!({"x": 3, "y": 4}));
    /// assert_eq!(a.as_object().and_then(|m| m.get_hinted("y", &hint)), Some(&json!(2)));
    /// assert_eq!(b.as_object().and_then(|m| m.get_hinted("y", &hint)), Some(&json!(4)));
    /// let c = json!({"y": 5});
    /// assert_eq!(c.as_object().and_then(|m| m.get_hinted("y", &hint)), Some(&json!(5)));
    /// assert_eq!(c.as_object().and_then(|m| m.get_hinted("x", &hint)), None);
    /// ```
    #[inline]
    pub fn get_hinted(&self, name: &str, hint: &Hint) -> Option<&Value> {
        let at = hint.0.load(Ordering::Relaxed) as usize;
        if let Some((k, v)) = self.entries.get(at)
            && super::same_name(k, name)
        {
            return Some(v);
        }
        let found = self.position(name)?;
        hint.0.store(found as u32, Ordering::Relaxed);
        Some(&self.entries[found].1)
    }

    /// The value of field `name`.
    ///
    /// ```
    /// # use clerkmap::json;
    /// let v = json!({"a": 1, "b": 2});
    /// assert_eq!(v.as_object().and_then(|m| m.get("b")), Some(&json!(2)));
    /// ```
    #[inline]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|i| &self.entries[i].1)
    }

    /// The value of field `name`, mutable.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.position(name).map(move |i| &mut self.entries[i].1)
    }

    /// Whether the map has field `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Sets field `name`: a present field keeps its place and its old value is returned; a new
    /// one goes at the end.
    ///
    /// ```
    /// # use clerkmap::{json, value::Map};
    /// let mut m = Map::new();
    /// assert_eq!(m.insert("a", json!(1)), None);
    /// m.insert("b", json!(2));
    /// assert_eq!(m.insert("a", json!(3)), Some(json!(1)));
    /// assert_eq!(clerkmap::value::Value::Object(m).to_string(), r#"{"a":3,"b":2}"#);
    /// ```
    pub fn insert(&mut self, name: impl Into<Str>, value: Value) -> Option<Value> {
        let name = name.into();
        match self.position(&name) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.push_new(name, value);
                None
            }
        }
    }

    /// Adds a field at the end, the caller knowing the map does not have it (the record
    /// decoder, which tracks the names it has seen).
    pub(crate) fn push_unique(&mut self, name: Str, value: Value) {
        debug_assert!(!self.contains_key(&name), "field `{name}` twice");
        self.push_new(name, value);
    }

    /// The map of `entries`, the caller knowing that no name is in it twice (the record
    /// decoder, which checks).
    pub(crate) fn from_unique(entries: Vec<(Str, Value)>) -> Map {
        let mut m = Map {
            entries,
            index: None,
        };
        m.reindex();
        m
    }

    /// Adds a field the map does not have, at the end.
    fn push_new(&mut self, name: Str, value: Value) {
        let at = self.entries.len();
        if let Some(index) = &mut self.index {
            index.insert(name.clone(), at);
        }
        self.entries.push((name, value));
        if self.index.is_none() && self.entries.len() > INDEXED {
            self.reindex();
        }
    }

    fn reindex(&mut self) {
        if self.entries.len() <= INDEXED {
            self.index = None;
            return;
        }
        let mut index =
            HashMap::with_capacity_and_hasher(self.entries.len(), RandomState::default());
        for (i, (k, _)) in self.entries.iter().enumerate() {
            index.insert(k.clone(), i);
        }
        self.index = Some(Box::new(index));
    }

    /// Removes field `name`, the last field taking its place (as `serde_json::Map::remove`
    /// does with `preserve_order`); see [`Map::shift_remove`] to keep the order.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.position(name)?;
        let (_, v) = self.entries.swap_remove(i);
        self.reindex();
        Some(v)
    }

    /// Removes field `name`, the fields after it moving up one place.
    ///
    /// ```
    /// # use clerkmap::json;
    /// let mut v = json!({"a": 1, "b": 2, "c": 3});
    /// let m = v.as_object_mut().unwrap();
    /// assert_eq!(m.shift_remove("a"), Some(json!(1)));
    /// assert_eq!(v.to_string(), r#"{"b":2,"c":3}"#);
    /// ```
    pub fn shift_remove(&mut self, name: &str) -> Option<Value> {
        let i = self.position(name)?;
        let (_, v) = self.entries.remove(i);
        self.reindex();
        Some(v)
    }

    /// Keeps the fields for which `keep` holds, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Str, &mut Value) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before {
            self.reindex();
        }
    }

    /// The entry of field `name`, to read, set or insert it.
    pub fn entry(&mut self, name: impl Into<Str>) -> Entry<'_> {
        let name = name.into();
        match self.position(&name) {
            Some(i) => Entry::Occupied(OccupiedEntry { map: self, at: i }),
            None => Entry::Vacant(VacantEntry { map: self, name }),
        }
    }

    /// The fields, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The fields, in order, their values mutable.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// The names, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Str> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values, in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values, in order, mutable.
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The values, in order, taken out of the map.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Equal when both have the same fields with equal values, in any order.
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| v == w))
    }
}

impl Eq for Map {}

/// Hashes the fields in name order, so that equal maps hash alike whatever their order.
impl Hash for Map {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut kv: Vec<&(Str, Value)> = self.entries.iter().collect();
        kv.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (k, v) in kv {
            k.hash(state);
            v.hash(state);
        }
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;

    /// The value of field `name`; `null` when there is none.
    fn index(&self, name: &str) -> &Value {
        self.get(name).unwrap_or(&Value::Null)
    }
}

impl<K: Into<Str>, V: Into<Value>> FromIterator<(K, V)> for Map {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Map {
        let iter = iter.into_iter();
        let mut m = Map::with_capacity(iter.size_hint().0);
        m.extend(iter);
        m
    }
}

impl<K: Into<Str>, V: Into<Value>> Extend<(K, V)> for Map {
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        for (k, v) in iter {
            self.insert(k, v.into());
        }
    }
}

impl IntoIterator for Map {
    type Item = (Str, Value);
    type IntoIter = std::vec::IntoIter<(Str, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Str, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a Str, &'a mut Value);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

/// The fields of a [`Map`], in order.
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, (Str, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a Str, &'a Value);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// The fields of a [`Map`], in order, their values mutable.
#[derive(Debug)]
pub struct IterMut<'a>(std::slice::IterMut<'a, (Str, Value)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a Str, &'a mut Value);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&*k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (&*k, v))
    }
}

impl ExactSizeIterator for IterMut<'_> {}

/// A field of a [`Map`], present or not: [`Map::entry`].
pub enum Entry<'a> {
    /// The map has no such field.
    Vacant(VacantEntry<'a>),
    /// The map has the field.
    Occupied(OccupiedEntry<'a>),
}

/// A field a [`Map`] does not have.
pub struct VacantEntry<'a> {
    map: &'a mut Map,
    name: Str,
}

/// A field a [`Map`] has.
pub struct OccupiedEntry<'a> {
    map: &'a mut Map,
    at: usize,
}

impl<'a> Entry<'a> {
    /// The field's value, inserted as `default` when missing.
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default),
            Entry::Occupied(e) => e.into_mut(),
        }
    }

    /// The field's value, inserted as `default()` when missing.
    pub fn or_insert_with(self, default: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default()),
            Entry::Occupied(e) => e.into_mut(),
        }
    }

    /// The field's name.
    pub fn key(&self) -> &Str {
        match self {
            Entry::Vacant(e) => &e.name,
            Entry::Occupied(e) => &e.map.entries[e.at].0,
        }
    }
}

impl<'a> VacantEntry<'a> {
    /// Adds the field at the end of the map, with `value`.
    pub fn insert(self, value: Value) -> &'a mut Value {
        let at = self.map.entries.len();
        self.map.push_new(self.name, value);
        &mut self.map.entries[at].1
    }

    /// The field's name.
    pub fn key(&self) -> &Str {
        &self.name
    }
}

impl<'a> OccupiedEntry<'a> {
    /// The field's value.
    pub fn get(&self) -> &Value {
        &self.map.entries[self.at].1
    }

    /// The field's value, mutable.
    pub fn get_mut(&mut self) -> &mut Value {
        &mut self.map.entries[self.at].1
    }

    /// The field's value, mutable for as long as the map is borrowed.
    pub fn into_mut(self) -> &'a mut Value {
        &mut self.map.entries[self.at].1
    }

    /// Sets the field's value, returning the old one.
    pub fn insert(&mut self, value: Value) -> Value {
        std::mem::replace(self.get_mut(), value)
    }

    /// The field's name.
    pub fn key(&self) -> &Str {
        &self.map.entries[self.at].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn big(n: usize) -> Map {
        (0..n).map(|i| (format!("k{i}"), json!(i))).collect()
    }

    #[test]
    fn small_and_big_maps_find_insert_and_remove_alike() {
        for n in [5, INDEXED, INDEXED + 1, 200] {
            let mut m = big(n);
            assert_eq!(m.len(), n);
            assert_eq!(m.get(&format!("k{}", n - 1)), Some(&json!(n - 1)));
            assert_eq!(m.get("nope"), None);
            assert_eq!(m.insert("k0", json!("x")), Some(json!(0)));
            assert_eq!(m.keys().next().map(Str::as_str), Some("k0"));
            // swap_remove: the last field takes the removed one's place.
            assert_eq!(m.remove("k0"), Some(json!("x")));
            assert_eq!(
                m.keys().next().map(Str::as_str),
                Some(format!("k{}", n - 1).as_str())
            );
            assert_eq!(m.get(&format!("k{}", n - 1)), Some(&json!(n - 1)));
            assert!(!m.contains_key("k0"));
            // shift_remove keeps the order.
            assert_eq!(m.shift_remove("k1"), Some(json!(1)));
            assert_eq!(m.len(), n - 2);
            for i in 2..n - 1 {
                assert_eq!(m.get(&format!("k{i}")), Some(&json!(i)), "k{i} in {n}");
            }
            m.retain(|k, _| k != "k2");
            assert!(!m.contains_key("k2"));
            assert_eq!(m.get(&format!("k{}", n - 1)), Some(&json!(n - 1)));
        }
    }

    #[test]
    fn maps_are_equal_whatever_their_order_and_hash_alike() {
        use std::hash::BuildHasher;
        let a: Map = [("a", 1), ("b", 2)].into_iter().collect();
        let b: Map = [("b", 2), ("a", 1)].into_iter().collect();
        let c: Map = [("a", 1), ("b", 3)].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let s = std::hash::RandomState::new();
        assert_eq!(s.hash_one(&a), s.hash_one(&b));
    }

    #[test]
    fn entries_insert_at_the_end_or_give_the_present_value() {
        let mut m = big(INDEXED);
        *m.entry("k3").or_insert(json!(0)) = json!("three");
        m.entry("new").or_insert_with(|| json!(true));
        assert_eq!(m.get("k3"), Some(&json!("three")));
        assert_eq!(m.keys().last().map(Str::as_str), Some("new"));
        assert_eq!(m.get("new"), Some(&json!(true)));
        assert_eq!(m.len(), INDEXED + 1);
    }
}
