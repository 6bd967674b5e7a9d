/**
 * The packaged prod template (see test/support/template-setup.ts) and the few CloudFormation
 * semantics the assertions need: conditions evaluated for the packaged parameter values,
 * `Fn::If` resolved to the branch CloudFormation would take, `AWS::NoValue` dropped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, Json>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
}
export interface Template {
  Conditions?: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: Json; Condition?: string }>;
}

export function packageDir(): string {
  const dir = process.env.CRUDDUR_TEMPLATE_DIR;
  if (!dir) throw new Error('CRUDDUR_TEMPLATE_DIR is not set: run through the jest `template` project');
  return dir;
}

export function loadTemplate(): Template {
  return JSON.parse(readFileSync(join(packageDir(), 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

const NO_VALUE = Symbol('AWS::NoValue');

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Evaluates a condition expression; only literal comparisons are expected at package time. */
export function evaluateCondition(template: Template, expression: Json, overrides: Record<string, boolean> = {}): boolean {
  if (!isObject(expression)) throw new Error(`not a condition: ${JSON.stringify(expression)}`);
  const [fn, args] = Object.entries(expression)[0] ?? [];
  const list = args as Json[];
  switch (fn) {
    case 'Condition': {
      const name = args as string;
      if (name in overrides) return overrides[name] as boolean;
      const body = template.Conditions?.[name];
      if (body === undefined) throw new Error(`unknown condition ${name}`);
      return evaluateCondition(template, body, overrides);
    }
    case 'Fn::Equals': {
      const [a, b] = list;
      if (typeof a !== 'string' || typeof b !== 'string') {
        throw new Error(`Fn::Equals must compare two literal strings at package time: ${JSON.stringify(list)}`);
      }
      return a === b;
    }
    case 'Fn::Not':
      return !evaluateCondition(template, list[0] as Json, overrides);
    case 'Fn::And':
      return list.every((c) => evaluateCondition(template, c, overrides));
    case 'Fn::Or':
      return list.some((c) => evaluateCondition(template, c, overrides));
    default:
      throw new Error(`unsupported condition function ${fn}`);
  }
}

export function conditionHolds(template: Template, name: string, overrides: Record<string, boolean> = {}): boolean {
  return evaluateCondition(template, { Condition: name }, overrides);
}

function resolveValue(template: Template, value: Json, overrides: Record<string, boolean>): Json | typeof NO_VALUE {
  if (Array.isArray(value)) {
    return value.map((v) => resolveValue(template, v, overrides)).filter((v): v is Json => v !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  if (value.Ref === 'AWS::NoValue') return NO_VALUE;
  const ifArgs = value['Fn::If'];
  if (Array.isArray(ifArgs) && Object.keys(value).length === 1) {
    const [name, whenTrue, whenFalse] = ifArgs as [string, Json, Json];
    return resolveValue(template, conditionHolds(template, name, overrides) ? whenTrue : whenFalse, overrides);
  }
  const out: Record<string, Json> = {};
  for (const [key, v] of Object.entries(value)) {
    const resolved = resolveValue(template, v, overrides);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/**
 * The template as CloudFormation would create it: resources whose condition is false are
 * gone, every Fn::If takes its branch. `overrides` forces conditions (e.g. VpcMode on).
 */
export function effectiveTemplate(template: Template, overrides: Record<string, boolean> = {}): Template {
  const resources: Record<string, Resource> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Condition && !conditionHolds(template, resource.Condition, overrides)) continue;
    resources[id] = resolveValue(template, resource as unknown as Json, overrides) as unknown as Resource;
  }
  const outputs: NonNullable<Template['Outputs']> = {};
  for (const [id, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition && !conditionHolds(template, output.Condition, overrides)) continue;
    outputs[id] = resolveValue(template, output as unknown as Json, overrides) as unknown as { Value: Json };
  }
  return { ...(template.Conditions ? { Conditions: template.Conditions } : {}), Resources: resources, Outputs: outputs };
}

export function resourcesOfType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export function resource(template: Template, id: string): Resource {
  const found = template.Resources[id];
  if (!found) throw new Error(`no resource ${id} in the template`);
  return found;
}

/** Every policy statement anywhere in the template (roles, managed policies, bucket, queue, topic and endpoint policies). */
export function policyStatements(template: Template): Array<{ where: string; statement: Record<string, Json> }> {
  const found: Array<{ where: string; statement: Record<string, Json> }> = [];
  const walk = (value: Json, where: string): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${where}[${i}]`));
      return;
    }
    if (!isObject(value)) return;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Statement') {
        const list = Array.isArray(v) ? v : [v];
        list.forEach((statement, i) => {
          if (isObject(statement)) found.push({ where: `${where}.Statement[${i}]`, statement });
          else walk(statement, `${where}.Statement[${i}]`);
        });
      } else {
        walk(v, `${where}.${key}`);
      }
    }
  };
  for (const [id, r] of Object.entries(template.Resources)) walk(r as unknown as Json, id);
  return found;
}

export function asList(value: Json | undefined): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The CloudFormation name for a function's resources: `createMessage` → `CreateMessage`. */
export function logicalName(functionName: string): string {
  return functionName.charAt(0).toUpperCase() + functionName.slice(1);
}
