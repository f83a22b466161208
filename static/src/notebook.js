// notebook.js: the notebook page. It loads a notebook through the contents
// API, starts (or joins) its kernel session, and runs cells over the kernel
// websocket. Cells are code or Markdown; the keyboard works as in Jupyter:
// edit mode (in the editor) and command mode (a cell selected).
import { h, mount } from './vdom.js';
import { OutputModel, renderOutput, markdownToHTML, pickMime, MIME } from './outputs.js';
import { typesetMath } from './math.js';
import { updateChart, download, darkMode } from './charts.js';
import { notebookHTML } from './export.js';
import { cellsFromNotebook, notebookFromCells, newCellId } from './nbformat.js';
import { staleness } from './stale.js';
import { Kernel } from './kernel.js';
import { manager as widgets, withWidgetState } from './widgets.js';
import { contents, sessions, kernels, kernelspecs, checkpoints, encodePath, ApiError } from './api.js';
import { createEditor, inspect } from './editor.js';

// AUTOSAVE_MS is how often an edited notebook is saved; the end-to-end
// tests shorten it through window.RLVR_AUTOSAVE_MS.
const AUTOSAVE_MS = 30000;

// tagged says whether a cell carries a Jupyter tag (metadata.tags).
export function tagged(cell, tag) {
  const tags = cell.metadata && cell.metadata.tags;
  return Array.isArray(tags) && tags.includes(tag);
}

// fmtDuration prints a cell's run time compactly.
export function fmtDuration(ms) {
  if (!(ms >= 0)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60000);
  return `${m} min ${Math.round((ms - m * 60000) / 1000)} s`;
}

export class Notebook {
  constructor(root, path) {
    this.root = root;
    this.path = path;
    this.cells = [];
    this.metadata = {};
    this.selected = 0;
    this.dirty = false;
    this.kernel = null;
    this.session = null;
    this.kernelState = 'starting';
    this.runSeq = 0;
    this.restartSeq = 0;
    this.queue = [];
    this.running = null;
    this.lastKey = '';
    this.lastKeyAt = 0;
    this.deleted = [];
    this.saving = null;
    // edited: the user changed the notebook's text or cells. Only then does
    // autosave write the file, so that opening a shipped notebook and
    // running it leaves the teaching version on disk as it was.
    this.edited = false;
    this.autosaveTicks = 0;
    this.clipboard = null;
    this.lineNumbers = localStorage.getItem('rlvr.lineNumbers') === '1';
  }

  async open() {
    this.buildChrome();
    let model;
    try {
      model = await contents.get(this.path);
    } catch (e) {
      this.fatal(e.status === 404 ? `No notebook at ${this.path}.` : `Could not open ${this.path}: ${e.message}`);
      this.setKernelState('none');
      return;
    }
    if (model.type !== 'notebook') {
      this.fatal(`${this.path} is not a notebook.`);
      this.setKernelState('none');
      return;
    }
    let cells;
    try {
      cells = cellsFromNotebook(model.content);
    } catch (e) {
      this.fatal(`Could not read ${this.path}: ${e.message}`);
      this.setKernelState('none');
      return;
    }
    this.metadata = model.content.metadata || {};
    widgets.loadSaved(this.metadata);
    this.lastModified = model.last_modified;
    if (cells.length === 0) cells.push({ id: newCellId(), type: 'code', source: '', outputs: [], execution_count: null, metadata: {} });
    for (const c of cells) this.addCell(c, this.cells.length, false);
    this.select(0, false);
    this.refreshStale();
    this.setDirty(false);
    this.renderTOC();
    this.startKernel();
    this.ensureCheckpoint();
    this.autosave = setInterval(() => {
      this.autosaveTicks++;
      if (this.dirty && this.edited) this.save(true);
    }, window.RLVR_AUTOSAVE_MS || AUTOSAVE_MS);
    window.addEventListener('beforeunload', (ev) => {
      if (this.dirty) {
        ev.preventDefault();
        ev.returnValue = '';
      }
    });
  }

  // ---- page chrome -------------------------------------------------------

