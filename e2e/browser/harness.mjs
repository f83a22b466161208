// harness.mjs: starts the real `rlvrworld serve` on a free loopback port with
// a temporary notebooks folder and a known token, and launches Debian's
// Chromium headless through playwright-core. Every page's console errors
// and uncaught exceptions are collected, so tests can assert there are none.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(new URL('../..', import.meta.url).pathname);
export const ARTIFACTS = join(ROOT, 'test-artifacts');
const BIN = process.env.RLVRWORLD_BIN || join(ROOT, 'bin', 'rlvrworld');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// startServer runs the playground and resolves with its base URL and token
// once it printed the URL.
export async function startServer(notebooks) {
  const dir = mkdtempSync(join(tmpdir(), 'rlvr-e2e-'));
  for (const [name, nb] of Object.entries(notebooks || {})) {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    // A string is written as is (a shipped notebook, or a file that is no
    // notebook); an object as notebook JSON.
    writeFileSync(p, typeof nb === 'string' ? nb : JSON.stringify(nb, null, 1));
  }
  const token = 'e2e-' + Math.random().toString(16).slice(2);
  const proc = spawn(BIN, ['serve', '--no-browser', '--addr', '127.0.0.1:0', '--notebooks', dir, '--token', token], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server printed no URL in 20 s:\n${log}`)), 20000);
    const onData = (b) => {
      log += b.toString();
      const m = log.match(/(http:\/\/127\.0\.0\.1:\d+)\/\S*token=/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (b) => { log += b.toString(); });
    proc.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${log}`)));
    proc.on('error', fail);
  });
  return {
    url, token, dir, proc,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 8000);
        await done;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// newPage opens a page that records console errors and page errors.
export async function newPage(browser, options = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 860 }, acceptDownloads: true, ...options });
  const page = await ctx.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  // The console's "Failed to load resource" names no URL; record which.
  page.on('response', (r) => { if (r.status() >= 400) page.errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`); });
  // Requests that got no response at all (a font or chunk the network or
  // the CSP refused) fail without a status; they count as errors too. An
  // aborted request is no failure: leaving a page aborts its fetches.
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText || 'failed';
    if (why !== 'net::ERR_ABORTED') page.errors.push(`request failed: ${r.method()} ${r.url()}: ${why}`);
  });
  // RLVR_STATIC_DIR serves the page's assets from another build of the
  // bundle (for example the previous commit's), to show that a test fails
  // on it.
  if (process.env.RLVR_STATIC_DIR) {
    await page.route('**/static/**', (route) => {
      const rel = new URL(route.request().url()).pathname.replace(/^\/static\//, '');
      route.fulfill({ path: join(process.env.RLVR_STATIC_DIR, rel) });
    });
  }
  page.requested = [];
  page.on('request', (r) => page.requested.push(new URL(r.url()).pathname));
  return page;
}

export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// notebook builds an nbformat 4.5 notebook from [type, source, extra]
// triples; extra's fields (metadata, outputs, execution_count) replace the
// cell's defaults.
export function notebook(cells) {
  return {
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 'rlvrworld', display_name: 'Go (RLVR-World)', language: 'go' } },
    cells: cells.map(([type, source, extra], i) => (type === 'code'
      ? { id: `c${i}`, cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null, ...extra }
      : { id: `c${i}`, cell_type: 'markdown', metadata: {}, source, ...extra })),
  };
}

// openNotebook opens a notebook page of server; unless kernel is false it
// waits until the notebook's kernel is idle.
export async function openNotebook(page, server, path, kernel = true) {
  await page.goto(`${server.url}/notebooks/${path}?token=${server.token}`);
  await page.waitForSelector('.cell');
  if (kernel) await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });
}

// cellDone waits until a cell's run has finished: it is neither queued
// nor running and its prompt shows an execution count. Output can arrive
// before the kernel's reply, so a visible output alone does not mean the
// cell is done; the next run would queue behind it (and be aborted if this
// one failed, as in Jupyter).
export async function cellDone(cell, timeoutMs = 30000) {
  await until(() => cell.evaluate((el) => !el.classList.contains('running') && !el.classList.contains('queued')
    && /^\[\d+\]:$/.test(el.querySelector('.prompt')?.textContent.trim() ?? '')), 'the cell has finished', timeoutMs);
}

// until polls a condition (sync or async) that the page cannot wait for
// itself, such as a file on disk or a canvas's pixels, every 50 ms until it
// returns a truthy value, which it resolves with.
export async function until(cond, what, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// BLOCK_AT is a cell's start that imports rlvr/display and defines
// blockAt(x), a 16x16 frame with a red 4x4 block at column x: material for
// the frames viewer.
export const BLOCK_AT = `import (
	"image"
	"image/color"
	"rlvr/display"
)

func blockAt(x int) image.Image {
	im := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			im.Set(x+i, 6+j, color.RGBA{200, 40, 40, 255})
		}
	}
	return im
}
`;

// runner wraps a test body for a given browser and server: on failure it
// keeps a screenshot and prints the server log; it always checks that the
// page logged no errors.
export function runner(get) {
  return (name, body, options) => async () => {
    const { browser, server } = get();
    const page = await newPage(browser, options);
    try {
      await body(page);
      if (page.errors.length) throw new Error(`browser console errors: ${page.errors.join('\n')}`);
    } catch (e) {
      await shot(page, `FAILED-${name}`).catch(() => {});
      console.error(`--- server log ---\n${server.log().slice(-3000)}`);
      throw e;
    } finally {
      await page.context().close();
    }
  };
}
