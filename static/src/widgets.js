// widgets.js: Jupyter widgets (the ipywidgets 2.x wire format, as Go cells
// make them with rlvr/widget) rendered natively in the playground.
//
// The WidgetManager keeps one model per widget comm: the kernel opens it
// (comm_open on target jupyter.widget, with the full state), updates it
// (update, echo_update) and closes it. Views are plain DOM, styled like the
// page, and keyboard accessible (native range inputs, selects, checkboxes
// and buttons with labels). A user's change is applied at once and sent as
// an update; echo_update follows protocol 2.1 (an echo of a key with an own
// update still on its way is ignored until that update's own echo arrives).
//
// After a page reload the manager opens a comm to jupyter.widget.control and
// asks for every model's state (request_states), so the widgets come back
// live. When the kernel is gone, the state saved in the notebook's metadata
// (application/vnd.jupyter.widget-state+json, as Jupyter saves it) shows as
// disabled controls with their last values.
import { h, mount } from './vdom.js';
import { renderOutput } from './outputs.js';

export const WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json';
export const WIDGET_STATE = 'application/vnd.jupyter.widget-state+json';
const TARGET = 'jupyter.widget';
const CONTROL = 'jupyter.widget.control';

function uuid() {
  return ([1e7] + -1e3 + -4e3 + -8e3 + -1e11).replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
}

// refId turns "IPY_MODEL_<id>" into <id>.
export function refId(v) {
  return typeof v === 'string' && v.startsWith('IPY_MODEL_') ? v.slice('IPY_MODEL_'.length) : null;
}

// WidgetManager holds the models of one notebook's kernel.
export class WidgetManager {
  constructor() {
    this.kernel = null;
    this.models = new Map(); // id -> {id, state, live, pending: Map(key -> msg_id)}
    this.views = new Map(); // id -> Set of redraw functions
    this.sent = new Map(); // msg_id of our comm_msg -> log element of the view that sent it
    this.controlId = null;
  }

  // attach starts listening to kernel (a kernel.js Kernel) and asks it for
  // the state of every model it has (after a reload).
  attach(kernel) {
    this.kernel = kernel;
    kernel.onMessage = (msg) => this.handle(msg);
    const prev = kernel.onConnection;
    kernel.onConnection = (s) => {
      prev(s);
      if (s === 'connected') this.requestStates();
    };
  }

  requestStates() {
    if (!this.kernel) return;
    this.controlId = uuid().replace(/-/g, '');
    this.send('comm_open', { comm_id: this.controlId, target_name: CONTROL, data: {} });
    this.send('comm_msg', { comm_id: this.controlId, data: { method: 'request_states' } });
  }

  send(type, content, log) {
    const msg = this.kernel.message(type, content);
    if (log) {
      this.sent.set(msg.header.msg_id, log);
      if (this.sent.size > 256) this.sent.delete(this.sent.keys().next().value);
    }
    this.kernel.send(msg);
    return msg.header.msg_id;
  }

  // loadSaved records the widget state saved in notebook metadata: models
  // not known live show it, disabled.
  loadSaved(metadata) {
    const saved = metadata && metadata.widgets && metadata.widgets[WIDGET_STATE];
    const st = saved && saved.state;
    if (!st || typeof st !== 'object') return;
    for (const [id, m] of Object.entries(st)) {
      if (!this.models.has(id) && m && m.state) this.models.set(id, { id, state: { ...m.state }, live: false, pending: new Map() });
    }
  }

  // notebookState is the metadata value a notebook saves its widgets in.
  notebookState() {
    const state = {};
    for (const [id, m] of this.models) {
      const s = m.state;
      state[id] = { model_name: s._model_name, model_module: s._model_module, model_module_version: s._model_module_version, state: s };
    }
    return { version_major: 2, version_minor: 0, state };
  }

  // kernelGone turns every model static (the kernel restarted or died).
  kernelGone() {
    for (const m of this.models.values()) m.live = false;
    this.redrawAll();
  }

