// End-to-end tests of the widgets (rlvr/widget rendered by static/src/
// widgets.js): the real server and kernel, driven in Debian's Chromium.
// A slider, a dropdown and a button are used with the keyboard and mouse;
// a later cell reads the kernel-side values back, and the outputs the
// callbacks wrote are checked on the page. Then the page is reloaded (the
// widgets come back live) and the kernel is shut down (the saved state shows
// as static controls).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startServer, launch, newPage, shot, notebook, cellDone, ROOT } from './harness.mjs';

export const WIDGETS_NB = notebook([
  ['code', `import (
	"fmt"
	"rlvr/display"
	"rlvr/widget"
)
n := widget.NewIntSlider("steps", 3, 0, 10, 1)
act := widget.NewDropdown("action", []string{"go north", "go south", "take key"}, "go north")
clicks := 0
btn := widget.NewButton("step")
out := widget.NewOutput()
btn.OnClick(func() {
	clicks++
	out.Replace(display.HTMLOutput(fmt.Sprintf("<span class=\\"clicked\\">click %d: %s</span>", clicks, act.Value())))
})
widget.VBox(n, act, btn, out)`],
  ['code', `widget.Interact(func() any {
	return display.HTMLOutput(fmt.Sprintf("<b class=\\"square\\">%d squared is %d</b>", n.Value(), n.Value()*n.Value()))
}, n)`],
  ['code', 'fmt.Sprintf("n=%d action=%s clicks=%d", n.Value(), act.Value(), clicks)'],
]);

let server, browser;

before(async () => {
  server = await startServer({ 'widgets.ipynb': WIDGETS_NB });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openNotebook(page, path) {
  await page.goto(`${server.url}/notebooks/${path}?token=${server.token}`);
  await page.waitForSelector('.cell');
  await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });
}

// runCell runs cell i with Shift+Enter and waits for its prompt number.
async function runCell(page, i) {
  const cell = page.locator('.cell').nth(i);
  await cell.locator('.cm-content').click();
  await page.keyboard.press('Shift+Enter');
  await cellDone(cell);
  return cell;
}

test('slider, dropdown and button: kernel-side values, callbacks\' outputs, reload, static fallback', async () => {
  const page = await newPage(browser);
  try {
    await openNotebook(page, 'widgets.ipynb');
    await page.getByRole('button', { name: 'Run all' }).click();
    const square = page.locator('.cell').nth(1).locator('.square');
    await square.waitFor({ timeout: 30000 });
    assert.equal(await square.textContent(), '3 squared is 9');

    // The slider, by keyboard: focus it and press the right arrow twice.
    // Both views of the model (cell 1 and the Interact in cell 2) follow,
    // and Interact reruns its function in place.
    const slider = page.locator('.cell').nth(0).getByRole('slider', { name: 'steps' });
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.locator('.cell').nth(1).locator('.square', { hasText: '5 squared is 25' }).waitFor({ timeout: 10000 });
    assert.equal(await page.locator('.cell').nth(1).locator('.square').count(), 1, 'the output is replaced, not appended');
    assert.equal(await page.locator('.cell').nth(1).getByRole('slider', { name: 'steps' }).inputValue(), '5');
    assert.equal(await page.locator('.cell').nth(0).locator('.widget-readout').first().textContent(), '5');

    // The dropdown, then the button twice: its callback writes into the
    // output area.
    await page.locator('.cell').nth(0).getByRole('combobox', { name: 'action' }).selectOption({ label: 'take key' });
    const button = page.locator('.cell').nth(0).getByRole('button', { name: 'step' });
    await button.click();
    await page.locator('.cell').nth(0).locator('.clicked', { hasText: 'click 1: take key' }).waitFor({ timeout: 10000 });
    await button.press('Enter');
    await page.locator('.cell').nth(0).locator('.clicked', { hasText: 'click 2: take key' }).waitFor({ timeout: 10000 });

    // A later cell reads the kernel's values.
    const c3 = await runCell(page, 2);
    await c3.locator('.out-text', { hasText: 'n=5 action=take key clicks=2' }).waitFor({ timeout: 10000 });

    // Values set from a cell reach the page.
    await page.locator('.cell').nth(2).locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('n.Set(7)');
    await page.keyboard.press('Shift+Enter');
    await page.locator('.cell').nth(1).locator('.square', { hasText: '7 squared is 49' }).waitFor({ timeout: 10000 });
    assert.equal(await slider.inputValue(), '7');
    await shot(page, 'widgets-live');

    // Save, reload: the widgets are live again (the kernel still runs).
    await page.keyboard.press('Control+s');
    await page.locator('.save-state', { hasText: /Saved/ }).waitFor({ timeout: 10000 });
    await page.reload();
    await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });
    const again = page.locator('.cell').nth(0).getByRole('slider', { name: 'steps' });
    await again.waitFor();
    await page.waitForFunction(() => {
      const s = document.querySelector('.cell input[type="range"]');
      return s && !s.disabled && s.value === '7';
    }, null, { timeout: 10000 });
    await again.focus();
    await page.keyboard.press('ArrowLeft');
    await page.locator('.cell').nth(1).locator('.square', { hasText: '6 squared is 36' }).waitFor({ timeout: 10000 });

    // The saved notebook holds the widget state in its metadata.
    await page.keyboard.press('Control+s');
    await page.locator('.save-state', { hasText: /Saved/ }).waitFor({ timeout: 10000 });
    const saved = JSON.parse(readFileSync(join(server.dir, 'widgets.ipynb'), 'utf8'));
    const states = Object.values(saved.metadata.widgets['application/vnd.jupyter.widget-state+json'].state);
    const sliderState = states.find((s) => s.model_name === 'IntSliderModel');
    assert.equal(sliderState.model_module, '@jupyter-widgets/controls');
    assert.equal(sliderState.state.value, 6);
    const view = saved.cells[0].outputs.find((o) => o.data && o.data['application/vnd.jupyter.widget-view+json']);
    assert.ok(view, 'the widget view output is saved');
    validate(join(server.dir, 'widgets.ipynb'));

    assert.deepEqual(page.errors, [], 'browser console errors while the kernel lived');

    // Without a kernel: the saved state shows as disabled controls.
    await page.evaluate(async () => {
      const nb = window.rlvrNotebook;
      await fetch(`/api/kernels/${nb.session.kernel.id}`, { method: 'DELETE' });
    });
    const fresh = await newPage(browser);
    try {
      // A page that opens the notebook before any kernel answers shows the
      // saved values: block the kernel's websocket to hold it there.
      await fresh.route('**/api/sessions', (r) => r.abort());
      await fresh.goto(`${server.url}/notebooks/widgets.ipynb?token=${server.token}`);
      const staticSlider = fresh.locator('.cell').nth(0).getByRole('slider', { name: 'steps' });
      await staticSlider.waitFor({ timeout: 10000 });
      assert.equal(await staticSlider.inputValue(), '6');
      assert.ok(await staticSlider.isDisabled(), 'a static control is disabled');
      assert.equal(await fresh.locator('.cell').nth(0).getByRole('combobox', { name: 'action' }).inputValue(), '2');
      await shot(fresh, 'widgets-static');
    } finally {
      await fresh.context().close();
    }
  } catch (e) {
    await shot(page, 'FAILED-widgets').catch(() => {});
    console.error(`--- server log ---\n${server.log().slice(-3000)}`);
    throw e;
  } finally {
    await page.context().close();
  }
});

