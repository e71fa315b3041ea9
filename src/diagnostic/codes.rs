//! Diagnostic codes. Each [`Code`] has its text (`E003`), a title and an explanation with the
//! usual fix; docs/language.md lists them all ([`Code::ALL`]).
//!
//! The table below is the one place a code is defined: the enum, its text, its title and its
//! explanation are generated from it, so they cannot drift apart.

use std::fmt;

/// Defines [`Code`] and its tables from one list of `Variant = "E001", "title", "explanation";`.
macro_rules! codes {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $text:literal, $title:literal, $explanation:literal;
    )*) => {
        /// What went wrong, as a stable code: docs, tests and users' notes refer to it.
        ///
        /// Codes are grouped by range: `E001`–`E099` are errors (the mapping is refused),
        /// `W001`–`W099` warnings (it runs). A new problem takes the next free number of its
        /// range. Never reuse a code: a retired code stays retired, so that an old note or
        /// search result never points at the wrong problem.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// `(code, title, explanation)` for every code, in order.
            pub const ALL: &'static [(Code, &'static str, &'static str)] = &[
                $( (Code::$variant, $title, $explanation), )*
            ];

            /// The code as written in diagnostics and docs: `"E003"`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            /// A few words: `"unknown function"`.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            /// What the problem is and the usual fix.
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explanation, )* }
            }
        }
    };
}