  // handle sees every kernel message first; it returns true when the
  // message was the widgets' own.
  handle(msg) {
    const type = msg.header && msg.header.msg_type;
    if (msg.channel !== 'iopub') return false;
    if (type === 'status' && msg.content.execution_state === 'starting') {
      this.kernelGone();
      return false;
    }
    const parent = msg.parent_header && msg.parent_header.msg_id;
    const log = parent ? this.sent.get(parent) : null;
    if (log && (type === 'stream' || type === 'error')) {
      const text = type === 'stream' ? msg.content.text : (msg.content.traceback || []).join('\n');
      log.hidden = false;
      log.textContent += text;
      return true;
    }
    const c = msg.content || {};
    if (type === 'comm_open' && c.target_name === TARGET) {
      const st = (c.data && c.data.state) || {};
      this.models.set(c.comm_id, { id: c.comm_id, state: st, live: true, pending: new Map() });
      this.redraw(c.comm_id);
      return true;
    }
    if (type === 'comm_msg') {
      if (c.comm_id === this.controlId) {
        if (c.data && c.data.method === 'update_states') {
          for (const [id, st] of Object.entries(c.data.states || {})) {
            this.models.set(id, { id, state: st, live: true, pending: new Map() });
          }
          this.redrawAll();
        }
        return true;
      }
      const m = this.models.get(c.comm_id);
      if (!m) return type === 'comm_msg';
      const d = c.data || {};
      if (d.method === 'update') {
        Object.assign(m.state, d.state || {});
        this.redraw(m.id);
      } else if (d.method === 'echo_update') {
        let changed = false;
        for (const [k, v] of Object.entries(d.state || {})) {
          const own = m.pending.get(k);
          if (own) {
            if (own === parent) m.pending.delete(k);
            continue;
          }
          m.state[k] = v;
          changed = true;
        }
        if (changed) this.redraw(m.id);
      }
      return true;
    }
    if (type === 'comm_close') {
      if (this.models.has(c.comm_id)) {
        this.models.get(c.comm_id).live = false;
        this.redraw(c.comm_id);
      }
      return true;
    }
    return false;
  }

  // update sets state keys from a view and sends them to the kernel.
  update(id, state, log) {
    const m = this.models.get(id);
    if (!m || !m.live) return;
    Object.assign(m.state, state);
    const msgId = this.send('comm_msg', { comm_id: id, data: { method: 'update', state, buffer_paths: [] } }, log);
    for (const k of Object.keys(state)) m.pending.set(k, msgId);
    this.redraw(id);
  }

  // custom sends a custom event (a button's click).
  custom(id, content, log) {
    const m = this.models.get(id);
    if (!m || !m.live) return;
    this.send('comm_msg', { comm_id: id, data: { method: 'custom', content } }, log);
  }

  subscribe(id, fn) {
    if (!this.views.has(id)) this.views.set(id, new Set());
    this.views.get(id).add(fn);
  }

  redraw(id) {
    const fns = this.views.get(id);
    if (!fns) return;
    for (const fn of [...fns]) fn();
  }

  redrawAll() {
    for (const id of this.views.keys()) this.redraw(id);
  }
}

// manager is the page's widget manager (one notebook per page).
export const manager = new WidgetManager();

// widgetView renders an application/vnd.jupyter.widget-view+json output:
// the view of its model, with a log for its callbacks' output.
export function widgetView(spec, mgr = manager) {
  const id = spec && spec.model_id;
  return h('div', {
    class: 'widget-area', 'data-model-id': id || '',
    mount: (el) => {
      const log = document.createElement('pre');
      log.className = 'widget-log out-stream stderr';
      log.hidden = true;
      el.appendChild(renderModel(mgr, id, log));
      el.appendChild(log);
    },
  });
}

// renderModel builds the DOM of one model's view; it redraws itself when
// the model changes, for as long as it is in the document.
export function renderModel(mgr, id, log) {
  const holder = document.createElement('div');
  holder.className = 'widget-holder';
  const draw = () => {
    if (holder.dataset.drawn && !holder.isConnected) {
      mgr.views.get(id)?.delete(draw);
      return;
    }
    holder.dataset.drawn = '1';
    const m = mgr.models.get(id);
    const focused = document.activeElement && holder.contains(document.activeElement) ? document.activeElement : null;
    if (focused && focused.dataset.widgetKey && m && m.live && !holder.querySelector('.widget-box')) {
      // Keep a control the user is working with: update it in place, so a
      // dragged slider or a typed field does not lose focus.
      syncControl(focused, m.state);
      return;
    }
    holder.replaceChildren(m ? view(mgr, m, log) : missing(id));
    if (focused && focused.dataset.widgetKey) {
      const again = holder.querySelector(`[data-widget-key="${focused.dataset.widgetKey}"]`);
      if (again) again.focus();
    }
  };
  mgr.subscribe(id, draw);
  draw();
  return holder;
}

function missing(id) {
  return mount(h('div', { class: 'widget widget-missing' }, `[widget ${id ? id.slice(0, 8) : '?'}: not available; run the cell to create it]`));
}

function syncControl(el, st) {
  if (el.type === 'range' || el.type === 'text') {
    // Bounds first: a value beyond the old max would be clamped.
    if (el.type === 'range') for (const k of ['min', 'max', 'step']) if (st[k] !== undefined && String(el[k]) !== String(st[k])) el[k] = st[k];
    if (String(el.value) !== String(st.value)) el.value = st.value;
    const out = el.parentElement && el.parentElement.querySelector('output');
    if (out) out.textContent = readout(st);
  }
}

// readout formats a slider's value as its readout_format asks (d, .Nf).
export function readout(st) {
  const v = Number(st.value);
  const m = /^\.(\d+)f$/.exec(st.readout_format || '');
  if (m) return v.toFixed(Number(m[1]));
  return String(st._model_name === 'IntSliderModel' ? Math.round(v) : v);
}

function label(st, forId) {
  if (!st.description) return null;
  return h('label', { class: 'widget-label', for: forId }, st.description);
}

