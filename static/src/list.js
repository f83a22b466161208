// list.js: the notebook list (/ and /tree/<dir>): open, create, rename and
// delete notebooks through the contents API, and see which have a kernel.
import { h, mount } from './vdom.js';
import { contents, sessions, encodePath } from './api.js';
import { cellsFromNotebook } from './nbformat.js';

function fmtTime(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

// sortItems puts folders first, then notebooks, then other files, by name.
export function sortItems(items) {
  const rank = { directory: 0, notebook: 1 };
  return [...items].sort((a, b) => (rank[a.type] ?? 2) - (rank[b.type] ?? 2) || a.name.localeCompare(b.name));
}

// describe returns a notebook's one-line description: its metadata's
// "description", else the first paragraph of its first Markdown cell that
// is not a heading, cut at a sentence.
export function describe(nb) {
  const d = nb && nb.metadata && nb.metadata.description;
  if (typeof d === 'string' && d.trim()) return d.trim();
  let cells;
  try {
    cells = cellsFromNotebook(nb);
  } catch {
    return '';
  }
  for (const c of cells) {
    if (c.type !== 'markdown') continue;
    const para = c.source.split(/\n\s*\n/).map((p) => p.trim()).find((p) => p && !p.startsWith('#'));
    if (!para) continue;
    const text = para.replace(/\s+/g, ' ').replace(/[*_`]/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const sentence = text.match(/^.{20,}?[.!?](\s|$)/);
    const out = sentence ? sentence[0].trim() : text;
    return out.length > 220 ? out.slice(0, 217) + '…' : out;
  }
  return '';
}

// hiddenFolder says whether a folder holds files but no notebook (such as
// the notebooks' generator gen/ and sources src/): the list hides those
// unless "Show all files" is ticked.
export function hiddenFolder(listing) {
  const items = Array.isArray(listing && listing.content) ? listing.content : [];
  return items.length > 0 && !items.some((it) => it.type === 'notebook' || it.type === 'directory');
}

export class NotebookList {
  constructor(root, dir) {
    this.root = root;
    this.dir = dir.replace(/^\/+|\/+$/g, '');
  }

  async open() {
    document.title = `${this.dir || 'Notebooks'} - RLVR-World`;
    const crumbs = [h('a', { href: '/', class: 'brand' }, 'RLVR-World')];
    let acc = '';
    for (const part of this.dir.split('/').filter(Boolean)) {
      acc = acc ? `${acc}/${part}` : part;
      crumbs.push(h('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '/'), h('a', { href: `/tree/${encodePath(acc)}` }, part));
    }
    this.root.replaceChildren(mount(h('div', { class: 'page list-page' },
      h('header', { class: 'topbar' }, ...crumbs),
      h('main', { class: 'list-main' },
        h('div', { class: 'list-head' },
          h('h1', null, this.dir ? `Notebooks in ${this.dir}` : 'Notebooks'),
          h('button', { type: 'button', class: 'primary', onclick: () => this.create() }, 'New notebook')),
        h('p', { class: 'list-msg', role: 'status', 'aria-live': 'polite' }),
        h('label', { class: 'list-opts' }, h('input', { type: 'checkbox', class: 'show-all', onchange: () => this.refresh() }), ' Show all files'),
        h('table', { class: 'list-table' },
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Modified'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
          h('tbody', null))))));
    this.tbody = this.root.querySelector('tbody');
    this.msg = this.root.querySelector('.list-msg');
    await this.refresh();
  }

  say(text, error = false) {
    this.msg.textContent = text;
    this.msg.classList.toggle('error', error);
  }

  async refresh() {
    let model;
    try {
      model = await contents.get(this.dir);
    } catch (e) {
      this.say(`Could not list ${this.dir || 'the notebooks folder'}: ${e.message}`, true);
      return;
    }
    let running = new Map();
    try {
      running = new Map((await sessions.list()).map((s) => [s.path, s]));
    } catch {
      // The list still works without session information.
    }
    const showAll = this.root.querySelector('.show-all').checked;
    let items = sortItems(Array.isArray(model.content) ? model.content : []);
    if (!showAll) {
      const hide = await Promise.all(items.map((it) => (it.type === 'directory'
        ? contents.get(it.path).then(hiddenFolder, () => false) : Promise.resolve(it.name.startsWith('.')))));
      items = items.filter((_, i) => !hide[i]);
    }
    const rows = [];
    if (this.dir) {
      const up = this.dir.split('/').slice(0, -1).join('/');
      rows.push(h('tr', null, h('td', { colspan: '3' }, h('a', { href: up ? `/tree/${encodePath(up)}` : '/' }, '⬑ Parent folder'))));
    }
    for (const it of items) {
      const href = it.type === 'directory' ? `/tree/${encodePath(it.path)}` : it.type === 'notebook' ? `/notebooks/${encodePath(it.path)}` : null;
      const icon = it.type === 'directory' ? '▸' : it.type === 'notebook' ? '◆' : '·';
      rows.push(h('tr', { class: `item item-${it.type}` },
        h('td', null, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon, ' '),
          href ? h('a', { href }, it.name) : h('span', null, it.name),
          running.has(it.path) ? h('span', { class: 'running-badge' }, 'running') : null,
          it.type === 'notebook' ? h('span', { class: 'desc', 'data-path': it.path }) : null),
        h('td', { class: 'mtime' }, fmtTime(it.last_modified)),
        h('td', { class: 'actions' },
          it.type === 'notebook' ? [
            running.has(it.path) ? h('button', { type: 'button', 'aria-label': `Shut down ${it.name}`, title: 'Stop its kernel (frees its memory; variables are lost)', onclick: () => this.shutdown(it, running.get(it.path)) }, 'Shut down') : null,
            h('button', { type: 'button', 'aria-label': `Rename ${it.name}`, onclick: () => this.rename(it) }, 'Rename'),
            h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${it.name}`, onclick: () => this.remove(it) }, 'Delete'),
          ] : null)));
    }
    if (items.length === 0) rows.push(h('tr', null, h('td', { colspan: '3', class: 'empty' }, 'No notebooks here yet. Create one with New notebook.')));
    this.tbody.replaceChildren(...rows.map((r) => mount(r)));
    this.describeAll();
  }

  // describeAll fills in each notebook's description, read from its file.
  async describeAll() {
    await Promise.all([...this.tbody.querySelectorAll('.desc')].map(async (el) => {
      try {
        const m = await contents.get(el.dataset.path);
        el.textContent = describe(m.content);
      } catch {
        // No description for a notebook that cannot be read.
      }
    }));
  }

  // shutdown stops a notebook's kernel: deleting its session stops the
  // kernel process too, as in Jupyter Server.
  async shutdown(it, session) {
    try {
      await sessions.remove(session.id);
      this.say(`Shut down the kernel of ${it.name}.`);
    } catch (e) {
      this.say(`Could not shut down ${it.name}: ${e.message}`, true);
    }
    await this.refresh();
  }

  async create() {
    try {
      const m = await contents.create(this.dir, 'notebook');
      location.href = `/notebooks/${encodePath(m.path)}`;
    } catch (e) {
      this.say(`Could not create a notebook: ${e.message}`, true);
    }
  }

  async rename(it) {
    let name = window.prompt(`New name for ${it.name}:`, it.name);
    if (!name || name === it.name) return;
    if (name.includes('/')) {
      this.say('A name cannot contain "/".', true);
      return;
    }
    if (!name.endsWith('.ipynb')) name += '.ipynb';
    const dir = it.path.split('/').slice(0, -1).join('/');
    try {
      await contents.rename(it.path, dir ? `${dir}/${name}` : name);
      this.say(`Renamed ${it.name} to ${name}.`);
    } catch (e) {
      this.say(`Could not rename ${it.name}: ${e.message}`, true);
    }
    await this.refresh();
  }

  async remove(it) {
    if (!window.confirm(`Delete ${it.name}? This cannot be undone.`)) return;
    try {
      await contents.remove(it.path);
      this.say(`Deleted ${it.name}.`);
    } catch (e) {
      this.say(`Could not delete ${it.name}: ${e.message}`, true);
    }
    await this.refresh();
  }
}
