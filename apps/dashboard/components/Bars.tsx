import * as d3 from "d3";

const W = 320;
const H = 140;
const PAD = { top: 8, right: 8, bottom: 18, left: 40 };

/** A vector as bars (index on x), e.g. a spectrum; negative values hang below the zero line. */
export function Bars({ name, label, values }: { name: string; label: string; values: Float32Array }) {
  const n = values.length;
  const finite = Array.from(values, (v) => (Number.isFinite(v) ? v : 0));
  const [lo, hi] = [Math.min(0, ...finite), Math.max(0, ...finite)];
  const x = d3.scaleBand<number>().domain(d3.range(n)).range([PAD.left, W - PAD.right]).padding(0.15);
  const y = d3.scaleLinear().domain([lo, hi === lo ? lo + 1 : hi]).nice().range([H - PAD.bottom, PAD.top]);
  const every = Math.max(1, Math.ceil(n / 8));
  return (
    <figure className="flex flex-col gap-1">
      <figcaption className="text-xs text-slate-400">
        {label} <span className="text-slate-600">[{n}]</span>
      </figcaption>
      <svg data-testid={`bars-${name}`} viewBox={`0 0 ${W} ${H}`} className="w-[320px]">
        {y.ticks(4).map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} stroke="#1e293b" />
            <text x={PAD.left - 4} y={y(t) + 3} textAnchor="end" fontSize={9} fill="#64748b">
              {d3.format("~g")(t)}
            </text>
          </g>
        ))}
        {finite.map((v, i) => (
          <rect key={i} x={x(i)} width={x.bandwidth()} y={y(Math.max(0, v))} height={Math.abs(y(v) - y(0))} fill="#818cf8">
            <title>{`[${i}] = ${values[i]!.toPrecision(4)}`}</title>
          </rect>
        ))}
        {d3.range(0, n, every).map((i) => (
          <text key={i} x={x(i)! + x.bandwidth() / 2} y={H - 5} textAnchor="middle" fontSize={9} fill="#64748b">
            {i}
          </text>
        ))}
      </svg>
    </figure>
  );
}
