// The console shell: the key, the pages and the navigation between them.
//
// The location hash names the page (#live, #sources, …) and nothing else:
// filters and selections stay in memory, so no patient identifier reaches
// the address bar, the history or the page title.

import { ApiError, auth, get, onUnauthorized } from './api.js';
import * as connections from './connections.js';
import * as funnel from './funnel.js';
import * as live from './live.js';
import * as sources from './sources.js';

const pages = { live, connections, funnel, sources };
const titles = { live: 'Live', connections: 'Connections', funnel: 'Funnel', sources: 'Sources' };
const $ = (id) => document.getElementById(id);
let current = '';
let started = false;

function route() {
  const name = location.hash.slice(1);
  if (!pages[name]) {
    history.replaceState(null, '', '#live');
    return route();
  }
  if (name === current) return;
  if (current) {
    pages[current].hide();
    $(`page-${current}`).hidden = true;
  }
  current = name;
  document.title = `${titles[name]} · connevents`;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  $(`page-${name}`).hidden = false;
  pages[name].show();
}

// start opens the console once the server accepts the key (or needs none).
function start() {
  $('boot').hidden = true;
  $('signout').hidden = !auth.key;
  if (!started) {
    started = true;
    for (const p of Object.values(pages)) p.mount();
    addEventListener('hashchange', route);
  }
  current = '';
  route();
}

function stopAll() {
  for (const p of Object.values(pages)) p.stop();
}

// askKey shows the key dialog; message says why (a refused key).
function askKey(message) {
  stopAll();
  const dialog = $('auth');
  $('auth-error').textContent = message || '';
  $('auth-error').hidden = !message;
  if (!dialog.open) dialog.showModal();
  $('auth-key').focus();
}

async function submitKey(e) {
  e.preventDefault();
  const input = $('auth-key');
  const key = input.value.trim();
  input.value = '';
  if (!key) {
    // Spaces pass the field's `required`, but are no key: sent as none,
    // the refusal would read as a first visit, with nothing to say.
    $('auth-error').textContent = 'Enter a key: the field held only spaces.';
    $('auth-error').hidden = false;
    return;
  }
  auth.set(key);
  try {
    await get('/v1/sources');
    $('auth').close();
    start();
  } catch (err) {
    if (err instanceof ApiError && [401, 403].includes(err.httpStatus)) return; // askKey has said why
    $('auth-error').textContent = `The server did not answer: ${err.message}`;
    $('auth-error').hidden = false;
  }
}

function refused(err) {
  const hadKey = Boolean(auth.key);
  auth.clear();
  if (err.reason === 'ROLE_REQUIRED') askKey(`That key may not read events (ROLE_REQUIRED): ${err.message}. Use a key with the read role.`);
  else askKey(hadKey ? `That key was refused (${err.reason || 'API_KEY_INVALID'}). Check it and try again.` : '');
}

async function boot() {
  onUnauthorized(refused);
  $('auth-form').addEventListener('submit', submitKey);
  $('auth').addEventListener('cancel', (e) => e.preventDefault()); // the key is needed
  $('signout').addEventListener('click', () => { auth.clear(); location.reload(); });
  try {
    await get('/v1/sources');
    start();
  } catch (err) {
    if (err instanceof ApiError && [401, 403].includes(err.httpStatus)) return;
    $('boot').hidden = true;
    $('fatal').textContent = `The server did not answer: ${err.message}`;
    $('fatal').hidden = false;
  }
}

boot();
