// charts.js shows ECharts options (application/vnd.rlvrworld.echarts+json),
// as built in cells with rlvr/plot (go-echarts). ECharts comes from the npm
// package, bundled locally in a chunk of its own that is loaded the first
// time a chart is shown: never from a CDN.
import { h } from './vdom.js';

let echartsPromise = null;
function loadECharts() {
  if (!echartsPromise) echartsPromise = import('echarts');
  return echartsPromise;
}

// chartHeight picks the chart's height: an explicit one from the option's
// go-echarts initialization, else 360px.
export function chartHeight(option) {
  const hgt = option && option.__height;
  if (typeof hgt === 'number' && hgt > 50 && hgt < 4000) return hgt;
  return 360;
}

// LABEL_WIDTH is where a turned category label is cut, in px.
const LABEL_WIDTH = 110;

// prepareOption copies the option without __height, a key of ours that
// ECharts does not know.
// A category axis shows every label (ECharts drops those that would
// overlap, so a bar chart named 3 of its 6 bars), turned when they are many
// or long; charts saved before rlvr/plot set this get it here too.
export function prepareOption(option) {
  const o = { ...option };
  delete o.__height;
  if (Array.isArray(o.xAxis)) {
    o.xAxis = o.xAxis.map((x) => {
      if (!x || x.type !== 'category' || !Array.isArray(x.data)) return x;
      const label = { ...(x.axisLabel || {}) };
      if (label.interval === undefined) label.interval = 0;
      if (label.hideOverlap === undefined) label.hideOverlap = false;
      const chars = x.data.reduce((n, d) => n + String(d && typeof d === 'object' ? d.value : d).length + 2, 0);
      if (label.rotate === undefined && chars > 60) label.rotate = x.data.length > 10 ? 45 : 20;
      // A turned label is cut at LABEL_WIDTH px (the bar's tooltip names it
      // in full): one long label, such as a JSON fragment, would otherwise
      // take most of the chart's height and squeeze the bars.
      if (label.rotate && label.width === undefined) {
        label.width = LABEL_WIDTH;
        label.overflow = 'truncate';
      }
      return { ...x, axisLabel: label };
    });
  }
  return o;
}

const charts = new WeakMap();

// darkMode says whether the page follows a dark system setting; charts
// then use ECharts' dark theme.
export function darkMode() {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

// drawn holds the chart elements on the page, so that a change of the
// system's colour scheme redraws them in the matching theme (ECharts sets
// its theme when a chart is created).
const drawn = new Set();
if (typeof matchMedia === 'function') {
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    for (const el of [...drawn]) {
      const chart = charts.get(el);
      if (!el.isConnected) {
        drawn.delete(el);
        if (chart) chart.dispose();
        continue;
      }
      if (chart) chart.dispose();
      charts.delete(el);
      drawChart(el);
    }
  });
}

// chartWidget renders a chart container; the chart is drawn on mount, and
// updateChart redraws it in place (update_display_data of live charts).
// svg is the bundle's static SVG, offered for download next to a PNG of
// the drawn chart.
export function chartWidget(option, svg) {
  if (!option || typeof option !== 'object' || option.__invalid) {
    return h('div', { class: 'chart out-error' }, `chart: invalid option${option && option.__invalid ? ': ' + option.__invalid : ''}`);
  }
  const title = option.title && (Array.isArray(option.title) ? option.title[0] : option.title);
  const label = title && title.text ? `Chart: ${title.text}` : 'Chart';
  const file = fileName(title && title.text);
  return h('div', { class: 'chart-wrap' },
    h('div', { class: 'chart-save' },
      h('button', {
        type: 'button', class: 'chart-save-png', 'aria-label': `Save ${label} as PNG`, title: 'Save as PNG',
        onclick: (ev) => savePNG(ev.currentTarget.closest('.chart-wrap').querySelector('.chart'), file),
      }, 'PNG'),
      typeof svg === 'string' && svg ? h('button', {
        type: 'button', class: 'chart-save-svg', 'aria-label': `Save ${label} as SVG`, title: 'Save as SVG',
        onclick: (ev) => download(`${file}.svg`, new Blob([ev.currentTarget.closest('.chart-wrap').__svg || svg], { type: 'image/svg+xml' })),
      }, 'SVG') : null),
    h('div', {
      class: 'chart', role: 'img', 'aria-label': label, style: `height:${chartHeight(option)}px`,
      mount: (el) => {
        el.__option = option;
        drawChart(el);
      },
    }));
}

// fileName turns a chart title into a download name.
export function fileName(title) {
  const s = String(title || 'chart').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s.slice(0, 60) || 'chart';
}

// download saves a blob under name through a temporary link.
export function download(name, blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function savePNG(el, file) {
  const chart = el && charts.get(el);
  if (!chart) return;
  const bg = getComputedStyle(el).backgroundColor || '#fff';
  const url = chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: bg });
  // Decoded here: the page's CSP lets fetch reach only the server.
  const bin = atob(url.slice(url.indexOf(',') + 1));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  download(`${file}.png`, new Blob([bytes], { type: 'image/png' }));
}

async function drawChart(el) {
  let echarts;
  try {
    echarts = await loadECharts();
  } catch (e) {
    el.textContent = `chart: could not load ECharts: ${e.message}`;
    return;
  }
  let chart = charts.get(el);
  if (!chart) {
    const scheme = darkMode() ? 'dark' : 'light';
    chart = echarts.init(el, scheme === 'dark' ? 'dark' : null, { renderer: 'canvas' });
    charts.set(el, chart);
    drawn.add(el);
    el.__chart = chart; // for the end-to-end tests and the console
    el.dataset.scheme = scheme;
    if (!el.__resize) {
      el.__resize = new ResizeObserver(() => charts.get(el)?.resize());
      el.__resize.observe(el);
    }
  }
  try {
    chart.setOption(prepareOption(el.__option), { notMerge: true, lazyUpdate: true });
  } catch (e) {
    el.textContent = `chart: ${e.message}`;
  }
}

// updateChart replaces the option of a mounted chart without re-creating it.
export function updateChart(el, option) {
  el.__option = option;
  const chart = charts.get(el);
  if (!chart) return drawChart(el);
  try {
    // Merge, replacing the series, without animation: a live chart gets an
    // update every 250 ms, and each animated update restarted ECharts'
    // entry animation (about a second), so the drawn line trailed the run
    // and caught up only when the loop ended.
    chart.setOption({ ...prepareOption(option), animation: false }, { replaceMerge: ['series'], lazyUpdate: true });
  } catch (e) {
    el.textContent = `chart: ${e.message}`;
  }
}
