//! `clerkmap push` against a fake Clerk on 127.0.0.1, and the shrink guard of `run` and `push`.

mod support_clerk;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use clerkmap::json;
use clerkmap::value::Value;
use support_clerk::*;

/// `push --from DIR` against the fake, with short timeouts and backoff so faults cost little.
fn push(fake: &FakeClerk, dir: &Path, extra: &[&str]) -> std::process::Output {
    let d = dir.display().to_string();
    let mut args = vec![
        "push",
        "--from",
        &d,
        "--api-url",
        &fake.url,
        "--backoff-ms",
        "5",
        "--max-backoff-ms",
        "50",
        "--save-every-ms",
        "0",
    ];
    if !extra.contains(&"--timeout") {
        args.extend_from_slice(&["--timeout", "2"]);
    }
    args.extend_from_slice(extra);
    clerkmap(&args)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn assert_no_duplicates(log: &Log, entity: &str) {
    let ids = log.upserted_ids(entity);
    let mut uniq = ids.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(ids.len(), uniq.len(), "{entity} sent twice: {ids:?}");
}

/// Every id of every feed reached the fake exactly once.
fn assert_all_exactly_once(fake: &FakeClerk, dir: &Path) {
    let log = fake.log();
    assert!(log.shape_errors.is_empty(), "{:?}", log.shape_errors);
    for e in ENTITIES {
        assert_no_duplicates(&log, e);
        assert_eq!(
            sorted(log.upserted_ids(e)),
            sorted(ids(&feed(dir, e))),
            "{e}: not everything arrived"
        );
    }
}

fn assert_no_secret(what: &str, s: &str) {
    assert!(
        !s.contains(PRIVATE),
        "the private key leaked into {what}:\n{s}"
    );
}

#[test]
fn faults_lose_nothing_and_duplicate_nothing() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.fault(Some("POST"), Fault::TooMany(1));
    fake.fault(Some("POST"), Fault::Status(500));
    fake.fault(Some("POST"), Fault::Drop);
    fake.fault(Some("POST"), Fault::Status(503));
    fake.fault(Some("POST"), Fault::Hang(Duration::from_millis(1500)));
    fake.fault(Some("POST"), Fault::Slow(Duration::from_millis(100)));
    fake.fault(
        Some("POST"),
        Fault::Clerk(200, "InternalError", "try again"),
    );
    fake.fault(Some("POST"), Fault::Status(502));
    let o = push(
        &fake,
        dir,
        &[
            "--batch-size",
            "8",
            "--concurrency",
            "3",
            "--timeout",
            "0.5",
            "--gzip",
        ],
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 0, "stdout:\n{out}\nstderr:\n{err}");
    if std::env::var_os("SHOW").is_some() {
        eprintln!("{out}\n{err}");
    }
    assert_eq!(fake.faults_left(), 0, "every fault was met");
    assert_all_exactly_once(&fake, dir);
    let log = fake.log();
    for seen in ["429", "500", "dropped", "503", "502"] {
        assert!(
            log.requests.iter().any(|r| r.ends_with(seen)),
            "{seen} not injected: {:?}",
            log.requests
        );
    }
    assert!(err.contains("retry"), "retries are logged:\n{err}");
    assert!(
        out.contains("products            39         0         0         0"),
        "{out}"
    );
    assert!(out.contains("records acknowledged"), "{out}");
    let state = std::fs::read_to_string(dir.join("clerkmap-state.json")).unwrap_or_default();
    assert!(state.contains(PUBLIC), "state is kept per store");
    for (what, s) in [
        ("stdout", &out),
        ("stderr", &err),
        ("the state file", &state),
    ] {
        assert_no_secret(what, s);
    }
}

