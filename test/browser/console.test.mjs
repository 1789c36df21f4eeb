// The web console in Chromium against the real binary: the key, the Live
// page (arrival, filters, pause, detail, raw payload), the Sources page,
// keyboard use, and that no URL the page requests carries the key or a
// patient id. Screenshots of each page are written to the artifacts folder.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  connectionData, delivery, fastenSend, launch, login, recordRequests, screenshot, sendFasten, startServer,
} from './harness.mjs';
import { journeys, send } from './scenario.mjs';

const ROWS = '#live-rows tr:not(.spacer)';
const PATIENT_A = 'patient-alpha-7731';
const PATIENT_B = 'patient-bravo-2209';

describe('console with API keys', () => {
  let server, browser, context, page, requests;

  before(async () => {
    // 1upHealth sends nothing here, so it is degraded after a second.
    [server, browser] = await Promise.all([startServer({ args: ['--oneup-expect-every', '1s'] }), launch()]);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    requests = recordRequests(page);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  test('/ redirects to the console, served with a strict policy', async () => {
    const res = await fetch(`${server.base}/`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/console/');
    const page = await fetch(server.consoleURL);
    assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
    assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  });

  test('asks for a key and refuses a wrong one with a clear message', async () => {
    await page.goto(server.consoleURL);
    const dialog = page.locator('#auth');
    await dialog.waitFor();
    await page.locator('#auth-key').fill('   ');
    await page.locator('#auth-key').press('Enter');
    await page.locator('#auth-error', { hasText: 'Enter a key' }).waitFor({ timeout: 5000 });
    assert.ok(await dialog.isVisible());
    await page.locator('#auth-key').fill('not-the-key');
    await page.locator('#auth-key').press('Enter');
    await assert.doesNotReject(page.locator('#auth-error', { hasText: 'That key was refused (API_KEY_INVALID)' }).waitFor());
    assert.ok(await dialog.isVisible(), 'the console opened with a wrong key');
    assert.ok(await page.locator('#page-live').isHidden());
    await screenshot(page, 'key-refused');

    await page.locator('#auth-key').fill(server.apiKey);
    await page.locator('#auth-key').press('Enter');
    await page.locator('#page-live').waitFor();
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('connevents.apiKey')), server.apiKey);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await page.evaluate(() => document.cookie), '');
  });

  test('a delivery sent with `connevents fasten send` appears on Live within 2 s', async () => {
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    await fastenSend(server, '--type', 'patient.connection_success');
    const row = page.locator(ROWS, { hasText: 'patient-000123' });
    await row.waitFor({ timeout: 2000 });
    assert.match(await row.innerText(), /connection authorized/);

    await row.click();
    const detail = page.locator('#live-detail');
    await detail.waitFor();
    const fields = await page.locator('#detail-fields').innerText();
    for (const want of ['patient.externalId', 'patient-000123', 'connection.orgConnectionId', 'sourceEventType',
      'patient.connection_success', 'receivedAt', 'healthSystem.endpointId']) {
      assert.ok(fields.includes(want), `the detail lacks ${want}:\n${fields}`);
    }
    await page.locator('#detail-raw').click();
    const raw = page.locator('#detail-raw-body');
    await raw.waitFor();
    assert.match(await raw.innerText(), /"type": "patient.connection_success"/);
    assert.ok(requests.some((r) => /\/v1\/events\/[0-9a-f-]+\?view=EVENT_VIEW_FULL$/.test(r.url)));
    await screenshot(page, 'live-detail');
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });
  });

  test('filters: patient, type and start from the earliest', async () => {
    for (const [patient, type, extra] of [
      [PATIENT_A, 'patient.connection_success', {}],
      [PATIENT_B, 'patient.connection_success', {}],
      [PATIENT_A, 'patient.ehi_export_failed', { failure_reason: 'token_refresh_failure', task_id: 't-1' }],
      [PATIENT_B, 'patient.ehi_export_failed', { failure_reason: 'scope_patient_missing', task_id: 't-2' }],
    ]) {
      const { status } = await sendFasten(server, delivery(type, connectionData(patient, extra)));
      assert.equal(status, 200);
    }

    await page.locator('input[name=start][value=START_POSITION_EARLIEST]').check();
    await page.locator('#f-patient').fill(PATIENT_A);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator(ROWS).nth(1).waitFor();
    await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
    const rowsA = await page.locator(ROWS).allInnerTexts();
    assert.equal(rowsA.length, 2, rowsA.join('\n'));
    assert.ok(rowsA.every((r) => r.includes(PATIENT_A)), rowsA.join('\n'));

    await page.locator('#f-types').selectOption('EVENT_TYPE_DATA_TRANSFER_FAILED');
    await page.locator('#f-patient').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator(ROWS).nth(1).waitFor();
    await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
    const failed = await page.locator(ROWS).allInnerTexts();
    assert.equal(failed.length, 2, failed.join('\n'));
    assert.ok(failed.every((r) => r.includes('data transfer failed')), failed.join('\n'));
    assert.deepEqual(new Set(failed.map((r) => (r.includes(PATIENT_A) ? 'A' : 'B'))), new Set(['A', 'B']));

    // Now only live failures of patient B: a success of B and a failure of A do not show.
    await page.locator('input[name=start][value=START_POSITION_LATEST]').check();
    await page.locator('#f-patient').fill(PATIENT_B);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
    await sendFasten(server, delivery('patient.connection_success', connectionData(PATIENT_B)));
    await sendFasten(server, delivery('patient.ehi_export_failed', connectionData(PATIENT_A, { failure_reason: 'x' })));
    await sendFasten(server, delivery('patient.ehi_export_failed', connectionData(PATIENT_B, { failure_reason: 'y' })));
    await page.locator(ROWS).first().waitFor();
    await page.locator('#live-count', { hasText: '1' }).waitFor();
    const live = await page.locator(ROWS).allInnerTexts();
    assert.equal(live.length, 1, live.join('\n'));
    assert.match(live[0], new RegExp(`${PATIENT_B}`));
    await screenshot(page, 'live-filtered');

    const subscribe = requests.filter((r) => r.url.endsWith('/v1/events:subscribe'));
    assert.ok(subscribe.length >= 3 && subscribe.every((r) => r.method === 'POST'));
    assert.ok(subscribe.some((r) => JSON.parse(r.body).filter.patient === PATIENT_A), 'the patient filter was not sent in the body');

    await page.locator('#f-types').selectOption([]);
    await page.locator('#f-patient').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
  });

  test('a time window that nothing can match says so', async () => {
    await page.locator('#f-after').fill('2026-03-02T10:00:00');
    await page.locator('#f-before').fill('2026-03-01T10:00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('#live-error', { hasText: 'Occurred after' }).waitFor({ timeout: 5000 });
    assert.match(await page.locator('#live-status').innerText(), /Stopped/);
    await page.locator('#f-after').fill('');
    await page.locator('#f-before').fill('');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
    assert.ok(await page.locator('#live-error').isHidden());
  });

  test('pause keeps the cursor: resume delivers what arrived meanwhile, once', async () => {
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#live-status', { hasText: 'Paused' }).waitFor();
    const before = await page.locator(ROWS).count();
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const env = delivery('patient.connection_success', connectionData(`patient-paused-${i}`));
      ids.push(env.id);
      assert.equal((await sendFasten(server, env)).status, 200);
    }
    await page.waitForTimeout(300);
    assert.equal(await page.locator(ROWS).count(), before, 'rows arrived while paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator(ROWS, { hasText: 'patient-paused-2' }).waitFor();
    await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
    const texts = await page.locator(ROWS).allInnerTexts();
    for (let i = 0; i < 3; i++) {
      assert.equal(texts.filter((t) => t.includes(`patient-paused-${i}`)).length, 1, texts.join('\n'));
    }
    assert.equal(texts.length, before + 3);
  });

  test('the Live list is keyboard-navigable', async () => {
    const second = await page.locator(ROWS).nth(1).innerText();
    await page.locator('#live-table').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    const active = await page.evaluate(() => document.getElementById(
      document.getElementById('live-table').getAttribute('aria-activedescendant')).innerText);
    assert.equal(active, second);
    await page.keyboard.press('Enter');
    await page.locator('#live-detail').waitFor();
    const seq = second.split('\t')[1];
    assert.match(await page.locator('#detail-h').innerText(), new RegExp(`^#${seq} `));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'detail-close');
    await page.keyboard.press('Enter');
    await page.locator('#live-detail').waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement.id), 'live-table');
  });

  test("the detail keeps every value that is data: '0', a name ending in _UNSPECIFIED", async () => {
    await page.locator('#live-status', { hasText: 'checkpoint' }).waitFor();
    await sendFasten(server, delivery('patient.ehi_export_failed', connectionData('0', {
      failure_reason: 'CLINIC_UNSPECIFIED', task_id: 'task-zero', platform_type: '0',
    })));
    const row = page.locator(ROWS).filter({ has: page.locator('td.phi', { hasText: /^0$/ }) });
    await row.click({ timeout: 5000 });
    await page.locator('#live-detail').waitFor();
    const fields = await page.locator('#detail-fields').evaluate((dl) => [...dl.querySelectorAll('dt')]
      .map((dt) => [dt.textContent, dt.nextElementSibling.textContent]));
    const field = (k) => fields.find(([name]) => name === k)?.[1];
    assert.equal(field('patient.externalId'), '0');
    assert.equal(field('connection.platformType'), '0');
    assert.equal(field('failure.detail'), 'CLINIC_UNSPECIFIED');
    // What the API sends for a field not set stays out.
    assert.equal(field('export.totalResources'), undefined, JSON.stringify(fields));
    assert.equal(field('search.resultCount'), undefined, JSON.stringify(fields));
    assert.ok(fields.every(([, v]) => v !== '' && !/^(SOURCE|EVENT_TYPE|STAGE|OUTCOME|API_MODE|FAILURE_REASON)_UNSPECIFIED$/.test(v)));
    await page.keyboard.press('Escape');
    await page.locator('#live-detail').waitFor({ state: 'hidden' });
  });

  test('Sources shows counts, rejections and dead letters by reason, why a source is degraded, and refreshes', async () => {
    const bad = await sendFasten(server, delivery('patient.connection_success', connectionData(PATIENT_A)), {
      secret: `whsec_${Buffer.from('a wrong secret of the right size').toString('base64')}`,
    });
    assert.equal(bad.status, 401);
    // Signed, but no usable envelope (no type): kept as a dead letter.
    const dead = await sendFasten(server, delivery(undefined, connectionData(PATIENT_A)));
    assert.equal(dead.status, 200);
    assert.match(JSON.stringify(dead.answer), /INGEST_STATUS_DEAD_LETTERED/);
    await page.getByRole('link', { name: 'Sources' }).click();
    assert.equal(await page.title(), 'Sources · connevents');
    const fasten = page.locator('article[data-source=SOURCE_FASTEN]');
    await fasten.waitFor();
    await fasten.locator('td', { hasText: 'SIGNATURE_INVALID' }).waitFor();
    const text = await fasten.innerText();
    assert.match(text, /ok/);
    assert.match(text, /Events stored\s+1[0-9]/);
    assert.match(text, /SIGNATURE_INVALID\s+1/);
    const deadLetters = fasten.locator('table.dead-letters');
    assert.equal(await deadLetters.locator('caption').innerText(), 'Dead letters by reason');
    assert.match(await deadLetters.innerText(), /MISSING_TYPE\s+1/);
    const oneup = page.locator('article[data-source=SOURCE_ONEUP]');
    // Not configured (DISABLED, which its badge says), and silent: the
    // reason is shown all the same.
    await oneup.locator('dt', { hasText: 'Degraded because' }).waitFor({ timeout: 10000 });
    assert.match(await oneup.innerText(), /Degraded because\s+nothing arrived for \d+s \(--oneup-expect-every is 1s\)/);
    assert.match(await oneup.locator('table.dead-letters').innerText(), /none/);

    await sendFasten(server, delivery('patient.connection_success', connectionData(PATIENT_A)), { secret: 'whsec_AAAA' });
    await fasten.locator('tr', { hasText: /SIGNATURE_INVALID\s*2$/ }).waitFor({ timeout: 10000 });
    await page.locator('article[data-source=SOURCE_ONEUP]').waitFor();
    await screenshot(page, 'sources');
  });

  test('Connections and Funnel open on the journeys of these deliveries', async () => {
    // The deliveries above made journeys of PATIENT_A and PATIENT_B (among
    // others): the list shows them, and the page asked for them in a body.
    await page.getByRole('link', { name: 'Connections' }).click();
    await page.locator('#page-connections').waitFor();
    await page.locator('#conn-rows tr', { hasText: PATIENT_A }).first().waitFor();
    await page.locator('#conn-rows tr', { hasText: PATIENT_A }).first().click();
    await page.locator('#conn-timeline li').first().waitFor();
    await page.locator('#c-patient').fill(PATIENT_B);
    await page.locator('#conn-filters button[type=submit]').click();
    await page.waitForFunction((p) => [...document.querySelectorAll('#conn-rows td.phi')].every((td) => td.textContent === p)
      && document.querySelectorAll('#conn-rows tr').length > 0, PATIENT_B);
    assert.ok(await page.locator('#conn-error').isHidden());
    await page.locator('#conn-filters button[type=reset]').click();
    await page.getByRole('link', { name: 'Funnel' }).click();
    await page.locator('#page-funnel').waitFor();
    await page.locator('table.funnel').first().waitFor();
    assert.ok(await page.locator('#funnel-error').isHidden());
  });

  test('phone width: every page fits', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    const phoneRequests = recordRequests(phone);
    await phone.goto(`${server.consoleURL}#live`);
    // The key is in this tab's sessionStorage only: a new tab asks again.
    await phone.locator('#auth').waitFor();
    await phone.locator('#auth-key').fill(server.apiKey);
    await phone.locator('#auth-key').press('Enter');
    await phone.locator('#live-status', { hasText: 'Live' }).waitFor();
    for (const name of ['live', 'sources', 'connections', 'funnel']) {
      await phone.goto(`${server.consoleURL}#${name}`);
      await phone.locator(`#page-${name}`).waitFor();
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - innerWidth);
      assert.ok(overflow <= 0, `${name} is ${overflow}px wider than the phone`);
      await screenshot(phone, `phone-${name}`);
    }
    requests.push(...phoneRequests);
    await phone.close();
  });

  // On a phone the page scrolls as a whole: a list that grew to its full
  // length would put every row in the page and a detail below all of them.
  test('phone width: the lists stay bounded, Live stays virtual, a detail opens near its row', async () => {
    await send(server, journeys({ base: new Date(Date.now() - 3600 * 1000), oneup: 60, fasten: 0, tag: 'phone' }));
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    requests.push(...recordRequests(phone));
    await phone.goto(`${server.consoleURL}#live`);
    await phone.locator('#auth-key').fill(server.apiKey);
    await phone.locator('#auth-key').press('Enter');
    await phone.locator('#live-filter-box > summary').click();
    await phone.locator('input[name=start][value=START_POSITION_EARLIEST]').check();
    await phone.getByRole('button', { name: 'Apply' }).click();
    await phone.waitForFunction(() => Number(document.getElementById('live-count').textContent) >= 200);
    await phone.locator('#live-filter-box > summary').click(); // folded again
    const events = Number(await phone.locator('#live-count').innerText());
    // Drawn again as the window changes (the rotation of a phone, say).
    await phone.setViewportSize({ width: 390, height: 800 });
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.evaluate(() => new Promise((r) => { requestAnimationFrame(() => requestAnimationFrame(r)); }));
    const rows = await phone.locator(ROWS).count();
    assert.ok(rows < 60, `${rows} of ${events} rows are in the page: the list is not virtual`);

    // below returns how far below the row the detail starts, in pixels.
    const below = (row, detail) => phone.evaluate(([r, d]) => document.querySelector(d).getBoundingClientRect().top
      - document.querySelector(r).getBoundingClientRect().top, [row, detail]);
    await phone.locator(ROWS).nth(3).click();
    await phone.locator('#live-detail').waitFor();
    await phone.locator(ROWS).nth(3).evaluate((tr) => tr.setAttribute('data-probe', ''));
    const live = await below('#live-rows tr[data-probe]', '#live-detail');
    assert.ok(live > 0 && live < 844, `the event's detail is ${live}px below its row`);
    // In view: all of it, or its start at the top of the screen.
    const { top, bottom } = await phone.locator('#live-detail').evaluate((d) => d.getBoundingClientRect().toJSON());
    assert.ok(top > -1 && (top < 1 || bottom < 845), `the detail is at ${top}–${bottom}px`);
    await screenshot(phone, 'phone-live-detail');

    await phone.goto(`${server.consoleURL}#connections`);
    const conn = phone.locator('#conn-rows tr');
    await conn.nth(50).waitFor();
    await conn.nth(3).click();
    await phone.locator('#conn-detail').waitFor();
    const journey = await below('#conn-rows tr[aria-selected]', '#conn-detail');
    assert.ok(journey > 0 && journey < 844, `the journey's detail is ${journey}px below its row`);
    await screenshot(phone, 'phone-connections-detail');
    await phone.close();
  });

  test('no request URL carries the key or a patient id; nothing personal is kept', async () => {
    assert.ok(requests.length > 10, 'the log recorded too little to prove anything');
    const secrets = [server.apiKey, PATIENT_A, PATIENT_B, 'patient-000123', 'patient-paused-0', 'not-the-key'];
    for (const r of requests) {
      for (const s of secrets) assert.ok(!r.url.includes(s), `${r.method} ${r.url} carries ${s}`);
    }
    const history = await page.evaluate(() => [location.href, document.title, history.length]);
    for (const s of secrets) assert.ok(!history.join(' ').includes(s));
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    const cookies = await context.cookies();
    assert.deepEqual(cookies, []);
  });
});

