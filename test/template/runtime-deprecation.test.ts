/**
 * Deprecation guard: every function of the packaged prod stack runs a Lambda runtime that is
 * neither deprecated nor blocked for create/update today, per resources/lambda-runtimes.json
 * (the one table of runtime dates, with its source). The next deprecation fails CI from its
 * deprecation day, months before Lambda refuses the deploy.
 */
import runtimeTable from '../../resources/lambda-runtimes.json';
import { effectiveTemplate, loadTemplate, resourcesOfType } from './template';

interface RuntimeDates {
  deprecation: string;
  blockCreate: string;
  blockUpdate: string;
}
const RUNTIMES: Record<string, RuntimeDates> = runtimeTable.runtimes;

/** Why `runtime` cannot be deployed (or should not be any more) on `today`, or undefined when it is fine. */
function runtimeProblem(runtime: string, today: string, table: Record<string, RuntimeDates> = RUNTIMES): string | undefined {
  const dates = table[runtime];
  if (!dates) return `${runtime} is not in resources/lambda-runtimes.json: add its dates from the Lambda runtimes page`;
  const passed = (['deprecation', 'blockCreate', 'blockUpdate'] as const).filter((stage) => dates[stage] <= today);
  return passed.length === 0 ? undefined : `${runtime} is past ${passed.map((stage) => `${stage} (${dates[stage]})`).join(', ')}`;
}

const today = new Date().toISOString().slice(0, 10);
const functions = resourcesOfType(effectiveTemplate(loadTemplate()), 'AWS::Lambda::Function');

test('the packaged stack has functions to check', () => {
  expect(functions.length).toBeGreaterThanOrEqual(6);
});

test.each(functions.map(([id, fn]) => [id, String(fn.Properties?.Runtime)]))(
  '%s runs %s, which Lambda neither deprecates nor blocks as of today',
  (_id, runtime) => {
    expect(runtimeProblem(runtime, today)).toBeUndefined();
  },
);

describe('the guard itself', () => {
  test('refuses a runtime that is already blocked (nodejs18.x) and one past deprecation only (nodejs20.x on 2026-05-01)', () => {
    expect(runtimeProblem('nodejs18.x', today)).toMatch(/past deprecation .*blockCreate .*blockUpdate/);
    expect(runtimeProblem('nodejs20.x', '2026-05-01')).toBe('nodejs20.x is past deprecation (2026-04-30)');
  });

  test('refuses a runtime missing from the table, and accepts one before its deprecation day', () => {
    expect(runtimeProblem('nodejs26.x', today)).toMatch(/not in resources\/lambda-runtimes.json/);
    expect(runtimeProblem('nodejs24.x', '2028-04-29')).toBeUndefined();
    expect(runtimeProblem('nodejs24.x', '2028-04-30')).toMatch(/past deprecation/);
  });
});
