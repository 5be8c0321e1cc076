//! The edge routes as one async function over [`EdgeIo`]: routing, token verification with
//! the right issuer's keys, logical client mapping, the route policy, and the answer. The
//! glue only converts requests and responses and implements [`EdgeIo`].

use core::cell::RefCell;

use oidc_edge::token::{UntrustedToken, DEFAULT_MAX_TOKEN_SIZE};
use oidc_edge::{Error, ErrorKind, JwkSet, Profile, Verified, Verifier, VerifyOptions};
use serde_json::Value;

use super::bearer;
use super::clients::{self, ClientMemo, LogicalClient};
use super::config::{EdgeConfig, RegionMode};
use super::forward::{self, Identity};
use super::io::EdgeIo;
use super::keys::{self, KeySlot};
use super::policy;
use super::respond;
use crate::http::{HttpRequest, HttpResponse};
use crate::proxy::upstream::Region;

/// Per-isolate state: the configuration, one key slot per issuer, the client memo.
#[derive(Debug)]
pub struct EdgeState {
    config: Result<Option<EdgeConfig>, Vec<String>>,
    slots: Vec<RefCell<KeySlot>>,
    clients: RefCell<ClientMemo>,
}

/// An edge route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeRoute {
    /// `POST /verify`.
    Verify,
    /// `GET /.well-known/jwks/{primary,secondary}.json`.
    Mirror(Region),
    /// Under `PROTECT_PREFIX`: verify, apply the policy, forward to `PROTECT_ORIGIN`.
    Protected,
    /// A known edge path with another method (`Allow` value).
    MethodNotAllowed(&'static str),
}

/// What the glue should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Send this response.
    Respond(HttpResponse),
    /// Send the original request (method, body) to `url` with exactly these headers, and pass
    /// the origin's answer back.
    Forward {
        /// Origin URL with path and query.
        url: String,
        /// Headers for the origin.
        headers: Vec<(String, String)>,
    },
}

/// Why a token was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Fail {
    Bearer(bearer::BearerError),
    Token(Error),
    Directory,
    Config(String),
}

/// A verified token and whom it belongs to.
#[derive(Clone, Debug)]
struct Checked {
    verified: Verified,
    client: LogicalClient,
}

/// The mirror paths.
pub const MIRROR_PRIMARY: &str = "/.well-known/jwks/primary.json";
/// See [`MIRROR_PRIMARY`].
pub const MIRROR_SECONDARY: &str = "/.well-known/jwks/secondary.json";

impl EdgeState {
    /// State for a configuration (as read by [`EdgeConfig::from_env`]).
    pub fn new(config: Result<Option<EdgeConfig>, Vec<String>>) -> EdgeState {
        let slots = match &config {
            Ok(Some(c)) => match c.mode {
                RegionMode::Separate => vec![
                    RefCell::new(KeySlot::new(
                        "primary",
                        &c.issuer_primary,
                        vec![c.jwks_primary.clone()],
                        c.key_policy.clone(),
                    )),
                    RefCell::new(KeySlot::new(
                        "secondary",
                        &c.issuer_secondary,
                        vec![c.jwks_secondary.clone()],
                        c.key_policy.clone(),
                    )),
                ],
                RegionMode::Shared => vec![RefCell::new(KeySlot::new(
                    "shared",
                    &c.issuer_primary,
                    vec![c.jwks_primary.clone(), c.jwks_secondary.clone()],
                    c.key_policy.clone(),
                ))],
            },
            _ => Vec::new(),
        };
        EdgeState {
            config,
            slots,
            clients: RefCell::new(ClientMemo::default()),
        }
    }

    /// The configuration, if valid and present.
    pub fn config(&self) -> Option<&EdgeConfig> {
        self.config.as_ref().ok().and_then(Option::as_ref)
    }

    /// Which edge route a request takes, if any (`None`: not an edge path).
    /// With no edge variable set at all, edge verification is off and no path is an edge
    /// route (the token proxy answers 404).
    pub fn route(&self, method: &str, path: &str) -> Option<EdgeRoute> {
        if matches!(self.config, Ok(None)) {
            return None;
        }
        match path {
            "/verify" => Some(if method == "POST" {
                EdgeRoute::Verify
            } else {
                EdgeRoute::MethodNotAllowed("POST")
            }),
            MIRROR_PRIMARY | MIRROR_SECONDARY => Some(if method == "GET" || method == "HEAD" {
                EdgeRoute::Mirror(if path == MIRROR_PRIMARY {
                    Region::Primary
                } else {
                    Region::Secondary
                })
            } else {
                EdgeRoute::MethodNotAllowed("GET, HEAD")
            }),
            _ => {
                let protect = self.config()?.protect.as_ref()?;
                path.starts_with(&protect.prefix)
                    .then_some(EdgeRoute::Protected)
            }
        }
    }

