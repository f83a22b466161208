// Unit tests of the notebook's pure logic: nbformat round trips, stale
// marking and the kernel client's helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellsFromNotebook, notebookFromCells, splitLines, newCellId } from '../src/nbformat.js';
import { staleness } from '../src/stale.js';
import { toCodePoints, fromCodePoints, decodeBinary } from '../src/kernel.js';
import { sortItems } from '../src/list.js';

test('ipynb round trip keeps cells, outputs and metadata (nbformat 4.5)', () => {
  const file = {
    nbformat: 4, nbformat_minor: 4,
    metadata: { kernelspec: { name: 'rlvrworld', display_name: 'Go (RLVR-World)', language: 'go' }, custom: 1 },
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'text'] },
      {
        cell_type: 'code', metadata: { tags: ['x'] }, execution_count: 2, source: 'fmt.Println(1)',
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['1\n', '2\n'] },
          { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': ['3'], 'application/json': { a: 1 } }, metadata: {} },
          { output_type: 'error', ename: 'E', evalue: 'v', traceback: ['t'] },
          { output_type: 'bogus' },
        ],
      },
    ],
  };
  const cells = cellsFromNotebook(file);
  assert.equal(cells.length, 2);
  assert.equal(cells[0].source, '# Title\ntext');
  assert.match(cells[0].id, /^[0-9a-f]{8}$/, 'missing ids are made');
  assert.equal(cells[1].outputs.length, 3, 'unknown outputs dropped');
  assert.equal(cells[1].outputs[0].text, '1\n2\n');
  assert.equal(cells[1].outputs[1].data['text/plain'], '3');
  const nb = notebookFromCells(cells, file.metadata);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.equal(nb.metadata.custom, 1);
  assert.deepEqual(nb.cells[0].source, ['# Title\n', 'text']);
  assert.equal(nb.cells[0].outputs, undefined, 'markdown cells have no outputs');
  assert.equal(nb.cells[1].execution_count, 2);
  assert.deepEqual(nb.cells[1].outputs[0], { output_type: 'stream', name: 'stdout', text: ['1\n', '2\n'] });
  assert.deepEqual(nb.cells[1].outputs[1].data['application/json'], { a: 1 });
  assert.equal(nb.cells[1].id, cells[1].id);
  // Read back what we wrote: identical cells.
  assert.deepEqual(cellsFromNotebook(nb).map((c) => c.source), cells.map((c) => c.source));
});

test('in-memory output fields (display ids, versions) are not saved', () => {
  const nb = notebookFromCells([{ id: 'abc', type: 'code', source: '', execution_count: null, outputs: [{ output_type: 'display_data', data: { 'text/plain': 'x' }, metadata: {}, displayId: 'd1', _v: 3 }] }]);
  assert.deepEqual(Object.keys(nb.cells[0].outputs[0]).sort(), ['data', 'metadata', 'output_type']);
});

test('bad notebooks are refused with a reason; duplicate ids replaced', () => {
  assert.throws(() => cellsFromNotebook({}), /no cells/);
  assert.throws(() => cellsFromNotebook({ nbformat: 3, cells: [] }), /nbformat 3/);
  const cells = cellsFromNotebook({ nbformat: 4, cells: [{ id: 'same', cell_type: 'code', source: '' }, { id: 'same', cell_type: 'code', source: '' }] });
  assert.notEqual(cells[0].id, cells[1].id);
});

test('splitLines keeps newlines, like nbformat writers', () => {
  assert.deepEqual(splitLines('a\nb\n'), ['a\n', 'b\n']);
  assert.deepEqual(splitLines('a\n\nb'), ['a\n', '\n', 'b']);
  assert.deepEqual(splitLines(''), []);
  assert.notEqual(newCellId(), newCellId());
});

function code(source, seq, executedSource = source, count = seq || null) {
  return { type: 'code', source, runSeq: seq, executedSource: seq ? executedSource : undefined, execution_count: count };
}

test('stale: editing an executed cell marks it and the cells after it that ran', () => {
  const cells = [code('a', 1), code('b2', 2, 'b'), code('c', 3), code('d', 0, undefined, null)];
  assert.deepEqual(staleness(cells), [null, 'edited since it ran', 'an earlier cell was edited', null]);
});

test('stale: re-running an earlier cell marks later cells that ran before it', () => {
  const cells = [code('a', 4), code('b', 2), { type: 'markdown', source: '' }, code('c', 3)];
  assert.deepEqual(staleness(cells), [null, 'an earlier cell ran after it', null, 'an earlier cell ran after it']);
  // Running in order again clears the marks.
  const fresh = [code('a', 4), code('b', 5), { type: 'markdown', source: '' }, code('c', 6)];
  assert.deepEqual(staleness(fresh), [null, null, null, null]);
});

test('stale: a restart marks every executed cell; loaded outputs are not stale', () => {
  const cells = [code('a', 1), code('b', 2), code('c', 0, undefined, null)];
  assert.deepEqual(staleness(cells, 3), ['kernel restarted since it ran', 'kernel restarted since it ran', null]);
  const loaded = [{ type: 'code', source: 'x', runSeq: 0, execution_count: 5, executedSource: 'x' }, { type: 'code', source: 'y', runSeq: 0, execution_count: 6, executedSource: 'y' }];
  assert.deepEqual(staleness(loaded), [null, null]);
  loaded[0].runSeq = 1; // the first cell runs in this session
  assert.deepEqual(staleness(loaded), [null, 'an earlier cell ran after it']);
});

test('cursor offsets convert between UTF-16 and code points', () => {
  const s = 'x := "😀é" + y';
  const i = s.indexOf('+');
  assert.equal(toCodePoints(s, i), i - 1, 'the emoji is two UTF-16 units, one code point');
  assert.equal(fromCodePoints(s, toCodePoints(s, i)), i);
  assert.equal(fromCodePoints(s, 1000), s.length);
});

test('binary websocket frames decode to the message', () => {
  const json = new TextEncoder().encode(JSON.stringify({ header: { msg_type: 'x' }, channel: 'iopub' }));
  const buf = new Uint8Array([1, 2, 3]);
  const n = 2, head = 4 * (n + 1);
  const total = new ArrayBuffer(head + json.length + buf.length);
  const dv = new DataView(total);
  dv.setUint32(0, n, true);
  dv.setUint32(4, head, true);
  dv.setUint32(8, head + json.length, true);
  new Uint8Array(total, head).set(json);
  new Uint8Array(total, head + json.length).set(buf);
  const msg = decodeBinary(total);
  assert.equal(msg.header.msg_type, 'x');
  assert.equal(msg.buffers.length, 1);
  assert.equal(msg.buffers[0].byteLength, 3);
});

test('the list puts folders first, then notebooks, by name', () => {
  const items = sortItems([{ name: 'b.ipynb', type: 'notebook' }, { name: 'z', type: 'directory' }, { name: 'a.txt', type: 'file' }, { name: 'a.ipynb', type: 'notebook' }]);
  assert.deepEqual(items.map((i) => i.name), ['z', 'a.ipynb', 'b.ipynb', 'a.txt']);
});
