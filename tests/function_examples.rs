//! Every built-in function's `examples()` run through the real parser, compiler and evaluator.

use clerkmap::check::{CompileOptions, compile_expr};
use clerkmap::eval::{Env, eval};
use clerkmap::functions;
use clerkmap::syntax::parse_expr;
use clerkmap::value::Table;

/// Runs one example source; the JSON text of its value, or the error message.
fn run(source: &str, tables: &[Table]) -> Result<String, String> {
    let expr = parse_expr(source).map_err(|d| format!("parse: {}", d.message))?;
    let compiled =
        compile_expr(&expr, &["categorie"], &CompileOptions::default()).map_err(|ds| {
            ds.iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })?;
    let env = Env {
        slots: clerkmap::eval::Slots::NONE,
        rows: &[],
        tables,
        reads: None,
        bound: None,
    };
    eval(&compiled, &clerkmap::value::Value::Null, &env)
        .map(|v| v.to_string())
        .map_err(|e| e.message)
}

#[test]
fn every_function_example_holds() {
    let tables = [functions::example_table()];
    let mut failures = Vec::new();
    let mut count = 0;
    for f in functions::all() {
        assert!(!f.examples.is_empty(), "`{}` has no examples", f.name);
        for ex in f.examples {
            count += 1;
            let got = run(ex.source, &tables);
            let ok = match (&got, ex.result) {
                (Ok(v), Ok(want)) => v == want,
                (Err(e), Err(want)) => e.contains(want),
                _ => false,
            };
            if !ok {
                failures.push(format!(
                    "{} / {}: `{}`\n    want {:?}\n    got  {:?}",
                    f.name, ex.title, ex.source, ex.result, got
                ));
            }
        }
    }
    assert!(count > 100, "only {count} examples");
    assert!(
        failures.is_empty(),
        "{} of {count} examples fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn function_names_are_unique_and_documented() {
    let mut names: Vec<&str> = functions::all().map(|f| f.name).collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "duplicate function names");
    for f in functions::all() {
        assert!(!f.summary.is_empty(), "`{}` has no summary", f.name);
    }
}
