//! `rolesmith simulate`: one request from flags, or a JSON Lines batch.
//!
//! Batch mode answers blocks of lines on up to four workers, writing one
//! result line per request line in input order through a buffered writer; a
//! document seen twice is parsed once (cached by its JSON text, shared by the
//! workers); a bad line gets `{"error": ...}` and the batch goes on.
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{Exit, Format, Global, eprint_diagnostic, eprint_error, eprint_warning, print_out};
use crate::policy::explain::{NearMiss, explain};
use crate::policy::{Decision, Evaluation, Policy, Request, StatementRef, evaluate, evaluate_as};
use clap::Args;
use serde_json::{Value, json};

/// `--batch`'s long help: the line format.
const BATCH_HELP: &str = "JSON Lines file of requests (`-` for stdin); one result line per request line, in order.

Each line is one JSON object:
  {\"action\": \"connect:DescribeUser\", \"resource\": \"arn:aws:connect:...\",
   \"policies\": [{...policy document...}, ...], \"boundary\": {...policy document...},
   \"context\": {\"aws:RequestedRegion\": \"eu-west-2\", \"aws:TagKeys\": [\"a\", \"b\"]}}
`action` and `resource` are required; `policies` (identity policy documents) defaults to the
`--policy` files, `boundary` (absent or null) to the `--boundary` file; a context value is a
string, number, boolean or a list of them.

Each result line: {\"decision\": \"allowed\"|\"explicitDeny\"|\"implicitDeny\", \"deciding\": [{\"policy\",
\"index\", \"sid\"}], \"boundaryBlocked\": true (when the boundary denied), \"explanation\": [...]
(for implicitDeny: the Allow statements that name the action and why each failed),
\"warnings\": [...] (unknown action, context key the action never carries)}; a line that cannot be
read gives {\"error\": \"line N: ...\"} and the batch goes on.";

/// Arguments of `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Identity policy document (JSON); repeatable. With `--batch`: the policies of lines without `policies`.
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Permissions boundary document (JSON). With `--batch`: the boundary of lines without `boundary`.
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
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["action", "resource", "context"],
        long_help = BATCH_HELP
    )]
    pub batch: Option<PathBuf>,
    /// Output format of a single request: `text` or `json` (the result line a batch gives).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `simulate`. Single request: exit 0 when allowed, 1 when denied.
/// Batch: exit 0 when every line was evaluated, 1 when a line had an error,
/// 2 when the input could not be read.
pub fn run(_g: &Global, a: &SimulateArgs) -> Exit {
    match &a.batch {
        Some(path) => match load_all(a) {
            Some((policies, boundary)) => run_batch(path, &Defaults { policies, boundary }),
            None => Exit::Failure,
        },
        None => run_single(a),
    }
}

/// The `--policy` files and the `--boundary` file, parsed (`None`: a
/// message was printed).
fn load_all(a: &SimulateArgs) -> Option<(Vec<Policy>, Option<Policy>)> {
    let mut policies = Vec::new();
    for p in &a.policies {
        policies.push(load(p)?);
    }
    let boundary = match &a.boundary {
        Some(p) => Some(load(p)?),
        None => None,
    };
    Some((policies, boundary))
}

/// What batch lines without `policies` or `boundary` are evaluated with.
struct Defaults {
    policies: Vec<Policy>,
    boundary: Option<Policy>,
}

/// The warning for an action the catalogue does not know.
fn unknown_action(action: &str) -> Option<String> {
    let cat = crate::catalogue::catalogue();
    if cat.action(action).is_some() {
        return None;
    }
    let hint = match cat.suggest(action, 1).first() {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    };
    Some(format!(
        "unknown action `{action}`{hint} (AWS has no action of that name: the decision is for the name as written)"
    ))
}

/// The warning for a context key no request for the (known) action carries.
fn key_warning(action: &str, key: &str) -> Option<String> {
    let cat = crate::catalogue::catalogue();
    let known = cat.action(action)?;
    let global = cat.condition_key(key).is_some_and(|k| k.global);
    (!global && !known.supports_condition_key(key)).then(|| {
        format!(
            "context key `{key}` is never in a request for `{}` (not one of its condition keys, nor a global key); a condition on it is evaluated with the value given, as IAM never would",
            known.name
        )
    })
}

fn run_single(a: &SimulateArgs) -> Exit {
    let (Some(action), Some(resource)) = (&a.action, &a.resource) else {
        eprint_error(
            "`simulate` needs `--action` and `--resource` (or `--batch FILE`); see `rolesmith simulate --help`",
        );
        return Exit::Failure;
    };
    let Some((policies, boundary)) = load_all(a) else {
        return Exit::Failure;
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
    for w in Warnings::default().get(&req.action, &req.context) {
        eprint_warning(&w);
    }
    let named: Vec<(&str, &Policy)> = policies.iter().map(|p| (p.name(), p)).collect();
    let why = explain(&ev, &req, &named, boundary.as_ref().map(|b| (b.name(), b)));
    match a.format {
        Format::Json => print_out(&format!("{}\n", result_json(&ev, &why))),
        Format::Text => print_out(&result_text(&ev, &why)),
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

fn result_text(ev: &Evaluation, why: &[NearMiss]) -> String {
    let mut out = format!("{}\n", ev.decision.as_str());
    if ev.decision == Decision::ImplicitDeny && !ev.boundary_blocked && why.is_empty() {
        out.push_str("  no Allow statement names the action\n");
    }
    for m in why {
        let reasons: Vec<String> = m.reasons.iter().map(ToString::to_string).collect();
        out.push_str(&format!(
            "  {} names the action, but {}\n",
            m.statement,
            reasons.join("; ")
        ));
    }
    for s in &ev.deciding {
        let line = match (&ev.decision, ev.boundary_blocked) {
            (Decision::ExplicitDeny, _) => format!("  denied by {s}\n"),
            (_, true) => format!("  allowed by {s}, but not by the permissions boundary\n"),
            _ => format!("  allowed by {s}\n"),
        };
        out.push_str(&line);
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

fn result_json(ev: &Evaluation, why: &[NearMiss]) -> Value {
    let mut o = json!({
        "decision": ev.decision.as_str(),
        "deciding": refs_json(&ev.deciding),
    });
    if let Some(m) = o.as_object_mut() {
        if ev.boundary_blocked {
            m.insert("boundaryBlocked".into(), Value::Bool(true));
        }
        if !why.is_empty() {
            m.insert("explanation".into(), json!(why));
        }
    }
    o
}

/// Parsed policies by their JSON text, shared by the batch's workers: the
/// same document on many lines (and in any position) is parsed once. Names
/// come from the position at evaluation time ([`evaluate_as`]). A document
/// is kept from its second sighting on, so a batch where every line has
/// its own documents costs no copies and no cache churn.
#[derive(Default)]
struct Cache {
    inner: std::sync::Mutex<Kept>,
}

/// What [`Cache`] holds.
#[derive(Default)]
struct Kept {
    parsed: HashMap<String, Shared, crate::fasthash::FastHash>,
    /// Bytes of document text held (the keys).
    bytes: usize,
    /// Hashes of the documents seen once (bounded).
    seen: std::collections::HashSet<u64, crate::fasthash::FastHash>,
}

/// A parsed document (or the fact that it does not parse), shared.
type Shared = std::sync::Arc<Result<Policy, ()>>;

/// Most document hashes [`Cache`] remembers before it starts again.
const SEEN_HASHES: usize = 1 << 16;

/// Most document text the cache keeps (a parsed document takes about 20
/// times its text): past it a quarter of the documents are dropped, so
/// memory stays bounded (tens of MiB) whatever the batch holds, a batch that
/// reuses a few documents parses each once, and one that reuses slightly
/// more than fit loses only some hits.
const CACHE_BYTES: usize = 1 << 21;

impl Cache {
    /// The parsed document, or the parse error named after its position.
    fn get(&self, name: impl Fn() -> String, raw: &str) -> Result<Shared, String> {
        let hash = {
            let Ok(mut k) = self.inner.lock() else {
                return Err("internal error: a batch worker failed".to_string());
            };
            if let Some(hit) = k.parsed.get(raw) {
                let hit = hit.clone();
                drop(k);
                return Self::named(hit, &name, raw);
            }
            let hash = std::hash::BuildHasher::hash_one(k.parsed.hasher(), raw);
            if k.seen.len() >= SEEN_HASHES {
                k.seen.clear();
            }
            // `None`: a first sighting, used for this line only.
            (!k.seen.insert(hash)).then_some(hash)
        };
        // Parsed outside the lock: another worker may parse it too, once.
        let parsed: Shared = std::sync::Arc::new(Policy::parse_str("", raw).map_err(|_| ()));
        if hash.is_some()
            && let Ok(mut k) = self.inner.lock()
        {
            if k.bytes + raw.len() > CACHE_BYTES {
                let mut i = 0usize;
                let mut freed = 0usize;
                k.parsed.retain(|text, _| {
                    i += 1;
                    let keep = !i.is_multiple_of(4);
                    if !keep {
                        freed += text.len();
                    }
                    keep
                });
                k.bytes -= freed;
                if k.bytes + raw.len() > CACHE_BYTES {
                    k.parsed.clear();
                    k.bytes = 0;
                }
            }
            k.bytes += raw.len();
            k.parsed.insert(raw.to_string(), parsed.clone());
        }
        Self::named(parsed, &name, raw)
    }

    /// `entry`, or its parse error named after the document's position.
    fn named(entry: Shared, name: &impl Fn() -> String, raw: &str) -> Result<Shared, String> {
        if entry.is_err() {
            // Rare: parse again to name the position in the message.
            return Err(match Policy::parse_str(&name(), raw) {
                Err(e) => e.to_string(),
                Ok(_) => format!("policy `{}` could not be parsed", name()),
            });
        }
        Ok(entry)
    }
}

/// Warnings about a request that do not change its decision: an action the
/// catalogue does not know (with "did you mean"), and context keys that no
/// request for the action carries (neither the action's keys nor global).
/// Remembered by action and by (action, context key): they depend on
/// nothing else, and asking the catalogue costs more than evaluating the
/// request (a batch asks once per worker). Bounded: past
/// [`WARNING_ENTRIES`] it starts again.
#[derive(Default)]
struct Warnings {
    /// Action -> its unknown-action warning.
    actions: HashMap<String, Option<String>>,
    /// Action -> context key -> its warning.
    keys: HashMap<String, HashMap<String, Option<String>>>,
    entries: usize,
}

/// Most answers a batch's [`Warnings`] keeps.
const WARNING_ENTRIES: usize = 4096;

impl Warnings {
    fn get(&mut self, action: &str, context: &BTreeMap<String, Vec<String>>) -> Vec<String> {
        if action.contains(['*', '?']) {
            return Vec::new();
        }
        if self.entries >= WARNING_ENTRIES {
            *self = Warnings::default();
        }
        let unknown = match self.actions.get(action) {
            Some(u) => u.clone(),
            None => {
                let u = unknown_action(action);
                self.entries += 1;
                self.actions.insert(action.to_string(), u.clone());
                u
            }
        };
        if let Some(w) = unknown {
            return vec![w];
        }
        let mut out = Vec::new();
        for k in context.keys() {
            let said = match self.keys.get(action).and_then(|m| m.get(k)) {
                Some(w) => w.clone(),
                None => {
                    let w = key_warning(action, k);
                    self.entries += 1;
                    self.keys
                        .entry(action.to_string())
                        .or_default()
                        .insert(k.clone(), w.clone());
                    w
                }
            };
            out.extend(said);
        }
        out
    }
}

/// One request line; documents stay raw JSON text (the cache key).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    #[serde(borrow, default)]
    policies: Option<Vec<&'a serde_json::value::RawValue>>,
    #[serde(borrow, default)]
    boundary: Option<&'a serde_json::value::RawValue>,
    action: String,
    resource: String,
    #[serde(default)]
    context: Option<BTreeMap<String, ContextValue>>,
}

/// A context value: one scalar or a list of scalars.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ContextValue {
    One(Scalar),
    Many(Vec<Scalar>),
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Number(n) => n.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// Lines a batch block holds at most about this many bytes of (a line is
/// never split).
const BLOCK_BYTES: usize = 1 << 18;

/// Consecutive request lines, the unit a worker answers.
struct Block {
    /// 1-based number of its first line.
    first: usize,
    /// The lines, each with its `\n` (the last may lack it).
    bytes: Vec<u8>,
    /// An empty buffer for the answers (buffers go round: a fresh
    /// allocation of this size is a fresh mapping, page faults and all).
    out: Vec<u8>,
}

/// A block's answers, in line order, and its buffers back.
struct Answers {
    out: Vec<u8>,
    any_error: bool,
    bytes: Vec<u8>,
}

/// Batch mode: the main thread reads blocks of lines and writes the answers
/// in input order; one worker per core (at most 4) answers blocks, all
/// sharing one document cache (a cache changes no answer), so output is the
/// same bytes whatever the number of workers. Memory: at most two blocks per
/// worker in flight, plus the bounded cache.
fn run_batch(path: &Path, defaults: &Defaults) -> Exit {
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
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut reader = reader;
    let cache = &Cache::default();
    let exit = std::thread::scope(|scope| {
        let mut lanes = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (to_worker, blocks) = std::sync::mpsc::sync_channel::<Block>(2);
            let (answer, answers) = std::sync::mpsc::sync_channel::<Answers>(2);
            scope.spawn(move || {
                let mut said = Warnings::default();
                for block in blocks {
                    let a = answer_block(block, cache, &mut said, defaults);
                    if answer.send(a).is_err() {
                        break;
                    }
                }
            });
            lanes.push((to_worker, answers));
        }
        // Lanes of the blocks sent and not yet written, oldest first.
        let mut in_flight: std::collections::VecDeque<usize> = Default::default();
        let mut any_error = false;
        // Buffers back from written blocks: (lines, answers).
        let mut spare: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut write_oldest = |in_flight: &mut std::collections::VecDeque<usize>,
                                any_error: &mut bool,
                                spare: &mut Vec<(Vec<u8>, Vec<u8>)>|
         -> Result<(), ()> {
            let Some(lane) = in_flight.pop_front() else {
                return Ok(());
            };
            let a = lanes
                .get(lane)
                .and_then(|(_, answers)| answers.recv().ok())
                .ok_or(())?;
            *any_error |= a.any_error;
            out.write_all(&a.out).map_err(|_| ())?;
            spare.push((a.bytes, a.out));
            Ok(())
        };
        let mut n = 0usize;
        let mut next_lane = 0usize;
        let mut read_failed = None;
        'read: loop {
            let (mut bytes, out) = spare
                .pop()
                .unwrap_or_else(|| (Vec::with_capacity(BLOCK_BYTES + 4096), Vec::new()));
            bytes.clear();
            let mut block = Block {
                first: n + 1,
                bytes,
                out,
            };
            while block.bytes.len() < BLOCK_BYTES {
                match reader.read_until(b'\n', &mut block.bytes) {
                    Ok(0) => break,
                    Ok(_) => n += 1,
                    Err(e) => {
                        read_failed = Some(format!(
                            "cannot read line {} of `{}`: {e}",
                            n + 1,
                            path.display()
                        ));
                        break;
                    }
                }
            }
            // A partial line cut by a read error is not answered.
            if read_failed.is_some() && !block.bytes.ends_with(b"\n") {
                let keep = block
                    .bytes
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                block.bytes.truncate(keep);
            }
            if block.bytes.is_empty() {
                break 'read;
            }
            if in_flight.len() >= 2 * workers
                && write_oldest(&mut in_flight, &mut any_error, &mut spare).is_err()
            {
                // Closed pipe: the reader has what it wanted.
                return Exit::Ok;
            }
            let Some((to_worker, _)) = lanes.get(next_lane) else {
                break 'read;
            };
            if to_worker.send(block).is_err() {
                break 'read;
            }
            in_flight.push_back(next_lane);
            next_lane = (next_lane + 1) % workers;
            if read_failed.is_some() {
                break 'read;
            }
        }
        while !in_flight.is_empty() {
            if write_oldest(&mut in_flight, &mut any_error, &mut spare).is_err() {
                return Exit::Ok;
            }
        }
        if let Some(e) = read_failed {
            let _ = out.flush();
            eprint_error(e);
            return Exit::Failure;
        }
        if out.flush().is_err() {
            return Exit::Ok;
        }
        if any_error { Exit::Problems } else { Exit::Ok }
    });
    // Freeing thousands of parsed documents one by one costs more than
    // evaluating them; the process ends here and the OS takes the memory.
    std::mem::forget(std::mem::take(
        &mut *cache.inner.lock().unwrap_or_else(|e| e.into_inner()),
    ));
    exit
}

/// Answers every line of `block`, in order: a result line, or an `error`
/// line for a line that is not a request (the batch goes on).
fn answer_block(block: Block, cache: &Cache, said: &mut Warnings, defaults: &Defaults) -> Answers {
    let mut out = block.out;
    out.clear();
    let mut any_error = false;
    for (i, bytes) in block.bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        let n = block.first + i;
        // A line that is not UTF-8 is answered like any other bad line.
        let line = match std::str::from_utf8(bytes) {
            Ok(l) => l,
            Err(e) => {
                any_error = true;
                let err = json!({"error": format!(
                    "line {n}: not UTF-8 text (invalid byte at column {}); write requests as UTF-8 JSON",
                    e.valid_up_to() + 1
                )});
                let _ = writeln!(out, "{err}");
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match batch_line(line, cache, said, defaults) {
            Ok(o) => {
                let _ = write_result(&mut out, &o);
            }
            Err(msg) => {
                any_error = true;
                let err = json!({"error": format!("line {n}: {msg}")});
                let _ = writeln!(out, "{err}");
            }
        }
    }
    Answers {
        out,
        any_error,
        bytes: block.bytes,
    }
}

/// What one batch line gave.
struct Outcome {
    ev: Evaluation,
    /// Why an `implicitDeny` (empty otherwise).
    why: Vec<NearMiss>,
    warnings: Vec<String>,
}

/// Writes one result line, the same JSON as [`result_json`] (plus
/// `warnings`) without building a value tree (batch mode's hot path).
fn write_result(out: &mut impl Write, o: &Outcome) -> std::io::Result<()> {
    let ev = &o.ev;
    if ev.boundary_blocked {
        out.write_all(b"{\"boundaryBlocked\":true,\"deciding\":[")?;
    } else {
        out.write_all(b"{\"deciding\":[")?;
    }
    for (i, r) in ev.deciding.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(out, "{{\"index\":{},\"policy\":", r.index)?;
        serde_json::to_writer(&mut *out, &r.policy)?;
        if let Some(sid) = &r.sid {
            out.write_all(b",\"sid\":")?;
            serde_json::to_writer(&mut *out, sid)?;
        }
        out.write_all(b"}")?;
    }
    write!(out, "],\"decision\":\"{}\"", ev.decision.as_str())?;
    if !o.why.is_empty() {
        out.write_all(b",\"explanation\":")?;
        serde_json::to_writer(&mut *out, &o.why)?;
    }
    if !o.warnings.is_empty() {
        out.write_all(b",\"warnings\":")?;
        serde_json::to_writer(&mut *out, &o.warnings)?;
    }
    writeln!(out, "}}")
}

/// Evaluates one request line; `policies` and `boundary` it leaves out are
/// `defaults`.
fn batch_line(
    line: &str,
    cache: &Cache,
    said: &mut Warnings,
    defaults: &Defaults,
) -> Result<Outcome, String> {
    let req: Line<'_> = serde_json::from_str(line).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            format!("not valid JSON: {e}")
        } else {
            format!("{e}; a request is {{\"policies\": [...], \"boundary\": ..., \"action\": \"...\", \"resource\": \"...\", \"context\": {{...}}}}")
        }
    })?;
    let given = req.policies.is_some();
    let docs = req.policies.unwrap_or_default();
    let mut held = Vec::with_capacity(docs.len());
    for (i, d) in docs.iter().enumerate() {
        held.push((
            format!("policies[{i}]"),
            cache.get(|| format!("policies[{i}]"), d.get())?,
        ));
    }
    let boundary = match req.boundary {
        Some(b) if b.get() != "null" => Some(cache.get(|| "boundary".to_string(), b.get())?),
        _ => None,
    };
    let mut identity = Vec::with_capacity(held.len());
    for (name, p) in &held {
        if let Ok(p) = p.as_ref() {
            identity.push((name.as_str(), p));
        }
    }
    if !given {
        identity.extend(defaults.policies.iter().map(|p| (p.name(), p)));
    }
    let boundary = match boundary.as_deref() {
        Some(Ok(b)) => Some(("boundary", b)),
        _ => defaults.boundary.as_ref().map(|b| (b.name(), b)),
    };
    let context = req
        .context
        .unwrap_or_default()
        .into_iter()
        .map(|(mut k, v)| {
            // Keys are case-insensitive; lower-casing here lets the
            // evaluator borrow them instead of copying.
            k.make_ascii_lowercase();
            let vals = match v {
                ContextValue::One(s) => vec![s.into_text()],
                ContextValue::Many(list) => list.into_iter().map(Scalar::into_text).collect(),
            };
            (k, vals)
        })
        .collect();
    let req = Request {
        action: req.action,
        resource: req.resource,
        context,
    };
    let ev = evaluate_as(&req, &identity, boundary);
    Ok(Outcome {
        why: explain(&ev, &req, &identity, boundary),
        warnings: said.get(&req.action, &req.context),
        ev,
    })
}
