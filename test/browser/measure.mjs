// Measures the console in headless Chromium against the real binary (not a
// test: it asserts nothing and prints numbers).
//
//   node measure.mjs [--rate 200] [--seconds 60] [--seed 2000]
//
// 1. First render: with --seed events in the store, the time from
//    navigation to the Live page subscribed (and, from the earliest, to the
//    seeded rows drawn), and from clicking Sources to its cards.
// 2. Load: Live open while --rate signed Fasten deliveries a second arrive
//    for --seconds; the longest main-thread task seen by the browser's
//    PerformanceObserver ('longtask', tasks over 50 ms), their count, and
//    whether every event reached the page.

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { connectionData, delivery, launch, login, sendFasten, startServer } from './harness.mjs';

const { values: opt } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string', default: '2000' },
  },
});
const rate = Number(opt.rate);
const seconds = Number(opt.seconds);
const seed = Number(opt.seed);

const types = [
  ['patient.connection_success', {}],
  ['patient.ehi_export_success', { task_id: 'ehi_export_1', stats: { total_resources: 12 } }],
  ['patient.ehi_export_failed', { failure_reason: 'token_refresh_failure', task_id: 'ehi_export_2' }],
];

function randomDelivery(i) {
  const [type, extra] = types[i % types.length];
  return delivery(type, connectionData(`patient-${String(i % 997).padStart(6, '0')}`, extra));
}

// send posts n deliveries at rate per second, in 20 ticks a second.
async function send(server, n, perSecond) {
  const perTick = perSecond / 20;
  const start = performance.now();
  let sent = 0;
  const inflight = new Set();
  let failed = 0;
  while (sent < n) {
    const due = Math.min(n, Math.floor(((performance.now() - start) / 50 + 1) * perTick));
    for (; sent < due; sent++) {
      const p = sendFasten(server, randomDelivery(sent)).then((r) => { if (r.status !== 200) failed++; })
        .catch(() => { failed++; }).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 50 - ((performance.now() - start) % 50)));
  }
  await Promise.all(inflight);
  return { sent, failed, seconds: (performance.now() - start) / 1000 };
}

console.log(`machine load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
const server = await startServer();
const browser = await launch();
try {
  process.stdout.write(`seeding ${seed} events… `);
  const seeded = await send(server, seed, 1000);
  console.log(`${seeded.sent} in ${seeded.seconds.toFixed(1)} s (${seeded.failed} failed)`);

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(() => {
    window.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await context.newPage();
  await page.goto(server.consoleURL);
  await page.locator('#auth-key').fill(server.apiKey);
  const t0 = await page.evaluate(() => performance.now());
  await page.locator('#auth-key').press('Enter');
  await page.locator('#live-status', { hasText: 'Live' }).waitFor();
  const liveReady = (await page.evaluate(() => performance.now())) - t0;

  await page.locator('input[name=start][value=START_POSITION_EARLIEST]').check();
  const t1 = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('#live-count', { hasText: String(seed) }).waitFor({ timeout: 60000 });
  const liveSeeded = (await page.evaluate(() => performance.now())) - t1;

  const t2 = await page.evaluate(() => performance.now());
  await page.getByRole('link', { name: 'Sources' }).click();
  await page.locator('article[data-source=SOURCE_FASTEN]').waitFor();
  const sourcesReady = (await page.evaluate(() => performance.now())) - t2;
  console.log(`first render: Live subscribed ${liveReady.toFixed(0)} ms after the key; ` +
    `${seed} seeded events from the earliest drawn in ${liveSeeded.toFixed(0)} ms; ` +
    `Sources cards ${sourcesReady.toFixed(0)} ms after the click`);

  // Load: Live from now, rate events/s for seconds.
  await page.getByRole('link', { name: 'Live' }).click();
  await page.locator('input[name=start][value=START_POSITION_LATEST]').check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
  const loadStart = await page.evaluate(() => performance.now());
  const rates = [];
  const sampler = setInterval(async () => {
    rates.push(Number(await page.locator('#live-rate').innerText().catch(() => 'NaN')));
  }, 1000);
  const load = await send(server, rate * seconds, rate);
  clearInterval(sampler);
  const want = String(load.sent - load.failed);
  const caughtUp = await page.locator('#live-count', { hasText: want }).waitFor({ timeout: 30000 })
    .then(() => true, () => false);
  const result = await page.evaluate((from) => {
    const tasks = window.__longtasks.filter((t) => t.start >= from);
    return {
      count: tasks.length,
      longest: Math.max(0, ...tasks.map((t) => t.duration)),
      total: tasks.reduce((s, t) => s + t.duration, 0),
      rows: document.querySelectorAll('#live-rows tr:not(.spacer)').length,
      shown: document.getElementById('live-count').textContent,
    };
  }, loadStart);
  const probe = await page.evaluate(() => new Promise((resolve) => {
    const t = performance.now();
    requestAnimationFrame(() => resolve(performance.now() - t));
  }));
  console.log(`load: ${load.sent} deliveries in ${load.seconds.toFixed(1)} s (${load.failed} failed); ` +
    `page counted ${result.shown} (${caughtUp ? 'all' : 'NOT all'}), ${result.rows} rows in the page; ` +
    `page rate samples median ${median(rates)}/s`);
  console.log(`long tasks during load: ${result.count}, longest ${result.longest.toFixed(0)} ms, ` +
    `total ${result.total.toFixed(0)} ms; next frame after load ${probe.toFixed(0)} ms`);
  console.log(`machine load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  await browser.close();
  await server.stop();
}

function median(xs) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}
