//! `rolesmith simulate`: one request from flags, or a JSON Lines batch.
//!
//! Batch mode parses each distinct policy document once (cached by its JSON
//! text) and streams one result line per request line through a buffered
//! writer; a bad line gets `{"error": ...}` and the batch goes on.
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{Exit, Format, Global, eprint_diagnostic, eprint_error, print_out};
use crate::policy::{Decision, Evaluation, Policy, Request, StatementRef, evaluate, evaluate_refs};
use clap::Args;
use serde_json::{Value, json};

/// Arguments of `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Identity policy document (JSON); repeatable.
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Permissions boundary document (JSON).
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// Action of the request, e.g. `connect:DescribeUser`.
    #[arg(long)]
    pub action: Option<String>,
    /// Resource ARN of the request.
    #[arg(long)]
    pub resource: Option<String>,
    /// Request context entry `KEY=VALUE`; repeat a key for several values.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// JSON Lines file of requests (`-` for stdin); one result line per request line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["policies", "boundary", "action", "resource", "context"])]
    pub batch: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `simulate`. Single request: exit 0 when allowed, 1 when denied.
/// Batch: exit 0 when every line was evaluated, 1 when a line had an error,
/// 2 when the input could not be read.
pub fn run(_g: &Global, a: &SimulateArgs) -> Exit {
    match &a.batch {
        Some(path) => run_batch(path),
        None => run_single(a),
    }
}

fn run_single(a: &SimulateArgs) -> Exit {
    let (Some(action), Some(resource)) = (&a.action, &a.resource) else {
        eprint_error(
            "`simulate` needs `--action` and `--resource` (or `--batch FILE`); see `rolesmith simulate --help`",
        );
        return Exit::Failure;
    };
    let mut policies = Vec::new();
    for p in &a.policies {
        match load(p) {
            Some(pol) => policies.push(pol),
            None => return Exit::Failure,
        }
    }
    let boundary = match &a.boundary {
        Some(p) => match load(p) {
            Some(b) => Some(b),
            None => return Exit::Failure,
        },
        None => None,
    };
    let mut context: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for kv in &a.context {
        let Some((k, v)) = kv.split_once('=') else {
            eprint_error(format!(
                "context entry `{kv}` is not `KEY=VALUE`; write e.g. `--context aws:RequestedRegion=eu-west-2`"
            ));
            return Exit::Failure;
        };
        context
            .entry(k.to_string())
            .or_default()
            .push(v.to_string());
    }
    let req = Request {
        action: action.clone(),
        resource: resource.clone(),
        context,
    };
    let ev = evaluate(&req, &policies, boundary.as_ref());
    match a.format {
        Format::Json => print_out(&format!("{}\n", result_json(&ev))),
        Format::Text => print_out(&result_text(&ev)),
    }
    if ev.decision == Decision::Allowed {
        Exit::Ok
    } else {
        Exit::Problems
    }
}

fn load(path: &Path) -> Option<Policy> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprint_error(format!(
                "cannot read policy file `{}`: {e}; check the path",
                path.display()
            ));
            return None;
        }
    };
    match Policy::parse_str(&path.display().to_string(), &text) {
        Ok(p) => Some(p),
        Err(e) => {
            eprint_diagnostic(e);
            None
        }
    }
}

fn result_text(ev: &Evaluation) -> String {
    let mut out = format!("{}\n", ev.decision.as_str());
    if ev.boundary_blocked {
        out.push_str("  the permissions boundary does not allow it\n");
    }
    let verb = match ev.decision {
        Decision::ExplicitDeny => "denied by",
        _ => "allowed by",
    };
    for s in &ev.deciding {
        out.push_str(&format!("  {verb} {s}\n"));
    }
    out
}

fn refs_json(refs: &[StatementRef]) -> Value {
    Value::Array(
        refs.iter()
            .map(|r| {
                let mut o = json!({"policy": r.policy, "index": r.index});
                if let (Some(sid), Some(m)) = (&r.sid, o.as_object_mut()) {
                    m.insert("sid".into(), Value::String(sid.clone()));
                }
                o
            })
            .collect(),
    )
}

