//! `oidc-edge`: verify or inspect an OpenID Connect ID token or JWT access token from the
//! command line (feature `cli`).
//!
//! ```text
//! oidc-edge verify [OPTIONS] [TOKEN|-]         exit 0 valid, 1 invalid, 2 usage / files / options
//! oidc-edge verify-access [OPTIONS] [TOKEN|-]  the same, profile jwt by default (API access tokens)
//! oidc-edge inspect [TOKEN|-]                  decode WITHOUT verifying
//! ```
//!
//! Output is one JSON object on stdout; usage errors go to stderr.

use std::io::{Read, Write};
use std::process::ExitCode;

use oidc_edge::remote::{DiscoveryError, RemoteJwks};
use oidc_edge::token::{UntrustedToken, DEFAULT_MAX_TOKEN_SIZE};
use oidc_edge::{
    Algorithm, Error, JwkSet, Profile, Verified, Verifier, VerifyOptions, DEFAULT_CLOCK_TOLERANCE,
};
use serde_json::{json, Value};

const USAGE: &str = "\
Usage:
  oidc-edge verify [OPTIONS] [TOKEN|-]          verify a token (read from stdin when - or omitted)
  oidc-edge verify-access [OPTIONS] [TOKEN|-]   verify an API access token (--profile jwt by default)
  oidc-edge inspect [TOKEN|-]                   decode a token WITHOUT verifying it
  oidc-edge --help | --version

verify options:
  --jwks FILE                 JWK Set of the issuer (one of --jwks, --jwks-url, --discover)
  --jwks-url URL              fetch the JWK Set (https; http only to a loopback address)
  --discover                  fetch the JWK Set named by the issuer's discovery document
                              (<issuer>/.well-known/openid-configuration; one exact --issuer)
  --issuer ISS                accepted iss, exact or an Entra template with {tenantid}
                              (required; repeatable)
  --allowed-tenant TID        issuer template: an accepted tenant id, tid (repeatable)
  --any-tenant                issuer template: accept any tenant
  --profile P                 id_token (default of verify) | jwt (default of verify-access)
                              | at_jwt | cognito_access
  --client-id ID              id_token: the client id (required; repeatable);
                              jwt / at_jwt / cognito_access: an allowed client (repeatable)
  --trusted-audience AUD      id_token: another audience the client trusts (repeatable)
  --audience AUD              jwt / at_jwt: the resource server identifier (required; repeatable)
  --allowed-client-id ID      cognito_access (required) / jwt / at_jwt: allowed client (repeatable)
  --required-scope SCOPE      a scope the token must grant, from scope or scp (repeatable)
  --required-role ROLE        a role the token must carry in roles (repeatable)
  --alg ALG                   allowed algorithm (repeatable): RS256 RS384 RS512 PS256 PS384
                              PS512 ES256 ES384 EdDSA Ed25519; default: each key's own
                              (RS256 for RSA, ES256 P-256, ES384 P-384, EdDSA/Ed25519 Ed25519)
  --now UNIX                  current time in Unix seconds (default: the system clock)
  --clock-tolerance S         clock tolerance in seconds (default 30)
  --max-token-age S           maximum age since iat in seconds
  --nonce N                   expected nonce
  --max-age S                 max_age sent in the request: auth_time required and fresh
  --acr-value ACR             accepted acr value (repeatable)
  --subject SUB               expected sub
  --access-token AT           check at_hash against this access token
  --code CODE                 check c_hash against this authorization code
  --required-claim NAME       claim that must be present (repeatable)

Exit status: 0 valid, 1 invalid token (JSON error on stdout), 2 usage or configuration error.";

