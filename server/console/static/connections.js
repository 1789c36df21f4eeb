// The Connections page: patient connection journeys, latest activity first,
// with status, stage, current step, health system and the age of the last
// step; stalled and failed journeys stand out. A journey opens to its steps
// and its events in order (GET /v1/connections/{id}: the id is opaque, not
// a patient identifier). Changes arrive live from the journeys stream.
//
// The server filters a subscription by each journey's new state, so it
// never says that a journey left the filter: the page subscribes by source
// alone (a journey's source never changes) and applies the list's filter
// to each change itself. A stalled journey that is not yet stalled for as
// long as asked is waited for: time, not a change, makes it match.
//
// Filters travel in JSON bodies (POST /v1/connections:search), so a
// patient never appears in a URL.

import { ApiError, get, post, stream } from './api.js';
import {
  ago, checked, dateTime, el, enums, fillChecks, label, patientOf, reveal, severity, systemOf, time,
} from './format.js';

const $ = (id) => document.getElementById(id);
const PAGE = 100;
const STALLING_PAGE = 1000; // the most stalled journeys waited for (the API's largest page)
const STALLED = 'CONNECTION_STATUS_STALLED';
const LONGEST_TIMER = 2 ** 31 - 1; // ms; a longer setTimeout fires at once
const AGES = 10000;
// Reconnecting waits RETRY, then twice as long each time up to RETRY_MAX:
// a restart is over in seconds, a longer outage is not hammered.
const RETRY = 1000;
const RETRY_MAX = 8000;

let form;
let controller = null;
let nextPage = '';
let openId = '';
let ageTimer = 0;
let generation = 0;
let cursor = ''; // the subscription's last cursor: a reconnection resumes after it
let listed = {}; // the filter of the list shown: its pages and changes follow it, not the form's edits
let skew = 0; // the server's clock minus this one (from checkpoints), which stalled-for is measured on
const due = new Map(); // connection id → timer: a stalled journey that will match stalled-for
const shown = new Map(); // connection id → row

// The step times of a journey, in the chain's order.
const STEP_TIMES = [
  ['searchedAt', 'searched for a health system'], ['selectedAt', 'selected the health system'],
  ['requestedAt', 'asked for an unlisted health system'], ['authorizedAt', 'authorized sharing'],
  ['declinedAt', 'declined sharing'], ['connectionFailedAt', 'connection failed'],
  ['transferStartedAt', 'transfer started'], ['completedAt', 'transfer completed'],
  ['transferFailedAt', 'transfer failed'], ['revokedAt', 'authorization revoked'],
];

export function mount() {
  form = $('conn-filters');
  if (matchMedia('(max-width: 800px)').matches) form.closest('details').open = false;
  fillChecks(form.querySelector('[data-enum=statuses]'), enums.statuses);
  fillChecks(form.querySelector('[data-enum=conn-sources]'), enums.sources);
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  form.addEventListener('reset', () => setTimeout(load));
  $('conn-more').addEventListener('click', () => load(nextPage));
  const rows = $('conn-rows');
  rows.addEventListener('click', (e) => { const tr = e.target.closest('tr'); if (tr) open(tr.dataset.id); });
  rows.addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr');
    if (!tr) return;
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(tr.dataset.id); }
    if (e.key === 'ArrowDown') { e.preventDefault(); tr.nextElementSibling?.focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); tr.previousElementSibling?.focus(); }
  });
  $('conn-detail-close').addEventListener('click', close);
  $('conn-detail').addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
}

export function show() {
  if (!controller) load();
  clearInterval(ageTimer);
  ageTimer = setInterval(refreshAges, AGES);
}
export function hide() { clearInterval(ageTimer); }
export function stop() { halt(); forget(); }

// halt ends the subscription and whatever load is under way.
function halt() { generation++; controller?.abort(); controller = null; }

// forget stops waiting for stalled journeys.
function forget() {
  for (const t of due.values()) clearTimeout(t);
  due.clear();
}

// filter reads the form into a ConnectionFilter.
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
  if (stalled) f.stalledFor = toSeconds(stalled);
  return f;
}

// toSeconds turns `90`, `2h`, `90m`, `1d` into the JSON Duration `7200s`;
// anything else goes as typed, and the server says what is wrong with it.
function toSeconds(text) {
  const m = /^(\d+)\s*([smhd]?)$/.exec(text);
  if (!m) return text;
  return `${Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]]}s`;
}

