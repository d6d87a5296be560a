// The daily series as a uPlot chart, loaded on demand (the library is its own chunk). The chart is a picture
// for sighted users; the same figures are in the table beside it.
import type { Dashboard } from '@closer/contract';
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { formatNumber } from '../../i18n/i18n.ts';
import { t } from '../../i18n/messages.ts';
import { themeChoice } from '../../theme.ts';

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

export function DailyChart({ daily }: { daily: Dashboard['daily'] }) {
  const box = useRef<HTMLDivElement>(null);
  const theme = themeChoice.value;
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let chart: uPlot | null = null;
    let gone = false;
    const observer = new ResizeObserver(() => chart?.setSize({ width: element.clientWidth, height: 240 }));
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (gone) return;
      const days = daily.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000);
      const axis = {
        stroke: cssVar('--muted'),
        grid: { stroke: cssVar('--border') },
        ticks: { stroke: cssVar('--border') },
      };
      chart = new UPlot(
        {
          width: element.clientWidth,
          height: 240,
          tzDate: (seconds) => UPlot.tzDate(new Date(seconds * 1000), 'UTC'),
          legend: { show: false },
          scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [{ ...axis }, { ...axis, values: (_u, ticks) => ticks.map((tick) => formatNumber(tick)) }],
          series: [
            {},
            {
              label: t('dashboard.conversations'),
              stroke: cssVar('--accent'),
              width: 2,
              points: { size: 6 },
            },
            {
              label: t('dashboard.leads'),
              stroke: cssVar('--success'),
              width: 2,
              dash: [6, 4],
              points: { size: 6 },
            },
          ],
        },
        [days, daily.map((d) => d.conversations), daily.map((d) => d.leads)],
        element,
      );
      observer.observe(element);
    });
    return () => {
      gone = true;
      observer.disconnect();
      chart?.destroy();
    };
  }, [daily, theme]);
  const total = (key: 'conversations' | 'leads') => daily.reduce((sum, d) => sum + d[key], 0);
  return (
    <figure class="daily-chart-figure">
      <div
        ref={box}
        class="daily-chart"
        role="img"
        aria-label={t('dashboard.chartSummary', {
          days: daily.length,
          conversations: formatNumber(total('conversations')),
          leads: formatNumber(total('leads')),
        })}
      />
      <figcaption class="chart-legend">
        <span class="swatch swatch-conversations" aria-hidden="true" /> {t('dashboard.conversations')}{' '}
        <span class="swatch swatch-leads" aria-hidden="true" /> {t('dashboard.leads')}
      </figcaption>
    </figure>
  );
}
