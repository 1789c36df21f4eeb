// A seeded scenario of connection journeys, and what the funnel must say
// about it, computed here from what is sent (not read back from the
// server): the expectations of journeys.test.mjs, and the demo's data.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { connectionData, delivery, repo, sendFasten } from './harness.mjs';

// The 1upHealth AuditEvent sample (server/oneup/testdata/events) of each step.
const ONEUP_TEMPLATES = {
  searched: 'system-search-results', selected: 'system-selected', authorized: 'member-authorization-success',
  declined: 'member-authorization-declined-details', transferStarted: 'data-transfer-initiated',
  completed: 'member-data-ingestion-completed',
};
// The Fasten delivery type of each step.
const FASTEN_TYPES = {
  authorized: 'patient.connection_success', completed: 'patient.ehi_export_success',
  transferFailed: 'patient.ehi_export_failed',
};
const FASTEN_DATA = {
  completed: { task_id: 'ehi_export_2f6b9c1d', stats: { total_resources: 1234 } },
  transferFailed: { failure_reason: 'token_refresh_failure', task_id: 'ehi_export_77a1' },
};
// The event type each step is stored as.
export const EVENT_TYPES = {
  searched: 'EVENT_TYPE_SYSTEM_SEARCHED', selected: 'EVENT_TYPE_SYSTEM_SELECTED',
  authorized: 'EVENT_TYPE_CONNECTION_AUTHORIZED', declined: 'EVENT_TYPE_CONNECTION_DECLINED',
  transferStarted: 'EVENT_TYPE_DATA_TRANSFER_STARTED', completed: 'EVENT_TYPE_DATA_TRANSFER_COMPLETED',
  transferFailed: 'EVENT_TYPE_DATA_TRANSFER_FAILED',
};

const SYSTEMS = [['4706', 'Humana'], ['9013', 'Aetna'], ['5120', 'Kaiser Permanente']];
const ONEUP_PATTERNS = [
  ['searched', 'selected', 'authorized', 'transferStarted', 'completed'],
  ['searched', 'selected', 'authorized', 'transferStarted'],
  ['searched', 'selected', 'authorized'],
  ['searched', 'selected', 'declined'],
  ['searched'],
  ['searched', 'selected', 'authorized', 'transferStarted', 'completed'],
];
const FASTEN_PATTERNS = [['authorized', 'completed'], ['authorized'], ['authorized', 'transferFailed']];

// journeys returns oneup + fasten journeys whose steps start at base and
// are spaced differently for each journey (so percentiles mean something):
// {source, patient, system, systemName, steps: [[step, Date]]}.
export function journeys({ base, oneup = 6, fasten = 3, tag = 'seed' }) {
  const out = [];
  const gap = { selected: 20, authorized: 60, declined: 45, transferStarted: 30, completed: 300, transferFailed: 200 };
  const grow = { selected: 7, authorized: 13, declined: 3, transferStarted: 5, completed: 41, transferFailed: 17 };
  for (let i = 0; i < oneup; i++) {
    const [system, systemName] = SYSTEMS[i % SYSTEMS.length];
    let at = new Date(base.getTime() + i * 1000);
    const steps = ONEUP_PATTERNS[i % ONEUP_PATTERNS.length].map((step, k) => {
      if (k > 0) at = new Date(at.getTime() + (gap[step] + grow[step] * i) * 1000);
      return [step, at];
    });
    out.push({ source: 'SOURCE_ONEUP', patient: `${tag}-oneup-user-${1000 + i}`, system, systemName, steps });
  }
  for (let i = 0; i < fasten; i++) {
    let at = new Date(base.getTime() + (oneup + i) * 1000);
    const steps = FASTEN_PATTERNS[i % FASTEN_PATTERNS.length].map((step, k) => {
      if (k > 0) at = new Date(at.getTime() + (gap[step] + grow[step] * i) * 1000);
      return [step, at];
    });
    out.push({ source: 'SOURCE_FASTEN', patient: `fasten-${tag}-patient-${2000 + i}`, steps });
  }
  return out;
}

let seq = 0;

