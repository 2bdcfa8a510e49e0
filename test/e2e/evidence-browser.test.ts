import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evidence } from '../../lib/core/evidence/types.js';
import { runLifeboat } from '../support/cli.js';
import { offlineEvidenceArgs, writeEvidenceFixture } from '../support/evidence-fixture.js';

// Debian's chromium, which scripts/test-prerequisites.mjs installs; LIFEBOAT_CHROMIUM names another.
const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium';

let dir: string;
let browser: Browser;
let page: Page;
let evidence: Evidence;
const problems: string[] = [];
const fetched: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-evidence-browser-'));
  const files = await writeEvidenceFixture(dir);
  const args = offlineEvidenceArgs(files);
  const [html, json] = await Promise.all([
    runLifeboat([...args, '--out', join(dir, 'evidence.html')]),
    runLifeboat([...args, '--format', 'json']),
  ]);
  expect([html.code, html.stderr, json.code]).toEqual([0, '', 0]);
  evidence = JSON.parse(json.stdout) as Evidence;

  // Root in a container: Chromium's sandbox needs user namespaces it may not have.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  // The file must stand alone: anything it would fetch is refused and remembered.
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    fetched.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(join(dir, 'evidence.html')).href, { waitUntil: 'load' });
  if (process.env.LIFEBOAT_EVIDENCE_SCREENSHOT) {
    await page.screenshot({ path: process.env.LIFEBOAT_EVIDENCE_SCREENSHOT, fullPage: true });
  }
});

afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the evidence HTML in headless Chromium', () => {
  it('loads with no error or warning, fetches nothing and runs no script', async () => {
    expect(problems).toEqual([]);
    expect(fetched).toEqual([]);
    expect(await page.evaluate('document.scripts.length')).toBe(0);
    expect(await page.title()).toBe('Recoverability evidence, 2026-10-31 to 2026-11-30');
  });

  it('shows every database of the evidence with its three charts drawn', async () => {
    expect(evidence.databases.map((d) => d.database)).toEqual(['ledger', 'orders']);
    for (const db of evidence.databases) {
      const section = page.locator(`section.database[data-database="${db.database}"]`);
      await expect(section.locator('h2').textContent()).resolves.toContain(db.database);
      for (const chart of ['rpo', 'verify', 'rto']) {
        const box = await section.locator(`svg[data-chart="${chart}"]`).boundingBox();
        expect(box, `${db.database} ${chart}`).not.toBeNull();
        expect(box!.width).toBeGreaterThan(300);
        expect(box!.height).toBeGreaterThan(60);
      }
      // One tooth of the sawtooth per measured gap, at the source and at each copy target.
      const measured = [db.rpo, ...db.copies.map((c) => c.rpo)].flatMap((rpo) =>
        rpo.gaps.filter((g) => !g.thinnedByRetention),
      );
      await expect(section.locator('svg[data-chart="rpo"] polyline.age').count()).resolves.toBe(
        measured.length,
      );
      const passed = db.verifications.filter((v) => v.result === 'passed').length;
      await expect(section.locator('svg[data-chart="verify"] circle.passed').count()).resolves.toBe(passed);
      await expect(section.locator('svg[data-chart="verify"] path.failed').count()).resolves.toBe(
        db.failures.length,
      );
      await expect(section.locator('svg[data-chart="rto"] circle.rto').count()).resolves.toBe(db.rto.runs);
      await expect(section.locator('tbody tr').count()).resolves.toBe(
        db.verifications.length + db.failures.length,
      );
    }
  });

  it('draws the RPO objective line at its height and the breach above it', async () => {
    // orders: the 48 h gap of the missed day peaks above the 26 h line, so higher on the page.
    const chart = page.locator('section[data-database="orders"] svg[data-chart="rpo"]');
    const objective = Number(await chart.locator('line.objective').getAttribute('y1'));
    const peaks = await Promise.all(
      (await chart.locator('polyline.age').all()).map(async (line) => {
        const points = (await line.getAttribute('points'))!.trim().split(' ');
        return Number(points.at(-1)!.split(',')[1]);
      }),
    );
    expect(peaks.filter((y) => y < objective)).toHaveLength(2); // at the source and at eu-west-1
    // The two gaps retention thinned at the source are grey bands, not teeth.
    await expect(chart.locator('rect.thinned').count()).resolves.toBe(2);
  });

  it('prints', async () => {
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  });
});