#[test]
fn incremental_push_sends_changes_and_deletes_only_what_is_gone() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    let o = push(&fake, dir, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_all_exactly_once(&fake, dir);

    // The same data again: nothing is sent.
    fake.clear_log();
    let o = push(&fake, dir, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(fake.log().entity_requests(), 0, "{:?}", fake.log().requests);
    let out = text(&o.stdout);
    assert!(
        out.contains("products             0        39         0         0"),
        "{out}"
    );

    // One product changed, one gone; one order changed, one gone.
    let mut products = feed(dir, "products");
    products[0]["price"] = json!(1234.5);
    let changed = key(&products[0]["id"]);
    let gone = key(&products.remove(1)["id"]);
    write_feed(dir, "products", &products);
    let mut orders = feed(dir, "orders");
    orders[0]["status"] = json!("CANCELLED");
    orders.remove(1);
    write_feed(dir, "orders", &orders);

    let dry = push(&fake, dir, &["--dry-run"]);
    assert_eq!(code(&dry), 0, "{}", text(&dry.stderr));
    let dry_out = text(&dry.stdout);
    assert!(
        dry_out.contains("would send 1 (new 0, changed 1)"),
        "{dry_out}"
    );
    assert!(
        dry_out.contains(&format!("would delete 1: {gone}")),
        "{dry_out}"
    );
    assert_eq!(fake.log().entity_requests(), 0, "a dry run sends nothing");

    fake.clear_log();
    let o = push(&fake, dir, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let log = fake.log();
    assert_eq!(log.upserted_ids("products"), vec![changed]);
    assert_eq!(log.upserted_ids("products").len(), 1);
    assert_eq!(log.deleted_ids("products"), vec![gone]);
    assert!(
        !log.upserts.contains_key("orders"),
        "an acknowledged order is never sent again"
    );
    assert!(
        !log.deletes.contains_key("orders"),
        "orders are never deleted"
    );
    assert!(log.shape_errors.is_empty(), "{:?}", log.shape_errors);
    let out = text(&o.stdout);
    assert!(
        out.contains("products             1        37         1         0"),
        "{out}"
    );

    // --full sends everything again, orders too.
    fake.clear_log();
    let o = push(&fake, dir, &["--full", "--entities", "products,orders"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let log = fake.log();
    assert_eq!(log.upserted_ids("products").len(), 38);
    assert_eq!(log.upserted_ids("orders").len(), 16);
    assert!(
        !log.upserts.contains_key("pages"),
        "--entities limits the push"
    );
}

#[test]
fn push_refuses_a_mass_deletion_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    assert_eq!(code(&push(&fake, dir, &[])), 0);
    fake.clear_log();

    let products = feed(dir, "products");
    write_feed(dir, "products", &products[..20]);
    let o = push(&fake, dir, &[]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 4, "{err}");
    assert!(
        err.contains("products: 19 of 39 ids (48.7%) would disappear"),
        "{err}"
    );
    assert!(
        err.contains("and 14 more") && err.contains("--allow-shrink"),
        "{err}"
    );
    assert_eq!(fake.log().entity_requests(), 0, "nothing sent when refused");

    write_feed(dir, "products", &[]);
    let o = push(&fake, dir, &[]);
    assert_eq!(code(&o), 4);
    assert!(
        text(&o.stderr).contains("products: the feed is empty"),
        "{}",
        text(&o.stderr)
    );

    write_feed(dir, "products", &products[..20]);
    let o = push(&fake, dir, &["--max-shrink", "50%"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(fake.log().deleted_ids("products").len(), 19);

    write_feed(dir, "products", &products[..5]);
    let o = push(&fake, dir, &["--allow-shrink"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(fake.log().deleted_ids("products").len(), 19 + 15);
}

#[test]
fn a_push_stopped_half_way_resumes_without_loss_or_duplicates() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.fail_after(3);
    let o = push(
        &fake,
        dir,
        &[
            "--batch-size",
            "5",
            "--concurrency",
            "2",
            "--retries",
            "2",
            "--retry-budget",
            "3",
        ],
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("stopped:") && out.contains("retry budget"),
        "{out}"
    );
    assert_eq!(fake.log().upserted_ids("products").len(), 15);
    fake.heal();
    let o = push(&fake, dir, &["--batch-size", "5"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_all_exactly_once(&fake, dir);
}

#[test]
fn a_push_killed_half_way_resumes_without_loss_or_duplicates() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.block_after(4);
    let d = dir.display().to_string();
    let mut child = command(&[
        "push",
        "--from",
        &d,
        "--api-url",
        &fake.url,
        "--batch-size",
        "5",
        "--concurrency",
        "1",
        "--save-every-ms",
        "0",
        "--timeout",
        "30",
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap_or_else(|e| panic!("cannot start clerkmap: {e}"));
    let blocked = wait_until(Duration::from_secs(20), || fake.blocked() > 0);
    // A second push meanwhile is refused: one push per state file.
    let second = push(&fake, dir, &[]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(blocked, "the push never reached the 5th batch");
    assert_eq!(code(&second), 2, "{}", text(&second.stderr));
    assert!(text(&second.stderr).contains("another push is using the state file"));
    assert_eq!(fake.log().upserted_ids("products").len(), 20);
    fake.heal();
    let o = push(&fake, dir, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_all_exactly_once(&fake, dir);
}

#[test]
fn clerk_errors_are_reported_with_type_message_and_ids_and_not_retried() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.fault(
        Some("POST"),
        Fault::Clerk(400, "ParsingError", "price must be a float"),
    );
    let o = push(
        &fake,
        dir,
        &[
            "--entities",
            "products",
            "--batch-size",
            "10",
            "--concurrency",
            "1",
        ],
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1, "{out}\n{err}");
    let first: Vec<String> = ids(&feed(dir, "products")).into_iter().take(10).collect();
    assert!(out.contains("ParsingError: price must be a float"), "{out}");
    assert!(
        out.contains(&format!("batch 1 (10 ids: {}", first.join(", "))),
        "{out}"
    );
    assert!(
        out.contains("products            29         0         0        10"),
        "{out}"
    );
    assert_eq!(
        fake.log().requests.len(),
        4,
        "the refused batch is not retried"
    );
    // The next push sends just that batch.
    fake.clear_log();
    let o = push(&fake, dir, &["--entities", "products"]);
    assert_eq!(code(&o), 0);
    assert_eq!(sorted(fake.log().upserted_ids("products")), sorted(first));
}

#[test]
fn the_private_key_never_appears_even_when_echoed() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.fault(Some("POST"), Fault::EchoKey);
    let o = push(&fake, dir, &["--entities", "pages"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1);
    assert!(out.contains("private key *** is not valid"), "{out}");
    assert!(
        out.contains("check CLERK_PUBLIC_KEY and CLERK_PRIVATE_KEY"),
        "{out}"
    );
    assert_no_secret("stdout", &out);
    assert_no_secret("stderr", &err);
    // Deletes carry the key in the query: a failing one must not print the URL.
    assert_eq!(code(&push(&fake, dir, &["--entities", "pages"])), 0);
    let pages = feed(dir, "pages");
    write_feed(dir, "pages", &pages[1..]);
    fake.fault(Some("DELETE"), Fault::Drop);
    fake.fault(Some("DELETE"), Fault::Drop);
    let o = push(
        &fake,
        dir,
        &["--entities", "pages", "--retries", "1", "--allow-shrink"],
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(out.contains("DELETE /pages batch 1"), "{out}");
    assert_no_secret("stdout", &out);
    assert_no_secret("stderr", &err);
    // And a dry run.
    let o = push(&fake, dir, &["--dry-run", "--allow-shrink"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_no_secret("dry run", &text(&o.stdout));
    let state = std::fs::read_to_string(dir.join("clerkmap-state.json")).unwrap_or_default();
    assert_no_secret("the state file", &state);
}

#[test]
fn push_maps_first_when_given_inputs() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let state = tmp.path().join("state.json").display().to_string();
    let fake = FakeClerk::start();
    let o = clerkmap(&[
        "push",
        "--input",
        "articoli=mappings/sample/articoli.ndjson",
        "--input",
        "categorie=mappings/sample/categorie.csv",
        "--api-url",
        &fake.url,
        "--state",
        &state,
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let log = fake.log();
    assert_eq!(log.upserted_ids("products").len(), 39);
    assert_eq!(log.upserted_ids("categories").len(), 23);
    assert!(log.shape_errors.is_empty(), "{:?}", log.shape_errors);
    assert!(
        std::fs::metadata(&state).is_ok(),
        "state written where asked"
    );
}

#[test]
fn a_push_that_maps_no_record_names_no_file_gone_with_it() {
    // The feeds of `push --input` are mapped into a temporary directory, gone when it stops:
    // the abort said `(see rejects.ndjson)`.
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    let mapping = d.join("m.cmap");
    std::fs::write(
        &mapping,
        "customers from p {\n  id  = .id\n  age = .age | int\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let input = d.join("p.ndjson");
    std::fs::write(&input, "{\"id\":\"c2\",\"age\":\"x\"}\n").unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeClerk::start();
    let o = clerkmap(&[
        "push",
        &mapping.display().to_string(),
        "--input",
        &format!("p={}", input.display()),
        "--api-url",
        &fake.url,
        "--state",
        &d.join("state.json").display().to_string(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 4, "{err}");
    assert!(
        err.contains("aborted: all 1 customers records were rejected; an empty feed would make Clerk delete every customer; nothing was pushed (`clerkmap run` with the same inputs and `--out DIR` writes each reject, with every reason, in DIR/rejects.ndjson)"),
        "{err}"
    );
    assert!(!err.contains("see rejects.ndjson"), "{err}");
    // the accounting names no file: the feed was mapped into a temporary directory
    assert!(
        err.contains("customers: read 1 = written 0 + filtered 0 + rejected 1 ("),
        "{err}"
    );
    assert!(!err.contains("-> customers"), "{err}");
    assert!(fake.log().upserted_ids("customers").is_empty());
}

#[test]
fn keys_and_urls_are_checked_before_anything_happens() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path().display().to_string();
    let o = command(&["push", "--from", &d])
        .env_remove("CLERK_PRIVATE_KEY")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("CLERK_PRIVATE_KEY"),
        "{}",
        text(&o.stderr)
    );
    let o = clerkmap(&["push", "--from", &d, "--api-url", "http://api.clerk.io/v2"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("use https"), "{}", text(&o.stderr));
    let o = clerkmap(&["push", "--from", &d, "--api-url", "http://127.0.0.1:9/v2"]);
    assert_eq!(code(&o), 2, "an empty directory: {}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("no feed file"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn run_refuses_to_replace_a_feed_with_a_much_smaller_one() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let before = std::fs::read_to_string(dir.join("products.json")).unwrap_or_default();
    let few = dir.join("few.ndjson");
    let lines: Vec<String> =
        std::fs::read_to_string(support_clerk::root().join("mappings/sample/articoli.ndjson"))
            .unwrap_or_default()
            .lines()
            .take(10)
            .map(String::from)
            .collect();
    std::fs::write(&few, lines.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    let out = dir.display().to_string();
    let input = format!("articoli={}", few.display());
    let args = [
        "run",
        "--input",
        &input,
        "--input",
        "categorie=mappings/sample/categorie.csv",
        "--out",
        &out,
    ];
    let o = clerkmap(&args);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 4, "{err}");
    assert!(
        err.contains("would disappear compared with the previous feed"),
        "{err}"
    );
    assert!(
        err.contains("and ") && err.contains("e.g. "),
        "lists a few ids: {err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("products.json")).unwrap_or_default(),
        before,
        "the old feed is untouched"
    );
    let mut with = args.to_vec();
    with.push("--allow-shrink");
    let o = clerkmap(&with);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let now: Vec<Value> = feed(dir, "products");
    assert!(now.len() <= 10, "written with --allow-shrink");
}

/// Push throughput against the fake: `cargo test --release --test push -- --ignored --nocapture`.
#[test]
#[ignore]
fn push_throughput() {
    let n: usize = std::env::var("PUSH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let batch = std::env::var("PUSH_BATCH").unwrap_or_else(|_| "500".into());
    let conc = std::env::var("PUSH_CONCURRENCY").unwrap_or_else(|_| "4".into());
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let mut nd = String::new();
    let sample = feed_sample();
    for i in 0..n {
        let mut r = sample.clone();
        r["id"] = json!(i);
        r["name"] = json!(format!("Product {i}"));
        nd.push_str(&r.to_string());
        nd.push('\n');
    }
    std::fs::write(dir.join("products.ndjson"), nd).unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeClerk::start();
    let started = std::time::Instant::now();
    let o = push(
        &fake,
        dir,
        &[
            "--batch-size",
            &batch,
            "--concurrency",
            &conc,
            "--timeout",
            "30",
        ],
    );
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(fake.log().upserted_ids("products").len(), n);
    println!("{}", text(&o.stdout));
    println!(
        "push throughput: {n} products (~{} bytes each) in {secs:.2}s wall = {:.0} records/s (batch {batch}, concurrency {conc})",
        sample.to_string().len(),
        n as f64 / secs
    );
}

/// A realistic product: the first of the sample shop.
fn feed_sample() -> Value {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run_sample(tmp.path());
    feed(tmp.path(), "products").remove(0)
}

#[test]
fn ctrl_c_finishes_the_requests_in_flight_and_saves_the_state() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.block_after(2);
    let d = dir.display().to_string();
    // State saves far apart: only the save at the interruption records the two batches.
    let child = command(&[
        "push",
        "--from",
        &d,
        "--api-url",
        &fake.url,
        "--batch-size",
        "5",
        "--concurrency",
        "1",
        "--timeout",
        "1",
        "--retries",
        "0",
        "--save-every-ms",
        "600000",
    ])
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap_or_else(|e| panic!("cannot start clerkmap: {e}"));
    assert!(
        wait_until(Duration::from_secs(20), || fake.blocked() > 0),
        "the push never reached the 3rd batch"
    );
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(sent, "cannot send SIGINT");
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(out.contains("stopped: interrupted"), "{out}\n{err}");
    let state = std::fs::read_to_string(dir.join("clerkmap-state.json")).unwrap_or_default();
    let v: Value = serde_json::from_str(&state).unwrap_or_else(|e| panic!("{e}: {state}"));
    let acked = v["stores"][PUBLIC]["products"]["ids"]
        .as_object()
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(acked, 10, "the two acknowledged batches are in the state");
    fake.heal();
    let o = push(&fake, dir, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_all_exactly_once(&fake, dir);
}

#[test]
fn push_with_a_project_file_pushes_every_store_with_its_own_keys() {
    let fake = FakeClerk::start();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = root().join("mappings/sample");
    let yaml = format!(
        r#"out: out
inputs:
  articoli: {s}/articoli.ndjson
  categorie: {s}/categorie.csv
stores:
  - name: it
    default: true
    countries: [IT]
    clerk: {{ public_key_env: IT_PUBLIC, private_key_env: IT_PRIVATE }}
  - name: de
    countries: [DE]
    clerk: {{ public_key_env: DE_PUBLIC, private_key_env: DE_PRIVATE }}
"#,
        s = s.display()
    );
    let cfg = dir.path().join("clerkmap.yaml");
    std::fs::write(&cfg, yaml).unwrap_or_else(|e| panic!("{e}"));
    let cfg_s = cfg.display().to_string();
    let o = clerkmap(&["run", "-q", "-c", &cfg_s]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let args = [
        "push",
        "-c",
        &cfg_s,
        "--api-url",
        &fake.url,
        "--backoff-ms",
        "5",
        "--timeout",
        "2",
    ];
    // each store a Clerk store of its own (one key for both is refused)
    fake.also_accept("pk_test_de", PRIVATE);
    let keys = [
        ("IT_PUBLIC", PUBLIC),
        ("IT_PRIVATE", PRIVATE),
        ("DE_PUBLIC", "pk_test_de"),
    ];
    // The de store's private key is missing: refused before anything is sent to it.
    let mut c = command(&args);
    c.envs(keys)
        .env_remove("CLERK_PUBLIC_KEY")
        .env_remove("CLERK_PRIVATE_KEY");
    let o = c.output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("DE_PRIVATE"),
        "{}",
        text(&o.stderr)
    );
    let mut c = command(&args);
    c.envs(keys)
        .env("DE_PRIVATE", PRIVATE)
        .env_remove("CLERK_PUBLIC_KEY")
        .env_remove("CLERK_PRIVATE_KEY");
    let o = c.output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&o), 0, "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(
        text(&o.stdout).contains("== store de"),
        "{}",
        text(&o.stdout)
    );
    let products = feed(&dir.path().join("out/it"), "products").len();
    assert_eq!(
        fake.log().upserted_ids("products").len(),
        2 * products,
        "each store pushed its products"
    );
    for store in ["it", "de"] {
        assert!(
            dir.path()
                .join("out")
                .join(store)
                .join("clerkmap-state.json")
                .exists(),
            "{store} state"
        );
    }
}

#[test]
fn numeric_flags_are_checked_when_parsed_and_say_their_range() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path().display().to_string();
    let secs = "more than 0 and at most 3600";
    for (flag, value, range) in [
        ("--timeout", "inf", secs),
        ("--timeout", "-inf", secs),
        ("--timeout", "NaN", secs),
        ("--timeout", "0", secs),
        ("--timeout", "-1", secs),
        ("--timeout", "1e300", secs),
        ("--timeout", "3601", secs),
        ("--batch-size", "0", "from 1 to 10000"),
        ("--batch-size", "18446744073709551616", "from 1 to 10000"),
        ("--batch-bytes", "0", "from 1k to 256M"),
        ("--batch-bytes", "17592186044416M", "from 1k to 256M"),
        ("--batch-bytes", "1G", "from 1k to 256M"),
        ("--concurrency", "0", "from 1 to 64"),
        ("--concurrency", "100000", "from 1 to 64"),
        ("--retries", "4294967295", "from 0 to 100"),
        ("--retry-budget", "-1", "from 0 to 1000000"),
        ("--backoff-ms", "18446744073709551615", "from 0 to 600000"),
        ("--max-backoff-ms", "1e3", "from 0 to 600000"),
        ("--save-every-ms", "99999999999", "from 0 to 3600000"),
        ("--jobs", "0", "from 1 to 1024"),
        ("--max-shrink", "NaN", "between 0% and 100%"),
    ] {
        let arg = format!("{flag}={value}");
        let o = clerkmap(&[
            "push",
            "--from",
            &d,
            "--api-url",
            "http://127.0.0.1:9/v2",
            &arg,
        ]);
        let err = text(&o.stderr);
        assert_eq!(code(&o), 2, "{arg}: {err}");
        assert!(!err.contains("panicked"), "{arg}: {err}");
        assert!(
            err.contains(&format!("`{value}`")) && err.contains(range),
            "{arg}: the error says the range:\n{err}"
        );
    }
    // The edges are accepted (an empty directory: refused later, for having no feed).
    for arg in [
        "--timeout=3600",
        "--timeout=0.001",
        "--batch-size=10000",
        "--batch-bytes=256M",
        "--batch-bytes=1k",
        "--concurrency=64",
        "--retries=0",
        "--max-backoff-ms=600000",
    ] {
        let o = clerkmap(&[
            "push",
            "--from",
            &d,
            "--api-url",
            "http://127.0.0.1:9/v2",
            arg,
        ]);
        assert!(
            text(&o.stderr).contains("no feed file"),
            "{arg}: {}",
            text(&o.stderr)
        );
    }
}

/// The ids Clerk acknowledged for an entity, from the state file.
fn acknowledged(dir: &Path, entity: &str) -> usize {
    let state = std::fs::read_to_string(dir.join("clerkmap-state.json")).unwrap_or_default();
    let v: Value = serde_json::from_str(&state).unwrap_or(Value::Null);
    v["stores"][PUBLIC][entity]["ids"]
        .as_object()
        .map(|m| m.len())
        .unwrap_or(0)
}

#[test]
fn a_redirect_is_never_followed_and_never_acknowledged() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    // Another origin, which would take the keys.
    let elsewhere = FakeClerk::start();
    fake.fault(
        Some("POST"),
        Fault::Redirect(format!("{}/pages", elsewhere.url)),
    );
    let o = push(&fake, dir, &["--entities", "pages"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(
        elsewhere.log().requests.is_empty(),
        "the redirect was followed: {:?}",
        elsewhere.log().requests
    );
    assert_eq!(fake.log().requests.len(), 1, "a redirect is not retried");
    assert!(
        out.contains("HTTP 307") && out.contains("redirect") && out.contains("not followed"),
        "{out}"
    );
    let pages = feed(dir, "pages").len();
    assert!(
        out.contains(&format!(
            "{:<12} {:>9} {:>9} {:>9} {:>9}",
            "pages", 0, 0, 0, pages
        )),
        "{out}"
    );
    assert_eq!(acknowledged(dir, "pages"), 0, "nothing acknowledged");

    // Deletes carry the keys in the query: not followed either.
    assert_eq!(code(&push(&fake, dir, &["--entities", "pages"])), 0);
    let all = feed(dir, "pages");
    write_feed(dir, "pages", &all[1..]);
    fake.fault(
        Some("DELETE"),
        Fault::Redirect(format!("{}/pages", elsewhere.url)),
    );
    let o = push(&fake, dir, &["--entities", "pages", "--allow-shrink"]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1, "{out}\n{err}");
    assert!(elsewhere.log().requests.is_empty());
    assert!(
        out.contains("DELETE /pages batch 1") && out.contains("HTTP 307"),
        "{out}"
    );
    assert_eq!(
        acknowledged(dir, "pages"),
        pages,
        "the delete is not acknowledged"
    );
}

#[test]
fn keys_are_masked_in_every_encoding() {
    const ODD_PUBLIC: &str = "pub/l i\"c&k+e%y";
    const ODD_PRIVATE: &str = "p&r/i v\"a\te+k%ey";
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.set_keys(ODD_PUBLIC, ODD_PRIVATE);
    let d = dir.display().to_string();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "push",
            "--from",
            &d,
            "--api-url",
            &fake.url,
            "--backoff-ms",
            "5",
            "--timeout",
            "2",
            "--entities",
            "pages",
        ];
        args.extend_from_slice(extra);
        command(&args)
            .env("CLERK_PUBLIC_KEY", ODD_PUBLIC)
            .env("CLERK_PRIVATE_KEY", ODD_PRIVATE)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let mut printed = Vec::new();
    // Clerk's JSON error echoing them; a plain-text answer (retried, then refused).
    fake.fault(Some("POST"), Fault::EchoKeys);
    let o = run(&[]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    printed.push(("Clerk's error", o));
    fake.fault(Some("POST"), Fault::EchoKeysText(502));
    fake.fault(Some("POST"), Fault::EchoKeysText(400));
    let o = run(&[]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("retry"), "{}", text(&o.stderr));
    printed.push(("a text answer", o));
    // A delete (keys in the query) echoed.
    let o = run(&[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let pages = feed(dir, "pages");
    write_feed(dir, "pages", &pages[1..]);
    fake.fault(Some("DELETE"), Fault::EchoKeys);
    let o = run(&["--allow-shrink"]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    printed.push(("a delete's error", o));
    fake.fault(Some("DELETE"), Fault::EchoKeysText(400));
    let o = run(&["--allow-shrink"]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    printed.push(("a delete's text answer", o));

    let mut forms: Vec<String> = Vec::new();
    for k in [ODD_PUBLIC, ODD_PRIVATE] {
        forms.extend(encodings(k));
    }
    // Pieces of them, in case a form is cut or half-masked.
    forms.extend(
        [
            "k%ey", "k%25ey", "e+k", "e%2Bk", "i v", "i+v", "i%20v", "l i", "l+i", "l%20i", "e%y",
            "e%25y",
        ]
        .map(String::from),
    );
    for (what, o) in &printed {
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        if std::env::var_os("SHOW").is_some() {
            eprintln!("--- {what}\n{out}\n{err}");
        }
        assert!(
            out.contains("***"),
            "{what}: the echo is shown, masked:\n{out}"
        );
        for f in &forms {
            for (stream, s) in [("stdout", &out), ("stderr", &err)] {
                assert!(
                    !s.contains(f.as_str()),
                    "{what}: `{f}` leaked into {stream}:\n{s}"
                );
            }
        }
    }
}

#[test]
fn acknowledged_orders_go_to_a_journal_not_a_rewrite_of_the_state() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    assert_eq!(code(&push(&fake, dir, &["--entities", "products"])), 0);
    let state_path = dir.join("clerkmap-state.json");
    let journal_path = dir.join("clerkmap-state.json.journal");
    let before = std::fs::read(&state_path).unwrap_or_default();
    assert!(!before.is_empty());
    fake.block_after(2);
    let d = dir.display().to_string();
    let mut child = command(&[
        "push",
        "--from",
        &d,
        "--api-url",
        &fake.url,
        "--entities",
        "orders",
        "--batch-size",
        "5",
        "--concurrency",
        "1",
        "--save-every-ms",
        "0",
        "--timeout",
        "30",
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap_or_else(|e| panic!("cannot start clerkmap: {e}"));
    let blocked = wait_until(Duration::from_secs(20), || fake.blocked() > 0);
    let during = std::fs::read(&state_path).unwrap_or_default();
    let journal = std::fs::read_to_string(&journal_path).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(blocked, "the push never reached the 3rd batch");
    assert_eq!(fake.log().upserted_ids("orders").len(), 10);
    assert!(
        during == before,
        "the state file was rewritten during the push"
    );
    assert_eq!(
        journal.lines().count(),
        2,
        "one journal line per acknowledged batch:\n{journal}"
    );
    // A line torn by the kill is ignored.
    let mut torn = journal.clone();
    torn.push_str("{\"store\":\"pk_te");
    std::fs::write(&journal_path, torn).unwrap_or_else(|e| panic!("{e}"));
    // A dry run reads the journal and changes nothing.
    let o = push(&fake, dir, &["--entities", "orders", "--dry-run"]);
    let orders = sorted(ids(&feed(dir, "orders")))
        .into_iter()
        .collect::<BTreeSet<_>>()
        .len();
    let rest = orders - 10;
    assert!(
        text(&o.stdout).contains(&format!("would send {rest} (new {rest}")),
        "{}",
        text(&o.stdout)
    );
    assert!(journal_path.exists(), "a dry run changes nothing");
    fake.heal();
    let o = push(&fake, dir, &["--entities", "orders"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let log = fake.log();
    assert_no_duplicates(&log, "orders");
    assert_eq!(
        sorted(log.upserted_ids("orders")),
        sorted(ids(&feed(dir, "orders")))
    );
    assert!(!journal_path.exists(), "compacted into the state file");
    assert_eq!(acknowledged(dir, "orders"), orders);
    assert_eq!(acknowledged(dir, "products"), 39);

    // A journal damaged before its last line is refused with the fix.
    std::fs::write(&journal_path, "garbage\n{\"store\":\"x\"}\n").unwrap_or_else(|e| panic!("{e}"));
    let o = push(&fake, dir, &["--entities", "orders"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("damaged") && err.contains("--full"), "{err}");
}

/// What the state costs as a push goes: NEW_ORDERS (20,000) new orders over STATE_ORDERS
/// (1,000,000) already acknowledged, batches of 500, in this process (so /proc/self/io counts
/// what it writes):
/// `cargo test --release --test push -- --ignored state_writes --nocapture`
#[test]
#[ignore]
fn state_writes_over_a_big_state() {
    use std::fmt::Write as _;
    use std::sync::Arc;

    use clerkmap::clerk::Entity;
    use clerkmap::sync::client::ClientConfig;
    use clerkmap::sync::observer::Silent;
    use clerkmap::sync::push::{PushOptions, push_async};
    use clerkmap::sync::secret::{Keys, Secret};

    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let (old, new) = (env("STATE_ORDERS", 1_000_000), env("NEW_ORDERS", 20_000));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let mut s = String::with_capacity(old * 80);
    s.push_str(&format!(
        r#"{{"version":1,"stores":{{"{PUBLIC}":{{"orders":{{"id_type":"int","ids":{{"#
    ));
    for i in 0..old {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, r#""{i}":{{"hash":"{i:032x}","since":1700000000}}"#);
    }
    s.push_str("}}}}}\n");
    let state_path = dir.join("clerkmap-state.json");
    std::fs::write(&state_path, &s).unwrap_or_else(|e| panic!("{e}"));
    let state_bytes = s.len();
    drop(s);
    let mut nd = String::new();
    for i in old..old + new {
        let _ = writeln!(
            nd,
            r#"{{"id":{i},"products":[{{"id":"P{i}","quantity":1,"price":9.9}}],"time":1700000000,"customer":"C{i}","email":"c{i}@example.test"}}"#
        );
    }
    std::fs::write(dir.join("orders.ndjson"), nd).unwrap_or_else(|e| panic!("{e}"));
    let fake = FakeClerk::start();
    let opts = PushOptions {
        dir: dir.to_path_buf(),
        entities: vec![Entity::Orders],
        state_path: state_path.clone(),
        client: ClientConfig {
            api_url: fake.url.clone(),
            ..ClientConfig::default()
        },
        ..PushOptions::default()
    };
    let keys = Keys {
        public: PUBLIC.into(),
        private: Some(Secret::new(PRIVATE)),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let io = || -> (u64, u64) {
        let t = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
        let field = |name: &str| {
            t.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        (field("write_bytes:"), field("wchar:"))
    };
    // For the figures: what reading the state alone takes.
    let t = std::time::Instant::now();
    let loaded = clerkmap::sync::state::State::load_journaled(&state_path)
        .map(|(s, _)| s.stores.len())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded, 1);
    let load_secs = t.elapsed().as_secs_f64();
    let (wb0, wc0) = io();
    let started = std::time::Instant::now();
    let report = rt
        .block_on(push_async(&opts, &keys, Arc::new(Silent)))
        .unwrap_or_else(|e| panic!("{e}"));
    let secs = started.elapsed().as_secs_f64();
    let (wb1, wc1) = io();
    assert!(report.ok(), "{report}");
    assert_eq!(fake.log().upserted_ids("orders").len(), new);
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "state writes: {new} new orders over {old} acknowledged (state file {:.1} MB, read in {load_secs:.2}s): \
         push {secs:.2}s, {:.1} MB written to files (write_bytes), {:.1} MB through write calls (wchar, HTTP bodies included)",
        mb(state_bytes as u64),
        mb(wb1 - wb0),
        mb(wc1 - wc0)
    );
}
