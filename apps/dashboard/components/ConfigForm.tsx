import type { ConfigField, ConfigValue, ExperimentInfo } from "@orrery/protocol";

/** What the form holds: numbers as typed text (so "1e-" can be half-typed), enums, text and booleans as-is. */
export type FormValues = Record<string, string | boolean>;

export function defaultFormValues(fields: readonly ConfigField[]): FormValues {
  const out: FormValues = {};
  for (const f of fields) out[f.key] = f.kind === "number" ? String(f.default) : f.default;
  return out;
}

/** Form text → config, or per-field problems (min/max/integer as the experiment declares them). */
export function formToConfig(
  fields: readonly ConfigField[],
  values: FormValues,
): { config: Record<string, ConfigValue>; problems: Record<string, string> } {
  const config: Record<string, ConfigValue> = {};
  const problems: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (f.kind === "number") {
      const text = typeof v === "string" ? v.trim() : String(f.default);
      const n = Number(text);
      if (text === "" || !Number.isFinite(n)) problems[f.key] = "not a number";
      else if (f.integer && !Number.isInteger(n)) problems[f.key] = "must be a whole number";
      else if (f.min !== undefined && n < f.min) problems[f.key] = `at least ${f.min}`;
      else if (f.max !== undefined && n > f.max) problems[f.key] = `at most ${f.max}`;
      else config[f.key] = n;
    } else if (f.kind === "enum" || f.kind === "text") {
      const text = typeof v === "string" ? v : f.default;
      if (f.kind === "text" && text.length > f.maxLength) problems[f.key] = `at most ${f.maxLength} characters`;
      else config[f.key] = text;
    } else {
      config[f.key] = typeof v === "boolean" ? v : f.default;
    }
  }
  return { config, problems };
}

const input =
  "h-8 w-full rounded-md border border-slate-700 bg-slate-950/70 px-2 text-sm text-slate-100 outline-none focus:border-indigo-400";

export function ExperimentSelect({
  experiments,
  value,
  onChange,
}: {
  experiments: ExperimentInfo[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <select
      data-testid="experiment-select"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      className={`${input} font-medium`}
      disabled={experiments.length === 0}
    >
      {experiments.length === 0 && <option value="">(waiting for the daemon)</option>}
      {experiments.map((e) => (
        <option key={e.id} value={e.id}>
          {e.title}
        </option>
      ))}
    </select>
  );
}

/** One input per ExperimentInfo field, with its label, help and the experiment's default. */
export function ConfigForm({
  fields,
  values,
  problems,
  onChange,
  disabled,
}: {
  fields: readonly ConfigField[];
  values: FormValues;
  problems: Record<string, string>;
  onChange: (key: string, value: string | boolean) => void;
  disabled?: boolean;
}) {
  return (
    <div className="grid grid-cols-2 gap-x-3 gap-y-2.5">
      {fields.map((f) => {
        const v = values[f.key];
        const problem = problems[f.key];
        const wide = f.kind === "enum" || f.kind === "text";
        return (
          <label key={f.key} className={`block ${wide ? "col-span-2" : ""}`} title={f.help}>
            <span className="mb-1 block truncate text-[11px] text-slate-400">{f.label}</span>
            {f.kind === "number" && (
              <input
                data-testid={`field-${f.key}`}
                inputMode="decimal"
                value={typeof v === "string" ? v : String(f.default)}
                onChange={(e) => onChange(f.key, e.target.value)}
                disabled={disabled}
                className={`${input} font-mono ${problem ? "border-rose-500" : ""}`}
              />
            )}
            {f.kind === "enum" && (
              <select
                data-testid={`field-${f.key}`}
                value={typeof v === "string" ? v : f.default}
                onChange={(e) => onChange(f.key, e.target.value)}
                disabled={disabled}
                className={input}
              >
                {f.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            )}
            {f.kind === "text" && (
              <textarea
                data-testid={`field-${f.key}`}
                value={typeof v === "string" ? v : f.default}
                onChange={(e) => onChange(f.key, e.target.value)}
                disabled={disabled}
                rows={3}
                spellCheck={false}
                className={`${input} h-auto py-1 font-mono ${problem ? "border-rose-500" : ""}`}
              />
            )}
            {f.kind === "boolean" && (
              <input
                data-testid={`field-${f.key}`}
                type="checkbox"
                checked={typeof v === "boolean" ? v : f.default}
                onChange={(e) => onChange(f.key, e.target.checked)}
                disabled={disabled}
                className="h-4 w-4 accent-indigo-500"
              />
            )}
            {problem && <span className="mt-0.5 block text-[11px] text-rose-400">{problem}</span>}
          </label>
        );
      })}
    </div>
  );
}