    /// The slot holding `region`'s issuer keys.
    fn slot(&self, region: Region) -> Option<&RefCell<KeySlot>> {
        match self.config()?.mode {
            RegionMode::Separate => self.slots.get(region.index()),
            RegionMode::Shared => self.slots.first(),
        }
    }
}

/// Handles an edge route. `req.body` is needed for `/verify` only.
pub async fn handle<I: EdgeIo>(
    state: &EdgeState,
    route: EdgeRoute,
    req: &HttpRequest,
    io: &I,
    request_id: &str,
) -> Outcome {
    let config = match &state.config {
        Ok(Some(c)) => c,
        Ok(None) => {
            return Outcome::Respond(respond::not_configured(
                &["REGION_MODE is not set".to_string()],
                request_id,
            ))
        }
        Err(problems) => return Outcome::Respond(respond::not_configured(problems, request_id)),
    };
    let retry_after = config.key_policy.cooldown.max(1);
    let fail = |f: Fail| {
        Outcome::Respond(match f {
            Fail::Bearer(b) => respond::bearer_error(b, request_id),
            Fail::Token(e) => respond::token_error(&e, retry_after, request_id),
            Fail::Directory => respond::directory_unavailable(retry_after, request_id),
            Fail::Config(m) => respond::not_configured(&[m], request_id),
        })
    };
    match route {
        EdgeRoute::MethodNotAllowed(allow) => {
            Outcome::Respond(respond::method_not_allowed(allow, request_id))
        }
        EdgeRoute::Mirror(region) => {
            let Some(slot) = state.slot(region) else {
                return fail(Fail::Config("no key slot".into()));
            };
            keys::ensure(slot, io, None).await;
            let s = slot.borrow();
            let mut r = match s.mirror(io.now_s()) {
                Ok((raw, fresh)) => respond::mirror(raw, fresh, request_id),
                Err(e) => respond::token_error(&e, retry_after, request_id),
            };
            if req.method == "HEAD" {
                r.body.clear();
            }
            Outcome::Respond(r)
        }
        EdgeRoute::Verify => {
            let token = match bearer::for_verify(req) {
                Ok(t) => t,
                Err(e) => return fail(Fail::Bearer(e)),
            };
            match check(state, config, &token, io).await {
                Ok(c) => Outcome::Respond(respond::verified(
                    &c.verified.header,
                    &c.verified.claims.all,
                    &c.client.id,
                    c.client.region,
                    request_id,
                )),
                Err(f) => fail(f),
            }
        }
        EdgeRoute::Protected => {
            let Some(protect) = &config.protect else {
                return fail(Fail::Config("PROTECT_ORIGIN is not set".into()));
            };
            let token = match bearer::for_protected(req) {
                Ok(t) => t,
                Err(e) => return fail(Fail::Bearer(e)),
            };
            let c = match check(state, config, &token, io).await {
                Ok(c) => c,
                Err(f) => return fail(f),
            };
            let scopes = policy::scopes(&c.verified.claims);
            if let Err(d) = policy::check_route(protect, &c.client.id, &scopes) {
                return Outcome::Respond(respond::denied(&d, request_id));
            }
            let id = Identity {
                subject: c.verified.claims.sub.clone().unwrap_or_default(),
                client: c.client.id.clone(),
                region: c.client.region.to_string(),
            };
            Outcome::Forward {
                url: forward::origin_url(&protect.origin, &req.path, &req.query),
                headers: forward::origin_headers(&req.headers, &id),
            }
        }
    }
}

/// What the untrusted token says about where it comes from.
struct Peek {
    region: Region,
    kid: Option<String>,
    alg_allowed: bool,
    client_id: Option<String>,
}

fn peek(config: &EdgeConfig, token: &str) -> Result<Peek, Error> {
    let parsed = UntrustedToken::parse(token, DEFAULT_MAX_TOKEN_SIZE)?;
    let alg_allowed = parsed
        .alg()
        .is_some_and(|a| config.algorithms.iter().any(|x| x.name() == a));
    let kid = parsed.kid().map(str::to_string);
    let payload = parsed.payload_json()?;
    let region = match payload.get("iss") {
        None => return Err(Error::new(ErrorKind::ClaimMissing).with_claim("iss")),
        Some(Value::String(iss)) if *iss == config.issuer_primary => Region::Primary,
        Some(Value::String(iss)) if *iss == config.issuer_secondary => Region::Secondary,
        Some(Value::String(_)) => return Err(Error::new(ErrorKind::IssMismatch)),
        Some(_) => return Err(Error::new(ErrorKind::ClaimInvalid).with_claim("iss")),
    };
    let client_id = payload
        .get("client_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Peek {
        region,
        kid,
        alg_allowed,
        client_id,
    })
}

