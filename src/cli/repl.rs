//! `clerkmap repl`: expressions evaluated one line at a time against the current record, with
//! history and completion (rustyline). When standard input is not a terminal, lines are read
//! as they come, each echoed after the prompt (a transcript), and no history is kept.

use crate::cli::term::{out, outln};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use super::eval::{
    ContextArgs, describe, inputs, mapping, place, render_failure, render_steps, render_value,
};
use super::exit;
use super::term::Ui;
use crate::diagnostic::render_all;
use crate::workflow::evaluate::{Kind, Pick, Record, Session, field_paths};

#[derive(Args, Debug)]
#[command(after_help = format!("\
Commands (anything else is an expression, evaluated on the current record):
{}
Example:
  clerkmap repl --mapping mappings/passweb.cmap --input articoli=mappings/sample/articoli.ndjson \\
      --input categorie=mappings/sample/categorie.csv

Tab completes function names, lets, tables and the field paths of the current record. History
is kept in the data directory (~/.local/share/clerkmap/history on Linux) when standard input is
a terminal.\n\n{}", HELP, super::exit::help(exit::EVAL)))]
pub struct ReplArgs {
    #[command(flatten)]
    pub context: ContextArgs,
}

/// The commands, as `:help` lists them.
const HELP: &str = concat!(
    "  :load MAPPING        bring a mapping's lets, fns and lookup tables into scope\n",
    "  :input NAME=PATH     add an input (the first one gives the records)\n",
    "  :record ID | #N      the record with this id, or the N-th; alone: show the record\n",
    "  :vars                the lets, fns, tables and vars in scope, with their types\n",
    "  :type EXPR           the type the checker gives EXPR, without evaluating it\n",
    "  :trace EXPR          EXPR's value with each step of its evaluation\n",
    "  :help                this list\n",
    "  :quit                leave (so does Ctrl-D)\n",
);

/// The prompt.
const PROMPT: &str = "clerkmap> ";

/// The session and its current record.
struct Repl {
    session: Session,
    record: Option<Record>,
    /// The input records come from.
    from: Option<String>,
    color: bool,
}

/// Completion: commands, names in scope, field paths of the current record.
struct Completions {
    names: Vec<String>,
    paths: Vec<String>,
}

impl Completer for Completions {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = line.get(..pos).unwrap_or(line);
        let start = head
            .rfind(|c: char| {
                !(c.is_alphanumeric()
                    || c == '_'
                    || c == '.'
                    || c == ':'
                    || c == '['
                    || c == ']'
                    || c == '*')
            })
            .map_or(0, |i| i + 1);
        let word = &head[start..];
        let pair = |s: &str| Pair {
            display: s.to_string(),
            replacement: s.to_string(),
        };
        let found: Vec<Pair> = if word.starts_with(':') && start == 0 {
            [
                ":load ", ":input ", ":record ", ":vars", ":type ", ":trace ", ":help", ":quit",
            ]
            .iter()
            .filter(|c| c.starts_with(word))
            .map(|c| pair(c))
            .collect()
        } else if word.starts_with('.') {
            self.paths
                .iter()
                .filter(|p| p.starts_with(word))
                .map(|p| pair(p))
                .collect()
        } else {
            self.names
                .iter()
                .filter(|n| n.starts_with(word))
                .map(|n| pair(n))
                .collect()
        };
        Ok((start, found))
    }
}

impl Hinter for Completions {
    type Hint = String;
}
impl Highlighter for Completions {}
impl Validator for Completions {}
impl Helper for Completions {}

/// The history file: `clerkmap/history` in the platform's data directory.
fn history_file() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let dir = if cfg!(windows) {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
    }?;
    Some(dir.join("clerkmap").join("history"))
}