// load reads the first page (or the next one) and follows the changes
// from then; retry is how long to wait before trying again if the server
// cannot be reached.
async function load(pageToken = '', retry = RETRY) {
  halt();
  const gen = generation;
  $('conn-error').hidden = true;
  $('conn-status').textContent = 'Loading…';
  const started = performance.now();
  if (!pageToken) {
    forget();
    listed = filter();
  }
  try {
    const [res, stalling] = await Promise.all([
      post('/v1/connections:search', { filter: listed, pageSize: PAGE, pageToken }),
      pageToken ? [] : stallingFor(listed),
    ]);
    if (gen !== generation) return;
    if (!pageToken) { shown.clear(); $('conn-rows').replaceChildren(); }
    for (const c of stalling) if (!matches(listed, c)) later(c);
    const frag = document.createDocumentFragment();
    for (const c of res.connections || []) {
      if (!shown.has(c.id)) frag.append(row(c));
    }
    $('conn-rows').append(frag);
    nextPage = res.nextPageToken || '';
    $('conn-more').hidden = !nextPage;
    $('conn-empty').hidden = shown.size > 0;
    count(`${Math.round(performance.now() - started)} ms`);
    if (!pageToken) cursor = ''; // a next page resumes the changes where they were
    follow(gen);
  } catch (err) {
    if (gen !== generation) return;
    if (pageToken || !retryable(err)) {
      failed(err);
      return;
    }
    // The server is away (restarting, unreachable): the list stays as it
    // was, and the page says so and tries again.
    reconnecting(err, retry);
    setTimeout(() => { if (gen === generation) load('', Math.min(retry * 2, RETRY_MAX)); }, retry);
  }
}

// retryable: a failure that trying again can cure (no answer, overload,
// a server error), not a refused key or filter.
function retryable(err) {
  return !(err instanceof ApiError) || err.httpStatus === 429 || err.httpStatus >= 500;
}

function reconnecting(err, wait) {
  $('conn-status').textContent = `Disconnected (${err.reason || err.message}); reconnecting in ${wait / 1000} s…`;
}

function count(extra = '') {
  const more = nextPage ? ' (more below)' : '';
  const n = shown.size;
  $('conn-status').textContent = `${n} connection${n === 1 ? '' : 's'}${more}${extra ? ` · ${extra}` : ''} · live`;
}

function failed(err) {
  const missing = err instanceof ApiError && [404, 405, 501].includes(err.httpStatus);
  $('conn-error').textContent = missing
    ? 'This server does not serve connection journeys.'
    : `Could not read the connections: ${err.reason ? `${err.reason}: ` : ''}${err.message}`;
  $('conn-error').hidden = false;
  $('conn-status').textContent = '';
}

// follow applies each journey change from now on: the changed journey moves
// to the top (its latest activity is the newest), or appears there. When
// the stream ends or fails (a restart, a slow page), it resubscribes after
// the last cursor, waiting longer each time, so no change is missed.
async function follow(gen) {
  const ctl = new AbortController();
  controller = ctl;
  let wait = RETRY;
  while (!ctl.signal.aborted && gen === generation) {
    try {
      await stream('/v1/connections:subscribe', subscription(), {
        signal: ctl.signal,
        onOpen: () => { wait = RETRY; count(); },
        onItem: receive,
      });
      if (ctl.signal.aborted) return;
      reconnecting(new Error('the server ended the stream'), wait);
    } catch (err) {
      if (ctl.signal.aborted || gen !== generation) return;
      if (err instanceof ApiError && err.reason.startsWith('CURSOR_')) {
        // The changes after the cursor are gone (retention): read afresh.
        load();
        return;
      }
      if (!retryable(err)) {
        failed(err);
        return;
      }
      reconnecting(err, wait);
    }
    await new Promise((r) => { setTimeout(r, wait); });
    wait = Math.min(wait * 2, RETRY_MAX);
  }
}

// subscription is the request that follows the list: every change of the
// list's sources and, when the list names them, of its patient or health
// system (what identifies a journey: the server sends, and records in the
// access log, no other patient's changes), after the last cursor once
// there is one. Whether a change still matches the status and stall
// filters, which a journey leaves as it moves on, is for change to say.
function subscription() {
  const f = { sources: listed.sources };
  if (listed.patient) f.patient = listed.patient;
  if (listed.healthSystem) f.healthSystem = listed.healthSystem;
  const req = { filter: f };
  if (cursor) req.startCursor = cursor;
  else req.startPosition = 'START_POSITION_LATEST';
  return req;
}

