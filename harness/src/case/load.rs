//! Loading the YAML catalogue: parse, expand matrices, check, locate errors.
//!
//! A broken file stops the run with `file:line:column: case ID: field PATH:
//! message`; wsprobe never skips a case it could not read.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde_yaml::Value;

use super::locate::Locations;
use super::{Case, Class, End, Grade, MaskSpec, Step};
use crate::wire::LengthForm;

/// A catalogue file that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    /// The file.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// The case id, when the error is inside a case.
    pub case_id: Option<String>,
    /// Path of the offending field, like `cases[2].steps[0].send.opcode`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(id) = &self.case_id {
            write!(f, "case {id}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field {field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for CatalogError {}

impl CatalogError {
    /// An error about a file or directory as a whole (no position in it).
    fn whole_file(file: String, message: String) -> CatalogError {
        CatalogError {
            file,
            line: 0,
            column: 0,
            case_id: None,
            field: None,
            message,
        }
    }
}

/// A loaded catalogue file's heading.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileInfo {
    /// Path relative to the catalogue root.
    pub file: String,
    /// The RFC section the file covers.
    pub section: String,
    /// The file's title.
    pub title: String,
}

/// Every case of the catalogue, in file order.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The cases for servers under test (`wsprobe run`).
    pub cases: Vec<Case>,
    /// The cases for clients under test (`role: client-under-test`,
    /// `wsprobe test-client` and `serve-cases`).
    pub client_cases: Vec<Case>,
    /// The files they came from.
    pub files: Vec<FileInfo>,
}

impl Catalog {
    /// A short hash of every server case definition: baselines and reports
    /// record it so a verdict can be traced to the catalogue that produced it.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cases)
    }

    /// The same for the client cases.
    pub fn client_fingerprint(&self) -> String {
        fingerprint(&self.client_cases)
    }
}

fn fingerprint(cases: &[Case]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for c in cases {
        h.update(serde_json::to_vec(c).expect("cases serialize"));
    }
    hex::encode(&h.finalize()[..8])
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileRepr {
    section: String,
    title: String,
    /// `client-under-test` for every case of the file that does not say.
    #[serde(default)]
    role: Option<Value>,
    /// `mirror`: each server case of the file also runs against clients, as
    /// `client/ID` with wsprobe playing the server side (cases with a
    /// handshake or idle connections cannot, and stay server-only).
    #[serde(default)]
    clients: Option<Mirror>,
    #[serde(default)]
    #[allow(dead_code)]
    url: Option<String>,
    cases: Vec<Value>,
}

/// The catalogue compiled into the binary from `cases/`.
pub fn embedded() -> Result<Catalog, CatalogError> {
    embedded_in(None)
}

/// The built-in catalogue under a profile (`autobahn`: a case's
/// `profiles.autobahn` values replace its `vars`, so the 12.x and 13.x
/// equivalents send Autobahn's 1000 messages).
pub fn embedded_in(profile: Option<&str>) -> Result<Catalog, CatalogError> {
    load_sources_in(
        crate::case::EMBEDDED
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string())),
        profile,
    )
}

/// Load every `*.yaml` file under `dir`.
pub fn load_dir(dir: &Path) -> Result<Catalog, CatalogError> {
    load_dir_in(dir, None)
}

/// Load every `*.yaml` file under `dir`, under a profile.
pub fn load_dir_in(dir: &Path, profile: Option<&str>) -> Result<Catalog, CatalogError> {
    let mut files = Vec::new();
    collect_yaml(dir, &mut files).map_err(|e| {
        CatalogError::whole_file(
            dir.display().to_string(),
            format!("cannot read the catalogue directory: {e}"),
        )
    })?;
    files.sort();
    let mut sources = Vec::new();
    for path in files {
        let name = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            CatalogError::whole_file(path.display().to_string(), format!("cannot read: {e}"))
        })?;
        sources.push((path.display().to_string(), text, name));
    }
    load_sources_in(
        sources.into_iter().map(|(_, text, name)| (name, text)),
        profile,
    )
}

fn collect_yaml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path
                .file_name()
                .is_some_and(|n| n != super::requirements::FILE)
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Load named YAML texts as one catalogue, checking ids across files.
pub fn load_sources(
    sources: impl IntoIterator<Item = (String, String)>,
) -> Result<Catalog, CatalogError> {
    load_sources_in(sources, None)
}

