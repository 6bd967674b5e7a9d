/**
 * `npm run -s token -- ada@example.com` (or `-- ada`): prints an access token for a user of
 * the local Cognito started by `npm start`, for curl:
 *
 *   curl -H "Authorization: Bearer $(npm run -s token -- ada)" http://localhost:3000/api/message_groups
 *
 * Demo users (seeds/demo-data.ts) need no password; any other user passes it second.
 * `--id` prints the ID token instead (which the API rejects: it wants access tokens).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { login, stateFile } from '../local/cognito';
import { demoUsers } from '../seeds/demo-data';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const wantId = args.includes('--id');
  const [who, givenPassword] = args.filter((a) => a !== '--id');
  if (!who) throw new Error('usage: npm run -s token -- <email or demo handle> [password] [--id]');
  const demo = Object.values(demoUsers).find((u) => u.email === who.toLowerCase() || u.handle === who.replace(/^@/, ''));
  const email = demo?.email ?? who;
  const password = givenPassword ?? demo?.password;
  if (!password) throw new Error(`${who} is not a demo user: pass the password after the email`);

  const dir = path.resolve(__dirname, '..', process.env.COGNITO_PATH ?? '.local/cognito');
  let state: { endpoint: string; clientId: string };
  try {
    state = JSON.parse(readFileSync(stateFile(dir), 'utf8'));
  } catch {
    throw new Error(`no local Cognito recorded in ${dir}: start the stack first (npm start)`);
  }
  const tokens = await login({ endpoint: state.endpoint, clientId: state.clientId, email, password });
  process.stdout.write(`${wantId ? tokens.idToken : tokens.accessToken}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`token: ${error.message}\n`);
  process.exit(1);
});