// auditEvent fills a sample AuditEvent with a user, a health system and a time.
async function auditEvent(step, j, at) {
  const file = path.join(repo, 'server/oneup/testdata/events', `${ONEUP_TEMPLATES[step]}.json`);
  const ae = JSON.parse(await readFile(file, 'utf8'));
  ae.id = `seed-${process.pid}-${seq++}`;
  ae.recorded = at.toISOString();
  if (ae.meta) ae.meta.lastUpdated = ae.recorded;
  const patient = ae.agent.find((a) => a.requestor);
  patient.name = `1up-user-${j.patient}`; // the user id follows 1upHealth's prefix
  patient.who.reference = `Patient/${j.patient}`;
  const custodian = ae.agent.find((a) => !a.requestor);
  custodian.altId = j.system;
  custodian.name = j.systemName;
  for (const e of ae.entity || []) if (e.what?.reference?.startsWith('Patient/')) e.what.reference = `Patient/${j.patient}`;
  return ae;
}

// pushOneUp posts AuditEvents as one FHIR Bundle.
export async function pushOneUp(server, resources) {
  const res = await fetch(`${server.base}/v1/oneup/audit-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', ...(server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {}) },
    body: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }),
  });
  if (res.status !== 200) throw new Error(`push: ${res.status} ${await res.text()}`);
}

// send delivers the journeys' events: the 1upHealth ones in one Bundle, in
// reverse order (the server orders a journey by when its events occurred),
// the Fasten ones as signed deliveries.
export async function send(server, list) {
  const oneup = [];
  for (const j of list.filter((x) => x.source === 'SOURCE_ONEUP')) {
    for (const [step, at] of j.steps) oneup.push(await auditEvent(step, j, at));
  }
  if (oneup.length) await pushOneUp(server, oneup.reverse());
  for (const j of list.filter((x) => x.source === 'SOURCE_FASTEN')) {
    for (const [step, at] of j.steps) {
      const env = delivery(FASTEN_TYPES[step], connectionData(j.patient, FASTEN_DATA[step] || {}), { date: at });
      const { status, answer } = await sendFasten(server, env);
      if (status !== 200) throw new Error(`fasten ${step}: ${status} ${JSON.stringify(answer)}`);
    }
  }
}

// lastStep is the journey's current step.
export const lastStep = (j) => j.steps.at(-1)[0];

// percentile is the nearest-rank percentile of sorted numbers.
function percentile(sorted, p) {
  return sorted[Math.max(Math.ceil((p * sorted.length) / 100), 1) - 1];
}

// expectedFunnel computes a group's funnel from the journeys sent, as
// docs say the server counts it: patients by distinct id per discovery
// step; connections by the furthest step (a later step implies the earlier
// ones); conversion between consecutive steps of the chain; time between
// them over the journeys that have both, nearest-rank p50 and p90.
export function expectedFunnel(list, { stalled = () => false } = {}) {
  const has = (j, ...steps) => j.steps.some(([s]) => steps.includes(s));
  const at = (j, step) => j.steps.find(([s]) => s === step)?.[1];
  const patients = (step) => new Set(list.filter((j) => has(j, step)).map((j) => j.patient)).size;
  const n = (...steps) => list.filter((j) => has(j, ...steps)).length;
  const f = {
    patientsSearched: patients('searched'), patientsSelected: patients('selected'),
    connections: list.length,
    authorized: n('authorized', 'transferStarted', 'completed', 'transferFailed'),
    transferStarted: n('transferStarted', 'completed', 'transferFailed'),
    completed: n('completed'), declined: n('declined'), transferFailed: n('transferFailed'),
    stalled: list.filter(stalled).length,
  };
  const chain = ['searched', 'selected', 'authorized', 'transferStarted', 'completed'];
  const counts = [f.patientsSearched, f.patientsSelected, f.authorized, f.transferStarted, f.completed];
  f.conversions = chain.slice(1).map((to, i) => {
    const from = chain[i];
    const d = list.filter((j) => at(j, from) && at(j, to)).map((j) => (at(j, to) - at(j, from)) / 1000).sort((a, b) => a - b);
    return {
      to, fromCount: counts[i], rate: counts[i] ? counts[i + 1] / counts[i] : 0, timed: d.length,
      p50: d.length ? percentile(d, 50) : null, p90: d.length ? percentile(d, 90) : null,
    };
  });
  return f;
}
