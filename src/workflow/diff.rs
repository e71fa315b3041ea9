//! Differences between a stored snapshot and a new output, record by record and attribute by
//! attribute, and applying a chosen subset of them (for `clerkmap test --review`).
//!
//! The sections of a snapshot that are lists of records (each entity, `rejected`) are compared
//! by record key (`id`; `entity` plus id or line for rejects); every other section as a whole.

use crate::value::{Map, Value, values_equal};

/// One attribute of a record that differs. `None`: the attribute is missing on that side.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrChange {
    /// The attribute's name; empty when the two records are not both objects (then `old` and
    /// `new` are the whole records).
    pub attr: String,
    /// Its value in the snapshot.
    pub old: Option<Value>,
    /// Its value in the new output.
    pub new: Option<Value>,
}

/// What one [`Change`] is. Record keys are the section's keys: the `id` as compact JSON
/// (`"A1"`, `7`), for a reject its entity with its id, line or record (`products line 4`), `#N`
/// for a record without one; a repeated key gets ` #2`, ` #3`...
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeKind {
    /// A record only in the new output.
    Added {
        /// The record's key.
        key: String,
        /// The record.
        new: Value,
        /// The key of the record it follows in the new output; `None`: it comes first.
        after: Option<String>,
    },
    /// A record only in the snapshot.
    Removed {
        /// The record's key.
        key: String,
        /// The record, as the snapshot holds it.
        old: Value,
    },
    /// A record in both, with different attributes.
    Changed {
        /// The record's key.
        key: String,
        /// The attributes that differ: changed or added ones in the new record's order, then
        /// removed ones.
        attrs: Vec<AttrChange>,
        /// The whole record as the new output has it (what accepting the change stores).
        new: Value,
    },
    /// The records common to both come in another order.
    Order {
        /// Their keys in snapshot order.
        old: Vec<String>,
        /// Their keys in new output order.
        new: Vec<String>,
    },
    /// A section that is not a list of records.
    Section {
        /// The section in the snapshot; `None`: it has none.
        old: Option<Value>,
        /// The section in the new output; `None`: it has none.
        new: Option<Value>,
    },
}

/// One difference, the unit that `--review` accepts or rejects.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The snapshot section: an entity (`products`), `rejected`, `filtered`, ...
    pub section: String,
    /// What differs in it.
    pub kind: ChangeKind,
}

fn keyed(v: Option<&Value>) -> Option<&[Value]> {
    match v {
        Some(Value::Array(items)) if items.iter().all(Value::is_object) => Some(items),
        None => Some(&[]),
        _ => None,
    }
}

fn short_json(v: &Value) -> String {
    v.to_string()
}

/// The key of each record of a section, unique (`#2`, `#3` for repeated keys).
fn keys(section: &str, items: &[Value]) -> Vec<String> {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let base = if section == "rejected" {
                let entity = item.get("entity").and_then(Value::as_str).unwrap_or("?");
                match (item.get("id"), item.get("line"), item.get("record")) {
                    (Some(id), _, _) => format!("{entity} {}", short_json(id)),
                    (None, Some(l), _) => format!("{entity} line {l}"),
                    (None, None, Some(r)) => format!("{entity} record {r}"),
                    _ => format!("{entity} #{}", i + 1),
                }
            } else {
                match item.get("id") {
                    Some(id) => short_json(id),
                    None => format!("#{}", i + 1),
                }
            };
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            if *n > 1 { format!("{base} #{n}") } else { base }
        })
        .collect()
}

fn attr_changes(old: &Value, new: &Value) -> Vec<AttrChange> {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let mut out = Vec::new();
            for (k, nv) in n {
                match o.get(k) {
                    Some(ov) if values_equal(ov, nv) => {}
                    ov => out.push(AttrChange {
                        attr: k.to_string(),
                        old: ov.cloned(),
                        new: Some(nv.clone()),
                    }),
                }
            }
            for (k, ov) in o {
                if !n.contains_key(k) {
                    out.push(AttrChange {
                        attr: k.to_string(),
                        old: Some(ov.clone()),
                        new: None,
                    });
                }
            }
            out
        }
        _ => vec![AttrChange {
            attr: String::new(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }],
    }
}

fn section_names(old: &Value, new: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for v in [new, old] {
        if let Value::Object(m) = v {
            for k in m.keys() {
                if !names.iter().any(|n| n == k) {
                    names.push(k.to_string());
                }
            }
        }
    }
    names
}

