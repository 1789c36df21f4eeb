// The Connections page: patient connection journeys, most recent activity
// first, with status, stage, step, health system and the age of the last
// step; stalled and failed journeys stand out. A journey opens to its
// timeline. Changes arrive live from the journeys stream.
//
// Written against the journeys API of issue 10 (`connections`,
// `CONNECTION_STATUS_*`); filters travel in JSON bodies (POST
// /v1/connections:search and :subscribe) so that a patient never appears
// in a URL. Until the server has that API the page says so.

import { ApiError, get, post, stream } from './api.js';
import { ago, checked, el, enums, fillChecks, label, leaves, patientOf, severity, systemOf, time } from './format.js';

const $ = (id) => document.getElementById(id);
const PAGE = 100;

let form;
let controller = null;
let nextPage = '';
const shown = new Map(); // connection id → row

export function mount() {
  form = $('conn-filters');
  if (matchMedia('(max-width: 800px)').matches) form.closest('details').open = false;
  fillChecks(form.querySelector('[data-enum=statuses]'), enums.statuses);
  fillChecks(form.querySelector('[data-enum=conn-sources]'), enums.sources);
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  form.addEventListener('reset', () => setTimeout(load));
  $('conn-more').addEventListener('click', () => load(nextPage));
  $('conn-rows').addEventListener('click', (e) => { const tr = e.target.closest('tr'); if (tr) open(tr.dataset.id); });
  $('conn-rows').addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr');
    if (tr && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(tr.dataset.id); }
  });
  $('conn-detail-close').addEventListener('click', () => { $('conn-detail').hidden = true; });
}

export function show() { if (!controller) load(); }
export function hide() {}
export function stop() { controller?.abort(); controller = null; }

function filter() {
  const f = {
    statuses: checked(form.querySelector('[data-enum=statuses]')),
    sources: checked(form.querySelector('[data-enum=conn-sources]')),
  };
  const patient = $('c-patient').value.trim();
  const system = $('c-system').value.trim();
  const stalled = $('c-stalled').value.trim();
  if (patient) f.patient = patient;
  if (system) f.healthSystem = system;
  if (stalled) f.stalledFor = /^\d+$/.test(stalled) ? `${stalled}s` : toSeconds(stalled);
  return f;
}

// toSeconds turns `2h`, `90m`, `1d` into the JSON Duration `7200s`.
function toSeconds(text) {
  const m = /^(\d+)\s*([smhd])$/.exec(text);
  if (!m) return text;
  return `${Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2]]}s`;
}

async function load(pageToken = '') {
  stop();
  $('conn-error').hidden = true;
  $('conn-status').textContent = 'Loading…';
  const started = performance.now();
  try {
    const res = await post('/v1/connections:search', { filter: filter(), pageSize: PAGE, pageToken });
    if (!pageToken) { shown.clear(); $('conn-rows').replaceChildren(); }
    const frag = document.createDocumentFragment();
    for (const c of res.connections || []) frag.append(upsert(c, false));
    $('conn-rows').append(frag);
    nextPage = res.nextPageToken || '';
    $('conn-more').hidden = !nextPage;
    $('conn-status').textContent = `${shown.size} connections · ${Math.round(performance.now() - started)} ms`;
    follow();
  } catch (err) {
    unavailable(err);
  }
}

function unavailable(err) {
  const missing = err instanceof ApiError && [404, 405, 501].includes(err.httpStatus);
  $('conn-error').textContent = missing
    ? 'This server does not serve connection journeys yet.'
    : `Could not read the connections: ${err.message}`;
  $('conn-error').hidden = false;
  $('conn-status').textContent = '';
}

// follow applies each journey change as it happens.
async function follow() {
  const ctl = new AbortController();
  controller = ctl;
  try {
    await stream('/v1/connections:subscribe', { filter: filter() }, {
      signal: ctl.signal,
      onItem: (item) => {
        const c = item.connection;
        if (!c) return;
        const tr = upsert(c, true);
        if (!tr.isConnected) $('conn-rows').prepend(tr);
      },
    });
  } catch (err) {
    if (!ctl.signal.aborted) $('conn-status').textContent = `Live updates stopped: ${err.reason || err.message}`;
  }
}

function upsert(c, live) {
  const tr = document.createElement('tr');
  tr.tabIndex = 0;
  tr.dataset.id = c.id;
  const sev = severity(c.status);
  if (sev) tr.className = sev;
  const last = c.lastEventAt || c.lastStepAt || c.updatedAt;
  tr.append(
    el('td', label(c.status), `badge-cell ${sev}`),
    el('td', label(c.stage)),
    el('td', label(c.step || c.currentStep || c.lastType)),
    el('td', systemOf(c)),
    el('td', label(c.source), 'wide'),
    el('td', last ? `${ago(last)} ago` : ''),
    el('td', patientOf(c), 'phi'),
  );
  const old = shown.get(c.id);
  if (old && live) old.replaceWith(tr);
  shown.set(c.id, tr);
  return tr;
}

async function open(id) {
  try {
    const res = await get(`/v1/connections/${encodeURIComponent(id)}`);
    const c = res.connection || res;
    const dl = $('conn-fields');
    dl.replaceChildren();
    for (const [k, v] of leaves({ ...c, events: undefined })) dl.append(el('dt', k), el('dd', v));
    const ol = $('conn-timeline');
    ol.replaceChildren();
    for (const ev of res.events || c.events || []) {
      const li = el('li', undefined, severity(ev.outcome));
      li.append(el('time', time(ev.occurredAt)), ` ${label(ev.type) || ev.sourceEventType}`);
      ol.append(li);
    }
    $('conn-detail').hidden = false;
    $('conn-detail-close').focus();
  } catch (err) {
    unavailable(err);
  }
}
