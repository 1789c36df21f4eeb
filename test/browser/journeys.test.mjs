// The Connections and Funnel pages in Chromium against the real binary, on
// a seeded scenario: a journey's timeline shows its steps in order, the
// filters select the right journeys, a stalled journey is marked (the
// server runs with a 1 s stall threshold after authorization) and a new one
// appears live, journeys leave and enter a filtered list as they change,
// the funnel shows the numbers computed here from what was sent, and no URL
// the page requests carries the key or a patient id.
// Apart, on a server of its own: the list reconnects across a restart.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  connectionData, delivery, launch, login, recordRequests, screenshot, sendFasten, startServer,
} from './harness.mjs';
import { EVENT_TYPES, expectedFunnel, journeys, lastStep, send } from './scenario.mjs';

const ROWS = '#conn-rows tr';
const STALL_ARGS = ['--stall-after', 'discovery=0,authorized=1s,transfer=0'];

describe('Connections and Funnel', () => {
  let server, browser, context, page, requests;
  const cspViolations = [];
  const sent = journeys({ base: new Date(Date.now() - 40 * 60 * 1000), oneup: 12, fasten: 6, tag: 'jt' });
  // With discovery and transfer never stalling, the journeys stalled are
  // those whose current step is an authorization.
  const stalled = (j) => lastStep(j) === 'authorized';

  before(async () => {
    [server, browser] = await Promise.all([startServer({ args: STALL_ARGS }), launch()]);
    await send(server, sent);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    requests = recordRequests(page);
    page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) cspViolations.push(m.text()); });
    await login(page, server);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  // rowsShown waits until the list holds n rows and returns their patients.
  async function rowsShown(n) {
    await page.waitForFunction((want) => document.querySelectorAll('#conn-rows tr').length === want
      && /\d+ connections? /.test(document.getElementById('conn-status').textContent), n);
    return page.locator(`${ROWS} td.phi`).allInnerTexts();
  }

  async function applyFilter({ statuses = [], patient = '', system = '', stalledFor = '' }) {
    await page.locator('#conn-filters button[type=reset]').click();
    for (const s of statuses) await page.locator(`#conn-filters [data-enum=statuses] input[value=${s}]`).check();
    await page.locator('#c-patient').fill(patient);
    await page.locator('#c-system').fill(system);
    await page.locator('#c-stalled').fill(stalledFor);
    await page.locator('#conn-filters button[type=submit]').click();
  }

  test('the list shows every journey; stalled and failed ones stand out', async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    const patients = await rowsShown(sent.length);
    // Ages read as text ("34 s"), in the page's font with digits of one
    // width, not in a monospace font, whose space is a letter wide.
    const age = await page.locator(`${ROWS} td.age`).first().evaluate((td) => {
      const style = getComputedStyle(td);
      return { font: style.fontFamily, page: getComputedStyle(document.body).fontFamily, digits: style.fontVariantNumeric };
    });
    assert.equal(age.font, age.page);
    assert.equal(age.digits, 'tabular-nums');
    assert.deepEqual(patients.sort(), sent.map((j) => j.patient).sort());
    // The authorized-only journeys stall within about a second.
    for (const j of sent.filter(stalled)) {
      const tr = page.locator(ROWS, { hasText: j.patient });
      await tr.locator('.badge', { hasText: 'stalled' }).waitFor({ timeout: 10000 });
      assert.match(await tr.getAttribute('class'), /\bbad\b/);
    }
    for (const j of sent.filter((x) => lastStep(x) === 'transferFailed')) {
      const tr = page.locator(ROWS, { hasText: j.patient });
      assert.equal(await tr.locator('.badge').innerText(), 'failed');
      assert.match(await tr.getAttribute('class'), /\bbad\b/);
    }
    const completed = page.locator(ROWS, { hasText: sent.find((j) => lastStep(j) === 'completed').patient });
    assert.equal(await completed.locator('.badge').innerText(), 'completed');
    assert.doesNotMatch(await completed.getAttribute('class') || '', /\bbad\b/);
  });

  test("a journey's timeline shows its steps and events in order", async () => {
    const j = sent.find((x) => x.source === 'SOURCE_ONEUP' && x.steps.length === 5);
    await page.locator(ROWS, { hasText: j.patient }).click();
    await page.locator('#conn-detail').waitFor();
    await page.locator('#conn-fields dd', { hasText: j.patient }).waitFor();
    const types = await page.locator('#conn-timeline li').evaluateAll((lis) => lis.map((li) => li.dataset.type));
    assert.deepEqual(types, j.steps.map(([s]) => EVENT_TYPES[s]), 'events sent in reverse are shown in the order they occurred');
    const steps = await page.locator('#conn-steps li').allInnerTexts();
    assert.equal(steps.length, 5);
    ['searched', 'selected', 'authorized', 'transfer started', 'transfer completed']
      .forEach((name, i) => assert.match(steps[i], new RegExp(name)));
    await screenshot(page, 'connections');
    await page.keyboard.press('Escape');
    await page.locator('#conn-detail').waitFor({ state: 'hidden' });
  });

  test('filters: status, patient, health system, stalled for', async () => {
    await applyFilter({ statuses: ['CONNECTION_STATUS_COMPLETED'] });
    assert.deepEqual((await rowsShown(sent.filter((j) => lastStep(j) === 'completed').length)).sort(),
      sent.filter((j) => lastStep(j) === 'completed').map((j) => j.patient).sort());

    const one = sent[1];
    await applyFilter({ patient: one.patient });
    assert.deepEqual(await rowsShown(1), [one.patient]);

    const aetna = sent.filter((j) => j.systemName === 'Aetna');
    await applyFilter({ system: 'Aetna' });
    assert.deepEqual((await rowsShown(aetna.length)).sort(), aetna.map((j) => j.patient).sort());

    await applyFilter({ stalledFor: '1s' });
    assert.deepEqual((await rowsShown(sent.filter(stalled).length)).sort(), sent.filter(stalled).map((j) => j.patient).sort());

    await applyFilter({ stalledFor: '1d' });
    await rowsShown(0);
    await page.locator('#conn-empty').waitFor();
    await applyFilter({});
    await rowsShown(sent.length);
  });

  test('a new journey appears live, then is marked stalled', async () => {
    const patient = 'fasten-jt-live-patient-77';
    await sendFasten(server, delivery('patient.connection_success', connectionData(patient)));
    const tr = page.locator(ROWS, { hasText: patient });
    await tr.waitFor({ timeout: 5000 });
    assert.equal(await page.locator(`${ROWS} td.phi`).first().innerText(), patient, 'the newest change is on top');
    await tr.locator('.badge', { hasText: 'stalled' }).waitFor({ timeout: 10000 });
    assert.match(await tr.getAttribute('class'), /\bbad\b/);
    // How long it has been stalled is kept up to date, as the step's age is.
    const since = await tr.locator('.since').innerText();
    assert.match(since, /^ ?for \d+ s$/);
    await tr.locator('.since').filter({ hasNotText: since }).waitFor({ timeout: 15000 });
    sent.push({ source: 'SOURCE_FASTEN', patient, steps: [['authorized', new Date()]], live: true });
  });

  test('the funnel shows the numbers of the scenario', async () => {
    await page.getByRole('link', { name: 'Funnel' }).click();
    await page.locator('#fn-window').selectOption('24');
    await page.locator('#fn-group').selectOption('FUNNEL_GROUP_BY_SOURCE');
    for (const source of ['SOURCE_ONEUP', 'SOURCE_FASTEN']) {
      const group = sent.filter((j) => j.source === source);
      const want = expectedFunnel(group, { stalled });
      const table = page.locator(`table.funnel[data-group=${source}]`);
      await table.waitFor();
      const cell = (sel) => table.locator(sel).innerText();
      for (const [step, field] of [['FUNNEL_STEP_SEARCHED', 'patientsSearched'], ['FUNNEL_STEP_SELECTED', 'patientsSelected'],
        ['FUNNEL_STEP_AUTHORIZED', 'authorized'], ['FUNNEL_STEP_TRANSFER_STARTED', 'transferStarted'], ['FUNNEL_STEP_COMPLETED', 'completed']]) {
        assert.equal(await cell(`tr[data-step=${step}] td:nth-of-type(1)`), String(want[field]), `${source} ${field}`);
      }
      for (const field of ['connections', 'declined', 'transferFailed', 'stalled']) {
        assert.equal(await cell(`tr[data-field=${field}] td`), String(want[field]), `${source} ${field}`);
      }
      const steps = ['FUNNEL_STEP_SELECTED', 'FUNNEL_STEP_AUTHORIZED', 'FUNNEL_STEP_TRANSFER_STARTED', 'FUNNEL_STEP_COMPLETED'];
      for (const [i, c] of want.conversions.entries()) {
        const tr = table.locator(`tr[data-step=${steps[i]}]`);
        const rate = c.fromCount ? `${(c.rate * 100).toFixed(1)} %` : '';
        assert.equal(await tr.locator('td.rate').innerText(), rate, `${source} rate to ${c.to}`);
        const p50 = await tr.locator('td.p50').getAttribute('data-seconds');
        const p90 = await tr.locator('td.p90').getAttribute('data-seconds');
        assert.equal(p50 === null ? null : Number(p50), c.p50, `${source} p50 to ${c.to}`);
        assert.equal(p90 === null ? null : Number(p90), c.p90, `${source} p90 to ${c.to}`);
      }
    }
    // The chart holds the same counts, one dataset per source, and is drawn.
    const chart = await page.evaluate(() => {
      const c = window.Chart.getChart(document.getElementById('funnel-chart'));
      const canvas = document.getElementById('funnel-chart');
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]) painted++;
      return { labels: c.data.labels, sets: c.data.datasets.map((d) => [d.label, d.data]), painted };
    });
    const oneup = expectedFunnel(sent.filter((j) => j.source === 'SOURCE_ONEUP'));
    assert.deepEqual(chart.sets.find(([name]) => name === '1upHealth')[1],
      [oneup.patientsSearched, oneup.patientsSelected, oneup.authorized, oneup.transferStarted, oneup.completed]);
    assert.ok(chart.painted > 1000, 'the chart is not drawn');
    await screenshot(page, 'funnel');

    // Ungrouped: one funnel of everything.
    await page.locator('#fn-group').selectOption('');
    const all = expectedFunnel(sent, { stalled });
    const table = page.locator('table.funnel[data-group=""]');
    await table.waitFor();
    assert.equal(await table.locator('tr[data-field=connections] td').innerText(), String(all.connections));
    assert.equal(await table.locator('tr[data-step=FUNNEL_STEP_AUTHORIZED] td:nth-of-type(1)').innerText(), String(all.authorized));
    assert.equal(await table.locator('tr[data-field=stalled] td').innerText(), String(all.stalled));
  });

  // stalledShown returns how long (seconds) the list says a journey has
  // been stalled when its row appears.
  async function stalledShown(patient) {
    const tr = page.locator(ROWS, { hasText: patient });
    await tr.waitFor({ timeout: 15000 });
    return Number(/for (\d+) s/.exec(await tr.locator('td.status-cell').innerText())?.[1]);
  }

  // The server applies a subscription's filter to a journey's new state, so
  // it never says that a journey left a filter: the page does.
  test('with filters, journeys leave and enter the list as they change', async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    const gone = 'fasten-jt-leaves-41';
    await applyFilter({ statuses: ['CONNECTION_STATUS_IN_PROGRESS'] });
    await page.locator('#conn-status', { hasText: /live$/ }).waitFor();
    await sendFasten(server, delivery('patient.connection_success', connectionData(gone)));
    await page.locator(ROWS, { hasText: gone }).waitFor({ timeout: 5000 });
    // Stalled a second later: no longer in progress, so no longer listed.
    await page.locator(ROWS, { hasText: gone }).waitFor({ state: 'detached', timeout: 10000 });
    assert.ok(await page.locator(ROWS).evaluateAll((trs) => trs.every((tr) => tr.dataset.status === 'CONNECTION_STATUS_IN_PROGRESS')));

    // Stalled before the list was loaded, for less than asked: it appears
    // once stalled long enough, not before.
    const early = 'fasten-jt-stalls-early-42';
    await applyFilter({});
    await page.locator('#conn-status', { hasText: /live$/ }).waitFor();
    await sendFasten(server, delivery('patient.connection_success', connectionData(early)));
    await page.locator(ROWS, { hasText: early }).locator('.badge', { hasText: 'stalled' }).waitFor({ timeout: 10000 });
    await applyFilter({ stalledFor: '4s' });
    await page.locator('#conn-status', { hasText: /live$/ }).waitFor();
    assert.equal(await page.locator(ROWS, { hasText: early }).count(), 0, 'listed before it was stalled for 4 s');
    // Stalled after the list was loaded: the same.
    const late = 'fasten-jt-stalls-late-43';
    await sendFasten(server, delivery('patient.connection_success', connectionData(late)));
    assert.ok(await stalledShown(early) >= 4);
    assert.ok(await stalledShown(late) >= 4);
    assert.equal(await page.locator(`${ROWS} td.phi`).first().innerText(), late, 'the newest to match is on top');

    // Completed: no longer stalled, so it leaves.
    await sendFasten(server, delivery('patient.ehi_export_success', connectionData(early, { task_id: 't-early' })));
    await page.locator(ROWS, { hasText: early }).waitFor({ state: 'detached', timeout: 5000 });
    assert.ok(await page.locator(ROWS, { hasText: late }).isVisible());
    await applyFilter({});
    for (const patient of [gone, early, late]) sent.push({ source: 'SOURCE_FASTEN', patient, steps: [], live: true });
  });

  test('no request URL carries the key or a patient id; no CSP violation', async () => {
    assert.ok(requests.length > 10, 'the log recorded too little to prove anything');
    const secrets = [server.apiKey, ...sent.map((j) => j.patient)];
    for (const r of requests) {
      for (const s of secrets) assert.ok(!r.url.includes(s), `${r.method} ${r.url} carries ${s}`);
    }
    assert.ok(requests.some((r) => r.url.endsWith('/v1/connections:search') && r.body.includes(sent[1].patient)),
      'the patient filter was not sent in a body');
    // The list's subscription is filtered by patient on the server: no other
    // patient's changes reach the browser.
    assert.ok(requests.some((r) => r.url.endsWith('/v1/connections:subscribe') && JSON.parse(r.body).filter.patient === sent[1].patient),
      'the subscription of a patient\'s list was not filtered by that patient');
    const history = await page.evaluate(() => [location.href, document.title, history.length]);
    for (const s of secrets) assert.ok(!history.join(' ').includes(s));
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.deepEqual(cspViolations, []);
  });
});

