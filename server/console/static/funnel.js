// The Funnel page: how far patients get, for a chosen window, by source or
// by health system, with conversion and time between steps. Written against
// GET /v1/funnel of issue 10; until the server has it the page says so.

import { ApiError, get } from './api.js';
import { el, label } from './format.js';

const $ = (id) => document.getElementById(id);

export function mount() {
  $('funnel-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
}

export function show() { load(); }
export function hide() {}
export function stop() {}

async function load() {
  $('funnel-error').hidden = true;
  const hours = Number($('fn-window').value);
  const end = new Date();
  const start = new Date(end - hours * 3600 * 1000);
  const q = new URLSearchParams({ 'window.startTime': start.toISOString(), 'window.endTime': end.toISOString() });
  if ($('fn-group').value) q.set('groupBy', $('fn-group').value);
  try {
    const res = await get(`/v1/funnel?${q}`);
    render(res);
  } catch (err) {
    const missing = err instanceof ApiError && [404, 405, 501].includes(err.httpStatus);
    $('funnel-error').textContent = missing
      ? 'This server does not compute the funnel yet.'
      : `Could not read the funnel: ${err.message}`;
    $('funnel-error').hidden = false;
  }
}

// render draws one table per group: each step's count, conversion from the
// step before, and p50/p90 time from it.
function render(res) {
  const body = $('funnel-body');
  body.replaceChildren();
  for (const g of res.groups || [res]) {
    const table = el('table', undefined, 'funnel');
    table.append(el('caption', g.key ? label(g.key) : 'All connections'));
    const thead = el('thead');
    const hr = el('tr');
    for (const h of ['Step', 'Count', 'Conversion', 'p50 time', 'p90 time']) hr.append(el('th', h));
    thead.append(hr);
    table.append(thead);
    const tb = el('tbody');
    for (const s of g.steps || []) {
      const tr = el('tr');
      tr.append(el('td', label(s.step || s.name)), el('td', s.count, 'num'),
        el('td', s.conversion === undefined ? '' : `${(s.conversion * 100).toFixed(1)} %`, 'num'),
        el('td', s.p50 || '', 'num'), el('td', s.p90 || '', 'num'));
      tb.append(tr);
    }
    table.append(tb);
    body.append(table);
  }
}
