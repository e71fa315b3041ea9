//! Why records were rejected, in a few lines: the rejects of a block grouped by cause (the
//! reason with its specifics blurred, [`reason_key`]), each with its count, its first full
//! reason and one example record (its id, else its place in the input). Collected for every
//! run, whatever [`RunOptions::profile`](super::RunOptions) says: it costs a few strings per
//! rejected record and nothing per written one, and memory is bounded by [`MAX_GROUPS`].

use crate::value::Value;
use indexmap::IndexMap;

use super::reject::{Loc, Located, Reject};
use super::report::reason_key;
use crate::diagnostic::SourceFile;

/// The most causes kept per block; rejects of further causes are counted in
/// [`RejectSummary::other`].
pub const MAX_GROUPS: usize = 256;

/// The rejects of one block, grouped by cause, in the order first met.
#[derive(Debug, Clone, Default)]
pub struct RejectSummary {
    /// The causes, keyed by [`reason_key`], in the order first met.
    pub groups: IndexMap<String, WhyGroup>,
    /// Reasons of causes met after [`MAX_GROUPS`] were kept.
    pub other: u64,
}

/// Rejects of one cause.
#[derive(Debug, Clone, PartialEq)]
pub struct WhyGroup {
    /// The first full reason of the group, as `rejects.ndjson` writes it.
    pub reason: String,
    /// The Clerk attribute the cause is about, when known: the attribute whose expression
    /// failed, or the required attribute that is missing.
    pub attribute: Option<String>,
    /// Whether the cause is a required attribute missing from the record.
    pub missing_required: bool,
    /// Records rejected for it.
    pub count: u64,
    /// The first such record.
    pub example: Example,
}

/// A record to look at: its id when it has one, else its place in the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Example {
    /// The record's `id` attribute.
    Id(Value),
    /// Its line (or record number) in the input.
    At(Loc),
}

impl RejectSummary {
    /// Counts a rejected record under each of its reasons.
    pub fn add(&mut self, reject: &Reject, mapping: &SourceFile) {
        for (reason, text) in reject
            .reasons
            .iter()
            .zip(reject.reason_texts(Located::In(mapping)))
        {
            let key = reason_key(&text);
            if let Some(g) = self.groups.get_mut(&key) {
                g.count += 1;
                continue;
            }
            if self.groups.len() >= MAX_GROUPS {
                self.other += 1;
                continue;
            }
            let required = missing_required(&reason.message);
            let group = WhyGroup {
                attribute: reason.attribute.clone().or_else(|| required.clone()),
                missing_required: required.is_some(),
                reason: text,
                count: 1,
                example: match &reject.id {
                    Some(id) => Example::Id(id.clone()),
                    None => Example::At(reject.loc),
                },
            };
            self.groups.insert(key, group);
        }
    }

    /// Whether no record was rejected.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.other == 0
    }
}

/// The attribute of a "required attribute `name` is missing" reason (Clerk's contract,
/// `clerk::validate_record`).
pub fn missing_required(message: &str) -> Option<String> {
    let rest = message.strip_prefix("required attribute `")?;
    let (name, tail) = rest.split_once('`')?;
    tail.starts_with(" is missing").then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clerk::{Entity, validate_record};
    use crate::eval::Reason;
    use crate::json;

    fn reject(loc: u64, id: Option<Value>, reasons: Vec<Reason>) -> Reject {
        Reject {
            entity: Entity::Products,
            source: "a".into(),
            file: "a.ndjson".into(),
            loc: Loc::Line(loc),
            id,
            reasons,
        }
    }

    #[test]
    fn the_contracts_missing_attribute_is_recognised() {
        let mut rec = crate::value::Record::default();
        rec.insert_new("id", json!("A"));
        let reasons = validate_record(Entity::Products, &mut rec);
        let names: Vec<Option<String>> = reasons.iter().map(|r| missing_required(&r.1)).collect();
        assert!(names.contains(&Some("name".to_string())), "{reasons:?}");
        assert_eq!(missing_required("`price`: decimal: cannot read"), None);
    }

    #[test]
    fn rejects_group_by_cause_with_their_first_example() {
        let mapping = SourceFile::new("m.cmap", "products from a {\n  price = .p\n}\n");
        let bad = |v: &str| Reason {
            attribute: Some("price".into()),
            message: format!("decimal: cannot read \"{v}\" as a number"),
            span: Some(crate::diagnostic::Span::new(28, 30)),
            row: None,
        };
        let missing = Reason {
            attribute: None,
            message: "required attribute `name` is missing (it must be a string)".into(),
            span: None,
            row: None,
        };
        let mut s = RejectSummary::default();
        s.add(&reject(1, Some(json!("A")), vec![bad("x")]), &mapping);
        s.add(&reject(2, None, vec![bad("y"), missing.clone()]), &mapping);
        s.add(&reject(3, Some(json!(7)), vec![missing]), &mapping);
        let groups: Vec<&WhyGroup> = s.groups.values().collect();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].count, 2);
        assert_eq!(
            groups[0].reason,
            "`price`: decimal: cannot read \"x\" as a number (at m.cmap:2:11)"
        );
        assert_eq!(groups[0].example, Example::Id(json!("A")));
        assert_eq!(groups[0].attribute.as_deref(), Some("price"));
        assert!(!groups[0].missing_required);
        assert_eq!(groups[1].count, 2);
        assert_eq!(groups[1].example, Example::At(Loc::Line(2)));
        assert_eq!(groups[1].attribute.as_deref(), Some("name"));
        assert!(groups[1].missing_required);
    }

    #[test]
    fn groups_are_bounded() {
        let mapping = SourceFile::new("m.cmap", "");
        let mut s = RejectSummary::default();
        for i in 0..(MAX_GROUPS as u64 + 10) {
            let r = Reason {
                attribute: None,
                message: format!("cause c{i}"),
                span: None,
                row: None,
            };
            s.add(&reject(i, None, vec![r]), &mapping);
        }
        assert_eq!(s.groups.len(), MAX_GROUPS);
        assert_eq!(s.other, 10);
    }
}
