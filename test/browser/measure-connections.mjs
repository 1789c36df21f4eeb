// Measures the Connections and Funnel pages with many journeys in the store
// (not a test: it asserts nothing and prints numbers).
//
//   node measure-connections.mjs [--journeys 10000]
//
// Seeds --journeys distinct 1upHealth users (one journey each: a search, a
// selection, an authorization and for most a transfer) by pushing
// AuditEvents in Bundles of 500 journeys, then times in headless Chromium at
// 1280×800: from entering the key on #connections to the first page of the
// list drawn (a usable list: rows that open on click or Enter), from
// clicking Connections on an open console to the same, and from clicking
// Funnel to its chart and tables.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { launch, startServer } from './harness.mjs';
import { journeys, send } from './scenario.mjs';

const { values: opt } = parseArgs({ options: { journeys: { type: 'string', default: '10000' } } });
const n = Number(opt.journeys);
const BATCH = 500;

console.log(`machine load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const server = await startServer();
const browser = await launch();
try {
  const t = performance.now();
  const all = journeys({ base: new Date(Date.now() - 6 * 3600 * 1000), oneup: n, fasten: 0, tag: 'm' });
  for (let i = 0; i < all.length; i += BATCH) await send(server, all.slice(i, i + BATCH));
  const events = all.reduce((s, j) => s + j.steps.length, 0);
  console.log(`seeded ${all.length} journeys (${events} AuditEvents) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const rowsDrawn = () => page.waitForFunction(() => document.querySelectorAll('#conn-rows tr').length >= 100
    && /connections/.test(document.getElementById('conn-status').textContent), null, { timeout: 60000 });

  await page.goto(`${server.consoleURL}#connections`);
  await page.locator('#auth-key').fill(server.apiKey);
  const t0 = await page.evaluate(() => performance.now());
  await page.locator('#auth-key').press('Enter');
  await rowsDrawn();
  const afterKey = (await page.evaluate(() => performance.now())) - t0;
  const status = await page.locator('#conn-status').innerText();

  const clicks = [];
  for (let i = 0; i < 5; i++) {
    await page.evaluate(() => { location.hash = '#live'; });
    await page.reload();
    await page.locator('#page-live').waitFor();
    const c0 = await page.evaluate(() => performance.now());
    await page.getByRole('link', { name: 'Connections' }).click();
    await rowsDrawn();
    clicks.push((await page.evaluate(() => performance.now())) - c0);
  }
  const f0 = await page.evaluate(() => performance.now());
  await page.getByRole('link', { name: 'Funnel' }).click();
  await page.locator('table.funnel').first().waitFor({ timeout: 60000 });
  const funnel = (await page.evaluate(() => performance.now())) - f0;
  const fStatus = await page.locator('table.funnel tr[data-field=connections] td').first().innerText();

  console.log(`Connections after the key: ${afterKey.toFixed(0)} ms to the first 100 rows (${status})`);
  console.log(`Connections after a click (reloaded console, 5 runs): ${clicks.map((x) => x.toFixed(0)).join(', ')} ms`);
  console.log(`Funnel (last 7 days, ${fStatus} connections): ${funnel.toFixed(0)} ms to chart and table`);
  console.log(`machine load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  await browser.close();
  await server.stop();
}
