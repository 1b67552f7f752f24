//! Generates the typed Store API client from the contract, and the table of recorded expectations compiled into the
//! binary (so the CLI can be run from anywhere and still judge against what real releases answered).

use std::{env, fs, path::Path};

const SPEC: &str = "../openapi/store.openapi.yaml";
const EXPECTATIONS: &str = "expectations";

fn main() {
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    generate_client(Path::new(&out_dir).join("store_client.rs").as_path());
    generate_expectation_table(Path::new(&out_dir).join("expectation_table.rs").as_path());
}

fn generate_client(out: &Path) {
    println!("cargo:rerun-if-changed={SPEC}");
    let text = fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let spec: openapiv3::OpenAPI = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{SPEC} is not an OpenAPI 3.0 document: {e}"));
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_inner_type("crate::client::CallContext".parse().expect("a Rust path"))
        .with_hooks(progenitor::HooksMode::Expected);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor cannot generate a client from {SPEC}: {e}"));
    let file: syn::File = syn::parse2(tokens).expect("progenitor emits valid Rust");
    fs::write(out, prettyplease::unparse(&file)).expect("OUT_DIR is writable");
    // The same text is compiled into the binary as the default `--spec`.
    fs::write(out.with_file_name("store.openapi.yaml"), text).expect("OUT_DIR is writable");
}

/// Emits `pub static EXPECTATIONS: &[(&str, &str)] = &[(case, contents), …];` for every `expectations/*.json`.
fn generate_expectation_table(out: &Path) {
    println!("cargo:rerun-if-changed={EXPECTATIONS}");
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join(EXPECTATIONS);
    let mut entries: Vec<String> = fs::read_dir(&dir)
        .map(|read| {
            read.filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    let mut table = String::from("pub static EXPECTATIONS: &[(&str, &str)] = &[\n");
    for name in entries {
        let path = dir.join(&name);
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = name.trim_end_matches(".json");
        table.push_str(&format!(
            "    ({stem:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    table.push_str("];\n");
    fs::write(out, table).expect("OUT_DIR is writable");
}
