//! The UI's command wrappers are generated from the commands' Rust signatures
//! (`src/commands.rs`), with the types ts-rs generates from the same Rust types: this writes
//! `ui/src/lib/commands.ts` and fails when the committed file drifts (`TERRAIN_BLESS=1`
//! rewrites it), or when `main.rs` does not register exactly those commands.
//!
//! tauri-specta does this too, but needs specta's own derive on every type beside ts-rs's, and
//! pins a release candidate of specta: one generator of types is enough.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::{FnArg, GenericArgument, Item, Pat, PathArguments, ReturnType, Type};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Arguments the window passes, not the UI.
const WINDOW_ARGS: [&str; 4] = ["Shared", "AppHandle", "State", "Window"];

struct Command {
    name: String,
    docs: Vec<String>,
    args: Vec<(String, Type)>,
    answer: Option<Type>,
}

fn docs(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn is_command(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        p.segments.len() == 2 && p.segments[0].ident == "tauri" && p.segments[1].ident == "command"
    })
}

/// The commands of `commands.rs` in order, and the TypeScript its aliases stand for (from
/// their `ts:` doc line).
fn read_commands(source: &str) -> (Vec<Command>, BTreeMap<String, String>) {
    let file = syn::parse_file(source).expect("commands.rs parses");
    let mut commands = Vec::new();
    let mut aliases = BTreeMap::new();
    for item in file.items {
        match item {
            Item::Type(alias) => {
                if let Some(ts) = docs(&alias.attrs)
                    .iter()
                    .find_map(|d| d.strip_prefix("ts:").map(|t| t.trim().to_string()))
                {
                    aliases.insert(alias.ident.to_string(), ts);
                }
            }
            Item::Fn(f) if is_command(&f.attrs) => {
                let args = f
                    .sig
                    .inputs
                    .iter()
                    .filter_map(|arg| match arg {
                        FnArg::Typed(t) => Some(t),
                        FnArg::Receiver(_) => None,
                    })
                    .filter(|t| !WINDOW_ARGS.contains(&last_ident(&t.ty).as_str()))
                    .map(|t| match &*t.pat {
                        Pat::Ident(i) => (i.ident.to_string(), (*t.ty).clone()),
                        _ => panic!("{}: each argument is a plain name", f.sig.ident),
                    })
                    .collect();
                let answer = match f.sig.output {
                    ReturnType::Default => None,
                    ReturnType::Type(_, t) => Some(*t),
                };
                commands.push(Command {
                    name: f.sig.ident.to_string(),
                    docs: docs(&f.attrs),
                    args,
                    answer,
                });
            }
            _ => {}
        }
    }
    (commands, aliases)
}

fn last_ident(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        Type::Reference(r) => last_ident(&r.elem),
        _ => String::new(),
    }
}

fn generic(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// The TypeScript for a Rust type as it crosses the bridge (serde's JSON, ts-rs's names);
/// `uses` collects the generated types it names.
fn ts(ty: &Type, aliases: &BTreeMap<String, String>, uses: &mut BTreeSet<String>) -> String {
    if let Type::Tuple(t) = ty
        && t.elems.is_empty()
    {
        return "void".into();
    }
    if let Type::Reference(r) = ty {
        return ts(&r.elem, aliases, uses);
    }
    let name = last_ident(ty);
    let inner = || generic(ty).unwrap_or_else(|| panic!("{name} without its type"));
    match name.as_str() {
        "Answer" | "Result" => ts(inner(), aliases, uses),
        "Vec" => {
            let t = ts(inner(), aliases, uses);
            if t.contains(' ') {
                format!("({t})[]")
            } else {
                format!("{t}[]")
            }
        }
        "Option" => format!("{} | null", ts(inner(), aliases, uses)),
        "String" | "str" | "PathBuf" | "Uuid" => "string".into(),
        "bool" => "boolean".into(),
        "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" | "f64" => "number".into(),
        // The bytes as they are (`tauri::ipc::Response`).
        "Response" => "ArrayBuffer".into(),
        other => match aliases.get(other) {
            Some(ts) => {
                uses.extend(
                    ts.split(|c: char| !c.is_ascii_alphanumeric())
                        .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()) && *w != "Omit")
                        .map(str::to_string),
                );
                ts.clone()
            }
            None => {
                uses.insert(other.to_string());
                other.to_string()
            }
        },
    }
}

/// snake_case → camelCase, as Tauri names a command's arguments on the JavaScript side.
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A parameter name TypeScript accepts (`new` is a keyword).
fn param(name: &str) -> String {
    match name {
        "new" | "delete" | "default" | "function" | "class" | "in" => format!("{name}Value"),
        _ => name.to_string(),
    }
}

