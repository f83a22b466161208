// End-to-end tests of the notebook page's behaviour that a new user meets in
// the first hour (issue 28): the live chart keeping up with its loop, Run all
// and raises-exception, math accents, the input field, autosave and revert,
// stale marks, the frames viewer, chart axes, dark mode, the table of
// contents, run times, downloads, cell commands, the list page and login.
// Every wait is on a condition, never on a sleep.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, notebook, runner, openNotebook as open, until, BLOCK_AT, ARTIFACTS } from './harness.mjs';

// A saved output with an old execution count, as a shipped notebook has.
const OLD = (n, text) => ({ execution_count: n, outputs: [{ output_type: 'stream', name: 'stdout', text }] });

const FRAMES = `${BLOCK_AT}one := display.Frames{Title: "one frame", Predicted: []image.Image{blockAt(2)}, Truth: []image.Image{blockAt(3)}}
display.Show(one)
display.Frames{Title: "a repeat", Predicted: []image.Image{blockAt(2), blockAt(2)}, Truth: []image.Image{blockAt(2), blockAt(5)}, Repeated: []bool{false, true}}`;

const NOTEBOOKS = {
  'live.ipynb': notebook([['code', `import (
	"rlvr/display"
	"rlvr/plot"
	"time"
)
live := plot.NewLive("loss", "loss")
bar := display.NewProgress("steps", 80)
for i := 0; i < 80; i++ {
	live.Add(float64(i), 1/float64(i+1))
	bar.Set(i + 1)
	time.Sleep(100 * time.Millisecond)
}
live.Flush()`]]),
  'runon.ipynb': notebook([
    ['code', 'a := 1\na'],
    ['code', 'xs := []int{}\nxs[3]', { metadata: { tags: ['raises-exception'] }, ...OLD(11, 'old\n') }],
    ['code', 'import "fmt"\nfmt.Println("after the expected error")', OLD(12, 'old output\n')],
    ['code', 'panic("not expected")'],
    ['code', 'fmt.Println("never")', OLD(12, 'old output of the last cell\n')],
  ]),
  'math.ipynb': notebook([['markdown', '# Math\n\nThe mean reward\n\n$$\\bar R = \\frac{1}{G}\\sum_i R_i, \\quad \\hat A_i = R_i - \\bar R$$']]),
  'input.ipynb': notebook([['code', 'import (\n\t"fmt"\n\t"rlvr/display"\n)\nfmt.Println("text printed before asking")\nname, _ := display.Input("Your name: ")\nfmt.Println("printed between the questions")\ncity, _ := display.Input("Your city: ")\n"hi " + name + " from " + city']]),
  'autosave.ipynb': notebook([['markdown', '# Teaching copy'], ['code', '6 * 7', OLD(3, 'saved\n')], ['code', '1 + 1']]),
  'stale.ipynb': notebook([['code', 'x := 1\nx', OLD(1, '1\n')], ['code', 'x + 1', OLD(2, '2\n')], ['code', 'x + 2', OLD(3, '3\n')]]),
  'frames.ipynb': notebook([['code', FRAMES]]),
  'charts.ipynb': notebook([['code', `import "rlvr/plot"
plot.Line("reward", []float64{0, 1, 2, 3, 4}, plot.NewSeries("RLVR", 0.1, 0.2, 0.4, 0.5, 0.6)).Labels("step", "reward")`],
  ['code', `plot.Bar("headline", []string{"textgame acc_overall", "web f1", "video ssim", "video-multi ssim", "web-agent success_rate", "policy-eval success_gap"},
	plot.NewSeries("MLE", 0.5, 0.6, 0.7, 0.7, 0.4, 0.3), plot.NewSeries("RLVR", 0.55, 0.65, 0.72, 0.71, 0.45, 0.2))`]]),
  'tour.ipynb': notebook([
    ['markdown', '# Tour\n\nA notebook to try the page on.\n\n## First part'],
    ['code', 'import "fmt"\nfmt.Println("one")'],
    ['markdown', '## Second part\n\n### A detail'],
    ['code', 'import "fmt"\nfmt.Println("two")'],
    ['code', 'import "fmt"\nfmt.Println("three")'],
  ]),
  'gen/main.go': 'package main\n',
  'src/00.cells': '%% md\n# x\n',
  'described.ipynb': notebook([['markdown', '# Title\n\nWorld models predict what happens next. More text follows here.'], ['code', '1']]),
};

