//! Marks the PostgreSQL tests ignored (cfg `no_postgres`) when they cannot run: no `TEST_DATABASE_URL` and no
//! PostgreSQL server binaries for `scripts/postgres/start.sh`. Under `CI` they always run (and fail if they cannot).

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_postgres)");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PATH");
    let configured = std::env::var_os("TEST_DATABASE_URL").is_some();
    let in_ci = std::env::var("CI")
        .is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false" | "FALSE" | "False"));
    if !configured && !in_ci && !server_binaries_present() {
        println!("cargo::rustc-cfg=no_postgres");
        println!("cargo::warning=PostgreSQL binaries not found: the PostgreSQL tests are ignored");
    }
}

fn server_binaries_present() -> bool {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("pg_ctl").is_file()));
    let packaged = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|versions| {
        versions
            .flatten()
            .any(|version| Path::new(&version.path()).join("bin/pg_ctl").is_file())
    });
    on_path || packaged
}
