import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../../../infra/local/emulator/runtime.js';
import { type Console, startConsole } from '../../../../../infra/local/saga/console/server.js';
import type { SagaRow } from '../../../../../infra/local/saga/console/views.js';
import { runDemo } from '../../../../../infra/local/saga/demo.js';
import { expectations, readPayload } from '../../../../../infra/local/saga/scenarios.js';
import { storefrontBus } from '../../../../../infra/local/saga/storefront-principal.js';
import { PROJECT_ROOT } from '../../../../../infra/project.js';
import { SagaAudited } from '../../../../../shared/events/index.js';
import { findChromium, NO_BROWSER } from '../../../../support/browser.js';
import { bootTestRuntime } from '../../../../support/runtime.js';

/**
 * The saga console on one runtime that ran the seed scenarios: its JSON API, then the page in Debian's
 * headless chromium. One order's payment handler crashes on every delivery until the operator redrives it,
 * to fill a DLQ. Screenshots go to .saga/screenshots/ (git-ignored): sagas.png (docs/console.png is a copy),
 * sagas-narrow.png, saga-cancelled.png, dead-letters.png.
 */
const FAILING_ORDER = randomUUID();
const SCREENSHOTS = join(PROJECT_ROOT, '.saga', 'screenshots');

let runtime: Runtime;
let web: Console;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

const orderIdOf = (detail: unknown) => (detail as { detail?: { orderId?: unknown } }).detail?.orderId;

