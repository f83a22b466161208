// End-to-end tests of the browser playground: the real server and kernel,
// driven in Debian's Chromium headless. Screenshots go to test-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, launch, shot, notebook, runner, openNotebook as open, until, cellDone, BLOCK_AT, ARTIFACTS } from './harness.mjs';

const FRAMES_CELL = `${BLOCK_AT}
display.Frames{
	Title:     "push the block",
	Context:   []image.Image{blockAt(0)},
	Predicted: []image.Image{blockAt(2), blockAt(4), blockAt(4)},
	Truth:     []image.Image{blockAt(2), blockAt(5), blockAt(8)},
	Metrics:   []map[string]float64{{"mse": 0, "ssim": 1}, {"mse": 0.01, "ssim": 0.9}, {"mse": 0.02, "ssim": 0.8}},
	Repeated:  []bool{false, false, true},
}`;

const DEMO = notebook([
  ['markdown', '# Demo notebook\n\nPrints, **HTML**, a chart and a rollout. Math: the ratio $\\frac{a}{b}$ with $x_i$ and $y_i$, the sum\n\n$$\\sum_i x_i$$\n\nbad TeX $\\frac{a}$ shows its source, and `$HOME` or a $5 price stay text.'],
  ['code', 'import "fmt"\nfmt.Println("printed line")\nfmt.Println("\\x1b[31mred text\\x1b[0m")'],
  ['code', 'import "rlvr/display"\ndisplay.Markdown(`output math $r_i^2$`)\ndisplay.HTML(`<b id="html-out">bold html</b>`)'],
  ['code', 'import "rlvr/plot"\nplot.Line("reward", []float64{0, 10, 20, 30}, plot.NewSeries("MLE", 0.1, 0.2, 0.25, 0.27), plot.NewSeries("RLVR", 0.1, 0.35, 0.5, 0.6)).Labels("step", "reward")'],
  ['code', FRAMES_CELL],
  ['code', 'import "rlvr/display"\ndisplay.StateDiff{Title: "turn on sink", Items: []display.DiffItem{{Key: "sink", Before: "on: false", Truth: "on: true", Predicted: "on: false"}, {Key: "cup", Before: "full: no", Truth: "full: no", Predicted: "full: no"}}}'],
  ['code', 'x := 41\nx + 1'],
  ['code', 'import (\n\t"rlvr/display"\n\t"rlvr/plot"\n\t"time"\n)\nlive := plot.NewLive("live reward", "mean")\nbar := display.NewProgress("steps", 20)\nfor i := 0; i < 20; i++ {\n\tlive.Add(float64(i), float64(i)*0.05)\n\tbar.Set(i + 1)\n\ttime.Sleep(30 * time.Millisecond)\n}\nlive.Flush()'],
]);

let server, browser;

