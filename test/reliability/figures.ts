/**
 * Figures the suite proves, recorded by each test file (one JSON line each) and printed by
 * the global teardown. A figure may carry its own limit; the teardown fails the run when a
 * recorded figure breaks it, in addition to the tests' own assertions.
 */
import { appendFileSync } from 'node:fs';

export interface Figure {
  area: string;
  name: string;
  value: number;
  unit?: string;
  /** The figure must be at most this (e.g. leaks: 0). */
  max?: number;
  /** The figure must be at least this (e.g. inputs tried: 2000). */
  min?: number;
}

export function recordFigure(figure: Figure): void {
  const file = process.env.RELIABILITY_FIGURES;
  if (!file) throw new Error('RELIABILITY_FIGURES is not set: run through jest.reliability.config.js');
  appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

export function summarize(lines: string): { text: string; violations: string[] } {
  const figures = lines
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Figure);
  const violations: string[] = [];
  const rows = figures.map((f) => {
    const broken = (f.max !== undefined && f.value > f.max) || (f.min !== undefined && f.value < f.min);
    if (broken) violations.push(`${f.area}: ${f.name} = ${f.value}`);
    const limit = f.max !== undefined ? `≤ ${f.max}` : f.min !== undefined ? `≥ ${f.min}` : '';
    return `  ${f.area.padEnd(12)} ${f.name.padEnd(52)} ${String(f.value).padStart(8)} ${(f.unit ?? '').padEnd(3)} ${limit.padEnd(8)} ${broken ? 'VIOLATION' : limit ? 'ok' : ''}`;
  });
  const text = ['Reliability and security figures', ...rows, `  ${violations.length} violation(s)`].join('\n');
  return { text, violations };
}
