// frames.js: the frames viewer for video rollouts
// (application/vnd.rlvrworld.frames+json): predicted and true frames side by
// side with their per-pixel difference, a scrubber and play/pause, per-frame
// metrics (MSE, SSIM, ...) and frames that merely repeat the previous one
// flagged. The markup and the numbers are pure (tested in Node); mount()
// decodes the PNGs and draws on canvases in the browser.
import { h } from './vdom.js';

// normalizeFrames checks a frames value and fills what is optional. It
// returns {error} for data the viewer cannot show.
export function normalizeFrames(v) {
  if (!v || typeof v !== 'object' || v.__invalid) return { error: `invalid data${v && v.__invalid ? ': ' + v.__invalid : ''}` };
  const arr = (x) => (Array.isArray(x) ? x.filter((s) => typeof s === 'string') : []);
  const predicted = arr(v.predicted), truth = arr(v.truth), context = arr(v.context);
  const n = Math.max(predicted.length, truth.length);
  if (n === 0) return { error: 'no frames' };
  const metrics = [];
  const repeated = [];
  for (let i = 0; i < n; i++) {
    const m = Array.isArray(v.metrics) && v.metrics[i] && typeof v.metrics[i] === 'object' ? v.metrics[i] : {};
    const clean = {};
    for (const [k, x] of Object.entries(m)) if (typeof x === 'number' && Number.isFinite(x)) clean[k] = x;
    metrics.push(clean);
    repeated.push(Array.isArray(v.repeated) ? Boolean(v.repeated[i]) : false);
  }
  const keys = [];
  for (const m of metrics) for (const k of Object.keys(m)) if (!keys.includes(k)) keys.push(k);
  return { title: v.title ? String(v.title) : '', context, predicted, truth, n, metrics, repeated, keys };
}

// metricMeans averages each metric over the frames that have it.
export function metricMeans(f) {
  const out = {};
  for (const k of f.keys) {
    let s = 0, c = 0;
    for (const m of f.metrics) if (k in m) { s += m[k]; c++; }
    if (c) out[k] = s / c;
  }
  return out;
}

// fmt prints a metric compactly: enough digits to compare models.
export function fmt(x) {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return x.toFixed(a >= 100 ? 1 : 4);
}

// diffPixels returns the absolute RGB difference of two RGBA pixel arrays of
// equal size, scaled by gain and opaque, for the difference image.
export function diffPixels(a, b, gain = 3) {
  if (a.length !== b.length) throw new Error(`frame sizes differ: ${a.length / 4} vs ${b.length / 4} pixels`);
  const out = new Uint8ClampedArray(a.length);
  for (let i = 0; i < a.length; i += 4) {
    out[i] = Math.abs(a[i] - b[i]) * gain;
    out[i + 1] = Math.abs(a[i + 1] - b[i + 1]) * gain;
    out[i + 2] = Math.abs(a[i + 2] - b[i + 2]) * gain;
    out[i + 3] = 255;
  }
  return out;
}

function metricText(f, i) {
  const parts = f.keys.filter((k) => k in f.metrics[i]).map((k) => `${k.toUpperCase()} ${fmt(f.metrics[i][k])}`);
  return parts.join(' · ') || 'no metrics';
}

function frameLabel(f, i) {
  return `Frame ${i + 1} of ${f.n}`;
}

function panel(cls, label) {
  return h('div', { class: `fv-panel ${cls}` },
    h('div', { class: 'fv-label' }, label),
    h('canvas', { class: 'fv-canvas', width: '128', height: '128', role: 'img', 'aria-label': label }));
}

