//! Edge verification's routes over [`Io`]: `POST /verify`, the key mirrors and the protected
//! route.
//!
//! The issuer is chosen by the core's [`TrustSet`], one entry per issuer, whose keys the key
//! slots supply per token:
//!
//! 1. [`TrustSet::route`] checks structure and header (`alg` allow-list) and reads `iss` to
//!    name the entry. A token refused there is answered at once: an `alg` outside the list or
//!    an unknown issuer never costs a fetch.
//! 2. That entry's slot makes sure it can serve the token's `kid` ([`super::keys::ensure`]:
//!    fetch, restore or wait, as its policy allows), then [`TrustSet::begin_routed`] checks the
//!    key, the signature and the claims with that issuer's keys only. A `kid` the slot still
//!    does not know while its key set cannot be fetched is "cannot check" (503), not "bad
//!    token".
//! 3. The core's claim checks include the sender constraint: the access-token profiles refuse a
//!    key-bound token (`cnf`) presented as a bearer token. After them, the token's client (the
//!    core's [`access::client`]: `client_id`, `azp`, `cid` or `appid`) maps to one application
//!    of its issuer's region ([`super::clients`]), and `sub` is usable as a header value.
//! 4. The protected route then applies its policy ([`policy`]): the logical client, then the
//!    core's scope and role check.

use core::cell::RefCell;
use std::rc::Rc;

use oidc_edge::token::{UntrustedToken, DEFAULT_MAX_TOKEN_SIZE};
use oidc_edge::{
    access, BuiltinVerifier, Error, ErrorKind, Profile, TrustSet, TrustedIssuer, VerifyOptions,
};
use serde_json::Value;

use super::bearer::{self, BearerError};
use super::clients::{logical_client, unknown_client, ClientMemo, LogicalClient};
use super::keys::{self, KeySlot};
use super::origin::{self, Identity};
use super::policy;
use super::respond;
use crate::app::Outcome;
use crate::config::{EdgeConfig, Secrets};
use crate::http::{HttpRequest, HttpResponse};
use crate::io::Io;
use crate::log::LogLine;
use crate::regions::{Region, RegionMode};

/// Trust sets kept per client-id hint (see [`EdgeState::trust`]).
const TRUST_MEMO_CAP: usize = 64;

/// Edge verification's state in isolate memory: one key slot per issuer, the trust sets, the
/// client mapping memo.
#[derive(Debug)]
pub struct EdgeState {
    slots: Vec<RefCell<KeySlot>>,
    /// `(hint, set)`, at most [`TRUST_MEMO_CAP`]: a short list searched in order (a map type
    /// of its own would cost more wasm than the search).
    trust: RefCell<Vec<(String, Rc<TrustSet>)>>,
    clients: RefCell<ClientMemo>,
}

/// Why a token was not accepted.
enum Fail {
    Bearer(BearerError),
    Token(Error),
    Directory,
    Config(String),
}

/// A verified token and whom it belongs to.
struct Checked {
    verified: oidc_edge::Verified,
    client: LogicalClient,
}

impl EdgeState {
    /// State for a configuration: `separate` mode has a slot per region, `shared` one.
    pub fn new(c: &EdgeConfig) -> EdgeState {
        let slot = |name, issuer: &str, urls: Vec<String>| {
            RefCell::new(KeySlot::new(name, issuer, urls, c.key_policy.clone()))
        };
        let slots = match c.mode {
            RegionMode::Separate => vec![
                slot("primary", &c.issuer_primary, vec![c.jwks_primary.clone()]),
                slot(
                    "secondary",
                    &c.issuer_secondary,
                    vec![c.jwks_secondary.clone()],
                ),
            ],
            RegionMode::Shared => vec![slot(
                "shared",
                &c.issuer_primary,
                vec![c.jwks_primary.clone(), c.jwks_secondary.clone()],
            )],
        };
        EdgeState {
            slots,
            trust: RefCell::new(Vec::new()),
            clients: RefCell::new(ClientMemo::default()),
        }
    }

    /// The slot holding `region`'s issuer keys (`shared`: the one slot).
    fn slot_of_region(&self, region: Region) -> &RefCell<KeySlot> {
        self.slots
            .get(region.index())
            .or_else(|| self.slots.first())
            .unwrap_or_else(|| unreachable!("EdgeState::new makes one or two slots"))
    }

