// The page's charts, in their own chunk: ECharts (tree-shaken to bars, lines and the few components used) loads
// after the page's numbers and tables are already shown.
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { ComposeOption } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import { formatDuration, percentileSeries, runSeries, successSeries, type AnalyticsDay } from './shape';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

type Option = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/** A design token's value: the charts draw in the app's palette, not ECharts' own. */
function token(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function EChart({ option, height, label }: { option: Option; height: number; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const element = ref.current!;
    // SVG: crisp at any zoom, and the chart's text is real text.
    const instance = echarts.init(element, undefined, { renderer: 'svg' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={ref} className="an-chart" style={{ height }} role="img" aria-label={label} />;
}

function base(labels: string[]): Option {
  const text3 = token('--text-3');
  const border = token('--border');
  return {
    animationDuration: 300,
    textStyle: { fontFamily: token('--font'), color: token('--text-2') },
    grid: { left: 8, right: 12, top: 28, bottom: 4, containLabel: true },
    tooltip: {
      trigger: 'axis',
      backgroundColor: token('--surface'),
      borderColor: border,
      textStyle: { color: token('--text'), fontSize: 12 },
      axisPointer: { type: 'shadow', shadowStyle: { color: token('--surface-2'), opacity: 0.7 } },
    },
    legend: { top: 0, right: 0, icon: 'roundRect', itemWidth: 10, itemHeight: 10, textStyle: { color: text3, fontSize: 12 } },
    xAxis: {
      type: 'category',
      data: labels,
      axisLine: { lineStyle: { color: border } },
      axisTick: { show: false },
      axisLabel: { color: text3, fontSize: 11, hideOverlap: true },
    },
  };
}

function valueAxis(formatter?: (v: number) => string): Option['yAxis'] {
  return {
    type: 'value',
    splitLine: { lineStyle: { color: token('--border'), type: 'dashed' } },
    axisLabel: { color: token('--text-3'), fontSize: 11, formatter: formatter ? (v: number) => formatter(v) : undefined },
    minInterval: 1,
  };
}

/** Runs per day, stacked by how they ended. */
export function RunsChart({ days, label }: { days: AnalyticsDay[]; label: string }) {
  const s = runSeries(days);
  const bar = (name: string, data: number[], color: string, top = false): BarSeriesOption => ({
    name,
    type: 'bar',
    stack: 'runs',
    data,
    barMaxWidth: 22,
    itemStyle: { color, borderRadius: top ? [3, 3, 0, 0] : 0 },
    emphasis: { focus: 'series' },
  });
  const option: Option = {
    ...base(s.labels),
    yAxis: valueAxis(),
    series: [
      bar('Completed', s.completed, token('--success')),
      bar('Failed', s.failed, token('--danger')),
      bar('Cancelled', s.cancelled, token('--border-strong'), true),
    ],
  };
  return <EChart option={option} height={240} label={label} />;
}

/** Success rate per day, in percent. */
export function SuccessChart({ days, label }: { days: AnalyticsDay[]; label: string }) {
  const option: Option = {
    ...base(runSeries(days).labels),
    legend: { show: false },
    tooltip: { ...(base([]).tooltip as object), axisPointer: { type: 'line' }, valueFormatter: (v) => (v == null ? '—' : `${v}%`) },
    yAxis: { ...(valueAxis((v) => `${v}%`) as object), min: 0, max: 100 },
    series: [
      {
        name: 'Success rate',
        type: 'line',
        data: successSeries(days),
        connectNulls: true,
        // Points as well as lines: a range with one day of runs still shows it.
        symbolSize: 5,
        showAllSymbol: true,
        lineStyle: { width: 2, color: token('--accent') },
        itemStyle: { color: token('--accent') },
        areaStyle: { color: token('--accent-50') },
      },
    ],
  };
  return <EChart option={option} height={170} label={label} />;
}

/** An axis tick: below a millisecond the fraction matters (queue times are often that short). */
function axisDuration(ms: number): string {
  return ms === 0 ? '0' : ms < 1 ? `${Number(ms.toFixed(2))} ms` : formatDuration(ms);
}

/** The p50 and p95 of durations or queue times per day. */
export function PercentileChart({ days, metric, label }: { days: AnalyticsDay[]; metric: 'duration' | 'queue'; label: string }) {
  const s = percentileSeries(days, metric);
  const line = (name: string, data: (number | null)[], color: string, dashed = false): LineSeriesOption => ({
    name,
    type: 'line',
    data,
    connectNulls: true,
    symbolSize: 5,
    showAllSymbol: true,
    lineStyle: { width: 2, color, type: dashed ? 'dashed' : 'solid' },
    itemStyle: { color },
  });
  const option: Option = {
    ...base(runSeries(days).labels),
    tooltip: { ...(base([]).tooltip as object), axisPointer: { type: 'line' }, valueFormatter: (v) => formatDuration(v as number | null) },
    yAxis: { ...(valueAxis(axisDuration) as object), minInterval: 0 },
    series: [line('p50', s.p50, token('--accent')), line('p95', s.p95, token('--accent-300'), true)],
  };
  return <EChart option={option} height={170} label={label} />;
}
