//! The profile of a run's records (`RunOptions::profile`, `run --report`), kept on the
//! writer thread in bounded memory: per entity, each attribute's presence and fill rate, its
//! value kinds and distribution, the first records as samples, and the rejects grouped by
//! cause with the `clerkmap explain` command that shows the first of each group.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use crate::value::{Record, Value};
use indexmap::IndexMap;
use serde::Serialize;

use super::reason_key;
use crate::clerk::Entity;

/// Attributes listed per entity; any further one is left out of the profile (see
/// [`Profile::attributes_not_listed`]).
pub const MAX_ATTRIBUTES: usize = 512;
/// Attributes whose values are summarised (distinct values, numbers), per entity: the first
/// ones seen.
pub const MAX_VALUE_STATS: usize = 256;
/// Distinct values counted per attribute; an attribute with more is not low-cardinality and
/// its counter is dropped.
pub const MAX_DISTINCT: usize = 32;
/// The longest text counted as a distinct value (a longer one is free text).
pub const MAX_DISTINCT_CHARS: usize = 64;
/// Numbers kept per attribute for the median: all of them up to this many, then a uniform
/// sample of this size (reservoir sampling).
pub const NUMBER_SAMPLE: usize = 512;
/// Written records kept as samples per entity (the first ones).
pub const SAMPLES: usize = 3;
/// Reject groups kept per entity; the rejects of further causes are counted, not grouped.
pub const MAX_REJECT_GROUPS: usize = 100;
/// Top values listed per attribute.
pub const TOP_VALUES: usize = 5;

/// The written records of an entity, profiled in bounded memory: how many have each attribute
/// and how many have it non-empty, its value kinds, the distribution of its values (top values
/// of a low-cardinality one, min/median/max of numbers), the first records as samples; and the
/// rejected ones, grouped by cause. Whatever the number of records, it holds at most
/// [`MAX_ATTRIBUTES`] attributes, [`MAX_VALUE_STATS`] of them with at most [`MAX_DISTINCT`]
/// short values and [`NUMBER_SAMPLE`] numbers each, [`SAMPLES`] records and
/// [`MAX_REJECT_GROUPS`] reject groups.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Records profiled.
    pub records: u64,
    /// Per attribute, in first-seen order.
    pub attributes: IndexMap<String, AttributeProfile>,
    /// Attributes seen after [`MAX_ATTRIBUTES`] were listed are not (counted once each time
    /// a record has one).
    pub attributes_not_listed: u64,
    /// The first written records, long texts and lists shortened.
    pub samples: Vec<Value>,
    /// Reject reasons grouped by cause, in the order first seen.
    pub rejects: IndexMap<String, RejectGroup>,
    /// Reasons of causes found after [`MAX_REJECT_GROUPS`] groups (not grouped).
    pub rejects_not_grouped: u64,
}

/// One attribute of the written records.
#[derive(Debug, Clone, Default)]
pub struct AttributeProfile {
    /// Records that have it.
    pub present: u64,
    /// Records that have it with a value that is not empty (`""`, `[]`, `{}` are empty).
    pub non_empty: u64,
    /// Its value kinds (`string`, `list`...), with the records of each.
    pub kinds: BTreeMap<&'static str, u64>,
    /// Its values, when it is one of the first [`MAX_VALUE_STATS`] attributes.
    values: Option<Values>,
}

/// The values of an attribute (each element of a list counted on its own).
#[derive(Debug, Clone, Default)]
struct Values {
    /// Text and bool values with their counts; `None` once there were more than
    /// [`MAX_DISTINCT`] of them or one longer than [`MAX_DISTINCT_CHARS`].
    distinct: Option<HashMap<String, u64>>,
    /// Text and bool values counted.
    texts: u64,
    /// The numbers.
    numbers: Numbers,
}

/// Numbers in bounded memory: count, min, max, and a sample for the median.
#[derive(Debug, Clone, Default)]
struct Numbers {
    count: u64,
    min: f64,
    max: f64,
    sample: Vec<f64>,
    /// Deterministic (fixed seed) so that a report can be compared from run to run.
    rng: Option<fastrand::Rng>,
}

impl Numbers {
    fn add(&mut self, x: f64) {
        if self.count == 0 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.count += 1;
        if self.sample.len() < NUMBER_SAMPLE {
            self.sample.push(x);
        } else {
            let rng = self.rng.get_or_insert_with(|| fastrand::Rng::with_seed(7));
            let j = rng.u64(0..self.count) as usize;
            if let Some(slot) = self.sample.get_mut(j) {
                *slot = x;
            }
        }
    }