    /// The trust set: one entry per slot (`separate`: primary then secondary; `shared`: the
    /// one issuer), keys supplied per token. The Cognito profile checks `client_id` against
    /// each entry's allowed list, which only the client mapping can decide, so there the
    /// token's own `client_id` is given (`hint`) and the mapping decides after; one set per
    /// hint is kept (bounded). Other profiles use one set.
    fn trust(&self, c: &EdgeConfig, hint: &str) -> Result<Rc<TrustSet>, Fail> {
        let mut memo = self.trust.borrow_mut();
        if let Some((_, t)) = memo.iter().find(|(h, _)| h == hint) {
            return Ok(t.clone());
        }
        if memo.len() >= TRUST_MEMO_CAP {
            memo.clear();
        }
        let client_ids = match c.profile {
            Profile::CognitoAccess => vec![if hint.is_empty() { "-" } else { hint }.to_string()],
            _ => Vec::new(),
        };
        let issuers = [&c.issuer_primary, &c.issuer_secondary];
        let entries = issuers
            .iter()
            .take(self.slots.len())
            .map(|issuer| TrustedIssuer {
                issuer: vec![issuer.to_string()],
                allowed_tenants: Vec::new(),
                any_tenant: false,
                keys: None,
                client_ids: client_ids.clone(),
                audience: Vec::new(),
            })
            .collect();
        let base = VerifyOptions {
            profile: c.profile,
            audience: if c.profile == Profile::CognitoAccess {
                Vec::new()
            } else {
                c.audience.clone()
            },
            algorithms: c.algorithms.clone(),
            clock_tolerance: c.clock_tolerance,
            ..VerifyOptions::default()
        };
        let set = Rc::new(
            TrustSet::new(base, entries).map_err(|e| Fail::Config(e.message().to_string()))?,
        );
        memo.push((hint.to_string(), set.clone()));
        Ok(set)
    }

    /// The region a trust-set entry stands for (`shared`: the one issuer of both).
    fn region_of_entry(&self, index: usize) -> Region {
        if index == 1 {
            Region::Secondary
        } else {
            Region::Primary
        }
    }
}

