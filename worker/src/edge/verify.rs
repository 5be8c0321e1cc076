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

use super::bearer::{self, BearerError, Presented, Scheme};
use super::clients::{logical_client, revoked_client, unknown_client, ClientMemo, LogicalClient};
use super::dpop::DpopState;
use super::keys::{self, KeySlot};
use super::origin::{self, Identity};
use super::policy;
use super::respond::{self, Challenge};
use crate::app::Outcome;
use crate::config::{EdgeConfig, Secrets};
use crate::fleet::FleetView;
use crate::http::{HttpRequest, HttpResponse};
use crate::io::Io;
use crate::log::LogLine;
use crate::regions::{Region, RegionMode};

/// Trust sets kept per client-id hint (see [`EdgeState::trust`]).
const TRUST_MEMO_CAP: usize = 64;

/// Edge verification's state in isolate memory: one key slot per issuer, the trust sets, the
/// client mapping memo, the DPoP nonces and `jti` memory.
#[derive(Debug)]
pub struct EdgeState {
    slots: Vec<RefCell<KeySlot>>,
    dpop: DpopState,
    /// `(hint, set)`, at most [`TRUST_MEMO_CAP`]: a short list searched in order (a map type
    /// of its own would cost more wasm than the search).
    trust: RefCell<Vec<(String, Rc<TrustSet>)>>,
    clients: RefCell<ClientMemo>,
}