fn generate(commands: &[Command], aliases: &BTreeMap<String, String>, bindings: &Path) -> String {
    let mut uses = BTreeSet::new();
    let mut body = String::new();
    for c in commands {
        let args: Vec<(String, String)> = c
            .args
            .iter()
            .map(|(name, ty)| (camel(name), ts(ty, aliases, &mut uses)))
            .collect();
        let answer = c
            .answer
            .as_ref()
            .map_or("void".to_string(), |t| ts(t, aliases, &mut uses));
        let docs: Vec<&String> = c.docs.iter().filter(|d| !d.starts_with("ts:")).collect();
        if !docs.is_empty() {
            let text: Vec<&str> = docs.iter().map(|d| d.as_str()).collect();
            body.push_str(&format!("    /** {} */\n", text.join(" ")));
        }
        let params: Vec<String> = args
            .iter()
            .map(|(n, t)| format!("{}: {t}", param(n)))
            .collect();
        let passed = if args.is_empty() {
            String::new()
        } else {
            let pairs: Vec<String> = args
                .iter()
                .map(|(n, _)| {
                    let p = param(n);
                    if p == *n { p } else { format!("{n}: {p}") }
                })
                .collect();
            format!(", {{ {} }}", pairs.join(", "))
        };
        body.push_str(&format!(
            "    {}: ({}) => call<{answer}>(\"{}\"{passed}),\n",
            camel(&c.name),
            params.join(", "),
            c.name
        ));
    }
    let mut out = String::from(
        "// Generated from src-tauri/src/commands.rs by src-tauri/tests/commands.rs: never edit by\n\
         // hand. `TERRAIN_BLESS=1 cargo test -p terrain-desktop --test commands` rewrites it.\n",
    );
    for t in &uses {
        assert!(
            bindings.join(format!("{t}.ts")).exists(),
            "{t} crosses to the UI but ui/src/bindings/{t}.ts is not generated: export it in \
             terrain_app::bindings"
        );
        out.push_str(&format!(
            "import type {{ {t} }} from \"../bindings/{t}\";\n"
        ));
    }
    out.push_str(
        "\n/** How a wrapper reaches the shell: Tauri's `invoke`, with the UI's error handling. */\n\
         export type Call = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;\n\n\
         /** One typed wrapper per command the shell registers. */\n\
         export function commands(call: Call) {\n  return {\n",
    );
    out.push_str(&body);
    out.push_str("  };\n}\n");
    out
}

/// The commands `main.rs` hands to `generate_handler!`, in order.
fn registered(main: &str) -> Vec<String> {
    let start = main
        .find("generate_handler![")
        .expect("main.rs registers the commands")
        + "generate_handler![".len();
    let end = start + main[start..].find(']').expect("the list ends");
    main[start..end]
        .split(',')
        .map(|s| s.trim().trim_start_matches("commands::").to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn the_uis_command_wrappers_match_the_rust_commands() {
    let source = std::fs::read_to_string(root().join("src/commands.rs")).unwrap();
    let (commands, aliases) = read_commands(&source);
    assert!(
        commands.iter().any(|c| c.name == "save_form"),
        "commands found"
    );
    let names: Vec<String> = commands.iter().map(|c| c.name.clone()).collect();
    let main = std::fs::read_to_string(root().join("src/main.rs")).unwrap();
    assert_eq!(
        registered(&main),
        names,
        "main.rs's generate_handler! lists every command of commands.rs, in the same order"
    );
    let bindings = root().join("../ui/src/bindings");
    let fresh = generate(&commands, &aliases, &bindings);
    let committed = root().join("../ui/src/lib/commands.ts");
    if std::env::var_os("TERRAIN_BLESS").is_some() {
        std::fs::write(&committed, &fresh).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&committed).unwrap_or_default(),
        fresh,
        "ui/src/lib/commands.ts is out of date: run \
         `TERRAIN_BLESS=1 cargo test -p terrain-desktop --test commands`"
    );
}

#[test]
fn rust_types_become_the_typescript_the_bridge_carries() {
    let source = r#"
        /// ts: Omit<Site, "id"> & { id?: string }
        type SiteJson = serde_json::Value;
        /// Says hello.
        #[tauri::command(async)]
        pub fn hello(session: Shared, take_theirs: Vec<String>, new: Option<Uuid>, site: SiteJson) -> Answer<Vec<Option<Problem>>> { todo!() }
        #[tauri::command]
        pub fn quiet(window: AppHandle) {}
        pub fn not_a_command(x: u32) {}
    "#;
    let (commands, aliases) = read_commands(source);
    let dir = tempfile::tempdir().unwrap();
    for t in ["Site", "Problem"] {
        std::fs::write(dir.path().join(format!("{t}.ts")), "").unwrap();
    }
    let ts = generate(&commands, &aliases, dir.path());
    assert!(
        ts.contains("import type { Problem } from \"../bindings/Problem\";"),
        "{ts}"
    );
    assert!(
        ts.contains("import type { Site } from \"../bindings/Site\";"),
        "{ts}"
    );
    assert!(ts.contains("    /** Says hello. */\n"), "{ts}");
    assert!(
        ts.contains(
            "    hello: (takeTheirs: string[], newValue: string | null, site: Omit<Site, \"id\"> & \
             { id?: string }) => call<(Problem | null)[]>(\"hello\", { takeTheirs, new: newValue, site }),\n"
        ),
        "{ts}"
    );
    assert!(
        ts.contains("    quiet: () => call<void>(\"quiet\"),\n"),
        "{ts}"
    );
    assert!(
        !ts.contains("not_a_command") && !ts.contains("notACommand"),
        "{ts}"
    );
}