  buildChrome() {
    const name = this.path.split('/').pop();
    document.title = `${name} - RLVR-World`;
    const btn = (label, text, onclick, extra = {}) => h('button', { type: 'button', 'aria-label': label, title: extra.title || label, onclick, class: extra.class || null }, text);
    const tree = h('div', { class: 'page notebook-page' },
      h('header', { class: 'topbar' },
        h('a', { class: 'brand', href: '/' + (this.path.includes('/') ? 'tree/' + this.path.split('/').slice(0, -1).join('/') : '') }, 'RLVR-World'),
        h('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, '/'),
        h('h1', { class: 'nb-name' }, h('button', { type: 'button', class: 'nb-rename', 'aria-label': 'Rename notebook', title: 'Rename', onclick: () => this.rename() }, name)),
        h('span', { class: 'dirty-mark', 'aria-live': 'polite' }),
        h('span', { class: 'save-state', 'aria-live': 'polite' }),
        h('span', { class: 'spacer' }),
        h('span', { class: 'mode', 'aria-live': 'polite' }, 'command mode'),
        h('span', { class: 'kstatus', role: 'status', 'aria-live': 'polite' },
          h('span', { class: 'kdot', 'aria-hidden': 'true' }), h('span', { class: 'ktext' }, 'Kernel starting'))),
      h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Notebook' },
        btn('Table of contents', '☰', () => this.toggleTOC(), { class: 'toc-toggle' }),
        btn('Run all', '▶▶ Run all', () => this.runAll()),
        btn('Run cell', '▶ Run', () => this.runSelected('next')),
        h('details', { class: 'menu' },
          h('summary', { 'aria-label': 'More run commands' }, 'Run ▾'),
          h('div', { class: 'menu-items' },
            btn('Run above', 'Run all above', () => this.runAbove()),
            btn('Run below', 'Run selected and below', () => this.runBelow()),
            btn('Restart and run all', 'Restart and run all…', () => this.restart({ thenRunAll: true })),
            btn('Clear all outputs', 'Clear all outputs', () => this.clearOutputs(true)),
            btn('Clear cell output', 'Clear selected output', () => this.clearOutputs(false)))),
        btn('Interrupt', '■ Interrupt', () => this.interrupt()),
        btn('Restart', '↻ Restart', () => this.restart()),
        btn('Save', 'Save', () => this.save(false), { title: 'Save (Ctrl+S)' }),
        h('details', { class: 'menu' },
          h('summary', { 'aria-label': 'File commands' }, 'File ▾'),
          h('div', { class: 'menu-items' },
            btn('Download as ipynb', 'Download .ipynb', () => this.downloadIpynb()),
            btn('Download as HTML', 'Download HTML (offline)', () => this.downloadHTML()),
            btn('Revert to checkpoint', 'Revert to checkpoint…', () => this.revert()),
            btn('Rename notebook', 'Rename…', () => this.rename()))),
        h('span', { class: 'tb-sep', 'aria-hidden': 'true' }),
        btn('Insert code cell below', '+ Code', () => this.insert('below', 'code')),
        btn('Insert Markdown cell below', '+ Markdown', () => this.insert('below', 'markdown')),
        btn('Move cell up', '↑', () => this.move(-1)),
        btn('Move cell down', '↓', () => this.move(1)),
        btn('Delete cell', '✕ Delete', () => this.deleteCell()),
        h('details', { class: 'menu' },
          h('summary', { 'aria-label': 'Cell commands' }, 'Cell ▾'),
          h('div', { class: 'menu-items' },
            btn('Copy cell', 'Copy (C)', () => this.copyCell(false)),
            btn('Cut cell', 'Cut (X)', () => this.copyCell(true)),
            btn('Paste cell below', 'Paste below (V)', () => this.pasteCell()),
            btn('Collapse output', 'Collapse / expand output (O)', () => this.toggleCollapse()),
            btn('Line numbers', 'Line numbers (L)', () => this.toggleLineNumbers()))),
        btn('Find and replace', '⌕ Find', () => this.openFind()),
        h('span', { class: 'tb-sep', 'aria-hidden': 'true' }),
        h('details', { class: 'help' },
          h('summary', null, 'Keys'),
          h('dl', null,
            ...[['Shift+Enter', 'run, select next'], ['Ctrl+Enter', 'run in place'], ['Alt+Enter', 'run, insert below'],
              ['Esc / Enter', 'command / edit mode'], ['A / B', 'insert above / below'], ['D D', 'delete cell'], ['Z', 'undo delete'],
              ['M / Y', 'Markdown / code'], ['↑ ↓ or K J', 'select cell'], ['Ctrl+S', 'save'], ['Shift+Tab', 'docs at cursor'],
              ['C / X / V', 'copy / cut / paste cell'], ['O', 'collapse output'], ['L', 'line numbers'], ['F', 'find and replace'],
              ['Tab', 'complete'], ['I I', 'interrupt'], ['0 0', 'restart (asks first)']].flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)])))),
      h('form', { class: 'findbar', role: 'search', 'aria-label': 'Find and replace', hidden: true },
        h('input', { type: 'search', class: 'find-q', 'aria-label': 'Find', placeholder: 'Find in cells' }),
        h('input', { type: 'text', class: 'find-r', 'aria-label': 'Replace with', placeholder: 'Replace with' }),
        h('button', { type: 'submit', 'aria-label': 'Find next' }, 'Next'),
        h('button', { type: 'button', 'aria-label': 'Replace all', onclick: () => this.replaceAll() }, 'Replace all'),
        h('span', { class: 'find-count', 'aria-live': 'polite' }),
        h('button', { type: 'button', 'aria-label': 'Close find', onclick: () => this.closeFind() }, '✕')),
      h('div', { class: 'banner', role: 'alert', hidden: true }),
      h('div', { class: 'nb-body' },
        h('nav', { class: 'toc', 'aria-label': 'Table of contents', hidden: localStorage.getItem('rlvr.toc') === '0' },
          h('div', { class: 'toc-title' }, 'Contents'), h('ol', { class: 'toc-list' })),
        h('main', { class: 'cells', 'aria-label': 'Cells' })));
    this.root.replaceChildren(mount(tree));
    this.el = {
      cells: this.root.querySelector('.cells'),
      banner: this.root.querySelector('.banner'),
      dirty: this.root.querySelector('.dirty-mark'),
      saveState: this.root.querySelector('.save-state'),
      kstatus: this.root.querySelector('.kstatus'),
      ktext: this.root.querySelector('.ktext'),
      mode: this.root.querySelector('.mode'),
      toc: this.root.querySelector('.toc'),
      tocList: this.root.querySelector('.toc-list'),
      find: this.root.querySelector('.findbar'),
    };
    this.el.find.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.findNext();
    });
    this.el.find.querySelector('.find-q').addEventListener('input', () => this.countMatches());
    this.el.find.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.closeFind();
    });
    // Menus close after a choice, as menus do.
    this.root.querySelectorAll('details.menu').forEach((d) => d.addEventListener('click', (ev) => {
      if (ev.target.closest('.menu-items button')) d.open = false;
    }));
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    this.el.cells.addEventListener('focusin', (ev) => {
      const cellEl = ev.target.closest('.cell');
      if (!cellEl) return;
      const i = this.cells.findIndex((c) => c.el === cellEl);
      if (i >= 0 && i !== this.selected) this.select(i, false);
      this.setMode(ev.target.closest('.cm-editor') ? 'edit' : 'command');
    });
  }

  // ---- table of contents -----------------------------------------------

  // renderTOC lists the Markdown headings; a click selects and shows the
  // heading's cell.
  renderTOC() {
    const items = [];
    for (const c of this.cells) {
      if (c.type !== 'markdown') continue;
      let fence = false;
      for (const line of c.source.split('\n')) {
        if (/^\s*(```|~~~)/.test(line)) fence = !fence;
        const m = !fence && line.match(/^(#{1,4})\s+(.+?)\s*#*\s*$/);
        if (m) items.push({ cell: c, level: m[1].length, text: m[2].replace(/[*_`]/g, '').replace(/\$([^$]*)\$/g, '$1') });
      }
    }
    this.el.tocList.replaceChildren(...items.map((it) => mount(h('li', { class: `toc-l${it.level}` },
      h('a', {
        href: '#', onclick: (ev) => {
          ev.preventDefault();
          const i = this.cells.indexOf(it.cell);
          if (i < 0) return;
          this.select(i, false);
          it.cell.el.scrollIntoView({ block: 'start' });
          it.cell.el.focus({ preventScroll: true });
          this.setMode('command');
        },
      }, it.text)))));
    if (!items.length) this.el.tocList.replaceChildren(mount(h('li', { class: 'toc-empty' }, 'No headings yet.')));
  }

  toggleTOC() {
    this.el.toc.hidden = !this.el.toc.hidden;
    localStorage.setItem('rlvr.toc', this.el.toc.hidden ? '0' : '1');
  }

  // ---- find and replace --------------------------------------------------

  openFind() {
    this.el.find.hidden = false;
    const q = this.el.find.querySelector('.find-q');
    q.focus();
    q.select();
    this.countMatches();
  }

  closeFind() {
    this.el.find.hidden = true;
    this.commandMode();
  }

  countMatches() {
    const q = this.el.find.querySelector('.find-q').value;
    let n = 0;
    if (q) for (const c of this.cells) n += c.source.split(q).length - 1;
    this.el.find.querySelector('.find-count').textContent = q ? `${n} match${n === 1 ? '' : 'es'}` : '';
    return n;
  }

  // findNext selects the next match after the cursor, across cells.
  findNext() {
    const q = this.el.find.querySelector('.find-q').value;
    if (!q || !this.countMatches()) return;
    const n = this.cells.length;
    const cur = this.current();
    const from = cur && cur.editor.hasFocus ? cur.editor.state.selection.main.to : -1;
    for (let k = 0; k <= n; k++) {
      const i = (this.selected + k) % n;
      const c = this.cells[i];
      const at = c.source.indexOf(q, k === 0 ? Math.max(0, from) : 0);
      if (at < 0 || (k === 0 && from < 0 && this.findStarted)) continue;
      this.findStarted = true;
      this.editCell(c);
      c.editor.dispatch({ selection: { anchor: at, head: at + q.length }, scrollIntoView: true });
      return;
    }
  }

  // replaceAll replaces every match in every cell (undo per cell with
  // Ctrl+Z in its editor).
  replaceAll() {
    const q = this.el.find.querySelector('.find-q').value;
    const r = this.el.find.querySelector('.find-r').value;
    if (!q) return;
    let n = 0;
    for (const c of this.cells) {
      const parts = c.source.split(q);
      if (parts.length < 2) continue;
      n += parts.length - 1;
      c.editor.dispatch({ changes: { from: 0, to: c.editor.state.doc.length, insert: parts.join(r) } });
      if (c.type === 'markdown' && !c.editing) this.renderCell(c);
    }
    this.el.find.querySelector('.find-count').textContent = `replaced ${n}`;
  }

  fatal(text) {
    this.el.cells.replaceChildren(mount(h('p', { class: 'fatal', role: 'alert' }, text, ' ', h('a', { href: '/' }, 'Back to the notebook list'))));
  }

  banner(text, kind = 'warn') {
    const b = this.el.banner;
    if (!text) {
      b.hidden = true;
      return;
    }
    b.hidden = false;
    b.className = `banner banner-${kind}`;
    b.textContent = text;
  }

  setMode(mode) {
    this.mode = mode;
    this.el.mode.textContent = mode === 'edit' ? 'edit mode' : 'command mode';
    this.root.classList.toggle('edit-mode', mode === 'edit');
  }

  // markEdited records a change by the user (text or cells); from then on
  // autosave keeps the file up to date.
  markEdited() {
    this.edited = true;
    this.setDirty(true);
  }

  setDirty(d) {
    this.dirty = d;
    this.el.dirty.textContent = d ? '● unsaved changes' : '';
    const name = this.path.split('/').pop();
    document.title = `${d ? '● ' : ''}${name} - RLVR-World`;
  }

  // ---- kernel ------------------------------------------------------------

  async startKernel() {
    this.setKernelState('starting');
    try {
      let name = (this.metadata.kernelspec && this.metadata.kernelspec.name) || '';
      try {
        const specs = await kernelspecs();
        if (!name || !specs.kernelspecs || !specs.kernelspecs[name]) name = specs.default || name;
      } catch {
        // Servers without kernelspecs pick their default kernel.
      }
      this.session = await sessions.create(this.path, name);
    } catch (e) {
      this.setKernelState('dead');
      this.banner(`Could not start a kernel: ${e.message}`, 'error');
      return;
    }
    this.kernel = new Kernel(this.session.kernel.id);
    this.kernel.onStatus = (s) => this.onKernelStatus(s);
    this.kernel.onIopub = (msg) => this.onForeignIopub(msg);
    this.kernel.onGone = () => this.checkKernelGone();
    this.kernel.onConnection = (s) => {
      if (s === 'disconnected') {
        this.setKernelState('disconnected');
        this.banner('Lost the connection to the server; reconnecting…', 'error');
      } else if (s === 'connected') {
        if (this.kernelState === 'disconnected') this.banner('');
        this.kernel.request('kernel_info_request', {}, { timeoutMs: 10000 })
          .then(() => { if (this.kernelState !== 'busy') this.setKernelState('idle'); })
          .catch(() => {});
      }
    };
    widgets.attach(this.kernel);
    try {
      await this.kernel.connect();
    } catch (e) {
      this.banner(`Could not connect to the kernel: ${e.message}`, 'error');
    }
  }

  // checkKernelGone runs when reconnecting keeps failing: if the server no
  // longer knows the kernel (it was restarted), a new session is started;
  // if the server is unreachable, reconnecting simply goes on.
  async checkKernelGone() {
    if (this.checkingGone || !this.session) return;
    this.checkingGone = true;
    try {
      await kernels.get(this.session.kernel.id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.kernel.close();
        this.kernelReset('the server lost the kernel');
        this.banner('The server no longer has this notebook\'s kernel (was it restarted?). Starting a new one; variables are lost.', 'error');
        this.kernel = null;
        await this.startKernel();
      } else if (e instanceof ApiError && e.status === 403) {
        this.banner('The server does not accept this page\'s login any more (was it restarted with a new token?). Open the URL it printed, with its ?token=, to log in again.', 'error');
      }
    } finally {
      this.checkingGone = false;
    }
  }

  setKernelState(s) {
    this.kernelState = s;
    const text = {
      idle: 'Kernel idle', busy: 'Kernel busy', starting: 'Kernel starting', restarting: 'Kernel restarting',
      dead: 'Kernel dead', disconnected: 'Disconnected', none: 'No kernel',
    }[s] || `Kernel ${s}`;
    this.el.ktext.textContent = text;
    this.el.kstatus.dataset.state = s;
  }

  onKernelStatus(s) {
    if (s === 'restarting' || s === 'autorestarting') {
      this.setKernelState('restarting');
      if (!this.restartRequested) {
        this.died = true;
        this.banner('The kernel died and is restarting. Variables are lost; run the cells again.', 'error');
      }
      this.kernelReset('the kernel restarted');
    } else if (s === 'dead') {
      this.setKernelState('dead');
      this.banner('The kernel is dead and was not restarted. Use Restart to start a new one.', 'error');
      this.kernelReset('the kernel died');
    } else if (s === 'starting') {
      this.setKernelState('starting');
    } else if (s === 'busy' || s === 'idle') {
      if (this.died && s === 'idle') {
        this.died = false;
        this.banner('The kernel died and was restarted. Variables are lost; run the cells again.', 'error');
      }
      this.setKernelState(s);
    }
  }

  // kernelReset is called when the kernel's state is gone: running and
  // queued cells stop, and every executed cell becomes stale.
  kernelReset(reason) {
    const c = this.running;
    if (c) {
      c.model.add({ output_type: 'error', ename: 'KernelRestarted', evalue: reason, traceback: [`Cell not finished: ${reason}.`] });
      this.renderOutputs(c);
    }
    this.kernel && this.kernel.failPending(reason);
    this.abortQueue();
    this.restartSeq = ++this.runSeq;
    this.refreshStale();
  }

  // Outputs of requests sent by other clients of the same kernel (another
  // tab): only update_display_data matters to us.
  onForeignIopub(msg) {
    if (msg.header.msg_type === 'update_display_data') this.updateDisplay(msg.content);
  }

  async interrupt() {
    if (!this.session) return;
    this.abortQueue();
    try {
      await kernels.interrupt(this.session.kernel.id);
    } catch (e) {
      this.banner(`Interrupt failed: ${e.message}`, 'error');
    }
  }

  // restart asks first (the variables are lost), then restarts the kernel;
  // thenRunAll runs every cell once it is back.
  async restart({ thenRunAll = false } = {}) {
    const ask = thenRunAll ? 'Restart the kernel and run all cells? Variables are lost.' : 'Restart the kernel? Variables are lost.';
    if (!window.confirm(ask)) return;
    if (!this.session) return this.startKernel();
    this.restartRequested = true;
    this.abortQueue();
    this.setKernelState('restarting');
    this.banner('Restarting the kernel…', 'info');
    try {
      await kernels.restart(this.session.kernel.id);
      this.kernelReset('the kernel was restarted');
      this.banner('Kernel restarted. Variables are cleared.', 'info');
      setTimeout(() => { if (this.el.banner.textContent.startsWith('Kernel restarted.')) this.banner(''); }, 4000);
      if (this.kernelState === 'restarting') this.setKernelState('idle');
      if (thenRunAll) this.runAll();
    } catch (e) {
      this.banner(`Restart failed: ${e.message}`, 'error');
    } finally {
      this.restartRequested = false;
    }
  }

  // ---- cells -------------------------------------------------------------

  addCell(data, index, focus = true) {
    const cell = {
      id: data.id || newCellId(),
      type: data.type || 'code',
      source: data.source || '',
      metadata: data.metadata || {},
      execution_count: data.execution_count ?? null,
      runSeq: 0,
      state: 'idle',
      editing: false,
    };
    if (cell.execution_count != null) cell.executedSource = cell.source;
    if (data.attachments) cell.attachments = data.attachments;
    cell.model = new OutputModel(data.outputs || []);
    cell.rendered = [];
    this.buildCell(cell);
    this.cells.splice(index, 0, cell);
    const next = this.cells[index + 1];
    this.el.cells.insertBefore(cell.el, next ? next.el : null);
    this.renumber();
    if (focus) this.markEdited();
    return cell;
  }

  buildCell(cell) {
    const el = mount(h('section', { class: `cell cell-${cell.type}`, tabindex: '0' },
      h('div', { class: 'prompt', 'aria-hidden': 'true' }),
      h('div', { class: 'cell-body' },
        h('div', { class: 'editor-wrap' }),
        h('div', { class: 'md-rendered markdown', hidden: true }),
        h('div', { class: 'docs', role: 'note', hidden: true }),
        h('div', { class: 'stale-note', hidden: true }),
        h('div', { class: 'cell-meta', hidden: true }),
        // Not a live region: a cell streaming a training log would flood
        // a screen reader; the cell's label says when it ran.
        h('div', { class: 'outputs' }),
        h('button', { type: 'button', class: 'collapsed-note', hidden: true, onclick: () => this.toggleCollapse(cell) }, 'output collapsed: click to show'),
        h('div', { class: 'stdin-area' }))));
    cell.el = el;
    cell.q = {
      prompt: el.querySelector('.prompt'), editor: el.querySelector('.editor-wrap'), md: el.querySelector('.md-rendered'),
      docs: el.querySelector('.docs'), stale: el.querySelector('.stale-note'), outputs: el.querySelector('.outputs'),
      meta: el.querySelector('.cell-meta'), collapsed: el.querySelector('.collapsed-note'), stdin: el.querySelector('.stdin-area'),
    };
    cell.q.prompt.addEventListener('dblclick', () => this.toggleCollapse(cell));
    cell.editor = createEditor(cell.q.editor, {
      doc: cell.source,
      language: cell.type === 'markdown' ? 'markdown' : 'go',
      label: `${cell.type === 'markdown' ? 'Markdown' : 'Code'} cell editor`,
      getKernel: () => (cell.type === 'code' ? this.kernel : null),
      lineNumbers: this.lineNumbers,
      onChange: (text) => {
        cell.source = text;
        this.markEdited();
        this.refreshStale();
        if (cell.type === 'markdown') this.renderTOC();
      },
      keys: {
        run: () => this.runSelected('next'),
        runStay: () => this.runSelected('stay'),
        runInsert: () => this.runSelected('insert'),
        escape: () => this.commandMode(),
        save: () => this.save(false),
        inspect: (view) => this.showDocs(cell, view),
      },
    });
    cell.q.md.addEventListener('dblclick', () => this.editCell(cell));
    this.renderCell(cell);
  }

  renderCell(cell) {
    const md = cell.type === 'markdown';
    cell.el.className = `cell cell-${cell.type}`;
    cell.q.md.hidden = !md || cell.editing;
    cell.q.editor.hidden = md && !cell.editing;
    cell.q.outputs.hidden = md;
    if (md && !cell.editing) {
      const src = cell.source.trim();
      cell.q.md.innerHTML = src ? markdownToHTML(cell.source) : '<p class="md-empty">Empty Markdown cell: press Enter to edit.</p>';
      typesetMath(cell.q.md);
    }
    this.renderPrompt(cell);
    this.renderOutputs(cell);
    this.renderMeta(cell);
    this.renumber();
  }

  // renderMeta shows how long the cell's last run took and when it ran
  // (nbformat's metadata.execution, as JupyterLab records it), and whether
  // its output is collapsed (metadata.collapsed, Jupyter's flag).
  renderMeta(cell) {
    const ex = cell.metadata && cell.metadata.execution;
    const t0 = ex && Date.parse(ex['iopub.execute_input']);
    const t1 = ex && Date.parse(ex['shell.execute_reply']);
    const show = cell.type === 'code' && Number.isFinite(t0) && Number.isFinite(t1) && cell.state === 'idle';
    cell.q.meta.hidden = !show;
    if (show) {
      const when = new Date(t1);
      const today = new Date().toDateString() === when.toDateString();
      const at = today ? when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
        : when.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
      cell.q.meta.textContent = `ran in ${fmtDuration(t1 - t0)} · at ${at}`;
      cell.q.meta.title = `${ex['iopub.execute_input']} to ${ex['shell.execute_reply']}`;
    }
    const collapsed = cell.type === 'code' && Boolean(cell.metadata && cell.metadata.collapsed) && cell.model.outputs.length > 0;
    cell.el.classList.toggle('collapsed', collapsed);
    cell.q.collapsed.hidden = !collapsed;
  }

  renderPrompt(cell) {
    if (cell.type !== 'code') {
      cell.q.prompt.textContent = '';
      return;
    }
    const n = cell.state === 'running' || cell.state === 'queued' ? '*' : (cell.execution_count ?? ' ');
    cell.q.prompt.textContent = `[${n}]:`;
    cell.el.classList.toggle('running', cell.state === 'running');
    cell.el.classList.toggle('queued', cell.state === 'queued');
  }

  renumber() {
    this.cells.forEach((c, i) => {
      const what = c.type === 'markdown' ? 'Markdown cell' : 'Code cell';
      const run = c.type === 'code' ? (c.state === 'running' ? ', running' : c.state === 'queued' ? ', queued' : c.execution_count != null ? `, ran as ${c.execution_count}` : '') : '';
      c.el.setAttribute('aria-label', `${what} ${i + 1}${run}${c.staleReason ? ', stale' : ''}`);
    });
  }

  // renderOutputs brings the output area up to date, re-creating only the
  // outputs that changed (so charts and players keep their state), and
  // updating live charts in place.
  renderOutputs(cell) {
    cell.renderPending = false;
    const outs = cell.model.outputs;
    const area = cell.q.outputs;
    const kept = [];
    for (let i = 0; i < outs.length; i++) {
      const o = outs[i];
      const r = cell.rendered[i];
      if (r && r.out === o && r.v === o._v) {
        kept.push(r);
        continue;
      }
      let el;
      if (r && r.out === o && r.mime === MIME.echarts && pickMime(o.data) === MIME.echarts) {
        updateChart(r.el.querySelector('.chart') || r.el, o.data[MIME.echarts]);
        const wrap = r.el.querySelector('.chart-wrap');
        if (wrap && typeof o.data[MIME.svg] === 'string') wrap.__svg = o.data[MIME.svg];
        el = r.el;
      } else {
        el = this.outputElement(o, cell);
        if (r) area.replaceChild(el, r.el);
        else area.appendChild(el);
      }
      kept.push({ out: o, v: o._v, el, mime: o.data ? pickMime(o.data) : null });
    }
    for (let i = outs.length; i < cell.rendered.length; i++) cell.rendered[i].el.remove();
    cell.rendered = kept;
    cell.el.classList.toggle('has-outputs', outs.length > 0);
  }

  // scheduleRender batches output updates to one render per frame, so a
  // cell printing thousands of lines a second stays responsive.
  scheduleRender(cell) {
    if (cell.renderPending) return;
    cell.renderPending = true;
    requestAnimationFrame(() => {
      if (cell.renderPending) this.renderOutputs(cell);
    });
  }

  outputElement(o, cell) {
    const wrap = document.createElement('div');
    wrap.className = 'output';
    if (o.output_type === 'execute_result') {
      const p = document.createElement('div');
      p.className = 'out-prompt';
      p.setAttribute('aria-hidden', 'true');
      p.textContent = `Out[${o.execution_count ?? cell.execution_count ?? ' '}]:`;
      wrap.appendChild(p);
    }
    try {
      wrap.appendChild(mount(renderOutput(o)));
    } catch (e) {
      wrap.appendChild(mount(h('pre', { class: 'out-error' }, `could not show output: ${e.message}`)));
    }
    return wrap;
  }

  // refreshStale marks cells whose outputs may be out of date. A cell the
  // user edited, or run before a restart, is marked plainly; one that only
  // follows a re-run cell gets a quiet note (every later cell would
  // otherwise light up when the first cell runs). A cell that a stopped run
  // skipped says so.
  refreshStale() {
    const reasons = staleness(this.cells, this.restartSeq);
    this.cells.forEach((c, i) => {
      const r = c.skipped && !reasons[i]?.startsWith('edited') ? c.skipped : reasons[i];
      if (r === c.staleReason) return;
      c.staleReason = r;
      const strong = Boolean(r) && (/^edited|^kernel restarted|^not run/.test(r));
      c.el.classList.toggle('stale', strong);
      c.el.classList.toggle('stale-soft', Boolean(r) && !strong);
      c.q.stale.hidden = !r;
      c.q.stale.textContent = r ? `${strong ? 'Stale' : 'May be stale'}: ${r}.` : '';
    });
    this.renumber();
  }

  updateDisplay(content) {
    const id = content.transient && content.transient.display_id;
    if (!id) return;
    for (const c of this.cells) {
      if (c.model.updateDisplay(id, content.data, content.metadata)) this.renderOutputs(c);
    }
  }

  // ---- selection and modes ----------------------------------------------

  select(i, focus = true) {
    if (this.cells.length === 0) return;
    i = Math.max(0, Math.min(this.cells.length - 1, i));
    const prev = this.cells[this.selected];
    if (prev && prev.el) prev.el.classList.remove('selected');
    this.selected = i;
    const c = this.cells[i];
    c.el.classList.add('selected');
    if (focus) {
      c.el.focus({ preventScroll: true });
      c.el.scrollIntoView({ block: 'nearest' });
    }
  }

  current() {
    return this.cells[this.selected];
  }

  commandMode() {
    const c = this.current();
    if (!c) return;
    if (c.type === 'markdown' && c.editing) {
      c.editing = false;
      this.renderCell(c);
    }
    c.el.focus({ preventScroll: true });
    this.setMode('command');
  }

  editCell(cell = this.current()) {
    if (!cell) return;
    this.select(this.cells.indexOf(cell), false);
    if (cell.type === 'markdown' && !cell.editing) {
      cell.editing = true;
      this.renderCell(cell);
    }
    cell.editor.focus();
    this.setMode('edit');
  }

  async showDocs(cell, view) {
    const pos = view.state.selection.main.head;
    const text = await inspect(this.kernel, view.state.doc.toString(), pos, 0);
    cell.q.docs.hidden = false;
    cell.q.docs.textContent = text || 'No documentation found at the cursor.';
    clearTimeout(cell.docsTimer);
    cell.docsTimer = setTimeout(() => { cell.q.docs.hidden = true; }, text ? 30000 : 3000);
    return true;
  }

  // ---- editing commands --------------------------------------------------

  // insert adds a cell above or below the selected one; edit puts the
  // cursor in it (toolbar, Shift+Enter on the last cell), while A and B stay
  // in command mode as in Jupyter.
  insert(where, type = 'code', edit = true) {
    const at = where === 'above' ? this.selected : this.selected + 1;
    const cell = this.addCell({ type }, Math.min(at, this.cells.length));
    this.select(this.cells.indexOf(cell));
    this.refreshStale();
    if (edit) this.editCell(cell);
    else this.setMode('command');
    return cell;
  }

  deleteCell() {
    const c = this.current();
    if (!c) return;
    if (c === this.running) {
      this.banner('The running cell cannot be deleted; interrupt it first.', 'warn');
      return;
    }
    this.queue = this.queue.filter((q) => q !== c);
    const i = this.selected;
    this.deleted.push({ index: i, data: this.cellData(c) });
    c.el.remove();
    c.editor.destroy();
    this.cells.splice(i, 1);
    if (this.cells.length === 0) this.addCell({ type: 'code' }, 0);
    this.selected = Math.min(i, this.cells.length - 1);
    this.select(this.selected);
    this.markEdited();
    this.renderTOC();
    this.refreshStale();
  }

  undoDelete() {
    const d = this.deleted.pop();
    if (!d) return;
    const cell = this.addCell(d.data, Math.min(d.index, this.cells.length));
    this.select(this.cells.indexOf(cell));
    this.refreshStale();
  }

  cellData(c) {
    return { id: c.id, type: c.type, source: c.source, metadata: c.metadata, execution_count: c.execution_count, outputs: c.model.outputs, attachments: c.attachments };
  }

  setType(type) {
    const c = this.current();
    if (!c || c.type === type || c.state !== 'idle') return;
    c.type = type;
    if (type === 'markdown') {
      c.model.clear();
      c.execution_count = null;
      c.editing = false;
    }
    c.editor.setLanguage(type);
    this.renderCell(c);
    this.markEdited();
    this.renderTOC();
    this.refreshStale();
  }

  move(delta) {
    const i = this.selected, j = i + delta;
    if (j < 0 || j >= this.cells.length) return;
    const [c] = this.cells.splice(i, 1);
    this.cells.splice(j, 0, c);
    const ref = this.cells[j + 1];
    this.el.cells.insertBefore(c.el, ref ? ref.el : null);
    this.selected = j;
    this.select(j);
    this.markEdited();
    this.renderTOC();
    this.refreshStale();
  }

  // ---- running -----------------------------------------------------------

  // runSelected runs the selected cell; then 'next' selects the next cell
  // (inserting one at the end), 'insert' inserts a cell below, 'stay' stays.
  runSelected(then) {
    const c = this.current();
    if (!c) return true;
    this.run(c);
    if (then === 'next') {
      if (this.selected === this.cells.length - 1) this.insert('below', 'code');
      else {
        this.select(this.selected + 1);
        this.setMode('command');
      }
    } else if (then === 'insert') {
      this.insert('below', 'code');
    } else {
      this.commandMode();
    }
    return true;
  }

  run(c) {
    if (c.type === 'markdown') {
      c.editing = false;
      this.renderCell(c);
      return;
    }
    if (c.type !== 'code' || c.state !== 'idle') return;
    c.state = 'queued';
    this.renderPrompt(c);
    this.queue.push(c);
    this.pump();
  }

  runAll() {
    this.runRange(0, this.cells.length);
  }

  // runAbove runs the cells above the selected one; runBelow the selected
  // one and those below it.
  runAbove() {
    this.runRange(0, this.selected);
  }

  runBelow() {
    this.runRange(this.selected, this.cells.length);
  }

  runRange(from, to) {
    this.banner('');
    for (const c of this.cells.slice(from, to)) this.run(c);
  }

  // abortQueue drops the queued cells; with why, each says it was not run
  // and why (their old outputs stay, marked).
  abortQueue(why) {
    for (const c of this.queue) {
      c.state = 'idle';
      if (why) c.skipped = `not run: ${why}`;
      this.renderPrompt(c);
      this.renderMeta(c);
    }
    this.queue = [];
    if (why) this.refreshStale();
    this.renumber();
  }

  // pump sends the next queued cell once the previous one finished, so an
  // error or an interrupt stops the cells queued after it (Jupyter's
  // stop_on_error, done here so that it holds with any kernel).
  async pump() {
    if (this.running || this.queue.length === 0) return;
    if (!this.kernel) {
      this.banner('No kernel yet: cells run once it has started.', 'warn');
      const waitFor = () => (this.kernel ? this.pump() : setTimeout(waitFor, 200));
      setTimeout(waitFor, 200);
      return;
    }
    const c = this.queue.shift();
    this.running = c;
    c.state = 'running';
    c.skipped = null;
    c.model.clear();
    c.q.stdin.replaceChildren();
    this.renderMeta(c);
    c.q.docs.hidden = true;
    this.renderOutputs(c);
    this.renderPrompt(c);
    this.renumber();
    const code = c.source;
    let status = 'error';
    let ename = '';
    const started = new Date().toISOString();
    // Late output of this run must not land in a later run of the cell.
    const run = {};
    c.run = run;
    try {
      const reply = await this.kernel.execute(code, {
        onIopub: (msg) => {
          if (c.run !== run) return;
          const t = msg.header.msg_type;
          if (t === 'update_display_data') this.updateDisplay(msg.content);
          else if (t === 'execute_input') {
            if (msg.content.execution_count != null) c.execution_count = msg.content.execution_count;
          } else if (c.model.handle(t, msg.content)) this.scheduleRender(c);
        },
        onReply: (msg) => {
          if (msg.content.execution_count != null) c.execution_count = msg.content.execution_count;
          c.metadata = { ...c.metadata, execution: { 'iopub.execute_input': started, 'shell.execute_reply': new Date().toISOString() } };
          c.runSeq = ++this.runSeq;
          c.executedSource = code;
          c.state = 'idle';
          this.renderPrompt(c);
          this.refreshStale();
        },
        onStdin: (msg) => this.askInput(c, msg),
      });
      status = reply.content.status;
      ename = reply.content.ename || '';
    } catch (e) {
      status = 'error';
      ename = e.message;
    }
    c.state = 'idle';
    this.running = null;
    this.renderPrompt(c);
    this.renderMeta(c);
    this.renumber();
    this.setDirty(true);
    // An error stops the queued cells (Jupyter's stop_on_error), except in
    // a cell tagged raises-exception, which is expected to fail: Jupyter,
    // nbconvert and `rlvrworld run` all run on after it. A stop says why.
    if (status !== 'ok' && this.queue.length > 0) {
      const n = this.cells.indexOf(c) + 1;
      if (status === 'error' && tagged(c, 'raises-exception')) {
        // expected: run on
      } else if (status === 'aborted' || /interrupt/i.test(ename)) {
        this.abortQueue(`the run stopped when cell ${n} was interrupted`);
      } else {
        const left = this.queue.length;
        this.abortQueue(`the run stopped at cell ${n}, which raised an error`);
        this.banner(`Run stopped at cell ${n}: it raised an error${ename ? ` (${ename})` : ''}, so the ${left} cell${left === 1 ? '' : 's'} after it did not run. Fix it and run again, or tag it raises-exception if the error is the point.`, 'warn');
      }
    }
    this.pump();
  }

  // askInput answers an input_request with an inline text field.
  askInput(cell, msg) {
    const form = mount(h('form', { class: 'stdin' },
      h('label', null, msg.content.prompt || 'Input: ',
        h('input', { type: msg.content.password ? 'password' : 'text', class: 'stdin-input', 'aria-label': msg.content.prompt || 'Input' }))));
    const input = form.querySelector('input');
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = input.value;
      form.remove();
      // The question and its answer join the cell's stdout, so text printed
      // after the answer comes after it (as in a terminal).
      cell.model.add({ output_type: 'stream', name: 'stdout', text: `${msg.content.prompt || ''}${msg.content.password ? '••••' : v}\n` });
      this.renderOutputs(cell);
      this.kernel.inputReply(v, msg);
    });
    // The text printed before the question is drawn first (outputs render
    // on the next frame), and the field goes below the output area, so it
    // comes after that text whatever arrives later.
    this.renderOutputs(cell);
    cell.q.stdin.appendChild(form);
    input.focus();
  }

  // ---- saving ------------------------------------------------------------

  notebookJSON() {
    return notebookFromCells(this.cells.map((c) => this.cellData(c)), withWidgetState(this.metadata, widgets));
  }

  async save(auto = false) {
    if (this.saving) return this.saving;
    // A save by hand also records a checkpoint, as in Jupyter; autosave does
    // not, so Revert goes back to what the user last saved on purpose (or
    // to the file as first opened).
    if (!auto) this.edited = true;
    const nb = this.notebookJSON();
    const wasDirtyAt = this.changeCounter();
    this.el.saveState.textContent = auto ? 'Autosaving…' : 'Saving…';
    this.saving = (async () => {
      try {
        const res = await contents.save(this.path, nb);
        this.lastModified = res && res.last_modified;
        if (!auto) await this.ensureCheckpoint(true);
        if (this.changeCounter() === wasDirtyAt) this.setDirty(false);
        const t = new Date();
        this.el.saveState.textContent = `${auto ? 'Autosaved' : 'Saved'} at ${t.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`;
      } catch (e) {
        this.el.saveState.textContent = 'Save failed';
        this.banner(`Could not save: ${e.message}`, 'error');
      } finally {
        this.saving = null;
      }
    })();
    return this.saving;
  }

  // ensureCheckpoint makes the checkpoint that Revert goes back to: on open
  // when the notebook has none (so a shipped notebook's teaching version is
  // kept), and anew after each save by hand.
  async ensureCheckpoint(fresh = false) {
    try {
      if (!fresh) {
        const list = await checkpoints.list(this.path);
        if (Array.isArray(list) && list.length) {
          this.checkpoint = list[list.length - 1];
          return;
        }
      }
      this.checkpoint = await checkpoints.create(this.path);
    } catch {
      this.checkpoint = null;
    }
  }

  // revert restores the checkpoint into the file and reloads the page.
  async revert() {
    if (!this.checkpoint) await this.ensureCheckpoint();
    if (!this.checkpoint) {
      this.banner('This notebook has no checkpoint to revert to.', 'warn');
      return;
    }
    const when = new Date(this.checkpoint.last_modified);
    if (!window.confirm(`Revert ${this.path.split('/').pop()} to its checkpoint of ${when.toLocaleString()}? Changes since then are lost.`)) return;
    try {
      await checkpoints.restore(this.path, this.checkpoint.id);
    } catch (e) {
      this.banner(`Could not revert: ${e.message}`, 'error');
      return;
    }
    this.setDirty(false);
    location.reload();
  }

  async rename() {
    const old = this.path.split('/').pop();
    let name = window.prompt(`New name for ${old}:`, old);
    if (!name || name === old) return;
    if (name.includes('/')) {
      this.banner('A name cannot contain "/".', 'error');
      return;
    }
    if (!name.endsWith('.ipynb')) name += '.ipynb';
    const dir = this.path.split('/').slice(0, -1).join('/');
    const to = dir ? `${dir}/${name}` : name;
    try {
      await contents.rename(this.path, to);
      if (this.session) await sessions.rename(this.session.id, to).catch(() => {});
    } catch (e) {
      this.banner(`Could not rename: ${e.message}`, 'error');
      return;
    }
    this.path = to;
    history.replaceState(null, '', `/notebooks/${encodePath(to)}`);
    this.root.querySelector('.nb-rename').textContent = name;
    this.setDirty(this.dirty);
  }

  downloadIpynb() {
    const name = this.path.split('/').pop();
    download(name, new Blob([JSON.stringify(this.notebookJSON(), null, 1) + '\n'], { type: 'application/x-ipynb+json' }));
  }

  async downloadHTML() {
    const name = this.path.split('/').pop().replace(/\.ipynb$/, '');
    let css = '';
    try {
      const r = await fetch('/static/katex.css');
      if (r.ok) css = await r.text();
    } catch {
      // Math then shows with the browser's fonts and no layout rules.
    }
    const html = await notebookHTML(name, this.cells.map((c) => this.cellData(c)), css);
    download(`${name}.html`, new Blob([html], { type: 'text/html' }));
  }

  // clearOutputs empties every code cell's outputs (all) or the selected one's.
  clearOutputs(all) {
    for (const c of all ? this.cells : [this.current()]) {
      if (!c || c.type !== 'code' || c.state !== 'idle') continue;
      c.model.clear();
      c.execution_count = null;
      c.skipped = null;
      if (c.metadata.execution) {
        const { execution, ...rest } = c.metadata;
        c.metadata = rest;
      }
      this.renderOutputs(c);
      this.renderPrompt(c);
      this.renderMeta(c);
    }
    this.markEdited();
    this.refreshStale();
  }

  // copyCell puts the selected cell on the notebook's clipboard; cut also
  // deletes it.
  copyCell(cut) {
    const c = this.current();
    if (!c) return;
    this.clipboard = JSON.parse(JSON.stringify({ ...this.cellData(c), id: undefined }));
    if (cut) this.deleteCell();
  }

  pasteCell() {
    if (!this.clipboard) return;
    const data = JSON.parse(JSON.stringify(this.clipboard));
    const cell = this.addCell({ ...data, id: newCellId() }, Math.min(this.selected + 1, this.cells.length));
    this.select(this.cells.indexOf(cell));
    this.renderTOC();
    this.refreshStale();
  }

  toggleCollapse(cell = this.current()) {
    if (!cell || cell.type !== 'code') return;
    cell.metadata = { ...cell.metadata, collapsed: !cell.metadata.collapsed };
    if (!cell.metadata.collapsed) delete cell.metadata.collapsed;
    this.renderMeta(cell);
    this.setDirty(true);
  }

  toggleLineNumbers() {
    this.lineNumbers = !this.lineNumbers;
    localStorage.setItem('rlvr.lineNumbers', this.lineNumbers ? '1' : '0');
    for (const c of this.cells) c.editor.setLineNumbers(this.lineNumbers);
  }

  // changeCounter is a cheap fingerprint of the notebook, so that a save
  // does not clear the dirty mark of edits made while it was in flight.
  changeCounter() {
    return this.cells.map((c) => `${c.id}:${c.source.length}:${c.model.version}:${c.execution_count}`).join('|');
  }

  // ---- keyboard ----------------------------------------------------------

  onKey(ev) {
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && !ev.shiftKey && !ev.altKey && ev.key.toLowerCase() === 's') {
      ev.preventDefault();
      this.save(false);
      return;
    }
    // Command mode applies when a cell itself (not its editor or a control
    // inside an output) has the focus, or nothing has.
    const t = ev.target;
    const onCell = t && t.classList && t.classList.contains('cell');
    if (!onCell && t !== document.body) return;
    if (this.cells.length === 0) return;
    const key = ev.key;
    const double = (k) => {
      const now = Date.now();
      const yes = this.lastKey === k && now - this.lastKeyAt < 800;
      this.lastKey = yes ? '' : k;
      this.lastKeyAt = now;
      return yes;
    };
    let handled = true;
    if (key === 'Enter' && ev.shiftKey) this.runSelected('next');
    else if (key === 'Enter' && mod) this.runSelected('stay');
    else if (key === 'Enter' && ev.altKey) this.runSelected('insert');
    else if (key === 'Enter') this.editCell();
    else if (mod || ev.altKey) handled = false;
    else if (key === 'ArrowUp' || key === 'k') this.select(this.selected - 1);
    else if (key === 'ArrowDown' || key === 'j') this.select(this.selected + 1);
    else if (key === 'a') this.insert('above', 'code', false);
    else if (key === 'b') this.insert('below', 'code', false);
    else if (key === 'm') this.setType('markdown');
    else if (key === 'y') this.setType('code');
    else if (key === 'd') { if (double('d')) this.deleteCell(); }
    else if (key === 'z') this.undoDelete();
    else if (key === 'c') this.copyCell(false);
    else if (key === 'x') this.copyCell(true);
    else if (key === 'v') this.pasteCell();
    else if (key === 'o') this.toggleCollapse();
    else if (key === 'l') this.toggleLineNumbers();
    else if (key === 'f') this.openFind();
    else if (key === 'i') { if (double('i')) this.interrupt(); }
    else if (key === '0') { if (double('0')) this.restart(); }
    else handled = false;
    if (handled) ev.preventDefault();
  }
}