before(async () => {
  // One notebook per test: each gets its own kernel, and autosave in one
  // test cannot change what another opens.
  server = await startServer({
    'demo.ipynb': DEMO, 'save.ipynb': DEMO, 'interrupt.ipynb': notebook([['code', 'x := 41\nx + 1']]),
    'stdin.ipynb': notebook([['code', 'import "rlvr/display"\nname, err := display.Input("Your name: ")\nif err != nil {\n\tpanic(err)\n}\n"hello " + name']]),
    'keys.ipynb': notebook([['code', '6 * 7'], ['markdown', 'some *text*']]),
    'restart.ipynb': notebook([['code', 'x := 41\nx + 1'], ['code', 'import (\n\t"os"\n\t"os/exec"\n\t"strconv"\n)\n// A goroutine panic no longer ends the kernel (it is reported); a kill does.\nexec.Command("kill", "-9", strconv.Itoa(os.Getpid())).Run()'], ['code', '3 + 4']]),
    'sub/other.ipynb': notebook([['code', '1']]),
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const run = runner(() => ({ browser, server }));
const openNotebook = (page, path) => open(page, server, path);

// canvasInk counts the pixels of a canvas that are not background, so a
// test can tell a chart or frame was really drawn.
async function canvasInk(locator) {
  return locator.evaluate((c) => {
    const g = c.getContext('2d');
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 0 && !(d[i] > 245 && d[i + 1] > 245 && d[i + 2] > 245)) ink++;
      if (i % 64 === 0) colours.add(`${d[i]},${d[i + 1]},${d[i + 2]},${d[i + 3]}`);
    }
    return { ink, colours: colours.size };
  });
}

test('the list shows notebooks and folders; create, rename and delete work', run('list', async (page) => {
  await page.goto(`${server.url}/?token=${server.token}`);
  await page.getByRole('link', { name: 'demo.ipynb' }).waitFor();
  assert.ok(await page.getByRole('link', { name: 'sub' }).isVisible());
  assert.doesNotMatch(page.url(), /token=/, 'the token is dropped from the address bar');
  await shot(page, 'list');

  // Create: opens the new notebook.
  await page.getByRole('button', { name: 'New notebook' }).click();
  await page.waitForURL(/\/notebooks\/.*\.ipynb$/);
  const created = decodeURIComponent(new URL(page.url()).pathname.replace('/notebooks/', ''));
  await page.waitForSelector('.cell');

  // Rename it, then delete it, from the list (prompt and confirm dialogs).
  await page.goto(`${server.url}/`);
  await page.getByRole('link', { name: created }).waitFor();
  page.once('dialog', (d) => d.accept('renamed'));
  await page.getByRole('button', { name: `Rename ${created}` }).click();
  await page.getByRole('link', { name: 'renamed.ipynb' }).waitFor();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete renamed.ipynb' }).click();
  await page.getByRole('link', { name: 'renamed.ipynb' }).waitFor({ state: 'detached' });

  // A folder opens as its own list.
  await page.getByRole('link', { name: 'sub' }).click();
  await page.getByRole('link', { name: 'other.ipynb' }).waitFor();
}));


test('type a cell, Shift+Enter runs it and shows its output; keyboard commands', run('new-cell', async (page) => {
  await page.goto(`${server.url}/?token=${server.token}`);
  await page.getByRole('button', { name: 'New notebook' }).click();
  await page.waitForURL(/\/notebooks\//);
  await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });

  await page.locator('.cell .cm-content').first().click();
  await page.keyboard.type('import "fmt"\nfmt.Println("sum is", 40+2)');
  await page.keyboard.press('Shift+Enter');
  const out = page.locator('.cell').first().locator('.out-stream');
  await out.waitFor({ timeout: 30000 });
  assert.equal((await out.textContent()).trim(), 'sum is 42');
  // The prompt number comes with the shell reply, which may land after the
  // output is drawn.
  await page.locator('.cell').first().locator('.prompt', { hasText: '[1]:' }).waitFor({ timeout: 10000 });
  // Shift+Enter on the last cell made a new one, in edit mode.
  assert.equal(await page.locator('.cell').count(), 2);

  // Esc: command mode; M: Markdown; Enter: edit; Shift+Enter renders it.
  await page.keyboard.press('Escape');
  await page.keyboard.press('m');
  await page.keyboard.press('Enter');
  await page.keyboard.type('## A *heading*');
  await page.keyboard.press('Shift+Enter');
  await page.locator('.md-rendered h2').waitFor();
  assert.equal(await page.locator('.md-rendered h2').textContent(), 'A heading');

  // A and B insert above and below; D D deletes.
  await page.keyboard.press('Escape');
  const before = await page.locator('.cell').count();
  await page.keyboard.press('b');
  assert.equal(await page.locator('.cell').count(), before + 1);
  await page.keyboard.press('d');
  await page.keyboard.press('d');
  assert.equal(await page.locator('.cell').count(), before);

  // Completion from the kernel: Tab after "fmt.Pri".
  await page.locator('.cell').first().locator('.cm-content').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nfmt.Pri');
  await page.keyboard.press('Tab');
  const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'Println' });
  await option.first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Escape');

  // Docs from the kernel: Shift+Tab on a name.
  await page.keyboard.type('ntln');
  await page.keyboard.press('Shift+Tab');
  const docs = page.locator('.cell').first().locator('.docs');
  await docs.waitFor();
  assert.match(await docs.textContent(), /Println/);

  // Hovering a name shows its docs in a tooltip.
  const at = await page.evaluate(() => {
    const view = window.rlvrNotebook.cells[0].editor;
    const pos = view.state.doc.toString().indexOf('Println') + 3;
    const r = view.coordsAtPos(pos);
    return { x: r.left, y: (r.top + r.bottom) / 2 };
  });
  await page.mouse.move(at.x, at.y);
  await page.mouse.move(at.x + 1, at.y);
  await page.locator('.cm-tooltip .cm-docs').waitFor({ timeout: 10000 });
  assert.match(await page.locator('.cm-tooltip .cm-docs').textContent(), /Println/);

  // Editing an executed cell marks it stale.
  await page.locator('.cell').first().locator('.stale-note').waitFor();
  assert.match(await page.locator('.cell').first().locator('.stale-note').textContent(), /edited/);
  await shot(page, 'notebook-new');
}));


