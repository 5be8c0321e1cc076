//! Token shapes of the mainstream identity providers, as they document them
//! (`tests/fixtures/providers/*.json`, format in the README there): each case is minted with
//! the committed test keys and must verify with the options a user would naturally pass; each
//! variant (wrong audience, issuer, tenant, scope, client, ...) must get its expected verdict.
//! The JavaScript tests read the same files.

mod mint;

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use oidc_edge::{Algorithm, Profile, Verifier, VerifyOptions};
use serde_json::{Map, Value};

fn fixtures() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/providers");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/fixtures/providers")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).expect("fixture");
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).expect("fixture JSON"))
        })
        .collect()
}

/// JSON merge patch (RFC 7396) of two objects: `null` removes a member.
fn patch(base: &Value, changes: Option<&Value>) -> Value {
    let mut out = base.clone();
    if let Some(changes) = changes {
        for (k, v) in changes.as_object().expect("a patch is an object") {
            if v.is_null() {
                out.as_object_mut().unwrap().remove(k);
            } else {
                out[k] = v.clone();
            }
        }
    }
    out
}

/// A string or an array of strings.
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().expect("string").to_owned())
            .collect(),
        other => panic!("expected a string or an array of strings, got {other}"),
    }
}

/// The fixture's options (the npm package's names) as the core's.
fn options(o: &Map<String, Value>) -> VerifyOptions {
    let mut out = VerifyOptions::default();
    for (name, v) in o {
        match name.as_str() {
            "profile" => {
                out.profile = Profile::from_name(v.as_str().unwrap()).expect("known profile")
            }
            "issuer" => out.issuer = strings(v),
            "clientId" | "clientIds" => out.client_ids.extend(strings(v)),
            "audience" => out.audience = strings(v),
            "requiredScopes" => out.required_scopes = strings(v),
            "requiredRoles" => out.required_roles = strings(v),
            "allowedTenants" => out.allowed_tenants = strings(v),
            "anyTenant" => out.any_tenant = v.as_bool().expect("boolean"),
            "nonce" => out.nonce = Some(v.as_str().expect("string").to_owned()),
            other => panic!("unknown fixture option '{other}' (add it here and to the README)"),
        }
    }
    out
}

fn mint_case(header: &Value, claims: &Value) -> String {
    let kid = header["kid"].as_str().expect("header kid names a test key");
    let alg = Algorithm::from_name(header["alg"].as_str().expect("alg")).expect("known alg");
    mint::mint(alg, kid, header, claims)
}

/// `"valid"`, or `"kind/claim"`.
fn verdict(o: &VerifyOptions, token: &str, now: i64) -> String {
    let keys = mint::jwks(&["test-a", "test-b", "test-c"]);
    let verifier = Verifier::new(o.clone()).unwrap_or_else(|e| panic!("options: {e}"));
    match verifier.verify(token, &keys, now) {
        Ok(_) => "valid".into(),
        Err(e) => format!("{}/{}", e.kind(), e.claim().unwrap_or("-")),
    }
}

fn expected(expect: &Value) -> String {
    if expect["valid"] == Value::Bool(true) {
        return "valid".into();
    }
    format!(
        "{}/{}",
        expect["kind"].as_str().expect("expect.kind"),
        expect["claim"].as_str().unwrap_or("-")
    )
}

#[test]
fn every_provider_shape_gets_its_verdict() {
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    for (file, doc) in fixtures() {
        let now = doc["now"].as_i64().expect("now");
        for case in doc["cases"].as_array().expect("cases") {
            let name = case["name"].as_str().expect("name");
            assert!(names.insert(name.to_owned()), "duplicate case {name}");
            assert!(
                case["source"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("https://")),
                "{name}: source must cite the provider's documentation"
            );
            let base_options = case["options"].as_object().expect("options");
            let o = options(base_options);
            let token = mint_case(&case["header"], &case["claims"]);
            let got = verdict(&o, &token, now);
            rows.push(format!("{file} | {name} | natural call | valid | {got}"));
            if got != "valid" {
                failures.push(format!("{name}: expected valid, got {got}"));
            }
            for v in case["variants"].as_array().into_iter().flatten() {
                let vname = v["name"].as_str().expect("variant name");
                let header = patch(&case["header"], v.get("header"));
                let claims = patch(&case["claims"], v.get("claims"));
                let opts = patch(&Value::Object(base_options.clone()), v.get("options"));
                let token = mint_case(&header, &claims);
                let want = expected(&v["expect"]);
                let got = verdict(&options(opts.as_object().unwrap()), &token, now);
                rows.push(format!("{file} | {name} | {vname} | {want} | {got}"));
                if got != want {
                    failures.push(format!("{name} / {vname}: expected {want}, got {got}"));
                }
            }
        }
    }
    eprintln!("file | case | variant | expected | oidc-edge");
    for r in &rows {
        eprintln!("{r}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The providers and token types the fixtures must cover.
    for required in [
        "google-id-token",
        "entra-v1-id-token",
        "entra-v2-id-token",
        "auth0-id-token",
        "okta-id-token",
        "keycloak-id-token",
        "cognito-id-token",
        "entra-v1-access-token-delegated",
        "entra-v1-access-token-app-only",
        "entra-v2-access-token-delegated",
        "entra-v2-access-token-app-only",
        "auth0-access-token",
        "okta-access-token",
        "keycloak-access-token",
        "cognito-access-token",
    ] {
        assert!(names.contains(required), "no fixture {required}");
    }
}

/// Without the natural options, a provider's access token is refused for a reason that says
/// what is missing, never accepted by accident: the ID token profile does not take them.
#[test]
fn access_tokens_are_not_id_tokens() {
    for (_, doc) in fixtures() {
        let now = doc["now"].as_i64().unwrap();
        for case in doc["cases"].as_array().unwrap() {
            if case["token"] != "access_token" {
                continue;
            }
            let mut o = options(case["options"].as_object().unwrap());
            o.profile = Profile::IdToken;
            o.client_ids = vec!["some-client".into()];
            o.required_scopes.clear();
            o.required_roles.clear();
            let token = mint_case(&case["header"], &case["claims"]);
            assert_ne!(verdict(&o, &token, now), "valid", "{}", case["name"]);
        }
    }
}
