//! The contract itself: each entity's fields (name, kind, required or not), what each kind of
//! field must hold, and [`validate_record`], which checks a mapped record and normalises it
//! before it is written. `docs/clerk-contract.md` is the same table for people.

use crate::value::{Record, Ty, Value};

/// The five Clerk object types, in the order feeds are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    /// The catalogue: what search and recommendations show.
    Products,
    /// The category tree (`subcategories` lists the children's ids).
    Categories,
    /// Past orders, for recommendations; the only entity Clerk does not mirror.
    Orders,
    /// Shop customers (personal data: see the run report's privacy section).
    Customers,
    /// Content pages (blog posts, guides...), searchable beside the products.
    Pages,
}

/// What a typed Clerk field must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// int or string (one type per feed, enforced by the engine).
    Id,
    /// Any string, the empty one included.
    String,
    /// A number; ints are written as floats.
    Float,
    /// An integer; integral floats are written as ints.
    Int,
    /// A JSON bool (a text such as `"SI"` is not one).
    Bool,
    /// A string starting with `http://` or `https://`.
    AbsoluteUrl,
    /// A list of ids (ints or strings).
    IdList,
    /// Unix seconds (an integer).
    UnixTime,
    /// Order lines: a list of `{id, quantity: int, price: float}`.
    OrderLines,
    /// One of Clerk's order statuses.
    OrderStatus,
}

impl FieldKind {
    /// The static type an expression bound to this field must be able to have.
    pub fn ty(self) -> Ty {
        match self {
            FieldKind::Id => Ty::INT.or(Ty::STRING),
            FieldKind::String | FieldKind::AbsoluteUrl | FieldKind::OrderStatus => Ty::STRING,
            FieldKind::Float => Ty::NUMBER,
            FieldKind::Int | FieldKind::UnixTime => Ty::NUMBER,
            FieldKind::Bool => Ty::BOOL,
            FieldKind::IdList | FieldKind::OrderLines => Ty::LIST,
        }
    }
    /// What the field must hold, as messages say it after "must be": "an absolute URL (http://
    /// or https://)".
    pub fn describe(self) -> &'static str {
        match self {
            FieldKind::Id => "an id (int or string)",
            FieldKind::String => "a string",
            FieldKind::Float => "a number",
            FieldKind::Int => "an integer",
            FieldKind::Bool => "a bool",
            FieldKind::AbsoluteUrl => "an absolute URL (http:// or https://)",
            FieldKind::IdList => "a list of ids",
            FieldKind::UnixTime => "unix seconds (an integer)",
            FieldKind::OrderLines => "a list of {id, quantity, price} objects",
            FieldKind::OrderStatus => "one of CONFIRMED, SENT, DELIVERED, RETURNED, CANCELLED",
        }
    }
    /// How to get there from a string, for hints.
    pub fn fix_hint(self) -> Option<&'static str> {
        match self {
            FieldKind::Float => Some("convert with `| decimal` (reads 1.234,56 and 1234.56)"),
            FieldKind::Int => Some("convert with `| int`"),
            FieldKind::UnixTime => Some(
                "parse it with `| date` (2024-12-31, 2024-12-31 18:30, RFC 3339) or, for another layout, `| date(\"%d/%m/%Y\")`",
            ),
            FieldKind::AbsoluteUrl => Some(
                "make it absolute with `| absolute_url(\"https://shop.example\")` (the shop's address, or a `let` holding it)",
            ),
            FieldKind::IdList => Some(
                "wrap a single id in a list, `[.category]`; split a text of several, `split(.categories, \",\")`; every level of a path such as \"Women/Tops\", `path_levels(.category, \"/\")`; a category and its parents from a lookup table, `ancestors(...)`",
            ),
            FieldKind::Bool => Some(
                "compare to get a bool, e.g. `.newsletter == \"1\"` or `.status != \"disabled\"`",
            ),
            _ => None,
        }
    }
}

/// One field Clerk knows for an entity. Attributes an entity does not list are free, as long as
/// their names are valid ([`is_valid_attribute_name`]) and they hold no object.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The attribute name in the feed (`price`, `created_at`).
    pub name: &'static str,
    /// What its value must hold.
    pub kind: FieldKind,
    /// Whether every record of the entity must have it (a record without it is rejected).
    pub required: bool,
}