codes! {
    // ---- E001–E099: errors. Never reuse a code. ----

    /// `E001`: the file does not parse.
    Syntax = "E001", "syntax error",
        "The file does not follow the grammar. The caret shows where parsing stopped and what was expected there.";
    /// `E002`: a lookup function names a table no `lookup` declares.
    UnknownTable = "E002", "unknown lookup table",
        "A lookup function names a table that no `lookup NAME by .key` declaration defines. Declare it at file level; its rows come from `--input NAME=PATH`.";
    /// `E003`: no built-in function has this name.
    UnknownFunction = "E003", "unknown function",
        "No built-in function has this name. The hint suggests the closest one; docs/language.md lists them all.";
    /// `E004`: a name that is neither a `let`, an attribute nor `rows`.
    UnknownName = "E004", "unknown name",
        "A name must be a `let`, an attribute assigned earlier in the same block, or `rows` in a grouped block. Record fields are read with a leading dot: `.codice`.";
    /// `E005`: a call with too many or too few arguments.
    Arity = "E005", "wrong number of arguments",
        "The call passes more or fewer arguments than the function takes. With a pipe, the value on the left is the first argument.";
    /// `E006`: an attribute name Clerk would ignore.
    BadAttributeName = "E006", "invalid attribute name",
        "Clerk silently ignores attributes whose names contain anything but letters, digits and `_`.";
    /// `E007`: a block lacks an attribute its type requires.
    MissingRequired = "E007", "required attribute missing",
        "Clerk needs this attribute for every record of this type; without it every record would be rejected.";
    /// `E008`: an expression that can never have the type its place needs.
    TypeMismatch = "E008", "type mismatch",
        "The expression can never produce a value of the type this place needs.";
    /// `E009`: an attribute, `let`, table or block defined twice.
    Duplicate = "E009", "defined twice",
        "An attribute, `let`, lookup table or entity block is defined twice.";
    /// `E010`: an attribute read above its assignment.
    UsedBeforeAssigned = "E010", "attribute used before it is assigned",
        "Attributes are evaluated top to bottom; move the assignment above its first use.";
    /// `E011`: a block for a type Clerk does not have.
    UnknownEntity = "E011", "unknown entity type",
        "Blocks map to one of Clerk's five types: products, categories, orders, customers, pages.";
    /// `E012`: `rows` in a block without `group by`.
    RowsOutsideGroup = "E012", "`rows` outside a grouped block",
        "`rows` is the list of rows of the current group; it only exists in a block with `group by`.";
    /// `E013`: an invalid constant argument or a constant expression that fails.
    BadConstant = "E013", "invalid constant argument",
        "A constant argument (date format, time zone, base URL, ...) or a constant expression is invalid.";
    /// `E014`: `var()`/`env()` without a value and without a default.
    UnsetVariable = "E014", "variable not set",
        "`var(NAME)` without a default needs `--var NAME=VALUE` (or `vars:` in clerkmap.yaml); `env(NAME)` needs the environment variable.";
    /// `E015`: a file-level `let` that reads a record.
    RecordOutsideBlock = "E015", "record read outside a block",
        "A file-level `let` is computed once, before any record is read, so it cannot read record fields.";
    /// `E016`: a lookup table's name used as a value.
    TableAsValue = "E016", "table used as a value",
        "A lookup table can only be passed as the first argument of lookup functions (lookup, lookup_all, exists, ancestors, children).";
    /// `E017`: an expression that nests deeper than the limit (`syntax::MAX_DEPTH`).
    TooDeep = "E017", "expression nested too deeply",
        "An expression may nest at most 256 levels deep: brackets, calls, `if`/`match`, and each operator of a chain (`a ?? b ?? c`) or pipe count one level. Split it with `let`s.";
    /// `E018`: a user function named like a built-in function or special form.
    FunctionNameTaken = "E018", "function name taken",
        "A `fn` may not take the name of a built-in function or of `var`, `env`, `map`: a call must mean one function wherever it is read. Give it another name (`my_trim`, `shop_slug`).";
    /// `E019`: a user function that calls itself, directly or through others.
    Recursion = "E019", "recursive function",
        "A function may not call itself, directly (`fn f(x) = f(x)`) or through other functions (`f` calls `g`, which calls `f`): every call must end. For a category tree, declare a lookup table with `parent` and use `ancestors`/`children`; for a fixed depth, write the levels out.";
    /// `E020`: a user function's body reads the record or `rows`.
    RecordInFunction = "E020", "record read in a function",
        "A function's body sees only its parameters, the file-level `let`s, the lookup tables and the other functions: it has no record (`.`, `.field`) and no `rows`. Pass what it needs as an argument: `fn price_of(p) = p | decimal` called as `price_of(.prezzo)`, or the whole record as `f(.)`. Inside `[? ...]` and `map`, `.` is the element, as everywhere.";
    /// `E023`: lookup tables whose keys (or parents) look each other up in a cycle.
    TableCycle = "E023", "lookup tables in a cycle",
        "A lookup table's key and parent may look up other tables, which are then loaded first; tables that look each other up (or a table that looks itself up) cannot be loaded one after the other. Compute one of the keys from the row alone.";

    // ---- W001–W099: warnings. Never reuse a code. ----

    /// `W001`: a `--var` the mapping never reads.
    UnusedVar = "W001", "variable not used",
        "A `--var` was given that the mapping never reads: probably a typo.";
    /// `W002`: a lookup table no function reads.
    UnusedLookup = "W002", "lookup table not used",
        "A lookup table is declared but no function reads it.";
    /// `W003`: a record path that occurs in no record of the input given for it.
    UnknownPath = "W003", "path in no record of the input",
        "With inputs (`check --input NAME=PATH`, and every `run`), the records of each input are read (the first 10000 of a large file) and every record path the mapping reads from it is looked for: this one occurs in none, probably a misspelt field. The hint names the closest path the records have; `clerkmap inspect FILE` lists them all. A field that only records after the first 10000 have gives this warning too.";
    /// `W004`: a user function no expression calls.
    UnusedFunction = "W004", "function not used",
        "A `fn` is declared but nothing calls it (a function called only by unused functions counts as used).";
    /// `W005`: in `map`'s body, a `[? ]` filter compares a field of its element with `.`.
    ShadowedElement = "W005", "`.` in a filter inside `map`",
        "Inside `map`'s body `.` is the list's element, but inside a `[? ]` filter it is the filtered element: `map(.axes[*].n, join(.axes[? .n == .].v, \",\"))` compares each axis's `n` with the axis itself, never `map`'s element (and `.axes` is read from the element, not the record). Name the elements so that each stays reachable: `map(.axes[*].n, n => join(.axes[? a => a.n == n].v, \",\"))`: with a named element, `.` keeps the meaning it has outside.";
    /// `W006`: in a grouped block, `key` names a `let` or an attribute, not the group's key.
    KeyHidden = "W006", "`key` hidden by a let",
        "In a grouped block the name `key` is the group's key, unless a `let` (of the block or of the file) or an attribute of that name exists: then `key` is that value, as it was before grouped blocks had a key. Rename the `let` to read the group's key.";
    /// `W007`: an index, or `[*]` then a field, right after a `[? ]` filter.
    StepAfterFilter = "W007", "step after a filter applies to each element",
        "The rest of a path after `[? ]` applies to every element kept, not to the list of them: `.varianti[? .stock > 0][0]` indexes each variant (an object: nothing), so the result is always `[]`; `.varianti[? .stock > 0][*].taglia` takes the values of each variant and reads `taglia` from those. For the first element kept, write `first(.varianti[? ...])` or bracket the filter, `(.varianti[? ...])[0]`; for a field of each, leave out the `[*]`: `.varianti[? ...].taglia`.";
    /// `W008`: a record path whose values are texts compared with a number or a bool.
    TextComparedWithNumber = "W008", "text compared with a number or a bool",
        "With inputs (`check --input NAME=PATH`, and every `run`), a record path compared with `==` or `!=` to a number or a bool (`.status == 1`, `.newsletter == true`) where every value the input has there is a text (a CSV's values always are): a text is never equal to a number or a bool, so the condition is always false (or always true with `!=`): a `where` keeps nothing, a filter finds nothing. Compare with the text (`.status == \"1\"`), or convert the value first (`(.status | int) == 1`).";
    /// `W009`: a field read right from a list (`rows.x`).
    FieldOfList = "W009", "field of a list",
        "A field read right from a list is null in every record: a list has elements, not fields. `rows.sku` (in a grouped block) or `skus.price` (a `let` holding a filtered list) is always null. For the field of each element, write `rows[*].sku`; for the first element's, `first(rows).sku` (in a grouped block `.sku` is the first row's too).";
    /// `W010`: `[*]` over a path that is one value in some records, a list in others.
    EachOfOneOrMany = "W010", "`[*]` over one value or a list",
        "With inputs (`check --input NAME=PATH`, which reads their records whole), `[*]` over a record path that is a list in some records and one value in others (an XML element that occurs once or several times: `<Variante>`): where it is one object, `[*]` walks that object's fields, not one element, so `.Varianten.Variante[*].\"@ean\"` is `[]` for the article with a single variant (and one text gives `[]`), silently. Make it a list first: `flatten([.Varianten.Variante])[*].\"@ean\"`, or `map(flatten([.Varianten.Variante]), ...)`.";
}

