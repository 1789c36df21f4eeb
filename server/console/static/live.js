// The Live page: the event stream as it arrives.
//
// Events are read from POST /v1/events:subscribe (NDJSON), queued, and
// drawn in one batch at most every DRAW_EVERY ms, in an animation frame;
// the newest CAP are kept and only the rows in view are in the page (a
// VirtualTable), so the page keeps up with hundreds of events a second.
// Pause ends the
// subscription and keeps its cursor; Resume reconnects after that cursor,
// so nothing is lost or repeated.

import { ApiError, get, stream } from './api.js';
import {
  checked, el, enums, fillChecks, label, leaves, patientOf, reveal, severity, systemOf, time,
} from './format.js';
import { VirtualTable } from './vtable.js';

export const CAP = 500;
const DRAW_EVERY = 250;

const $ = (id) => document.getElementById(id);

// The fields of a ConnectionEvent whose zero value means "not set", and
// that value: the enums, and the export's total (0 when the vendor says
// none). A search's result count of 0 is data (nothing found).
const UNSET = {
  source: 'SOURCE_UNSPECIFIED', type: 'EVENT_TYPE_UNSPECIFIED', stage: 'STAGE_UNSPECIFIED',
  outcome: 'OUTCOME_UNSPECIFIED', apiMode: 'API_MODE_UNSPECIFIED', 'failure.reason': 'FAILURE_REASON_UNSPECIFIED',
  'export.totalResources': '0',
};

let form, table, statusEl, errorEl;
let controller = null; // the open subscription
let cursor = ''; // the last cursor received
let paused = false;
let pending = []; // events received, not drawn yet
let frame = 0; // a draw is scheduled
let lastDraw = 0;
let count = 0;
let selected = null; // the event in the detail panel
let recent = []; // receive times of the last second, for the rate

export function mount() {
  form = $('live-filters');
  table = new VirtualTable({
    scroller: $('live-list'), table: $('live-table'), cells, rowClass: (ev) => severity(ev.outcome), open: select,
  });
  statusEl = $('live-status');
  errorEl = $('live-error');
  $('live-cap').textContent = CAP;
  fillChecks(form.querySelector('[data-enum=sources]'), enums.sources);
  fillChecks(form.querySelector('[data-enum=stages]'), enums.stages);
  fillChecks(form.querySelector('[data-enum=outcomes]'), enums.outcomes);
  const types = $('f-types');
  for (const t of enums.types) types.append(new Option(label(t), t));

  // On a phone the filters start folded.
  if (matchMedia('(max-width: 800px)').matches) $('live-filter-box').open = false;
  form.addEventListener('submit', (e) => { e.preventDefault(); restart(); });
  form.addEventListener('reset', () => setTimeout(restart));
  $('live-pause').addEventListener('click', togglePause);
  $('live-clear').addEventListener('click', clearRows);
  $('detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('live-detail').hidden && !$('page-live').hidden && !$('auth').open) closeDetail();
  });
  $('detail-raw').addEventListener('click', showRaw);
  setInterval(showRate, 1000);
}

export function show() {
  table.schedule(); // the view's size may have changed while hidden
  if (!controller && !paused) subscribe();
}

export function hide() {}

// stop ends the subscription (the console is signing out).
export function stop() {
  controller?.abort();
  controller = null;
}

function request() {
  const filter = {
    sources: checked(form.querySelector('[data-enum=sources]')),
    stages: checked(form.querySelector('[data-enum=stages]')),
    outcomes: checked(form.querySelector('[data-enum=outcomes]')),
    types: [...$('f-types').selectedOptions].map((o) => o.value),
  };
  const patient = $('f-patient').value.trim();
  const org = $('f-org').value.trim();
  if (patient) filter.patient = patient;
  if (org) filter.orgConnectionId = org;
  if ($('f-mode').value) filter.apiMode = $('f-mode').value;
  if ($('f-after').value) filter.occurredAfter = new Date($('f-after').value).toISOString();
  if ($('f-before').value) filter.occurredBefore = new Date($('f-before').value).toISOString();
  const active = Object.values(filter).filter((v) => (Array.isArray(v) ? v.length : v)).length;
  $('live-filter-count').textContent = active ? `(${active} active)` : '';
  const req = { filter };
  if (cursor) req.startCursor = cursor;
  else req.startPosition = form.querySelector('input[name=start]:checked').value;
  return req;
}

// restart applies the form: a new subscription from the chosen start.
function restart() {
  stop();
  cursor = '';
  paused = false;
  setPauseButton();
  clearRows();
  subscribe();
}