let server, browser;
before(async () => {
  server = await startServer(NOTEBOOKS);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});
const run = runner(() => ({ browser, server }));

const openNotebook = (page, path, kernel) => open(page, server, path, kernel);

async function runCell(page, i) {
  await page.locator('.cell').nth(i).click({ position: { x: 20, y: 10 } });
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Enter');
}

async function menu(page, summary, item) {
  await page.locator('summary', { hasText: summary }).click();
  await page.getByRole('button', { name: item, exact: true }).click();
}

test('the live chart keeps up with its loop while it runs', run('live', async (page) => {
  await openNotebook(page, 'live.ipynb');
  await runCell(page, 0);
  const cell = page.locator('.cell').first();
  await cell.locator('.chart canvas').first().waitFor({ timeout: 30000 });
  // ECharts says 'finished' when a render has nothing left to animate.
  // While the loop still runs (the bar below 70 of 80), a chart that draws
  // each update at once finishes between updates; one that restarts its
  // animation (about a second) at every update (every 250 ms) trails the
  // run and finishes only after the loop ends.
  await page.waitForFunction(() => document.querySelector('.cell .chart')?.__chart);
  await page.evaluate(() => {
    const c = document.querySelector('.cell .chart');
    c.__log = [];
    c.__chart.on('finished', () => c.__log.push({
      points: c.__option.series[0].data.length,
      done: Number(document.querySelector('.cell progress')?.getAttribute('value') || 0),
    }));
  });
  const seen = await page.waitForFunction(() => {
    const c = document.querySelector('.cell .chart');
    const hit = c.__log.find((e) => e.done >= 10 && e.done < 70);
    if (hit) return hit;
    const done = Number(document.querySelector('.cell progress')?.getAttribute('value') || 0);
    return done >= 70 ? { late: true, done } : false;
  }, null, { timeout: 30000, polling: 50 });
  const v = await seen.jsonValue();
  assert.ok(!v.late, `the chart never finished drawing while the loop ran (progress ${v.done}/80)`);
  assert.ok(v.points >= v.done - 10, `chart drew ${v.points} points at progress ${v.done}`);
  await cell.locator('progress[value="80"]').waitFor({ timeout: 30000 });
}));

test('Run all runs on past a raises-exception cell, and says why a run stopped', run('runon', async (page) => {
  await openNotebook(page, 'runon.ipynb');
  await page.getByRole('button', { name: 'Run all', exact: true }).click();
  const cells = page.locator('.cell');
  await cells.nth(2).locator('.out-stream', { hasText: 'after the expected error' }).waitFor({ timeout: 30000 });
  await cells.nth(3).locator('.out-error').waitFor({ timeout: 30000 });
  await page.waitForSelector('.kstatus[data-state="idle"]');
  await page.locator('.banner', { hasText: 'Run stopped at cell 4' }).waitFor();
  assert.match(await page.locator('.banner').textContent(), /1 cell after it did not run/);
  assert.match(await cells.nth(4).locator('.stale-note').textContent(), /not run: the run stopped at cell 4/);
  assert.equal(await cells.nth(1).locator('.out-error').count(), 1, 'the expected error is shown');
  // No two cells show the same execution count.
  const prompts = (await page.locator('.cell .prompt').allTextContents()).map((t) => t.trim()).filter((t) => /\d/.test(t));
  assert.equal(new Set(prompts).size, prompts.length, `duplicate prompts: ${prompts}`);
}));

test('display math keeps its accents (no clipping)', run('math', async (page) => {
  await openNotebook(page, 'math.ipynb', false);
  const accent = page.locator('.katex-display .accent-body').first();
  await accent.waitFor({ state: 'attached' });
  await page.evaluate(() => document.fonts.ready);
  const clipped = await accent.evaluate((el) => {
    const r = el.getBoundingClientRect();
    for (let p = el.parentElement; p && !p.classList.contains('cell'); p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (cs.overflowY !== 'visible' || cs.overflowX !== 'visible') {
        const b = p.getBoundingClientRect();
        if (r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5) return `${p.className} clips the accent: ${r.top}-${r.bottom} outside ${b.top}-${b.bottom}`;
        if (p.scrollHeight > p.clientHeight + 1 && cs.overflowY !== 'visible') return `${p.className} scrolls vertically`;
      }
    }
    return '';
  });
  assert.equal(clipped, '');
}));

