// build.mjs bundles the browser notebook (static/src) into static/dist with
// esbuild: app.js (ES module, code-split so that ECharts loads only when a
// chart is shown), app.css and index.html. The output is committed so that a
// fresh clone builds the Go binary without Node; mk/ui.mk reruns this when a
// source is newer than the bundle.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const watch = process.argv.includes('--watch');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const f of ['index.html', 'favicon.svg']) copyFileSync(join(here, 'src', f), join(out, f));

// KaTeX's stylesheet is an entry of its own (dist/katex.css), added to the
// page by math.js only when a Markdown text holds math. Its fonts are copied
// to dist/fonts by the file loader under their own names (deterministic
// output); only the woff2 files are kept, which every browser we target
// reads, so the stylesheet's woff and ttf fallbacks are dropped here.
const katexCSS = createRequire(import.meta.url).resolve('katex/dist/katex.css');
const woff2Only = {
  name: 'katex-woff2-only',
  setup(build) {
    build.onLoad({ filter: /katex[\\/]dist[\\/]katex\.css$/ }, (args) => {
      const css = readFileSync(args.path, 'utf8')
        .replace(/,\s*url\([^)]*\.woff\) format\("woff"\)/g, '')
        .replace(/,\s*url\([^)]*\.ttf\) format\("truetype"\)/g, '');
      if (/\.(woff|ttf)\)/.test(css)) throw new Error('katex.css: a woff or ttf font is still referenced');
      return { contents: css, loader: 'css' };
    });
  },
};

const options = {
  entryPoints: { app: join(here, 'src', 'main.js'), katex: katexCSS },
  loader: { '.woff2': 'file' },
  assetNames: 'fonts/[name]',
  plugins: [woff2Only],
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2020'],
  outdir: out,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  minify: !watch,
  sourcemap: false,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile: true,
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log('watching static/src ...');
} else {
  const result = await esbuild.build(options);
  const sizes = Object.entries(result.metafile.outputs)
    .map(([f, o]) => `${f.split('/').pop()} ${(o.bytes / 1024).toFixed(0)} KiB`);
  console.log('static/dist:', sizes.join(', '));
}
