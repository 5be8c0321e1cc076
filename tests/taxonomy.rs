//! The error taxonomy and the list of checks are defined once, in the core (`ErrorKind::ALL`,
//! `Check::ALL`). Everything else that spells them out is checked against the core here, so a
//! change to one without the others fails: the tables in docs/ARCHITECTURE.md (generated;
//! `OIDC_EDGE_BLESS=1 cargo test --test taxonomy` rewrites them), the TypeScript types of the
//! npm package, and the demo page's list of checks.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use oidc_edge::{Check, ErrorKind};

fn repo_file(path: &str) -> (PathBuf, String) {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
    (full, text)
}

fn error_table() -> String {
    let mut out = String::from(
        "| kind | code | HTTP | check | claim | reason | meaning |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let code = |v: Option<&str>| v.map_or(String::new(), |c| format!("`{c}`"));
    for kind in ErrorKind::ALL {
        let i = kind.info();
        out += &format!(
            "| `{}` | `{}` | {} | {} | {} | {} | {} |\n",
            i.name,
            i.code,
            i.status,
            i.check.id(),
            code(i.claim),
            code(i.reason),
            i.description
        );
    }
    out
}

fn check_table() -> String {
    let mut out = String::from("| check | specification | what |\n| --- | --- | --- |\n");
    for check in Check::ALL {
        let i = check.info();
        out += &format!("| `{}` | {} | {} |\n", i.id, i.spec, i.description);
    }
    out
}

/// Compares the block between `<!-- generated: NAME ...-->` and `<!-- end: NAME -->` with
/// `expected`; with `OIDC_EDGE_BLESS=1` writes `expected` there instead.
fn generated_block(path: &str, name: &str, expected: &str) {
    let (full, text) = repo_file(path);
    let start_marker = format!("<!-- generated: {name}");
    let end_marker = format!("<!-- end: {name} -->");
    let start = text.find(&start_marker).expect("start marker");
    let body_start = start + text[start..].find("-->\n").expect("marker end") + 4;
    let end = text.find(&end_marker).expect("end marker");
    let current = &text[body_start..end];
    if current == expected {
        return;
    }
    if std::env::var("OIDC_EDGE_BLESS").as_deref() == Ok("1") {
        let updated = format!("{}{}{}", &text[..body_start], expected, &text[end..]);
        fs::write(&full, updated).expect("write");
        return;
    }
    panic!(
        "{path}: the {name} differs from the core's table; run \
         `OIDC_EDGE_BLESS=1 cargo test --test taxonomy` to regenerate it.\nexpected:\n{expected}"
    );
}

#[test]
fn docs_error_table_is_the_core_table() {
    generated_block("docs/ARCHITECTURE.md", "error table", &error_table());
}

#[test]
fn docs_check_table_is_the_core_table() {
    generated_block("docs/ARCHITECTURE.md", "check table", &check_table());
}

/// The single-quoted members of the TypeScript union `export type NAME = | 'a' | 'b' ...;`.
fn ts_union(text: &str, name: &str) -> BTreeSet<String> {
    let start = text
        .find(&format!("export type {name} ="))
        .unwrap_or_else(|| panic!("no `export type {name}` in index.d.ts"));
    let body = &text[start..start + text[start..].find(';').expect("end of union")];
    body.split('\'')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

#[test]
fn typescript_kinds_codes_and_checks_are_the_core_tables() {
    let (_, dts) = repo_file("pkg/index.d.ts");
    let kinds: BTreeSet<String> = ErrorKind::ALL.iter().map(|k| k.as_str().into()).collect();
    assert_eq!(
        ts_union(&dts, "ErrorKind"),
        kinds,
        "pkg/index.d.ts ErrorKind"
    );
    let mut codes: BTreeSet<String> = ErrorKind::ALL
        .iter()
        .map(|k| k.default_code().into())
        .collect();
    // A malformed payload has jose's JWT code (`Error::malformed_payload`).
    codes.insert(oidc_edge::Error::malformed_payload("x").code().into());
    assert_eq!(
        ts_union(&dts, "ErrorCode"),
        codes,
        "pkg/index.d.ts ErrorCode"
    );
    let checks: BTreeSet<String> = Check::ALL.iter().map(|c| c.id().into()).collect();
    assert_eq!(ts_union(&dts, "CheckId"), checks, "pkg/index.d.ts CheckId");
}

#[test]
fn demo_page_lists_the_core_checks_in_order() {
    let (_, app) = repo_file("www/app.js");
    let start = app.find("const CHECKS = [").expect("CHECKS in www/app.js");
    let end = start + app[start..].find("\n];").expect("end of CHECKS");
    let ids: Vec<&str> = app[start..end]
        .split("{ id: '")
        .skip(1)
        .map(|s| &s[..s.find('\'').expect("quoted id")])
        .collect();
    let core: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
    assert_eq!(ids, core, "www/app.js CHECKS");
}

#[test]
fn every_kind_has_a_distinct_name_and_a_short_message() {
    let names: BTreeSet<&str> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), ErrorKind::ALL.len());
    for kind in ErrorKind::ALL {
        let e = oidc_edge::Error::new(kind);
        assert!(!e.message().is_empty() && e.message().len() < 80, "{kind}");
        assert!(matches!(kind.http_status(), 401 | 403 | 503), "{kind}");
        let shown = e.to_string();
        assert!(shown.contains(kind.as_str()) && shown.contains(e.code()));
    }
}