test('Run all: print, HTML, a drawn chart, a frames rollout and a state diff', run('run-all', async (page) => {
  await openNotebook(page, 'demo.ipynb');
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Run all', exact: true }).click();
  const last = page.locator('.cell').last();
  await last.locator('.prompt', { hasText: '[7]:' }).waitFor({ timeout: 60000 });
  // The last cell sleeps 20 x 30 ms on purpose; the rest is overhead.
  console.log(JSON.stringify({ run_all_7_cells_ms: Date.now() - t0 }));
  await page.waitForSelector('.kstatus[data-state="idle"]');

  const cells = page.locator('.cell');
  assert.match(await cells.nth(1).locator('.out-stream').textContent(), /printed line\nred text/);
  assert.equal(await cells.nth(1).locator('.out-stream .ansi-red-fg').textContent(), 'red text');
  assert.equal(await page.locator('#html-out').textContent(), 'bold html');

  // TeX math, rendered by KaTeX (its own chunk, stylesheet and fonts, all
  // from /static/) in the Markdown cell and in a text/markdown output.
  const md = cells.nth(0).locator('.md-rendered');
  await md.locator('.math-done').nth(3).waitFor();
  assert.equal(await md.locator('.math-inline .katex').count(), 3, 'inline formulas (the fourth is bad TeX)');
  assert.equal(await md.locator('.math-block .katex-display .katex').count(), 1, 'display formula');
  assert.equal(await md.locator('.katex .mfrac').count(), 1, 'the fraction is typeset');
  assert.equal(await md.locator('em').count(), 0, 'underscores in math are no emphasis');
  const bad = md.locator('.katex-error');
  assert.equal(await bad.count(), 1, 'bad TeX is marked');
  assert.equal(await bad.textContent(), '\\frac{a}');
  assert.equal(await md.locator('code').textContent(), '$HOME');
  assert.match(await md.textContent(), /a \$5 price stay text/);
  await cells.nth(2).locator('.out-markdown .katex').waitFor();
  // The fonts load (no failed request is checked by run) and are used.
  await page.evaluate(() => document.fonts.ready);
  const fonts = await page.evaluate(() => [...document.fonts].filter((f) => f.family.startsWith('KaTeX') && f.status === 'loaded').map((f) => f.family));
  assert.ok(fonts.includes('KaTeX_Main') && fonts.includes('KaTeX_Math'), `KaTeX fonts loaded: ${fonts}`);
  assert.ok(page.requested.includes('/static/katex.css'), 'katex.css requested');
  assert.ok(page.requested.some((p) => p.startsWith('/static/fonts/KaTeX_') && p.endsWith('.woff2')), 'fonts from /static/fonts');
  assert.ok(!page.requested.some((p) => !p.startsWith('/static/') && !p.startsWith('/api/') && !p.startsWith('/notebooks/')), `requests: ${page.requested}`);

  const canvas = cells.nth(3).locator('.chart canvas').first();
  await canvas.waitFor();
  // The chart draws in its entry animation: wait until it shows its lines.
  await until(async () => { const ink = await canvasInk(canvas); return ink.ink > 2000 && ink.colours > 3; }, 'the chart canvas is drawn');

  const frames = cells.nth(4).locator('figure.frames');
  await frames.waitFor();
  assert.match(await frames.locator('.fv-summary').textContent(), /3 frames.*1 repeated/);
  const pred = await canvasInk(frames.locator('.fv-pred canvas'));
  assert.ok(pred.ink > 100, `predicted frame not drawn: ${JSON.stringify(pred)}`);
  // Scrub to the repeated frame: the flag shows and the metrics follow.
  await frames.locator('.fv-scrub').focus();
  await page.keyboard.press('End');
  assert.equal(await frames.locator('.fv-pos').textContent(), 'Frame 3 of 3');
  assert.ok(await frames.locator('.fv-flag').isVisible());
  assert.match(await frames.locator('.fv-metrics').textContent(), /MSE 0\.0200/);
  const diff = await canvasInk(frames.locator('.fv-diff canvas'));
  assert.ok(diff.ink > 50, 'difference image shows the misplaced block');
  // Play runs through the frames from the start and stops at the end.
  await frames.getByRole('button', { name: 'Play frames' }).click();
  await frames.getByRole('button', { name: 'Pause frames' }).waitFor();
  await frames.getByRole('button', { name: 'Play frames' }).waitFor({ timeout: 5000 });
  assert.equal(await frames.locator('.fv-pos').textContent(), 'Frame 3 of 3');

  const sd = cells.nth(5).locator('figure.statediff');
  assert.match(await sd.locator('.sd-summary').textContent(), /1 changed.*1 mistake/);
  assert.equal(await sd.locator('tr.sd-mistake').count(), 1);

  assert.match(await cells.nth(6).locator('.output').textContent(), /42/);

  // The live chart and the progress bar were updated in place: one of
  // each, holding the final state.
  const live = cells.nth(7);
  assert.equal(await live.locator('.chart').count(), 1);
  assert.equal(await live.locator('.chart').getAttribute('aria-label'), 'Chart: live reward');
  const points = await live.locator('.chart').evaluate((el) => el.__option.series[0].data.length);
  assert.equal(points, 20);
  assert.equal(await live.locator('progress').count(), 1);
  assert.equal(await live.locator('progress').getAttribute('value'), '20');
  await shot(page, 'notebook-run-all');
}));


