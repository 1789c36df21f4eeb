// The REST API, as the console calls it. The API key lives in this tab's
// sessionStorage and travels only in the Authorization header; filters that
// may name a patient travel only in JSON bodies, never in a URL.

const KEY = 'connevents.apiKey';

export const auth = {
  get key() { return sessionStorage.getItem(KEY) || ''; },
  set(key) { sessionStorage.setItem(KEY, key); },
  clear() { sessionStorage.removeItem(KEY); },
};

// ApiError is an HTTP error with the service's body:
// {code, status, reason, message}.
export class ApiError extends Error {
  constructor(httpStatus, body = {}) {
    super(body.message || `HTTP ${httpStatus}`);
    this.httpStatus = httpStatus;
    this.status = body.status || '';
    this.reason = body.reason || '';
  }
}

let unauthorized = () => {};

// onUnauthorized sets what happens when a call is refused for its key:
// a wrong key, or one without the role the call needs.
export function onUnauthorized(f) { unauthorized = f; }

function init(method, body, signal, accept = 'application/json') {
  const headers = new Headers({ Accept: accept });
  if (auth.key) headers.set('Authorization', `Bearer ${auth.key}`);
  if (body !== undefined) headers.set('Content-Type', 'application/json');
  return {
    method, headers, signal,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
  };
}

async function failure(res) {
  let body = {};
  try { body = await res.json(); } catch { /* not the service's JSON */ }
  const err = new ApiError(res.status, body);
  // A wrong key (401), or a key without the role a page needs (403).
  if (res.status === 401 || (res.status === 403 && err.reason === 'ROLE_REQUIRED')) unauthorized(err);
  return err;
}

// get calls a GET route whose URL carries no personal data.
export async function get(path, { signal } = {}) {
  const res = await fetch(path, init('GET', undefined, signal));
  if (!res.ok) throw await failure(res);
  return res.json();
}

// post calls a route that takes its request as a JSON body.
export async function post(path, body, { signal } = {}) {
  const res = await fetch(path, init('POST', body, signal));
  if (!res.ok) throw await failure(res);
  return res.json();
}

// stream posts a subscription request and calls onItem with each `result`
// of the newline-delimited JSON answer until the server ends the stream
// (resolves) or it fails (rejects with ApiError, or the fetch error).
export async function stream(path, body, { signal, onOpen = () => {}, onItem }) {
  const res = await fetch(path, init('POST', body, signal, 'application/x-ndjson'));
  if (!res.ok) throw await failure(res);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const lines = (rest + value).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.error) throw new ApiError(msg.error.code, msg.error);
      onItem(msg.result);
    }
  }
}
