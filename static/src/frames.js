// frames.js: the frames viewer for video rollouts
// (application/vnd.rlvrworld.frames+json): predicted and true frames side by
// side with their per-pixel difference, a scrubber and play/pause, per-frame
// metrics (MSE, SSIM, ...) and frames that merely repeat the previous one
// flagged. Several models' predictions of the same frames (others) share one
// viewer: the true frame, then a labelled column per model. The markup and
// the numbers are pure (tested in Node); mount() decodes the PNGs and draws
// on canvases in the browser.
import { h } from './vdom.js';

// normalizeFrames checks a frames value and fills what is optional. It
// returns {error} for data the viewer cannot show. Several models'
// predictions of the same true frames (v.others, each {label, predicted,
// metrics, repeated}) become f.models after the first (v.predicted, labelled
// v.label); f.metrics, f.repeated and f.keys are the first model's.
export function normalizeFrames(v) {
  if (!v || typeof v !== 'object' || v.__invalid) return { error: `invalid data${v && v.__invalid ? ': ' + v.__invalid : ''}` };
  const arr = (x) => (Array.isArray(x) ? x.filter((s) => typeof s === 'string') : []);
  const truth = arr(v.truth), context = arr(v.context);
  const sources = [{ label: v.label, predicted: v.predicted, metrics: v.metrics, repeated: v.repeated }];
  if (Array.isArray(v.others)) for (const o of v.others) if (o && typeof o === 'object') sources.push(o);
  const preds = sources.map((o) => arr(o.predicted));
  const n = Math.max(truth.length, ...preds.map((p) => p.length));
  if (n === 0) return { error: 'no frames' };
  const models = sources.map((o, k) => {
    const metrics = [];
    const repeated = [];
    for (let i = 0; i < n; i++) {
      const m = Array.isArray(o.metrics) && o.metrics[i] && typeof o.metrics[i] === 'object' ? o.metrics[i] : {};
      const clean = {};
      for (const [key, x] of Object.entries(m)) if (typeof x === 'number' && Number.isFinite(x)) clean[key] = x;
      metrics.push(clean);
      repeated.push(Array.isArray(o.repeated) ? Boolean(o.repeated[i]) : false);
    }
    const keys = [];
    for (const m of metrics) for (const key of Object.keys(m)) if (!keys.includes(key)) keys.push(key);
    const label = o.label ? String(o.label) : (sources.length > 1 ? `model ${k + 1}` : 'predicted');
    return { label, predicted: preds[k], metrics, repeated, keys };
  });
  const first = models[0];
  return {
    title: v.title ? String(v.title) : '', context, predicted: first.predicted, truth, n,
    metrics: first.metrics, repeated: first.repeated, keys: first.keys, models,
  };
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

function metricText(m, i) {
  const parts = m.keys.filter((k) => k in m.metrics[i]).map((k) => `${k.toUpperCase()} ${fmt(m.metrics[i][k])}`);
  return parts.join(' · ') || 'no metrics';
}

function frameLabel(f, i) {
  return `Frame ${i + 1} of ${f.n}`;
}

// panel is one canvas with its label; data-model and data-role tell the
// player which model's frame (or difference) it draws.
function panel(cls, label, role, k) {
  return h('div', { class: `fv-panel ${cls}`, 'data-role': role, 'data-model': k === undefined ? null : String(k) },
    h('div', { class: 'fv-label' }, label),
    h('canvas', { class: 'fv-canvas', width: '128', height: '128', role: 'img', 'aria-label': label }));
}

function metricLine(m, k, hasMetrics) {
  return h('span', { class: 'fv-metrics', 'data-model': String(k), hidden: !hasMetrics }, metricText(m, 0));
}

function repFlag(m, k, text) {
  return h('span', { class: 'fv-flag', 'data-model': String(k), hidden: !m.repeated[0] }, text);
}

// stage lays out the canvases. One model: predicted, true and their
// difference in a row, the metrics under them. Several: the true frame
// first, then one column per model (its prediction over its difference from
// the truth, its metrics and repetition flag under them), so that the models
// are compared on one frame at a time.
function stage(f) {
  if (f.models.length === 1) {
    const m = f.models[0];
    return [
      h('div', { class: 'fv-stage' },
        panel('fv-pred', m.label, 'pred', 0), panel('fv-true', 'true', 'true'),
        panel('fv-diff', `difference |${m.label} − true|`, 'diff', 0)),
      h('div', { class: 'fv-now' }, metricLine(m, 0, m.keys.length > 0),
        repFlag(m, 0, '⚠ repeats the previous frame (outlined in red)')),
    ];
  }
  return h('div', { class: 'fv-stage fv-multi' },
    h('div', { class: 'fv-col' }, panel('fv-true', 'true', 'true')),
    f.models.map((m, k) => h('div', { class: 'fv-col', role: 'group', 'aria-label': m.label },
      panel('fv-pred', m.label, 'pred', k),
      panel('fv-diff', `|${m.label} − true|`, 'diff', k),
      h('div', { class: 'fv-now' }, metricLine(m, k, m.keys.length > 0)),
      repFlag(m, k, '⚠ repeats the previous frame'))));
}

function summary(f, one) {
  const part = (m) => {
    const means = metricMeans(m);
    return m.keys.map((k) => `mean ${k.toUpperCase()} ${fmt(means[k])}`).join(' · ');
  };
  const reps = f.models.reduce((s, m) => s + m.repeated.filter(Boolean).length, 0);
  let means = '';
  if (!one) {
    if (f.models.length === 1) means = part(f.models[0]) ? ` · ${part(f.models[0])}` : '';
    else means = f.models.filter((m) => m.keys.length).map((m) => ` · ${m.label}: ${part(m)}`).join('');
  }
  return h('span', { class: 'fv-summary' }, one ? '1 frame' : `${f.n} frames`, means,
    reps ? h('span', { class: 'fv-rep-count' }, ` · ${reps} repeated`) : ' · no repeated frames');
}

function table(f) {
  const multi = f.models.length > 1;
  const keys = [];
  for (const m of f.models) for (const k of m.keys) if (!keys.includes(k)) keys.push(k);
  const rows = [];
  for (let i = 0; i < f.n; i++) {
    for (const m of f.models) {
      const x = m.metrics[i];
      rows.push(h('tr', { class: m.repeated[i] ? 'fv-row-rep' : null },
        h('td', null, String(i + 1)), multi ? h('td', null, m.label) : null,
        keys.map((k) => h('td', null, k in x ? fmt(x[k]) : '–')),
        h('td', null, m.repeated[i] ? 'yes ⚠' : '')));
    }
  }
  return h('details', { class: 'fv-table' },
    h('summary', null, 'per-frame metrics'),
    h('table', null,
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'frame'), multi ? h('th', { scope: 'col' }, 'model') : null,
        keys.map((k) => h('th', { scope: 'col' }, k.toUpperCase())), h('th', { scope: 'col' }, 'repeated'))),
      h('tbody', null, rows)));
}