test('input fields and answers stay in order with the text printed around them', run('input-order', async (page) => {
  await openNotebook(page, 'input.ipynb');
  await runCell(page, 0);
  const cell = page.locator('.cell').first();
  // The cell's text in page order, with the field shown as [field].
  const order = () => cell.evaluate((el) => {
    const parts = [];
    const walk = (n) => {
      if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent);
      else if (n.matches && n.matches('form.stdin')) parts.push('[field]');
      else n.childNodes.forEach(walk);
    };
    walk(el.querySelector('.outputs'));
    walk(el.querySelector('.stdin-area'));
    return parts.join('').replace(/\s+/g, ' ');
  });
  await page.getByRole('textbox', { name: 'Your name:' }).waitFor({ timeout: 30000 });
  await cell.locator('.out-stream', { hasText: 'text printed before asking' }).waitFor();
  assert.match(await order(), /text printed before asking.*\[field\]/);
  await page.keyboard.type('Ada');
  await page.keyboard.press('Enter');
  await page.getByRole('textbox', { name: 'Your city:' }).waitFor({ timeout: 30000 });
  await cell.locator('.out-stream', { hasText: 'printed between the questions' }).waitFor();
  assert.match(await order(), /text printed before asking Your name: Ada printed between the questions \[field\]/);
  await page.keyboard.type('Oslo');
  await page.keyboard.press('Enter');
  await cell.locator('.output', { hasText: 'hi Ada from Oslo' }).waitFor({ timeout: 30000 });
  assert.match(await order(), /before asking Your name: Ada printed between the questions Your city: Oslo .*hi Ada from Oslo/);
}));

test('running a notebook does not autosave it; an edit does; Revert goes back to the checkpoint', run('autosave', async (page) => {
  await page.addInitScript(() => { window.RLVR_AUTOSAVE_MS = 200; });
  const file = join(server.dir, 'autosave.ipynb');
  const original = readFileSync(file, 'utf8');
  await openNotebook(page, 'autosave.ipynb');
  await runCell(page, 1);
  await page.locator('.cell').nth(1).locator('.output', { hasText: '42' }).waitFor({ timeout: 30000 });
  assert.match(await page.locator('.dirty-mark').textContent(), /unsaved/);
  // Several autosave rounds pass after the run: the file stays as shipped.
  const ticks = await page.evaluate(() => window.rlvrNotebook.autosaveTicks);
  await page.waitForFunction((t) => window.rlvrNotebook.autosaveTicks >= t + 3, ticks);
  assert.equal(readFileSync(file, 'utf8'), original, 'running cells rewrote the notebook');

  // An edit: autosave writes it. A second edit, autosaved again, leaves the
  // checkpoint at the version first opened.
  const saved = () => [].concat(JSON.parse(readFileSync(file, 'utf8')).cells[2].source).join('');
  await page.locator('.cell').nth(2).locator('.cm-content').click();
  await page.keyboard.press('End');
  await page.keyboard.type(' + 40');
  // Autosave may catch the typing half way; wait for the whole edit.
  await until(() => saved() === '1 + 1 + 40', 'the edit was autosaved');
  await page.keyboard.type(' + 2');
  await until(() => saved() === '1 + 1 + 40 + 2', 'the second edit was autosaved');

  // Revert to the checkpoint taken when the notebook was first opened.
  await page.keyboard.press('Escape');
  page.once('dialog', (d) => d.accept());
  await menu(page, 'File', 'Revert to checkpoint');
  await page.waitForFunction(() => window.rlvrNotebook && window.rlvrNotebook.cells.length && window.rlvrNotebook.cells[2].source === '1 + 1', null, { timeout: 60000 });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).cells.map((c) => c.source), JSON.parse(original).cells.map((c) => c.source));
}));