// receive takes one item of the subscription.
function receive(item) {
  cursor = item.cursor || cursor;
  if (item.checkpoint) skew = Date.parse(item.checkpoint.time) - Date.now();
  if (item.connection) change(item.connection);
}

// change applies a journey's new state: it moves to the top if it matches
// the list's filter, else it leaves the list (an open journey's panel
// stays, showing the new state) and may be waited for.
function change(c) {
  clearTimeout(due.get(c.id));
  due.delete(c.id);
  if (matches(listed, c)) {
    put(c);
  } else {
    shown.get(c.id)?.remove();
    shown.delete(c.id);
    later(c);
  }
  $('conn-empty').hidden = shown.size > 0;
  count();
  if (c.id === openId) open(c.id, false);
}

// put draws a journey at the top, in place of its row if it has one.
function put(c) {
  shown.get(c.id)?.remove();
  $('conn-rows').prepend(row(c));
}

function serverNow() { return Date.now() + skew; }

// matches applies a ConnectionFilter, the fields the form sets, to a
// journey as the server does (its reference is matchJourney in
// server/store/storetest): each field set must match, a list by any of
// its values, identifiers exactly; stalledFor keeps journeys STALLED at
// least that long before the server's now.
function matches(f, c, now = serverNow()) {
  const p = c.patient || {};
  const h = c.healthSystem || {};
  const anyOf = (want, got) => !want?.length || want.includes(got);
  return anyOf(f.sources, c.source) && anyOf(f.statuses, c.status)
    && (!f.patient || [p.externalId, p.oneupUserId, p.fhirPatientReference, p.externalState].includes(f.patient))
    && (!f.healthSystem || [h.endpointId, h.portalId, h.brandId, h.tefcaDirectoryId, h.orgId, h.oneupSystemId, h.name]
      .includes(f.healthSystem))
    && (f.stalledFor === undefined
      || (c.status === STALLED && Date.parse(c.stallAt) <= now - parseFloat(f.stalledFor) * 1000));
}

// later waits for a journey that matches all but stalledFor, stalled for
// less than that, to have been stalled long enough; then it is put at the
// top, as a change would be. A change of the journey meanwhile cancels it.
function later(c) {
  const d = listed.stalledFor;
  if (d === undefined || c.status !== STALLED || !matches({ ...listed, stalledFor: undefined }, c)) return;
  const wait = Date.parse(c.stallAt) + parseFloat(d) * 1000 - serverNow();
  due.set(c.id, setTimeout(() => {
    due.delete(c.id);
    if (!matches(listed, c)) { later(c); return; } // the server's clock said otherwise
    put(c);
    $('conn-empty').hidden = true;
    count();
  }, Math.min(Math.max(0, wait), LONGEST_TIMER)));
}

// stallingFor reads, for a filter with stalledFor, the stalled journeys
// that match the rest of it (the most recently active STALLING_PAGE): those
// stalled for less than asked will match later, with no change to say so.
async function stallingFor(f) {
  if (f.stalledFor === undefined || (f.statuses.length && !f.statuses.includes(STALLED))) return [];
  const stalled = { ...f, statuses: [STALLED] };
  delete stalled.stalledFor;
  const res = await post('/v1/connections:search', { filter: stalled, pageSize: STALLING_PAGE });
  return res.connections || [];
}

// row draws one journey.
function row(c) {
  const tr = el('tr');
  tr.tabIndex = 0;
  tr.dataset.id = c.id;
  tr.dataset.status = c.status;
  const sev = severity(c.status);
  if (sev) tr.className = sev;
  const status = el('td', undefined, 'status-cell');
  status.append(el('span', label(c.status), `badge ${sev}`));
  if (c.status === STALLED && c.stallAt) status.append(age('span', c.stallAt, 'since', ' for '));
  if (c.status === 'CONNECTION_STATUS_FAILED' && c.failureReason && !/UNSPECIFIED/.test(c.failureReason)) {
    status.append(el('span', ` ${label(c.failureReason)}`, 'since'));
  }
  const at = c.currentStepAt || c.lastEventAt;
  const stepAge = age('td', at, 'age num');
  if (at) stepAge.title = dateTime(at);
  tr.append(
    status,
    el('td', label(c.stage), 'wide'),
    el('td', label(c.currentStep)),
    el('td', systemOf(c), 'system'),
    el('td', label(c.source), 'wide'),
    stepAge,
    el('td', patientOf(c), 'phi'),
  );
  shown.set(c.id, tr);
  return tr;
}

