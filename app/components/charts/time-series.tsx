import { scaleLinear, scalePoint } from "d3-scale";
import { area, line } from "d3-shape";

/**
 * A time series (money in by month), drawn on the server as SVG. The area and its line are paths
 * (d3-shape, straight from month to month) in a viewBox stretched to the width, their stroke kept at 2 px whatever the stretch; the
 * gridlines, their values and the months are drawn in the outer SVG in percent and pixels, so their text
 * keeps its size on a phone. Every month's number is in the table that follows.
 */
export type Point = { key: string; label: string; value: number; display: string };

const HEIGHT = 250;
const TOP = 22;
const PLOT = 188;
/** The stretched viewBox's width (any number: it only sets the proportions of the paths' x). */
const WIDTH = 1000;

export function TimeSeries({ id, title, description, points, tickLabel, every = 3 }: { id: string; title: string; description: string; points: Point[]; tickLabel: (value: number) => string; every?: number }) {
  const max = Math.max(0, ...points.map((p) => p.value));
  // Rounded up to the gridlines' own step (nice(4) as ticks(4)), so the top gridline is the top of the plot.
  const y = scaleLinear().domain([0, max > 0 ? max : 1]).nice(4).range([PLOT, 0]);
  const x = scalePoint<string>().domain(points.map((p) => p.key)).range([0, WIDTH]).padding(0.5);
  const xOf = (key: string) => x(key) ?? 0;
  const yOf = (value: number) => y(Math.max(0, value));
  // Straight segments from month to month: a curve would draw values between months that no month had.
  const filled = area<Point>().x((p) => xOf(p.key)).y0(PLOT).y1((p) => yOf(p.value))(points) ?? "";
  const stroke = line<Point>().x((p) => xOf(p.key)).y((p) => yOf(p.value))(points) ?? "";
  const ticks = max > 0 ? y.ticks(4) : [0];
  const pct = (key: string) => (xOf(key) / WIDTH) * 100;
  return (
    <svg className="chart chart-series" role="img" aria-labelledby={`${id}-title ${id}-desc`} width="100%" height={HEIGHT} data-testid={`chart-${id}`}>
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-desc`}>{description}</desc>
      {ticks.map((tick) => (
        <g key={tick}>
          <line className="chart-grid" x1="0" x2="100%" y1={TOP + y(tick)} y2={TOP + y(tick)} />
          {tick > 0 ? (
            <text className="chart-tick" x="0" y={TOP + y(tick) - 4}>
              {tickLabel(tick)}
            </text>
          ) : null}
        </g>
      ))}
      <svg x="0" y={TOP} width="100%" height={PLOT} viewBox={`0 0 ${WIDTH} ${PLOT}`} preserveAspectRatio="none" overflow="visible" aria-hidden="true">
        <path className="chart-area" d={filled} />
        <path className="chart-line" d={stroke} vectorEffect="non-scaling-stroke" />
      </svg>
      {points.map((p) => (
        <circle key={p.key} className="chart-dot" cx={`${pct(p.key)}%`} cy={TOP + yOf(p.value)} r={p.value > 0 ? 3 : 0}>
          <title>{`${p.label}: ${p.display}`}</title>
        </circle>
      ))}
      {points.map((p, i) => {
        // Every `every`-th month is labelled, counting back from the last; on a phone every other one of those (CSS).
        // Centred under its month: the first and last run a few pixels into the card's padding (the SVG does not clip).
        const back = points.length - 1 - i;
        if (back % every !== 0) return null;
        return (
          <text key={p.key} className={back % (2 * every) === 0 ? "chart-tick" : "chart-tick chart-tick-minor"} x={`${pct(p.key)}%`} y={TOP + PLOT + 20} textAnchor="middle">
            {p.label}
          </text>
        );
      })}
    </svg>
  );
}