    fn summary(&self) -> Option<NumberSummary> {
        if self.count == 0 {
            return None;
        }
        let mut s = self.sample.clone();
        s.sort_by(f64::total_cmp);
        let mid = s.len() / 2;
        let median = match (s.len() % 2, s.get(mid)) {
            (0, Some(b)) => s.get(mid.wrapping_sub(1)).map_or(*b, |a| (a + b) / 2.0),
            (_, Some(m)) => *m,
            _ => self.min,
        };
        Some(NumberSummary {
            count: self.count,
            min: self.min,
            median,
            max: self.max,
            median_estimated: self.count > self.sample.len() as u64,
        })
    }
}

/// Whether a value counts as filled: not `null`, `""`, `[]` or `{}`.
pub fn is_filled(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

impl Values {
    fn new() -> Values {
        Values {
            distinct: Some(HashMap::new()),
            ..Values::default()
        }
    }

    fn add(&mut self, v: &Value) {
        match v {
            Value::String(s) => self.text(s),
            Value::Bool(b) => self.text(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    self.numbers.add(x);
                }
            }
            Value::Array(items) => {
                for item in items {
                    if !item.is_array() {
                        self.add(item);
                    }
                }
            }
            Value::Null | Value::Object(_) => {}
        }
    }

    fn text(&mut self, s: &str) {
        self.texts += 1;
        let Some(d) = self.distinct.as_mut() else {
            return;
        };
        if let Some(n) = d.get_mut(s) {
            *n += 1;
        } else if d.len() >= MAX_DISTINCT || s.chars().count() > MAX_DISTINCT_CHARS {
            self.distinct = None;
        } else {
            d.insert(s.to_string(), 1);
        }
    }
}

/// Rejects of one cause: how many, a few example ids, one full message.
#[derive(Debug, Clone, Serialize)]
pub struct RejectGroup {
    /// The entity.
    pub entity: String,
    /// The first full message of the group.
    pub reason: String,
    /// Records rejected for it.
    pub count: u64,
    /// Up to five ids (or input places) of such records.
    pub examples: Vec<String>,
    /// The arguments of `clerkmap explain` that pick the first example (`--entity products
    /// --id BAD001`, or `--line 41` for a record without an id).
    #[serde(skip)]
    pub explain_args: String,
    /// The command that explains the first example, step by step.
    pub explain: String,
}

/// A rejected record as the profile sees it.
#[derive(Debug, Clone)]
pub struct RejectExample {
    /// How the report shows it: its id as JSON (`"BAD001"`), else its place (`line 41`).
    pub shown: String,
    /// The arguments of `clerkmap explain` that pick it (`--id BAD001`, `--line 41`).
    pub pick: String,
}

impl Profile {
    /// Counts a written record.
    pub fn add(&mut self, record: &Record) {
        self.records += 1;
        if self.samples.len() < SAMPLES {
            self.samples
                .push(sample(&Value::Object(record.clone().into_map())));
        }
        for (k, v) in record.iter() {
            let i = match self.attributes.get_index_of(k.as_str()) {
                Some(i) => i,
                None if self.attributes.len() < MAX_ATTRIBUTES => {
                    let values = (self.attributes.len() < MAX_VALUE_STATS).then(Values::new);
                    self.attributes
                        .insert_full(
                            k.to_string(),
                            AttributeProfile {
                                values,
                                ..AttributeProfile::default()
                            },
                        )
                        .0
                }
                None => {
                    self.attributes_not_listed += 1;
                    continue;
                }
            };
            let Some((_, a)) = self.attributes.get_index_mut(i) else {
                continue;
            };
            a.present += 1;
            a.non_empty += u64::from(is_filled(v));
            *a.kinds.entry(crate::value::kind(v)).or_default() += 1;
            if let Some(values) = a.values.as_mut() {
                values.add(v);
            }
        }
    }

    /// Counts a rejected record under each of its reasons (`reasons` rendered as in
    /// `rejects.ndjson`); `explain` is the command that explains a record of the run, without
    /// the arguments that pick one.
    pub fn add_reject(
        &mut self,
        entity: Entity,
        example: &RejectExample,
        reasons: &[String],
        explain: &str,
    ) {
        for r in reasons {
            let key = reason_key(r);
            if !self.rejects.contains_key(&key) && self.rejects.len() >= MAX_REJECT_GROUPS {
                self.rejects_not_grouped += 1;
                continue;
            }
            let g = self.rejects.entry(key).or_insert_with(|| {
                let explain_args = format!("--entity {} {}", entity.name(), example.pick);
                RejectGroup {
                    entity: entity.name().to_string(),
                    reason: r.clone(),
                    count: 0,
                    examples: Vec::new(),
                    explain: format!("{explain} {explain_args}"),
                    explain_args,
                }
            });
            g.count += 1;
            if g.examples.len() < 5 && !g.examples.contains(&example.shown) {
                g.examples.push(example.shown.clone());
            }
        }
    }