async function subscribe() {
  errorEl.hidden = true;
  if (emptyWindow()) {
    // The server accepts it and sends nothing, ever: say why instead.
    errorEl.textContent = 'Nothing can match: "Occurred after" is not before "Occurred before".';
    errorEl.hidden = false;
    setStatus('Stopped');
    return;
  }
  const ctl = new AbortController();
  controller = ctl;
  let wait = 500;
  while (!ctl.signal.aborted) {
    setStatus('Connecting…');
    try {
      await stream('/v1/events:subscribe', request(), {
        signal: ctl.signal,
        onOpen: () => setStatus('Live'),
        onItem: (item) => { wait = 500; receive(item); },
      });
      setStatus('The server ended the stream; reconnecting…');
    } catch (err) {
      if (ctl.signal.aborted) return;
      if (err instanceof ApiError && !retryable(err)) {
        if (err.reason.startsWith('CURSOR_')) cursor = '';
        showError(err);
        setStatus('Stopped');
        controller = null;
        return;
      }
      setStatus(`Disconnected (${err.reason || err.message}); reconnecting…`);
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 10000);
  }
}

// emptyWindow: the occurred-after time (inclusive) is not before the
// occurred-before time (exclusive), so no event can match.
function emptyWindow() {
  const after = $('f-after').value;
  const before = $('f-before').value;
  return Boolean(after && before) && new Date(after) >= new Date(before);
}

function retryable(err) {
  return err.httpStatus === 429 || err.httpStatus >= 500 || !err.httpStatus;
}

function receive(item) {
  cursor = item.cursor;
  if (item.checkpoint) {
    setStatus(`Live · checkpoint ${time(item.checkpoint.time)}`);
    return;
  }
  count++;
  recent.push(performance.now());
  pending.push(item.event);
  if (pending.length > CAP) pending.splice(0, pending.length - CAP);
  if (!frame) {
    // At most one draw per DRAW_EVERY ms, in an animation frame: a person
    // cannot read faster, and each draw repaints the visible list.
    const wait = Math.max(0, lastDraw + DRAW_EVERY - performance.now());
    frame = setTimeout(() => requestAnimationFrame(draw), wait);
  }
}

// draw puts the events queued since the last draw at the top of the list.
function draw() {
  frame = 0;
  lastDraw = performance.now();
  const batch = pending.reverse();
  pending = [];
  table.prepend(batch, CAP);
  $('live-count').textContent = count;
  $('live-empty').hidden = table.items.length > 0;
}

function cells(ev) {
  const sev = severity(ev.outcome);
  return [
    [time(ev.receivedAt), 'num'],
    [ev.sequence, 'num opt'],
    [label(ev.source)],
    [label(ev.type) || ev.sourceEventType],
    [label(ev.stage), 'wide'],
    [label(ev.outcome), `opt ${sev}`],
    [patientOf(ev), 'phi'],
    [systemOf(ev), 'wide'],
  ];
}

function clearRows() {
  pending = [];
  table.set([]);
  count = 0;
  recent = [];
  $('live-count').textContent = '0';
  $('live-empty').hidden = false;
}

function select(ev) {
  selected = ev;
  table.select(ev);
  const panel = $('live-detail');
  $('detail-h').textContent = `#${ev.sequence} ${label(ev.type) || ev.sourceEventType}`;
  const dl = $('detail-fields');
  dl.replaceChildren();
  for (const [k, v] of leaves(ev, UNSET)) dl.append(el('dt', k), el('dd', v));
  $('detail-raw').hidden = false;
  $('detail-raw-body').hidden = true;
  $('detail-raw-body').textContent = '';
  $('detail-raw-error').hidden = true;
  panel.hidden = false;
  reveal(panel, $('detail-close'));
}

function closeDetail() {
  $('live-detail').hidden = true;
  selected = null;
  table.select(null);
  $('live-table').focus();
}

async function showRaw() {
  const ev = selected;
  if (!ev) return;
  const pre = $('detail-raw-body');
  try {
    const res = await get(`/v1/events/${encodeURIComponent(ev.id)}?view=EVENT_VIEW_FULL`);
    if (selected !== ev) return;
    pre.textContent = decodeRaw(res.event.raw);
    pre.hidden = false;
    $('detail-raw').hidden = true;
    pre.focus();
  } catch (err) {
    $('detail-raw-error').textContent = `Could not load the raw payload: ${err.message}`;
    $('detail-raw-error').hidden = false;
  }
}

// decodeRaw turns the base64 bytes into text, pretty-printed when JSON.
function decodeRaw(b64) {
  const bytes = Uint8Array.from(atob(b64 || ''), (c) => c.charCodeAt(0));
  const text = new TextDecoder().decode(bytes);
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

function togglePause() {
  paused = !paused;
  setPauseButton();
  if (paused) {
    stop();
    setStatus('Paused');
  } else {
    subscribe();
  }
}

function setPauseButton() {
  const b = $('live-pause');
  b.textContent = paused ? 'Resume' : 'Pause';
  b.setAttribute('aria-pressed', String(paused));
}

function setStatus(text) { statusEl.textContent = text; }

function showError(err) {
  errorEl.textContent = `${err.message}${err.reason ? ` (${err.reason})` : ''}`;
  errorEl.hidden = false;
}

function showRate() {
  const now = performance.now();
  recent = recent.filter((t) => now - t < 1000);
  $('live-rate').textContent = recent.length;
}