fn result_json(ev: &Evaluation) -> Value {
    let mut o = json!({
        "decision": ev.decision.as_str(),
        "deciding": refs_json(&ev.deciding),
    });
    if ev.boundary_blocked
        && let Some(m) = o.as_object_mut()
    {
        m.insert("boundaryBlocked".into(), Value::Bool(true));
    }
    o
}

/// Parsed policies by canonical JSON text: the same document on many lines
/// is parsed once.
#[derive(Default)]
struct Cache {
    parsed: HashMap<String, Rc<Result<Policy, String>>>,
}

impl Cache {
    fn get(&mut self, name: &str, doc: &Value) -> Rc<Result<Policy, String>> {
        // Names differ by position; cache by (name, text) so references in
        // the output name the position the request used.
        let key = format!("{name}\u{0}{doc}");
        self.parsed
            .entry(key)
            .or_insert_with(|| Rc::new(Policy::parse(name, doc).map_err(|e| e.to_string())))
            .clone()
    }
}

fn run_batch(path: &Path) -> Exit {
    let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(path) {
            Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 16, f)),
            Err(e) => {
                eprint_error(format!(
                    "cannot read batch file `{}`: {e}; check the path",
                    path.display()
                ));
                return Exit::Failure;
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut cache = Cache::default();
    let mut any_error = false;
    for (n, line) in reader.lines().enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                let _ = out.flush();
                eprint_error(format!(
                    "cannot read line {} of `{}`: {e}",
                    n + 1,
                    path.display()
                ));
                return Exit::Failure;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let result = match batch_line(&line, &mut cache) {
            Ok(ev) => result_json(&ev),
            Err(msg) => {
                any_error = true;
                json!({"error": format!("line {}: {msg}", n + 1)})
            }
        };
        if writeln!(out, "{result}").is_err() {
            // Closed pipe: the reader has what it wanted.
            return Exit::Ok;
        }
    }
    if out.flush().is_err() {
        return Exit::Ok;
    }
    if any_error { Exit::Problems } else { Exit::Ok }
}

/// Evaluates one request line.
fn batch_line(line: &str, cache: &mut Cache) -> Result<Evaluation, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err("a request line must be a JSON object".into());
    };
    for k in m.keys() {
        if !["policies", "boundary", "action", "resource", "context"].contains(&k.as_str()) {
            return Err(format!(
                "unknown field `{k}`; a request has `policies`, `boundary`, `action`, `resource`, `context`"
            ));
        }
    }
    let text = |k: &str| -> Result<String, String> {
        match m.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("`{k}` must be a string")),
            None => Err(format!("`{k}` is missing")),
        }
    };
    let action = text("action")?;
    let resource = text("resource")?;
    let docs = match m.get("policies") {
        Some(Value::Array(a)) => a.as_slice(),
        None | Some(Value::Null) => &[],
        Some(_) => return Err("`policies` must be a list of policy documents".into()),
    };
    let mut held = Vec::with_capacity(docs.len());
    for (i, d) in docs.iter().enumerate() {
        held.push(cache.get(&format!("policies[{i}]"), d));
    }
    let boundary = match m.get("boundary") {
        None | Some(Value::Null) => None,
        Some(d) => Some(cache.get("boundary", d)),
    };
    let mut identity = Vec::with_capacity(held.len());
    for p in &held {
        match p.as_ref() {
            Ok(p) => identity.push(p),
            Err(e) => return Err(e.clone()),
        }
    }
    let boundary = match boundary.as_deref() {
        None => None,
        Some(Ok(b)) => Some(b),
        Some(Err(e)) => return Err(e.clone()),
    };
    let mut context = BTreeMap::new();
    match m.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(c)) => {
            for (k, v) in c {
                let vals = match v {
                    Value::Array(a) => a.iter().map(scalar).collect::<Result<Vec<_>, _>>(),
                    other => scalar(other).map(|s| vec![s]),
                }
                .map_err(|e| format!("context key `{k}`: {e}"))?;
                context.insert(k.clone(), vals);
            }
        }
        Some(_) => return Err("`context` must be an object of key -> value(s)".into()),
    }
    let req = Request {
        action,
        resource,
        context,
    };
    Ok(evaluate_refs(&req, &identity, boundary))
}

fn scalar(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err("values must be strings, numbers or booleans".into()),
    }
}
