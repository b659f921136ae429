//! The crate's layering, checked on its source: every file's `crate::`, `super::` and `self::`
//! paths are resolved to the file that defines what they name (following re-exports), and
//!
//! - no file imports from a module of a higher layer than its own ([`LAYERS`]);
//! - no two files import each other, directly or through others (no import circle);
//! - no file in `src/` is over 500 lines, and `__private.rs` is under 80.
//!
//! `docs/ARCHITECTURE.md` describes the layers in prose; this test is their definition.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom up; a module may use those at its own layer or below.
/// Modules at one layer do not use each other (the circle check would catch it).
const LAYERS: &[&[&str]] = &[
    &["names", "clock", "codec"],
    &["environment", "reason", "mem"],
    &["error"],
    &["crypto", "fs"],
    &["class", "value"],
    &["envelope", "scrub", "generalize"],
    &["pii"],
    &["schema"],
    &["view"],
    &["keys"],
    &["token", "lifecycle"],
    &["at_rest"],
    &["policy", "monitor"],
    &["data_map"],
    &["audit"],
    &["store"],
    &["guard"],
    &["testdata"],
    &["unaudited", "__private", "lib"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` has no layer in tests/guard/layering.rs"))
}

/// A source file: its module path (`["keys", "keyring"]`) and its text without comments.
struct Source {
    module: Vec<String>,
    code: String,
    lines: usize,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(src_dir()).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The code without `//` comments (doc comments hold examples and links, not imports) and
/// without its unit-test module (`#[cfg(test)] mod tests { … }` at the end of a file, whose
/// `super::` is the file itself).
fn strip_comments(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests {") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn load() -> BTreeMap<Vec<String>, Source> {
    let mut files = Vec::new();
    collect(&src_dir(), &mut files);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let module = module_of(&path);
            let source = Source {
                module: module.clone(),
                code: strip_comments(&text),
                lines: text.lines().count(),
            };
            (module, source)
        })
        .collect()
}

/// Expands a `use` tree (`a::{b, c::{d, e as f}}`) into full paths, with the name each binds.
fn expand_use(tree: &str) -> Vec<(Vec<String>, String)> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    expand_into(&tree, &mut Vec::new(), &mut out);
    out
}