    /// What the profile says, as `report.json` holds it: the attributes (each required
    /// attribute of Clerk's contract included, even when no record has it), the samples and
    /// the reject groups, most frequent first.
    pub fn summary(&self, entity: Entity) -> ProfileSummary {
        let mut attributes: Vec<AttributeSummary> = self
            .attributes
            .iter()
            .map(|(name, a)| a.summary(entity, name, self.records))
            .collect();
        for f in entity.fields().iter().filter(|f| f.required) {
            if !self.attributes.contains_key(f.name) {
                attributes.push(AttributeProfile::default().summary(entity, f.name, self.records));
            }
        }
        let mut reject_groups: Vec<RejectGroup> = self.rejects.values().cloned().collect();
        reject_groups.sort_by_key(|g| std::cmp::Reverse(g.count));
        ProfileSummary {
            records: self.records,
            attributes,
            attributes_not_listed: self.attributes_not_listed,
            samples: self.samples.clone(),
            reject_groups,
            rejects_not_grouped: self.rejects_not_grouped,
        }
    }
}

impl AttributeProfile {
    fn summary(&self, entity: Entity, name: &str, records: u64) -> AttributeSummary {
        let share = |n: u64| {
            if records == 0 {
                0.0
            } else {
                (n as f64 / records as f64 * 10_000.0).round() / 10_000.0
            }
        };
        let (top_values, distinct, numbers) = match &self.values {
            Some(v) => {
                let (top, distinct) = match &v.distinct {
                    Some(d) if !d.is_empty() => {
                        let mut all: Vec<(&String, &u64)> = d.iter().collect();
                        all.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
                        let top = all
                            .iter()
                            .take(TOP_VALUES)
                            .map(|(value, count)| ValueCount {
                                value: (*value).clone(),
                                count: **count,
                            })
                            .collect();
                        (top, Some(d.len() as u64))
                    }
                    _ => (Vec::new(), None),
                };
                (top, distinct, v.numbers.summary())
            }
            None => (Vec::new(), None, None),
        };
        AttributeSummary {
            name: name.to_string(),
            required: entity.field(name).is_some_and(|f| f.required),
            present: self.present,
            non_empty: self.non_empty,
            fill_rate: share(self.non_empty),
            kinds: self.kinds.clone(),
            many_values: self.values.as_ref().is_some_and(|v| v.distinct.is_none()),
            distinct,
            top_values,
            numbers,
        }
    }
}

/// A profile as `report.json` holds it.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileSummary {
    /// Records profiled (the written ones).
    pub records: u64,
    /// Per attribute, in first-seen order, then the required attributes no record has.
    pub attributes: Vec<AttributeSummary>,
    /// Times a record had an attribute past the first [`MAX_ATTRIBUTES`] (not listed).
    pub attributes_not_listed: u64,
    /// The first written records (texts over 160 characters and lists over 10 items cut).
    pub samples: Vec<Value>,
    /// The reject groups, most frequent first.
    pub reject_groups: Vec<RejectGroup>,
    /// Reasons of causes past the first [`MAX_REJECT_GROUPS`] (not grouped).
    pub rejects_not_grouped: u64,
}

/// One attribute as `report.json` holds it.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeSummary {
    /// The attribute.
    pub name: String,
    /// Whether Clerk's contract requires it of every record of the entity.
    pub required: bool,
    /// Records that have it.
    pub present: u64,
    /// Records that have it filled: not `""`, `[]` or `{}`.
    pub non_empty: u64,
    /// `non_empty` / records, from 0 to 1 (4 decimals).
    pub fill_rate: f64,
    /// Value kinds with their records.
    pub kinds: BTreeMap<&'static str, u64>,
    /// Whether it has more distinct texts than [`MAX_DISTINCT`] (or long ones): no top values.
    pub many_values: bool,
    /// Distinct texts (list items one by one), when few.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct: Option<u64>,
    /// The most frequent texts (list items one by one), when there are few distinct ones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub top_values: Vec<ValueCount>,
    /// Its numbers (list items one by one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numbers: Option<NumberSummary>,
}

/// A value and how many times it occurs.
#[derive(Debug, Clone, Serialize)]
pub struct ValueCount {
    /// The value (a bool as `true`/`false`).
    pub value: String,
    /// Its occurrences.
    pub count: u64,
}

/// The numbers of an attribute.
#[derive(Debug, Clone, Serialize)]
pub struct NumberSummary {
    /// How many.
    pub count: u64,
    /// The smallest.
    pub min: f64,
    /// The median (of a uniform sample of [`NUMBER_SAMPLE`] when there are more).
    pub median: f64,
    /// The largest.
    pub max: f64,
    /// Whether the median comes from a sample.
    pub median_estimated: bool,
}