describe('console without API keys', () => {
  let server, browser;
  before(async () => { [server, browser] = await Promise.all([startServer({ apiKey: '' }), launch()]); });
  after(async () => { await browser?.close(); await server?.stop(); });

  test('opens directly', async () => {
    const page = await browser.newPage();
    await page.goto(server.consoleURL);
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    assert.ok(await page.locator('#auth').isHidden());
    assert.ok(await page.locator('#signout').isHidden());
    await page.close();
  });
});

describe('console with named keys and roles', () => {
  let server, browser;
  const relay = 'cek_relay-only-secret-5f2a9c1e7b3d4a60';
  const reader = 'cek_reader-secret-0b8e4d2c9a7f1e35';
  before(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'connevents-keys-'));
    const file = path.join(dir, 'keys');
    const sha = (k) => createHash('sha256').update(k).digest('hex');
    await writeFile(file, `relay ingest ${sha(relay)}\nconsole read ${sha(reader)}\n`);
    [server, browser] = await Promise.all([startServer({ apiKey: '', args: ['--api-keys-file', file] }), launch()]);
  });
  after(async () => { await browser?.close(); await server?.stop(); });

  test('a key without the read role is refused with a message naming the role', async () => {
    const page = await browser.newPage();
    await page.goto(server.consoleURL);
    await page.locator('#auth-key').fill(relay);
    await page.locator('#auth-key').press('Enter');
    await page.locator('#auth-error', { hasText: 'ROLE_REQUIRED' }).waitFor();
    assert.match(await page.locator('#auth-error').innerText(), /read role/);
    await page.locator('#auth-key').fill(reader);
    await page.locator('#auth-key').press('Enter');
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    await page.close();
  });
});
