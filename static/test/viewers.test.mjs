// Unit tests of the frames and state-diff viewers' pure parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeFrames, metricMeans, diffPixels, framesWidget, fmt } from '../src/frames.js';
import { classifyItem, lineMarks, summarize, renderStateDiff } from '../src/statediff.js';
import { toHTML, textContent, find, findAll } from '../src/vdom.js';

const rollout = {
  title: 'push block',
  context: ['AAAA'],
  predicted: ['P1', 'P2', 'P3'],
  truth: ['T1', 'T2', 'T3'],
  metrics: [{ mse: 0.01, ssim: 0.9 }, { mse: 0.03, ssim: 0.7 }, { mse: 0.02 }],
  repeated: [false, true, false],
};

test('frames: normalized, with metric keys and means', () => {
  const f = normalizeFrames(rollout);
  assert.equal(f.n, 3);
  assert.deepEqual(f.keys, ['mse', 'ssim']);
  const m = metricMeans(f);
  assert.ok(Math.abs(m.mse - 0.02) < 1e-12);
  assert.ok(Math.abs(m.ssim - 0.8) < 1e-12, 'mean over frames that have the metric');
  assert.equal(normalizeFrames({}).error, 'no frames');
  assert.match(normalizeFrames(null).error, /invalid/);
  const odd = normalizeFrames({ predicted: ['a', 7, 'b'], metrics: [{ mse: 'x', ssim: NaN, ok: 1 }] });
  assert.equal(odd.n, 2, 'non-string frames dropped');
  assert.deepEqual(odd.metrics[0], { ok: 1 }, 'non-numeric metrics dropped');
});

test('frames: the viewer has panels, a scrubber, play, metrics and repetition flags', () => {
  const n = framesWidget(rollout);
  const html = toHTML(n);
  assert.equal(n.attrs.role, 'group');
  assert.match(n.attrs['aria-label'], /push block/);
  assert.equal(findAll(n, 'fv-canvas').length, 3, 'predicted, true, difference');
  const scrub = find(n, 'fv-scrub');
  assert.equal(scrub.attrs.max, '2');
  assert.equal(scrub.attrs['aria-label'], 'Frame');
  assert.equal(find(n, 'fv-play').attrs['aria-label'], 'Play frames');
  assert.match(textContent(find(n, 'fv-summary')), /3 frames · mean MSE 0\.0200 · mean SSIM 0\.8000 · 1 repeated/);
  assert.equal(findAll(n, 'fv-tick-rep').length, 1);
  assert.equal(findAll(n, 'fv-row-rep').length, 1);
  assert.match(html, /alt="context frame 1"/);
  assert.match(textContent(find(n, 'fv-metrics')), /MSE 0\.0100 · SSIM 0\.9000/);
  assert.equal(typeof n.attrs.mount, 'function');
});

test('frames: difference image is |a-b| times the gain, opaque and clamped', () => {
  const a = new Uint8ClampedArray([10, 200, 0, 255, 0, 0, 0, 0]);
  const b = new Uint8ClampedArray([20, 100, 0, 128, 0, 0, 0, 0]);
  assert.deepEqual([...diffPixels(a, b, 2)], [20, 200, 0, 255, 0, 0, 0, 255]);
  assert.deepEqual([...diffPixels(a, b, 3)].slice(0, 3), [30, 255, 0]);
  assert.throws(() => diffPixels(a, new Uint8ClampedArray(4)), /sizes differ/);
});

test('fmt prints metrics compactly', () => {
  assert.equal(fmt(0.123456), '0.1235');
  assert.equal(fmt(25.3), '25.3000');
  assert.equal(fmt(123.45), '123.5');
  assert.equal(fmt(0.00001), '1.00e-5');
  assert.equal(fmt(NaN), '–');
});

test('statediff: items classified by change and correctness', () => {
  assert.equal(classifyItem({ key: 'a', before: '', truth: 'x', predicted: 'x' }).change, 'added');
  assert.equal(classifyItem({ key: 'a', before: 'x', truth: '', predicted: '' }).change, 'removed');
  assert.equal(classifyItem({ key: 'a', before: 'x', truth: 'y', predicted: 'x' }).change, 'changed');
  const same = classifyItem({ key: 'a', before: 'p: 1\nq: 2', truth: 'p: 1\nq: 2', predicted: 'q: 2\np: 1\n' });
  assert.equal(same.change, 'unchanged');
  assert.equal(same.correct, true, 'line order and a trailing newline do not matter');
  assert.equal(classifyItem({ key: 'a', before: 'x', truth: 'y', predicted: 'x' }).correct, false);
});

test('statediff: line marks find wrong and missing lines (as a multiset)', () => {
  const { marks, missing } = lineMarks('on: true\ntemp: 20\ntemp: 20', 'on: true\ntemp: 90\ntemp: 20');
  assert.deepEqual(marks.map((m) => m.mark), ['same', 'same', 'diff']);
  assert.deepEqual(missing, ['temp: 90']);
});

