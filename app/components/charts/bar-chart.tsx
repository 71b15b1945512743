import { scaleLinear } from "d3-scale";

/**
 * Horizontal bars, drawn on the server as SVG (they show without JavaScript; decision 0035). Each row is
 * a label over its bar, with the value at the bar's end — outside a short bar, inside a long one. The
 * horizontal geometry is in percent of the width, the vertical in pixels, so the text keeps its size
 * from a phone to a desktop (a scaled viewBox would shrink it). The numbers are also in the table that
 * follows each chart; the SVG is one image to assistive technology, named by its title and description.
 */
export type Bar = { key: string; label: string; value: number; display: string };

const ROW = 44;
const BAR_Y = 20;
const BAR_HEIGHT = 18;
/** Past this share of the width the value goes inside the bar (white on red), else after it. */
const INSIDE_FROM = 55;
/** Longer labels are cut (the whole label is in the table below, and in the bar's tooltip). */
const MAX_LABEL = 40;

export function shorten(label: string, max = MAX_LABEL): string {
  return label.length > max ? `${label.slice(0, max - 1).trimEnd()}…` : label;
}

export function BarChart({ id, title, description, bars }: { id: string; title: string; description: string; bars: Bar[] }) {
  const max = Math.max(0, ...bars.map((bar) => bar.value));
  // Bars from 0 to the largest value across the whole width (d3-scale: the one place values become lengths).
  const x = scaleLinear().domain([0, max > 0 ? max : 1]).range([0, 100]);
  const height = bars.length * ROW + 4;
  return (
    <svg className="chart chart-bars" role="img" aria-labelledby={`${id}-title ${id}-desc`} width="100%" height={height} data-testid={`chart-${id}`}>
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{description}</desc>
      {bars.map((bar, i) => {
        const top = i * ROW;
        const width = Math.max(x(Math.max(0, bar.value)), bar.value > 0 ? 0.4 : 0);
        const inside = width > INSIDE_FROM;
        return (
          <g key={bar.key}>
            <title>{`${bar.label}: ${bar.display}`}</title>
            <text className="chart-label" x={0} y={top + 14}>
              {shorten(bar.label)}
            </text>
            <rect className="chart-track" x="0" y={top + BAR_Y} width="100%" height={BAR_HEIGHT} rx="3" />
            <rect className="chart-bar" x="0" y={top + BAR_Y} width={`${width}%`} height={BAR_HEIGHT} rx="3" />
            <text className={inside ? "chart-value chart-value-inside" : "chart-value"} x={`${width}%`} dx={inside ? -6 : 6} y={top + BAR_Y + 13} textAnchor={inside ? "end" : "start"}>
              {bar.display}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
