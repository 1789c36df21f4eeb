// The Funnel page: how far patients and their connections got in a chosen
// window, as one chart (a bar per step and group) and a table per group
// with the conversion between consecutive steps and the time between them
// (p50 and p90), from GET /v1/funnel. The window and grouping are not
// personal data, so the request is a GET.
//
// The chart is Chart.js (vendor/), loaded as a classic UMD script that
// defines window.Chart; animation is off so the chart is drawn at once.

import { ApiError, get } from './api.js';
import { duration, el, label } from './format.js';
import './vendor/chart-4.6.1.umd.min.js';

const $ = (id) => document.getElementById(id);

// The chain of steps, each with the funnel field that counts it.
export const STEPS = [
  ['FUNNEL_STEP_SEARCHED', 'Searched (patients)', 'patientsSearched'],
  ['FUNNEL_STEP_SELECTED', 'Selected (patients)', 'patientsSelected'],
  ['FUNNEL_STEP_AUTHORIZED', 'Authorized', 'authorized'],
  ['FUNNEL_STEP_TRANSFER_STARTED', 'Transfer started', 'transferStarted'],
  ['FUNNEL_STEP_COMPLETED', 'Completed', 'completed'],
];
// Where connections ended up other than completed.
const OUTCOMES = [
  ['Connections', 'connections'], ['Declined', 'declined'], ['Connection failed', 'connectionFailed'],
  ['Transfer failed', 'transferFailed'], ['Stalled', 'stalled'], ['Revoked', 'revoked'],
  ['Asked for an unlisted system (patients)', 'patientsRequested'],
];
// Colour-blind-safe (Okabe–Ito) colours, one per group in the chart.
const COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];
const MAX_GROUPS = COLOURS.length;

let chart = null;
let controller = null;

export function mount() {
  $('funnel-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  $('fn-window').addEventListener('change', load);
  $('fn-group').addEventListener('change', load);
}

export function show() { load(); }
export function hide() {}
export function stop() { controller?.abort(); controller = null; }

async function load() {
  stop();
  const ctl = new AbortController();
  controller = ctl;
  $('funnel-error').hidden = true;
  $('funnel-status').textContent = 'Loading…';
  const hours = Number($('fn-window').value);
  const end = new Date();
  const start = new Date(end - hours * 3600 * 1000);
  const q = new URLSearchParams({ startTime: start.toISOString(), endTime: end.toISOString() });
  if ($('fn-group').value) q.set('groupBy', $('fn-group').value);
  try {
    const res = await get(`/v1/funnel?${q}`, { signal: ctl.signal });
    render(res.funnels || []);
    $('funnel-status').textContent = `${$('fn-window').selectedOptions[0].text}, to ${end.toLocaleString()}`;
  } catch (err) {
    if (ctl.signal.aborted) return;
    const missing = err instanceof ApiError && [404, 405, 501].includes(err.httpStatus);
    $('funnel-error').textContent = missing
      ? 'This server does not compute the funnel.'
      : `Could not read the funnel: ${err.message}`;
    $('funnel-error').hidden = false;
    $('funnel-status').textContent = '';
  }
}

// groupName names a group as the page shows it.
function groupName(f) {
  if ($('fn-group').value === 'FUNNEL_GROUP_BY_SOURCE') return label(f.group) || 'unknown source';
  if ($('fn-group').value === 'FUNNEL_GROUP_BY_HEALTH_SYSTEM') return f.groupName || f.group || 'unknown health system';
  return 'All connections';
}

function render(funnels) {
  const empty = funnels.length === 0;
  $('funnel-empty').hidden = !empty;
  $('funnel-chart-box').hidden = empty;
  drawChart(funnels.slice(0, MAX_GROUPS));
  $('funnel-more').hidden = funnels.length <= MAX_GROUPS;
  $('funnel-more').textContent = `The chart shows the ${MAX_GROUPS} groups with the most connections; the tables show all ${funnels.length}.`;
  $('funnel-tables').replaceChildren(...funnels.map(table));
}

function drawChart(funnels) {
  const data = {
    labels: STEPS.map(([, name]) => name),
    datasets: funnels.map((f, i) => ({
      label: groupName(f),
      data: STEPS.map(([, , field]) => Number(f[field] || 0)),
      backgroundColor: COLOURS[i],
    })),
  };
  if (chart) {
    chart.data = data;
    chart.update('none');
    return;
  }
  chart = new window.Chart($('funnel-chart'), {
    type: 'bar',
    data,
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

// table shows one group: each step's count, the conversion from the step
// before (blank when no one reached it) and the time it took (p50, p90, over how many connections), then
// where the other connections ended up.
function table(f) {
  const t = el('table', undefined, 'funnel');
  t.dataset.group = f.group;
  t.append(el('caption', groupName(f)));
  const head = el('tr');
  for (const h of ['Step', 'Count', 'Conversion', 'p50 time', 'p90 time', 'Timed']) {
    const th = el('th', h);
    th.scope = 'col';
    head.append(th);
  }
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  STEPS.forEach(([step, name, field], i) => {
    const tr = el('tr');
    tr.dataset.step = step;
    const c = i > 0 ? (f.conversions || []).find((x) => x.toStep === step) : null;
    const th = el('th', name);
    th.scope = 'row';
    tr.append(th, el('td', String(Number(f[field] || 0)), 'num'));
    // No conversion from a step no one reached (the API says 0).
    const from = i > 0 ? Number(f[STEPS[i - 1][2]] || 0) : 0;
    const rate = el('td', c && from ? `${(c.rate * 100).toFixed(1)} %` : '', 'num rate');
    const p50 = el('td', c && Number(c.timed) ? duration(c.p50) : '', 'num p50');
    const p90 = el('td', c && Number(c.timed) ? duration(c.p90) : '', 'num p90');
    if (c && Number(c.timed)) { p50.dataset.seconds = parseFloat(c.p50); p90.dataset.seconds = parseFloat(c.p90); }
    tr.append(rate, p50, p90, el('td', c ? String(Number(c.timed || 0)) : '', 'num'));
    tbody.append(tr);
  });
  const other = el('tbody', undefined, 'outcomes');
  for (const [name, field] of OUTCOMES) {
    const tr = el('tr');
    tr.dataset.field = field;
    const th = el('th', name);
    th.scope = 'row';
    tr.append(th, el('td', String(Number(f[field] || 0)), 'num'));
    other.append(tr);
  }
  t.append(thead, tbody, other);
  return t;
}