/// Every difference between a snapshot (`old`) and a new output, in output order.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    if !old.is_object() || !new.is_object() {
        if !values_equal(old, new) {
            changes.push(Change {
                section: String::new(),
                kind: ChangeKind::Section {
                    old: Some(old.clone()),
                    new: Some(new.clone()),
                },
            });
        }
        return changes;
    }
    for name in section_names(old, new) {
        let (o, n) = (old.get(&name), new.get(&name));
        match (keyed(o), keyed(n)) {
            (Some(oi), Some(ni)) if o.is_some() || n.is_some() => {
                keyed_diff(&name, oi, ni, &mut changes)
            }
            _ => {
                let same = match (o, n) {
                    (Some(a), Some(b)) => values_equal(a, b),
                    (None, None) => true,
                    _ => false,
                };
                if !same {
                    changes.push(Change {
                        section: name.clone(),
                        kind: ChangeKind::Section {
                            old: o.cloned(),
                            new: n.cloned(),
                        },
                    });
                }
            }
        }
    }
    changes
}

fn keyed_diff(section: &str, old: &[Value], new: &[Value], out: &mut Vec<Change>) {
    let ok = keys(section, old);
    let nk = keys(section, new);
    let old_at: std::collections::HashMap<&str, usize> = ok
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let new_at: std::collections::HashMap<&str, usize> = nk
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    for (i, (key, item)) in nk.iter().zip(new).enumerate() {
        match old_at.get(key.as_str()) {
            Some(&j) => {
                if !values_equal(&old[j], item) {
                    out.push(Change {
                        section: section.to_string(),
                        kind: ChangeKind::Changed {
                            key: key.clone(),
                            attrs: attr_changes(&old[j], item),
                            new: item.clone(),
                        },
                    });
                }
            }
            None => out.push(Change {
                section: section.to_string(),
                kind: ChangeKind::Added {
                    key: key.clone(),
                    new: item.clone(),
                    after: i.checked_sub(1).map(|p| nk[p].clone()),
                },
            }),
        }
    }
    for (key, item) in ok.iter().zip(old) {
        if !new_at.contains_key(key.as_str()) {
            out.push(Change {
                section: section.to_string(),
                kind: ChangeKind::Removed {
                    key: key.clone(),
                    old: item.clone(),
                },
            });
        }
    }
    let common_old: Vec<String> = ok
        .iter()
        .filter(|k| new_at.contains_key(k.as_str()))
        .cloned()
        .collect();
    let common_new: Vec<String> = nk
        .iter()
        .filter(|k| old_at.contains_key(k.as_str()))
        .cloned()
        .collect();
    if common_old != common_new {
        out.push(Change {
            section: section.to_string(),
            kind: ChangeKind::Order {
                old: common_old,
                new: common_new,
            },
        });
    }
}

/// The snapshot after applying the accepted changes (`accepted[i]` for `changes[i]`) to `old`.
/// With every change accepted it is `new` itself.
pub fn apply(old: &Value, new: &Value, changes: &[Change], accepted: &[bool]) -> Value {
    if accepted.iter().all(|a| *a) {
        return new.clone();
    }
    if accepted.iter().all(|a| !*a) {
        return old.clone();
    }
    let (Value::Object(old_map), Value::Object(new_map)) = (old, new) else {
        return old.clone();
    };
    let mut out: Map = old_map.clone();
    for name in section_names(old, new) {
        let picked: Vec<&Change> = changes
            .iter()
            .zip(accepted)
            .filter(|(c, a)| **a && c.section == name)
            .map(|(c, _)| c)
            .collect();
        if picked.is_empty() {
            continue;
        }
        if let Some(Change {
            kind: ChangeKind::Section { new, .. },
            ..
        }) = picked.first()
        {
            match new {
                Some(v) => {
                    out.insert(name.clone(), v.clone());
                }
                None => {
                    out.shift_remove(&name);
                }
            }
            continue;
        }
        let items: Vec<Value> = match old_map.get(&name) {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let mut rows: Vec<(String, Value)> = keys(&name, &items).into_iter().zip(items).collect();
        for c in &picked {
            match &c.kind {
                ChangeKind::Changed { key, new, .. } => {
                    if let Some(r) = rows.iter_mut().find(|r| &r.0 == key) {
                        r.1 = new.clone();
                    }
                }
                ChangeKind::Removed { key, .. } => rows.retain(|r| &r.0 != key),
                ChangeKind::Added { key, new, after } => {
                    let at = after
                        .as_ref()
                        .and_then(|a| rows.iter().position(|r| &r.0 == a))
                        .map_or(0, |p| p + 1);
                    rows.insert(at, (key.clone(), new.clone()));
                }
                _ => {}
            }
        }
        if picked
            .iter()
            .any(|c| matches!(c.kind, ChangeKind::Order { .. }))
        {
            let new_keys = match new_map.get(&name) {
                Some(Value::Array(a)) => keys(&name, a),
                _ => Vec::new(),
            };
            rows.sort_by_key(|r| {
                new_keys
                    .iter()
                    .position(|k| k == &r.0)
                    .unwrap_or(usize::MAX)
            });
        }
        if rows.is_empty() && !new_map.contains_key(&name) {
            out.shift_remove(&name);
        } else {
            out.insert(name, Value::Array(rows.into_iter().map(|r| r.1).collect()));
        }
    }
    Value::Object(out)
}

// ---- rendering ----

/// ANSI colours, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to colour: false gives plain text (not a terminal, `NO_COLOR`).
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// `s` in red: what was (removed records, old values, failures).
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    /// `s` in green: what is now (added records, new values, passing cases).
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    /// `s` in bold: record keys, section names, case states to look at.
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
}

