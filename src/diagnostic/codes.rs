//! Diagnostic codes. Each has a title and an explanation with the usual fix; `clerkmap explain
//! CODE` style help and docs/language.md list them.

pub const SYNTAX: &str = "E001";
pub const UNKNOWN_TABLE: &str = "E002";
pub const UNKNOWN_FUNCTION: &str = "E003";
pub const UNKNOWN_NAME: &str = "E004";
pub const ARITY: &str = "E005";
pub const BAD_ATTRIBUTE_NAME: &str = "E006";
pub const MISSING_REQUIRED: &str = "E007";
pub const TYPE_MISMATCH: &str = "E008";
pub const DUPLICATE: &str = "E009";
pub const USED_BEFORE_ASSIGNED: &str = "E010";
pub const UNKNOWN_ENTITY: &str = "E011";
pub const ROWS_OUTSIDE_GROUP: &str = "E012";
pub const BAD_CONSTANT: &str = "E013";
pub const UNSET_VARIABLE: &str = "E014";
pub const RECORD_OUTSIDE_BLOCK: &str = "E015";
pub const TABLE_AS_VALUE: &str = "E016";
pub const UNUSED_VAR: &str = "W001";
pub const UNUSED_LOOKUP: &str = "W002";

/// `(code, title, explanation)` for every code.
pub const ALL: &[(&str, &str, &str)] = &[
    (
        SYNTAX,
        "syntax error",
        "The file does not follow the grammar. The caret shows where parsing stopped and what was expected there.",
    ),
    (
        UNKNOWN_TABLE,
        "unknown lookup table",
        "A lookup function names a table that no `lookup NAME by .key` declaration defines. Declare it at file level; its rows come from `--input NAME=PATH`.",
    ),
    (
        UNKNOWN_FUNCTION,
        "unknown function",
        "No built-in function has this name. The hint suggests the closest one; docs/language.md lists them all.",
    ),
    (
        UNKNOWN_NAME,
        "unknown name",
        "A name must be a `let`, an attribute assigned earlier in the same block, or `rows` in a grouped block. Record fields are read with a leading dot: `.codice`.",
    ),
    (
        ARITY,
        "wrong number of arguments",
        "The call passes more or fewer arguments than the function takes. With a pipe, the value on the left is the first argument.",
    ),
    (
        BAD_ATTRIBUTE_NAME,
        "invalid attribute name",
        "Clerk silently ignores attributes whose names contain anything but letters, digits and `_`.",
    ),
    (
        MISSING_REQUIRED,
        "required attribute missing",
        "Clerk needs this attribute for every record of this type; without it every record would be rejected.",
    ),
    (
        TYPE_MISMATCH,
        "type mismatch",
        "The expression can never produce a value of the type this place needs.",
    ),
    (
        DUPLICATE,
        "defined twice",
        "An attribute, `let`, lookup table or entity block is defined twice.",
    ),
    (
        USED_BEFORE_ASSIGNED,
        "attribute used before it is assigned",
        "Attributes are evaluated top to bottom; move the assignment above its first use.",
    ),
    (
        UNKNOWN_ENTITY,
        "unknown entity type",
        "Blocks map to one of Clerk's five types: products, categories, orders, customers, pages.",
    ),
    (
        ROWS_OUTSIDE_GROUP,
        "`rows` outside a grouped block",
        "`rows` is the list of rows of the current group; it only exists in a block with `group by`.",
    ),
    (
        BAD_CONSTANT,
        "invalid constant argument",
        "A constant argument (date format, time zone, base URL, ...) or a constant expression is invalid.",
    ),
    (
        UNSET_VARIABLE,
        "variable not set",
        "`var(NAME)` without a default needs `--var NAME=VALUE` (or `vars:` in clerkmap.yaml); `env(NAME)` needs the environment variable.",
    ),
    (
        RECORD_OUTSIDE_BLOCK,
        "record read outside a block",
        "A file-level `let` is computed once, before any record is read, so it cannot read record fields.",
    ),
    (
        TABLE_AS_VALUE,
        "table used as a value",
        "A lookup table can only be passed as the first argument of lookup functions (lookup, exists, ancestors, children).",
    ),
    (
        UNUSED_VAR,
        "variable not used",
        "A `--var` was given that the mapping never reads: probably a typo.",
    ),
    (
        UNUSED_LOOKUP,
        "lookup table not used",
        "A lookup table is declared but no function reads it.",
    ),
];

/// The title and explanation of a code.
pub fn explain(code: &str) -> Option<(&'static str, &'static str)> {
    ALL.iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, t, e)| (*t, *e))
}
