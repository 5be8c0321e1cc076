// The worker panel of the demo page: a token through the oidc-edge worker with the demo
// client, which region answered, the primary switched off and on, and the token verified
// here (with the package, against each issuer's keys as the worker mirrors them) and at the
// worker (POST /verify). It talks only to the local demo harness (scripts/demo/main.mjs) on
// this page's origin, which holds the demo secret and the switch; without the harness
// (GET /demo/info fails) the panel stays hidden.
import { JwkSet, OidcEdgeError, createTrustSet, verifyIdToken } from 'oidc-edge';

const panel = document.getElementById('worker-panel');

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

async function call(method, url, body) {
  const r = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} ${url}: HTTP ${r.status}`);
  return r.json();
}

function verdict(box, ok, title, detail) {
  box.className = `wp-verdict ${ok ? 'ok' : 'bad'}`;
  box.replaceChildren(el('strong', {}, title), el('span', { class: 'wp-detail' }, detail));
}

async function start() {
  let info;
  try {
    info = await call('GET', '/demo/info');
  } catch {
    return; // no demo harness: nothing to show
  }
  const link = el('link', { rel: 'stylesheet', href: new URL('worker-panel.css', import.meta.url).href });
  document.head.append(link);

  const state = { token: null, claims: null, primaryDown: info.primaryDown };
  const upstream = el('span', { class: 'wp-region', id: 'wp-upstream' }, '—');
  const primaryState = el('span', { class: 'wp-switch', id: 'wp-primary-state' });
  const tokenBox = el('code', { class: 'wp-token', id: 'wp-token' }, 'no token yet');
  const facts = el('table', { class: 'kv', id: 'wp-facts' });
  const local = el('div', { class: 'wp-verdict', id: 'wp-local' }, 'not verified yet');
  const remote = el('div', { class: 'wp-verdict', id: 'wp-remote' }, 'not verified yet');
  const status = el('span', { class: 'hint', id: 'wp-status', role: 'status' });

  const getBtn = el('button', { type: 'button', id: 'wp-get' }, 'Get a token through the worker');
  const toggleBtn = el('button', { type: 'button', id: 'wp-toggle', class: 'secondary' });
  const localBtn = el('button', { type: 'button', id: 'wp-verify-local', class: 'secondary', disabled: true }, 'Verify in this page');
  const remoteBtn = el('button', { type: 'button', id: 'wp-verify-worker', class: 'secondary', disabled: true }, 'Verify at the worker');

  const showPrimary = () => {
    primaryState.textContent = state.primaryDown ? 'primary region: DOWN' : 'primary region: up';
    primaryState.classList.toggle('down', state.primaryDown);
    toggleBtn.textContent = state.primaryDown ? 'Start the primary' : 'Stop the primary';
  };
  showPrimary();

  const row = (k, v) => el('tr', {}, el('th', {}, k), el('td', {}, v));
  const busy = async (btn, fn) => {
    btn.disabled = true;
    status.textContent = '…';
    try {
      await fn();
      status.textContent = '';
    } catch (e) {
      status.textContent = String(e.message ?? e);
    } finally {
      btn.disabled = btn === getBtn || btn === toggleBtn ? false : !state.token;
    }
  };

  getBtn.addEventListener('click', () => busy(getBtn, async () => {
    const t = await call('POST', '/demo/token');
    if (!t.access_token) {
      upstream.textContent = t.upstream ?? 'none';
      tokenBox.textContent = `HTTP ${t.status}: ${t.error ?? ''} ${t.error_description ?? ''}`;
      state.token = null;
      localBtn.disabled = remoteBtn.disabled = true;
      return;
    }
    state.token = t.access_token;
    state.claims = t.claims;
    upstream.textContent = t.upstream;
    upstream.dataset.region = t.upstream;
    tokenBox.textContent = `${t.access_token.slice(0, 48)}…${t.access_token.slice(-16)}`;
    facts.replaceChildren(
      row('X-Oidc-Edge-Upstream', t.upstream),
      row('iss', t.claims.iss),
      row('client_id', t.claims.client_id),
      row('kid', t.header.kid),
      row('scope', t.claims.scope ?? ''),
    );
    local.className = remote.className = 'wp-verdict';
    local.textContent = remote.textContent = 'not verified yet';
    localBtn.disabled = remoteBtn.disabled = false;
  }));

  toggleBtn.addEventListener('click', () => busy(toggleBtn, async () => {
    const r = await call('POST', '/demo/primary', { down: !state.primaryDown });
    state.primaryDown = r.primary === 'down';
    showPrimary();
  }));

  localBtn.addEventListener('click', () => busy(localBtn, async () => {
    // Each issuer with its own keys (never one merged set), as the worker mirrors them.
    const issuers = [];
    for (const region of ['primary', 'secondary']) {
      const r = await fetch(`/demo/jwks/${region}.json`);
      if (r.ok) issuers.push({ issuer: info.regions[region].issuer, keys: new JwkSet(await r.json()) });
    }
    const options = { profile: 'at_jwt', audience: info.audience };
    try {
      const trust = createTrustSet(issuers, options);
      const { payload, protectedHeader } = verifyIdToken(state.token, trust, options);
      verdict(local, true, 'Valid (oidc-edge in this page, WebAssembly)', `at_jwt · iss ${payload.iss} · kid ${protectedHeader.kid}`);
    } catch (e) {
      if (!(e instanceof OidcEdgeError)) throw e;
      verdict(local, false, `Refused: ${e.kind}`, `${e.code}${e.claim ? ` (${e.claim})` : ''}`);
    }
  }));

  remoteBtn.addEventListener('click', () => busy(remoteBtn, async () => {
    const r = await call('POST', '/demo/verify', { token: state.token });
    if (r.status === 200) {
      verdict(remote, true, 'Valid (worker, POST /verify)', `client ${r.body.client} · region ${r.body.region}`);
    } else {
      verdict(remote, false, `HTTP ${r.status}: ${r.body?.kind ?? r.body?.error}`, r.body?.code ?? '');
    }
  }));

  panel.replaceChildren(
    el('h2', {}, 'Worker panel ', el('span', { class: 'hint' }, `oidc-edge worker at ${info.worker}`)),
    el('p', { class: 'hint' }, `Demo client ${info.client_id}: its secret stays in the local demo harness. One token endpoint, two regions; verification at the edge maps either region's token to the same client.`),
    el('div', { class: 'actions' }, getBtn, toggleBtn, primaryState),
    el('div', { class: 'wp-answer' }, el('span', {}, 'Answered by: '), upstream, ' ', tokenBox),
    el('div', { class: 'scroll' }, facts),
    el('div', { class: 'actions' }, localBtn, remoteBtn, status),
    el('div', { class: 'wp-results' }, local, remote),
  );
  panel.hidden = false;
}

start();
