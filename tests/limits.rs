//! The nesting limit of expressions (issue 10): deep expressions are refused with E017 at the
//! place they go past it, by `check`, `fmt` and `run` alike, instead of overflowing a stack; an
//! expression exactly at the limit is checked, formatted and evaluated on the engine's worker
//! threads.

mod support;

use clerkmap::check::{CompileOptions, check};
use clerkmap::clerk::Entity;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{self, Input, Memory, RunOptions};
use clerkmap::json;
use clerkmap::syntax::MAX_DEPTH;
use clerkmap::syntax::format::format;
use clerkmap::value::Value;
use support::{code, text};

/// `customers from c { id = .id; x = EXPR }`.
fn mapping(expr: &str) -> String {
    format!("customers from c {{\n  id = .id\n  x  = {expr}\n}}\n")
}

/// Expressions that read the record (so they are evaluated per record, not folded), `depth`
/// levels deep, each nesting a different way. A record path `.v` is 2 levels (`.` and `.v`).
fn shapes(depth: usize) -> Vec<(&'static str, String)> {
    let n = depth - 2;
    let wrap = |open: &str, inner: &str, close: &str, k: usize| {
        format!("{}{inner}{}", open.repeat(k), close.repeat(k))
    };
    let chain = |op: &str, leaf: &str, terms: usize| vec![leaf; terms].join(op);
    vec![
        ("calls", wrap("trim(", ".v", ")", n)),
        ("`??` chain", chain(" ?? ", ".v", depth - 1)),
        ("`+` chain", chain(" + ", ".n", depth - 1)),
        ("`~` chain", chain(" ~ ", ".v", depth - 1)),
        ("nested `if`", wrap("if .t { ", ".v", " }", n)),
        (
            "`else if` chain",
            format!(
                "if .t {{ 0 }} {}else {{ .v }}",
                "else if .t { 1 } ".repeat(n - 1)
            ),
        ),
        ("prefix operators", format!("{}.n", "- ".repeat(n))),
        ("`not`", format!("{}.t", "not ".repeat(n))),
        ("pipes", format!(".v{}", " | trim".repeat(n))),
        ("a path", format!(".v{}", ".b".repeat(n))),
        ("a projection", format!(".l[*]{}", ".b".repeat(n - 1))),
        ("lists", wrap("[", ".v", "]", n)),
        ("objects", wrap("{a: ", ".v", "}", n)),
        ("computed keys", wrap("{(.v): ", ".v", "}", n)),
        ("nested `match`", wrap("match .v { _ => ", ".v", " }", n)),
    ]
}

fn opts() -> CompileOptions {
    CompileOptions {
        env: Some(Default::default()),
        ..Default::default()
    }
}

/// Runs `f` on a thread with the stack of the binary's main thread (8 MiB), where `check`,
/// `fmt` and `explain` run (a test thread has 2 MiB).
fn on_main_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn_scoped(s, f)
            .and_then(|h| {
                h.join()
                    .map_err(|_| std::io::Error::other("the thread panicked"))
            })
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

#[test]
fn an_expression_at_the_limit_is_checked_formatted_and_evaluated_on_the_workers() {
    let record = json!({"id": "C1", "v": "a", "n": 1, "t": true, "l": [{"b": 1}]});
    for (what, expr) in shapes(MAX_DEPTH) {
        let src = SourceFile::new("deep.cmap", mapping(&expr));
        let checked = on_main_stack(|| {
            let formatted = format(&src.text).unwrap_or_else(|d| panic!("{what}: {}", d.message));
            assert_eq!(format(&formatted).ok(), Some(formatted.clone()), "{what}");
            check(&src, &opts()).unwrap_or_else(|d| panic!("{what}: {}", d[0].message))
        });
        // The engine's workers (rayon's threads, 2 MiB stacks) evaluate it.
        let input = Input::memory("c", "c.ndjson", format!("{record}\n").into_bytes());
        let run = RunOptions {
            inputs: vec![input],
            jobs: 2,
            ..RunOptions::default()
        };
        let mut memory = Memory::default();
        engine::run_into(&checked.program, &src, &run, &mut memory)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let written = memory.records(Entity::Customers).map_or(0, <[Value]>::len);
        assert_eq!(written + memory.rejects.len(), 1, "{what}");
    }
}

