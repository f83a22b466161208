// mdlang.js: Markdown cells are edited as plain text (no @codemirror/lang-markdown
// in our dependencies; its highlighting is not worth a new package).
export function markdown() {
  return [];
}