/// The verifier for one issuer. For the Cognito profile, which needs the allowed client ids
/// up front, the token's own `client_id` is passed: the client mapping below is what decides
/// whether that id belongs to a known application of this issuer's region.
fn verifier(
    config: &EdgeConfig,
    region: Region,
    untrusted_client_id: Option<&str>,
) -> Result<Verifier, Fail> {
    let issuer = match region {
        Region::Primary => &config.issuer_primary,
        Region::Secondary => &config.issuer_secondary,
    };
    let client_ids = match config.profile {
        Profile::CognitoAccess => vec![untrusted_client_id
            .filter(|s| !s.is_empty())
            .unwrap_or("-")
            .to_string()],
        _ => Vec::new(),
    };
    Verifier::new(VerifyOptions {
        profile: config.profile,
        issuer: vec![issuer.clone()],
        client_ids,
        audience: if config.profile == Profile::AtJwt {
            config.audience.clone()
        } else {
            Vec::new()
        },
        algorithms: config.algorithms.clone(),
        clock_tolerance: config.clock_tolerance,
        ..VerifyOptions::default()
    })
    .map_err(|e| Fail::Config(e.message().to_string()))
}

async fn check<I: EdgeIo>(
    state: &EdgeState,
    config: &EdgeConfig,
    token: &str,
    io: &I,
) -> Result<Checked, Fail> {
    let p = peek(config, token).map_err(Fail::Token)?;
    let slot = state
        .slot(p.region)
        .ok_or_else(|| Fail::Config("no key slot".into()))?;
    let verifier = verifier(config, p.region, p.client_id.as_deref())?;
    let verified = if p.alg_allowed {
        keys::ensure(slot, io, p.kid.as_deref()).await;
        let s = slot.borrow();
        let now = io.now_s();
        let keys = s.usable(now).map_err(Fail::Token)?;
        verifier.verify(token, keys, now)
    } else {
        // Refused at check 2 whatever the keys: no reason to fetch any.
        verifier.verify(token, &JwkSet::from_keys(Vec::new()), io.now_s())
    }
    .map_err(Fail::Token)?;
    policy::check_not_bound(&verified.claims).map_err(Fail::Token)?;
    let client_id = verified
        .claims
        .get_str("client_id")
        .map_err(Fail::Token)?
        .unwrap_or("")
        .to_string();
    let client = logical_client(state, config, p.region, &client_id, io).await?;
    match verified.claims.sub.as_deref() {
        Some(sub) if forward::header_safe(sub) => {}
        _ => {
            return Err(Fail::Token(
                Error::new(ErrorKind::ClaimInvalid)
                    .with_claim("sub")
                    .with_message("sub is not a usable header value"),
            ))
        }
    }
    Ok(Checked { verified, client })
}

/// Maps a verified token's region and `client_id` to its application (see [`clients`]).
async fn logical_client<I: EdgeIo>(
    state: &EdgeState,
    config: &EdgeConfig,
    issuer_region: Region,
    client_id: &str,
    io: &I,
) -> Result<LogicalClient, Fail> {
    if client_id.is_empty() {
        return Err(Fail::Token(clients::unknown_client()));
    }
    for &region in clients::regions_to_try(config.mode, issuer_region) {
        let now = io.now_s();
        if let Some(answer) = state.clients.borrow().get(now, region, client_id) {
            match answer {
                Some(c) => return Ok(c),
                None => continue,
            }
        }
        let found = lookup(config.mode, region, client_id, io).await?;
        state
            .clients
            .borrow_mut()
            .put(io.now_s(), region, client_id, found.clone());
        if let Some(c) = found {
            return Ok(c);
        }
    }
    Err(Fail::Token(clients::unknown_client()))
}

async fn lookup<I: EdgeIo>(
    mode: RegionMode,
    region: Region,
    client_id: &str,
    io: &I,
) -> Result<Option<LogicalClient>, Fail> {
    let Some(index) = io
        .kv_get(&clients::index_key(region, client_id))
        .await
        .map_err(|_| Fail::Directory)?
    else {
        return Ok(None);
    };
    let Some(app) = clients::parse_index(&index) else {
        return Ok(None);
    };
    let Some(record) = io
        .kv_get(&clients::record_key(&app))
        .await
        .map_err(|_| Fail::Directory)?
    else {
        return Ok(None);
    };
    if !clients::record_confirms(&app, &record, region, client_id) {
        return Ok(None);
    }
    Ok(Some(LogicalClient {
        region: clients::region_label(mode, region, &record),
        id: app,
    }))
}