/// Load named YAML texts as one catalogue, under a profile.
pub fn load_sources_in(
    sources: impl IntoIterator<Item = (String, String)>,
    profile: Option<&str>,
) -> Result<Catalog, CatalogError> {
    let mut catalog = Catalog::default();
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    for (name, text) in sources {
        let (info, cases) = load_file_in(&name, &text, profile)?;
        for case in cases {
            if let Some((file, line)) = seen.get(&case.id) {
                return Err(CatalogError {
                    file: name.clone(),
                    line: case.source.line,
                    column: 0,
                    case_id: Some(case.id.clone()),
                    field: Some("id".into()),
                    message: format!("duplicate case id, first defined at {file}:{line}"),
                });
            }
            seen.insert(case.id.clone(), (name.clone(), case.source.line));
            match case.role {
                super::model::Role::Server => catalog.cases.push(case),
                super::model::Role::Client => catalog.client_cases.push(case),
            }
        }
        catalog.files.push(info);
    }
    Ok(catalog)
}

/// Load one catalogue file.
pub fn load_file(name: &str, text: &str) -> Result<(FileInfo, Vec<Case>), CatalogError> {
    load_file_in(name, text, None)
}

/// Load one catalogue file under a profile: a case's `vars` are variables
/// like a matrix's, with default values; `profiles.NAME` replaces some of
/// them when the catalogue is loaded under NAME.
pub fn load_file_in(
    name: &str,
    text: &str,
    profile: Option<&str>,
) -> Result<(FileInfo, Vec<Case>), CatalogError> {
    let locations = Locations::index(text);
    let err_at = |path: &str, case_id: Option<String>, message: String| {
        let (line, column) = locations.find(path).unwrap_or((0, 0));
        CatalogError {
            file: name.to_string(),
            line,
            column,
            case_id,
            field: (!path.is_empty()).then(|| path.to_string()),
            message,
        }
    };
    let root: Value = serde_yaml::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        CatalogError {
            file: name.to_string(),
            line,
            column,
            case_id: None,
            field: None,
            message: format!("not valid YAML: {e}"),
        }
    })?;
    let repr: FileRepr = serde_path_to_error::deserialize(root).map_err(|e| {
        let path = e.path().to_string();
        err_at(
            if path == "." { "" } else { &path },
            None,
            e.into_inner().to_string(),
        )
    })?;
    let info = FileInfo {
        file: name.to_string(),
        section: repr.section,
        title: repr.title,
    };
    let mut cases = Vec::new();
    for (i, mut value) in repr.cases.into_iter().enumerate() {
        let base = format!("cases[{i}]");
        let template_id = value.get("id").and_then(Value::as_str).map(str::to_string);
        let line = locations.find(&base).map(|l| l.0).unwrap_or(0);
        if let (Some(role), Some(m)) = (&repr.role, value.as_mapping_mut()) {
            if !m.contains_key("role") {
                m.insert(Value::from("role"), role.clone());
            }
        }
        let matrix = value.as_mapping_mut().and_then(|m| m.remove("matrix"));
        let bindings = match matrix {
            None => vec![Vec::new()],
            Some(m) => expand_matrix(&m)
                .map_err(|msg| err_at(&format!("{base}.matrix"), template_id.clone(), msg))?,
        };
        let (chosen, defaults) = profile_vars(&mut value, profile)
            .map_err(|(field, msg)| err_at(&format!("{base}.{field}"), template_id.clone(), msg))?;
        for binding in bindings {
            // The first binding of a name wins: the profile's, the matrix's, the default.
            let binding: Binding = chosen
                .iter()
                .cloned()
                .chain(binding)
                .chain(defaults.iter().cloned())
                .collect();
            let mut v = value.clone();
            substitute(&mut v, &binding);
            // A variable's value may name another variable (`ab: "${v.ab}"`).
            substitute(&mut v, &binding);
            // A matrix value that is a list of steps splices into `steps`.
            if let Some(Value::Sequence(steps)) = v.get_mut("steps") {
                *steps = std::mem::take(steps)
                    .into_iter()
                    .flat_map(|s| match s {
                        Value::Sequence(inner) => inner,
                        one => vec![one],
                    })
                    .collect();
            }
            let id = v
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or(template_id.clone());
            if let Some(var) = find_unbound(&v) {
                return Err(err_at(
                    &base,
                    id,
                    format!("matrix variable ${{{var}}} has no value"),
                ));
            }
            let mut case: Case = serde_path_to_error::deserialize(v).map_err(|e| {
                let path = e.path().to_string();
                let full = if path == "." {
                    base.clone()
                } else {
                    format!("{base}.{path}")
                };
                err_at(&full, id.clone(), e.into_inner().to_string())
            })?;
            if case.autobahn.as_deref() == Some("") {
                // A matrix switches the equivalence off for its new variants.
                case.autobahn = None;
            }
            case.source = super::model::Source {
                file: name.to_string(),
                line,
            };
            check_case(&case).map_err(|(field, msg)| {
                err_at(&format!("{base}.{field}"), Some(case.id.clone()), msg)
            })?;
            let mirror = repr.clients.is_some().then(|| mirrored(&case)).flatten();
            cases.push(case);
            cases.extend(mirror);
        }
    }
    Ok((info, cases))
}

