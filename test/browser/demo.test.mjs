// A seeded demo: Fasten deliveries and pushed 1upHealth AuditEvents for a
// handful of patients, one refused delivery, and a scenario of connection
// journeys over the last hour (scenario.mjs); then a screenshot of each
// page at 1280×800. The README's pictures (docs/console-*.png) are these, written
// there when CONNEVENTS_UPDATE_DOCS=1.

import assert from 'node:assert/strict';
import { copyFile, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  artifacts, connectionData, delivery, launch, login, repo, screenshot, sendFasten, startServer,
} from './harness.mjs';
import { journeys, lastStep, send } from './scenario.mjs';

let server, browser;
// Authorized journeys stall after a second, so the demo shows some stalled.
const args = ['--stall-after', 'discovery=0,authorized=1s,transfer=0'];
before(async () => { [server, browser] = await Promise.all([startServer({ args }), launch()]); });
after(async () => { await browser?.close(); await server?.stop(); });

const fasten = [
  ['patient.connection_success', 'patient-000123', {}],
  ['patient.connection_success', 'patient-000207', { connection_status: 'rejected' }],
  ['patient.ehi_export_success', 'patient-000123', { task_id: 'ehi_export_2f6b9c1d', stats: { total_resources: 1234 } }],
  ['patient.connection_success', 'patient-000318', {}],
  ['patient.ehi_export_failed', 'patient-000318', { failure_reason: 'token_refresh_failure', task_id: 'ehi_export_77a1' }],
  ['patient.authorization_revoked', 'patient-000207', { connection_status: 'revoked' }],
];

// pushOneUp posts the repository's sample AuditEvents, with fresh ids and
// times, as one FHIR Bundle.
async function pushOneUp(names) {
  const dir = path.join(repo, 'server/oneup/testdata/events');
  const entry = [];
  let i = 0;
  for (const name of names) {
    const ae = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8'));
    ae.id = `demo-${Date.now()}-${i++}`;
    ae.recorded = new Date().toISOString();
    entry.push({ resource: ae });
  }
  const res = await fetch(`${server.base}/v1/oneup/audit-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${server.apiKey}` },
    body: JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry }),
  });
  assert.equal(res.status, 200, await res.text());
}

test('screenshots of a seeded demo', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await login(page, server);
  await page.locator('#live-status', { hasText: 'Live' }).waitFor();

  const available = new Set((await readdir(path.join(repo, 'server/oneup/testdata/events'))).map((f) => f.replace(/\.json$/, '')));
  const oneup = ['member-authorization-success', 'data-transfer-initiated', 'resource-retrieval-failure-serious',
    'member-data-ingestion-completed', 'payer-connection-not-established'].filter((n) => available.has(n));
  for (const [type, patient, extra] of fasten) {
    assert.equal((await sendFasten(server, delivery(type, connectionData(patient, extra)))).status, 200);
  }
  await pushOneUp(oneup);
  const bad = await sendFasten(server, delivery('patient.connection_success', connectionData('patient-000999')),
    { secret: 'whsec_AAAA' });
  assert.equal(bad.status, 401);

  const total = fasten.length + oneup.length;
  await page.locator('#live-count', { hasText: String(total) }).waitFor();
  await page.locator('#live-rows tr:not(.spacer)', { hasText: 'data transfer failed' }).first().click();
  await page.locator('#live-detail').waitFor();
  await screenshot(page, 'console-live');

  await page.getByRole('link', { name: 'Sources' }).click();
  await page.locator('article[data-source=SOURCE_FASTEN] td', { hasText: 'SIGNATURE_INVALID' }).waitFor();
  await screenshot(page, 'console-sources');

  const seeded = journeys({ base: new Date(Date.now() - 50 * 60 * 1000), oneup: 12, fasten: 6, tag: 'demo' });
  await send(server, seeded);
  await page.getByRole('link', { name: 'Connections' }).click();
  const full = seeded.find((j) => j.source === 'SOURCE_ONEUP' && lastStep(j) === 'completed');
  await page.locator('#conn-rows tr', { hasText: full.patient }).click();
  await page.locator('#conn-timeline li').nth(full.steps.length - 1).waitFor();
  await page.locator('#conn-rows tr .badge', { hasText: 'stalled' }).first().waitFor({ timeout: 10000 });
  await screenshot(page, 'console-connections');

  await page.getByRole('link', { name: 'Funnel' }).click();
  await page.locator('#fn-window').selectOption('24');
  await page.locator('#fn-group').selectOption('FUNNEL_GROUP_BY_SOURCE');
  await page.locator('table.funnel[data-group=SOURCE_ONEUP]').waitFor();
  await screenshot(page, 'console-funnel');

  if (process.env.CONNEVENTS_UPDATE_DOCS === '1') {
    for (const name of ['console-live', 'console-sources', 'console-connections', 'console-funnel']) {
      await copyFile(path.join(artifacts, `${name}.png`), path.join(repo, 'docs', `${name}.png`));
    }
  }
  await page.close();
});
