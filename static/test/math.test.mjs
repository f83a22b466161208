// Unit tests of the TeX math splitter (math.js) and of Markdown rendering
// with math (outputs.js): pure functions, no DOM and no KaTeX needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitMath, restoreMath } from '../src/math.js';
import { markdownToHTML } from '../src/outputs.js';

const P = (k) => `\uE000${k}\uE001`;

test('inline and display math become placeholders', () => {
  const r = splitMath('ratio $\\frac{a}{b}$ and\n\n$$\\sum_i x_i$$\n');
  assert.equal(r.text, `ratio ${P(0)} and\n\n${P(1)}\n`);
  assert.deepEqual(r.math, [{ tex: '\\frac{a}{b}', display: false }, { tex: '\\sum_i x_i', display: true }]);
});

test('display math may span lines and is trimmed', () => {
  const r = splitMath('$$\n  A = \\frac{r - \\bar r}{\\sigma}\n$$');
  assert.equal(r.text, P(0));
  assert.deepEqual(r.math, [{ tex: 'A = \\frac{r - \\bar r}{\\sigma}', display: true }]);
});

test('underscores and asterisks inside math are not emphasis', () => {
  const html = markdownToHTML('$x_i$ and $y_i$, $a*b*c$ here');
  assert.ok(!/<em>|<strong>/.test(html), html);
  assert.match(html, /data-tex="x_i"/);
  assert.match(html, /data-tex="y_i"/);
  assert.match(html, /data-tex="a\*b\*c"/);
  // Without math the same text is emphasis, so the test above can fail.
  assert.match(markdownToHTML('x_i and y_i, a*b*c here'), /<em>b<\/em>/);
});

test('an escaped dollar stays a literal dollar', () => {
  const r = splitMath('costs \\$5 or \\$x\\$ and \\\\$y$');
  assert.deepEqual(r.math, [{ tex: 'y', display: false }]);
  const html = markdownToHTML('costs \\$x\\$ here');
  assert.ok(!html.includes('class="math'), html);
  assert.match(html, /costs \$x\$ here/);
});

test('dollars in code spans and code blocks stay literal', () => {
  for (const src of [
    'run `echo $HOME $PATH` now',
    'double ``a ` $x$ b`` ticks',
    '```sh\necho $x$ and $$y$$\n```',
    '~~~\n$a$\n~~~',
    'text\n\n    $indented$ code\n',
  ]) {
    const r = splitMath(src);
    assert.deepEqual(r.math, [], src);
    assert.equal(r.text, src, src);
  }
  // Math after a closed fence is found again.
  const r = splitMath('```\n$a$\n```\nthen $b$');
  assert.deepEqual(r.math, [{ tex: 'b', display: false }]);
  // An indented line continuing a list item is not code.
  assert.deepEqual(splitMath('- item\n\n    more $c$').math, [{ tex: 'c', display: false }]);
  // An unclosed backtick is literal text, and math after it still counts.
  assert.deepEqual(splitMath('a ` then $d$').math, [{ tex: 'd', display: false }]);
});

test('prices are not math', () => {
  for (const src of ['a lone $5 price', 'it costs $5 and $10 in all', 'from $ 3 to $ 4', 'pay $5.', 'a $x $ y', '$a$1 no']) {
    assert.deepEqual(splitMath(src).math, [], src);
  }
  const html = markdownToHTML('it costs $5 and $10');
  assert.match(html, /it costs \$5 and \$10/);
});

test('inline math does not cross a blank line; a lone $$ is text', () => {
  assert.deepEqual(splitMath('$a\n\nb$').math, []);
  assert.deepEqual(splitMath('$a\nb$').math, [{ tex: 'a\nb', display: false }]);
  assert.deepEqual(splitMath('just $$ here').math, []);
  assert.deepEqual(splitMath('$$ $$').math, []);
});

test('restoreMath: elements with the TeX source, escaped; a display formula alone replaces its paragraph', () => {
  const { text, math } = splitMath('see $a<b$\n\n$$\\sum_i x_i$$');
  const html = restoreMath(`<p>see ${text.split('\n\n')[0].slice(4)}</p>\n<p>${P(1)}</p>\n`, math);
  assert.equal(html,
    '<p>see <span class="math math-inline" data-tex="a&lt;b">$a&lt;b$</span></p>\n' +
    '<div class="math-block"><span class="math math-display" data-tex="\\sum_i x_i">$$\\sum_i x_i$$</span></div>\n');
  assert.equal(restoreMath('<p>x</p>', []), '<p>x</p>');
});

test('markdownToHTML keeps Markdown around the math', () => {
  const html = markdownToHTML('# Advantage $A_i$\n\n**bold** and $\\frac{a}{b}$\n\n$$\\sum_i x_i$$');
  assert.match(html, /<h1[^>]*>Advantage <span class="math math-inline" data-tex="A_i">\$A_i\$<\/span><\/h1>/);
  assert.match(html, /<strong>bold<\/strong> and <span class="math math-inline" data-tex="\\frac\{a\}\{b\}">/);
  assert.match(html, /<div class="math-block"><span class="math math-display" data-tex="\\sum_i x_i">/);
  assert.ok(!html.includes('\uE000'), 'no placeholder left');
});

test('bad input never throws', () => {
  for (const src of [undefined, null, '', '$', '$$', '$$$', '\\', '`', '```', '$x', '$$x', ['a $b$', ' c']]) {
    assert.doesNotThrow(() => markdownToHTML(src), String(src));
  }
});

test('math inside a link address or title goes back as text, never as markup in a tag', () => {
  const a = markdownToHTML('[link]($x$) and [t](http://a "$y_1$") and [$z$](http://b)');
  assert.match(a, /<a href="\$x\$">link<\/a>/);
  assert.match(a, /title="\$y_1\$"/);
  assert.match(a, /<a href="http:\/\/b"><span class="math math-inline" data-tex="z">\$z\$<\/span><\/a>/);
  assert.ok(!/\uE000|%EE%80%80/.test(a), a);
});
