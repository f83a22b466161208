// outputs.js: the output area of a cell, as a pure model (how iopub messages
// change a cell's list of nbformat outputs) and pure renderers (an output to
// a vdom tree, by MIME type). The notebook view mounts the trees.
import { AnsiUp } from 'ansi_up';
import { marked } from 'marked';
import { splitMath, restoreMath, typesetMath } from './math.js';
import { h } from './vdom.js';
import { renderJSONTree } from './jsontree.js';
import { renderStateDiff } from './statediff.js';
import { framesWidget } from './frames.js';
import { chartWidget } from './charts.js';
import { widgetView } from './widgets.js';

export const MIME = {
  text: 'text/plain',
  html: 'text/html',
  markdown: 'text/markdown',
  png: 'image/png',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
  json: 'application/json',
  echarts: 'application/vnd.rlvrworld.echarts+json',
  frames: 'application/vnd.rlvrworld.frames+json',
  statediff: 'application/vnd.rlvrworld.statediff+json',
  widget: 'application/vnd.jupyter.widget-view+json',
};

// MIME_ORDER is the preference among a bundle's types: our viewers first,
// then the richest standard form, as Jupyter does.
export const MIME_ORDER = [
  MIME.widget, MIME.echarts, MIME.frames, MIME.statediff,
  MIME.html, MIME.svg, MIME.png, MIME.jpeg, MIME.markdown, MIME.json, MIME.text,
];

// pickMime returns the type of data to show, or null when none is known.
export function pickMime(data) {
  if (!data || typeof data !== 'object') return null;
  for (const m of MIME_ORDER) if (data[m] !== undefined && data[m] !== null) return m;
  return null;
}

// joinText accepts nbformat's multiline strings (a string or a list of lines).
export function joinText(v) {
  if (Array.isArray(v)) return v.join('');
  return v == null ? '' : String(v);
}

// fixCarriageReturns applies terminal semantics of \r (return to the line
// start, so later text overwrites it) and \b, as progress bars printed to a
// stream expect.
export function fixCarriageReturns(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  return lines.map((line) => {
    if (line.includes('\r')) {
      // Overwrite rather than drop: "abcdef\rxy" shows "xycdef", like a tty.
      let cur = '';
      for (const part of line.split('\r')) cur = part + cur.slice(part.length);
      line = cur;
    }
    // A backspace deletes the character before it.
    while (/[^\x08]\x08/.test(line)) line = line.replace(/[^\x08]\x08/, '');
    return line.replace(/\x08/g, '');
  }).join('\n');
}

// STREAM_LIMIT is how much of a stream the page shows: a long training
// log would otherwise make every new line re-render megabytes.
export const STREAM_LIMIT = 100000;

// streamTail keeps the last STREAM_LIMIT characters of a stream, cut at a
// line start, and says how many were hidden.
export function streamTail(text, limit = STREAM_LIMIT) {
  if (text.length <= limit) return { text, hidden: 0 };
  let cut = text.length - limit;
  const nl = text.indexOf('\n', cut);
  if (nl >= 0 && nl < text.length - 1) cut = nl + 1;
  return { text: text.slice(cut), hidden: cut };
}

// outputFromMessage converts an iopub message (type and content) into an
// nbformat output, or returns null for messages that are not outputs.
export function outputFromMessage(msgType, content) {
  switch (msgType) {
    case 'stream':
      return { output_type: 'stream', name: content.name === 'stderr' ? 'stderr' : 'stdout', text: joinText(content.text) };
    case 'display_data': {
      const out = { output_type: 'display_data', data: content.data || {}, metadata: content.metadata || {} };
      const id = content.transient && content.transient.display_id;
      if (id) out.displayId = id;
      return out;
    }
    case 'execute_result':
      return {
        output_type: 'execute_result', data: content.data || {}, metadata: content.metadata || {},
        execution_count: content.execution_count ?? null,
      };
    case 'error':
      return {
        output_type: 'error', ename: String(content.ename || 'Error'), evalue: String(content.evalue || ''),
        traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
      };
    default:
      return null;
  }
}

// OutputModel holds one cell's outputs and applies iopub messages to them.
// Every change bumps the version of the output it touched (out._v), so the
// view re-renders only what changed and widgets keep their state.
export class OutputModel {
  constructor(outputs = []) {
    this.outputs = outputs;
    this.clearPending = false;
    this.version = 0;
  }

  // clear empties the area now, or with wait at the next output (Jupyter's
  // clear_output(wait=True), which avoids flicker in animations).
  clear(wait = false) {
    if (wait) {
      this.clearPending = true;
      return false;
    }
    this.clearPending = false;
    if (this.outputs.length === 0) return false;
    this.outputs = [];
    this.version++;
    return true;
  }

