//! The server's modules are layers, and each may import only the layers below it
//! (docs/ARCHITECTURE.md, "Layers", has the same table as [`LAYERS`]). This test reads every
//! `server/src` file, finds each path into the crate (`use crate::...`, `crate::x::y` in code,
//! `super::` chains that climb to the crate root, `$crate::` in macros) and fails on any that
//! reaches a layer above the file's own, naming both. It also checks the rules between the
//! workspace's crates, from their manifests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The top-level modules of `server/src`, lowest layer first: (module, layer, layer name). A
/// module may import modules of its own layer or of lower ones. `log` is the `log!` macro,
/// exported at the crate root from `ground/log.rs`.
const LAYERS: &[(&str, u8, &str)] = &[
    ("ground", 0, "ground"),
    ("log", 0, "ground"),
    ("partition", 1, "partition"),
    ("storage", 2, "storage"),
    ("shard", 3, "shard runtime"),
    ("transaction", 4, "transactions"),
    ("cluster", 5, "cluster"),
    ("edge", 6, "edges"),
    ("start", 7, "process"),
    ("main", 7, "process"),
];

/// Which workspace crates each crate may depend on (its `[dependencies]` and
/// `[dev-dependencies]`).
const CRATES: &[(&str, &[&str])] = &[
    ("net", &[]),
    ("engine", &["scramjet-net"]),
    ("client-c-abi", &["scramjet-net"]),
    ("perf", &["scramjet-client", "scramjet-net"]),
    ("server", &["scramjet-net", "scramjet-engine"]),
];

fn layer_of(module: &str) -> Option<(u8, &'static str)> {
    LAYERS.iter().find(|(name, _, _)| *name == module).map(|&(_, layer, name)| (layer, name))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read server/src") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src` (`a/mod.rs` is `[a]`, `a/b.rs` is `[a, b]`, `main.rs`
/// is the crate root `[]`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && !(parts.is_empty() && stem == "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file without its comments (line comments, doc comments, block comments).
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for line in text.lines() {
        let mut rest = line;
        loop {
            if depth > 0 {
                match (rest.find("*/"), rest.find("/*")) {
                    (Some(end), Some(start)) if start < end => {
                        depth += 1;
                        rest = &rest[start + 2..];
                    }
                    (Some(end), _) => {
                        depth -= 1;
                        rest = &rest[end + 2..];
                    }
                    (None, _) => break,
                }
                continue;
            }
            match (rest.find("//"), rest.find("/*")) {
                (Some(line_comment), Some(block)) if block < line_comment => {
                    out.push_str(&rest[..block]);
                    depth += 1;
                    rest = &rest[block + 2..];
                }
                (Some(line_comment), _) => {
                    out.push_str(&rest[..line_comment]);
                    break;
                }
                (None, Some(block)) => {
                    out.push_str(&rest[..block]);
                    depth += 1;
                    rest = &rest[block + 2..];
                }
                (None, None) => {
                    out.push_str(rest);
                    break;
                }
            }
        }
        out.push('\n');
    }
    out
}

fn ident_at(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules a `crate::` path (the text right after it) names: one, or each of a
/// `{a, b::c}` group.
fn tops_after_crate(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut tops = Vec::new();
        let (mut depth, mut item) = (0usize, String::new());
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    tops.push(ident_at(item.trim()).to_string());
                    item.clear();
                    continue;
                }
                _ => {}
            }
            if depth == 0 {
                item.push(c);
            }
        }
        tops.push(ident_at(item.trim()).to_string());
        tops.retain(|t| !t.is_empty() && t != "self");
        return tops;
    }
    // `use super::*` names no module.
    let top = ident_at(rest);
    if top.is_empty() {
        Vec::new()
    } else {
        vec![top.to_string()]
    }
}

/// Every top-level module the code of a file at `module` reaches, from `crate::` paths and from
/// `super::` chains that climb to the crate root.
fn imports(code: &str, module: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        // `$crate::` counts; `scramjet_crate::` or `my_crate::` would not be ours.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        found.extend(tops_after_crate(&code[at + "crate::".len()..]));
    }
    for (at, _) in code.match_indices("super::") {
        if code[..at].ends_with("super::") || code[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
            continue; // counted from the first `super` of its chain
        }
        let mut rest = &code[at..];
        let mut climbs = 0;
        while let Some(next) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = next;
        }
        // A file's own module is its last path part; `super` is its parent.
        if climbs >= module.len() {
            found.extend(tops_after_crate(rest));
        }
    }
    found
}

