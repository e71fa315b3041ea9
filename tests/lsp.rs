//! `clerkmap lsp` driven over stdio as an editor drives it: JSON-RPC with `Content-Length`
//! framing. Every read is bounded in time, so a server that stops answering fails the test
//! instead of hanging CI.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use clerkmap::json;
use clerkmap::value::Value;

/// How long any one answer may take.
const TIMEOUT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications received while waiting for something else.
    notes: Vec<Value>,
    next_id: i64,
}

/// Reads framed messages from the server until it closes its stdout.
fn read_messages(out: impl Read, tx: std::sync::mpsc::Sender<Value>) {
    let mut r = BufReader::new(out);
    loop {
        let mut len = None;
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse::<usize>().ok();
            }
        }
        let Some(len) = len else { return };
        let mut body = vec![0; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        match serde_json::from_slice(&body) {
            Ok(v) => {
                if tx.send(v).is_err() {
                    return;
                }
            }
            Err(e) => panic!("the server sent something that is not JSON: {e}"),
        }
    }
}

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clerkmap"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("clerkmap lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || read_messages(stdout, tx));
        Client {
            child,
            stdin,
            incoming,
            notes: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn recv(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        self.incoming
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("no message from the server in time: {e}"))
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result (notifications met meanwhile are kept).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let m = self.recv(deadline);
            if m.get("id") == Some(&json!(id)) {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
            self.notes.push(m);
        }
    }

    /// The next notification `method` (one received earlier first).
    fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.notes.iter().position(|n| n["method"] == method) {
            return self.notes.remove(i)["params"].clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let m = self.recv(deadline);
            if m["method"] == method {
                return m["params"].clone();
            }
            self.notes.push(m);
        }
    }

    /// `shutdown`, `exit`, and the process ends (killed if it does not, in time).
    /// The completion items at `(line, character)` once the document `uri` holds `text`
    /// (its `version`).
    fn complete_typed(
        &mut self,
        uri: &str,
        version: i64,
        text: &str,
        at: (u32, u32),
    ) -> Vec<Value> {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
        let items = self.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": at.0, "character": at.1}}),
        );
        items.as_array().cloned().expect("completion items")
    }

    /// Closes the connection (after whatever was sent) and waits for the server to end.
    fn close(self) -> std::process::ExitStatus {
        let Client {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("clerkmap lsp did not end when its input was closed");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r, Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "clerkmap lsp exited with {status}");
                return;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("clerkmap lsp did not exit after `exit`");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A mapping with two mistakes, each after non-ASCII text on its line (the columns are UTF-16
/// code units, not bytes): an unknown function and an unknown name.
const MAPPING: &str = r#"# Prodotti: è così
let sito = var("site_url", "https://x.test")
products from articoli {
  id          = .codice
  name        = "Sedia è 😀 " ~ .titolo | trm
  description = .titolo
  price       = .prezzo | decimal
  image       = sito ~ "/i.jpg"
  url         = "ü/" ~ sitoo
  categories  = []
  created_at  = 0
  sku         = .titol
}
"#;

fn position_of(text: &str, needle: &str) -> Value {
    let at = text.find(needle).expect("needle");
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[start..at].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": col})
}

#[test]
fn a_session_not_ended_by_shutdown_then_exit_ends_with_code_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    for ending in ["exit", "closed"] {
        let mut c = Client::start(dir.path());
        c.request("initialize", json!({"capabilities": {}}));
        c.notify("initialized", json!({}));
        if ending == "exit" {
            c.notify("exit", Value::Null);
        }
        assert_eq!(c.close().code(), Some(1), "{ending}");
    }
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::write(
        root.join("clerkmap.yaml"),
        "mapping: shop.cmap\ninputs:\n  articoli: data/articoli.ndjson\n",
    )
    .expect("yaml");
    std::fs::create_dir(root.join("data")).expect("mkdir");
    std::fs::write(
        root.join("data/articoli.ndjson"),
        "{\"codice\": \"A1\", \"titolo\": \"Sedia\", \"prezzo\": \"12,50\", \"varianti\": [{\"taglia\": \"M\"}]}\n\
         {\"codice\": \"A2\", \"titolo\": \"Tavolo\", \"prezzo\": \"99,00\"}\n",
    )
    .expect("input");
    let path = root.join("shop.cmap");
    std::fs::write(&path, MAPPING).expect("mapping");
    let uri = format!("file://{}", path.display());

    let mut c = Client::start(root);
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert_eq!(caps["definitionProvider"], true);
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "cmap", "version": 1, "text": MAPPING}}),
    );

    // Both mistakes, with their codes and exact ranges.
    let published = c.notification("textDocument/publishDiagnostics");
    assert_eq!(published["uri"], uri);
    let diags = published["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .clone();
    let errors: Vec<&Value> = diags.iter().filter(|d| d["severity"] == 1).collect();
    assert_eq!(errors.len(), 2, "{diags:#?}");
    let trm = errors.iter().find(|d| d["code"] == "E003").expect("E003");
    assert_eq!(trm["range"]["start"], position_of(MAPPING, "trm"));
    assert_eq!(trm["range"]["start"], json!({"line": 4, "character": 42}));
    assert_eq!(trm["range"]["end"], json!({"line": 4, "character": 45}));
    assert!(
        trm["message"]
            .as_str()
            .unwrap_or("")
            .contains("did you mean `trim`?"),
        "{trm}"
    );
    let sitoo = errors.iter().find(|d| d["code"] == "E004").expect("E004");
    assert_eq!(sitoo["range"]["start"], json!({"line": 8, "character": 23}));
    assert_eq!(sitoo["range"]["end"], json!({"line": 8, "character": 28}));
    // `.ti` is in no record of the project's input (W003), with the closest path.
    let w003 = diags.iter().find(|d| d["code"] == "W003").expect("W003");
    assert_eq!(w003["severity"], 2);
    assert!(
        w003["message"].as_str().unwrap_or("").contains("`.titolo`"),
        "{w003}"
    );

    // The quick fix of a "did you mean".
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": trm["range"], "context": {"diagnostics": []}}),
    );
    let fix = &actions[0];
    assert_eq!(fix["title"], "Replace with `trim`", "{actions}");
    assert_eq!(fix["edit"]["changes"][&uri][0]["newText"], "trim");
    assert_eq!(fix["edit"]["changes"][&uri][0]["range"], trm["range"]);

    // Hover: a built-in function's signature and description.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position_of(MAPPING, "decimal")}),
    );
    let text = hover["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(text.contains("decimal(v, locale?)"), "{text}");
    assert!(text.contains("Example"), "{text}");
    // ... a `let`'s definition, and a field path's examples from the project's input.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position_of(MAPPING, "sito ~")}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("let sito = var(\"site_url\", \"https://x.test\")")
    );
    // ... a form of the language's own (not a registered function).
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position_of(MAPPING, "var(")}),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(
        text.contains("var(\"NAME\", default?)") && text.contains("--var"),
        "{text}"
    );
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position_of(MAPPING, "prezzo | decimal")}),
    );
    let text = hover["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        text.contains("`.prezzo`") && text.contains("\"12,50\""),
        "{text}"
    );

    // Completion of a field path from the input the project file names.
    let mut at = position_of(MAPPING, ".titol\n");
    at["character"] = json!(at["character"].as_u64().unwrap_or(0) + 6);
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": at}),
    );
    let items = items.as_array().expect("items");
    let titolo = items
        .iter()
        .find(|i| i["label"] == ".titolo")
        .unwrap_or_else(|| panic!("{items:#?}"));
    assert_eq!(titolo["textEdit"]["newText"], ".titolo");
    assert_eq!(
        titolo["textEdit"]["range"]["start"],
        position_of(MAPPING, ".titol\n")
    );
    assert!(!items.iter().any(|i| i["label"] == "trim"));
    // ... and of names: functions, the `let`s, Clerk's attributes at a statement's start.
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position_of(MAPPING, "sku")}),
    );
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    for want in ["trim", "sito", "list_price", "stock"] {
        assert!(labels.contains(&want), "{want} not in {labels:?}");
    }

    // Go to the definition of a `let`.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": position_of(MAPPING, "sito ~")}),
    );
    assert_eq!(def["uri"], uri);
    assert_eq!(
        def["range"],
        json!({"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 8}})
    );

    // Formatting: one edit, the whole document in `fmt`'s layout.
    let messy = "let   sito=\"https://x.test\"\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": messy}]}),
    );
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    assert_eq!(edits[0]["newText"], "let sito = \"https://x.test\"\n");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    // The change is checked too, after the pause.
    let published = c.notification("textDocument/publishDiagnostics");
    assert!(published["diagnostics"].as_array().is_some());

    // Half-typed text does not parse: field paths are still completed, after a bare `.`.
    let items = c.complete_typed(&uri, 3, "products from articoli {\n  id = .\n", (1, 8));
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(
        labels,
        [
            ".codice",
            ".titolo",
            ".prezzo",
            ".varianti",
            ".varianti[*]",
            ".varianti[*].taglia"
        ]
    );
    let published = c.notification("textDocument/publishDiagnostics");
    let codes: Vec<&Value> = published["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| &d["code"])
        .collect();
    assert_eq!(codes, [&json!("E001")], "{published}");

    // ... and inside a half-typed filter, the fields of the elements it filters.
    let typing = "products from articoli {\n  taglie = .varianti[? .\n";
    let items = c.complete_typed(&uri, 4, typing, (1, 24));
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert_eq!(labels, [".taglia"]);
    assert_eq!(
        items[0]["textEdit"]["range"]["start"],
        json!({"line": 1, "character": 23})
    );
    let _ = c.notification("textDocument/publishDiagnostics");

    c.stop();
}