const LONG: usize = 60;
const MAX_SHOWN: usize = 400;

/// A value for a diff line: compact JSON, cut when very long.
pub fn shown(v: &Value) -> String {
    crate::value::elide_counted(&v.to_string(), MAX_SHOWN)
}

fn side(v: &Option<Value>) -> String {
    match v {
        Some(v) => shown(v),
        None => "missing".to_string(),
    }
}

/// Where two long strings differ, with a few words of context: `…[-old-]{+new+}…`.
fn inline_diff(old: &str, new: &str, st: Style) -> String {
    use similar::{Algorithm, ChangeTag, utils::diff_words};
    let parts = diff_words(Algorithm::Myers, old, new);
    let mut out = String::new();
    let n = parts.len();
    for (i, (tag, text)) in parts.into_iter().enumerate() {
        match tag {
            ChangeTag::Equal => {
                let chars: Vec<char> = text.chars().collect();
                let keep = 20;
                if chars.len() <= 2 * keep + 1 {
                    out.push_str(text);
                } else {
                    if i > 0 {
                        out.extend(&chars[..keep]);
                    }
                    out.push('…');
                    if i + 1 < n {
                        out.extend(&chars[chars.len() - keep..]);
                    }
                }
            }
            ChangeTag::Delete => out.push_str(&st.red(&format!("[-{text}-]"))),
            ChangeTag::Insert => out.push_str(&st.green(&format!("{{+{text}+}}"))),
        }
    }
    out
}

fn attr_lines(out: &mut String, indent: &str, a: &AttrChange, st: Style) {
    let (o, n) = (side(&a.old), side(&a.new));
    let label = if a.attr.is_empty() {
        String::new()
    } else {
        format!("{}: ", a.attr)
    };
    if o.chars().count() + n.chars().count() <= LONG {
        out.push_str(&format!(
            "{indent}{label}was {}, now {}\n",
            st.red(&o),
            st.green(&n)
        ));
        return;
    }
    // under the attribute's name; a whole section's change has none (no line of blanks)
    let inner = if label.is_empty() {
        indent.to_string()
    } else {
        out.push_str(&format!("{indent}{}\n", label.trim_end()));
        format!("{indent}    ")
    };
    out.push_str(&format!("{inner}was {}\n", st.red(&o)));
    out.push_str(&format!("{inner}now {}\n", st.green(&n)));
    if let (Some(Value::String(os)), Some(Value::String(ns))) = (&a.old, &a.new) {
        out.push_str(&format!("{inner}diff {}\n", inline_diff(os, ns, st)));
    }
}

