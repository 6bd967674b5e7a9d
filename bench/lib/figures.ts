/**
 * Every figure the bench produces: a name that says what and in which unit (the suffix:
 * _ms, _ratio, _count, _rcu, _wcu, _kb, _mb, _rps), the measured value, and the target
 * where the issue sets one. Misses are marked, never hidden.
 */
export interface Target {
  /** Upper bound, inclusive. */
  max?: number;
  /** Exact value expected (e.g. a request count). */
  equals?: number;
  /** Lower bound, inclusive. */
  min?: number;
}

export interface Figure {
  name: string;
  value: number;
  target?: Target;
  note?: string;
}

export function met(figure: Figure): boolean | undefined {
  const { target, value } = figure;
  if (!target) return undefined;
  if (!Number.isFinite(value)) return false;
  if (target.equals !== undefined && value !== target.equals) return false;
  if (target.max !== undefined && value > target.max) return false;
  if (target.min !== undefined && value < target.min) return false;
  return true;
}

export class Figures {
  readonly list: Figure[] = [];
  /** Sections that could not run, with the reason: reported, not silently absent. */
  readonly notDone: Record<string, string> = {};

  value(name: string): number | undefined {
    return this.list.find((f) => f.name === name)?.value;
  }

  add(name: string, value: number, target?: Target, note?: string): void {
    if (this.list.some((f) => f.name === name)) throw new Error(`figure ${name} reported twice`);
    this.list.push({ name, value, ...(target ? { target } : {}), ...(note ? { note } : {}) });
  }

  /** p50/p95/p99/min/max of a latency summary, in ms, under `prefix`. */
  addSummary(prefix: string, s: { min: number; p50: number; p95: number; p99: number; max: number }, p50Target?: Target): void {
    this.add(`${prefix}.p50_ms`, s.p50, p50Target);
    this.add(`${prefix}.p95_ms`, s.p95);
    this.add(`${prefix}.p99_ms`, s.p99);
    this.add(`${prefix}.min_ms`, s.min);
    this.add(`${prefix}.max_ms`, s.max);
  }
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3);
}

function describeTarget(target: Target | undefined): string {
  if (!target) return '';
  if (target.equals !== undefined) return `= ${target.equals}`;
  if (target.min !== undefined) return `≥ ${target.min}`;
  return `≤ ${target.max}`;
}

/** A fixed-width table: figure, measured, target, status (MISS marked). */
export function table(figures: Figures): string {
  const rows = figures.list.map((f) => {
    const ok = met(f);
    return [f.name, format(f.value), describeTarget(f.target), ok === undefined ? '' : ok ? 'ok' : 'MISS ✗'];
  });
  const header = ['figure', 'measured', 'target', 'status'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  for (const [section, reason] of Object.entries(figures.notDone)) out.push(`NOT DONE ${section}: ${reason}`);
  return out.join('\n');
}

/** The same table as Markdown, for BENCHMARKS.md. */
export function markdownTable(figures: Figures): string {
  const out = ['| figure | measured | target | status |', '|---|---:|---|---|'];
  for (const f of figures.list) {
    const ok = met(f);
    out.push(
      `| \`${f.name}\` | ${format(f.value)} | ${describeTarget(f.target)} | ${ok === undefined ? '' : ok ? 'ok' : '**MISS**'} |`,
    );
  }
  for (const [section, reason] of Object.entries(figures.notDone)) out.push(`| ${section} | not done | | ${reason} |`);
  return out.join('\n');
}