/// A usage or configuration problem: exit 2.
struct Usage(String);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(Usage(message)) => {
            eprintln!("oidc-edge: {message}");
            eprintln!("Try 'oidc-edge --help'.");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, Usage> {
    match args.first().map(String::as_str) {
        Some("verify") => verify(args.get(1..).unwrap_or_default(), Profile::IdToken),
        Some("verify-access") => verify(args.get(1..).unwrap_or_default(), Profile::Jwt),
        Some("inspect") => inspect(args.get(1..).unwrap_or_default()),
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some("--version" | "-V") => {
            println!("oidc-edge {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => Err(Usage(format!("unknown command '{other}'"))),
        None => Err(Usage("a command is required (verify or inspect)".into())),
    }
}

#[derive(Default)]
struct VerifyArgs {
    jwks: Option<String>,
    jwks_url: Option<String>,
    discover: bool,
    issuer: Vec<String>,
    allowed_tenants: Vec<String>,
    any_tenant: bool,
    required_scopes: Vec<String>,
    required_roles: Vec<String>,
    profile: Option<Profile>,
    client_ids: Vec<String>,
    trusted_audience: Vec<String>,
    audience: Vec<String>,
    allowed_client_ids: Vec<String>,
    algorithms: Vec<Algorithm>,
    now: Option<i64>,
    clock_tolerance: Option<u64>,
    max_token_age: Option<u64>,
    nonce: Option<String>,
    max_age: Option<u64>,
    acr_values: Vec<String>,
    subject: Option<String>,
    access_token: Option<String>,
    code: Option<String>,
    required_claims: Vec<String>,
    token: Option<String>,
}

fn number<T: core::str::FromStr>(flag: &str, value: &str) -> Result<T, Usage> {
    value
        .parse()
        .map_err(|_| Usage(format!("{flag} needs a number, got '{value}'")))
}

fn parse_verify_args(args: &[String]) -> Result<VerifyArgs, Usage> {
    let mut a = VerifyArgs::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "-" || !arg.starts_with("--") {
            if a.token.is_some() {
                return Err(Usage("only one token may be given".into()));
            }
            a.token = Some(arg.clone());
            continue;
        }
        // Flags without a value.
        match arg.as_str() {
            "--discover" => {
                a.discover = true;
                continue;
            }
            "--any-tenant" => {
                a.any_tenant = true;
                continue;
            }
            _ => {}
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let mut value = || -> Result<String, Usage> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| Usage(format!("{flag} needs a value"))),
            }
        };
        match flag {
            "--jwks" => a.jwks = Some(value()?),
            "--jwks-url" => a.jwks_url = Some(value()?),
            "--issuer" => a.issuer.push(value()?),
            "--allowed-tenant" => a.allowed_tenants.push(value()?),
            "--required-scope" => a.required_scopes.push(value()?),
            "--required-role" => a.required_roles.push(value()?),
            "--profile" => {
                let v = value()?;
                a.profile = Some(
                    Profile::from_name(&v)
                        .ok_or_else(|| Usage(format!("unknown profile '{v}'")))?,
                );
            }
            "--client-id" => a.client_ids.push(value()?),
            "--trusted-audience" => a.trusted_audience.push(value()?),
            "--audience" => a.audience.push(value()?),
            "--allowed-client-id" => a.allowed_client_ids.push(value()?),
            "--alg" => {
                let v = value()?;
                a.algorithms.push(Algorithm::from_name(&v).ok_or_else(|| {
                    let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
                    Usage(format!(
                        "unsupported algorithm '{v}' ({})",
                        names.join(", ")
                    ))
                })?);
            }
            "--now" => a.now = Some(number(flag, &value()?)?),
            "--clock-tolerance" => a.clock_tolerance = Some(number(flag, &value()?)?),
            "--max-token-age" => a.max_token_age = Some(number(flag, &value()?)?),
            "--nonce" => a.nonce = Some(value()?),
            "--max-age" => a.max_age = Some(number(flag, &value()?)?),
            "--acr-value" => a.acr_values.push(value()?),
            "--subject" => a.subject = Some(value()?),
            "--access-token" => a.access_token = Some(value()?),
            "--code" => a.code = Some(value()?),
            "--required-claim" => a.required_claims.push(value()?),
            _ => return Err(Usage(format!("unknown option '{flag}'"))),
        }
    }
    Ok(a)
}

fn read_token(arg: Option<&str>) -> Result<String, Usage> {
    match arg {
        Some(t) if t != "-" => Ok(t.to_string()),
        _ => {
            let mut buf = String::new();
            std::io::stdin()
                .take(DEFAULT_MAX_TOKEN_SIZE as u64 * 4)
                .read_to_string(&mut buf)
                .map_err(|e| Usage(format!("cannot read the token from stdin: {e}")))?;
            Ok(buf.trim().to_string())
        }
    }
}

fn print(value: &Value) {
    let mut out = std::io::stdout().lock();
    // A closed stdout is not worth a panic.
    let _ = writeln!(out, "{value}");
}

fn error_json(e: &Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "code": e.code(),
        "claim": e.claim(),
        "message": e.message(),
    })
}

