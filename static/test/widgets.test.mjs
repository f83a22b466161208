// Unit tests of the widget manager's protocol logic (no DOM): models from
// comm_open and update_states, echo_update per protocol 2.1, the widget
// view MIME type first, the state saved in notebook metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WidgetManager, withWidgetState, readout, refId, WIDGET_STATE } from '../src/widgets.js';
import { pickMime, MIME } from '../src/outputs.js';

// fakeKernel records what the manager sends, with kernel.js's message shape.
function fakeKernel() {
  let n = 0;
  const k = {
    sent: [],
    onConnection: () => {},
    message: (type, content) => ({ header: { msg_id: `m${++n}`, msg_type: type }, parent_header: {}, metadata: {}, content, channel: 'shell', buffers: [] }),
    send: (msg) => k.sent.push(msg),
  };
  return k;
}

function iopub(type, content, parent = null) {
  return { channel: 'iopub', header: { msg_type: type, msg_id: 'k' + Math.random() }, parent_header: parent ? { msg_id: parent } : {}, content };
}

const slider = { _model_name: 'IntSliderModel', _model_module: '@jupyter-widgets/controls', _model_module_version: '2.0.0', value: 3, readout_format: 'd' };

test('comm_open makes a live model; an own update ignores echoes until its own echo', () => {
  const m = new WidgetManager();
  const k = fakeKernel();
  m.attach(k);
  assert.equal(m.handle(iopub('comm_open', { comm_id: 'a', target_name: 'jupyter.widget', data: { state: { ...slider } } })), true);
  assert.equal(m.models.get('a').live, true);

  m.update('a', { value: 5 });
  const sent = k.sent.at(-1);
  assert.equal(sent.header.msg_type, 'comm_msg');
  assert.deepEqual(sent.content, { comm_id: 'a', data: { method: 'update', state: { value: 5 }, buffer_paths: [] } });

  // Another front end's echo arrives before ours: ignored for this key.
  m.handle(iopub('comm_msg', { comm_id: 'a', data: { method: 'echo_update', state: { value: 4 } } }, 'someone-else'));
  assert.equal(m.models.get('a').state.value, 5);
  // Our own echo: accepted, and later echoes apply again.
  m.handle(iopub('comm_msg', { comm_id: 'a', data: { method: 'echo_update', state: { value: 5 } } }, sent.header.msg_id));
  m.handle(iopub('comm_msg', { comm_id: 'a', data: { method: 'echo_update', state: { value: 8 } } }, 'someone-else'));
  assert.equal(m.models.get('a').state.value, 8);
  // A kernel update always applies.
  m.handle(iopub('comm_msg', { comm_id: 'a', data: { method: 'update', state: { value: 1 } } }));
  assert.equal(m.models.get('a').state.value, 1);
});

test('after a reload the control comm asks for every state; a kernel restart makes models static', () => {
  const m = new WidgetManager();
  const k = fakeKernel();
  m.loadSaved({ widgets: { [WIDGET_STATE]: { version_major: 2, version_minor: 0, state: { a: { model_name: 'IntSliderModel', state: { ...slider, value: 9 } } } } } });
  assert.equal(m.models.get('a').live, false, 'saved state is static');
  m.attach(k);
  k.onConnection('connected');
  const [open, ask] = k.sent.slice(-2);
  assert.equal(open.content.target_name, 'jupyter.widget.control');
  assert.deepEqual(ask.content.data, { method: 'request_states' });
  m.handle(iopub('comm_msg', { comm_id: open.content.comm_id, data: { method: 'update_states', states: { a: { ...slider, value: 7 } } } }));
  assert.equal(m.models.get('a').live, true);
  assert.equal(m.models.get('a').state.value, 7);
  m.handle(iopub('status', { execution_state: 'starting' }));
  assert.equal(m.models.get('a').live, false);
});

test('callbacks\' stream output goes to the log of the view that sent the message', () => {
  const m = new WidgetManager();
  const k = fakeKernel();
  m.attach(k);
  m.handle(iopub('comm_open', { comm_id: 'b', target_name: 'jupyter.widget', data: { state: { _model_name: 'ButtonModel' } } }));
  const log = { hidden: true, textContent: '' };
  m.custom('b', { event: 'click' }, log);
  const id = k.sent.at(-1).header.msg_id;
  assert.equal(m.handle(iopub('stream', { name: 'stderr', text: 'comm callback failed: panic: x\n' }, id)), true);
  assert.equal(log.hidden, false);
  assert.match(log.textContent, /panic: x/);
  assert.equal(m.handle(iopub('stream', { name: 'stdout', text: 'other' }, 'a-cell')), false, 'other outputs are the cells\'');
});

test('the widget view is preferred; state saves in metadata; readout formats', () => {
  assert.equal(pickMime({ [MIME.widget]: { model_id: 'a' }, 'text/plain': 'IntSlider(value=3)' }), MIME.widget);
  const m = new WidgetManager();
  assert.deepEqual(withWidgetState({ kernelspec: {} }, m), { kernelspec: {} }, 'no widgets: metadata unchanged');
  m.models.set('a', { id: 'a', state: { ...slider }, live: true, pending: new Map() });
  const md = withWidgetState({ kernelspec: {} }, m);
  assert.equal(md.widgets[WIDGET_STATE].state.a.model_name, 'IntSliderModel');
  assert.equal(md.widgets[WIDGET_STATE].state.a.state.value, 3);
  assert.equal(readout({ _model_name: 'FloatSliderModel', value: 0.123, readout_format: '.2f' }), '0.12');
  assert.equal(refId('IPY_MODEL_abc'), 'abc');
  assert.equal(refId('abc'), null);
});