beforeAll(async () => {
  runtime = await bootTestRuntime({
    faults: {
      // The payment service's handler of one order crashes until the operator redrives it.
      onInvoke: ({ fn, event, redrive }) =>
        orderIdOf(event) === FAILING_ORDER && fn.logicalId.startsWith('Payment') && !redrive
          ? { crash: true }
          : undefined,
    },
  });
  const report = await runDemo({ runtime, log: () => {} });
  expect(report.problems).toEqual([]);
  web = await startConsole(runtime, 0);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const found = await findChromium();
  if (found === undefined) throw new Error(NO_BROWSER);
  browser = await chromium.launch({ executablePath: found.executablePath, args: found.args });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // The page must load nothing from the network: every request goes to the console itself.
  page.on('request', (request) => {
    if (!request.url().startsWith(web.url)) foreignRequests.push(request.url());
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await runtime?.stop();
});

const api = async (path: string, init?: RequestInit) => {
  const response = await fetch(new URL(path, web.url), {
    ...init,
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const expected = Object.values(expectations());
const cancelledWithRefund = expected.find((e) => e.reason === 'OUT_OF_STOCK');

describe('the console JSON API', () => {
  it('lists every seed saga with the status and reason it ended in', async () => {
    const { body } = await api('/api/sagas');
    const rows = new Map((body.sagas as SagaRow[]).map((row) => [row.orderId, row]));
    for (const want of expected) {
      expect(rows.get(want.orderId)).toMatchObject({
        status: want.outcome,
        verdict: 'CONSISTENT',
        ...(want.reason && { reason: want.reason }),
      });
    }
    expect(body.counts).toMatchObject({ total: expected.length, inFlight: 0, inconsistent: 0 });
  });

  it("marks a cancelled saga's compensations and draws them in its diagram", async () => {
    const { body } = await api(`/api/sagas/${cancelledWithRefund?.orderId}`);
    const events = body.events as { detailType: string; compensation: boolean }[];
    expect(events.filter((e) => e.compensation).map((e) => e.detailType)).toContain('PaymentRefunded');
    expect(body.mermaid).toMatch(/Payment->>Audit: PaymentRefunded: .*\(compensation\)/);
    expect(body.items).toMatchObject({ order: { status: 'CANCELLED' } });
  });

  it('answers 404 for an unknown order and 400 for a payload that is not in test/payloads', async () => {
    expect((await api(`/api/sagas/${randomUUID()}`)).status).toBe(404);
    const put = await api('/api/payloads', {
      method: 'POST',
      body: JSON.stringify({ file: '../package.json' }),
    });
    expect(put.status).toBe(400);
    expect((await api('/api/orders', { method: 'POST', body: '{}' })).status).toBe(400);
  });

  it('counts the funnel and the ended sagas in the metrics, and lists every alarm of the template', async () => {
    const { body } = await api('/api/metrics');
    const confirmed = expected.filter((e) => e.outcome === 'CONFIRMED').length;
    expect(body.funnel).toMatchObject({
      placed: expected.length,
      confirmed,
      cancelled: expected.length - confirmed,
    });
    expect(body.durationMs).toMatchObject({ count: expected.length });
    const { alarms } = (await api('/api/alarms')).body as { alarms: { alarmName: string; state: string }[] };
    expect(alarms.map((a) => a.alarmName).sort()).toEqual(
      runtime
        .alarms()
        .map((a) => a.alarmName)
        .sort(),
    );
  });

  it('places an order through the storefront API, and relays its answer to a cancel once it is confirmed', async () => {
    const placed = await api('/api/orders', {
      method: 'POST',
      body: JSON.stringify({ file: 'success.json' }),
    });
    expect(placed.body).toMatchObject({ status: 202, location: expect.stringMatching(/\/orders\//) });
    const orderId = (placed.body.body as { orderId: string }).orderId;
    await runtime.waitFor((log) =>
      log.some(
        ({ event }) => event['detail-type'] === SagaAudited.detailType && event.detail.orderId === orderId,
      ),
    );
    expect((await api(`/api/sagas/${orderId}`)).body.saga).toMatchObject({ status: 'CONFIRMED' });

    const cancel = await api(`/api/orders/${orderId}/cancel`, { method: 'POST' });

    expect(cancel.body).toMatchObject({ status: 409 });
  });
});

describe('the console page in a headless browser', () => {
  it('lists every saga with its status', async () => {
    await page.goto(web.url);
    await page
      .locator('#sagas tbody tr')
      .nth(expected.length - 1)
      .waitFor();
    for (const want of expected) {
      const row = page.locator(`#sagas tbody tr[data-order-id="${want.orderId}"]`);
      await expect(row.locator('td.status').textContent()).resolves.toBe(want.outcome);
    }
    await page.screenshot({
      path: join(SCREENSHOTS, 'sagas.png'),
      clip: { x: 0, y: 0, width: 1280, height: 560 },
    });
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('fits a narrow window without scrolling the page sideways', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await page.locator('#sagas tbody tr').first().waitFor();

    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    await page.screenshot({ path: join(SCREENSHOTS, 'sagas-narrow.png') });
    await page.setViewportSize({ width: 1280, height: 800 });

    expect(overflow).toBeLessThanOrEqual(0);
  });

  it("draws a cancelled saga's sequence diagram with its compensations, opened from the keyboard", async () => {
    await page.locator(`#sagas tbody tr[data-order-id="${cancelledWithRefund?.orderId}"] button`).focus();
    await page.keyboard.press('Enter');
    const diagram = page.locator('#diagram svg');
    await diagram.getByText('PaymentRefunded', { exact: false }).first().waitFor();
    await expect(diagram.textContent()).resolves.toMatch(/PaymentRefunded: .*\(compensation\)/);
    await expect(page.locator('#saga-events li.compensation').count()).resolves.toBeGreaterThan(0);
    await page.locator('#saga').screenshot({ path: join(SCREENSHOTS, 'saga-cancelled.png') });
  });

  it('lists a dead-lettered event after a failing handler, and the redrive button empties the queue', async () => {
    const [entry] = readPayload('success.json');
    if (!entry) throw new Error('success.json has no entry');
    const detail = { ...JSON.parse(entry.Detail), orderId: FAILING_ORDER };
    const bus = storefrontBus(runtime);
    await bus.send(new PutEventsCommand({ Entries: [{ ...entry, Detail: JSON.stringify(detail) }] }));
    bus.destroy();
    await runtime.idle({ timeoutMs: 60_000 });

    const letter = page.locator('#dead-letters tbody tr', { hasText: FAILING_ORDER });
    await letter.waitFor();
    await page.locator('section[aria-labelledby="dlq-heading"]').screenshot({
      path: join(SCREENSHOTS, 'dead-letters.png'),
    });

    await page.locator('#redrive').click();
    await page.getByText('Every dead-letter queue is empty.').waitFor();
    expect(runtime.deadLetters().flatMap((queue) => queue.messages)).toEqual([]);
    const row = page.locator(`#sagas tbody tr[data-order-id="${FAILING_ORDER}"] td.status`);
    await row.getByText('CONFIRMED').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