const fn req(name: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: true,
    }
}
const fn opt(name: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: false,
    }
}

use FieldKind as K;

const PRODUCTS: &[FieldSpec] = &[
    req("id", K::Id),
    req("name", K::String),
    req("description", K::String),
    req("price", K::Float),
    req("image", K::AbsoluteUrl),
    req("url", K::AbsoluteUrl),
    req("categories", K::IdList),
    req("created_at", K::UnixTime),
    opt("list_price", K::Float),
    opt("brand", K::String),
    opt("sku", K::String),
    opt("stock", K::Int),
    opt("on_sale", K::Bool),
    opt("in_stock", K::Bool),
    opt("index", K::Bool),
];
const CATEGORIES: &[FieldSpec] = &[
    req("id", K::Id),
    req("name", K::String),
    req("url", K::AbsoluteUrl),
    req("subcategories", K::IdList),
    opt("image", K::AbsoluteUrl),
    opt("description", K::String),
];
const ORDERS: &[FieldSpec] = &[
    req("id", K::Id),
    req("products", K::OrderLines),
    req("time", K::UnixTime),
    req("customer", K::Id),
    opt("email", K::String),
    opt("status", K::OrderStatus),
];
const CUSTOMERS: &[FieldSpec] = &[
    req("id", K::Id),
    opt("email", K::String),
    opt("name", K::String),
    opt("subscribed", K::Bool),
    opt("age", K::Int),
    opt("is_b2b", K::Bool),
];
const PAGES: &[FieldSpec] = &[
    req("id", K::Id),
    req("type", K::String),
    req("url", K::AbsoluteUrl),
    req("title", K::String),
    req("text", K::String),
    opt("image", K::AbsoluteUrl),
];

/// The values an `OrderStatus` field may hold.
const ORDER_STATUSES: &[&str] = &["CONFIRMED", "SENT", "DELIVERED", "RETURNED", "CANCELLED"];

impl Entity {
    /// Every entity, in the order feeds are written.
    pub const ALL: [Entity; 5] = [
        Entity::Products,
        Entity::Categories,
        Entity::Orders,
        Entity::Customers,
        Entity::Pages,
    ];

    /// The plural, lowercase name: the mapping's block name, the feed's file stem and
    /// `feed.json` section, the `entity` of a reject ("products", "categories", ...).
    pub fn name(self) -> &'static str {
        match self {
            Entity::Products => "products",
            Entity::Categories => "categories",
            Entity::Orders => "orders",
            Entity::Customers => "customers",
            Entity::Pages => "pages",
        }
    }
    /// "product", "category", ...
    pub fn singular(self) -> &'static str {
        match self {
            Entity::Products => "product",
            Entity::Categories => "category",
            Entity::Orders => "order",
            Entity::Customers => "customer",
            Entity::Pages => "page",
        }
    }
    /// The entity named `s` (exactly as [`Entity::name`] gives it); `None` for any other text.
    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.name() == s)
    }
    /// The fields Clerk knows for this entity, `id` first, then the required ones, then the
    /// optional ones.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Entity::Products => PRODUCTS,
            Entity::Categories => CATEGORIES,
            Entity::Orders => ORDERS,
            Entity::Customers => CUSTOMERS,
            Entity::Pages => PAGES,
        }
    }
    /// The field named `name`; `None` for a free attribute.
    pub fn field(self, name: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.name == name)
    }
    /// Whether Clerk deletes records that a feed of this type leaves out.
    pub fn is_mirrored(self) -> bool {
        self != Entity::Orders
    }
}

/// Whether `name` is a valid Clerk attribute name (letters, digits, `_`).
pub fn is_valid_attribute_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The kind of a record's id, for the one-id-type-per-feed rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// An integer id (`i64` or `u64`; integral floats are not ids).
    Int,
    /// A string id.
    String,
}

