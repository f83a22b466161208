// export.js: a notebook as one self-contained HTML file, for "Download as
// HTML". The file opens offline: Markdown is rendered here (with KaTeX's
// stylesheet inlined when there is math, its fonts left to the system), and
// each output uses its static form (a chart's SVG, the frames viewer's
// image sheet, a state diff's table), so no script and no request is needed.
import { markdownToHTML, joinText } from './outputs.js';
import { typesetMath } from './math.js';

// EXPORT_ORDER picks an output's static form; the playground's own viewer
// types are skipped, since their bundles carry these fallbacks.
export const EXPORT_ORDER = ['text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'text/markdown', 'text/plain'];

export function escapeHTML(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

// stripAnsi drops terminal colour escapes from stream and error text.
function stripAnsi(s) {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

// outputHTML renders one nbformat output in its static form.
export function outputHTML(o) {
  if (o.output_type === 'stream') return `<pre class="stream ${o.name === 'stderr' ? 'stderr' : ''}">${escapeHTML(stripAnsi(joinText(o.text)))}</pre>`;
  if (o.output_type === 'error') {
    const tb = o.traceback && o.traceback.length ? o.traceback.join('\n') : `${o.ename}: ${o.evalue}`;
    return `<pre class="error">${escapeHTML(stripAnsi(tb))}</pre>`;
  }
  const data = o.data || {};
  const mime = EXPORT_ORDER.find((m) => data[m] != null);
  if (!mime) return '';
  const v = joinText(data[mime]);
  switch (mime) {
    case 'text/html': return `<div class="html">${v}</div>`;
    case 'image/svg+xml': return `<img alt="chart" src="data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(v)))}">`;
    case 'image/png':
    case 'image/jpeg': return `<img alt="${escapeHTML(joinText(data['text/plain']).slice(0, 200))}" src="data:${mime};base64,${v.replace(/\s/g, '')}">`;
    case 'text/markdown': return `<div class="md">${markdownToHTML(v)}</div>`;
    default: return `<pre>${escapeHTML(v)}</pre>`;
  }
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#1b1f24;background:#fff}
.cell{margin:1em 0}.code{background:#f3f5f8;border:1px solid #d4d9e0;border-radius:4px;padding:6px 8px;font:13px/1.45 monospace;white-space:pre-wrap}
.prompt{color:#505a66;font:12px monospace}pre{margin:4px 0;font:13px/1.45 monospace;white-space:pre-wrap}
.stderr{background:#fff0f0}.error{background:#fdecea;border-left:4px solid #b3261e;padding:4px 6px}
img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #d4d9e0;padding:2px 8px}
.katex-display{overflow-x:auto;padding:.3em 0}
@media (prefers-color-scheme: dark){body{background:#15181d;color:#e3e7ec}.code{background:#1f242b;border-color:#38404a}img{background:#fff}}`;

// notebookHTML returns the whole page for cells ({type, source, outputs,
// execution_count}). katexCSS is KaTeX's stylesheet, inlined when a cell
// has math (its @font-face rules dropped: the fonts are not embedded).
export async function notebookHTML(title, cells, katexCSS = '') {
  const parts = [];
  let math = false;
  for (const c of cells) {
    if (c.type === 'markdown') {
      const div = document.createElement('div');
      div.innerHTML = markdownToHTML(c.source);
      if (div.querySelector('.math')) {
        math = true;
        await typesetMath(div);
      }
      parts.push(`<section class="cell markdown">${div.innerHTML}</section>`);
    } else if (c.type === 'code') {
      const outs = (c.outputs || []).map(outputHTML).join('\n');
      parts.push(`<section class="cell"><div class="prompt">[${c.execution_count ?? ' '}]:</div><pre class="code">${escapeHTML(c.source)}</pre>${outs}</section>`);
    }
  }
  const css = math && katexCSS ? katexCSS.replace(/@font-face\s*{[^}]*}/g, '') : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>${STYLE}\n${css}</style></head>
<body><h1 class="nb-title">${escapeHTML(title)}</h1>
${parts.join('\n')}
</body></html>
`;
}
