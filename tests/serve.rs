//! `clerkmap serve`: token checks against a fake Clerk, paging, formats, modified_after, atomic
//! swaps, the access log and graceful shutdown. Everything on 127.0.0.1.

mod support_clerk;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use support_clerk::*;

const TOKEN: &str = "good-token-1";

struct Server {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(fake: &FakeClerk, dir: &Path, extra: &[&str]) -> Server {
    let d = dir.display().to_string();
    let mut args = vec![
        "serve",
        "--from",
        &d,
        "--listen",
        "127.0.0.1:0",
        "--api-url",
        &fake.url,
    ];
    args.extend_from_slice(extra);
    let mut child = command(&args)
        .env_remove("CLERK_PRIVATE_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start clerkmap serve: {e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let l2 = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split(" on http://").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
            l2.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("serve did not start: {:?}", log.lock().map(|l| l.clone())));
    Server {
        child,
        base: format!("http://{addr}"),
        log,
    }
}

struct Got {
    status: u16,
    ctype: String,
    body: String,
}

fn get(url: &str, token: Option<&str>, accept: Option<&str>) -> Got {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let client = reqwest::Client::new();
        let mut req = client.get(url).timeout(Duration::from_secs(10));
        if let Some(t) = token {
            req = req.header("X-Clerk-Authorization", t);
        }
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp
            .text()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        Got {
            status,
            ctype,
            body,
        }
    })
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn json_ids(body: &str) -> Vec<String> {
    let v: Vec<Value> = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    ids(&v)
}

fn setup() -> (tempfile::TempDir, FakeClerk) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run_sample(tmp.path());
    let fake = FakeClerk::start();
    fake.add_token(TOKEN);
    (tmp, fake)
}

#[test]
fn serve_rejects_missing_and_bad_tokens_and_leaks_nothing() {
    let (tmp, fake) = setup();
    let s = serve(&fake, tmp.path(), &[]);
    let first_id = ids(&feed(tmp.path(), "products")).remove(0);
    for (token, what) in [
        (None, "no header"),
        (Some("Bearer wrong-token"), "a token Clerk does not verify"),
        (Some("Token good-token-1"), "not Bearer"),
        (Some("Bearer "), "an empty token"),
    ] {
        for path in ["/products", "/orders", "/nope"] {
            let g = get(&format!("{}{path}", s.base), token, None);
            assert_eq!(g.status, 401, "{what} {path}");
            assert_eq!(g.body, "unauthorized\n", "{what} {path}: nothing leaks");
            assert!(!g.body.contains(&first_id));
        }
    }
    let g = get(&format!("{}/products", s.base), Some(&bearer()), None);
    assert_eq!(g.status, 200, "{}", g.body);
    assert_eq!(g.ctype, "application/json");
    assert_eq!(json_ids(&g.body), ids(&feed(tmp.path(), "products")));
    let g = get(&format!("{}/nope", s.base), Some(&bearer()), None);
    assert_eq!(g.status, 404);
    // Verified tokens are cached: more requests, no more verify calls.
    let calls = fake.log().verify_calls;
    for _ in 0..3 {
        assert_eq!(
            get(&format!("{}/pages", s.base), Some(&bearer()), None).status,
            200
        );
    }
    assert_eq!(
        fake.log().verify_calls,
        calls,
        "the verified token is cached"
    );
    let log = s.log.lock().map(|l| l.join("\n")).unwrap_or_default();
    assert!(log.contains("\"GET /products\" 200"), "{log}");
    assert!(log.contains("\"GET /products\" 401"), "{log}");
    assert!(
        !log.contains(TOKEN) && !log.contains("wrong-token"),
        "tokens never logged:\n{log}"
    );
}