impl IdKind {
    /// The kind of an id value; `None` when it is not an id (a float, a bool, a list...).
    pub fn of(v: &Value) -> Option<IdKind> {
        match v {
            Value::String(_) => Some(IdKind::String),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(IdKind::Int),
            _ => None,
        }
    }
    /// "int" or "string", as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            IdKind::Int => "int",
            IdKind::String => "string",
        }
    }
}

/// Checks a mapped record against the contract and normalises it in place: nulls removed
/// (also inside lists and order lines), ints in float fields become floats, integral floats in
/// int fields become ints. Returns every violation as `(attribute, message)` (empty = valid).
pub fn validate_record(entity: Entity, rec: &mut Record) -> Vec<(String, String)> {
    let mut reasons: Vec<(String, String)> = Vec::new();
    rec.retain(|_, v| !v.is_null());
    // One pass over the record (no hashing: this runs for every record written).
    let specs = entity.fields();
    let mut present = 0u32;
    NAMES.with_borrow_mut(|names| {
        if names.entity != Some(entity) {
            *names = Names {
                entity: Some(entity),
                by_place: Vec::new(),
            };
        }
        for (place, (k, v)) in rec.iter_mut().enumerate() {
            let (spec, valid) = names.learn(place, k, specs);
            let holds_object = strip_nulls(v);
            // a value of the wrong type is said once (not again as an object Clerk cannot use)
            let mut wrong_type = false;
            if let Some(i) = spec {
                present |= 1 << i;
                if let Err(e) = conform(specs[i].kind, v) {
                    reasons.push((k.to_string(), format!("`{k}` {e}")));
                    wrong_type = true;
                }
            } else if !valid {
                reasons.push((k.to_string(), format!("attribute name `{k}` has characters other than letters, digits and `_`: Clerk would ignore it")));
            }
            let is_lines = entity == Entity::Orders && k == "products";
            if !is_lines && holds_object && !wrong_type {
                reasons.push((
                    k.to_string(),
                    format!("`{k}` holds an object: Clerk cannot filter or facet objects; spread it (`...expr`) or pick its fields"),
                ));
            }
        }
    });
    for (i, spec) in specs.iter().enumerate() {
        if spec.required && present & (1 << i) == 0 {
            reasons.push((
                spec.name.to_string(),
                format!(
                    "required attribute `{}` is missing (it must be {})",
                    spec.name,
                    spec.kind.describe()
                ),
            ));
        }
    }
    reasons
}

/// What [`validate_record`] found out about the attribute names of the last record it checked
/// on this thread, by their place: the records of one block mostly have the same names in the
/// same order, so each name is compared once with the last record's at its place instead of
/// being searched among the entity's fields and checked character by character.
#[derive(Default)]
struct Names {
    entity: Option<Entity>,
    /// The name at each place, its field among the entity's (if any), whether it is valid.
    by_place: Vec<(crate::value::Str, Option<usize>, bool)>,
}

thread_local! {
    static NAMES: std::cell::RefCell<Names> = std::cell::RefCell::default();
}

impl Names {
    /// Names are remembered for this many places; later ones are looked at each time.
    const MAX: usize = 256;

    /// The field among `specs` of `name`, at `place`, and whether it is a valid attribute name.
    #[inline]
    fn learn(&mut self, place: usize, name: &str, specs: &[FieldSpec]) -> (Option<usize>, bool) {
        if let Some((n, spec, valid)) = self.by_place.get(place)
            && crate::value::same_name(n, name)
        {
            return (*spec, *valid);
        }
        let spec = specs
            .iter()
            .position(|s| crate::value::same_name(s.name, name));
        let valid = is_valid_attribute_name(name);
        let learnt = (crate::value::Str::from(name), spec, valid);
        if let Some(slot) = self.by_place.get_mut(place) {
            *slot = learnt;
        } else if place == self.by_place.len() && place < Self::MAX {
            self.by_place.push(learnt);
        }
        (spec, valid)
    }
}

/// Drops the nulls in the lists and objects inside `v`, and says whether `v` is or holds an
/// object (one pass for both: this runs for every attribute of every record).
fn strip_nulls(v: &mut Value) -> bool {
    match v {
        Value::Array(items) => {
            if items.iter().any(Value::is_null) {
                items.retain(|x| !x.is_null());
            }
            let mut holds_object = false;
            for x in items.iter_mut() {
                if matches!(x, Value::Array(_) | Value::Object(_)) {
                    holds_object |= strip_nulls(x);
                }
            }
            holds_object
        }
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for x in m.values_mut() {
                strip_nulls(x);
            }
            true
        }
        _ => false,
    }
}

