//! `clerkmap lsp`: a language server over standard input and output (JSON-RPC, the Language
//! Server Protocol), for editors. It checks a mapping as `clerkmap check` does (the same
//! [`super::diagnose`], with the vars of the project file whose `mapping:` it is, and W003
//! against the inputs that project file names) as the text changes, and answers hovers,
//! completions, definitions, formatting and quick fixes.
//!
//! The parts: `position` (byte offsets and the protocol's UTF-16 positions), `outline` (the
//! names and blocks of a text, also one that does not parse), `project` (the project file and
//! its inputs' fields, from `inspect`), `features` (the answers), `diagnostics` (the checker's
//! diagnostics as the protocol's). This file holds the message loop and the open documents.

mod diagnostics;
mod features;
mod outline;
mod position;
mod project;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, Formatting, GotoDefinition, HoverRequest, Request as _,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, OneOf,
    PublishDiagnosticsParams, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    Url,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::exit;
use super::term::Ui;
use crate::diagnostic::Diagnostic;
use outline::Outline;
use position::LineIndex;

#[derive(Args, Debug)]
#[command(after_help = format!("\
Speaks the Language Server Protocol on standard input and output, for editors: diagnostics as
you type (the checks of `clerkmap check`, with the vars of the clerkmap.yaml in the mapping's
folder or a parent, and W003 against the inputs it names), hover, completion (functions,
names, Clerk attributes, the inputs' field paths), go to definition, formatting (`fmt`) and
quick fixes for \"did you mean\". README.md's \"Editor support\" shows how to set up VS Code,
Neovim and Helix.

{}", exit::help(exit::LSP)))]
pub(crate) struct LspArgs {}

/// How long the text must rest before it is checked again.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// An open mapping.
struct Document {
    /// Its file, when it has one.
    path: Option<PathBuf>,
    /// Its text, as the editor has it.
    text: String,
    /// Where its lines start.
    index: LineIndex,
    /// Its names and blocks.
    outline: Outline,
    /// The diagnostics last published.
    diags: Vec<Diagnostic>,
}

impl Document {
    fn new(uri: &Url, text: String) -> Document {
        Document {
            path: uri.to_file_path().ok(),
            index: LineIndex::new(&text),
            outline: Outline::new(&text),
            text,
            diags: Vec::new(),
        }
    }
}

/// The server's state: the open documents, the ones to check when their time comes, the
/// project files and inputs read.
struct Server {
    docs: HashMap<Url, Document>,
    due: HashMap<Url, Instant>,
    projects: project::Projects,
}

/// Runs `clerkmap lsp`; returns the exit code.
pub(crate) fn cmd(_a: LspArgs, ui: &Ui) -> u8 {
    let (conn, io) = Connection::stdio();
    let served = serve(conn);
    let joined = io.join().map_err(|e| e.to_string());
    // what the reader saw first (a malformed message), else why the session ended
    match joined.and(served) {
        Ok(()) => exit::OK,
        Err(e) => {
            ui.error(format!("lsp: {e}"));
            exit::FAILURE
        }
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

/// Why a session ended when the editor closed the connection without `shutdown`.
const CLOSED: &str = "the editor closed the connection without `shutdown`";

/// The handshake, then the message loop until `shutdown` and `exit`.
fn serve(conn: Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    conn.initialize(caps).map_err(|e| e.to_string())?;
    let mut server = Server {
        docs: HashMap::new(),
        due: HashMap::new(),
        projects: project::Projects::default(),
    };
    loop {
        let next = server.due.values().min().copied();
        let msg = match next {
            Some(at) => match conn
                .receiver
                .recv_timeout(at.saturating_duration_since(Instant::now()))
            {
                Ok(m) => Some(m),
                Err(e) if e.is_timeout() => None,
                Err(_) => return Err(CLOSED.into()),
            },
            None => match conn.receiver.recv() {
                Ok(m) => Some(m),
                Err(_) => return Err(CLOSED.into()),
            },
        };
        match msg {
            Some(Message::Request(req)) => {
                if conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                    return Ok(());
                }
                let resp = server.request(req);
                send(&conn, resp.into());
            }
            // The Language Server Protocol: `exit` before `shutdown` ends with code 1.
            Some(Message::Notification(n)) if n.method == "exit" => {
                return Err("the editor sent `exit` without `shutdown` first".into());
            }
            Some(Message::Notification(n)) => server.notification(&conn, n),
            Some(Message::Response(_)) | None => {}
        }
        server.check_due(&conn);
    }
}

fn send(conn: &Connection, msg: Message) {
    // The client went away: the reader sees it too and the loop ends.
    let _ = conn.sender.send(msg);
}

impl Server {
    fn request(&mut self, req: Request) -> Response {
        match req.method.as_str() {
            HoverRequest::METHOD => self.answer::<HoverRequest>(req, Server::hover),
            Completion::METHOD => self.answer::<Completion>(req, Server::completion),
            GotoDefinition::METHOD => self.answer::<GotoDefinition>(req, Server::definition),
            Formatting::METHOD => self.answer::<Formatting>(req, Server::formatting),
            CodeActionRequest::METHOD => {
                self.answer::<CodeActionRequest>(req, Server::code_actions)
            }
            _ => Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                format!("clerkmap lsp does not answer `{}`", req.method),
            ),
        }
    }

    fn answer<R>(&mut self, req: Request, f: fn(&mut Server, R::Params) -> R::Result) -> Response
    where
        R: lsp_types::request::Request,
        R::Params: DeserializeOwned,
        R::Result: Serialize,
    {
        match serde_json::from_value::<R::Params>(req.params) {
            Ok(p) => Response::new_ok(req.id, f(self, p)),
            Err(e) => Response::new_err(req.id, ErrorCode::InvalidParams as i32, e.to_string()),
        }
    }

    fn notification(&mut self, conn: &Connection, n: Notification) {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                {
                    let uri = p.text_document.uri;
                    self.docs
                        .insert(uri.clone(), Document::new(&uri, p.text_document.text));
                    // Checked at once: the file was not being typed.
                    self.due.insert(uri, Instant::now());
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    DidChangeTextDocument::METHOD,
                ) && let Some(change) = p.content_changes.into_iter().last()
                {
                    let uri = p.text_document.uri;
                    self.docs
                        .insert(uri.clone(), Document::new(&uri, change.text));
                    self.due.insert(uri, Instant::now() + DEBOUNCE);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                {
                    self.due.insert(p.text_document.uri, Instant::now());
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                {
                    let uri = p.text_document.uri;
                    self.docs.remove(&uri);
                    self.due.remove(&uri);
                    let params = PublishDiagnosticsParams {
                        uri,
                        diagnostics: Vec::new(),
                        version: None,
                    };
                    send(conn, notification::<PublishDiagnostics>(params));
                }
            }
            _ => {}
        }
    }

    /// Checks the documents whose time has come and publishes their diagnostics.
    fn check_due(&mut self, conn: &Connection) {
        let now = Instant::now();
        let ready: Vec<Url> = self
            .due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(u, _)| u.clone())
            .collect();
        for uri in ready {
            self.due.remove(&uri);
            let Some(doc) = self.docs.get(&uri) else {
                continue;
            };
            let checked = diagnostics::check(doc, &mut self.projects);
            let params = diagnostics::publish(uri.clone(), doc, &checked);
            if let Some(doc) = self.docs.get_mut(&uri) {
                doc.diags = checked.diags;
            }
            send(conn, notification::<PublishDiagnostics>(params));
        }
    }
}

fn notification<N: lsp_types::notification::Notification>(params: N::Params) -> Message {
    Notification::new(N::METHOD.to_string(), params).into()
}
