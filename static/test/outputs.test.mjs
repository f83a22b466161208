// Unit tests of the output model and the renderers (pure: no DOM needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputModel, pickMime, renderOutput, fixCarriageReturns, MIME, outputFromMessage, streamTail, STREAM_LIMIT } from '../src/outputs.js';
import { toHTML, textContent, find, findAll } from '../src/vdom.js';

test('stream text of the same name merges; another name starts a new output', () => {
  const m = new OutputModel();
  m.handle('stream', { name: 'stdout', text: 'a\n' });
  m.handle('stream', { name: 'stdout', text: 'b\n' });
  m.handle('stream', { name: 'stderr', text: 'oops\n' });
  m.handle('stream', { name: 'stdout', text: 'c' });
  assert.equal(m.outputs.length, 3);
  assert.equal(m.outputs[0].text, 'a\nb\n');
  assert.equal(m.outputs[1].name, 'stderr');
  assert.ok(m.outputs[0]._v >= 2, 'merged output gets a new version');
});

test('clear_output clears now, or with wait at the next output', () => {
  const m = new OutputModel();
  m.handle('stream', { name: 'stdout', text: 'x' });
  m.handle('clear_output', { wait: true });
  assert.equal(m.outputs.length, 1, 'wait keeps the output until new output comes');
  m.handle('display_data', { data: { 'text/plain': 'y' }, metadata: {} });
  assert.equal(m.outputs.length, 1);
  assert.equal(m.outputs[0].data['text/plain'], 'y');
  m.handle('clear_output', { wait: false });
  assert.equal(m.outputs.length, 0);
});

test('update_display_data replaces outputs with the display id, in place', () => {
  const m = new OutputModel();
  m.handle('display_data', { data: { 'text/plain': '0%' }, metadata: {}, transient: { display_id: 'p1' } });
  m.handle('stream', { name: 'stdout', text: 'after' });
  const v = m.outputs[0]._v;
  assert.equal(m.updateDisplay('p1', { 'text/plain': '50%' }, {}), true);
  assert.equal(m.outputs[0].data['text/plain'], '50%');
  assert.equal(m.outputs.length, 2, 'order and count unchanged');
  assert.ok(m.outputs[0]._v > v);
  assert.equal(m.updateDisplay('nope', {}, {}), false);
});

test('non-output messages are ignored', () => {
  const m = new OutputModel();
  assert.equal(m.handle('status', { execution_state: 'busy' }), false);
  assert.equal(outputFromMessage('execute_input', {}), null);
});

test('MIME preference: viewers, then HTML, SVG, PNG, Markdown, JSON, text', () => {
  assert.equal(pickMime({ 'text/plain': 'x', 'text/html': '<b>' }), MIME.html);
  assert.equal(pickMime({ 'text/plain': 'x', 'image/png': 'AA', 'image/svg+xml': '<svg/>' }), MIME.svg);
  assert.equal(pickMime({ [MIME.echarts]: {}, 'image/svg+xml': '<svg/>', 'text/plain': '' }), MIME.echarts);
  assert.equal(pickMime({ [MIME.frames]: {}, 'text/html': 'x', 'image/png': 'x' }), MIME.frames);
  assert.equal(pickMime({ 'application/json': { a: 1 }, 'text/plain': '{}' }), MIME.json);
  assert.equal(pickMime({ 'application/x-unknown': 1 }), null);
  assert.equal(pickMime(null), null);
});

test('carriage returns overwrite the line like a terminal', () => {
  assert.equal(fixCarriageReturns('10%\r50%\r100%\ndone'), '100%\ndone');
  assert.equal(fixCarriageReturns('abcdef\rxy'), 'xycdef');
  assert.equal(fixCarriageReturns('a\r\nb'), 'a\nb');
  assert.equal(fixCarriageReturns('ab\bc'), 'ac');
});

test('stream renders with ANSI colours and escaped HTML', () => {
  const html = toHTML(renderOutput({ output_type: 'stream', name: 'stdout', text: '\x1b[31mred\x1b[0m <b>' }));
  assert.match(html, /class="ansi-red-fg">red</);
  assert.match(html, /&lt;b&gt;/);
  assert.doesNotMatch(html, /<b>/);
  assert.match(toHTML(renderOutput({ output_type: 'stream', name: 'stderr', text: 'e' })), /out-stream stderr/);
});

test('errors show the traceback, or ename: evalue without one', () => {
  const n = renderOutput({ output_type: 'error', ename: 'panic', evalue: 'boom', traceback: ['\x1b[1mcell:3:5\x1b[0m', 'panic: boom'] });
  assert.equal(n.attrs.role, 'alert');
  const t = textContent(n);
  assert.match(t, /cell:3:5/);
  assert.match(t, /panic: boom/);
  assert.equal(textContent(renderOutput({ output_type: 'error', ename: 'E', evalue: 'v', traceback: [] })), 'E: v');
});