fn verify(args: &[String], default_profile: Profile) -> Result<ExitCode, Usage> {
    let a = parse_verify_args(args)?;
    let source = key_source(&a)?;
    let profile = a.profile.unwrap_or(default_profile);
    let (client_ids, audience) = match profile {
        Profile::IdToken => (a.client_ids, [a.trusted_audience, a.audience].concat()),
        Profile::AtJwt | Profile::Jwt => (
            [a.allowed_client_ids, a.client_ids].concat(),
            [a.audience, a.trusted_audience].concat(),
        ),
        Profile::CognitoAccess => ([a.allowed_client_ids, a.client_ids].concat(), Vec::new()),
    };
    let options = VerifyOptions {
        profile,
        issuer: a.issuer,
        allowed_tenants: a.allowed_tenants,
        any_tenant: a.any_tenant,
        client_ids,
        audience,
        required_scopes: a.required_scopes,
        required_roles: a.required_roles,
        algorithms: a.algorithms,
        clock_tolerance: a.clock_tolerance.unwrap_or(DEFAULT_CLOCK_TOLERANCE),
        max_token_age: a.max_token_age,
        nonce: a.nonce,
        max_age: a.max_age,
        acr_values: a.acr_values,
        required_claims: a.required_claims,
        subject: a.subject,
        access_token: a.access_token,
        code: a.code,
        ..VerifyOptions::default()
    };
    let verifier = Verifier::new(options).map_err(|e| Usage(e.message().to_string()))?;
    let now = match a.now {
        Some(now) => now,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .map_err(|_| Usage("the system clock is before 1970; pass --now".into()))?,
    };
    let token = read_token(a.token.as_deref())?;
    let result = verify_with_source(&source, &verifier, &token, now)?;
    match result {
        Ok(v) => {
            print(&json!({ "valid": true, "header": v.header, "claims": v.claims.all }));
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            print(&json!({ "valid": false, "error": error_json(&e) }));
            Ok(ExitCode::from(1))
        }
    }
}

/// Where the keys come from: exactly one of `--jwks`, `--jwks-url`, `--discover`.
enum KeySource {
    File(String),
    Url(String),
    Discover(String),
}

fn key_source(a: &VerifyArgs) -> Result<KeySource, Usage> {
    let discover = match (a.discover, a.issuer.as_slice()) {
        (false, _) => None,
        (true, [issuer]) => Some(issuer.clone()),
        (true, _) => {
            return Err(Usage(
                "--discover needs exactly one --issuer (the one to discover)".into(),
            ))
        }
    };
    match (a.jwks.clone(), a.jwks_url.clone(), discover) {
        (Some(path), None, None) => Ok(KeySource::File(path)),
        (None, Some(url), None) => Ok(KeySource::Url(url)),
        (None, None, Some(issuer)) => Ok(KeySource::Discover(issuer)),
        (None, None, None) => Err(Usage(
            "the keys are required: --jwks FILE, --jwks-url URL or --discover".into(),
        )),
        _ => Err(Usage(
            "give one of --jwks, --jwks-url and --discover".into(),
        )),
    }
}

/// Verifies with the keys from `source`. A file that cannot be read, a URL the fetch policy
/// refuses or a discovery document naming another issuer is a usage error (exit 2); a fetch
/// that fails is the token's `jwks_unavailable` / `jwks_timeout` (exit 1).
fn verify_with_source(
    source: &KeySource,
    verifier: &Verifier,
    token: &str,
    now: i64,
) -> Result<Result<Verified, Error>, Usage> {
    let remote = match source {
        KeySource::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Usage(format!("cannot read {path}: {e}")))?;
            return Ok(JwkSet::from_json(&text).and_then(|keys| verifier.verify(token, &keys, now)));
        }
        KeySource::Url(url) => RemoteJwks::new(url).map_err(|e| Usage(e.message().to_string()))?,
        KeySource::Discover(issuer) => match RemoteJwks::discover(issuer) {
            Ok(remote) => remote,
            Err(DiscoveryError::Config(e)) => return Err(Usage(e.message().to_string())),
            Err(DiscoveryError::Unavailable(e)) => return Ok(Err(e)),
        },
    };
    Ok(remote.verify(verifier, token, now))
}

fn inspect(args: &[String]) -> Result<ExitCode, Usage> {
    let token_arg = match args {
        [] => None,
        [t] => Some(t.as_str()),
        _ => return Err(Usage("inspect takes one token".into())),
    };
    if token_arg.is_some_and(|t| t.starts_with("--") && t != "-") {
        return Err(Usage("inspect takes no options".into()));
    }
    let token = read_token(token_arg)?;
    eprintln!("WARNING: the token was NOT verified; do not trust its contents.");
    let parsed = match UntrustedToken::parse(&token, DEFAULT_MAX_TOKEN_SIZE) {
        Ok(p) => p,
        Err(e) => {
            print(&json!({ "verified": false, "error": error_json(&e) }));
            return Ok(ExitCode::from(1));
        }
    };
    let mut out = json!({
        "verified": false,
        "warning": "NOT VERIFIED: decoded without checking the signature or any claim",
        "header": Value::Object(parsed.header().clone()),
    });
    match parsed.payload_json() {
        Ok(claims) => out["claims"] = Value::Object(claims),
        Err(_) => {
            out["claims"] = Value::Null;
            out["payload_text"] = match core::str::from_utf8(parsed.payload_bytes()) {
                Ok(text) => Value::String(text.to_string()),
                Err(_) => Value::Null,
            };
        }
    }
    print(&out);
    Ok(ExitCode::SUCCESS)
}