/// A change as text: the record (section and key), each attribute with its old and new value.
pub fn render(c: &Change, st: Style) -> String {
    let mut out = String::new();
    let what = |key: &str| {
        if c.section == "rejected" {
            format!("rejected {key}")
        } else {
            format!("{} {key}", c.section)
        }
    };
    match &c.kind {
        ChangeKind::Changed { key, attrs, .. } => {
            out.push_str(&format!("  {}:\n", st.bold(&what(key))));
            for a in attrs {
                attr_lines(&mut out, "      ", a, st);
            }
        }
        ChangeKind::Added { key, new, .. } => {
            out.push_str(&format!(
                "  {}: new record, not in the snapshot\n      now {}\n",
                st.bold(&what(key)),
                st.green(&shown(new))
            ));
        }
        ChangeKind::Removed { key, old } => {
            out.push_str(&format!(
                "  {}: record gone, the snapshot has it\n      was {}\n",
                st.bold(&what(key)),
                st.red(&shown(old))
            ));
        }
        ChangeKind::Order { old, new } => {
            let list = |v: &[String]| {
                let mut s = v.iter().take(12).cloned().collect::<Vec<_>>().join(", ");
                if v.len() > 12 {
                    s.push_str(&format!(", … ({} in all)", v.len()));
                }
                s
            };
            out.push_str(&format!(
                "  {}: the records come in another order\n      was {}\n      now {}\n",
                st.bold(&c.section),
                st.red(&list(old)),
                st.green(&list(new))
            ));
        }
        ChangeKind::Section { old, new } => {
            let name = if c.section.is_empty() {
                "output"
            } else {
                &c.section
            };
            out.push_str(&format!("  {}:\n", st.bold(name)));
            attr_lines(
                &mut out,
                "      ",
                &AttrChange {
                    attr: String::new(),
                    old: old.clone(),
                    new: new.clone(),
                },
                st,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    const PLAIN: Style = Style { color: false };

    #[test]
    fn names_record_attribute_old_and_new() {
        let old = json!({"products": [{"id": "A1", "price": 12.5, "brand": "Nord"}, {"id": "B2"}]});
        let new = json!({"products": [{"id": "A1", "price": 13, "on_sale": true}, {"id": "C3"}]});
        let changes = diff(&old, &new);
        let text: String = changes.iter().map(|c| render(c, PLAIN)).collect();
        assert_eq!(
            text,
            "  products \"A1\":\n      price: was 12.5, now 13\n      on_sale: was missing, now true\n      brand: was \"Nord\", now missing\n  products \"C3\": new record, not in the snapshot\n      now {\"id\":\"C3\"}\n  products \"B2\": record gone, the snapshot has it\n      was {\"id\":\"B2\"}\n"
        );
    }

    #[test]
    fn equal_numbers_are_equal() {
        let old = json!({"products": [{"id": 1, "price": 12.0}]});
        let new = json!({"products": [{"id": 1, "price": 12}]});
        assert!(diff(&old, &new).is_empty());
    }

    #[test]
    fn applying_all_gives_new_and_none_gives_old() {
        let old = json!({"products": [{"id": "A", "n": 1}], "filtered": {"products": 1}});
        let new = json!({"products": [{"id": "B"}, {"id": "A", "n": 2}]});
        let ch = diff(&old, &new);
        assert_eq!(apply(&old, &new, &ch, &vec![true; ch.len()]), new);
        assert_eq!(apply(&old, &new, &ch, &vec![false; ch.len()]), old);
    }

    #[test]
    fn partial_apply_takes_only_the_accepted_records() {
        let old = json!({"products": [{"id": "A", "n": 1}, {"id": "B", "n": 1}]});
        let new = json!({"products": [{"id": "A", "n": 2}, {"id": "C"}, {"id": "B", "n": 3}]});
        let ch = diff(&old, &new);
        // A changed, C added, B changed.
        assert_eq!(ch.len(), 3);
        let accepted: Vec<bool> = ch
            .iter()
            .map(|c| !matches!(&c.kind, ChangeKind::Changed { key, .. } if key == "\"B\""))
            .collect();
        let merged = apply(&old, &new, &ch, &accepted);
        assert_eq!(
            merged,
            json!({"products": [{"id": "A", "n": 2}, {"id": "C"}, {"id": "B", "n": 1}]})
        );
        // What is left is exactly the rejected change.
        let left = diff(&merged, &new);
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn a_long_section_change_has_no_line_of_blanks() {
        let counts = |n: u64| json!({"filtered": {"products by `.pubblicato == \"SI\"` (mapping.cmap:35:30)": n, "categories by `.visibile` (mapping.cmap:80:3)": 1}});
        let ch = diff(&counts(1), &counts(2));
        let text: String = ch.iter().map(|c| render(c, PLAIN)).collect();
        assert!(text.starts_with("  filtered:\n      was {"), "{text}");
        assert!(!text.lines().any(|l| l.trim().is_empty()), "{text}");
    }

    #[test]
    fn order_changes_and_rejects_are_keyed() {
        let old = json!({"products": [{"id": 1}, {"id": 2}], "rejected": [{"entity": "products", "line": 3, "reasons": ["x"]}]});
        let new = json!({"products": [{"id": 2}, {"id": 1}], "rejected": [{"entity": "products", "line": 3, "reasons": ["y"]}]});
        let ch = diff(&old, &new);
        let text: String = ch.iter().map(|c| render(c, PLAIN)).collect();
        assert!(
            text.contains(
                "products: the records come in another order\n      was 1, 2\n      now 2, 1"
            ),
            "{text}"
        );
        assert!(
            text.contains("rejected products line 3:\n      reasons: was [\"x\"], now [\"y\"]"),
            "{text}"
        );
    }

    #[test]
    fn long_strings_get_an_inline_diff() {
        let a =
            "Una felpa in cotone pesante, con cappuccio e tasca a marsupio, lavabile a 30 gradi.";
        let b =
            "Una felpa in cotone leggero, con cappuccio e tasca a marsupio, lavabile a 30 gradi.";
        let ch = diff(
            &json!({"p": [{"id": 1, "d": a}]}),
            &json!({"p": [{"id": 1, "d": b}]}),
        );
        let text = render(&ch[0], PLAIN);
        assert!(
            text.contains("diff Una felpa in cotone [-pesante,-]{+leggero,+} con cappuccio e tas…"),
            "{text}"
        );
    }
}
