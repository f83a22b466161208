// Screenshots of every shipped notebook, light and dark, as saved (no cell
// is run), into e2e/screenshots/ (kept after the run, for review). Each page
// is also checked for what the screenshots must not show: console errors,
// a pseudo metric, a bar chart that hides category labels, a player for a
// single frame; and a save by hand must write the file back as shipped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, runner, ROOT } from './harness.mjs';

const SHOTS = join(ROOT, 'e2e', 'screenshots');
const NAMES = readdirSync(join(ROOT, 'notebooks')).filter((n) => n.endsWith('.ipynb')).sort();

let server, browser;
before(async () => {
  server = await startServer(Object.fromEntries(NAMES.map((n) => [n, readFileSync(join(ROOT, 'notebooks', n), 'utf8')])));
  browser = await launch();
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});
const run = runner(() => ({ browser, server }));

test('every shipped notebook, light and dark: screenshots, no pseudo metrics, every bar label, whole steps, saved unchanged', run('screenshots', async (page) => {
  assert.ok(NAMES.length >= 7, `notebooks: ${NAMES}`);
  const churned = [];
  await page.goto(`${server.url}/?token=${server.token}`);
  await page.getByRole('link', { name: NAMES[0] }).waitFor();
  await page.screenshot({ path: join(SHOTS, 'list-light.png'), fullPage: true });
  for (const name of NAMES) {
    const base = name.replace(/\.ipynb$/, '');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${server.url}/notebooks/${name}`);
    await page.waitForSelector('.cell');
    await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });
    for (const scheme of ['light', 'dark']) {
      // Switching the system's scheme restyles the page and redraws the
      // charts in the matching theme, without a reload.
      await page.emulateMedia({ colorScheme: scheme });
      // Every chart drawn in this scheme, math typeset.
      await page.waitForFunction((sc) => [...document.querySelectorAll('.chart')].every((c) => c.__chart && c.dataset.scheme === sc && c.querySelector('canvas'))
        && [...document.querySelectorAll('.math')].every((m) => m.classList.contains('math-done')), scheme);
      await page.evaluate(() => document.fonts.ready);
      const text = await page.evaluate(() => document.querySelector('.cells').innerText);
      assert.doesNotMatch(text, /\bSTEP\b/, `${name}: a "STEP" pseudo metric`);
      const single = await page.locator('figure.frames').evaluateAll((fs) => fs.filter((f) => f.querySelector('.fv-summary').textContent.startsWith('1 frame ') && f.querySelector('.fv-play')).length);
      assert.equal(single, 0, `${name}: a player for a single frame`);
      const hidden = await page.locator('.chart').evaluateAll((cs) => cs.flatMap((c) => {
        const opt = c.__chart.getOption();
        const x = opt.xAxis && opt.xAxis[0];
        if (!x || x.type !== 'category') return [];
        const shown = c.__chart.getModel().getComponent('xAxis', 0).axis.getViewLabels().length;
        return shown < x.data.length ? [`${opt.title[0].text}: ${shown} of ${x.data.length} labels`] : [];
      }));
      assert.deepEqual(hidden, [], `${name}: bar charts hide labels`);
      // A step axis counts whole steps.
      const fractional = await page.locator('.chart').evaluateAll((cs) => cs.flatMap((c) => {
        const axis = c.__chart.getModel().getComponent('xAxis', 0);
        if (!axis || axis.get('type') !== 'value' || !/step/i.test(axis.get('name') || '')) return [];
        const ticks = axis.axis.scale.getTicks().map((t) => t.value);
        return ticks.every(Number.isInteger) ? [] : [`${c.__chart.getOption().title[0].text}: ${ticks}`];
      }));
      assert.deepEqual(fractional, [], `${name}: step axes with fractional ticks`);
      await wholePage(page, join(SHOTS, `${base}-${scheme}.png`));
    }
    // A save by hand of the notebook as shipped rewrites none of its lines
    // (the server keeps the file's own forms of text fields).
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+s');
    await page.locator('.save-state', { hasText: 'Saved' }).waitFor();
    const saved = readFileSync(join(server.dir, name), 'utf8').split('\n');
    const shipped = readFileSync(join(ROOT, 'notebooks', name), 'utf8').split('\n');
    const at = shipped.findIndex((l, i) => l !== saved[i]);
    if (at >= 0 || saved.length !== shipped.length) churned.push(`${name} line ${at + 1}:\n- ${shipped[at]}\n+ ${saved[at]}`);
    // Stop the notebook's kernel before the next one (each is a process),
    // from the list page: the notebook page would try to reconnect.
    await page.goto(`${server.url}/`);
    await page.evaluate(async (p) => {
      const list = await (await fetch('/api/sessions')).json();
      const xsrf = decodeURIComponent((document.cookie.match(/_xsrf=([^;]*)/) || [])[1] || '');
      for (const s of list.filter((x) => x.path === p)) await fetch(`/api/sessions/${s.id}`, { method: 'DELETE', headers: { 'X-XSRFToken': xsrf } });
    }, name);
  }
  assert.deepEqual(churned, [], 'a save by hand changed shipped notebooks');
}));

// wholePage takes a screenshot of the whole page. The viewport grows to the
// page's height first: CodeMirror draws only the lines of an editor near
// the viewport, so a full-page capture of a normal viewport shows long
// cells cut off below their first lines.
async function wholePage(page, path) {
  const size = page.viewportSize();
  let height = 0;
  for (let i = 0; i < 5; i++) {
    const h = await page.evaluate(() => document.documentElement.scrollHeight);
    if (h === height) break;
    height = h;
    await page.setViewportSize({ width: size.width, height });
    // Two frames: the editors measure in one and draw in the next.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  await page.screenshot({ path });
  await page.setViewportSize(size);
}