// framesWidget renders the viewer; the player is wired up on mount.
export function framesWidget(v) {
  const f = normalizeFrames(v);
  if (f.error) return h('div', { class: 'frames out-error' }, `frames viewer: ${f.error}`);
  // A single frame needs no player; frames without metrics no metric line
  // or table.
  const one = f.n === 1;
  const hasMetrics = f.models.some((m) => m.keys.length > 0);
  const reps = f.models.map((m) => m.repeated);
  return h('figure', {
    class: 'frames', role: 'group', 'aria-label': `Frames rollout${f.title ? ': ' + f.title : ''}`,
    mount: (el) => mountPlayer(el, f),
  },
  h('figcaption', { class: 'fv-head' }, f.title ? h('strong', null, f.title) : null, summary(f, one)),
  f.context.length ? h('div', { class: 'fv-context', 'aria-label': 'context frames' },
    h('span', { class: 'fv-label' }, 'context'),
    f.context.map((c, i) => h('img', { class: 'fv-thumb', src: `data:image/png;base64,${c}`, alt: `context frame ${i + 1}` }))) : null,
  stage(f),
  one ? null : h('div', { class: 'fv-controls' },
    h('button', { type: 'button', class: 'fv-play', 'aria-label': 'Play frames' }, '▶ Play'),
    h('input', { type: 'range', class: 'fv-scrub', min: '0', max: String(f.n - 1), value: '0', step: '1', 'aria-label': 'Frame' }),
    h('output', { class: 'fv-pos', 'aria-live': 'polite' }, frameLabel(f, 0))),
  one ? null : h('div', { class: 'fv-timeline', 'aria-hidden': 'true' },
    Array.from({ length: f.n }, (_, i) => {
      const r = reps.some((x) => x[i]);
      return h('span', { class: `fv-tick${r ? ' fv-tick-rep' : ''}${i === 0 ? ' fv-tick-now' : ''}`, 'data-i': String(i), title: `frame ${i + 1}${r ? ' (repeated)' : ''}` });
    })),
  !hasMetrics || one ? null : table(f));
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
  const play = q('.fv-play'), scrub = q('.fv-scrub'), pos = q('.fv-pos');
  const ticks = [...el.querySelectorAll('.fv-tick')];
  const part = (role, k) => q(`.fv-panel[data-role="${role}"]${k === undefined ? '' : `[data-model="${k}"]`}`);
  const ct = part('true').querySelector('canvas');
  const cols = f.models.map((m, k) => ({
    m, pred: part('pred', k), diff: part('diff', k).querySelector('canvas'),
    metrics: q(`.fv-metrics[data-model="${k}"]`), flag: q(`.fv-flag[data-model="${k}"]`),
  }));
  let truth;
  try {
    truth = await Promise.all(f.truth.map(decode));
    for (const c of cols) c.frames = await Promise.all(c.m.predicted.map(decode));
  } catch (e) {
    cols[0].metrics.hidden = false;
    cols[0].metrics.textContent = `frames viewer: ${e.message}`;
    return;
  }
  const ref = truth[0] || cols.map((c) => c.frames[0]).find(Boolean);
  const scale = Math.max(1, Math.floor(160 / Math.max(ref.naturalWidth, ref.naturalHeight)));
  for (const c of [ct, ...cols.flatMap((c) => [c.pred.querySelector('canvas'), c.diff])]) {
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
  const drawDiff = (canvas, p, t) => {
    if (!p || !t) return draw(canvas, null);
    try {
      const a = pixels(p), b = pixels(t);
      const d = a.canvas.getContext('2d').createImageData(a.w, a.h);
      d.data.set(diffPixels(a.data, b.data));
      a.canvas.getContext('2d').putImageData(d, 0, 0);
      draw(canvas, a.canvas);
    } catch (e) {
      draw(canvas, null);
    }
  };
  let cur = 0;
  const show = (i) => {
    cur = i;
    draw(ct, truth[i]);
    for (const c of cols) {
      draw(c.pred.querySelector('canvas'), c.frames[i]);
      drawDiff(c.diff, c.frames[i], truth[i]);
      if (c.m.keys.length) c.metrics.textContent = metricText(c.m, i);
      c.flag.hidden = !c.m.repeated[i];
      // A repeated frame is outlined in red, as the flag and the notebooks say.
      c.pred.classList.toggle('fv-panel-rep', Boolean(c.m.repeated[i]));
    }
    if (scrub) scrub.value = String(i);
    if (pos) pos.textContent = frameLabel(f, i);
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
