// readme-screenshot.mjs makes docs/images/playground.png, the README's
// picture: notebook 04 as shipped, scrolled to its last frames viewer above
// the GRPO reward chart. Run after `make build`:
//   node scripts/readme-screenshot.mjs
import { readFileSync } from 'node:fs';
import { startServer, launch, newPage, ROOT } from '../e2e/browser/harness.mjs';
const server = await startServer({ '04-video-rlvr.ipynb': readFileSync(`${ROOT}/notebooks/04-video-rlvr.ipynb`, 'utf8') });
const browser = await launch();
const page = await newPage(browser, { viewport: { width: 1280, height: 1420 } });
await page.goto(`${server.url}/notebooks/04-video-rlvr.ipynb?token=${server.token}`);
await page.waitForSelector('.kstatus[data-state="idle"]', { timeout: 60000 });
await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.__chart));
const chart = page.locator('.chart').first();
const figs = page.locator('figure.frames');
const n = await figs.count();
const cb = await chart.boundingBox();
let best = null;
for (let i = 0; i < n; i++) { const bb = await figs.nth(i).boundingBox(); if (bb.y < cb.y) best = bb; }
await page.evaluate((y) => window.scrollBy(0, y), (best ? best.y : cb.y) - 100);
await page.waitForTimeout(300);
await page.screenshot({ path: `${ROOT}/docs/images/playground.png` });
await browser.close(); await server.stop();