/// How a file's cases extend to clients.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Mirror {
    /// Every case that can also runs with the roles swapped.
    Mirror,
}

/// A server case with the roles swapped: wsprobe sends the same frames as
/// a server (unmasked), and the client under test is judged as the server
/// was (it echoes what it receives, fails the connection on the same
/// violations). `None` for a case only a server can be given.
const ZERO_KEY: MaskSpec = MaskSpec::Key([0; 4]);

fn mirrored(case: &Case) -> Option<Case> {
    use super::model::Role;
    let server_only = case.steps.iter().any(|s| {
        // Raw bytes and explicit masks were written for a client's side.
        matches!(
            s,
            Step::Handshake(_) | Step::Idle(_) | Step::Scaling(_) | Step::SendRaw(_)
        ) || matches!(s, Step::Send(f) if !matches!(f.mask, MaskSpec::Auto | ZERO_KEY))
    });
    let deflate = case.needs.iter().any(|n| {
        matches!(
            n,
            super::model::Need::Deflate | super::model::Need::DeflateServer
        )
    });
    // The server's memory is read from a server wsprobe started, not a client.
    if case.role != Role::Server || server_only || deflate || case.server_memory.is_some() {
        return None;
    }
    let mut c = case.clone();
    // The all-zero key is there so the bytes on the wire are the payload's
    // own (what follows a short frame is read unmasked with its key): sent
    // unmasked, as a server sends, they are the same bytes.
    for s in &mut c.steps {
        if let Step::Send(f) = s {
            if f.mask == ZERO_KEY {
                f.mask = MaskSpec::Auto;
            }
        }
    }
    c.id = format!("client/{}", case.id);
    c.role = Role::Client;
    // A client under test echoes by definition.
    c.needs.clear();
    Some(c)
}

type Binding = Vec<(String, Value)>;

/// A case's `vars` (defaults) and the values `profile` gives some of
/// them, both taken out of the case. A profile may only set a variable
/// `vars` declares, so a misspelt one is an error, not a silent default.
fn profile_vars(
    value: &mut Value,
    profile: Option<&str>,
) -> Result<(Binding, Binding), (String, String)> {
    let Some(map) = value.as_mapping_mut() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let vars = map.remove("vars");
    let profiles = map.remove("profiles");
    let as_binding = |v: &Value, field: &str| -> Result<Binding, (String, String)> {
        let m = v.as_mapping().ok_or((
            field.to_string(),
            "must be a map of variable: value".to_string(),
        ))?;
        m.iter()
            .map(|(k, v)| {
                let k = k.as_str().ok_or((
                    field.to_string(),
                    "variable names must be strings".to_string(),
                ))?;
                Ok((k.to_string(), v.clone()))
            })
            .collect()
    };
    let defaults = match &vars {
        Some(v) => as_binding(v, "vars")?,
        None => Vec::new(),
    };
    let mut chosen = Vec::new();
    if let Some(p) = profiles {
        let m = p.as_mapping().ok_or((
            "profiles".to_string(),
            "must be a map of profile name: variables".to_string(),
        ))?;
        for (name, set) in m {
            let name = name.as_str().unwrap_or_default();
            let field = format!("profiles.{name}");
            let set = as_binding(set, &field)?;
            if let Some((k, _)) = set
                .iter()
                .find(|(k, _)| !defaults.iter().any(|(d, _)| d == k))
            {
                return Err((
                    format!("{field}.{k}"),
                    format!("{k} is not one of the case's vars, which a profile can only change"),
                ));
            }
            if Some(name) == profile {
                chosen = set;
            }
        }
    }
    Ok((chosen, defaults))
}

