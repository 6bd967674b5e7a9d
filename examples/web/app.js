// The example web client: the real aws-amplify v6 library, configured only from the values
// `npm start` writes to .local/web-config.json (served here as /web-config.json). Amplify signs
// in with its default flow, SRP (USER_SRP_AUTH), against the local Cognito; the API calls carry
// the access token, as the Cruddur React client does.
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';

const $ = (id) => document.getElementById(id);
const config = await (await fetch('/web-config.json')).json();

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: config.userPoolId,
      userPoolClientId: config.userPoolClientId,
      // Only for the local stack: where the user pool API answers instead of cognito-idp.<region>.amazonaws.com.
      userPoolEndpoint: config.userPoolEndpoint,
    },
  },
});

let current; // the open conversation: { uuid, handle, display_name }
let socket; // the realtime connection (README, Realtime): events for the signed-in user's conversations

function status(text, error = false) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

async function accessToken() {
  const session = await fetchAuthSession();
  const token = session.tokens?.accessToken?.toString();
  if (!token) throw new Error('not signed in');
  return token;
}

async function callApi(method, path, body) {
  const response = await fetch(`${config.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await accessToken()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(json.error?.message ?? json.message ?? `HTTP ${response.status}`);
  return json;
}

function item(text, attributes = {}) {
  const li = document.createElement('li');
  li.textContent = text;
  Object.assign(li.dataset, attributes);
  return li;
}

async function showConversations() {
  const groups = await callApi('GET', '/api/message_groups');
  const list = $('conversations');
  list.replaceChildren(
    ...groups.map((g) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.uuid = g.uuid;
      button.textContent = `${g.display_name} (@${g.handle}): ${g.message}`;
      button.addEventListener('click', () => openConversation(g).catch((e) => status(e.message, true)));
      return button;
    }),
  );
  status(`${groups.length} conversation(s)`);
}

function showMessage(m, attributes = {}) {
  // Delivery is at least once, and our own sends come back too: one line per message uuid.
  if (document.querySelector(`#messages li[data-uuid="${m.uuid}"]`)) return;
  $('messages').append(item(`${m.display_name}: ${m.message}`, { uuid: m.uuid, ...attributes }));
}

/** Pushes from the WebSocket API: new messages of the open conversation appear without a reload. */
async function connectRealtime() {
  socket?.close();
  // Browsers cannot set headers on a WebSocket: the token travels as the second subprotocol.
  socket = new WebSocket(config.websocketUrl, ['cruddur.v1', await accessToken()]);
  socket.addEventListener('open', () => (document.body.dataset.realtime = 'open'));
  socket.addEventListener('close', () => (document.body.dataset.realtime = 'closed'));
  socket.addEventListener('message', (event) => {
    const data = JSON.parse(event.data);
    if (data.type === 'message.created' && data.message_group_uuid === current?.uuid)
      showMessage(data.message, { pushed: 'true' });
  });
}

async function openConversation(group) {
  current = group;
  $('conversation-title').textContent = `With ${group.display_name} (@${group.handle})`;
  const messages = await callApi('GET', `/api/messages/${group.uuid}`);
  // The latest page, oldest → newest (X-Next-Cursor would page to older ones).
  $('messages').replaceChildren();
  for (const m of messages) showMessage(m);
  $('conversation-section').hidden = false;
  status(`${messages.length} message(s) with @${group.handle}`);
}

async function showSignedIn() {
  const session = await fetchAuthSession();
  $('me').textContent = session.tokens?.idToken?.payload?.email ?? '';
  $('signin-section').hidden = true;
  $('app-section').hidden = false;
  await Promise.all([showConversations(), connectRealtime()]);
}

$('signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  status('Signing in…');
  try {
    const started = performance.now();
    const { isSignedIn, nextStep } = await signIn({ username: $('email').value, password: $('password').value });
    if (!isSignedIn) throw new Error(`sign-in needs another step: ${nextStep.signInStep}`);
    document.body.dataset.signInMs = String(Math.round(performance.now() - started));
    await showSignedIn();
  } catch (error) {
    status(`Sign-in failed: ${error.name}: ${error.message}`, true);
  }
});

$('send').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await callApi('POST', '/api/messages', { message: $('message').value, message_group_uuid: current.uuid });
    $('message').value = '';
    await openConversation(current);
  } catch (error) {
    status(`Send failed: ${error.message}`, true);
  }
});

$('refresh').addEventListener('click', async () => {
  try {
    const before = (await fetchAuthSession()).tokens?.accessToken?.toString();
    const after = (await fetchAuthSession({ forceRefresh: true })).tokens?.accessToken?.toString();
    if (!after || after === before) throw new Error('no new access token');
    await showConversations();
    status('Session refreshed');
  } catch (error) {
    status(`Refresh failed: ${error.message}`, true);
  }
});

$('signout').addEventListener('click', async () => {
  await signOut();
  location.reload();
});

try {
  await fetchAuthSession().then((s) => (s.tokens ? showSignedIn() : Promise.reject(new Error('signed out'))));
} catch {
  $('signin-section').hidden = false;
  status(`Local stack: API ${config.apiUrl}, Cognito ${config.userPoolEndpoint}`);
}