async fn check<I: Io>(
    c: &EdgeConfig,
    state: &EdgeState,
    token: &str,
    io: &I,
    log: &mut LogLine,
) -> Result<Checked, Fail> {
    // Only the Cognito profile needs the token's (untrusted) client_id before routing.
    let hint = match c.profile {
        Profile::CognitoAccess => UntrustedToken::parse(token, DEFAULT_MAX_TOKEN_SIZE)
            .and_then(|t| t.payload_json())
            .ok()
            .and_then(|p| {
                p.get("client_id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let trust = state.trust(c, &hint)?;
    let routed = trust.route(token).map_err(Fail::Token)?;
    let entry = routed.issuer_index();
    let slot = state
        .slots
        .get(entry)
        .ok_or_else(|| Fail::Config("no key slot for a trust-set entry".into()))?;
    let kid = routed.kid().map(str::to_string);
    log.keys = keys::ensure(slot, io, kid.as_deref()).await.log_name();
    let now = io.now_s();
    let trusted = {
        let s = slot.borrow();
        // Past the stale limit, or never fetched: the keys cannot be had (503).
        let keys = s.usable(now).map_err(Fail::Token)?;
        let pending = trust
            .begin_routed(routed, keys)
            .map_err(|e| match s.outage() {
                Some(kind) if e.kind() == ErrorKind::KeyNotFound => Fail::Token(Error::new(kind)),
                _ => Fail::Token(e),
            })?;
        let verdict = pending.pending.check_signature(&BuiltinVerifier);
        trust.finish(pending, verdict, now).map_err(Fail::Token)?
    };
    let verified = trusted.verified;
    let (client_claim, client_id) = access::client(&verified.claims)
        .map_err(Fail::Token)?
        .map_or(("client_id", String::new()), |(claim, id)| {
            (claim, id.to_string())
        });
    let region = state.region_of_entry(trusted.issuer_index);
    let client = logical_client(&state.clients, c.mode, region, &client_id, io)
        .await
        .map_err(|e| match e {
            Some(_) => Fail::Directory,
            None => Fail::Token(unknown_client().with_claim(client_claim)),
        })?;
    match verified.claims.sub.as_deref() {
        Some(sub) if origin::header_safe(sub) => {}
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

fn fail_response(c: &EdgeConfig, f: Fail, request_id: &str, log: &mut LogLine) -> HttpResponse {
    let retry_after = c.key_policy.cooldown.max(1);
    log.outcome = "refused";
    match f {
        Fail::Bearer(b) => respond::bearer_error(b, request_id),
        Fail::Token(e) => {
            log.kind = Some(e.kind().as_str());
            respond::token_error(&e, retry_after, request_id)
        }
        Fail::Directory => {
            log.kind = Some("directory_unavailable");
            respond::directory_unavailable(retry_after, request_id)
        }
        Fail::Config(m) => {
            log.outcome = "misconfigured";
            log.problems = vec![m];
            HttpResponse::oauth_error(
                500,
                "server_error",
                Some("edge verification is not configured"),
                request_id,
            )
        }
    }
}

fn note(log: &mut LogLine, client: &LogicalClient) {
    log.client = Some(client.id.clone());
    log.region = Some(client.region);
}

/// `POST /verify`.
pub async fn verify_route<I: Io>(
    c: &EdgeConfig,
    state: &EdgeState,
    io: &I,
    req: &HttpRequest,
    request_id: &str,
    log: &mut LogLine,
) -> HttpResponse {
    let token = match bearer::for_verify(req) {
        Ok(t) => t,
        Err(e) => return fail_response(c, Fail::Bearer(e), request_id, log),
    };
    match check(c, state, &token, io, log).await {
        Ok(ok) => {
            log.outcome = "verified";
            note(log, &ok.client);
            respond::verified(
                &ok.verified.header,
                &ok.verified.claims.all,
                &ok.client.id,
                ok.client.region,
                request_id,
            )
        }
        Err(f) => fail_response(c, f, request_id, log),
    }
}

/// `GET /.well-known/jwks/<region>.json`: that issuer's own set, public members only.
pub async fn mirror_route<I: Io>(
    c: &EdgeConfig,
    state: &EdgeState,
    io: &I,
    region: Region,
    request_id: &str,
    log: &mut LogLine,
) -> HttpResponse {
    let slot = state.slot_of_region(region);
    let event = keys::ensure(slot, io, None).await;
    log.keys = event.log_name();
    let s = slot.borrow();
    match s.mirror(io.now_s()) {
        Ok((doc, fresh)) => {
            log.outcome = "mirror";
            respond::mirror(doc, fresh, request_id)
        }
        Err(e) => fail_response(c, Fail::Token(e), request_id, log),
    }
}

/// Under `PROTECT_PREFIX`: the path check, verification, the route policy, then the request
/// for the origin.
pub async fn protected_route<I: Io>(
    c: &EdgeConfig,
    secrets: &Secrets,
    state: &EdgeState,
    io: &I,
    req: &HttpRequest,
    request_id: &str,
    log: &mut LogLine,
) -> Outcome {
    let Some(protect) = &c.protect else {
        let f = Fail::Config("PROTECT_ORIGIN is not set".into());
        return Outcome::Respond(fail_response(c, f, request_id, log));
    };
    if let Err(why) = origin::check_path(&req.path) {
        log.kind = Some("invalid_request");
        let f = Fail::Bearer(BearerError::Invalid(why));
        return Outcome::Respond(fail_response(c, f, request_id, log));
    }
    let token = match bearer::for_protected(req) {
        Ok(t) => t,
        Err(e) => return Outcome::Respond(fail_response(c, Fail::Bearer(e), request_id, log)),
    };
    let ok = match check(c, state, &token, io, log).await {
        Ok(ok) => ok,
        Err(f) => return Outcome::Respond(fail_response(c, f, request_id, log)),
    };
    note(log, &ok.client);
    if let Err(d) = policy::check_route(protect, &ok.client.id, &ok.verified.claims) {
        log.outcome = "denied";
        if let policy::Denied::Scope(e) = &d {
            log.kind = Some(e.kind().as_str());
        }
        return Outcome::Respond(respond::denied(&d, &protect.required_scopes, request_id));
    }
    log.outcome = "forwarded";
    let id = Identity {
        subject: ok.verified.claims.sub.clone().unwrap_or_default(),
        client: ok.client.id.clone(),
        region: ok.client.region.to_string(),
    };
    Outcome::Forward(origin::forward(
        protect,
        &req.method,
        &req.path,
        &req.query,
        &req.headers,
        &id,
        request_id,
        &secrets.origin_keys,
        io.now_s(),
    ))
}