/// The formatter's name for [`Code::Syntax`].
pub const SYNTAX: Code = Code::Syntax;

impl Code {
    /// The code written `text` (`"e003"` too), if there is one.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .map(|(c, _, _)| *c)
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
    }

    /// Whether diagnostics with this code are warnings (`W...`) rather than errors.
    pub fn is_warning(self) -> bool {
        self.as_str().starts_with('W')
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique_and_in_order() {
        let texts: Vec<&str> = Code::ALL.iter().map(|(c, _, _)| c.as_str()).collect();
        let unique: HashSet<&str> = texts.iter().copied().collect();
        assert_eq!(unique.len(), texts.len(), "a code is used twice: {texts:?}");
        let mut sorted = texts.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, texts, "Code::ALL is not in code order");
        for (code, title, explanation) in Code::ALL {
            assert_eq!(code.title(), *title);
            assert_eq!(code.explanation(), *explanation);
            assert!(!title.is_empty() && !explanation.is_empty(), "{code}");
        }
    }

    #[test]
    fn display_parse_and_compare() {
        assert_eq!(Code::UnknownFunction.to_string(), "E003");
        assert_eq!(Code::parse("e003"), Some(Code::UnknownFunction));
        assert_eq!(Code::parse("W002"), Some(Code::UnusedLookup));
        assert_eq!(Code::parse("E999"), None);
        assert!(Code::Syntax == "E001");
        assert!(Code::UnusedVar.is_warning() && !Code::Duplicate.is_warning());
    }
}