/// What edge verification reads of the isolate: its own state, and the fleet's view (the
/// revocation list; [`crate::fleet`]).
#[derive(Clone, Copy)]
pub struct Isolate<'a> {
    /// Key slots, trust sets, client memo, DPoP state.
    pub edge: &'a EdgeState,
    /// The fleet's verdict, borrowed only between awaits.
    pub fleet: &'a RefCell<FleetView>,
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
    /// State for a configuration: `separate` mode has a slot per region, `shared` one. With
    /// `dpop_nonce_key` (the secret `DPOP_NONCE_KEY`, already checked), DPoP nonces are on.
    pub fn new(c: &EdgeConfig, dpop_nonce_key: Option<&[u8]>) -> EdgeState {
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
        let dpop = DpopState::new(dpop_nonce_key, c.dpop_nonce_window);
        EdgeState {
            slots,
            dpop,
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
    /// hint is kept (bounded). Other profiles use one set. A DPoP request's set carries the
    /// proof key's thumbprint (`dpop_jkt`, the binding the core checks) and is made for that
    /// request alone.
    fn trust(
        &self,
        c: &EdgeConfig,
        hint: &str,
        dpop_jkt: Option<String>,
    ) -> Result<Rc<TrustSet>, Fail> {
        if dpop_jkt.is_some() {
            return self.new_trust(c, hint, dpop_jkt).map(Rc::new);
        }
        let mut memo = self.trust.borrow_mut();
        if let Some((_, t)) = memo.iter().find(|(h, _)| h == hint) {
            return Ok(t.clone());
        }
        if memo.len() >= TRUST_MEMO_CAP {
            memo.clear();
        }
        let set = Rc::new(self.new_trust(c, hint, None)?);
        memo.push((hint.to_string(), set.clone()));
        Ok(set)
    }

    fn new_trust(
        &self,
        c: &EdgeConfig,
        hint: &str,
        dpop_jkt: Option<String>,
    ) -> Result<TrustSet, Fail> {
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
            dpop_jkt,
            ..VerifyOptions::default()
        };
        TrustSet::new(base, entries).map_err(|e| Fail::Config(e.message().to_string()))
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
    fleet: &RefCell<FleetView>,
    req: &HttpRequest,
    presented: &Presented,
    io: &I,
    log: &mut LogLine,
) -> Result<Checked, Fail> {
    let token = presented.token.as_str();
    log.auth = Some(match presented.scheme {
        Scheme::Bearer => "bearer",
        Scheme::Dpop => "dpop",
    });
    // DPoP: the proof first (RFC 9449 7.1), then the token bound to its key.
    let dpop_jkt = match presented.scheme {
        Scheme::Bearer => None,
        Scheme::Dpop => Some(
            state
                .dpop
                .check(
                    presented.proof.as_deref(),
                    req,
                    token,
                    c.clock_tolerance,
                    io.now_s(),
                )
                .map_err(Fail::Token)?,
        ),
    };
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
    let trust = state.trust(c, &hint, dpop_jkt)?;
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
    // Revoked fleet-wide: refused at once, though KV and the memo may still map it.
    if fleet.borrow().is_revoked(&client.id) {
        return Err(Fail::Token(revoked_client().with_claim(client_claim)));
    }
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

/// The challenge context of a request: its scheme, and a fresh nonce when nonces are on.
fn challenge<I: Io>(state: &EdgeState, presented: Option<&Presented>, io: &I) -> Challenge {
    Challenge {
        dpop: presented.is_some_and(|p| p.scheme == Scheme::Dpop),
        nonce: state.dpop.fresh_nonce(io.now_s()),
    }
}

fn fail_response(
    c: &EdgeConfig,
    f: Fail,
    ch: &Challenge,
    request_id: &str,
    log: &mut LogLine,
) -> HttpResponse {
    let retry_after = c.key_policy.cooldown.max(1);
    log.outcome = "refused";
    match f {
        Fail::Bearer(b) => respond::bearer_error(b, request_id),
        Fail::Token(e) => {
            log.kind = Some(e.kind().as_str());
            respond::token_error(&e, retry_after, ch, request_id)
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
    isolate: Isolate<'_>,
    io: &I,
    req: &HttpRequest,
    request_id: &str,
    log: &mut LogLine,
) -> HttpResponse {
    let (state, fleet) = (isolate.edge, isolate.fleet);
    let presented = match bearer::for_verify(req) {
        Ok(p) => p,
        Err(e) => {
            let ch = challenge(state, None, io);
            return fail_response(c, Fail::Bearer(e), &ch, request_id, log);
        }
    };
    let ch = challenge(state, Some(&presented), io);
    match check(c, state, fleet, req, &presented, io, log).await {
        Ok(ok) => {
            log.outcome = "verified";
            note(log, &ok.client);
            ch.with_nonce(respond::verified(
                &ok.verified.header,
                &ok.verified.claims.all,
                &ok.client.id,
                ok.client.region,
                request_id,
            ))
        }
        Err(f) => fail_response(c, f, &ch, request_id, log),
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
        Err(e) => fail_response(c, Fail::Token(e), &Challenge::default(), request_id, log),
    }
}

/// Under `PROTECT_PREFIX`: the path check, verification, the route policy, then the request
/// for the origin.
pub async fn protected_route<I: Io>(
    c: &EdgeConfig,
    secrets: &Secrets,
    isolate: Isolate<'_>,
    io: &I,
    req: &HttpRequest,
    request_id: &str,
    log: &mut LogLine,
) -> Outcome {
    let (state, fleet) = (isolate.edge, isolate.fleet);
    let none = Challenge::default();
    let Some(protect) = &c.protect else {
        let f = Fail::Config("PROTECT_ORIGIN is not set".into());
        return Outcome::Respond(fail_response(c, f, &none, request_id, log));
    };
    if let Err(why) = origin::check_path(&req.path) {
        log.kind = Some("invalid_request");
        let f = Fail::Bearer(BearerError::Invalid(why));
        return Outcome::Respond(fail_response(c, f, &none, request_id, log));
    }
    let presented = match bearer::for_protected(req) {
        Ok(p) => p,
        Err(e) => {
            let f = Fail::Bearer(e);
            return Outcome::Respond(fail_response(c, f, &none, request_id, log));
        }
    };
    let ch = challenge(state, Some(&presented), io);
    let ok = match check(c, state, fleet, req, &presented, io, log).await {
        Ok(ok) => ok,
        Err(f) => return Outcome::Respond(fail_response(c, f, &ch, request_id, log)),
    };
    note(log, &ok.client);
    if let Err(d) = policy::check_route(protect, &ok.client.id, &ok.verified.claims) {
        log.outcome = "denied";
        if let policy::Denied::Scope(e) = &d {
            log.kind = Some(e.kind().as_str());
        }
        let r = respond::denied(&d, &protect.required_scopes, &ch, request_id);
        return Outcome::Respond(r);
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