#[test]
fn serve_pages_and_speaks_json_and_ndjson() {
    let (tmp, fake) = setup();
    let s = serve(&fake, tmp.path(), &[]);
    let all = ids(&feed(tmp.path(), "products"));
    assert_eq!(all.len(), 39);
    let mut paged = Vec::new();
    for page in 0..5 {
        let g = get(
            &format!("{}/products?limit=10&page={page}", s.base),
            Some(&bearer()),
            None,
        );
        assert_eq!(g.status, 200);
        let got = json_ids(&g.body);
        assert_eq!(got.len(), [10, 10, 10, 9, 0][page], "page {page}");
        paged.extend(got);
    }
    assert_eq!(paged, all, "the pages add up to the feed, in order");
    let g = get(
        &format!("{}/categories?format=ndjson&limit=5&page=1", s.base),
        Some(&bearer()),
        None,
    );
    assert_eq!(g.ctype, "application/x-ndjson");
    let lines: Vec<Value> = g
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(
        ids(&lines),
        ids(&feed(tmp.path(), "categories"))[5..10].to_vec()
    );
    let g = get(
        &format!("{}/pages", s.base),
        Some(&bearer()),
        Some("application/x-ndjson"),
    );
    assert_eq!(g.ctype, "application/x-ndjson");
    assert_eq!(g.body.lines().count(), 8);
    for bad in [
        "limit=0",
        "page=x",
        "modified_after=yesterday",
        "format=xml",
    ] {
        let g = get(&format!("{}/products?{bad}", s.base), Some(&bearer()), None);
        assert_eq!(g.status, 400, "{bad}");
    }
    drop(s);
    // --first-page 1
    let s = serve(&fake, tmp.path(), &["--first-page", "1"]);
    let g = get(
        &format!("{}/products?limit=30&page=2", s.base),
        Some(&bearer()),
        None,
    );
    assert_eq!(json_ids(&g.body), all[30..].to_vec());
}

fn set_mtime(p: &Path, t: SystemTime) {
    let f = std::fs::File::options()
        .write(true)
        .open(p)
        .unwrap_or_else(|e| panic!("{e}"));
    f.set_modified(t).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn modified_after_serves_what_changed_and_atomic_swaps_are_picked_up() {
    let (tmp, fake) = setup();
    let dir = tmp.path();
    let now = SystemTime::now();
    let unix = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    let old = now - Duration::from_secs(1000);
    set_mtime(&dir.join("products.json"), old);
    let s = serve(&fake, dir, &[]);
    let url = |q: &str| format!("{}/products?{q}", s.base);
    let all = ids(&feed(dir, "products"));
    assert_eq!(
        json_ids(&get(&url("modified_after=0"), Some(&bearer()), None).body),
        all
    );
    let since = unix(old) - 1;
    assert_eq!(
        json_ids(
            &get(
                &url(&format!("modified_after={since}")),
                Some(&bearer()),
                None
            )
            .body
        )
        .len(),
        39
    );
    let later = unix(old) + 10;
    assert!(
        json_ids(
            &get(
                &url(&format!("modified_after={later}")),
                Some(&bearer()),
                None
            )
            .body
        )
        .is_empty()
    );

    // A new feed renamed into place: one product changed, one new.
    let mut products = feed(dir, "products");
    products[3]["price"] = json!(99.5);
    let mut extra = products[0].clone();
    extra["id"] = json!("NEW000001");
    products.push(extra);
    let tmp_file = dir.join(".products.json.tmp");
    std::fs::write(
        &tmp_file,
        serde_json::to_string(&products).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    set_mtime(&tmp_file, now);
    std::fs::rename(&tmp_file, dir.join("products.json")).unwrap_or_else(|e| panic!("{e}"));
    let changed = json_ids(
        &get(
            &url(&format!("modified_after={later}")),
            Some(&bearer()),
            None,
        )
        .body,
    );
    assert_eq!(changed, vec![all[3].clone(), "NEW000001".to_string()]);
    assert_eq!(
        json_ids(&get(&url(""), Some(&bearer()), None).body).len(),
        40,
        "the swap is seen"
    );
    // Paging applies to the changed records.
    let one = json_ids(
        &get(
            &url(&format!("modified_after={later}&limit=1&page=1")),
            Some(&bearer()),
            None,
        )
        .body,
    );
    assert_eq!(one, vec!["NEW000001".to_string()]);
    assert!(
        dir.join("clerkmap-serve-state.json").exists(),
        "the change index is kept"
    );
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let (tmp, fake) = setup();
    let mut s = serve(&fake, tmp.path(), &[]);
    assert_eq!(get(&format!("{}/health", s.base), None, None).status, 200);
    let pid = s.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .map(|st| st.success())
        .unwrap_or(false);
    assert!(killed, "cannot send SIGTERM");
    let mut status = None;
    let done = wait_until(Duration::from_secs(10), || {
        status = s.child.try_wait().ok().flatten();
        status.is_some()
    });
    assert!(done, "serve did not stop on SIGTERM");
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    let log = s.log.lock().map(|l| l.join("\n")).unwrap_or_default();
    assert!(log.contains("shutting down"), "{log}");
}