  // add appends out; consecutive stream text of the same name is merged.
  add(out) {
    if (this.clearPending) {
      this.outputs = [];
      this.clearPending = false;
    }
    const last = this.outputs[this.outputs.length - 1];
    if (out.output_type === 'stream' && last && last.output_type === 'stream' && last.name === out.name) {
      last.text += out.text;
      last._v = (last._v || 0) + 1;
    } else {
      out._v = 1;
      this.outputs.push(out);
    }
    this.version++;
    return true;
  }

  // handle applies one iopub message; it returns true when the area changed.
  handle(msgType, content) {
    if (msgType === 'clear_output') return this.clear(Boolean(content && content.wait));
    const out = outputFromMessage(msgType, content || {});
    return out ? this.add(out) : false;
  }

  // updateDisplay replaces, in place, every output shown under displayId.
  updateDisplay(displayId, data, metadata) {
    let changed = false;
    for (const out of this.outputs) {
      if (out.displayId === displayId) {
        out.data = data || {};
        out.metadata = metadata || {};
        out._v = (out._v || 0) + 1;
        changed = true;
      }
    }
    if (changed) this.version++;
    return changed;
  }
}

// ansiToHTML converts text with ANSI colour escapes into escaped HTML.
export function ansiToHTML(text) {
  const a = new AnsiUp();
  a.use_classes = true;
  return a.ansi_to_html(text);
}

// markdownToHTML renders Markdown (GitHub flavoured) with TeX math: the math
// is kept out of Markdown's way and comes back as elements that typesetMath
// renders (math.js). Notebook Markdown is trusted like the rest of the
// notebook; the page's CSP keeps scripts out.
export function markdownToHTML(src) {
  const { text, math } = splitMath(joinText(src));
  return restoreMath(marked.parse(text, { async: false, gfm: true }), math);
}

function imageSize(meta, mime) {
  const m = (meta && meta[mime]) || {};
  const a = {};
  if (Number.isFinite(m.width)) a.width = String(m.width);
  if (Number.isFinite(m.height)) a.height = String(m.height);
  return a;
}

// renderMime renders one MIME type of a bundle.
export function renderMime(mime, data, metadata = {}) {
  const v = data[mime];
  switch (mime) {
    case MIME.widget:
      return widgetView(typeof v === 'string' ? safeParse(v) : v);
    case MIME.echarts:
      return chartWidget(typeof v === 'string' ? safeParse(v) : v, joinText(data[MIME.svg]));
    case MIME.frames:
      return framesWidget(typeof v === 'string' ? safeParse(v) : v);
    case MIME.statediff:
      return renderStateDiff(typeof v === 'string' ? safeParse(v) : v);
    case MIME.html:
      return h('div', { class: 'out-html', html: joinText(v) });
    case MIME.svg:
      return h('div', { class: 'out-svg', html: joinText(v) });
    case MIME.png:
    case MIME.jpeg:
      return h('div', { class: 'out-image' },
        h('img', { src: `data:${mime};base64,${joinText(v).replace(/\s/g, '')}`, alt: altText(data), ...imageSize(metadata, mime) }));
    case MIME.markdown:
      return h('div', { class: 'out-markdown markdown', html: markdownToHTML(v), mount: typesetMath });
    case MIME.json:
      return h('div', { class: 'out-json' }, renderJSONTree(typeof v === 'string' ? safeParse(v) : v));
    default:
      return h('pre', { class: 'out-text' , html: ansiToHTML(joinText(v)) });
  }
}

function altText(data) {
  const t = joinText(data[MIME.text]);
  return t && t.length < 200 ? t : 'image output';
}

function safeParse(s) {
  try {
    return JSON.parse(s);
  } catch (e) {
    return { __invalid: String(e.message || e) };
  }
}

// renderOutput renders one nbformat output.
export function renderOutput(out) {
  switch (out.output_type) {
    case 'stream': {
      const { text, hidden } = streamTail(fixCarriageReturns(joinText(out.text)));
      return h('pre', { class: `out-stream ${out.name}` },
        hidden ? h('span', { class: 'out-truncated' }, `… ${hidden} earlier characters not shown (the notebook keeps them)\n`) : null,
        h('span', { html: ansiToHTML(text) }));
    }
    case 'error': {
      const tb = out.traceback && out.traceback.length ? out.traceback.join('\n') : `${out.ename}: ${out.evalue}`;
      return h('div', { class: 'out-error', role: 'alert' },
        h('pre', { html: ansiToHTML(tb) }));
    }
    case 'display_data':
    case 'execute_result': {
      const mime = pickMime(out.data);
      if (!mime) return h('pre', { class: 'out-text out-unknown' }, `[output of type ${Object.keys(out.data || {}).join(', ') || 'none'} cannot be shown]`);
      try {
        const node = renderMime(mime, out.data, out.metadata);
        node.attrs['data-mime'] = mime;
        return node;
      } catch (e) {
        return h('pre', { class: 'out-error' }, `could not render ${mime}: ${e.message}`);
      }
    }
    default:
      return h('pre', { class: 'out-text out-unknown' }, `[unknown output type ${out.output_type}]`);
  }
}
