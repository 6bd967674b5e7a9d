/** serverless.yml and resources/*.yml as data: CloudFormation short-form tags (!Ref, !If…) parse to their content. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

const anyTag = (['scalar', 'sequence', 'mapping'] as const).map(
  (kind) => new yaml.Type('!', { kind, multi: true, construct: (data: unknown) => data }),
);
const schema = yaml.DEFAULT_SCHEMA.extend(anyTag);

export function loadCfnYaml<T>(relativePath: string): T {
  return yaml.load(readFileSync(join(__dirname, '../..', relativePath), 'utf8'), { schema }) as T;
}