// validate checks a notebook against the nbformat schema with Debian's
// nbformat (in /usr/bin/python3).
function validate(path) {
  execFileSync('/usr/bin/python3', ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', path]);
}

test('a notebook run headlessly saves its widget state; it validates and shows the static controls', async () => {
  // rlvrworld run executes the notebook and saves the models' last state
  // in its metadata, as Jupyter does.
  const path = join(server.dir, 'headless.ipynb');
  writeFileSync(path, JSON.stringify(WIDGETS_NB));
  const bin = process.env.RLVRWORLD_BIN || join(ROOT, 'bin', 'rlvrworld');
  execFileSync(bin, ['run', '-q', path]);
  validate(path);
  const nb = JSON.parse(readFileSync(path, 'utf8'));
  const states = Object.values(nb.metadata.widgets['application/vnd.jupyter.widget-state+json'].state);
  assert.equal(states.find((s) => s.model_name === 'IntSliderModel').state.value, 3);
  assert.equal(states.find((s) => s.model_name === 'OutputModel' && s.state.outputs.length).state.outputs[0].data['text/html'],
    '<b class="square">3 squared is 9</b>');

  const page = await newPage(browser);
  try {
    await page.route('**/api/sessions', (r) => r.abort());
    await page.goto(`${server.url}/notebooks/headless.ipynb?token=${server.token}`);
    const slider = page.locator('.cell').nth(0).getByRole('slider', { name: 'steps' });
    await slider.waitFor({ timeout: 10000 });
    assert.equal(await slider.inputValue(), '3');
    assert.ok(await slider.isDisabled());
    assert.equal(await page.locator('.cell').nth(1).locator('.square').textContent(), '3 squared is 9');
  } finally {
    await page.context().close();
  }
});

// press activates a button as a keyboard user does: focus, then Enter.
async function press(button) {
  await button.focus();
  await button.page().keyboard.press('Enter');
}

// notebookCell returns the source of the first cell of a notebook source
// (notebooks/src/*.cells) that contains marker, so that a test runs the
// shipped cell itself.
function notebookCell(file, marker) {
  const src = readFileSync(join(ROOT, 'notebooks', 'src', file), 'utf8');
  const cell = src.split(/^%% (?:go|md)\n/m).find((c) => c.includes(marker));
  assert.ok(cell, `${file}: no cell with ${marker}`);
  return cell;
}

test('notebook 04\'s stepping widget: step, back and temperature update one true / MLE / RLVR frames viewer', async () => {
  // The setup stands in for the notebook's cells above the widget: the
  // shipped video model, and a GRPO trainer whose policy is an untrained
  // copy of it as the "RLVR" model (no GRPO run in a browser test; the
  // widget only needs two models).
  const setup = `import (
	"fmt"
	"time"
	"rlvr/cell"
	"rlvr/envs"
	"rlvr/envs/robot"
	"rlvr/grpo"
	"rlvr/nn"
	"rlvr/tasks"
)
model, _, err := nn.Load(${JSON.stringify(join(ROOT, 'checkpoints', 'video.safetensors'))})
if err != nil {
	panic(err)
}
task, err := robot.NewTask(robot.Options{Steps: 1})
if err != nil {
	panic(err)
}
spec, err := tasks.Lookup("video")
if err != nil {
	panic(err)
}
trainer, err := grpo.NewTrainer(model.Clone(), task, spec.GRPO)
if err != nil {
	panic(err)
}`;
  const nb = notebook([
    ['code', setup],
    ['code', notebookCell('04-video-rlvr.cells', 'stepS := widget.NewIntSlider')],
    ['code', 'fmt.Sprintf("step=%d temperature=%.1f moves=%d", stepS.Value(), tempS.Value(), len(moveMS))'],
  ]);
  writeFileSync(join(server.dir, 'step04.ipynb'), JSON.stringify(nb));
  const page = await newPage(browser);
  try {
    await openNotebook(page, 'step04.ipynb');
    await page.getByRole('button', { name: 'Run all' }).click();
    const c1 = page.locator('.cell').nth(1);
    const viewer = c1.locator('figure.frames');
    const title = viewer.locator('.fv-head strong');
    // The cell itself steps three times: the viewer shows step 4.
    await title.filter({ hasText: /step 4 of \d+/ }).waitFor({ timeout: 60000 });
    const total = Number((await title.textContent()).match(/step 4 of (\d+)/)[1]);
    // Run all goes on to the cell after the widget; widget messages queue
    // behind running cells, as in Jupyter, so step once the run is over.
    await cellDone(page.locator('.cell').nth(2), 60000);
    assert.ok(total >= 5, `the expert's episode has ${total} steps`);
    // One viewer, three labelled columns: the truth, then each model with its difference.
    assert.equal(await c1.locator('figure.frames').count(), 1, 'one frames viewer, not one per model');
    assert.deepEqual(await viewer.locator('.fv-label').allTextContents(),
      ['context', 'true', 'MLE', '|MLE − true|', 'RLVR', '|RLVR − true|']);
    assert.equal(await viewer.locator('canvas').count(), 5);

    // step ▶: the kernel samples both models and the viewer is replaced.
    const info = c1.locator('.widget.widget-html');
    const t0 = Date.now();
    // Pressed from the keyboard: a mouse click goes to coordinates, and
    // under load the editor above can still be laying out its lines (its
    // height changes), so the click can land beside the button.
    await press(c1.getByRole('button', { name: 'step ▶' }));
    await title.filter({ hasText: `step 5 of ${total}` }).waitFor({ timeout: 30000 });
    const clickToViewer = Date.now() - t0;
    await info.filter({ hasText: `Step 5 of ${total}` }).waitFor({ timeout: 30000 });
    assert.equal(await c1.getByRole('slider', { name: 'step' }).inputValue(), '5', 'the step slider follows the button');
    const kernelMS = Number((await info.textContent()).match(/Answered in (\d+) ms/)[1]);
    console.log(`# 04 stepping: a move answered in ${kernelMS} ms in the kernel, ${clickToViewer} ms from click to viewer`);

    // ◀ back, then the temperature slider to 0 by keyboard (Home): greedy.
    await press(c1.getByRole('button', { name: '◀ back' }));
    await title.filter({ hasText: `step 4 of ${total}` }).waitFor({ timeout: 30000 });
    const temp = c1.getByRole('slider', { name: 'temperature' });
    await temp.focus();
    await page.keyboard.press('Home');
    await info.filter({ hasText: /Step 4 of \d+ \([^)]*\), temperature 0\.0: reward MLE -?\d\.\d{3}, RLVR -?\d\.\d{3}/ }).waitFor({ timeout: 30000 });
    // Greedy, the two identical models predict the same frame: equal rewards.
    const [mle, rl] = (await info.textContent()).match(/reward MLE (-?\d\.\d{3}), RLVR (-?\d\.\d{3})/).slice(1);
    assert.equal(mle, rl, 'two copies of one model decoded greedily agree');

    // A later cell reads the kernel's values.
    const c3 = await runCell(page, 2);
    await c3.locator('.out-text', { hasText: /step=4 temperature=0\.0 moves=\d+/ }).waitFor({ timeout: 10000 });
    await shot(page, 'widgets-step04');
    assert.deepEqual(page.errors, [], 'browser console errors');
  } catch (e) {
    await shot(page, 'FAILED-step04').catch(() => {});
    console.error(`--- server log ---\n${server.log().slice(-3000)}`);
    throw e;
  } finally {
    await page.context().close();
  }
});