fn show(v: &Value) -> String {
    crate::value::show(v)
}

/// An absolute URL as a feed may hold it: `http://` or `https://` (in any case) and a host.
/// `Ok(Some(url))`: the URL with its spaces and control characters percent-encoded (as the
/// URL functions encode them: `hero image.png` is `hero%20image.png`), which no reader of the
/// feed takes raw; `Ok(None)`: as it is. A scan of its bytes, no parse: every record's `url`
/// and `image` go through it.
/// `Err(None)`: not a URL of those schemes; `Err(Some(why))`: one that is broken.
fn check_url(s: &str) -> Result<Option<String>, Option<&'static str>> {
    let b = s.as_bytes();
    let scheme = |name: &[u8]| b.len() >= name.len() && b[..name.len()].eq_ignore_ascii_case(name);
    let rest = if scheme(b"https://") {
        &b[8..]
    } else if scheme(b"http://") {
        &b[7..]
    } else {
        return Err(None);
    };
    let host_end = memchr::memchr3(b'/', b'?', b'#', rest).unwrap_or(rest.len());
    let host = &rest[..host_end];
    if host.is_empty() {
        return Err(Some("it has no host after the scheme"));
    }
    // every product's `url` and `image` come here: a scan without early exit, which the
    // compiler vectorises (a byte-by-byte search cost a Passweb run 1.7% of its instructions)
    let odd = |bytes: &[u8]| {
        bytes
            .iter()
            .fold(false, |found, &c| found | (c <= b' ') | (c == 0x7F))
    };
    if !odd(b) {
        return Ok(None);
    }
    if odd(host) {
        return Err(Some("its host holds a space or a control character"));
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c <= ' ' || c == '\u{7f}' {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    Ok(Some(out))
}

fn conform(kind: FieldKind, v: &mut Value) -> Result<(), String> {
    let bad = |v: &Value| {
        let mut msg = format!(
            "must be {}, got {} {}",
            kind.describe(),
            crate::value::kind(v),
            show(v)
        );
        if let (Value::String(_), Some(h)) = (v, kind.fix_hint()) {
            msg.push_str(&format!("; {h}"));
        }
        msg
    };
    match kind {
        FieldKind::Id => {
            if IdKind::of(v).is_none() {
                return Err(bad(v));
            }
            if v.as_str() == Some("") {
                return Err("is an empty string".into());
            }
        }
        FieldKind::String => {
            if !v.is_string() {
                return Err(bad(v));
            }
        }
        FieldKind::Float => match v.as_f64() {
            Some(f) if v.is_number() => {
                if !v.is_f64()
                    && let Some(n) = crate::value::Number::from_f64(f)
                {
                    *v = Value::Number(n);
                }
            }
            _ => return Err(bad(v)),
        },
        FieldKind::Int | FieldKind::UnixTime => {
            if v.is_i64() || v.is_u64() {
                return Ok(());
            }
            match v.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => *v = Value::from(f as i64),
                _ => return Err(bad(v)),
            }
        }
        FieldKind::Bool => {
            if !v.is_boolean() {
                return Err(bad(v));
            }
        }
        FieldKind::AbsoluteUrl => {
            let Some(s) = v.as_str() else {
                return Err(bad(v));
            };
            match check_url(s) {
                Ok(None) => {}
                Ok(Some(encoded)) => *v = Value::String(encoded.into()),
                Err(None) => return Err(bad(v)),
                Err(Some(why)) => {
                    return Err(format!(
                        "must be {}, got string {}: {why}",
                        kind.describe(),
                        show(v)
                    ));
                }
            }
        }
        FieldKind::IdList => match v {
            Value::Array(items) => {
                if let Some(x) = items.iter().find(|x| IdKind::of(x).is_none()) {
                    return Err(format!(
                        "must be a list of ids, but holds {} {}",
                        crate::value::kind(x),
                        show(x)
                    ));
                }
            }
            _ => return Err(bad(v)),
        },
        FieldKind::OrderStatus => match v.as_str() {
            Some(s) if ORDER_STATUSES.contains(&s) => {}
            _ => return Err(bad(v)),
        },
        FieldKind::OrderLines => {
            let Value::Array(lines) = v else {
                return Err(bad(v));
            };
            if lines.is_empty() {
                return Err("is an empty list: an order needs at least one line".into());
            }
            // "item 2 of 3": the order's products, not a line of the input
            let n = lines.len();
            for (i, line) in lines.iter_mut().enumerate() {
                let item = format!("item {} of {n}", i + 1);
                let Value::Object(m) = line else {
                    return Err(format!(
                        "{item} must be an object {{id, quantity, price}}, got {}",
                        show(line)
                    ));
                };
                for (field, kind) in [
                    ("id", FieldKind::Id),
                    ("quantity", FieldKind::Int),
                    ("price", FieldKind::Float),
                ] {
                    match m.get_mut(field) {
                        None => return Err(format!("{item} has no `{field}`")),
                        Some(x) => {
                            conform(kind, x).map_err(|e| format!("{item}: `{field}` {e}"))?
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn rec(v: Value) -> Record {
        match v {
            Value::Object(m) => m.into_iter().collect(),
            _ => Record::default(),
        }
    }

    #[test]
    fn names_learnt_from_earlier_records_change_no_verdict() {
        let records = [
            json!({"id": 1, "name": "a", "bad name": 1, "price": 1.0}),
            json!({"bad name": 1, "id": 2, "name": "b", "price": "x"}),
            json!({"id": 3, "name": "c", "price": 2.0, "ok_name": 1}),
            json!({"name": "d", "id": 4, "price": 2.0, "ok_name": 1, "bad-name": 2}),
            json!({"id": 5, "price": 1.5}),
        ];
        // Each record alone (a fresh thread: nothing learnt), then all of them in turn.
        let alone: Vec<_> = records
            .iter()
            .map(|r| {
                let r = r.clone();
                std::thread::spawn(move || validate_record(Entity::Products, &mut rec(r)))
                    .join()
                    .unwrap_or_default()
            })
            .collect();
        for _ in 0..2 {
            for (r, want) in records.iter().zip(&alone) {
                assert_eq!(
                    &validate_record(Entity::Products, &mut rec(r.clone())),
                    want
                );
                // Another entity between them: its names are learnt anew.
                validate_record(Entity::Categories, &mut rec(json!({"id": 1, "x y": 1})));
            }
        }
        assert!(alone[0].iter().any(|(a, _)| a == "bad name"));
        assert!(alone[1].iter().any(|(a, _)| a == "price"));
        assert!(alone[3].iter().any(|(a, _)| a == "bad-name"));
    }

    #[test]
    fn a_complete_product_passes_and_is_normalised() {
        let mut r = rec(
            json!({"id": "A1", "name": "n", "description": "d", "price": 10, "image": "https://x/i.jpg",
            "url": "https://x/a", "categories": ["C", null], "created_at": 1.7e9, "stock": 3.0, "extra": null}),
        );
        assert_eq!(
            validate_record(Entity::Products, &mut r),
            Vec::<(String, String)>::new()
        );
        assert_eq!(r.get("price").cloned().unwrap_or_default(), json!(10.0));
        assert_eq!(r.get("stock").cloned().unwrap_or_default(), json!(3));
        assert_eq!(
            r.get("categories").cloned().unwrap_or_default(),
            json!(["C"])
        );
        assert!(!r.contains_key("extra"));
    }

    /// A trial's feed held `https://` (no host), `http:// x`, raw spaces and a newline, and
    /// refused `HTTPS://x.test/a.jpg`: a host is required, the scheme's case is free, spaces
    /// and control characters are percent-encoded.
    #[test]
    fn urls_need_a_host_and_are_written_encoded() {
        let url = |u: &str| {
            let mut v = json!(u);
            conform(FieldKind::AbsoluteUrl, &mut v).map(|()| v)
        };
        assert_eq!(
            url("HTTPS://x.test/a.jpg"),
            Ok(json!("HTTPS://x.test/a.jpg"))
        );
        assert_eq!(
            url("https://x.test/café.jpg"),
            Ok(json!("https://x.test/café.jpg"))
        );
        assert_eq!(
            url("https://x.test/uploads/hero image.png"),
            Ok(json!("https://x.test/uploads/hero%20image.png"))
        );
        assert_eq!(
            url("https://x.test/a\nb"),
            Ok(json!("https://x.test/a%0Ab"))
        );
        assert_eq!(
            url("https://"),
            Err("must be an absolute URL (http:// or https://), got string \"https://\": it has no host after the scheme".into())
        );
        assert!(
            matches!(url("https:///x"), Err(e) if e.ends_with("it has no host after the scheme"))
        );
        assert!(
            matches!(url("http:// x"), Err(e) if e.ends_with("its host holds a space or a control character"))
        );
        assert!(matches!(url("/i.jpg"), Err(e) if e.contains("make it absolute with")));
        assert!(
            matches!(url("ftp://x.test/a"), Err(e) if e.starts_with("must be an absolute URL"))
        );
    }

    #[test]
    fn every_violation_is_reported() {
        let mut r = rec(
            json!({"id": "A1", "price": "10,5", "image": "/i.jpg", "bad-name": 1, "o": {"a": 1}}),
        );
        let reasons = validate_record(Entity::Products, &mut r);
        let all = reasons
            .into_iter()
            .map(|(_, m)| m)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(all.contains("`name` is missing"), "{all}");
        assert!(
            all.contains("`price` must be a number, got string \"10,5\"; convert with `| decimal`"),
            "{all}"
        );
        assert!(all.contains("`image` must be an absolute URL"), "{all}");
        assert!(all.contains("`bad-name`"), "{all}");
        assert!(all.contains("`o` holds an object"), "{all}");
        // An object where Clerk wants a bool is one reason, not two (an ERP trial's
        // `on_sale = .Streichpreis`, an XML element with attributes).
        let mut r = rec(json!({"id": "A1", "on_sale": {"@w": "EUR", "#text": "1"}}));
        let on_sale: Vec<String> = validate_record(Entity::Products, &mut r)
            .into_iter()
            .filter(|(a, _)| a == "on_sale")
            .map(|(_, m)| m)
            .collect();
        assert_eq!(on_sale.len(), 1, "{on_sale:?}");
        assert!(on_sale[0].starts_with("`on_sale` must be a bool, got object"));
    }

    #[test]
    fn nulls_go_at_every_depth_and_an_object_in_a_list_is_found() {
        let mut r = rec(json!({
            "id": "A1", "name": "n", "description": "d", "price": 1,
            "image": "https://x.test/i.jpg",
            "url": "https://x.test/a", "categories": [], "created_at": 0,
            "tags": ["a", null, ["b", null]],
            "deep": [[1, null, [{"k": null, "v": 2}]]],
            "flat": [1, 2, [3]],
            "gone": null,
        }));
        let reasons = validate_record(Entity::Products, &mut r);
        let objects: Vec<_> = reasons.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(objects, ["deep"], "{reasons:?}");
        assert_eq!(r.get("tags"), Some(&json!(["a", ["b"]])));
        assert_eq!(r.get("deep"), Some(&json!([[1, [{"v": 2}]]])));
        assert!(!r.contains_key("gone"));
    }

    #[test]
    fn order_lines_are_checked() {
        let mut r = rec(
            json!({"id": 1, "time": 5, "customer": "c", "products": [{"id": "A", "quantity": 2.0, "price": 3}]}),
        );
        assert!(validate_record(Entity::Orders, &mut r).is_empty());
        assert_eq!(
            r.get("products").cloned().unwrap_or_default(),
            json!([{"id": "A", "quantity": 2, "price": 3.0}])
        );
        let mut bad = rec(
            json!({"id": 1, "time": 5, "customer": "c", "products": [{"id": "A", "price": 3}]}),
        );
        assert_eq!(
            validate_record(Entity::Orders, &mut bad),
            vec![(
                "products".to_string(),
                "`products` item 1 of 1 has no `quantity`".to_string()
            )]
        );
    }
}
