// widgets.bench.mjs: the widget round trip on the page, as JSON. A slider
// is moved in Chromium (an input event on the real control); the kernel
// runs an Interact callback that does no work; the time until the page
// shows the new output is measured in the page (performance.now and a
// MutationObserver), N times after a warm-up.
//
// usage: RLVRWORLD_BIN=bin/rlvrworld node e2e/browser/widgets.bench.mjs [-n 60]
import { startServer, launch, newPage, notebook } from './harness.mjs';

const n = Number(process.argv[process.argv.indexOf('-n') + 1]) || 60;
const warmup = 10;
const nb = notebook([['code', `import (
	"fmt"
	"rlvr/display"
	"rlvr/widget"
)
s := widget.NewIntSlider("x", 0, 0, 1000, 1)
widget.Interact(func() any { return display.HTMLOutput(fmt.Sprintf("<i class=\\"bench\\">%d</i>", s.Value())) }, s)`]]);

const server = await startServer({ 'bench.ipynb': nb });
const browser = await launch();
try {
  const page = await newPage(browser);
  await page.goto(`${server.url}/notebooks/bench.ipynb?token=${server.token}`);
  await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 30000 });
  await page.getByRole('button', { name: 'Run all' }).click();
  await page.waitForSelector('.bench', { timeout: 30000 });
  const times = await page.evaluate(async (count) => {
    const input = document.querySelector('input[type="range"]');
    const out = [];
    for (let i = 1; i <= count; i++) {
      const want = String(i);
      const t0 = performance.now();
      const shown = new Promise((resolve) => {
        const check = () => {
          const b = document.querySelector('.bench');
          if (b && b.textContent === want) {
            obs.disconnect();
            resolve(performance.now() - t0);
          }
        };
        const obs = new MutationObserver(check);
        obs.observe(document.body, { childList: true, subtree: true, characterData: true });
      });
      input.value = want;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      out.push(await shown);
    }
    return out;
  }, n + warmup);
  const ms = times.slice(warmup).sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  console.log(JSON.stringify({
    what: 'slider input event -> kernel Interact callback (no work) -> output shown on the page',
    n: ms.length, median_ms: +q(0.5).toFixed(2), p90_ms: +q(0.9).toFixed(2), min_ms: +ms[0].toFixed(2), max_ms: +ms[ms.length - 1].toFixed(2),
  }));
  await page.context().close();
} finally {
  await browser.close();
  await server.stop();
}