pub(crate) fn cmd(a: ReplArgs, ui: &Ui) -> u8 {
    let c = &a.context;
    let (mapping, opts) = match mapping(ui, c.mapping.as_deref(), &c.vars) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let echo = !std::io::stdin().is_terminal();
    if c.inputs.iter().any(|(_, p)| p == "-") {
        ui.error("the repl reads its lines from standard input: give the inputs as files");
        return exit::USAGE;
    }
    let setup = inputs(&c.inputs, &c.input_formats)
        .and_then(|i| Session::new(mapping, opts, i).map_err(|e| describe(&e)));
    let session = match setup {
        Ok(s) => s,
        Err((code, message)) => {
            ui.error(message);
            return code;
        }
    };
    let mut repl = Repl {
        session,
        record: None,
        from: None,
        color: ui.stdout_color(),
    };
    if !repl.session.inputs.is_empty()
        && let Err(e) = repl.pick(&Pick::First)
    {
        ui.error(e);
        return exit::INPUT;
    }
    let mut editor: Editor<Completions, DefaultHistory> = match Editor::new() {
        Ok(e) => e,
        Err(e) => {
            ui.error(format!("cannot start the line editor: {e}"));
            return exit::FAILURE;
        }
    };
    let history = (!echo).then(history_file).flatten();
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    if !echo {
        outln!(
            "clerkmap repl: an expression evaluates it on the current record; :help lists the commands"
        );
    }
    repl.show_record();
    loop {
        editor.set_helper(Some(repl.completions()));
        let line = match editor.readline(PROMPT) {
            Ok(l) => l,
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(_) => break,
        };
        if echo {
            outln!("{PROMPT}{line}");
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(line);
        if !repl.line(line) {
            break;
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = editor.save_history(h);
    }
    exit::OK
}

impl Repl {
    fn completions(&self) -> Completions {
        let mut names: Vec<String> = self
            .session
            .completions()
            .into_iter()
            .map(|n| {
                if matches!(n.kind, Kind::Builtin | Kind::Fn) {
                    format!("{}(", n.name)
                } else {
                    n.name
                }
            })
            .collect();
        names.sort();
        names.dedup();
        Completions {
            names,
            paths: self
                .record
                .as_ref()
                .map(|r| field_paths(&r.value))
                .unwrap_or_default(),
        }
    }

    fn say(&self, text: &str) {
        out!("{text}");
        if !text.ends_with('\n') {
            outln!();
        }
    }

    fn error(&self, msg: &str) {
        self.say(&format!("error: {msg}"));
    }

    fn show_record(&self) {
        if let Some(r) = &self.record {
            self.say(&place(r));
        }
    }

    fn pick(&mut self, pick: &Pick) -> Result<(), String> {
        let r = self
            .session
            .pick(self.from.as_deref(), pick)
            .map_err(|e| describe(&e).1)?;
        self.record = Some(r);
        Ok(())
    }

    /// Handles one line; `false` to leave.
    fn line(&mut self, line: &str) -> bool {
        let (cmd, rest) = match line.split_once(char::is_whitespace) {
            Some((c, r)) => (c, r.trim()),
            None => (line, ""),
        };
        match cmd {
            ":quit" | ":q" | ":exit" => return false,
            ":help" | ":h" => self.say(HELP),
            ":load" => self.load(rest),
            ":input" => self.input(rest),
            ":record" => self.record(rest),
            ":vars" => self.vars(),
            ":type" => self.type_of(rest),
            ":trace" => self.eval(rest, true),
            c if c.starts_with(':') => {
                self.error(&format!("unknown command `{c}`: :help lists them"))
            }
            _ => self.eval(line, false),
        }
        true
    }

    fn load(&mut self, path: &str) {
        if path.is_empty() {
            return self.error(":load MAPPING: say which mapping file");
        }
        let vars: Vec<(String, String)> = self.session.opts.vars.clone().into_iter().collect();
        let m = match super::eval::check_mapping(Some(Path::new(path)), &vars, self.color) {
            Ok((m, _, warnings)) => {
                if !warnings.is_empty() {
                    self.say(&warnings);
                }
                m
            }
            Err(drawn) => {
                self.say(&drawn);
                return self.error(&format!("{path} was not loaded"));
            }
        };
        match self.session.set_mapping(m) {
            Ok(()) => {
                let n = self
                    .session
                    .names()
                    .iter()
                    .filter(|n| n.kind != Kind::Var)
                    .count();
                self.say(&format!("loaded {path}: {n} names (:vars lists them)"));
                self.repick();
            }
            Err(e) => self.error(&describe(&e).1),
        }
    }

    /// Picks the current record again (the mapping or inputs changed).
    fn repick(&mut self) {
        if self.session.inputs.is_empty() {
            return;
        }
        let pick = match &self.record {
            Some(r) => Pick::Position(r.position),
            None => Pick::First,
        };
        let picked = self.pick(&pick).or_else(|_| self.pick(&Pick::First));
        match picked {
            Ok(()) => self.show_record(),
            Err(e) => self.error(&e),
        }
    }

    fn input(&mut self, arg: &str) {
        let pair = match super::eval::parse_input(arg) {
            Ok(p) if p.1 != "-" => p,
            Ok(_) => return self.error(":input NAME=PATH: standard input holds the repl's lines"),
            Err(e) => return self.error(&e),
        };
        let first = self.session.inputs.is_empty();
        let result = inputs(&[pair], &[])
            .map_err(|e| e.1)
            .and_then(|i| self.session.set_inputs(i).map_err(|e| describe(&e).1));
        match result {
            Ok(()) if first => self.repick(),
            Ok(()) => self.say(&format!(
                "input `{}` added",
                arg.split('=').next().unwrap_or(arg)
            )),
            Err(e) => self.error(&e),
        }
    }

    fn record(&mut self, arg: &str) {
        if arg.is_empty() {
            match &self.record {
                Some(r) => {
                    let json = serde_json::to_string_pretty(&r.value).unwrap_or_default();
                    self.say(&format!("{}\n{json}", place(r)));
                }
                None => self.error("no record: give an input with :input NAME=PATH"),
            }
            return;
        }
        let pick = match arg.strip_prefix('#') {
            Some(n) => match n.parse::<u64>() {
                Ok(n) if n > 0 => Pick::Position(n),
                _ => return self.error(":record #N: N is a position, 1 or more"),
            },
            None => Pick::Id(arg.to_string()),
        };
        match self.pick(&pick) {
            Ok(()) => self.show_record(),
            Err(e) => self.error(&e),
        }
    }

    fn vars(&self) {
        let names = self.session.names();
        if names.is_empty() {
            return self.say(&match &self.session.mapping {
                Some(m) => format!(
                    "{} has no file-level `let`, `fn` or `lookup`: only the built-in functions",
                    m.src.name
                ),
                None => {
                    "nothing but the built-in functions (:load MAPPING brings a mapping's names)"
                        .to_string()
                }
            });
        }
        let mut out = String::new();
        for n in names {
            let kind = match n.kind {
                Kind::Let => "let",
                Kind::Fn => "fn",
                Kind::Table => "lookup",
                Kind::Var => "var",
                Kind::Builtin => "function",
            };
            out.push_str(&format!("{kind:<7}{}: {}\n", n.name, n.detail));
        }
        self.say(&out);
    }

    fn type_of(&self, expr: &str) {
        let grouped = self.record.as_ref().is_some_and(|r| r.grouped);
        match self.session.compile(expr, grouped) {
            Ok(c) => self.say(&c.snippet.ty.to_string()),
            Err(e) => self.say(&render_all(&e.diagnostics, &e.src, self.color)),
        }
    }

    fn eval(&self, expr: &str, trace: bool) {
        if expr.is_empty() {
            return self.error(":trace EXPR: say which expression");
        }
        let grouped = self.record.as_ref().is_some_and(|r| r.grouped);
        let c = match self.session.compile(expr, grouped) {
            Ok(c) => c,
            Err(e) => return self.say(&render_all(&e.diagnostics, &e.src, self.color)),
        };
        if !c.snippet.warnings.is_empty() {
            self.say(&render_all(&c.snippet.warnings, &c.src, self.color));
        }
        for t in self.session.empty_tables(&c) {
            self.say(&format!(
                "warning: {}",
                super::eval::empty_table(&t, ":input")
            ));
        }
        let x = self.session.evaluate(&c, self.record.as_ref(), trace);
        if trace {
            self.say(&render_steps(&x));
        }
        match &x.value {
            Ok(_) => self.say(&render_value(&x, &c)),
            Err(e) => self.say(&render_failure(&e.message, e.span, &c.src)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(c: &Completions, line: &str) -> Vec<String> {
        let history = DefaultHistory::new();
        let ctx = Context::new(&history);
        let (start, found) = c
            .complete(line, line.len(), &ctx)
            .unwrap_or_else(|e| panic!("{e}"));
        found
            .into_iter()
            .map(|p| format!("{}{}", &line[..start], p.replacement))
            .collect()
    }

    #[test]
    fn completes_commands_names_and_field_paths() {
        let c = Completions {
            names: vec!["decimal(".into(), "default(".into(), "site".into()],
            paths: vec![
                ".prezzo".into(),
                ".varianti".into(),
                ".varianti[*].prezzo".into(),
            ],
        };
        assert_eq!(complete(&c, ":lo"), vec![":load "]);
        assert_eq!(complete(&c, ".prezzo | dec"), vec![".prezzo | decimal("]);
        assert_eq!(
            complete(&c, "min(.varianti[*].p"),
            vec!["min(.varianti[*].prezzo"]
        );
        assert_eq!(complete(&c, "si"), vec!["site"]);
    }
}