/// A record shortened to be shown: texts over 160 characters and lists over 10 items cut.
fn sample(v: &Value) -> Value {
    match v {
        Value::String(s) if s.chars().count() > 160 => {
            Value::String(format!("{}…", s.chars().take(160).collect::<String>()).into())
        }
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().take(10).map(sample).collect();
            if items.len() > 10 {
                out.push(Value::String(format!("… {} more", items.len() - 10).into()));
            }
            Value::Array(out)
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), sample(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn record(v: Value) -> Record {
        match v {
            Value::Object(m) => m.into_iter().collect(),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn empty_values_are_present_but_not_filled() {
        let mut p = Profile::default();
        for sizes in [json!(["S", "M"]), json!([]), json!(["M"]), json!([])] {
            p.add(&record(
                json!({"id": 1, "sizes": sizes, "brand": "", "x": {}}),
            ));
        }
        let s = p.summary(Entity::Products);
        let sizes = s.attributes.iter().find(|a| a.name == "sizes");
        let sizes = sizes.unwrap_or_else(|| panic!("sizes"));
        assert_eq!(
            (sizes.present, sizes.non_empty, sizes.fill_rate),
            (4, 2, 0.5)
        );
        assert_eq!(sizes.top_values[0].value, "M");
        assert_eq!(sizes.top_values[0].count, 2);
        for name in ["brand", "x"] {
            let a = s.attributes.iter().find(|a| a.name == name);
            assert_eq!(a.map(|a| a.non_empty), Some(0), "{name}");
        }
        // The required attributes no record has are listed, marked.
        let name = s.attributes.iter().find(|a| a.name == "name");
        assert!(name.is_some_and(|a| a.required && a.present == 0));
        assert!(
            s.attributes
                .iter()
                .find(|a| a.name == "id")
                .is_some_and(|a| a.required)
        );
    }

    #[test]
    fn memory_stays_bounded_whatever_the_records() {
        let mut p = Profile::default();
        for i in 0..20_000u64 {
            let brand = ["A", "B", "C"][(i % 3) as usize];
            p.add(&record(json!({
                "id": format!("P{i}"),
                "brand": brand,
                "price": i as f64 + 0.5,
            })));
        }
        let a = |name: &str| p.attributes.get(name).unwrap_or_else(|| panic!("{name}"));
        let id = a("id").values.as_ref().unwrap_or_else(|| panic!("values"));
        assert!(
            id.distinct.is_none(),
            "too many ids: the counter is dropped"
        );
        let brand = a("brand")
            .values
            .as_ref()
            .unwrap_or_else(|| panic!("values"));
        assert_eq!(brand.distinct.as_ref().map(HashMap::len), Some(3));
        let price = &a("price")
            .values
            .as_ref()
            .unwrap_or_else(|| panic!("v"))
            .numbers;
        assert_eq!(price.sample.len(), NUMBER_SAMPLE);
        assert_eq!(p.samples.len(), SAMPLES);
        let s = p.summary(Entity::Products);
        let n = s.attributes[2]
            .numbers
            .as_ref()
            .unwrap_or_else(|| panic!("numbers"));
        assert_eq!((n.count, n.min, n.max), (20_000, 0.5, 19_999.5));
        assert!(
            n.median_estimated && (n.median - 10_000.0).abs() < 1_500.0,
            "{n:?}"
        );
        assert!(s.attributes[0].many_values && s.attributes[0].top_values.is_empty());

        // More attributes than listed, more causes than grouped: counted, not kept.
        let mut wide = Record::default();
        for i in 0..MAX_ATTRIBUTES + 10 {
            wide.insert_new(format!("a{i}"), json!(i));
        }
        let mut p = Profile::default();
        p.add(&wide);
        assert_eq!(p.attributes.len(), MAX_ATTRIBUTES);
        assert_eq!(p.attributes_not_listed, 10);
        let ex = RejectExample {
            shown: "line 1".into(),
            pick: "--line 1".into(),
        };
        for i in 0..MAX_REJECT_GROUPS + 5 {
            p.add_reject(
                Entity::Products,
                &ex,
                &[format!("cause c{i}")],
                "clerkmap explain",
            );
        }
        assert_eq!(p.rejects.len(), MAX_REJECT_GROUPS);
        assert_eq!(p.rejects_not_grouped, 5);
        let g = p.rejects.values().next().map(|g| g.explain.clone());
        assert_eq!(
            g.as_deref(),
            Some("clerkmap explain --entity products --line 1")
        );
    }

    #[test]
    fn samples_are_shortened() {
        let long = "x".repeat(500);
        let items: Vec<u32> = (0..30).collect();
        let s = sample(&json!({"t": long, "l": items}));
        assert_eq!(s["t"].as_str().map(|t| t.chars().count()), Some(161));
        assert_eq!(s["l"].as_array().map(Vec::len), Some(11));
        assert_eq!(s["l"][10], "… 20 more");
    }
}
