//! Steps 1 to 3 of a push: scan each entity's feed (ids and content hashes, one record at a
//! time), plan against the state file (what to send, what to delete), and the shrink guard.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::path::Path;
use std::time::SystemTime;

use super::report::EntitySummary;
use super::{PushError, PushOptions};
use crate::clerk::Entity;
use crate::engine::feed::{self, FeedError, FeedFile};
use crate::engine::guard::{self, ShrinkRefusal};
use crate::sync::state::{Entry, State, content_hash};

/// An entity's feed, scanned: ids (first occurrence, feed order) and content hashes.
pub(super) struct Scan {
    /// The feed file.
    pub file: FeedFile,
    /// `(id, content hash)` of every record, the first of each id, in feed order.
    pub ids: Vec<(String, String)>,
    /// Every id is an integer (deletes then send them as JSON numbers).
    pub int_ids: bool,
    /// Records whose id came before in the feed (left out).
    pub duplicates: u64,
    /// The file's modified time and size when scanned (see [`fingerprint`]).
    pub fingerprint: Option<(SystemTime, u64)>,
}

/// A file's modified time and size: whether it changed since it was scanned.
pub(super) fn fingerprint(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Scans a feed file; `None` when it has no section for its entity.
fn scan(file: FeedFile) -> Result<Option<Scan>, FeedError> {
    let fp = fingerprint(&file.path);
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    let mut int_ids = true;
    let mut duplicates = 0;
    let n = file.for_each(|_, v| {
        let id = v.get("id");
        let Some(key) = feed::id_key(&v) else {
            return Err(format!(
                "a record without a usable id ({}): Clerk needs an int or string id on every record",
                id.map(|i| i.to_string()).unwrap_or_else(|| "none".into())
            ));
        };
        int_ids &= id.is_some_and(|i| i.is_i64() || i.is_u64());
        if seen.insert(key.clone()) {
            ids.push((key, content_hash(&v)));
        } else {
            duplicates += 1;
        }
        Ok(true)
    })?;
    Ok(n.map(|_| Scan {
        file,
        ids,
        int_ids,
        duplicates,
        fingerprint: fp,
    }))
}

/// What to do for one entity.
pub(super) struct Plan {
    /// The entity.
    pub entity: Entity,
    /// Its feed, scanned.
    pub scan: Scan,
    /// The ids of the records to send.
    pub send: HashSet<String>,
    /// How many of them Clerk has not acknowledged yet.
    pub new: u64,
    /// How many of them Clerk has with another content (or all, with `--full`).
    pub changed: u64,
    /// Acknowledged ids no longer in the feed, sorted (mirrored entities only).
    pub delete: Vec<String>,
}

/// Compares a scanned feed with what Clerk acknowledged: new and changed records to send,
/// acknowledged ids now gone to delete (never orders; an acknowledged order is never sent again).
fn plan(entity: Entity, scan: Scan, state: &State, store: &str, full: bool) -> Plan {
    let empty = HashMap::new();
    let acked_map: HashMap<&str, &Entry> = state
        .entity(store, entity)
        .map(|es| es.ids.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or(empty);
    let mut send = HashSet::new();
    let (mut new, mut changed) = (0, 0);
    for (key, hash) in &scan.ids {
        match acked_map.get(key.as_str()) {
            None => {
                new += 1;
                send.insert(key.clone());
            }
            Some(_) if full => {
                changed += 1;
                send.insert(key.clone());
            }
            // An acknowledged order is never sent again.
            Some(_) if entity == Entity::Orders => {}
            Some(e) if e.hash != *hash => {
                changed += 1;
                send.insert(key.clone());
            }
            Some(_) => {}
        }
    }
    let mut delete = Vec::new();
    if entity.is_mirrored() {
        let in_feed: HashSet<&str> = scan.ids.iter().map(|(k, _)| k.as_str()).collect();
        delete = acked_map
            .keys()
            .filter(|k| !in_feed.contains(*k))
            .map(|k| k.to_string())
            .collect();
        delete.sort_unstable();
    }
    Plan {
        entity,
        scan,
        send,
        new,
        changed,
        delete,
    }
}

/// Scans and plans every entity asked for (all of them when none is). Returns the plans and
/// the summaries of the entities asked for by name but skipped (no feed file, no section).
pub(super) async fn plan_all(
    opts: &PushOptions,
    state: &State,
    store: &str,
) -> Result<(Vec<Plan>, Vec<EntitySummary>), PushError> {
    let wanted: Vec<Entity> = if opts.entities.is_empty() {
        Entity::ALL.to_vec()
    } else {
        opts.entities.clone()
    };
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    for entity in wanted {
        let skip = |note: String| EntitySummary {
            entity: entity.name().into(),
            note: Some(note),
            ..EntitySummary::default()
        };
        let Some(file) = feed::find(&opts.dir, entity) else {
            if !opts.entities.is_empty() {
                skipped.push(skip(format!(
                    "no feed file in {}: skipped, nothing deleted",
                    opts.dir.display()
                )));
            }
            continue;
        };
        let f2 = file.clone();
        let scanned = tokio::task::spawn_blocking(move || scan(f2))
            .await
            .map_err(|e| PushError::Usage(format!("internal error while reading: {e}")))?
            .map_err(PushError::Feed)?;
        match scanned {
            Some(s) => plans.push(plan(entity, s, state, store, opts.full)),
            None => {
                if !opts.entities.is_empty() {
                    skipped.push(skip(format!(
                        "{} has no {} section: skipped, nothing deleted",
                        file.path.display(),
                        entity.name()
                    )));
                }
            }
        }
    }
    if plans.is_empty() && skipped.is_empty() {
        return Err(PushError::Usage(format!(
            "no feed file in {}: expected products.json, categories.json, ... (or .ndjson, or feed.json) as `clerkmap run --out {}` writes them",
            opts.dir.display(),
            opts.dir.display()
        )));
    }
    Ok((plans, skipped))
}

/// The shrink guard, for every entity, before anything is sent: refuses when an entity would
/// lose more than `max_shrink` of the ids Clerk acknowledged.
pub(super) fn check_shrink(
    plans: &[Plan],
    state: &State,
    store: &str,
    opts: &PushOptions,
) -> Result<(), PushError> {
    let against = format!(
        "what Clerk acknowledged (state file {})",
        opts.state_path.display()
    );
    let shrinks: Vec<_> = plans
        .iter()
        .filter_map(|p| {
            let before = state
                .entity(store, p.entity)
                .map(|es| es.ids.keys().map(String::as_str).collect::<Vec<_>>())
                .unwrap_or_default();
            let after: HashSet<String> = p.scan.ids.iter().map(|(k, _)| k.clone()).collect();
            guard::check(p.entity, before, &after, opts.max_shrink, &against)
        })
        .collect();
    if shrinks.is_empty() {
        Ok(())
    } else {
        Err(PushError::Shrink(ShrinkRefusal {
            shrinks,
            consequence: "nothing was sent or deleted".into(),
        }))
    }
}

/// The summary of a plan before anything is sent (what a dry run shows).
pub(super) fn summary(p: &Plan) -> EntitySummary {
    let mut send_examples: Vec<&String> = p.send.iter().collect();
    send_examples.sort_unstable();
    EntitySummary {
        entity: p.entity.name().into(),
        file: Some(p.scan.file.path.display().to_string()),
        records: p.scan.ids.len() as u64,
        new: p.new,
        changed: p.changed,
        to_delete: p.delete.len() as u64,
        unchanged: p.scan.ids.len() as u64 - p.send.len() as u64,
        note: (p.scan.duplicates > 0).then(|| {
            format!(
                "{} records repeat an id: only the first of each was used",
                p.scan.duplicates
            )
        }),
        send_examples: send_examples.into_iter().take(10).cloned().collect(),
        delete_examples: p.delete.iter().take(10).cloned().collect(),
        ..EntitySummary::default()
    }
}
