/**
 * `npm run -s listen -- ada` (or an email and password, as `npm run token`): connects to the
 * local WebSocket API started by `npm start` as that user and prints every event, one JSON
 * line each. Node 24's global WebSocket; the token goes in the subprotocol list (README,
 * Realtime). WEBSOCKET_URL overrides ws://localhost:3001. Ctrl-C to stop.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const url = process.env.WEBSOCKET_URL ?? 'ws://localhost:3001';
const args = process.argv.slice(2);
if (!args[0]) throw new Error('usage: npm run -s listen -- <email or demo handle> [password]');
const token = execFileSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'token.ts'), ...args], {
  encoding: 'utf8',
}).trim();

const socket = new WebSocket(url, ['cruddur.v1', token]);
socket.onopen = () => {
  process.stderr.write(`listening on ${url} as ${args[0]}\n`);
  // Keep-alive: API Gateway closes a connection idle for 10 minutes.
  setInterval(() => socket.send(JSON.stringify({ type: 'ping' })), 5 * 60 * 1000).unref();
};
socket.onmessage = (event) => process.stdout.write(`${event.data}\n`);
socket.onerror = () => process.stderr.write(`listen: cannot connect to ${url} (is npm start running? is the token accepted?)\n`);
socket.onclose = (event) => process.exit(event.code === 1000 ? 0 : 1);
