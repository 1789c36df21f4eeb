// The Sources page: each source's state and why it is degraded, last
// delivery or poll, counts, rejections and dead letters by reason, the
// poller's checkpoint and last error. It refreshes every few seconds while
// it is shown.

import { get } from './api.js';
import { ago, dateTime, el, label, severity, time } from './format.js';

const EVERY = 5000;
const $ = (id) => document.getElementById(id);
let timer = 0;

export function mount() {
  $('sources-refresh').addEventListener('click', refresh);
}

export function show() {
  refresh();
  clearInterval(timer);
  timer = setInterval(refresh, EVERY);
}

export function hide() {
  clearInterval(timer);
  timer = 0;
}

export const stop = hide;

async function refresh() {
  try {
    const res = await get('/v1/sources');
    $('sources-cards').replaceChildren(...res.statuses.map(card));
    $('sources-error').hidden = true;
    $('sources-status').textContent = `Updated ${time(new Date().toISOString())} · every ${EVERY / 1000} s`;
  } catch (err) {
    $('sources-error').textContent = `Could not read the sources: ${err.message}`;
    $('sources-error').hidden = false;
  }
}

function card(s) {
  const art = el('article', undefined, 'card');
  art.dataset.source = s.source;
  const head = el('div', undefined, 'card-head');
  head.append(el('h2', label(s.source)), el('span', label(s.state), `badge ${severity(s.state)}`));
  art.append(head);

  const oneup = s.source === 'SOURCE_ONEUP';
  const dl = el('dl', undefined, 'fields-list');
  const add = (k, v) => dl.append(el('dt', k), el('dd', v === '' ? '—' : v));
  // Set whenever the source has been silent too long, even in ERROR (which
  // the state shows instead, as it says more).
  if (s.degradedReason) add('Degraded because', s.degradedReason);
  add(oneup ? 'Last complete poll' : 'Last accepted delivery', when(s.lastSuccessAt));
  add('Events stored', s.eventsIngested);
  add('Duplicates', s.duplicates);
  if (oneup) add('Checkpoint (next poll reads from)', s.checkpoint ? dateTime(s.checkpoint) : '');
  add('Last error at', when(s.lastErrorAt));
  add('Last error', s.lastError);
  art.append(dl);

  art.append(byReason('Rejections by reason', 'rejections', s.rejectionsByReason));
  // Dead letters were accepted (2xx) but could not be read: they wait for
  // an operator, unlike rejections, which the sender was told about.
  art.append(byReason('Dead letters by reason', 'dead-letters', s.deadLettersByReason));
  if (Object.keys(s.deadLettersByReason || {}).length) {
    art.append(el('p', 'Dead letters are kept for an operator to retry or discard: connevents deadletters list.', 'hint'));
  }
  art.append(el('p', 'Counts are since the server started.', 'hint'));
  return art;
}

// byReason draws counts by reason, largest first, as a table.
function byReason(caption, className, counts) {
  const reasons = Object.entries(counts || {}).sort((a, b) => Number(b[1]) - Number(a[1]));
  const table = el('table', undefined, `by-reason ${className}`);
  table.append(el('caption', caption));
  const head = el('tr');
  head.append(th('Reason'), th('Count'));
  table.append(el('thead'));
  table.tHead.append(head);
  const body = el('tbody');
  for (const [reason, n] of reasons) {
    const tr = el('tr');
    tr.append(el('td', reason), el('td', n, 'num'));
    body.append(tr);
  }
  if (!reasons.length) {
    const tr = el('tr');
    const td = el('td', 'none');
    td.colSpan = 2;
    tr.append(td);
    body.append(tr);
  }
  table.append(body);
  return table;
}

function th(text) {
  const h = el('th', text);
  h.scope = 'col';
  return h;
}

function when(iso) {
  return iso ? `${dateTime(iso)} (${ago(iso)} ago)` : '';
}