test('Interrupt stops a runaway cell and the kernel keeps its state', run('interrupt', async (page) => {
  await openNotebook(page, 'interrupt.ipynb');
  const cells = page.locator('.cell');
  // Define x, then a runaway loop in a new cell.
  await cells.nth(0).click();
  await page.keyboard.press('Control+Enter');
  await cells.nth(0).locator('.output', { hasText: '42' }).waitFor({ timeout: 30000 });
  await page.keyboard.press('b');
  await page.keyboard.press('Enter');
  // The editor closes brackets itself, so the loop is typed without "}".
  await page.keyboard.type('import "fmt"\nfmt.Println("looping")\nn := 0\nfor {n++');
  await page.keyboard.press('Control+Enter');
  // Interrupt once the loop runs (it printed first).
  await cells.nth(1).locator('.out-stream', { hasText: 'looping' }).waitFor({ timeout: 30000 });
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Interrupt' }).click();
  await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 10000 });
  const took = Date.now() - t0;
  console.log(JSON.stringify({ interrupt_click_to_idle_ms: took }));
  assert.ok(took < 5000, `interrupt took ${took} ms`);
  // Outputs render on the next animation frame (scheduleRender), the status
  // badge at once: wait for the error rather than count it at the idle.
  await cells.nth(1).locator('.out-error').first().waitFor({ timeout: 5000 });
  assert.equal(await cells.nth(1).locator('.out-error').count(), 1, 'the interrupted cell shows one error');
  // State survives: x is still 41.
  await page.getByRole('button', { name: 'Insert code cell below' }).click();
  await page.keyboard.type('x * 2');
  await page.keyboard.press('Control+Enter');
  await cells.nth(2).locator('.output', { hasText: '82' }).waitFor({ timeout: 30000 });
  await shot(page, 'notebook-interrupt');
}));


