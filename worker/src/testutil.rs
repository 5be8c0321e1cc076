//! Test doubles: a fake clock, a scripted upstream, an in-memory KV, a tiny executor.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::proxy::upstream::{Transport, Upstream, UpstreamReply, UpstreamRequest};
use crate::time::Clock;

/// Polls a future to completion. Every fake here is ready at once, so a no-op waker suffices.
pub fn block_on<F: Future>(f: F) -> F::Output {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = Waker::from(std::sync::Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    for _ in 0..1000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future did not complete: a fake is not ready");
}

/// A clock that only moves when told (or when a fake upstream "takes time").
#[derive(Clone, Default)]
pub struct FakeClock(pub Rc<Cell<u64>>);

impl FakeClock {
    /// Starts at `t` ms.
    pub fn at(t: u64) -> Self {
        FakeClock(Rc::new(Cell::new(t)))
    }
    /// Moves forward.
    pub fn advance(&self, ms: u64) {
        self.0.set(self.0.get() + ms);
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> u64 {
        self.0.get()
    }
}

/// One scripted behaviour of a fake upstream.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// How long the answer takes (headers + body).
    pub latency_ms: u64,
    /// What it is (a `Timeout` here means "never answers": hang).
    pub result: Result<UpstreamReply, Transport>,
}

/// A recorded call.
#[derive(Clone, Debug)]
pub struct Call {
    /// URL called.
    pub url: String,
    /// Headers sent.
    pub headers: Vec<(String, String)>,
    /// Body sent.
    pub body: String,
    /// Timeout given.
    pub timeout_ms: u64,
    /// Clock at the call.
    pub at_ms: u64,
}

impl Call {
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Scripted upstreams keyed by URL. A URL's queue is consumed front to back; its last entry
/// repeats.
pub struct FakeUpstream {
    pub clock: FakeClock,
    pub scripts: RefCell<BTreeMap<String, VecDeque<Behaviour>>>,
    pub calls: RefCell<Vec<Call>>,
}

impl FakeUpstream {
    pub fn new(clock: &FakeClock) -> Self {
        FakeUpstream {
            clock: clock.clone(),
            scripts: RefCell::default(),
            calls: RefCell::default(),
        }
    }
    pub fn script(&self, url: &str, behaviours: &[Behaviour]) {
        self.scripts
            .borrow_mut()
            .insert(url.to_string(), behaviours.iter().cloned().collect());
    }
    pub fn calls_to(&self, url: &str) -> Vec<Call> {
        self.calls
            .borrow()
            .iter()
            .filter(|c| c.url == url)
            .cloned()
            .collect()
    }
}

impl Upstream for FakeUpstream {
    async fn send(
        &self,
        request: &UpstreamRequest,
        timeout_ms: u64,
    ) -> Result<UpstreamReply, Transport> {
        self.calls.borrow_mut().push(Call {
            url: request.url.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
            timeout_ms,
            at_ms: self.clock.now_ms(),
        });
        let b = {
            let mut scripts = self.scripts.borrow_mut();
            let q = scripts
                .get_mut(&request.url)
                .expect("no script for this URL");
            if q.len() > 1 {
                q.pop_front().unwrap()
            } else {
                q.front().cloned().unwrap()
            }
        };
        let hang = b.result == Err(Transport::Timeout);
        if hang || b.latency_ms > timeout_ms {
            self.clock.advance(timeout_ms);
            return Err(Transport::Timeout);
        }
        self.clock.advance(b.latency_ms);
        b.result
    }
}

/// Behaviour builders.
pub fn reply(latency_ms: u64, status: u16, body: &str) -> Behaviour {
    Behaviour {
        latency_ms,
        result: Ok(UpstreamReply {
            status,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }),
    }
}
pub fn reply_retry_after(latency_ms: u64, status: u16, retry_after: &str) -> Behaviour {
    Behaviour {
        latency_ms,
        result: Ok(UpstreamReply {
            status,
            retry_after: Some(retry_after.into()),
            body: b"{}".to_vec(),
        }),
    }
}
pub fn network(latency_ms: u64) -> Behaviour {
    Behaviour {
        latency_ms,
        result: Err(Transport::Network),
    }
}
pub fn hang() -> Behaviour {
    Behaviour {
        latency_ms: u64::MAX,
        result: Err(Transport::Timeout),
    }
}
pub fn token(latency_ms: u64, tag: &str) -> Behaviour {
    reply(
        latency_ms,
        200,
        &std::format!(r#"{{"access_token":"tok-{tag}","token_type":"Bearer","expires_in":3600}}"#),
    )
}
