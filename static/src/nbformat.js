// nbformat.js converts between the notebook's cells in memory and the
// .ipynb JSON (nbformat 4.5) that the contents API stores.
import { joinText } from './outputs.js';

export const KERNELSPEC = { name: 'rlvrworld', display_name: 'Go (RLVR-World)', language: 'go' };

// newCellId returns a random nbformat 4.5 cell id (8 hex digits).
export function newCellId() {
  const b = new Uint8Array(4);
  globalThis.crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

const ID_RE = /^[a-zA-Z0-9-_]{1,64}$/;

// cellsFromNotebook reads cells from an ipynb object; it accepts nbformat 4
// of any minor version and gives cells without a valid, unique id a new one.
export function cellsFromNotebook(nb) {
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells)) throw new Error('not a notebook: no cells list');
  if (nb.nbformat !== undefined && nb.nbformat !== 4) throw new Error(`unsupported nbformat ${nb.nbformat} (need 4)`);
  const seen = new Set();
  return nb.cells.map((c) => {
    let id = typeof c.id === 'string' && ID_RE.test(c.id) && !seen.has(c.id) ? c.id : newCellId();
    seen.add(id);
    const type = c.cell_type === 'markdown' ? 'markdown' : c.cell_type === 'raw' ? 'raw' : 'code';
    const cell = { id, type, source: joinText(c.source), metadata: c.metadata && typeof c.metadata === 'object' ? c.metadata : {} };
    if (type === 'code') {
      cell.execution_count = Number.isInteger(c.execution_count) ? c.execution_count : null;
      cell.outputs = Array.isArray(c.outputs) ? c.outputs.map(outputFromFile).filter(Boolean) : [];
    }
    if (c.attachments) cell.attachments = c.attachments;
    return cell;
  });
}

function outputFromFile(o) {
  if (!o || typeof o !== 'object') return null;
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name === 'stderr' ? 'stderr' : 'stdout', text: joinText(o.text) };
    case 'display_data':
    case 'execute_result': {
      const data = {};
      for (const [k, v] of Object.entries(o.data || {})) data[k] = Array.isArray(v) && !k.endsWith('json') ? v.join('') : v;
      const out = { output_type: o.output_type, data, metadata: o.metadata || {} };
      if (o.output_type === 'execute_result') out.execution_count = o.execution_count ?? null;
      return out;
    }
    case 'error':
      return { output_type: 'error', ename: String(o.ename || ''), evalue: String(o.evalue || ''), traceback: (o.traceback || []).map(String) };
    default:
      return null;
  }
}

// splitLines writes a multiline string as nbformat does (a list of lines
// keeping their newlines), which diffs well in git.
export function splitLines(s) {
  if (!s) return [];
  return s.match(/[^\n]*\n|[^\n]+$/g) || [];
}

function outputToFile(o) {
  switch (o.output_type) {
    case 'stream':
      return { output_type: 'stream', name: o.name, text: splitLines(o.text) };
    case 'display_data':
    case 'execute_result': {
      const data = {};
      for (const [k, v] of Object.entries(o.data || {})) {
        data[k] = typeof v === 'string' && k.startsWith('text/') ? splitLines(v) : v;
      }
      const out = { output_type: o.output_type, data, metadata: o.metadata || {} };
      if (o.output_type === 'execute_result') out.execution_count = o.execution_count ?? null;
      return out;
    }
    case 'error':
      return { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback || [] };
    default:
      return null;
  }
}

// notebookFromCells builds the ipynb object for cells; metadata is the
// notebook's own (kept from the file), with the kernelspec filled in.
export function notebookFromCells(cells, metadata = {}) {
  const md = { ...metadata };
  md.kernelspec = md.kernelspec || KERNELSPEC;
  md.language_info = md.language_info || { name: 'go', file_extension: '.go', mimetype: 'text/x-go' };
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: md,
    cells: cells.map((c) => {
      const out = { id: c.id, cell_type: c.type, metadata: c.metadata || {}, source: splitLines(c.source) };
      if (c.type === 'code') {
        out.execution_count = c.execution_count ?? null;
        out.outputs = (c.outputs || []).map(outputToFile).filter(Boolean);
      }
      if (c.attachments && c.type !== 'code') out.attachments = c.attachments;
      return out;
    }),
  };
}
