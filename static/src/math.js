// math.js: TeX math in rendered Markdown (Markdown cells and text/markdown
// outputs). `$...$` is inline math and `$$...$$` display math, as in Jupyter.
//
// The math is cut out of the text before Markdown sees it (splitMath), so that
// the underscores and asterisks of TeX never become emphasis, and put back
// after Markdown as elements holding the TeX source (restoreMath). typesetMath
// then renders those elements with KaTeX, which comes from the npm package in
// a chunk of its own, loaded with its stylesheet and fonts from /static/ the
// first time a text holds math: never from a CDN, and never for notebooks
// without math. Bad TeX shows its source in an error style.

// Placeholders use Unicode private-use characters, which Markdown leaves
// alone and which notebook text does not contain in practice.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

// splitMath replaces the math of a Markdown text by placeholders. It returns
// { text, math }: text is the Markdown to render, math the list of
// { tex, display } that the placeholders number. Math is not looked for in
// fenced or indented code blocks nor in code spans; `\$` stays a literal
// dollar; and, as in Pandoc, an opening `$` must be followed by a non-space
// and a closing `$` preceded by a non-space and not followed by a digit, so
// that prices ("$5 and $10") are not math. Inline math does not cross a blank
// line; display math may span lines.
export function splitMath(src) {
  const math = [];
  const out = [];
  const lines = String(src ?? '').split('\n');
  let fence = null; // the opening fence of the code block we are in
  let prevBlank = true;
  let inIndentedCode = false;
  let para = []; // lines of the current run of non-code text
  const flush = () => {
    if (para.length) out.push(splitInline(para.join('\n'), math));
    para = [];
  };
  for (const line of lines) {
    if (fence) {
      out.push(line);
      const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length) fence = null;
      continue;
    }
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (open && !(open[1][0] === '`' && line.slice(open[0].length).includes('`'))) {
      flush();
      fence = open[1];
      out.push(line);
      prevBlank = false;
      inIndentedCode = false;
      continue;
    }
    const blank = /^\s*$/.test(line);
    // An indented code block starts after a blank line (not inside a list:
    // an indented line after a list item continues the item).
    const indented = /^( {4}|\t)/.test(line);
    if (indented && !blank && (inIndentedCode || (prevBlank && !lastBlockIsList(para, out)))) {
      flush();
      out.push(line);
      inIndentedCode = true;
      prevBlank = false;
      continue;
    }
    if (!blank) inIndentedCode = false;
    para.push(line);
    prevBlank = blank;
  }
  flush();
  return { text: out.join('\n'), math };
}

// lastBlockIsList tells whether the text before the current line ends in a
// list item, looking back over blank lines to the last non-blank line that
// starts at the left margin.
function lastBlockIsList(para, out) {
  const before = para.length ? para : out.length ? out[out.length - 1].split('\n') : [];
  for (let i = before.length - 1; i >= 0; i--) {
    const l = before[i];
    if (/^\s*$/.test(l) || /^( {4}|\t)/.test(l)) {
      if (/^\s*([-*+]|\d+[.)])\s/.test(l)) return true;
      continue;
    }
    return /^ {0,3}([-*+]|\d+[.)])\s/.test(l);
  }
  return false;
}