// age makes an element that says how long ago at was, after prefix;
// refreshAges keeps it up to date.
function age(tag, at, className, prefix = '') {
  const e = el(tag, at ? prefix + ago(at) : '', className);
  if (at) {
    e.dataset.at = at;
    e.dataset.prefix = prefix;
  }
  return e;
}

function refreshAges() {
  for (const e of $('conn-rows').querySelectorAll('[data-at]')) e.textContent = e.dataset.prefix + ago(e.dataset.at);
}

function close() {
  const was = openId;
  openId = '';
  $('conn-detail').hidden = true;
  for (const tr of $('conn-rows').querySelectorAll('tr[aria-selected]')) tr.removeAttribute('aria-selected');
  shown.get(was)?.focus();
}

// open shows a journey: its state, its steps by time, and its events in
// the order its state is derived from.
async function open(id, focus = true) {
  openId = id;
  for (const tr of $('conn-rows').querySelectorAll('tr[aria-selected]')) tr.removeAttribute('aria-selected');
  shown.get(id)?.setAttribute('aria-selected', 'true');
  try {
    const res = await get(`/v1/connections/${encodeURIComponent(id)}`);
    if (id !== openId) return;
    const c = res.connection;
    const dl = $('conn-fields');
    dl.replaceChildren();
    const add = (k, v) => { if (v) dl.append(el('dt', k), el('dd', v)); };
    add('Status', label(c.status) + (c.status === 'CONNECTION_STATUS_STALLED' ? ` since ${dateTime(c.stallAt)}` : ''));
    add('Stage', label(c.stage));
    add('Current step', `${label(c.currentStep)} · ${dateTime(c.currentStepAt)}`);
    if (c.failureReason && !/UNSPECIFIED/.test(c.failureReason)) add('Failure reason', label(c.failureReason));
    if (c.status === 'CONNECTION_STATUS_IN_PROGRESS') add('Stalls at', dateTime(c.stallAt));
    add('Source', label(c.source));
    add('Health system', systemOf(c));
    add('Patient', patientOf(c));
    add('Org connection', c.connection?.orgConnectionId);
    add('Platform', c.connection?.platformType);
    add('API mode', /UNSPECIFIED/.test(c.apiMode || '') ? '' : label(c.apiMode));
    add('Events', c.eventCount);
    if (Number(c.resourcesIngested)) add('Resources ingested', c.resourcesIngested);
    if (Number(c.resourceRetrievalFailures)) add('Resources not retrieved', c.resourceRetrievalFailures);
    add('First event', dateTime(c.firstEventAt));
    add('Journey id', c.id);

    const steps = STEP_TIMES.filter(([k]) => c.stepTimes?.[k])
      .map(([k, name]) => [c.stepTimes[k], name])
      .sort((a, b) => new Date(a[0]) - new Date(b[0]));
    $('conn-steps').replaceChildren(...steps.map(([at, name]) => {
      const li = el('li', undefined, severity(name.replace(/ /g, '_').toUpperCase()));
      li.append(el('time', dateTime(at)), ` ${name}`);
      return li;
    }));
    $('conn-timeline').replaceChildren(...(res.events || []).map((ev) => {
      const li = el('li', undefined, severity(ev.outcome));
      li.dataset.type = ev.type;
      li.append(el('time', time(ev.occurredAt)), ` ${label(ev.type) || ev.sourceEventType}`);
      if (ev.outcome && !/UNSPECIFIED/.test(ev.outcome)) li.append(el('span', ` · ${label(ev.outcome)}`, 'since'));
      if (ev.sourceEventType) li.append(el('span', ` (${ev.sourceEventType})`, 'since'));
      return li;
    }));
    $('conn-detail').hidden = false;
    if (focus) reveal($('conn-detail'), $('conn-detail-close'));
  } catch (err) {
    if (id === openId) failed(err);
  }
}