test('save, reload: the outputs are still there, and the file is nbformat 4.5', run('save-reload', async (page) => {
  await openNotebook(page, 'save.ipynb');
  await page.getByRole('button', { name: 'Run all', exact: true }).click();
  await page.locator('.cell').last().locator('.prompt', { hasText: '[7]:' }).waitFor({ timeout: 60000 });
  await page.waitForSelector('.kstatus[data-state="idle"]');
  assert.match(await page.locator('.dirty-mark').textContent(), /unsaved/);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await page.locator('.save-state', { hasText: 'Saved' }).waitFor();
  assert.equal(await page.locator('.dirty-mark').textContent(), '');

  const file = JSON.parse(readFileSync(join(server.dir, 'save.ipynb'), 'utf8'));
  assert.equal(file.nbformat, 4);
  assert.equal(file.nbformat_minor, 5);
  assert.ok(file.cells.every((c) => typeof c.id === 'string'));
  const kinds = file.cells.flatMap((c) => (c.outputs || []).flatMap((o) => Object.keys(o.data || {})));
  for (const m of ['text/html', 'text/markdown', 'application/vnd.rlvrworld.echarts+json', 'image/svg+xml', 'application/vnd.rlvrworld.statediff+json', 'application/vnd.rlvrworld.frames+json', 'image/png']) {
    assert.ok(kinds.includes(m), `saved outputs lack ${m}`);
  }

  await page.reload();
  await page.waitForSelector('.cell');
  const cells = page.locator('.cell');
  assert.match(await cells.nth(1).locator('.out-stream').textContent(), /printed line/);
  assert.equal(await page.locator('#html-out').textContent(), 'bold html');

  // The math of the Markdown cell and of the saved text/markdown output.
  await cells.nth(0).locator('.md-rendered .math-block .katex').waitFor();
  await cells.nth(2).locator('.out-markdown .katex').waitFor();
  await cells.nth(3).locator('.chart canvas').first().waitFor();
  await until(async () => (await canvasInk(cells.nth(3).locator('.chart canvas').first())).ink > 2000, 'the reloaded chart is drawn');
  await cells.nth(4).locator('figure.frames').waitFor();
  assert.equal((await cells.nth(6).locator('.prompt').textContent()).trim(), '[6]:');
  await shot(page, 'notebook-reloaded');

  // Plain Jupyter: nbconvert (Debian's) accepts the saved file and shows
  // the static fallbacks: the chart's SVG, the frames sheet and the state
  // diff table.
  const html = execFileSync('jupyter', ['nbconvert', '--to', 'html', '--stdout', join(server.dir, 'save.ipynb')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  writeFileSync(join(ARTIFACTS, 'nbconvert-save.html'), html);
  assert.match(html, /<img alt="line chart &#34;reward&#34;[^"]*" src="data:image\/svg\+xml;base64,/, 'chart SVG fallback');
  assert.match(html, /rows: predicted, true, \|difference\|/, 'frames HTML fallback');
  assert.match(html, /turn on sink/, 'state diff HTML fallback');
  const plain = await page.context().newPage();
  await plain.goto('file://' + join(ARTIFACTS, 'nbconvert-save.html'));
  await shot(plain, 'plain-jupyter-nbconvert');
  await plain.close();
}));


test('Restart and a kernel death are shown plainly; executed cells turn stale', run('restart', async (page) => {
  await openNotebook(page, 'restart.ipynb');
  const cells = page.locator('.cell');
  await cells.nth(0).locator('.cm-content').click();
  await page.keyboard.press('Control+Enter');
  await cells.nth(0).locator('.output', { hasText: '42' }).waitFor({ timeout: 30000 });
  await page.waitForSelector('.kstatus[data-state="idle"]');

  page.once('dialog', (d) => d.accept()); // restarting asks first
  await page.getByRole('button', { name: 'Restart', exact: true }).click();
  await page.locator('.banner', { hasText: 'Kernel restarted' }).waitFor({ timeout: 20000 });
  await cells.nth(0).locator('.stale-note', { hasText: 'kernel restarted' }).waitFor();
  await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 20000 });

  // The state is gone: x is undefined now.
  await cells.nth(0).locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.type('x + 1');
  await page.keyboard.press('Control+Enter');
  await cells.nth(0).locator('.out-error').waitFor({ timeout: 20000 });
  // The error output comes before the reply: run the next cell only once
  // this one has finished, or it queues behind the error and is aborted.
  await cellDone(cells.nth(0));

  // A cell that ends the kernel process: the page says so, and the
  // server's restarted kernel runs the next cell.
  await cells.nth(1).locator('.cm-content').click();
  await page.keyboard.press('Control+Enter');
  await page.locator('.banner', { hasText: 'kernel died' }).waitFor({ timeout: 30000 });
  await shot(page, 'notebook-kernel-died');
  await page.locator('.banner', { hasText: 'kernel died and was restarted' }).waitFor({ timeout: 30000 });
  await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });
  await cells.nth(2).locator('.cm-content').click();
  await page.keyboard.press('Control+Enter');
  await cells.nth(2).locator('.output', { hasText: '7' }).waitFor({ timeout: 30000 });
}));