test('running the first cell marks later cells quietly, an edited cell plainly', run('stale', async (page) => {
  await openNotebook(page, 'stale.ipynb');
  await runCell(page, 0);
  const cells = page.locator('.cell');
  await cells.nth(0).locator('.prompt', { hasText: '[1]:' }).waitFor({ timeout: 30000 });
  await cells.nth(1).locator('.stale-note:not([hidden])').waitFor();
  for (const i of [1, 2]) {
    const cls = await cells.nth(i).getAttribute('class');
    assert.doesNotMatch(cls, /(^|\s)stale(\s|$)/, `cell ${i + 1} has the heavy stale mark: ${cls}`);
    assert.match(cls, /stale-soft/);
  }
  // An edit is marked plainly.
  await cells.nth(0).locator('.cm-content').click();
  await page.keyboard.type(' ');
  await cells.nth(0).locator('.stale-note', { hasText: 'edited' }).waitFor();
  assert.match(await cells.nth(0).getAttribute('class'), /(^|\s)stale(\s|$)/);
}));

test('frames viewer: one frame has no player, no pseudo metrics, a repeat is outlined', run('frames', async (page) => {
  await openNotebook(page, 'frames.ipynb');
  await runCell(page, 0);
  const figs = page.locator('figure.frames');
  await figs.nth(1).waitFor({ timeout: 30000 });
  const one = figs.nth(0);
  assert.equal(await one.locator('.fv-play').count(), 0, 'no Play button for one frame');
  assert.equal(await one.locator('.fv-scrub').count(), 0, 'no slider for one frame');
  assert.match(await one.locator('.fv-summary').textContent(), /^1 frame · no repeated frames$/);
  const two = figs.nth(1);
  assert.doesNotMatch(await two.evaluate((el) => el.innerText), /mean|metric/i);
  await two.locator('.fv-scrub').focus();
  await page.keyboard.press('End');
  await two.locator('.fv-pred.fv-panel-rep').waitFor();
  const outline = await two.locator('.fv-pred canvas').evaluate((c) => getComputedStyle(c).outlineColor);
  assert.match(outline, /rgb\(179, 38, 30\)|rgb\(255, 138, 128\)/, `repeat outline ${outline}`);
}));

test('charts: whole-number step ticks, every bar label, saved as PNG and SVG', run('charts', async (page) => {
  await openNotebook(page, 'charts.ipynb');
  await page.getByRole('button', { name: 'Run all', exact: true }).click();
  const charts = page.locator('.chart');
  await charts.nth(1).locator('canvas').waitFor({ timeout: 30000 });
  await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.__chart && c.__chart.getModel()));
  const ticks = await charts.nth(0).evaluate((c) => c.__chart.getModel().getComponent('xAxis', 0).axis.scale.getTicks().map((t) => t.value));
  assert.ok(ticks.length >= 3 && ticks.every(Number.isInteger), `step ticks ${ticks}`);
  const labels = await charts.nth(1).evaluate((c) => c.__chart.getModel().getComponent('xAxis', 0).axis.getViewLabels().map((l) => l.formattedLabel));
  assert.equal(labels.length, 6, `bar labels shown: ${labels}`);

  const [png] = await Promise.all([page.waitForEvent('download'), charts.nth(0).locator('..').getByRole('button', { name: 'Save Chart: reward as PNG' }).click()]);
  assert.equal(png.suggestedFilename(), 'reward.png');
  const bytes = readFileSync(await png.path());
  assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
  const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save Chart: reward as SVG' }).click()]);
  assert.equal(svg.suggestedFilename(), 'reward.svg');
  assert.match(readFileSync(await svg.path(), 'utf8'), /^<svg/);
}));

test('dark mode follows the system setting', run('dark', async (page) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await openNotebook(page, 'charts.ipynb', false);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 120, `dark background, got ${bg}`);
  const fg = await page.evaluate(() => getComputedStyle(document.querySelector('.nb-rename')).color);
  assert.ok(fg.match(/\d+/g).map(Number).slice(0, 3).reduce((a, x) => a + x) > 500, `light text, got ${fg}`);
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.ok(light.match(/\d+/g).map(Number).slice(0, 3).reduce((a, x) => a + x) > 600, `light background, got ${light}`);
}));

