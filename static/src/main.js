// main.js: the entry point. One page serves every route; the URL says which
// view to show: /notebooks/<path> a notebook, / and /tree/<dir> the list.
import './style.css';
import './widgets.css';
import { Notebook } from './notebook.js';
import { NotebookList } from './list.js';

function decodePath(p) {
  return p.split('/').filter(Boolean).map(decodeURIComponent).join('/');
}

const root = document.getElementById('app');
root.textContent = '';
const path = location.pathname;
if (path.startsWith('/notebooks/')) {
  const nb = new Notebook(root, decodePath(path.slice('/notebooks/'.length)));
  window.rlvrNotebook = nb; // for the end-to-end tests and the console
  nb.open();
} else {
  const dir = path.startsWith('/tree') ? decodePath(path.slice('/tree'.length)) : '';
  new NotebookList(root, dir).open();
}
