// Test harness: builds and runs the real connevents binary on a temporary
// SQLite database and free loopback ports, signs Fasten deliveries the way
// Fasten does (Standard Webhooks), and drives Debian's Chromium with
// playwright-core.

import { execFile, spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = process.env.CONNEVENTS_BROWSER_ARTIFACTS || path.join(repo, 'test/browser/artifacts');
export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

let binary;

// buildBinary builds ./cmd/connevents once per process (or uses
// $CONNEVENTS_BIN).
export async function buildBinary() {
  if (process.env.CONNEVENTS_BIN) return process.env.CONNEVENTS_BIN;
  if (!binary) {
    binary = (async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'connevents-bin-'));
      const out = path.join(dir, 'connevents');
      await run('go', ['build', '-o', out, './cmd/connevents'], { cwd: repo, maxBuffer: 1 << 24 });
      return out;
    })();
  }
  return binary;
}

export function newSecret() {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

// startServer runs `connevents serve` and resolves once it logs its
// addresses. apiKey: '' runs without keys (loopback only). halt() and
// resume() stop it and start it again on the same address and database,
// as a restart does.
export async function startServer({ apiKey = `key-${randomUUID()}`, args = [] } = {}) {
  const bin = await buildBinary();
  const dir = await mkdtemp(path.join(tmpdir(), 'connevents-console-'));
  const secret = newSecret();
  const env = { ...process.env, CONNEVENTS_FASTEN_WEBHOOK_SECRETS: secret };
  delete env.CONNEVENTS_API_KEYS;
  const argv = (httpAddr) => {
    const a = ['serve', '--http-addr', httpAddr, '--grpc-addr', '127.0.0.1:0',
      '--database', `sqlite:${path.join(dir, 'events.db')}`, '--log-level', 'info', ...args];
    if (apiKey) a.push('--api-keys', apiKey);
    return a;
  };
  const logs = [];
  let proc;
  let rec = await serve(bin, argv('127.0.0.1:0'), env, logs, (p) => { proc = p; });
  const base = `http://${rec.http}`;
  const halt = async () => {
    if (proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
  };
  return {
    base, consoleURL: rec.console, apiKey, secret, logs, bin, halt,
    async resume() {
      rec = await serve(bin, argv(rec.http), env, logs, (p) => { proc = p; });
    },
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// serve spawns connevents with argv and resolves with its `serving` log
// record; started(proc) gets the process first.
function serve(bin, argv, env, logs, started) {
  const proc = spawn(bin, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  started(proc);
  return new Promise((resolve, reject) => {
    let rest = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) {
        logs.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'serving') resolve(rec);
        } catch { /* not JSON */ }
      }
    });
    proc.on('exit', (code) => reject(new Error(`connevents exited with ${code}:\n${logs.join('\n')}`)));
  });
}

// sign returns the Standard Webhooks headers of body.
export function sign(secret, id, body, at = new Date()) {
  const ts = Math.floor(at.getTime() / 1000).toString();
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${mac}`, 'content-type': 'application/json' };
}

// delivery builds a Fasten envelope of type with data.
export function delivery(type, data, { id = randomUUID(), mode = 'test', date = new Date() } = {}) {
  return { id, type, api_mode: mode, date: date.toISOString().replace(/\.\d+Z$/, 'Z'), data };
}

// Fasten-shaped data for a patient's connection.
export function connectionData(patient, extra = {}) {
  return {
    org_connection_id: `org-${patient}`, connection_status: 'authorized', platform_type: 'epic',
    external_id: patient, endpoint_id: '8e2bd4a1-6f0c-4b7e-9d3a-2c5f1e0b7a94',
    brand_id: 'b1f3a9c2-7d4e-4f60-8a1b-3c2d5e6f7a80', portal_id: 'c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f', ...extra,
  };
}

// sendFasten posts a signed delivery and returns the service's answer.
export async function sendFasten(server, envelope, { secret = server.secret } = {}) {
  const body = JSON.stringify(envelope);
  const res = await fetch(`${server.base}/v1/webhooks/fasten`, {
    method: 'POST', body, headers: sign(secret, envelope.id, body),
  });
  const answer = await res.json().catch(() => ({}));
  return { status: res.status, answer };
}

// fastenSend runs `connevents fasten send`, the README's way of sending a
// signed delivery.
export async function fastenSend(server, ...args) {
  const { stdout } = await run(server.bin, ['fasten', 'send', '--url', `${server.base}/v1/webhooks/fasten`,
    '--secret', server.secret, ...args]);
  return stdout;
}

export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// recordRequests collects the URL, method and body of every request the
// page makes.
export function recordRequests(page) {
  const seen = [];
  page.on('request', (r) => seen.push({ url: r.url(), method: r.method(), body: r.postData() || '' }));
  return seen;
}

// login opens the console and enters the key when asked.
export async function login(page, server) {
  await page.goto(server.consoleURL);
  if (server.apiKey) {
    await page.locator('#auth-key').fill(server.apiKey);
    await page.locator('#auth-key').press('Enter');
  }
  await page.locator('#page-live').waitFor();
}

export async function screenshot(page, name) {
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

export async function writeArtifact(name, text) {
  await mkdir(artifacts, { recursive: true });
  await writeFile(path.join(artifacts, name), text);
}
