// jsontree.js renders application/json outputs as a collapsible tree built
// from <details>, so it folds with the keyboard and needs no script.
import { h } from './vdom.js';

const OPEN_DEPTH = 2;
const MAX_CHILDREN = 500;

function scalar(v) {
  if (v === null) return h('span', { class: 'j-null' }, 'null');
  switch (typeof v) {
    case 'string': return h('span', { class: 'j-str' }, JSON.stringify(v));
    case 'number': return h('span', { class: 'j-num' }, String(v));
    case 'boolean': return h('span', { class: 'j-bool' }, String(v));
    default: return h('span', { class: 'j-other' }, String(v));
  }
}

function node(key, v, depth) {
  const label = key === null ? null : h('span', { class: 'j-key' }, `${key}: `);
  if (v === null || typeof v !== 'object') return h('li', null, label, scalar(v));
  const isArr = Array.isArray(v);
  const entries = isArr ? v.map((x, i) => [i, x]) : Object.entries(v);
  const summary = isArr ? `Array(${v.length})` : `{${entries.length} keys}`;
  const shown = entries.slice(0, MAX_CHILDREN).map(([k, x]) => node(k, x, depth + 1));
  if (entries.length > MAX_CHILDREN) shown.push(h('li', { class: 'j-more' }, `… ${entries.length - MAX_CHILDREN} more`));
  return h('li', null,
    h('details', { open: depth < OPEN_DEPTH },
      h('summary', null, label, h('span', { class: 'j-sum' }, summary)),
      h('ul', { class: 'j-list' }, shown)));
}

// renderJSONTree renders any JSON value.
export function renderJSONTree(value) {
  return h('ul', { class: 'json-tree j-list' }, node(null, value, 0));
}
