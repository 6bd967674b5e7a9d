/** openapi.yaml and serverless.yml describe the same routes, with the same auth: they cannot drift. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { loadCfnYaml } from '../support/cfn-yaml';

const ROOT = path.join(__dirname, '..', '..');

type Route = { route: string; auth: boolean };

function serverlessRoutes(): Route[] {
  const doc = loadCfnYaml<{
    functions: Record<string, { events?: Array<{ httpApi?: { method: string; path: string; authorizer?: { name: string } } }> }>;
  }>('serverless.yml');
  return Object.values(doc.functions)
    .flatMap((fn) => fn.events ?? [])
    .flatMap((event) => (event.httpApi ? [event.httpApi] : []))
    .map((http) => ({ route: `${http.method.toUpperCase()} ${http.path}`, auth: http.authorizer?.name === 'cognito' }))
    .sort((a, b) => a.route.localeCompare(b.route));
}

function openApiRoutes(): Route[] {
  const doc = yaml.load(readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8')) as {
    security?: unknown[];
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  const methods = new Set(['get', 'post', 'put', 'patch', 'delete']);
  return Object.entries(doc.paths)
    .flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([method]) => methods.has(method))
        .map(([method, op]) => ({ route: `${method.toUpperCase()} ${p}`, auth: (op.security ?? doc.security ?? []).length > 0 })),
    )
    .sort((a, b) => a.route.localeCompare(b.route));
}

describe('openapi.yaml', () => {
  test('lists exactly the httpApi routes of serverless.yml, each with the same auth (Cognito or public)', () => {
    const routes = serverlessRoutes();
    expect(routes.length).toBeGreaterThan(0);
    expect(openApiRoutes()).toEqual(routes);
  });

  test('is an OpenAPI 3 document whose local $refs all resolve', () => {
    const text = readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8');
    const doc = yaml.load(text) as Record<string, any>;
    expect(String(doc.openapi)).toMatch(/^3\./);
    for (const [, ref] of text.matchAll(/\$ref: '#\/([^']+)'/g)) {
      const target = ref!.split('/').reduce((node: any, key) => node?.[key], doc);
      expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
    }
  });
});
