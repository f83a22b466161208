// Unit tests of the notebook list's pure parts: descriptions and which
// folders are hidden.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, hiddenFolder } from '../src/list.js';

const nb = (cells, metadata = {}) => ({ nbformat: 4, nbformat_minor: 5, metadata, cells });
const md = (source) => ({ cell_type: 'markdown', metadata: {}, source });

test('a description is the first sentence of the first paragraph that is no heading', () => {
  assert.equal(describe(nb([md('# 01 · World models\n\nA world model predicts what happens next: given s and a. It is trained.')])),
    'A world model predicts what happens next: given s and a.');
  assert.equal(describe(nb([md(['# Title\n', '\n', 'Uses **bold** and `code` and [a link](x.md) here.'])])), 'Uses bold and code and a link here.');
  assert.equal(describe(nb([md('# Only a heading')])), '');
  assert.equal(describe(nb([md('# T\n\nx')], { description: 'From metadata.' })), 'From metadata.');
  assert.equal(describe({ cells: 'bad' }), '', 'a broken notebook has no description');
  assert.ok(describe(nb([md('# T\n\n' + 'word '.repeat(100))])).length <= 220, 'long text is cut');
});

test('folders that hold files but no notebook are hidden; empty ones are not', () => {
  assert.equal(hiddenFolder({ content: [{ type: 'file', name: 'main.go' }] }), true);
  assert.equal(hiddenFolder({ content: [{ type: 'file', name: 'a.cells' }, { type: 'notebook', name: 'x.ipynb' }] }), false);
  assert.equal(hiddenFolder({ content: [{ type: 'directory', name: 'sub' }] }), false);
  assert.equal(hiddenFolder({ content: [] }), false, 'a new empty folder stays visible');
});