test('statediff: the viewer shows changes and mistakes, and folds away the rest', () => {
  const v = {
    title: 'boil water',
    items: [
      { key: 'pot', before: 'temp: 20\nfull: yes', truth: 'temp: 90\nfull: yes', predicted: 'temp: 20\nfull: yes' },
      { key: 'steam', before: '', truth: 'hot: yes', predicted: 'hot: yes' },
      { key: 'ice', before: 'solid', truth: '', predicted: 'solid' },
      { key: 'table', before: 'wood', truth: 'wood', predicted: 'wood' },
      { key: '<b>x</b>', before: 'a', truth: 'a', predicted: 'b' },
    ],
  };
  const n = renderStateDiff(v);
  const s = summarize(v.items.map(classifyItem));
  assert.deepEqual(s, { total: 5, changed: 1, added: 1, removed: 1, unchanged: 2, mistakes: 3 });
  assert.match(textContent(find(n, 'sd-summary')), /5 items: 1 changed, 1 added, 1 removed · 3 mistakes/);
  const main = find(n, 'sd-table');
  assert.equal(findAll(main, 'sd-mistake').length, 3);
  assert.equal(findAll(main, 'sd-right').length, 1, 'steam: added and right');
  assert.ok(find(main, 'sd-added') && find(main, 'sd-removed') && find(main, 'sd-changed'));
  // pot: predicted kept the old temperature: that line is wrong, 90 missing.
  const wrong = findAll(main, 'sd-wrong').map(textContent).join('|');
  assert.match(wrong, /temp: 20/);
  assert.match(findAll(main, 'sd-missing').map(textContent).join('|'), /temp: 90/);
  // ice: removed but predicted present
  assert.match(toHTML(main), /sd-removed sd-mistake/);
  // The unchanged, right item is folded under details.
  const quiet = find(n, 'sd-quiet');
  assert.ok(quiet);
  assert.match(textContent(quiet), /1 unchanged item, predicted right/);
  assert.match(textContent(quiet), /table/);
  // Keys are escaped.
  assert.match(toHTML(n), /&lt;b&gt;x&lt;\/b&gt;/);
});

test('statediff: exact predictions say so; bad input gets a message', () => {
  const n = renderStateDiff({ items: [{ key: 'a', before: 'x', truth: 'x', predicted: 'x' }] });
  assert.match(textContent(n), /prediction exact/);
  assert.match(textContent(n), /No item changed/);
  assert.match(textContent(renderStateDiff({ items: 'x' })), /invalid data/);
  assert.match(textContent(renderStateDiff(null)), /invalid data/);
});

test('frames: one frame gets no player, slider, means or table; frames without metrics no metric line', () => {
  const one = framesWidget({ predicted: ['AA=='], truth: ['AA=='], metrics: [{ mse: 0.5 }] });
  assert.equal(find(one, 'fv-play'), null);
  assert.equal(find(one, 'fv-scrub'), null);
  assert.equal(find(one, 'fv-table'), null);
  assert.equal(textContent(find(one, 'fv-summary')), '1 frame · no repeated frames');
  const bare = framesWidget({ predicted: ['AA==', 'AA=='], truth: ['AA==', 'AA=='] });
  assert.equal(find(bare, 'fv-metrics').attrs.hidden, true);
  assert.equal(find(bare, 'fv-table'), null);
  assert.doesNotMatch(textContent(find(bare, 'fv-summary')), /mean/);
});

test('frames: several models share one viewer: the true frame, then a labelled column per model', () => {
  const v = {
    title: 'step 3',
    label: 'MLE',
    predicted: ['M1', 'M2'],
    truth: ['T1', 'T2'],
    metrics: [{ mse: 0.01 }, { mse: 0.03 }],
    repeated: [false, true],
    others: [{ label: 'RLVR', predicted: ['R1', 'R2'], metrics: [{ mse: 0.02 }, { mse: 0.04 }], repeated: [false, false] }, 'junk'],
  };
  const f = normalizeFrames(v);
  assert.deepEqual(f.models.map((m) => m.label), ['MLE', 'RLVR'], 'a non-object entry of others is dropped');
  assert.equal(f.n, 2);
  const n = framesWidget(v);
  assert.equal(findAll(n, 'fv-canvas').length, 5, 'true, then a prediction and a difference per model');
  const labels = findAll(n, 'fv-label').map(textContent);
  assert.deepEqual(labels, ['true', 'MLE', '|MLE − true|', 'RLVR', '|RLVR − true|']);
  assert.equal(findAll(n, 'fv-metrics').length, 2);
  assert.match(textContent(findAll(n, 'fv-metrics')[1]), /MSE 0\.0200/);
  assert.match(textContent(find(n, 'fv-summary')), /2 frames · MLE: mean MSE 0\.0200 · RLVR: mean MSE 0\.0300 · 1 repeated/);
  assert.equal(findAll(n, 'fv-tick-rep').length, 1, 'a frame any model repeats is marked on the timeline');
  const rows = findAll(find(n, 'fv-table'), 'fv-row-rep');
  assert.equal(rows.length, 1, 'one table row per frame and model');
  assert.match(toHTML(find(n, 'fv-table')), /<th scope="col">model<\/th>/);
  // Models with fewer frames than the truth leave their panels blank, never misaligned.
  const short = normalizeFrames({ predicted: ['A'], truth: ['T1', 'T2', 'T3'], others: [{ predicted: [] }] });
  assert.equal(short.n, 3);
  assert.deepEqual(short.models.map((m) => m.label), ['model 1', 'model 2']);
});
