// The built site under a sub-path and offline: a static host serves `vite build` at /sub/path/,
// the first visit caches the notebook and MNIST, and with the host gone and the browser offline a
// reload still trains. A second build replaces the cache (and the old one is removed).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { build, type Plugin } from 'vite';
import { staticHost } from './static-server';

test.use({ serviceWorkers: 'allow' });

const tmp = mkdtempSync(join(tmpdir(), 'offline-'));

/** A real `vite build` of this checkout into its own folder; `stamp` makes a different build. */
async function buildSite(name: string, stamp = ''): Promise<string> {
  const outDir = join(tmp, name);
  const plugins: Plugin[] = stamp ? [{ name: 'stamp', transformIndexHtml: (h) => h.replace('</head>', `<!-- ${stamp} --></head>`) }] : [];
  await build({ configFile: resolve('vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true }, plugins });
  return outDir;
}

const buildOf = (dir: string) => /<meta name="notebook-build" content="([0-9a-f]{16})"/.exec(readFileSync(join(dir, 'index.html'), 'utf8'))?.[1];
const offline = (page: Page) => page.getByTestId('offline-status');
const cacheKeys = (page: Page) => page.evaluate(() => caches.keys());

test('built under /sub/path/, after one visit the notebook trains offline', async ({ page, context }) => {
  const dir = await buildSite('a');
  const host = await staticHost(dir);
  const origin = new URL(host.url).origin;
  const foreign: string[] = [];
  const failed: string[] = [];
  page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:') && foreign.push(r.url()));
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  await page.goto(`${host.url}?section=mnist&trainLimit=256&testLimit=256&epochs=1&seed=7`);
  await expect(offline(page)).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(offline(page)).toHaveAttribute('data-version', buildOf(dir)!);
  // Everything came from under the sub-path, MNIST included.
  expect(host.requests.filter((p) => !p.startsWith('/sub/path/'))).toEqual([]);
  for (const f of ['mnist.json', 'mnist-train-images.gz.bin', 'mnist-test-labels.gz.bin']) expect(host.requests).toContain(`/sub/path/data/${f}`);

  await host.close();
  await context.setOffline(true);
  const before = host.requests.length;
  await page.reload();
  await expect(offline(page)).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('tab-mnist')).toHaveAttribute('aria-selected', 'true');
  await page.getByTestId('mnist-run').click();
  await expect(page.locator('mnist-section nb-cell[index="5"]').getByTestId('cell-status')).toHaveText('done', { timeout: 240_000 });
  const acc = Number(await page.getByTestId('mnist-test-acc-1').getAttribute('data-value'));
  expect(acc).toBeGreaterThan(0);
  await expect(page.getByTestId('mnist-train-count')).toHaveText('60,000');
  expect(host.requests.length).toBe(before); // the host is gone: nothing reached it
  expect(foreign).toEqual([]);
  expect(failed).toEqual([]);
});

test('a new build replaces the cache: the old one is removed, an open old page is told', async ({ page, context }) => {
  const a = await buildSite('a');
  const b = await buildSite('b', 'second build');
  const [va, vb] = [buildOf(a), buildOf(b)];
  expect(va && vb && va !== vb).toBe(true);
  const host = await staticHost(a);
  await page.goto(host.url);
  await expect(offline(page)).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  expect(await cacheKeys(page)).toEqual([`notebook-${va}`]);

  // The host now serves build b: a second tab gets it from the network and installs its worker.
  host.serve(b);
  const second = await context.newPage();
  await second.goto(host.url);
  await expect(offline(second)).toHaveAttribute('data-state', 'ready', { timeout: 120_000 });
  await expect(offline(second)).toHaveAttribute('data-version', vb!);
  expect(await cacheKeys(second), `a ${va}, b ${vb}`).toEqual([`notebook-${vb}`]);
  const cached = await second.evaluate(async (k) => (await (await caches.open(k)).match('index.html'))?.text(), `notebook-${vb}`);
  expect(cached).toContain('<!-- second build -->');
  // The first tab still shows build a, and says a newer one took over.
  await expect(offline(page)).toHaveAttribute('data-state', 'newer');
  await expect(offline(page)).toContainText(`A newer build (${vb}) is cached and the old one removed; reload to use it.`);
  await page.reload();
  await expect(offline(page)).toHaveAttribute('data-state', 'ready');
  await expect(offline(page)).toHaveAttribute('data-version', vb!);
  await host.close();
});