describe('Connections across a server restart', () => {
  let server, browser, page;

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launch()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await login(page, server);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the list says it is reconnecting while the server is down, then follows again', async () => {
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.locator('#conn-status', { hasText: /live$/ }).waitFor();
    await server.halt();
    await page.locator('#conn-status', { hasText: 'reconnecting' }).waitFor({ timeout: 5000 });
    // Down for longer than one retry: the page keeps trying, both the
    // subscription and a reload asked for meanwhile (Apply).
    await page.waitForTimeout(4000);
    assert.match(await page.locator('#conn-status').innerText(), /reconnecting/);
    await page.locator('#conn-filters button[type=submit]').click();
    await page.waitForTimeout(4000);
    assert.match(await page.locator('#conn-status').innerText(), /reconnecting/);
    assert.ok(await page.locator('#conn-error').isHidden(), 'a retried failure is shown as an error');
    await server.resume();
    await page.locator('#conn-status', { hasText: /live$/ }).waitFor({ timeout: 10000 });
    const patient = 'fasten-restart-patient-31';
    assert.equal((await sendFasten(server, delivery('patient.connection_success', connectionData(patient)))).status, 200);
    await page.locator(ROWS, { hasText: patient }).waitFor({ timeout: 5000 });
    assert.ok(await page.locator('#conn-error').isHidden());
    assert.match(await page.locator('#conn-status').innerText(), /^1 connection · /);
  });
});
