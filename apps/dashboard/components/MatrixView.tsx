import * as d3 from "d3";

/** A small matrix as numbers (3 decimals) on a diverging background: red positive, blue negative. */
export function MatrixView({ name, label, rows }: { name: string; label: string; rows: number[][] }) {
  let scale = 1;
  for (const r of rows) for (const v of r) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  return (
    <figure className="flex flex-col items-center gap-2">
      <figcaption className="text-xs text-slate-400">
        {label} <span className="text-slate-600">[{rows.length}×{rows[0]?.length ?? 0}]</span>
      </figcaption>
      <table data-testid={`matrix-${name}`} className="border-separate border-spacing-1 font-mono text-sm tabular-nums">
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td className="px-3 py-2 text-slate-500">no snapshot yet</td>
            </tr>
          )}
          {rows.map((r, i) => (
            <tr key={i}>
              {r.map((v, j) => {
                const t = Number.isFinite(v) ? 0.5 - v / (2 * scale) : 0.5;
                const strong = Math.abs(t - 0.5) > 0.3;
                return (
                  <td
                    key={j}
                    className="min-w-[4.5rem] rounded-md px-2.5 py-2 text-right"
                    style={{ background: d3.interpolateRdBu(t), color: strong ? "#f8fafc" : "#0f172a" }}
                  >
                    {Number.isFinite(v) ? v.toFixed(3) : String(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