test('table of contents, run times, run above/below, clear outputs, restart asks', run('tour', async (page) => {
  await openNotebook(page, 'tour.ipynb');
  const toc = page.getByRole('navigation', { name: 'Table of contents' });
  assert.deepEqual(await toc.locator('a').allTextContents(), ['Tour', 'First part', 'Second part', 'A detail']);
  await toc.getByRole('link', { name: 'Second part' }).click();
  await page.waitForFunction(() => window.rlvrNotebook.selected === 2);
  assert.ok(await page.locator('.cell').nth(2).evaluate((el) => el.getBoundingClientRect().top < innerHeight));

  // Run below from the second part: cells 4 and 5 run, cell 2 does not.
  await menu(page, 'Run', 'Run below');
  const cells = page.locator('.cell');
  await cells.nth(4).locator('.out-stream', { hasText: 'three' }).waitFor({ timeout: 30000 });
  assert.equal(await cells.nth(1).locator('.out-stream').count(), 0);
  // Each run cell says how long it took and when.
  await cells.nth(4).locator('.cell-meta:not([hidden])').waitFor();
  assert.match(await cells.nth(4).locator('.cell-meta').textContent(), /^ran in \d+(\.\d)? m?s · at \d/);
  // Run above from there: cell 2 runs.
  await page.waitForSelector('.kstatus[data-state="idle"]');
  await menu(page, 'Run', 'Run above');
  await cells.nth(1).locator('.out-stream', { hasText: 'one' }).waitFor({ timeout: 30000 });
  await page.waitForSelector('.kstatus[data-state="idle"]');

  // Restart asks; dismissing it keeps the kernel.
  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
  await page.getByRole('button', { name: 'Restart', exact: true }).click();
  assert.match(asked, /Restart the kernel\?/);
  assert.equal(await page.locator('.banner', { hasText: 'Kernel restarted' }).count(), 0);
  // Restart and run all, accepted: every code cell runs again.
  page.once('dialog', (d) => d.accept());
  await menu(page, 'Run', 'Restart and run all');
  // Before: cell 4 ran as [2]; after the restart the counts start over and
  // it runs third.
  await cells.nth(4).locator('.prompt', { hasText: '[3]:' }).waitFor({ timeout: 30000 });
  await cells.nth(1).locator('.prompt', { hasText: '[1]:' }).waitFor();

  await menu(page, 'Run', 'Clear all outputs');
  assert.equal(await page.locator('.cell .output').count(), 0);
  assert.equal(await page.locator('.cell-meta:not([hidden])').count(), 0);
}));

test('cells: copy, paste, cut, move, collapse, line numbers, find and replace, rename', run('cells', async (page) => {
  await openNotebook(page, 'tour.ipynb');
  const cells = page.locator('.cell');
  await cells.nth(1).click({ position: { x: 20, y: 10 } });
  await page.keyboard.press('Escape');
  await page.keyboard.press('c');
  await page.keyboard.press('v');
  assert.equal(await cells.count(), 6);
  assert.equal(await page.evaluate(() => window.rlvrNotebook.cells[2].source), 'import "fmt"\nfmt.Println("one")');
  await page.keyboard.press('x');
  assert.equal(await cells.count(), 5);

  // Move a cell down and back up.
  const sources = () => page.evaluate(() => window.rlvrNotebook.cells.map((c) => c.source.split('\n').pop()));
  await cells.nth(3).click({ position: { x: 20, y: 10 } });
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Move cell down' }).click();
  assert.deepEqual((await sources()).slice(3), ['fmt.Println("three")', 'fmt.Println("two")']);
  await page.getByRole('button', { name: 'Move cell up' }).click();
  assert.deepEqual((await sources()).slice(3), ['fmt.Println("two")', 'fmt.Println("three")']);

  // Collapse the output of a run cell, then show it again.
  await runCell(page, 1);
  await cells.nth(1).locator('.out-stream', { hasText: 'one' }).waitFor({ timeout: 30000 });
  await cells.nth(1).focus();
  await page.keyboard.press('o');
  assert.equal(await cells.nth(1).locator('.outputs').isVisible(), false);
  await cells.nth(1).getByRole('button', { name: /output collapsed/ }).click();
  assert.equal(await cells.nth(1).locator('.outputs').isVisible(), true);

  await cells.nth(1).focus();
  await page.keyboard.press('l');
  await cells.nth(1).locator('.cm-lineNumbers').first().waitFor();

  // Find and replace across cells.
  await page.getByRole('button', { name: 'Find and replace' }).click();
  await page.getByRole('searchbox', { name: 'Find' }).fill('fmt.Println');
  assert.equal(await page.locator('.find-count').textContent(), '3 matches');
  await page.getByRole('textbox', { name: 'Replace with' }).fill('fmt.Print');
  await page.getByRole('button', { name: 'Replace all' }).click();
  assert.equal(await page.locator('.find-count').textContent(), 'replaced 3');
  assert.match(await page.evaluate(() => window.rlvrNotebook.cells[3].source), /fmt\.Print\("two"\)/);

  // Rename from the title.
  page.once('dialog', (d) => d.accept('tour-renamed'));
  await page.getByRole('button', { name: 'Rename notebook' }).first().click();
  await page.waitForURL(/tour-renamed\.ipynb$/);
  assert.ok(statSync(join(server.dir, 'tour-renamed.ipynb')).isFile());
}));

