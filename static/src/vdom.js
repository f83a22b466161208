// vdom.js: the output renderers build small virtual trees with h() instead of
// touching the DOM, so they are pure functions that Node's test runner checks
// without a browser (toHTML), and mount() turns a tree into real elements.
//
// A node is {tag, attrs, children}. Special attributes:
//   html:  raw markup for the element's content (already escaped or trusted);
//   mount: a function called with the created element (interactive widgets:
//          charts, the frames player); toHTML leaves such elements empty;
//   on*:   event listeners (onclick: fn).
// Strings among children are text.

export function h(tag, attrs, ...children) {
  return { tag, attrs: attrs || {}, children: flatten(children) };
}

function flatten(list) {
  const out = [];
  for (const c of list) {
    if (c === null || c === undefined || c === false || c === true) continue;
    if (Array.isArray(c)) out.push(...flatten(c));
    else out.push(typeof c === 'number' ? String(c) : c);
  }
  return out;
}

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// escapeHTML escapes text for use in markup and attribute values.
export function escapeHTML(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

const VOID = new Set(['img', 'br', 'hr', 'input', 'meta', 'link', 'col', 'source']);

// toHTML serializes a tree; used by the unit tests and for static snapshots.
export function toHTML(node) {
  if (typeof node === 'string') return escapeHTML(node);
  let s = '<' + node.tag;
  for (const [k, v] of Object.entries(node.attrs)) {
    if (k === 'html' || k === 'mount' || k.startsWith('on') || v === false || v == null) continue;
    s += v === true ? ` ${k}` : ` ${k}="${escapeHTML(v)}"`;
  }
  s += '>';
  if (VOID.has(node.tag)) return s;
  if (node.attrs.html != null) s += node.attrs.html;
  else for (const c of node.children) s += toHTML(c);
  return s + `</${node.tag}>`;
}

// textContent returns the visible text of a tree (tests, accessibility names).
export function textContent(node) {
  if (typeof node === 'string') return node;
  if (node.attrs.html != null) return node.attrs.html.replace(/<[^>]*>/g, '');
  return node.children.map(textContent).join('');
}

// find returns the first node whose class list contains cls (tests).
export function find(node, cls) {
  if (typeof node === 'string') return null;
  const c = String(node.attrs.class || '').split(/\s+/);
  if (c.includes(cls)) return node;
  for (const ch of node.children) {
    const f = find(ch, cls);
    if (f) return f;
  }
  return null;
}

// findAll returns all nodes whose class list contains cls.
export function findAll(node, cls, out = []) {
  if (typeof node === 'string') return out;
  if (String(node.attrs.class || '').split(/\s+/).includes(cls)) out.push(node);
  for (const ch of node.children) findAll(ch, cls, out);
  return out;
}

// mount creates the DOM for a tree in doc (the browser's document).
export function mount(node, doc = document) {
  if (typeof node === 'string') return doc.createTextNode(node);
  const el = doc.createElement(node.tag);
  for (const [k, v] of Object.entries(node.attrs)) {
    if (k === 'html' || k === 'mount' || v === false || v == null) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  if (node.attrs.html != null) el.innerHTML = node.attrs.html;
  else for (const c of node.children) el.appendChild(mount(c, doc));
  if (typeof node.attrs.mount === 'function') node.attrs.mount(el);
  return el;
}