test('keyboard only: open a notebook, reach the toolbar, run, edit, save', run('keyboard', async (page) => {
  await page.goto(`${server.url}/?token=${server.token}`);
  await page.getByRole('link', { name: 'keys.ipynb' }).waitFor();
  // Tab from the top of the page to the notebook's link.
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.textContent === 'keys.ipynb')) break;
  }
  await page.keyboard.press('Enter');
  await page.waitForURL(/keys\.ipynb$/);
  await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });

  // Tab reaches "Run all", with a visible focus ring; Enter presses it.
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'Run all')) break;
  }
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(ring, 'none', 'focused button shows an outline');
  await page.keyboard.press('Enter');
  await page.locator('.cell').first().locator('.output', { hasText: '42' }).waitFor({ timeout: 30000 });
  await page.locator('.cell').first().locator('.prompt', { hasText: '[1]:' }).waitFor({ timeout: 10000 });
  // A notebook without math loads no KaTeX: no stylesheet, chunk or font.
  assert.ok(!page.requested.some((p) => p === '/static/katex.css' || p.startsWith('/static/fonts/')), `requests: ${page.requested}`);

  // Into the cells: Tab moves from the toolbar to a cell; J/K select; Enter
  // edits; Esc leaves the editor; Ctrl+S saves.
  for (let i = 0; i < 15; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.classList.contains('cell'))) break;
  }
  await page.keyboard.press('j');
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Markdown cell 2/);
  await page.keyboard.press('k');
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /^Code cell 1, ran as 1/);
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('.mode').textContent(), 'edit mode');
  await page.keyboard.press('End');
  await page.keyboard.type(' + 1');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.mode').textContent(), 'command mode');
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /stale/);
  await page.keyboard.press('Shift+Enter');
  await page.locator('.cell').first().locator('.output', { hasText: '43' }).waitFor({ timeout: 30000 });
  await page.keyboard.press('Control+s');
  await page.locator('.save-state', { hasText: 'Saved' }).waitFor();
  await shot(page, 'notebook-keyboard');
}));

test('a cell asking for input gets a text field; the answer reaches the kernel', run('stdin', async (page) => {
  await openNotebook(page, 'stdin.ipynb');
  await page.locator('.cell .cm-content').first().click();
  await page.keyboard.press('Control+Enter');
  const field = page.getByRole('textbox', { name: 'Your name:' });
  await field.waitFor({ timeout: 30000 });
  assert.ok(await field.evaluate((el) => el === document.activeElement), 'the field has the focus');
  await page.keyboard.type('Ada');
  await page.keyboard.press('Enter');
  await page.locator('.cell').first().locator('.output', { hasText: 'hello Ada' }).waitFor({ timeout: 30000 });
  assert.match(await page.locator('.cell').first().locator('.outputs').textContent(), /Your name: Ada/);
}));