fn expand_matrix(m: &Value) -> Result<Vec<Binding>, String> {
    let as_binding = |row: &Value| -> Result<Binding, String> {
        if row.is_sequence() {
            return Err(
                "a matrix row is a list: for one case per combination, write a map \
                        of axes ({a: [...], b: [...]}) and read ${a.name}"
                    .to_string(),
            );
        }
        let map = row
            .as_mapping()
            .ok_or("each matrix row must be a map of variable: value")?;
        map.iter()
            .map(|(k, v)| {
                Ok((
                    k.as_str()
                        .ok_or("matrix variable names must be strings")?
                        .to_string(),
                    v.clone(),
                ))
            })
            .collect()
    };
    match m {
        // A list of rows: one case per row.
        Value::Sequence(rows) if !rows.is_empty() => rows.iter().map(as_binding).collect(),
        // A map of axes, each a list of values (scalars or maps of
        // variables, read as `${axis.name}`): one case per combination, as
        // a CI matrix does. A list of rows and a map of axes express every
        // file; a third form (a list of lists of rows) was folded into this.
        Value::Mapping(vars) if !vars.is_empty() => {
            let mut out: Vec<Binding> = vec![Vec::new()];
            for (k, vals) in vars {
                let name = k.as_str().ok_or("matrix variable names must be strings")?;
                let vals = vals.as_sequence().filter(|s| !s.is_empty()).ok_or(format!(
                    "matrix variable {name} needs a non-empty list of values"
                ))?;
                out = out
                    .into_iter()
                    .flat_map(|b| {
                        vals.iter().map(move |v| {
                            let mut b = b.clone();
                            b.push((name.to_string(), v.clone()));
                            b
                        })
                    })
                    .collect();
            }
            Ok(out)
        }
        _ => Err("matrix must be a non-empty list of rows or a non-empty map of lists".into()),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// The value of `name` (`x`, or `x.field` into a map-valued variable).
fn lookup<'a>(binding: &'a Binding, name: &str) -> Option<&'a Value> {
    let mut parts = name.split('.');
    let first = parts.next()?;
    let mut v = &binding.iter().find(|(k, _)| k == first)?.1;
    for part in parts {
        v = v.get(part)?;
    }
    Some(v)
}

fn substitute(v: &mut Value, binding: &Binding) {
    match v {
        Value::String(s) => {
            // A string that is only `${x}` takes x's value with its YAML type,
            // so numbers stay numbers and maps stay maps.
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
                if !name.contains("${") {
                    if let Some(val) = lookup(binding, name) {
                        *v = val.clone();
                        return;
                    }
                }
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let Some(len) = rest[start..].find('}') else {
                    break;
                };
                let name = &rest[start + 2..start + len];
                out.push_str(&rest[..start]);
                match lookup(binding, name) {
                    Some(val) => out.push_str(&scalar_text(val)),
                    // Left in place, so the unbound check names it.
                    None => out.push_str(&rest[start..=start + len]),
                }
                rest = &rest[start + len + 1..];
            }
            out.push_str(rest);
            *s = out;
        }
        Value::Sequence(items) => items.iter_mut().for_each(|i| substitute(i, binding)),
        Value::Mapping(m) => {
            // Keys too, so a matrix can choose a field (`{"${opcode}": ...}`).
            if m.keys()
                .any(|k| k.as_str().is_some_and(|k| k.contains("${")))
            {
                *m = std::mem::take(m)
                    .into_iter()
                    .map(|(mut k, v)| {
                        if k.is_string() {
                            substitute(&mut k, binding);
                        }
                        (k, v)
                    })
                    .collect();
            }
            m.values_mut().for_each(|i| substitute(i, binding))
        }
        Value::Tagged(t) => substitute(&mut t.value, binding),
        _ => {}
    }
}

fn find_unbound(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let start = s.find("${")?;
            let end = s[start..].find('}')?;
            Some(s[start + 2..start + end].to_string())
        }
        Value::Sequence(items) => items.iter().find_map(find_unbound),
        Value::Mapping(m) => m
            .iter()
            .find_map(|(k, v)| find_unbound(k).or_else(|| find_unbound(v))),
        _ => None,
    }
}

