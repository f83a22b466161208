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

// prepareOption copies the option without __height, a key of ours that
// ECharts does not know.
export function prepareOption(option) {
  const o = { ...option };
  delete o.__height;
  return o;
}

const charts = new WeakMap();

// chartWidget renders a chart container; the chart is drawn on mount, and
// updateChart redraws it in place (update_display_data of live charts).
export function chartWidget(option) {
  if (!option || typeof option !== 'object' || option.__invalid) {
    return h('div', { class: 'chart out-error' }, `chart: invalid option${option && option.__invalid ? ': ' + option.__invalid : ''}`);
  }
  const title = option.title && (Array.isArray(option.title) ? option.title[0] : option.title);
  const label = title && title.text ? `Chart: ${title.text}` : 'Chart';
  return h('div', {
    class: 'chart', role: 'img', 'aria-label': label, style: `height:${chartHeight(option)}px`,
    mount: (el) => {
      el.__option = option;
      drawChart(el);
    },
  });
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
    chart = echarts.init(el, null, { renderer: 'canvas' });
    charts.set(el, chart);
    const ro = new ResizeObserver(() => chart.resize());
    ro.observe(el);
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
    // Merge, replacing the series: the chart moves to the new data
    // smoothly instead of being redrawn from scratch at every update.
    chart.setOption(prepareOption(option), { replaceMerge: ['series'], lazyUpdate: true });
  } catch (e) {
    el.textContent = `chart: ${e.message}`;
  }
}