// framesWidget renders the viewer; the player is wired up on mount.
export function framesWidget(v) {
  const f = normalizeFrames(v);
  if (f.error) return h('div', { class: 'frames out-error' }, `frames viewer: ${f.error}`);
  const means = metricMeans(f);
  const reps = f.repeated.filter(Boolean).length;
  const meanText = f.keys.map((k) => `mean ${k.toUpperCase()} ${fmt(means[k])}`).join(' · ');
  // A single frame needs no player; frames without metrics no metric line
  // or table.
  const one = f.n === 1;
  const hasMetrics = f.keys.length > 0;
  return h('figure', {
    class: 'frames', role: 'group', 'aria-label': `Frames rollout${f.title ? ': ' + f.title : ''}`,
    mount: (el) => mountPlayer(el, f),
  },
  h('figcaption', { class: 'fv-head' },
    f.title ? h('strong', null, f.title) : null,
    h('span', { class: 'fv-summary' }, one ? '1 frame' : `${f.n} frames`, meanText && !one ? ` · ${meanText}` : '',
      reps ? h('span', { class: 'fv-rep-count' }, ` · ${reps} repeated`) : ' · no repeated frames')),
  f.context.length ? h('div', { class: 'fv-context', 'aria-label': 'context frames' },
    h('span', { class: 'fv-label' }, 'context'),
    f.context.map((c, i) => h('img', { class: 'fv-thumb', src: `data:image/png;base64,${c}`, alt: `context frame ${i + 1}` }))) : null,
  h('div', { class: 'fv-stage' },
    panel('fv-pred', 'predicted'), panel('fv-true', 'true'), panel('fv-diff', 'difference |predicted − true|')),
  one ? null : h('div', { class: 'fv-controls' },
    h('button', { type: 'button', class: 'fv-play', 'aria-label': 'Play frames' }, '▶ Play'),
    h('input', { type: 'range', class: 'fv-scrub', min: '0', max: String(f.n - 1), value: '0', step: '1', 'aria-label': 'Frame' }),
    h('output', { class: 'fv-pos', 'aria-live': 'polite' }, frameLabel(f, 0))),
  h('div', { class: 'fv-now' },
    h('span', { class: 'fv-metrics', hidden: !hasMetrics }, metricText(f, 0)),
    h('span', { class: 'fv-flag', hidden: !f.repeated[0] }, '⚠ repeats the previous frame (outlined in red)')),
  one ? null : h('div', { class: 'fv-timeline', 'aria-hidden': 'true' },
    f.repeated.map((r, i) => h('span', { class: `fv-tick${r ? ' fv-tick-rep' : ''}${i === 0 ? ' fv-tick-now' : ''}`, 'data-i': String(i), title: `frame ${i + 1}${r ? ' (repeated)' : ''}` }))),
  !hasMetrics || one ? null : h('details', { class: 'fv-table' },
    h('summary', null, 'per-frame metrics'),
    h('table', null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'frame'), f.keys.map((k) => h('th', { scope: 'col' }, k.toUpperCase())), h('th', { scope: 'col' }, 'repeated'))),
      h('tbody', null, f.metrics.map((m, i) => h('tr', { class: f.repeated[i] ? 'fv-row-rep' : null },
        h('td', null, String(i + 1)), f.keys.map((k) => h('td', null, k in m ? fmt(m[k]) : '–')),
        h('td', null, f.repeated[i] ? 'yes ⚠' : '')))))));
}

function decode(b64) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('bad PNG frame'));
    img.src = `data:image/png;base64,${b64}`;
  });
}

function pixels(img) {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  return { w: c.width, h: c.height, data: g.getImageData(0, 0, c.width, c.height).data, canvas: c };
}

async function mountPlayer(el, f) {
  const q = (s) => el.querySelector(s);
  const [cp, ct, cd] = ['.fv-pred canvas', '.fv-true canvas', '.fv-diff canvas'].map(q);
  const play = q('.fv-play'), scrub = q('.fv-scrub'), pos = q('.fv-pos'), now = q('.fv-metrics'), flag = q('.fv-flag');
  const ticks = [...el.querySelectorAll('.fv-tick')];
  let pred, truth;
  try {
    pred = await Promise.all(f.predicted.map(decode));
    truth = await Promise.all(f.truth.map(decode));
  } catch (e) {
    now.textContent = `frames viewer: ${e.message}`;
    return;
  }
  const ref = pred[0] || truth[0];
  const scale = Math.max(1, Math.floor(160 / Math.max(ref.naturalWidth, ref.naturalHeight)));
  for (const c of [cp, ct, cd]) {
    c.width = ref.naturalWidth * scale;
    c.height = ref.naturalHeight * scale;
  }
  const draw = (canvas, src) => {
    const g = canvas.getContext('2d');
    g.imageSmoothingEnabled = false;
    g.fillStyle = '#888';
    g.fillRect(0, 0, canvas.width, canvas.height);
    if (src) g.drawImage(src, 0, 0, canvas.width, canvas.height);
  };
  let cur = 0;
  const show = (i) => {
    cur = i;
    draw(cp, pred[i]);
    draw(ct, truth[i]);
    if (pred[i] && truth[i]) {
      try {
        const a = pixels(pred[i]), b = pixels(truth[i]);
        const d = a.canvas.getContext('2d').createImageData(a.w, a.h);
        d.data.set(diffPixels(a.data, b.data));
        a.canvas.getContext('2d').putImageData(d, 0, 0);
        draw(cd, a.canvas);
      } catch (e) {
        draw(cd, null);
      }
    } else draw(cd, null);
    if (scrub) scrub.value = String(i);
    if (pos) pos.textContent = frameLabel(f, i);
    now.textContent = metricText(f, i);
    flag.hidden = !f.repeated[i];
    // A repeated frame is outlined in red, as the flag and the notebooks say.
    el.querySelector('.fv-pred').classList.toggle('fv-panel-rep', Boolean(f.repeated[i]));
    ticks.forEach((t, j) => t.classList.toggle('fv-tick-now', j === i));
  };
  let timer = null;
  const stop = () => {
    clearInterval(timer);
    if (!play) return;
    timer = null;
    play.textContent = '▶ Play';
    play.setAttribute('aria-label', 'Play frames');
  };
  if (play) play.addEventListener('click', () => {
    if (timer) return stop();
    if (cur >= f.n - 1) show(0);
    play.textContent = '⏸ Pause';
    play.setAttribute('aria-label', 'Pause frames');
    timer = setInterval(() => {
      if (!el.isConnected || cur >= f.n - 1) return stop();
      show(cur + 1);
    }, 400);
  });
  if (scrub) scrub.addEventListener('input', () => show(Number(scrub.value)));
  ticks.forEach((t, j) => t.addEventListener('click', () => show(j)));
  show(0);
}