#[test]
fn one_level_more_is_refused_where_it_goes_past_the_limit() {
    for (what, expr) in shapes(MAX_DEPTH + 1) {
        let src = SourceFile::new("deep.cmap", mapping(&expr));
        let Err(diags) = check(&src, &opts()) else {
            panic!("{what}: checks");
        };
        assert_eq!(diags.len(), 1, "{what}");
        let d = &diags[0];
        assert_eq!(d.code, "E017", "{what}: {}", d.message);
        assert_eq!(
            d.message,
            format!("this expression nests more than {MAX_DEPTH} levels deep")
        );
        // It points into the expression, at one token.
        let at = d.span();
        let start = src.text.find("x  = ").unwrap_or(0);
        assert!(
            at.start > start && at.end <= src.text.len() - 3,
            "{what}: {at:?}"
        );
        assert!(at.end - at.start <= 5, "{what}: {at:?}");
        assert_eq!(
            format(&src.text).map_err(|d| d.code.to_string()),
            Err("E017".into())
        );
    }
}

/// `fn g0(x) = [[...x...]]`, `fn g1(x) = [[...g0(x)...]]`, ... up to `g{k}`, each body 40
/// levels of lists, and a block calling `g{k}(.v)`.
fn chain_of_functions(k: usize) -> String {
    let wrap = |inner: String| format!("{}{inner}{}", "[".repeat(40), "]".repeat(40));
    let mut src = format!("fn g0(x) = {}\n", wrap("x".into()));
    for i in 1..=k {
        src.push_str(&format!(
            "fn g{i}(x) = {}\n",
            wrap(format!("g{}(x)", i - 1))
        ));
    }
    src + &mapping(&format!("g{k}(.v)"))
}

#[test]
fn the_limit_counts_the_bodies_of_the_functions_called() {
    // The longest chain that checks runs on the workers; one function more is E017 at the call.
    let mut longest = None;
    for k in 0..12 {
        let src = SourceFile::new("fns.cmap", chain_of_functions(k));
        match on_main_stack(|| check(&src, &opts())) {
            Ok(checked) => longest = Some((src, checked)),
            Err(diags) => {
                assert_eq!(diags.len(), 1, "{k}");
                assert_eq!(diags[0].code, "E017", "{}", diags[0].message);
                assert!(
                    diags[0]
                        .message
                        .contains(&format!("the body of `g{}`", k - 1))
                );
                break;
            }
        }
    }
    let Some((src, checked)) = longest else {
        panic!("no chain checks");
    };
    assert!(src.text.contains("fn g4("), "{}", src.text);
    let record = json!({"id": "C1", "v": "a"});
    let input = Input::memory("c", "c.ndjson", format!("{record}\n").into_bytes());
    let run = RunOptions {
        inputs: vec![input],
        jobs: 2,
        ..RunOptions::default()
    };
    let mut memory = Memory::default();
    engine::run_into(&checked.program, &src, &run, &mut memory).unwrap_or_else(|e| panic!("{e}"));
    // Evaluated (a list that deep is then rejected as too deep for a feed): no overflow.
    let written = memory.records(Entity::Customers).map_or(0, <[Value]>::len);
    assert_eq!(written + memory.rejects.len(), 1);
}

/// The reproductions of issue 10, as the binary runs them: each overflowed a stack (exit 134).
#[test]
fn the_deep_mappings_of_the_issue_are_refused_by_check_fmt_and_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (
            "parens",
            format!("{}.v{}", "(".repeat(10_000), ")".repeat(10_000)),
        ),
        (
            "calls",
            format!("{}.v{}", "trim(".repeat(2_000), ")".repeat(2_000)),
        ),
        (
            "ifs",
            format!("{}.v{}", "if .t { ".repeat(1_600), " }".repeat(1_600)),
        ),
        ("coalesce", vec![".v"; 1_100].join(" ?? ")),
        (
            "else_if",
            format!("if .t {{ 1 }} {}", "else if .t { 1 } ".repeat(20_000)),
        ),
        ("not", format!("{}.t", "!".repeat(100_000))),
    ];
    let data = dir.path().join("c.ndjson");
    std::fs::write(&data, "{\"id\": \"C1\", \"v\": \"a\"}\n").unwrap_or_else(|e| panic!("{e}"));
    for (name, expr) in cases {
        let path = dir.path().join(format!("{name}.cmap"));
        std::fs::write(&path, mapping(&expr)).unwrap_or_else(|e| panic!("{e}"));
        let p = path.display().to_string();
        let input = format!("c={}", data.display());
        let out = dir.path().join("out").display().to_string();
        for args in [
            vec!["check", p.as_str()],
            vec!["fmt", "--check", p.as_str()],
            vec![
                "run",
                p.as_str(),
                "--input",
                &input,
                "--out",
                &out,
                "--jobs",
                "2",
            ],
        ] {
            let o = support::clerkmap(&args);
            let err = text(&o.stderr);
            assert_eq!(code(&o), 2, "{name}: {args:?}\n{err}");
            assert!(err.contains("error[E017]"), "{name}: {args:?}\n{err}");
            assert!(
                err.contains(&format!("nests more than {MAX_DEPTH} levels deep")),
                "{name}: {err}"
            );
        }
    }
}