fn expand_into(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    if let Some(open) = tree.find('{') {
        let head = &tree[..open];
        let body = &tree[open + 1..tree.len() - 1];
        let depth = prefix.len();
        prefix.extend(
            head.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        let mut level = 0;
        let mut start = 0;
        for (i, c) in body.char_indices() {
            match c {
                '{' => level += 1,
                '}' => level -= 1,
                ',' if level == 0 => {
                    expand_into(&body[start..i], prefix, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand_into(&body[start..], prefix, out);
        prefix.truncate(depth);
    } else if !tree.is_empty() {
        let (path, alias) = match tree.split_once("as") {
            Some((p, a))
                if p.ends_with(|c: char| c.is_alphanumeric() || c == '_') && !a.contains("::") =>
            {
                (p, Some(a))
            }
            _ => (tree, None),
        };
        let mut full = prefix.clone();
        full.extend(
            path.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        if full.last().is_some_and(|l| l == "self") {
            full.pop();
        }
        let name = alias.map_or_else(|| full.last().cloned().unwrap_or_default(), str::to_owned);
        out.push((full, name));
    }
}

/// The `use` statements of a file: (is it a re-export, the tree).
fn uses(code: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = find_use(rest) {
        let before = rest[..i].trim_end();
        let public = before.ends_with("pub") || before.ends_with(')');
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        out.push((public, after[..end].to_owned()));
        rest = &after[end..];
    }
    out
}

fn find_use(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = code[from..].find("use ") {
        let at = from + i;
        let boundary = at == 0 || !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if boundary {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// Makes a path absolute (from the crate root), or `None` for another crate's.
fn absolute(module: &[String], path: &[String], is_facade: bool) -> Option<Vec<String>> {
    let first = path.first()?;
    // `super` in `a/b.rs` is `a`; in `a/mod.rs` (module `a`) it is the crate root's `a`'s parent.
    let mut base: Vec<String> = module.to_vec();
    let _ = is_facade;
    let mut rest = path;
    match first.as_str() {
        "crate" => {
            base.clear();
            rest = &path[1..];
        }
        "self" => rest = &path[1..],
        "super" => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Resolves an absolute path to the file defining its first item, following re-exports.
fn resolve(
    files: &BTreeMap<Vec<String>, Source>,
    path: &[String],
    depth: usize,
) -> Option<Vec<String>> {
    let mut file = Vec::new();
    let mut used = 0;
    for n in 0..=path.len() {
        if files.contains_key(&path[..n]) {
            file = path[..n].to_vec();
            used = n;
        }
    }
    let Some(item) = path.get(used) else {
        return Some(file);
    };
    if depth > 8 {
        return Some(file);
    }
    let source = &files[&file];
    for (public, tree) in uses(&source.code) {
        if !public {
            continue;
        }
        for (target, name) in expand_use(&tree) {
            if &name == item {
                // `pub use child::Item;` names a path relative to the re-exporting module.
                let relative = || {
                    let mut p = source.module.clone();
                    p.extend(target.iter().cloned());
                    p
                };
                if let Some(abs) =
                    absolute(&source.module, &target, true).or_else(|| Some(relative()))
                {
                    let mut next = abs;
                    next.extend(path[used + 1..].iter().cloned());
                    return resolve(files, &next, depth + 1);
                }
            }
        }
    }
    Some(file)
}

/// Every path a file names in `crate::`/`super::`/`self::` form, inside or outside `use`.
fn named_paths(source: &Source) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for (public, tree) in uses(&source.code) {
        for (path, _) in expand_use(&tree) {
            out.push((public, path));
        }
    }
    let code = &source.code;
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$')
            {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            let path: Vec<String> = code[at..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            out.push((false, path));
        }
    }
    out
}

/// file → the files it imports from (re-exports of a facade's own children excluded).
fn graph(files: &BTreeMap<Vec<String>, Source>) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, source) in files {
        let targets = edges.entry(module.clone()).or_default();
        for (public, path) in named_paths(source) {
            let Some(abs) = absolute(module, &path, false) else {
                continue;
            };
            let Some(target) = resolve(files, &abs, 0) else {
                continue;
            };
            // A folder's `mod.rs` (or the crate root) re-exporting its own children is its
            // facade, not a dependency.
            let child = target.len() > module.len() && target.starts_with(module);
            if target == *module || (public && child) {
                continue;
            }
            targets.insert(target);
        }
    }
    edges
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn no_file_imports_from_a_higher_layer() {
    let files = load();
    let mut wrong = Vec::new();
    for (from, targets) in graph(&files) {
        let from_layer = layer_of(from.first().map_or("lib", String::as_str));
        for to in targets {
            let to_layer = layer_of(to.first().map_or("lib", String::as_str));
            if to_layer > from_layer {
                wrong.push(format!("{} -> {}", name(&from), name(&to)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports from a higher layer:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_circle_between_files() {
    let files = load();
    let edges = graph(&files);
    // Tarjan's strongly connected components.
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        circles: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Vec<String>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(name(w));
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.circles.push(component);
            }
        }
    }
    let mut state = State {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v) {
            visit(&mut state, v);
        }
    }
    let shown: Vec<String> = state.circles.iter().map(|c| c.join(" <-> ")).collect();
    assert!(shown.is_empty(), "import circles:\n{}", shown.join("\n"));
}

#[test]
fn files_are_small_and_the_derive_support_is_short() {
    let files = load();
    let big: Vec<String> = files
        .values()
        .filter(|s| s.lines > 500)
        .map(|s| format!("{} ({} lines)", name(&s.module), s.lines))
        .collect();
    assert!(big.is_empty(), "files over 500 lines:\n{}", big.join("\n"));
    let private = &files[&vec!["__private".to_owned()]];
    assert!(
        private.lines < 80,
        "__private.rs has {} lines",
        private.lines
    );
}

#[test]
fn the_checker_sees_real_imports() {
    // Guards the checker itself: a known import must be found, or every test above is empty.
    let files = load();
    let edges = graph(&files);
    let guard = edges
        .iter()
        .find(|(m, _)| m.first().is_some_and(|f| f == "guard"))
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    assert!(
        guard
            .iter()
            .any(|t| t.first().is_some_and(|f| f == "error")),
        "the guard's import of the error type was not found"
    );
    assert_eq!(
        expand_use("crate::{a::{b, c as d}, e}"),
        vec![
            (vec!["crate".into(), "a".into(), "b".into()], "b".into()),
            (vec!["crate".into(), "a".into(), "c".into()], "d".into()),
            (vec!["crate".into(), "e".into()], "e".into()),
        ]
    );
}

/// The crates of cryptographic primitives: only `crypto/` names them.
const CRYPTO_CRATES: &[&str] = &[
    "aes",
    "aes_gcm",
    "aes_gcm_siv",
    "argon2",
    "aws_lc_rs",
    "blake3",
    "ed25519_dalek",
    "fpe",
    "hkdf",
    "hmac",
    "sha2",
    "subtle",
];

#[test]
fn only_crypto_names_a_cryptographic_crate() {
    let files = load();
    let (mut found, mut in_crypto) = (Vec::new(), 0);
    for source in files.values() {
        let crypto = source.module.first().is_some_and(|m| m == "crypto");
        for krate in CRYPTO_CRATES {
            let named = source
                .code
                .match_indices(&format!("{krate}::"))
                .any(|(at, _)| {
                    // A path that starts with the crate, not `x::aes::…` or `my_aes::…`.
                    !source.code[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                });
            match (named, crypto) {
                (true, true) => in_crypto += 1,
                (true, false) => found.push(format!("{} names `{krate}`", name(&source.module))),
                _ => {}
            }
        }
    }
    assert!(found.is_empty(), "outside crypto/:\n{}", found.join("\n"));
    // The search itself works: crypto/ names them.
    assert!(in_crypto >= 6, "{in_crypto} crate names found in crypto/");
}

#[test]
fn the_architecture_document_shows_these_layers() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ARCHITECTURE.md"))
            .unwrap();
    // The rows `| N | `a`, `b` |` of its layer table, in order.
    let table: Vec<Vec<String>> = doc
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            (cells.len() == 4 && cells[1].parse::<usize>().is_ok()).then(|| {
                cells[2]
                    .split(',')
                    .map(|m| {
                        m.trim()
                            .trim_matches('`')
                            .trim_end_matches(".rs")
                            .to_owned()
                    })
                    .collect()
            })
        })
        .collect();
    let layers: Vec<Vec<String>> = LAYERS
        .iter()
        .map(|layer| layer.iter().map(|m| (*m).to_owned()).collect())
        .collect();
    assert_eq!(table, layers, "docs/ARCHITECTURE.md's layer table");
}