test('text/html, markdown, images, svg and json render by type', () => {
  const html = renderOutput({ output_type: 'display_data', data: { 'text/html': '<table><tr><td>1</td></tr></table>', 'text/plain': 'x' }, metadata: {} });
  assert.equal(html.attrs['data-mime'], MIME.html);
  assert.match(toHTML(html), /<table><tr><td>1<\/td><\/tr><\/table>/);

  const md = renderOutput({ output_type: 'display_data', data: { 'text/markdown': '# Title\n\n*em*' }, metadata: {} });
  assert.match(toHTML(md), /<h1>Title<\/h1>/);
  assert.match(toHTML(md), /<em>em<\/em>/);

  const png = renderOutput({ output_type: 'execute_result', data: { 'image/png': 'iVBO\nRw0K', 'text/plain': '<image 2x2>' }, metadata: { 'image/png': { width: 64 } }, execution_count: 3 });
  const img = toHTML(png);
  assert.match(img, /<img src="data:image\/png;base64,iVBORw0K" alt="&lt;image 2x2&gt;" width="64">/);

  const svg = renderOutput({ output_type: 'display_data', data: { 'image/svg+xml': '<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>' }, metadata: {} });
  assert.match(toHTML(svg), /<circle r="3"\/>/);

  const json = renderOutput({ output_type: 'display_data', data: { 'application/json': { a: [1, 'x', null, true] } }, metadata: {} });
  const jt = toHTML(json);
  assert.match(jt, /class="j-key">a: </);
  assert.match(jt, /class="j-str">&quot;x&quot;</);
  assert.match(jt, /class="j-null">null</);
  assert.match(jt, /Array\(4\)/);
});

test('nbformat multiline strings (lists of lines) are joined', () => {
  const n = renderOutput({ output_type: 'display_data', data: { 'text/plain': ['a\n', 'b'] }, metadata: {} });
  assert.equal(textContent(n), 'a\nb');
});

test('an unknown bundle and a bad viewer payload say so instead of failing', () => {
  assert.match(textContent(renderOutput({ output_type: 'display_data', data: { 'application/x-foo': 1 }, metadata: {} })), /cannot be shown/);
  assert.match(textContent(renderOutput({ output_type: 'display_data', data: { [MIME.statediff]: 'not json' }, metadata: {} })), /invalid data/);
  assert.match(textContent(renderOutput({ output_type: 'display_data', data: { [MIME.frames]: { predicted: [] } }, metadata: {} })), /no frames/);
  assert.match(textContent(renderOutput({ output_type: 'display_data', data: { [MIME.echarts]: '{bad' }, metadata: {} })), /invalid option/);
});

test('an echarts option renders a labelled chart container that mounts ECharts, with PNG and SVG saving', () => {
  const w = renderOutput({ output_type: 'display_data', data: { [MIME.echarts]: { title: [{ text: 'reward' }], series: [] }, [MIME.svg]: '<svg/>' }, metadata: {} });
  assert.equal(w.attrs.class, 'chart-wrap');
  const n = find(w, 'chart');
  assert.equal(n.attrs['aria-label'], 'Chart: reward');
  assert.equal(typeof n.attrs.mount, 'function');
  assert.equal(find(w, 'chart-save-png').attrs['aria-label'], 'Save Chart: reward as PNG');
  assert.equal(find(w, 'chart-save-svg').attrs['aria-label'], 'Save Chart: reward as SVG');
  const bare = renderOutput({ output_type: 'display_data', data: { [MIME.echarts]: { series: [] } }, metadata: {} });
  assert.equal(find(bare, 'chart-save-svg'), null, 'no SVG button without an SVG');
});

test('findAll helper works on nested trees', () => {
  const n = renderOutput({ output_type: 'display_data', data: { 'application/json': { a: { b: 1 } } }, metadata: {} });
  assert.ok(findAll(n, 'j-key').length >= 2);
  assert.ok(find(n, 'json-tree'));
});

test('a very long stream shows its tail from a line start, and says what is hidden', () => {
  const line = 'step 123456 loss 0.123\n';
  const text = line.repeat(Math.ceil((STREAM_LIMIT * 1.5) / line.length));
  const { text: tail, hidden } = streamTail(text);
  assert.ok(tail.length <= STREAM_LIMIT);
  assert.ok(tail.startsWith('step '), 'cut at a line start');
  assert.equal(hidden + tail.length, text.length);
  const n = renderOutput({ output_type: 'stream', name: 'stdout', text });
  assert.match(textContent(n), new RegExp(`… ${hidden} earlier characters not shown`));
  assert.deepEqual(streamTail('short'), { text: 'short', hidden: 0 });
});

test('a category axis shows every label, turned when they are many or long', async () => {
  const { prepareOption } = await import('../src/charts.js');
  const few = prepareOption({ xAxis: [{ type: 'category', data: ['a', 'b'] }] });
  assert.deepEqual(few.xAxis[0].axisLabel, { interval: 0, hideOverlap: false });
  const many = prepareOption({ __height: 300, xAxis: [{ type: 'category', data: Array.from({ length: 18 }, (_, i) => `token ${i}`) }] });
  assert.equal(many.xAxis[0].axisLabel.rotate, 45);
  assert.equal(many.xAxis[0].axisLabel.overflow, 'truncate', 'a turned label is cut, not squeezing the bars');
  assert.ok(many.xAxis[0].axisLabel.width > 50);
  assert.equal(many.__height, undefined);
  const set = prepareOption({ xAxis: [{ type: 'category', data: ['a'], axisLabel: { interval: 2 } }] });
  assert.equal(set.xAxis[0].axisLabel.interval, 2, 'an explicit interval is kept');
  const value = prepareOption({ xAxis: [{ type: 'value' }] });
  assert.equal(value.xAxis[0].axisLabel, undefined);
});