// splitInline cuts the math out of a run of text that holds no code block.
function splitInline(s, math) {
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s[i];
    if (c === '\\') {
      // A backslash escape (\$, \\) stays for Markdown to resolve.
      out += s.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '`') {
      // A code span: a run of backticks up to the next run of the same
      // length; an unmatched run is literal text.
      let j = i;
      while (j < n && s[j] === '`') j++;
      const ticks = j - i;
      const end = findTicks(s, j, ticks);
      if (end < 0) {
        out += s.slice(i, j);
        i = j;
      } else {
        out += s.slice(i, end + ticks);
        i = end + ticks;
      }
      continue;
    }
    if (c === '$') {
      if (s[i + 1] === '$') {
        const end = findDisplayEnd(s, i + 2);
        const tex = end < 0 ? '' : s.slice(i + 2, end).trim();
        if (tex) {
          out += OPEN + math.length + CLOSE;
          math.push({ tex, display: true });
          i = end + 2;
          continue;
        }
        out += '$$';
        i += 2;
        continue;
      }
      const end = findInlineEnd(s, i + 1);
      if (end > 0) {
        out += OPEN + math.length + CLOSE;
        math.push({ tex: s.slice(i + 1, end), display: false });
        i = end + 1;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

function findTicks(s, from, ticks) {
  let i = from;
  while (i < s.length) {
    if (s[i] !== '`') {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && s[j] === '`') j++;
    if (j - i === ticks) return i;
    i = j;
  }
  return -1;
}

// findDisplayEnd finds the closing $$ of display math, skipping escapes.
function findDisplayEnd(s, from) {
  for (let i = from; i < s.length - 1; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === '$' && s[i + 1] === '$') return i;
  }
  return -1;
}

// findInlineEnd finds the closing $ of inline math opened just before from,
// or -1 when the dollar does not open math.
function findInlineEnd(s, from) {
  if (from >= s.length || /\s/.test(s[from])) return -1;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '\n' && /^\n[ \t]*(\n|$)/.test(s.slice(i))) return -1; // a blank line ends the paragraph
    if (c !== '$') continue;
    if (s[i + 1] === '$') return -1; // "$a$$" is not a clean close
    if (/\s/.test(s[i - 1]) || /\d/.test(s[i + 1] || '')) continue;
    return i;
  }
  return -1;
}

function escapeHTML(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// restoreMath puts the math of splitMath back into the HTML that Markdown
// made of its text: each formula becomes an element holding its TeX source
// (readable as is until KaTeX has rendered it). A display formula alone in
// a paragraph replaces the paragraph. Inside a tag (a link's address or
// title) a formula can be no element, so its source goes back as text.
export function restoreMath(html, math) {
  if (!math.length) return html;
  const source = (k) => {
    const m = math[Number(k)];
    if (!m) return '';
    return m.display ? `$$${m.tex}$$` : `$${m.tex}$`;
  };
  const el = (k) => {
    const m = math[Number(k)];
    if (!m) return '';
    const kind = m.display ? 'math-display' : 'math-inline';
    return `<span class="math ${kind}" data-tex="${escapeHTML(m.tex)}">${escapeHTML(source(k))}</span>`;
  };
  return html
    .replace(/<p>\s*\uE000(\d+)\uE001\s*<\/p>/g, (all, k) => (math[Number(k)]?.display ? `<div class="math-block">${el(k)}</div>` : all))
    .replace(/<[^>]*>|[^<]+/g, (part) => (part[0] === '<'
      ? part.replace(PLACEHOLDER, (_, k) => escapeHTML(source(k)))
        .replace(/%EE%80%80(\d+)%EE%80%81/g, (_, k) => escapeHTML(encodeURI(source(k))))
      : part.replace(PLACEHOLDER, (_, k) => el(k))));
}

let katexPromise = null;

// loadKaTeX imports the KaTeX chunk and adds its stylesheet, once.
function loadKaTeX() {
  if (!katexPromise) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = '/static/katex.css';
    document.head.appendChild(link);
    katexPromise = import('katex').then((m) => m.default || m);
  }
  return katexPromise;
}

// typesetMath renders the math elements under root with KaTeX. Without math
// it loads nothing. A formula KaTeX cannot parse shows its source in an error
// style (throwOnError: false), and a failure to load KaTeX leaves the sources.
export async function typesetMath(root) {
  if (!root || typeof root.querySelectorAll !== 'function') return;
  const els = [...root.querySelectorAll('.math:not(.math-done)')];
  if (!els.length) return;
  let katex;
  try {
    katex = await loadKaTeX();
  } catch (e) {
    for (const el of els) {
      el.classList.add('math-error');
      el.title = `could not load KaTeX: ${e.message || e}`;
    }
    return;
  }
  for (const el of els) {
    if (el.classList.contains('math-done')) continue;
    const tex = el.dataset.tex ?? '';
    try {
      katex.render(tex, el, { displayMode: el.classList.contains('math-display'), throwOnError: false, output: 'htmlAndMathml' });
    } catch (e) {
      el.textContent = el.classList.contains('math-display') ? `$$${tex}$$` : `$${tex}$`;
      el.classList.add('math-error');
      el.title = String(e.message || e);
    }
    el.classList.add('math-done');
  }
}