// view renders one model by its _model_name.
function view(mgr, m, log) {
  const st = m.state;
  const disabled = !m.live || Boolean(st.disabled);
  const title = m.live ? (st.tooltip || null) : 'the kernel is not running: this is the last saved value';
  const domId = `w-${m.id.slice(0, 12)}`;
  const cls = `widget widget-${String(st._model_name || '').replace(/Model$/, '').toLowerCase()}${m.live ? '' : ' widget-static'}`;
  const name = st._model_name;
  if (name === 'IntSliderModel' || name === 'FloatSliderModel') {
    const isInt = name === 'IntSliderModel';
    const input = h('input', {
      type: 'range', id: domId, min: st.min, max: st.max, step: st.step, value: st.value, disabled,
      'aria-label': st.description || 'slider', 'data-widget-key': `${m.id}:value`,
      oninput: (ev) => {
        const v = isInt ? parseInt(ev.target.value, 10) : parseFloat(ev.target.value);
        const out = ev.target.parentElement.querySelector('output');
        if (out) out.textContent = readout({ ...st, value: v });
        if (st.continuous_update !== false) mgr.update(m.id, { value: v }, log);
      },
      onchange: (ev) => {
        if (st.continuous_update === false) mgr.update(m.id, { value: isInt ? parseInt(ev.target.value, 10) : parseFloat(ev.target.value) }, log);
      },
    });
    return mount(h('div', { class: cls, title }, label(st, domId), input,
      st.readout !== false ? h('output', { class: 'widget-readout', for: domId }, readout(st)) : null));
  }
  if (name === 'DropdownModel') {
    const labels = st._options_labels || [];
    const sel = h('select', {
      id: domId, disabled, 'aria-label': st.description || 'choice', 'data-widget-key': `${m.id}:index`,
      onchange: (ev) => mgr.update(m.id, { index: ev.target.selectedIndex }, log),
    }, labels.map((l, i) => h('option', { value: String(i), selected: i === st.index }, String(l))));
    return mount(h('div', { class: cls, title }, label(st, domId), sel));
  }
  if (name === 'CheckboxModel') {
    return mount(h('div', { class: cls, title },
      h('label', { class: 'widget-check' },
        h('input', { type: 'checkbox', checked: Boolean(st.value), disabled, 'data-widget-key': `${m.id}:value`,
          onchange: (ev) => mgr.update(m.id, { value: ev.target.checked }, log) }),
        ' ', st.description || '')));
  }
  if (name === 'ToggleButtonModel') {
    return mount(h('div', { class: cls, title },
      h('button', { type: 'button', class: `widget-button${st.value ? ' pressed' : ''}`, 'aria-pressed': st.value ? 'true' : 'false', disabled,
        'data-widget-key': `${m.id}:value`, onclick: () => mgr.update(m.id, { value: !st.value }, log) }, st.description || 'toggle')));
  }
  if (name === 'ButtonModel') {
    return mount(h('div', { class: cls, title },
      h('button', { type: 'button', class: 'widget-button', disabled, 'data-widget-key': `${m.id}:click`,
        onclick: () => mgr.custom(m.id, { event: 'click' }, log) }, st.description || 'button')));
  }
  if (name === 'TextModel') {
    const send = (ev) => mgr.update(m.id, { value: ev.target.value }, log);
    const input = h('input', {
      type: 'text', id: domId, value: st.value || '', disabled, placeholder: (st.placeholder || '').replace('\u200b', ''),
      'aria-label': st.description || 'text', 'data-widget-key': `${m.id}:value`,
      ...(st.continuous_update === false ? { onchange: send } : { oninput: send }),
    });
    return mount(h('div', { class: cls, title }, label(st, domId), input));
  }
  if (name === 'HTMLModel') {
    return mount(h('div', { class: cls, title }, h('div', { class: 'widget-html', html: String(st.value || '') })));
  }
  if (name === 'HBoxModel' || name === 'VBoxModel') {
    const el = mount(h('div', { class: `${cls} widget-box`, title }));
    for (const c of st.children || []) {
      const cid = refId(c);
      if (cid) el.appendChild(renderModel(mgr, cid, log));
    }
    return el;
  }
  if (name === 'OutputModel') {
    const el = mount(h('div', { class: cls, 'aria-live': 'polite' }));
    for (const o of st.outputs || []) el.appendChild(mount(renderOutput(o)));
    return el;
  }
  return mount(h('div', { class: 'widget widget-missing' }, `[widget ${name || '?'} is not supported here]`));
}

// withWidgetState returns notebook metadata with the widgets' state saved
// under widgets[WIDGET_STATE], as Jupyter saves it; metadata is unchanged
// when there are no widgets.
export function withWidgetState(metadata, mgr = manager) {
  if (mgr.models.size === 0) return metadata;
  return { ...metadata, widgets: { ...(metadata.widgets || {}), [WIDGET_STATE]: mgr.notebookState() } };
}
