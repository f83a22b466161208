// editor.js: the cell editor, CodeMirror 6 with Go highlighting, completion
// from the kernel (complete_request) and docs from the kernel
// (inspect_request: on hover, and on Shift+Tab in a panel under the cell).
// (npm's "codemirror" package here resolves to CodeMirror 5, so the editor
// is assembled from the @codemirror/* packages rather than basicSetup.)
import { EditorState, Prec, Compartment } from '@codemirror/state';
import {
  EditorView, keymap, drawSelection, lineNumbers, highlightActiveLine, highlightSpecialChars, hoverTooltip, placeholder,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput, indentUnit } from '@codemirror/language';
import {
  autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap, completionStatus, startCompletion, closeCompletion,
} from '@codemirror/autocomplete';
import { go } from '@codemirror/lang-go';
import { markdown as markdownLang } from './mdlang.js';
import { toCodePoints, fromCodePoints } from './kernel.js';

// stripAnsi removes ANSI escapes from kernel text (inspect replies).
export function stripAnsi(s) {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

function completionSource(getKernel) {
  return async (ctx) => {
    const kernel = getKernel();
    if (!kernel) return null;
    const word = ctx.matchBefore(/[\w.]*/);
    if (!ctx.explicit && (!word || word.to - word.from < 1 || (word.text.length < 2 && !word.text.endsWith('.')))) return null;
    const code = ctx.state.doc.toString();
    let reply;
    try {
      reply = await kernel.request('complete_request', { code, cursor_pos: toCodePoints(code, ctx.pos) }, { timeoutMs: 2000 });
    } catch {
      return null;
    }
    const c = reply && reply.content;
    if (!c || c.status !== 'ok' || !Array.isArray(c.matches) || c.matches.length === 0) return null;
    const types = (c.metadata && c.metadata._jupyter_types_experimental) || [];
    return {
      from: fromCodePoints(code, c.cursor_start),
      to: fromCodePoints(code, c.cursor_end),
      options: c.matches.map((m, i) => ({ label: m, type: types[i] && types[i].type ? mapType(types[i].type) : undefined })),
      validFor: /^\w*$/,
    };
  };
}

function mapType(t) {
  return { func: 'function', function: 'function', var: 'variable', const: 'constant', type: 'type', package: 'namespace', keyword: 'keyword' }[t] || t;
}

// inspect asks the kernel for docs at pos; it resolves with plain text or ''.
export async function inspect(kernel, code, pos, detail = 0) {
  if (!kernel) return '';
  try {
    const reply = await kernel.request('inspect_request', { code, cursor_pos: toCodePoints(code, pos), detail_level: detail }, { timeoutMs: 3000 });
    const c = reply && reply.content;
    if (!c || c.status !== 'ok' || !c.found) return '';
    return stripAnsi((c.data && (c.data['text/plain'] || c.data['text/markdown'])) || '');
  } catch {
    return '';
  }
}

function hoverDocs(getKernel) {
  return hoverTooltip(async (view, pos) => {
    const word = view.state.wordAt(pos);
    if (!word) return null;
    const text = await inspect(getKernel(), view.state.doc.toString(), word.to);
    if (!text) return null;
    return {
      pos: word.from, end: word.to, above: true,
      create() {
        const dom = document.createElement('pre');
        dom.className = 'cm-docs';
        dom.textContent = text.length > 4000 ? text.slice(0, 4000) + '…' : text;
        return { dom };
      },
    };
  }, { hoverTime: 400 });
}

// tabCompletes starts completion on Tab after a word character, and indents
// otherwise, as Jupyter does.
function tabCompletes(view) {
  const { state } = view;
  const sel = state.selection.main;
  if (!sel.empty) return false;
  const before = state.sliceDoc(Math.max(0, sel.head - 1), sel.head);
  if (/[\w.]/.test(before)) return startCompletion(view);
  return false;
}

// createEditor makes an editor in parent. opts:
//   doc, language ('go' | 'markdown'), lineNumbers, getKernel(), onChange(text),
//   keys: {run, runInsert, runStay, escape, save, inspect} (return true when handled)
export function createEditor(parent, opts) {
  const lang = new Compartment();
  const gutter = new Compartment();
  const keys = opts.keys || {};
  const wrap = (f) => (view) => (f ? f(view) !== false : false);
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc || '',
      extensions: [
        Prec.highest(keymap.of([
          { key: 'Shift-Enter', run: wrap(keys.run) },
          { key: 'Mod-Enter', run: wrap(keys.runStay) },
          { key: 'Alt-Enter', run: wrap(keys.runInsert) },
          { key: 'Mod-s', run: wrap(keys.save), preventDefault: true },
          { key: 'Shift-Tab', run: wrap(keys.inspect) },
          {
            key: 'Escape',
            // Esc first closes an open completion list (the completion
            // keymap handles it); a request still pending must not swallow
            // the key, so it is dropped and Esc leaves the editor.
            run: (v) => {
              if (completionStatus(v.state) === 'active') return false;
              closeCompletion(v);
              return wrap(keys.escape)(v);
            },
          },
        ])),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        indentUnit.of('\t'),
        EditorState.tabSize.of(4),
        bracketMatching(),
        closeBrackets(),
        highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        lang.of(opts.language === 'markdown' ? markdownLang() : go()),
        gutter.of(opts.lineNumbers ? lineNumbers() : []),
        autocompletion({ override: [completionSource(opts.getKernel)], activateOnTyping: true, icons: false }),
        hoverDocs(opts.getKernel),
        keymap.of([
          { key: 'Tab', run: tabCompletes },
          ...closeBracketsKeymap, ...completionKeymap, ...historyKeymap, indentWithTab, ...defaultKeymap,
        ]),
        placeholder(opts.language === 'markdown' ? 'Markdown text' : 'Go code'),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': opts.label || 'cell editor' }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && opts.onChange) opts.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  view.setLineNumbers = (on) => view.dispatch({ effects: gutter.reconfigure(on ? lineNumbers() : []) });
  view.setLanguage = (l) => view.dispatch({ effects: lang.reconfigure(l === 'markdown' ? markdownLang() : go()) });
  return view;
}
