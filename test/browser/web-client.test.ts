/**
 * The example web client (examples/web: the real aws-amplify v6, bundled by esbuild) in
 * Debian's Chromium, driven by playwright-core, against the seeded offline stack: sign in
 * with Amplify's default flow (SRP), list conversations, open one, send a message, the other
 * member reads it, and Amplify refreshes the session with the refresh token. The page is configured only from the stack's web-config.json.
 *
 * On failure: a screenshot, the page's console and its network log are kept in
 * .local/browser-artifacts/<time>/ (git-ignored) and the folder is printed.
 * CHROMIUM_PATH overrides /usr/bin/chromium.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { serveExample } from '../../examples/web/serve';
import { demoUsers } from '../../seeds/demo-data';
import { api, login, stack } from '../support/stack';

const ROOT = path.join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium hangs on a closed network (update checks, sync…).
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Logs {
  console: string[];
  network: string[];
  cognito: Array<{ target: string; body: Record<string, unknown> }>;
}

function record(page: Page, logs: Logs): void {
  page.on('console', (message) => logs.console.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => logs.console.push(`[pageerror] ${error.stack ?? error.message}`));
  page.on('request', (request) => {
    const body = request.postData();
    logs.network.push(`→ ${request.method()} ${request.url()}${body ? ` ${body.slice(0, 2000)}` : ''}`);
    const target = request.headers()['x-amz-target'];
    if (target && body) logs.cognito.push({ target: target.split('.').pop() ?? target, body: JSON.parse(body) });
  });
  page.on('response', (response) => logs.network.push(`← ${response.status()} ${response.request().method()} ${response.url()}`));
  page.on('requestfailed', (request) =>
    logs.network.push(`✗ ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`),
  );
}

async function keepArtifacts(page: Page | undefined, logs: Logs): Promise<string> {
  const dir = path.join(ROOT, '.local', 'browser-artifacts', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  if (page) await page.screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true }).catch(() => undefined);
  if (page) writeFileSync(path.join(dir, 'page.html'), await page.content().catch(() => ''));
  writeFileSync(path.join(dir, 'console.log'), `${logs.console.join('\n')}\n`);
  writeFileSync(path.join(dir, 'network.log'), `${logs.network.join('\n')}\n`);
  return dir;
}

describe('example web client (aws-amplify v6) in Chromium', () => {
  let context: BrowserContext | undefined;
  let profileDir: string;
  let site: { url: string; close(): Promise<void> } | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH`);
    site = await serveExample({ port: Number(process.env.STACK_PAGE_PORT), webConfigFile: stack().webConfigFile });
    profileDir = mkdtempSync(path.join(tmpdir(), 'cruddur-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 60_000,
    });
  });

  afterAll(async () => {
    await context?.close();
    await site?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  test('signs in with SRP, lists conversations, opens one, sends a message the other member can read, shows their reply by push, refreshes the session', async () => {
    const ada = demoUsers.ada;
    const logs: Logs = { console: [], network: [], cognito: [] };
    const page = await context!.newPage();
    record(page, logs);
    const started = Date.now();
    try {
      await page.goto(site!.url);
      await page.locator('#signin-section').waitFor();
      await page.fill('#email', ada.email);
      await page.fill('#password', ada.password);
      await page.click('#signin-button');
      // The list, or the page's own error line (then fail at once with its text).
      await page.locator('#conversations button, #status.error').first().waitFor({ timeout: 30_000 });
      expect((await page.locator('#status.error').count()) ? await page.textContent('#status') : 'no error').toBe('no error');

      // Amplify's default flow, unchanged: SRP, answered by the local Cognito.
      expect(logs.cognito.map((c) => [c.target, c.body.AuthFlow ?? c.body.ChallengeName])).toEqual([
        ['InitiateAuth', 'USER_SRP_AUTH'],
        ['RespondToAuthChallenge', 'PASSWORD_VERIFIER'],
      ]);
      expect(await page.textContent('#me')).toBe(ada.email);

      const conversations = page.locator('#conversations button');
      expect(await conversations.count()).toBeGreaterThan(0);
      const first = conversations.first();
      const groupUuid = (await first.getAttribute('data-uuid'))!;
      const partnerHandle = /\(@([^)]+)\)/.exec((await first.textContent()) ?? '')?.[1];
      await first.click();
      await page.locator('#messages li').first().waitFor();
      const before = await page.locator('#messages li').count();

      const text = `Hello from the browser ${started}`;
      await page.fill('#message', text);
      await page.click('#send-button');
      await page.locator('#messages li', { hasText: text }).waitFor();
      expect(await page.locator('#messages li').count()).toBe(before + 1);
      expect(await page.locator('#messages li').last().textContent()).toBe(`${ada.display_name}: ${text}`);

      // The other member of the conversation reads it through the API.
      const partner = Object.values(demoUsers).find((u) => u.handle === partnerHandle);
      expect(partner).toBeDefined();
      const { accessToken } = await login(partner!.email, partner!.password);
      const read = await api('GET', `/api/messages/${groupUuid}`, { token: accessToken });
      expect(read.status).toBe(200);
      expect(read.body.at(-1)).toMatchObject({ message: text, handle: ada.handle });

      // The other member answers: the page shows it by push over the WebSocket API, without a reload.
      await page.locator('body[data-realtime="open"]').waitFor({ timeout: 15_000 });
      const reply = `Reply by push ${started}`;
      const sent = await api('POST', '/api/messages', {
        token: accessToken,
        json: { message_group_uuid: groupUuid, message: reply },
      });
      expect(sent.status).toBe(200);
      await page.locator('#messages li[data-pushed="true"]', { hasText: reply }).waitFor({ timeout: 15_000 });
      expect(await page.locator('#messages li').last().textContent()).toBe(`${partner!.display_name}: ${reply}`);
      expect(await page.locator('#messages li', { hasText: text }).count()).toBe(1);

      // Amplify v6's token refresh (GetTokensFromRefreshToken with the refresh token of the SRP sign-in).
      await page.click('#refresh');
      await page.locator('#status', { hasText: /Session refreshed|Refresh failed/ }).waitFor();
      expect(await page.textContent('#status')).toBe('Session refreshed');
      expect(logs.cognito.at(-1)).toMatchObject({
        target: 'GetTokensFromRefreshToken',
        body: { RefreshToken: expect.any(String) },
      });

      const signInMs = Number(await page.getAttribute('body', 'data-sign-in-ms'));
      console.log(`browser test: SRP sign-in in the page ${signInMs} ms; whole flow ${Date.now() - started} ms`);
    } catch (error) {
      const dir = await keepArtifacts(page, logs);
      console.error(`browser test failed: screenshot, console and network log in ${dir}`);
      throw error;
    } finally {
      await page.close();
    }
  });
});
