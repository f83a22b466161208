// statediff.js: the state-diff viewer for text-game objects and web-page
// lines (application/vnd.rlvrworld.statediff+json). Each item comes in three
// versions (before the step, the true next state, the predicted one). The
// viewer marks what the step changed, added or removed, and where the
// prediction is wrong, line by line. It is pure markup (no script): unchanged,
// correctly predicted items fold away under a <details>.
import { h } from './vdom.js';

// classifyItem says what the step did to an item and whether the prediction
// matches the truth. An empty version means the item is absent there.
export function classifyItem(it) {
  const before = str(it.before), truth = str(it.truth), pred = str(it.predicted);
  let change = 'unchanged';
  if (!before && truth) change = 'added';
  else if (before && !truth) change = 'removed';
  else if (before !== truth) change = 'changed';
  return { key: str(it.key), before, truth, predicted: pred, change, correct: norm(pred) === norm(truth) };
}

function str(v) {
  return v == null ? '' : String(v);
}

// Trailing spaces and line order within an item do not count as mistakes:
// properties are one per line and a set in meaning.
function norm(s) {
  return lines(s).map((l) => l.trimEnd()).sort().join('\n');
}

function lines(s) {
  return s === '' ? [] : s.split('\n').filter((l, i, a) => !(l === '' && i === a.length - 1));
}

// lineMarks compares the lines of text with those of ref: each line of text
// is 'same' when ref has it too, else 'diff'; missing lists ref's lines that
// text lacks. Lines are a multiset.
export function lineMarks(text, ref) {
  const pool = new Map();
  for (const l of lines(ref)) pool.set(l.trimEnd(), (pool.get(l.trimEnd()) || 0) + 1);
  const marks = lines(text).map((l) => {
    const k = l.trimEnd();
    const n = pool.get(k) || 0;
    if (n > 0) {
      pool.set(k, n - 1);
      return { line: l, mark: 'same' };
    }
    return { line: l, mark: 'diff' };
  });
  const missing = [];
  for (const [l, n] of pool) for (let i = 0; i < n; i++) missing.push(l);
  return { marks, missing };
}

// summarize counts the items by change and the mistakes.
export function summarize(items) {
  const s = { total: items.length, changed: 0, added: 0, removed: 0, unchanged: 0, mistakes: 0 };
  for (const c of items) {
    s[c.change]++;
    if (!c.correct) s.mistakes++;
  }
  return s;
}

function cellLines(text, ref, cls) {
  if (!text) return h('span', { class: 'sd-absent' }, '(absent)');
  const { marks } = lineMarks(text, ref);
  return marks.map((m) => h('div', { class: `sd-line ${m.mark === 'diff' ? cls : ''}`.trim() }, m.line || ' '));
}

function predictedLines(c) {
  if (!c.predicted && !c.truth) return h('span', { class: 'sd-absent sd-ok' }, '(absent)');
  if (!c.predicted) return h('span', { class: 'sd-absent sd-wrong' }, '(predicted absent)');
  const { marks, missing } = lineMarks(c.predicted, c.truth);
  return [
    ...marks.map((m) => h('div', { class: `sd-line ${m.mark === 'diff' ? 'sd-wrong' : ''}`.trim(), title: m.mark === 'diff' ? 'not in the true state' : null },
      m.mark === 'diff' ? h('span', { class: 'sd-mark', 'aria-label': 'wrong' }, '✗ ') : null, m.line || ' ')),
    ...missing.map((l) => h('div', { class: 'sd-line sd-missing', title: 'in the true state, missing from the prediction' },
      h('span', { class: 'sd-mark', 'aria-label': 'missing' }, '− '), l)),
  ];
}

const CHANGE_LABEL = { changed: 'changed', added: 'added', removed: 'removed', unchanged: 'unchanged' };

function row(c) {
  return h('tr', { class: `sd-${c.change} ${c.correct ? 'sd-right' : 'sd-mistake'}` },
    h('th', { scope: 'row', class: 'sd-key' }, c.key),
    h('td', { class: 'sd-change' }, h('span', { class: `sd-badge sd-badge-${c.change}` }, CHANGE_LABEL[c.change])),
    h('td', { class: 'sd-before' }, cellLines(c.before, c.truth, 'sd-old')),
    h('td', { class: 'sd-truth' }, cellLines(c.truth, c.before, 'sd-new')),
    h('td', { class: 'sd-pred' }, predictedLines(c)),
    h('td', { class: 'sd-verdict' }, c.correct
      ? h('span', { class: 'sd-ok', 'aria-label': 'prediction correct' }, '✓')
      : h('span', { class: 'sd-wrong', 'aria-label': 'prediction wrong' }, '✗')));
}

function table(rows, caption) {
  return h('table', { class: 'sd-table' },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'item'), h('th', { scope: 'col' }, 'step'),
      h('th', { scope: 'col' }, 'before'), h('th', { scope: 'col' }, 'true next'),
      h('th', { scope: 'col' }, 'predicted'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'verdict')))),
    h('tbody', null, rows));
}

// renderStateDiff renders the viewer for one statediff JSON value.
export function renderStateDiff(v) {
  if (!v || typeof v !== 'object' || v.__invalid || (v.items != null && !Array.isArray(v.items))) {
    return h('div', { class: 'statediff out-error' }, `state diff: invalid data${v && v.__invalid ? ': ' + v.__invalid : ''}`);
  }
  const items = (v.items || []).map(classifyItem);
  const s = summarize(items);
  const main = items.filter((c) => c.change !== 'unchanged' || !c.correct);
  const quiet = items.filter((c) => c.change === 'unchanged' && c.correct);
  const verdict = s.mistakes === 0 ? 'prediction exact' : `${s.mistakes} mistake${s.mistakes === 1 ? '' : 's'}`;
  return h('figure', { class: 'statediff', role: 'group', 'aria-label': `State diff${v.title ? ': ' + v.title : ''}` },
    h('figcaption', { class: 'sd-head' },
      v.title ? h('strong', null, String(v.title)) : null,
      h('span', { class: 'sd-summary' },
        `${s.total} items: ${s.changed} changed, ${s.added} added, ${s.removed} removed · `,
        h('span', { class: s.mistakes ? 'sd-wrong' : 'sd-ok' }, verdict))),
    main.length ? table(main.map(row), 'changed or mispredicted items') : h('p', { class: 'sd-none' }, 'No item changed, and the prediction agrees.'),
    quiet.length ? h('details', { class: 'sd-quiet' },
      h('summary', null, `${quiet.length} unchanged item${quiet.length === 1 ? '' : 's'}, predicted right`),
      table(quiet.map(row), 'unchanged items')) : null);
}
