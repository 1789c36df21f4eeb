// Enum values of the API and how the console shows them.

export const enums = {
  sources: ['SOURCE_FASTEN', 'SOURCE_ONEUP'],
  types: [
    'EVENT_TYPE_SYSTEM_SEARCHED', 'EVENT_TYPE_SYSTEM_SELECTED', 'EVENT_TYPE_SYSTEM_REQUESTED',
    'EVENT_TYPE_CONNECTION_AUTHORIZED', 'EVENT_TYPE_CONNECTION_DECLINED', 'EVENT_TYPE_CONNECTION_REVOKED',
    'EVENT_TYPE_CONNECTION_FAILED', 'EVENT_TYPE_DATA_TRANSFER_STARTED', 'EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED',
    'EVENT_TYPE_RESOURCE_INGESTED', 'EVENT_TYPE_DATA_TRANSFER_COMPLETED', 'EVENT_TYPE_DATA_TRANSFER_FAILED',
    'EVENT_TYPE_SUPPORT_REQUESTED', 'EVENT_TYPE_TEST', 'EVENT_TYPE_UNSPECIFIED',
  ],
  stages: ['STAGE_DISCOVERY', 'STAGE_AUTHORIZATION', 'STAGE_TRANSFER', 'STAGE_COMPLETION', 'STAGE_OTHER'],
  outcomes: ['OUTCOME_SUCCESS', 'OUTCOME_MINOR_FAILURE', 'OUTCOME_SERIOUS_FAILURE', 'OUTCOME_MAJOR_FAILURE', 'OUTCOME_UNSPECIFIED'],
  statuses: [
    'CONNECTION_STATUS_IN_PROGRESS', 'CONNECTION_STATUS_COMPLETED', 'CONNECTION_STATUS_FAILED',
    'CONNECTION_STATUS_STALLED', 'CONNECTION_STATUS_DECLINED', 'CONNECTION_STATUS_REVOKED',
  ],
};

const prefixes = ['SOURCE_STATE_', 'SOURCE_', 'EVENT_TYPE_', 'STAGE_', 'OUTCOME_', 'API_MODE_',
  'FAILURE_REASON_', 'CONNECTION_STATUS_'];
const names = { FASTEN: 'Fasten', ONEUP: '1upHealth' };

// label turns `EVENT_TYPE_DATA_TRANSFER_FAILED` into `data transfer failed`
// and `SOURCE_ONEUP` into `1upHealth`.
export function label(value) {
  if (!value) return '';
  const p = prefixes.find((x) => value.startsWith(x));
  const rest = p ? value.slice(p.length) : value;
  return names[rest] || rest.toLowerCase().replaceAll('_', ' ');
}

// severity maps an outcome or status to a class that makes failures stand out.
export function severity(value) {
  if (/SERIOUS|MAJOR|FAILED|STALLED|ERROR/.test(value || '')) return 'bad';
  if (/MINOR|DECLINED|REVOKED|DEGRADED/.test(value || '')) return 'warn';
  if (/SUCCESS|COMPLETED|_OK$/.test(value || '')) return 'good';
  return '';
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', hour12: false });

export function time(iso) { return iso ? timeFmt.format(new Date(iso)) : ''; }
export function dateTime(iso) { return iso ? dateTimeFmt.format(new Date(iso)) : ''; }

// ago says how long before now a time was, roughly: `42 s`, `5 min`, `3 h`, `2 d`.
export function ago(iso, now = Date.now()) {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - new Date(iso)) / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

// patientOf returns the patient's most specific identifier.
export function patientOf(ev) {
  const p = ev.patient || {};
  return p.externalId || p.oneupUserId || p.fhirPatientReference || '';
}

// systemOf names the health system of an event as well as it can.
export function systemOf(ev) {
  const h = ev.healthSystem || {};
  return h.name || h.oneupSystemId || h.brandId || h.endpointId || h.orgId || h.tefcaDirectoryId || '';
}

// leaves flattens an object into [path, value] pairs, skipping empty
// values and those unset names: path → the value the API sends for a
// field not set (it sends every field, set or not). The zero of a field is
// skipped only where it means "not set" (an enum's *_UNSPECIFIED): a
// patient id "0", or a vendor's text ending in _UNSPECIFIED, is data.
export function leaves(obj, unset = {}, prefix = '') {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v === null || v === '' || unset[path] === v) continue;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item && typeof item === 'object') out.push(...leaves(item, unset, `${path}[${i}]`));
        else out.push([`${path}[${i}]`, String(item)]);
      });
    } else if (typeof v === 'object') {
      out.push(...leaves(v, unset, path));
    } else {
      out.push([path, String(v)]);
    }
  }
  return out;
}

// reveal moves the focus into a detail panel just opened from a list and
// shows the panel: beside the list nothing moves; below it (a narrow
// screen) the page scrolls just enough to show all of it, or its start.
export function reveal(panel, focus) {
  focus.focus({ preventScroll: true });
  panel.scrollIntoView({ block: 'nearest' });
}

// el makes an element with text content (never HTML: values are data).
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (className) e.className = className;
  return e;
}

// fillChecks puts one checkbox per enum value into a fieldset.
export function fillChecks(fieldset, values) {
  for (const v of values) {
    const l = el('label');
    const box = el('input');
    box.type = 'checkbox';
    box.value = v;
    l.append(box, ` ${label(v)}`);
    fieldset.append(l);
  }
}

export function checked(fieldset) {
  return [...fieldset.querySelectorAll('input:checked')].map((b) => b.value);
}

// duration turns a JSON Duration (`93.5s`) into `1 min 34 s`, `2 h 5 min`,
// `3 d 4 h`, or `0.4 s` under a second.
export function duration(text) {
  if (!text) return '';
  const total = parseFloat(text);
  if (total < 1) return `${total.toFixed(1)} s`;
  const s = Math.round(total);
  const parts = [[86400, 'd'], [3600, 'h'], [60, 'min'], [1, 's']]
    .map(([unit, name]) => [Math.floor(s / unit), unit, name]);
  const first = parts.findIndex(([n]) => n > 0);
  const [n1, u1, name1] = parts[first];
  const rest = s - n1 * u1;
  const next = parts[first + 1];
  if (!next) return `${n1} ${name1}`;
  const n2 = Math.floor(rest / next[1]);
  return n2 ? `${n1} ${name1} ${n2} ${next[2]}` : `${n1} ${name1}`;
}
