/**
 * The HTTP floor for `npm run bench` (section 2): a trivial handler behind the same offline
 * server and the same Cognito JWT authorizer settings as the real routes, so that
 * route time minus floor time is what our handlers add. Wired in serverless.yml for the
 * offline `dev` stage only (params.dev.benchFloor); never packaged for a deployed stage.
 */
export async function handler(): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  return { statusCode: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"ok":true}' };
}