fn server_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// (file, module imported) pairs that break the layer order.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    assert!(files.len() > 20, "found the server's sources");
    let mut broken = Vec::new();
    for file in &files {
        let module = module_path(src, file);
        let own = module.first().map_or("main", String::as_str);
        let shown = file.strip_prefix(src.parent().unwrap().parent().unwrap()).unwrap().display().to_string();
        let Some((own_layer, own_name)) = layer_of(own) else {
            broken.push(format!("{shown}: top-level module `{own}` is in no layer: add it to LAYERS"));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).expect("read a source file"));
        for top in imports(&code, &module) {
            match layer_of(&top) {
                Some((layer, name)) if layer > own_layer => broken.push(format!(
                    "{shown} (layer {own_layer}, {own_name}) imports crate::{top} (layer {layer}, {name}): \
                     a module may import only its own layer and those below"
                )),
                Some(_) => {}
                None => broken.push(format!("{shown} imports crate::{top}, which is in no layer: add it to LAYERS")),
            }
        }
    }
    broken
}

#[test]
fn every_module_imports_only_lower_layers() {
    let broken = violations(&server_src());
    assert!(broken.is_empty(), "layer order broken:\n{}", broken.join("\n"));
}

#[test]
fn every_top_level_module_has_a_layer() {
    let mut tops = BTreeSet::new();
    for entry in std::fs::read_dir(server_src()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        tops.insert(name);
    }
    for top in &tops {
        assert!(layer_of(top).is_some(), "server/src/{top} is in no layer: add it to LAYERS (and the docs)");
    }
}

#[test]
fn the_checker_sees_every_form_of_import() {
    let code = code_of(
        "use crate::ground::log;\n\
         use crate::{shard::Shard, storage::{self, Host}};\n\
         // use crate::edge::service; (a comment)\n\
         /* crate::cluster */ let x = crate::transaction::prepare(b, r, n);\n\
         $crate::ground::log::write();\n\
         use super::super::edge::info;\n\
         use super::sibling;\n",
    );
    let found = imports(&code, &["storage".to_string(), "device".to_string()]);
    let expected: BTreeSet<String> =
        ["edge", "ground", "shard", "storage", "transaction"].iter().map(|s| s.to_string()).collect();
    assert_eq!(found, expected);
}

#[test]
fn an_upward_import_is_reported_with_both_files_named() {
    // A copy of the sources with one deliberate upward import: storage reaching for the shard
    // runtime.
    let copy = std::env::temp_dir().join(format!("scramjet-layers-{}", std::process::id()));
    let src = copy.join("server/src");
    copy_tree(&server_src(), &src);
    let nsup = src.join("storage/nsup.rs");
    let text = std::fs::read_to_string(&nsup).unwrap();
    std::fs::write(&nsup, format!("use crate::shard::Shard;\n{text}")).unwrap();
    let broken = violations(&src);
    std::fs::remove_dir_all(&copy).unwrap();
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].contains("server/src/storage/nsup.rs") && broken[0].contains("crate::shard"), "{}", broken[0]);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The `scramjet-*` crates named in a manifest's `[dependencies]` and `[dev-dependencies]`.
fn workspace_dependencies(manifest: &str) -> BTreeSet<String> {
    let mut section = String::new();
    let mut found = BTreeSet::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        let in_dependencies = section == "[dependencies]" || section == "[dev-dependencies]";
        if in_dependencies && line.starts_with("scramjet-") {
            found.insert(ident_at(&line.replace('-', "_")).replace('_', "-"));
        }
    }
    found
}

#[test]
fn crates_depend_only_on_the_crates_below_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for (folder, allowed) in CRATES {
        let manifest = std::fs::read_to_string(root.join(folder).join("Cargo.toml")).unwrap();
        let allowed: BTreeSet<String> = allowed.iter().map(|s| s.to_string()).collect();
        let extra: Vec<_> = workspace_dependencies(&manifest).difference(&allowed).cloned().collect();
        assert!(extra.is_empty(), "{folder}/Cargo.toml depends on {extra:?}; it may depend only on {allowed:?}");
    }
}
