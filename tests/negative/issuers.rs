//! Issuer lists, Microsoft Entra ID tenant templates (`{tenantid}`), and the Cognito helper.

use super::*;
use oidc_edge::cognito::UserPool;

const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const OTHER_TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const V2: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

fn entra_iss(tid: &str) -> String {
    format!("https://login.microsoftonline.com/{tid}/v2.0")
}

fn entra(tid: &str, iss: &str) -> String {
    id_token(&with(claims(), json!({ "iss": iss, "tid": tid })))
}

fn template(allowed: &[&str], any: bool) -> VerifyOptions {
    VerifyOptions {
        issuer: vec![V2.into()],
        allowed_tenants: allowed.iter().map(|s| s.to_string()).collect(),
        any_tenant: any,
        ..options()
    }
}

#[test]
fn issuer_lists() {
    let o = VerifyOptions {
        issuer: vec![
            "https://accounts.google.com".into(),
            "accounts.google.com".into(),
        ],
        ..options()
    };
    for iss in ["https://accounts.google.com", "accounts.google.com"] {
        ok(
            o.clone(),
            &id_token(&with(claims(), json!({ "iss": iss }))),
            NOW,
        );
    }
    for iss in [
        "https://accounts.google.com/",
        "http://accounts.google.com",
        ISS,
    ] {
        let e = err(o.clone(), &id_token(&with(claims(), json!({ "iss": iss }))));
        check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    }
}

#[test]
fn entra_template_with_allowed_tenants() {
    let o = template(&[TENANT], false);
    ok(o.clone(), &entra(TENANT, &entra_iss(TENANT)), NOW);
    // GUIDs compare case-insensitively against the allowed list, but iss exactly against tid.
    ok(
        template(&[&TENANT.to_uppercase()], false),
        &entra(TENANT, &entra_iss(TENANT)),
        NOW,
    );
    // Another tenant, well formed: not allowed.
    let e = err(o.clone(), &entra(OTHER_TENANT, &entra_iss(OTHER_TENANT)));
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("tid"));
    assert_eq!(e.check(), oidc_edge::Check::Issuer);
    // tid and iss disagree (a token of the other tenant claiming ours, or the reverse).
    let e = err(o.clone(), &entra(TENANT, &entra_iss(OTHER_TENANT)));
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    let e = err(o.clone(), &entra(OTHER_TENANT, &entra_iss(TENANT)));
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    // tid missing, not a string, not a GUID.
    let no_tid = id_token(&with(claims(), json!({ "iss": entra_iss(TENANT) })));
    let e = err(o.clone(), &no_tid);
    check(&e, ErrorKind::ClaimMissing, CLAIM_FAILED, Some("tid"));
    assert_eq!(e.check(), oidc_edge::Check::Issuer);
    let e = err(
        o.clone(),
        &id_token(&with(
            claims(),
            json!({ "iss": entra_iss(TENANT), "tid": 5 }),
        )),
    );
    check(&e, ErrorKind::ClaimInvalid, CLAIM_FAILED, Some("tid"));
    let e = err(o.clone(), &entra("common", &entra_iss(TENANT)));
    check(&e, ErrorKind::ClaimInvalid, CLAIM_FAILED, Some("tid"));
    assert_eq!(e.check(), oidc_edge::Check::Issuer);
    // An iss that is not of the template's shape at all: iss_mismatch, whatever tid says.
    for iss in [
        "https://login.microsoftonline.com/common/v2.0".to_string(),
        format!("https://login.microsoftonline.com/{TENANT}/v2.0/"),
        format!("https://sts.windows.net/{TENANT}/"),
        V2.to_string(),
    ] {
        let e = err(o.clone(), &entra(TENANT, &iss));
        check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    }
}

#[test]
fn entra_template_any_tenant_and_mixed_lists() {
    let any = template(&[], true);
    for tid in [TENANT, OTHER_TENANT] {
        ok(any.clone(), &entra(tid, &entra_iss(tid)), NOW);
    }
    let e = err(any, &entra(TENANT, &entra_iss(OTHER_TENANT)));
    check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    // v1 and v2 templates and an exact issuer in one list.
    let o = VerifyOptions {
        issuer: vec![
            V2.into(),
            "https://sts.windows.net/{tenantid}/".into(),
            ISS.into(),
        ],
        allowed_tenants: vec![TENANT.into()],
        ..options()
    };
    ok(
        o.clone(),
        &entra(TENANT, &format!("https://sts.windows.net/{TENANT}/")),
        NOW,
    );
    ok(o.clone(), &entra(TENANT, &entra_iss(TENANT)), NOW);
    ok(o, &id_token(&claims()), NOW);
}

#[test]
fn issuer_config_errors() {
    for o in [
        template(&[], false),
        template(&[TENANT], true),
        template(&["contoso.onmicrosoft.com"], false),
        VerifyOptions {
            allowed_tenants: vec![TENANT.into()],
            ..options()
        },
        VerifyOptions {
            any_tenant: true,
            ..options()
        },
        VerifyOptions {
            issuer: vec!["https://x/{tenantid}/{tenantid}".into()],
            any_tenant: true,
            ..options()
        },
        VerifyOptions {
            issuer: vec![ISS.into(), String::new()],
            ..options()
        },
    ] {
        let e = Verifier::new(o).unwrap_err();
        assert!(!e.message().is_empty());
    }
}

#[test]
fn cognito_user_pool_issuers() {
    let pool = UserPool::new("eu-west-1", "eu-west-1_Ab12Cd34", Some("us-east-1")).unwrap();
    let o = VerifyOptions {
        profile: Profile::CognitoAccess,
        issuer: pool.issuers(),
        client_ids: vec![CLIENT.into()],
        ..VerifyOptions::default()
    };
    let c = json!({"sub": "u", "client_id": CLIENT, "token_use": "access", "exp": NOW + 60, "iat": NOW});
    for iss in [
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34",
        "https://issuer-cognito-idp.us-east-1.amazonaws.com/eu-west-1_Ab12Cd34",
    ] {
        ok(
            o.clone(),
            &id_token(&with(c.clone(), json!({ "iss": iss }))),
            NOW,
        );
    }
    for iss in [
        "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_Ab12Cd34",
        "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34",
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
    ] {
        let e = err(
            o.clone(),
            &id_token(&with(c.clone(), json!({ "iss": iss }))),
        );
        check(&e, ErrorKind::IssMismatch, CLAIM_FAILED, Some("iss"));
    }
    assert_eq!(
        pool.jwks_url(),
        "https://issuer-cognito-idp.us-east-1.amazonaws.com/eu-west-1_Ab12Cd34/.well-known/jwks.json"
    );
}