test('download as .ipynb, and as HTML that opens offline with outputs and charts', run('download', async (page) => {
  await openNotebook(page, 'charts.ipynb');
  await page.getByRole('button', { name: 'Run all', exact: true }).click();
  await page.locator('.cell').nth(1).locator('.chart canvas').waitFor({ timeout: 30000 });
  await page.waitForSelector('.kstatus[data-state="idle"]');
  const [nbDl] = await Promise.all([page.waitForEvent('download'), menu(page, 'File', 'Download as ipynb')]);
  assert.equal(nbDl.suggestedFilename(), 'charts.ipynb');
  const nb = JSON.parse(readFileSync(await nbDl.path(), 'utf8'));
  assert.equal(nb.nbformat_minor, 5);
  assert.ok(nb.cells[0].outputs.length > 0);

  const [htmlDl] = await Promise.all([page.waitForEvent('download'), menu(page, 'File', 'Download as HTML')]);
  assert.equal(htmlDl.suggestedFilename(), 'charts.html');
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, 'download-charts.html');
  writeFileSync(path, readFileSync(await htmlDl.path()));
  // Offline, and any request at all is recorded.
  const ctx = await browser.newContext({ offline: true });
  const requests = [];
  ctx.on('request', (r) => { if (!r.url().startsWith('data:') && !r.url().startsWith('file:')) requests.push(r.url()); });
  const p = await ctx.newPage();
  await p.goto('file://' + path);
  const imgs = p.locator('img[src^="data:image/svg+xml"]');
  assert.equal(await imgs.count(), 2, 'both charts, as SVG images');
  assert.ok(await imgs.first().evaluate((i) => i.complete && i.naturalWidth > 100), 'chart image decodes');
  assert.match(await p.locator('pre.code').first().textContent(), /plot\.Line/);
  assert.deepEqual(requests, []);
  await p.screenshot({ path: join(ARTIFACTS, 'download-charts.png'), fullPage: true });
  await ctx.close();
}));

test('the list hides folders without notebooks, describes each, and shuts kernels down', run('list', async (page) => {
  // A kernel to shut down: open a notebook once.
  await openNotebook(page, 'described.ipynb');
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: 'described.ipynb' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'gen', exact: true }).count(), 0, 'gen/ hidden');
  assert.equal(await page.getByRole('link', { name: 'src', exact: true }).count(), 0, 'src/ hidden');
  const row = page.locator('tr', { has: page.getByRole('link', { name: 'described.ipynb' }) });
  await row.locator('.desc', { hasText: 'World models predict what happens next.' }).waitFor();
  await page.getByRole('checkbox', { name: 'Show all files' }).check();
  await page.getByRole('link', { name: 'gen', exact: true }).waitFor();

  await row.getByRole('button', { name: 'Shut down described.ipynb' }).click();
  await page.locator('.list-msg', { hasText: 'Shut down the kernel of described.ipynb' }).waitFor();
  await row.locator('.running-badge').waitFor({ state: 'detached' });
  const res = await page.evaluate(() => fetch('/api/sessions').then((r) => r.json()));
  assert.ok(!res.some((s) => s.path === 'described.ipynb'), 'session gone');
}));

test('a wrong token and a missing notebook say so', run('errors', async (page) => {
  await page.goto(`${server.url}/?token=wrong`);
  await page.locator('#wrong-token').waitFor();
  assert.match(await page.textContent('body'), /That token is wrong/);
  page.errors.length = 0; // the 403 of the login page is the point here
  await page.goto(`${server.url}/notebooks/no-such.ipynb?token=${server.token}`);
  await page.locator('.fatal', { hasText: 'No notebook at no-such.ipynb' }).waitFor();
  await page.locator('.kstatus[data-state="none"]', { hasText: 'No kernel' }).waitFor();
  page.errors = page.errors.filter((e) => !/404/.test(e));
}));