/// Checks serde cannot express. Returns (field path inside the case, message).
fn check_case(case: &Case) -> Result<(), (String, String)> {
    let ok_id = !case.id.is_empty()
        && case
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_./".contains(c));
    if !ok_id {
        return Err((
            "id".into(),
            "ids use lowercase letters, digits and - _ . / only".into(),
        ));
    }
    if case.close.as_ref().is_some_and(|c| c.codes.is_empty()) {
        // Written back, an empty list would read as the default [1000].
        return Err((
            "close.codes".into(),
            "list at least one code (leave the field out for 1000)".into(),
        ));
    }
    if case.tls.is_some() && case.role != super::model::Role::Client {
        return Err((
            "tls".into(),
            "`tls` is for client-under-test cases (wsprobe serves wss:// with that certificate); a server case's scheme is the target's".into(),
        ));
    }
    if case.role == super::model::Role::Client {
        use super::model::Need;
        let accepts_deflate =
            matches!(case.steps.first(), Some(Step::Respond(r)) if r.deflate.is_some());
        if case.needs.iter().any(|n| *n != Need::Deflate) {
            return Err((
                "needs".into(),
                "a client-under-test case can only need `deflate` (the client's offer): wsprobe is the server".into(),
            ));
        }
        if accepts_deflate != case.needs.contains(&Need::Deflate) {
            return Err((
                "needs".into(),
                "a client-under-test case needs `deflate` exactly when its `respond` step accepts permessage-deflate (`respond: {deflate: {...}}`)".into(),
            ));
        }
    }
    {
        use super::model::Need;
        let hs = case.steps.iter().filter_map(|s| match s {
            Step::Handshake(h) => Some(h),
            _ => None,
        });
        let mut placeholders = false;
        let mut credentials = false;
        for h in hs {
            placeholders |= h
                .set
                .iter()
                .chain(&h.add)
                .chain(h.generate.iter().flat_map(|g| &g.then))
                .any(|(_, v)| crate::handshake::origin::has_placeholder(v))
                || h.raw
                    .as_deref()
                    .is_some_and(crate::handshake::origin::has_placeholder);
            credentials |= h.credentials.is_some();
        }
        if placeholders && !case.needs.contains(&Need::OriginAllow) {
            return Err((
                "needs".into(),
                "a case with `{origin...}` placeholders needs `origin-allow` (they are filled in from --origin-allow)".into(),
            ));
        }
        if credentials && !case.needs.contains(&Need::Credentials) {
            return Err((
                "needs".into(),
                "a case with `credentials:` in its handshake needs `credentials` (without credential headers it proves nothing)".into(),
            ));
        }
    }
    if case.server_memory.is_some() != case.needs.contains(&super::model::Need::ServerUsage) {
        return Err((
            "server_memory".into(),
            "a case bounding the server's memory (`server_memory:`) needs `server-usage`, and `server-usage` is for such a case: without --spawn it is skipped, not passed".into(),
        ));
    }
    if case.server_memory.is_some_and(|b| b.max_growth_mib == 0) {
        return Err((
            "server_memory.max_growth_mib".into(),
            "a bound of 0 MiB fails every server (a connection alone takes memory)".into(),
        ));
    }
    if case.is_security() != case.severity.is_some() {
        return Err((
            "severity".into(),
            "a `security/` case states its severity (high, medium, low or info), and only a `security/` case has one".into(),
        ));
    }
    if case.is_security() && !case.tags.iter().any(|t| t == "security") {
        return Err((
            "tags".into(),
            "a `security/` case carries the `security` tag".into(),
        ));
    }
    if case.rfc.is_empty() {
        return Err(("rfc".into(), "cite at least one RFC 6455 section".into()));
    }
    if case.steps.is_empty() {
        return Err(("steps".into(), "a case needs at least one step".into()));
    }
    if case.expect.is_empty() {
        return Err((
            "expect".into(),
            "a case needs at least one acceptable outcome".into(),
        ));
    }
    if !case.expect.iter().any(|o| o.grade == Grade::Pass)
        && case.class != Class::ImplementationDefined
    {
        return Err((
            "expect".into(),
            "a must-fail or must-accept case needs a pass outcome".into(),
        ));
    }
    let handshake_case = case.expect.iter().any(|o| o.handshake.is_some());
    // A case that resets the connection itself has no closing handshake to grade.
    let resets = case.steps.iter().any(|s| match s {
        Step::Abort => true,
        Step::Handshake(h) => h.delivery.cut == Some(crate::case::Cut::Rst),
        Step::Send(f) => f.delivery.cut == Some(crate::case::Cut::Rst),
        Step::SendMessage(m) => m.delivery.cut == Some(crate::case::Cut::Rst),
        Step::SendRaw(r) => r.delivery.cut == Some(crate::case::Cut::Rst),
        _ => false,
    });
    // A client case that answers with a response the client must refuse
    // never opens a WebSocket connection: no closing handshake either.
    let refused = case.role == super::model::Role::Client
        && (matches!(case.steps.first(), Some(Step::Respond(_)))
            || case.tls.is_some_and(|t| t.must_refuse()));
    if case.close.is_none() && !handshake_case && !resets && !refused {
        return Err((
            "close".into(),
            "say how the connection must close (close: {by: ...})".into(),
        ));
    }
    let client_closes = case
        .close
        .as_ref()
        .is_some_and(|c| c.by == crate::case::Closer::Client);
    for (i, o) in case.expect.iter().enumerate() {
        if o.grade != Grade::Pass {
            continue;
        }
        let bad = match case.class {
            Class::MustFail => o.end == End::Open && !client_closes && o.handshake.is_none(),
            Class::MustAccept => o.end == End::Fail,
            Class::ImplementationDefined => false,
        };
        if bad {
            return Err((
                format!("expect[{i}].end"),
                format!("a {:?} case cannot pass with end: {:?}", case.class, o.end).to_lowercase(),
            ));
        }
        if o.grade == Grade::Fail {
            return Err((
                format!("expect[{i}].grade"),
                "outcomes list what is acceptable; fail is what matches none".into(),
            ));
        }
    }
    let plain = matches!(case.steps.first(),
        Some(Step::Handshake(h)) if h.transport == crate::case::Transport::Plain);
    for (i, o) in case.expect.iter().enumerate() {
        if o.handshake.as_ref().is_some_and(|h| h.unreachable) && !plain {
            return Err((
                format!("expect[{i}].handshake.unreachable"),
                "only for a case over `transport: plain`: anywhere else a server that is down would pass".into(),
            ));
        }
    }
    for (i, step) in case.steps.iter().enumerate() {
        let delivery = match step {
            Step::Handshake(h) => Some((&h.delivery, "handshake")),
            Step::Send(f) => Some((&f.delivery, "send")),
            Step::SendMessage(m) => Some((&m.delivery, "send_message")),
            Step::SendRaw(r) => Some((&r.delivery, "send_raw")),
            Step::Close(c) => Some((&c.delivery, "close")),
            _ => None,
        };
        if let Some((d, name)) = delivery {
            if d.cut_delay.is_some() && d.cut.is_none() {
                return Err((
                    format!("steps[{i}].{name}.delivery.cut_delay"),
                    "a pause before the cut needs a cut (fin or rst)".into(),
                ));
            }
        }
        if let Step::Handshake(h) = step {
            if h.transport == crate::case::Transport::Plain
                && !case.needs.contains(&crate::case::Need::Tls)
            {
                // Over a ws:// URL the case would only repeat the URL.
                return Err((
                    format!("steps[{i}].handshake.transport"),
                    "`plain` asks a wss:// endpoint about plain TCP: the case needs `tls`".into(),
                ));
            }
            if let Some(g) = &h.generate {
                if g.count.saturating_mul(g.value_len + g.name.len() + 8) > 64 << 20 {
                    return Err((
                        format!("steps[{i}].handshake.generate"),
                        "generated headers are limited to 64 MiB".into(),
                    ));
                }
            }
        }
        if let Step::Scaling(sc) = step {
            let [small, large] = sc.sizes;
            let control_ok = match sc.control_in {
                crate::case::ControlIn::Header => sc.unit.len() == sc.control.len(),
                crate::case::ControlIn::Message => sc.control.is_empty(),
            };
            if !control_ok
                || sc.unit.is_empty()
                || small == 0
                || large <= small
                || large.checked_mul(sc.unit.len()).is_none_or(|n| n > 4 << 20)
                || sc.runs == 0
                || sc.runs > 20
            {
                return Err((
                    format!("steps[{i}].scaling"),
                    "`unit` non-empty and `control` as long (none with `control_in: message`), `sizes` two counts growing, at most 4 MiB of value, 1 to 20 `runs`".into(),
                ));
            }
        }
        if let Step::Idle(idle) = step {
            if idle.count == 0 || idle.count > 1000 {
                return Err((
                    format!("steps[{i}].idle.count"),
                    "1 to 1000 idle connections".into(),
                ));
            }
            let each: usize = idle.then.iter().map(|r| r.len()).sum();
            if !idle.then.is_empty()
                && (idle.send != crate::case::IdleSend::Handshake
                    || idle
                        .then
                        .iter()
                        .any(|r| r.times == 0 || r.delivery != Default::default())
                    || idle.count.saturating_mul(each) > 64 << 20)
            {
                return Err((
                    format!("steps[{i}].idle.then"),
                    "raw bytes after the handshake need `send: handshake`, 1 or more `times`, no `delivery`, and at most 64 MiB over all the connections".into(),
                ));
            }
        }
        if let Step::Repeat(r) = step {
            let nested_ok = r
                .steps
                .iter()
                .all(|s| !matches!(s, Step::Handshake(_) | Step::Repeat(_)));
            for (j, inner) in r.steps.iter().enumerate() {
                if let Step::SendRaw(raw) = inner {
                    if raw.times == 0 || raw.len() > 64 << 20 {
                        return Err((
                            format!("steps[{i}].repeat.steps[{j}].send_raw"),
                            "raw bytes are written 1 or more `times`, at most 64 MiB in one step"
                                .into(),
                        ));
                    }
                }
            }
            if r.count == 0 || r.count > 100_000 || r.steps.is_empty() || !nested_ok {
                return Err((
                    format!("steps[{i}].repeat"),
                    "a repeat runs 1 to 100000 times over steps that are not handshakes or repeats"
                        .into(),
                ));
            }
        }
        let client = case.role == super::model::Role::Client;
        match step {
            Step::Handshake(_) if i != 0 => {
                return Err((
                    format!("steps[{i}]"),
                    "the handshake must be the first step".into(),
                ));
            }
            Step::Handshake(_) | Step::Idle(_) | Step::Scaling(_) if client => {
                return Err((
                    format!("steps[{i}]"),
                    "a client-under-test case answers the client's handshake with `respond`; `handshake` and `idle` are for servers".into(),
                ));
            }
            Step::Respond(_) if !client || i != 0 => {
                return Err((
                    format!("steps[{i}].respond"),
                    "`respond` is the first step of a client-under-test case (role: client-under-test)".into(),
                ));
            }
            Step::Send(f) => {
                let random = match f.mask {
                    MaskSpec::Random => true,
                    MaskSpec::Auto => !client,
                    MaskSpec::None | MaskSpec::Key(_) => false,
                };
                let short = f.declared_len.is_some_and(|d| d > f.payload.len() as u64);
                let followed = case.steps[i + 1..].iter().any(|s| {
                    matches!(
                        s,
                        Step::Send(_)
                            | Step::SendMessage(_)
                            | Step::SendRaw(_)
                            | Step::Close(_)
                            | Step::Repeat(_)
                    )
                });
                if short && followed && random {
                    // The peer reads what follows as this frame's payload and
                    // unmasks it with this frame's key: a random key makes those
                    // bytes, and so the peer's answer, differ from run to run.
                    return Err((
                        format!("steps[{i}].send.mask"),
                        "a frame announcing more than it carries, with steps sending after it, needs a fixed `mask:` key (the peer unmasks what follows with it)".into(),
                    ));
                }
                let len = f.declared_len.unwrap_or(f.payload.len() as u64);
                let fits = match f.length {
                    LengthForm::Len7 => len <= 125,
                    LengthForm::Len16 => len <= 0xffff,
                    _ => true,
                };
                if !fits || f.rsv > 7 {
                    return Err((
                        format!("steps[{i}].send"),
                        format!(
                            "length {len} does not fit the {:?} length field, or rsv > 7",
                            f.length
                        ),
                    ));
                }
            }
            Step::SendRaw(r) if r.times == 0 || r.len() > 64 << 20 => {
                return Err((
                    format!("steps[{i}].send_raw"),
                    "raw bytes are written 1 or more `times`, at most 64 MiB in one step (a `repeat` streams more)".into(),
                ));
            }
            Step::SendMessage(m) if m.rsv > 7 => {
                return Err((
                    format!("steps[{i}].send_message.rsv"),
                    format!("rsv {} is not 0-7", m.rsv),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod profile_tests {
    use super::*;

    const CASE: &str = r#"
section: "x"
title: profiles
cases:
  - id: p/${size}
    matrix: {size: [16, 64]}
    title: "${messages} messages of ${size} bytes"
    rfc: ["5.6"]
    requirement: "x"
    level: MUST
    class: must-accept
    vars: {messages: 10, budget: 30s}
    profiles:
      autobahn: {messages: 1000, budget: 480s}
    timeout: "${budget}"
    steps:
      - repeat:
          count: "${messages}"
          steps:
            - send_message: {opcode: text, payload: {fill_hex: "2a", len: "${size}"}}
            - expect: {messages: 1, relative: true}
    expect:
      - {grade: pass, receive: [{repeat: {count: "${messages}", item: {text: {fill_hex: "2a", len: "${size}"}}}}], end: open}
    close: {by: client, codes: [1000]}
"#;

    fn count(c: &Case) -> usize {
        c.steps
            .iter()
            .find_map(|s| match s {
                crate::case::Step::Repeat(r) => Some(r.count),
                _ => None,
            })
            .expect("a repeat step")
    }

    #[test]
    fn a_profile_replaces_the_cases_vars() {
        let (_, plain) = load_file_in("p.yaml", CASE, None).unwrap();
        let (_, autobahn) = load_file_in("p.yaml", CASE, Some("autobahn")).unwrap();
        assert_eq!(plain.len(), 2);
        assert_eq!((count(&plain[1]), count(&autobahn[1])), (10, 1000));
        assert_eq!(plain[1].title, "10 messages of 64 bytes");
        assert_eq!(autobahn[0].timeout.unwrap().0.as_secs(), 480);
        // A profile no case names leaves the defaults.
        let (_, other) = load_file_in("p.yaml", CASE, Some("other")).unwrap();
        assert_eq!(count(&other[0]), 10);
    }

    #[test]
    fn a_profile_may_only_change_declared_vars() {
        let bad = CASE.replace("autobahn: {messages: 1000", "autobahn: {mesages: 1000");
        let e = load_file_in("p.yaml", &bad, None).unwrap_err();
        assert_eq!(
            e.field.as_deref(),
            Some("cases[0].profiles.autobahn.mesages")
        );
        assert!(e.message.contains("not one of the case's vars"), "{e}");
        assert!(e.line > 0, "{e:?}");
    }

    /// `c` without its time-outs (the case's and its expect steps').
    fn untimed(c: &Case) -> Case {
        let mut c = c.clone();
        c.timeout = None;
        for s in &mut c.steps {
            if let crate::case::Step::Expect(e) = s {
                e.timeout = None;
            }
        }
        c
    }

    #[test]
    fn the_autobahn_profile_gives_9_x_autobahns_time_outs_never_shorter() {
        let plain = embedded().unwrap();
        let autobahn = embedded_in(Some("autobahn")).unwrap();
        let mut longer = Vec::new();
        let server = plain.cases.iter().zip(&autobahn.cases);
        let client = plain.client_cases.iter().zip(&autobahn.client_cases);
        for (p, a) in server.chain(client) {
            if !a.autobahn.as_deref().is_some_and(|n| n.starts_with("9.")) {
                continue;
            }
            let (tp, ta) = (p.timeout.unwrap().0, a.timeout.unwrap().0);
            assert!(ta >= tp, "{}", a.id);
            if ta > tp {
                longer.push((a.autobahn.clone().unwrap(), ta.as_secs()));
            }
            assert_eq!(format!("{:?}", untimed(p)), format!("{:?}", untimed(a)));
        }
        // 9.1.3 (1 MiB) gets Autobahn's 100 s, 9.5.1 its 1000 s, 9.7.6 its 480 s
        // (each plus the 10 s of the close); 9.1.1 keeps wsprobe's 30 s,
        // longer than Autobahn's 10 s. Server and client cases alike.
        let of = |n: &str| longer.iter().find(|(k, _)| k == n).map(|(_, t)| *t);
        assert_eq!(of("9.1.3"), Some(110));
        assert_eq!(of("9.5.1"), Some(1010));
        assert_eq!(of("9.7.6"), Some(490));
        assert_eq!(of("9.1.1"), None);
        assert_eq!(longer.len(), 2 * (54 - 6), "{longer:?}");
    }

    #[test]
    fn the_autobahn_profile_sends_autobahns_1000_messages_in_12_and_13_only() {
        let plain = embedded().unwrap();
        let autobahn = embedded_in(Some("autobahn")).unwrap();
        assert_eq!(plain.cases.len(), autobahn.cases.len());
        let mut series = 0;
        for (p, a) in plain.cases.iter().zip(&autobahn.cases) {
            assert_eq!(p.id, a.id);
            let deflate_series = a
                .autobahn
                .as_deref()
                .is_some_and(|n| n.starts_with("12.") || n.starts_with("13."));
            if deflate_series {
                series += 1;
                assert_eq!((count(p), count(a)), (10, 1000), "{}", a.id);
            } else if a.autobahn.as_deref().is_some_and(|n| n.starts_with("9.")) {
                assert_eq!(format!("{:?}", untimed(p)), format!("{:?}", untimed(a)));
            } else {
                assert_eq!(format!("{p:?}"), format!("{a:?}"), "{}", a.id);
            }
        }
        assert_eq!(series, 216);
    }
}
