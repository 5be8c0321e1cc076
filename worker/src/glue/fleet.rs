//! The `FleetHealth` Durable Object class and the Cron Trigger: type conversion, storage and
//! alarms only; what they do is [`crate::fleet::object::Object`].

use core::cell::Cell;
use std::string::ToString;

use worker::js_sys::Date as JsDate;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{
    durable_object, event, Date, DurableObject, Env, Request, Response, Result, ScheduleContext,
    ScheduledEvent, State,
};

use super::WorkerIo;
use crate::fleet::object::{Answer, Object};
use crate::fleet::Timing;
use crate::http::split_url;
use crate::io::Io;

/// The Durable Object binding (`wrangler.toml`: `[[durable_objects.bindings]]`).
pub const FLEET_BINDING: &str = "FLEET_HEALTH";
/// The one instance's name: one object holds the whole fleet's health.
pub const FLEET_NAME: &str = "fleet";
/// How long the heartbeat waits for the object (it probes both upstreams).
const HEARTBEAT_TIMEOUT_MS: u64 = 10_000;
/// The storage key of the object's state (revocations and upstream health; the key's name is
/// from when it held revocations only, kept so that a deployed object finds its list).
const STATE_KEY: &str = "revocations";

/// One fleet-health object.
#[durable_object]
pub struct FleetHealth {
    state: State,
    env: Env,
    object: Object,
    loaded: Cell<bool>,
}

impl FleetHealth {
    /// Reads the state (revocations, upstream health) from storage once per object instance.
    async fn load(&self) {
        if self.loaded.replace(true) {
            return;
        }
        let storage = self.state.storage();
        let Ok(promise) = storage.as_raw().get(STATE_KEY) else {
            return;
        };
        if let Some(doc) = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_string())
        {
            self.object.restore(&doc);
        }
    }

    async fn save(&self) {
        let doc = self.object.state_json();
        if let Ok(promise) = self.state.storage().as_raw().put(STATE_KEY, doc.into()) {
            let _ = JsFuture::from(promise).await;
        }
    }

    /// Sets the alarm the object asks for, unless one is set.
    async fn arm(&self, now_ms: u64) {
        let Some(at) = self.object.next_alarm(now_ms) else {
            return;
        };
        let storage = self.state.storage();
        if matches!(storage.get_alarm().await, Ok(Some(_))) {
            return;
        }
        let _ = storage.set_alarm(scheduled(at)).await;
    }
}

fn scheduled(at_ms: u64) -> worker::ScheduledTime {
    worker::ScheduledTime::new(JsDate::new(&(at_ms as f64).into()))
}

fn answer(a: Answer) -> Result<Response> {
    Ok(Response::from_bytes(a.body.into_bytes())?.with_status(a.status))
}

impl DurableObject for FleetHealth {
    fn new(state: State, env: Env) -> Self {
        let get = |name: &str| env.var(name).ok().map(|v| v.to_string());
        let object = Object::from_env(&get, Timing::DEFAULT);
        FleetHealth {
            state,
            env,
            object,
            loaded: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.load().await;
        let url = req.inner().url();
        let (_, path, _) = split_url(&url);
        let body = req.bytes().await.unwrap_or_default();
        let io = WorkerIo { env: &self.env };
        let a = self.object.handle(&io, path, &body).await;
        if a.persist {
            self.save().await;
        }
        self.arm(io.now_ms()).await;
        answer(a)
    }

    async fn alarm(&self) -> Result<Response> {
        self.load().await;
        let io = WorkerIo { env: &self.env };
        let next = self.object.alarm(&io).await;
        if self.object.take_dirty() {
            self.save().await;
        }
        if let Some(at) = next {
            let _ = self.state.storage().set_alarm(scheduled(at)).await;
        }
        Response::ok("")
    }
}

/// The Cron Trigger: the steady-state heartbeat, which asks the object to probe both
/// upstreams.
#[event(scheduled)]
async fn scheduled_event(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let io = WorkerIo { env: &env };
    let outcome = io.fleet_call("/heartbeat", "", HEARTBEAT_TIMEOUT_MS).await;
    worker::console_log!(
        "{{\"event\":\"heartbeat\",\"ts_ms\":{},\"ok\":{}}}",
        Date::now().as_millis(),
        outcome.is_some()
    );
}
