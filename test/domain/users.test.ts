import { db } from '../../domain/dynamodb';
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from '../../domain/errors';
import { keys } from '../../domain/keys';
import {
  createUserProfile,
  findUserByCognitoSub,
  findUserByHandle,
  findUserByUuid,
  getUserByHandle,
  acceptToken,
  linkCognitoSub,
  registerCognitoUser,
  setUserAccess,
} from '../../domain/users';
import { getItem, uniqueHandle } from '../support/fixtures';
import { randomUUID } from 'node:crypto';

describe('user profiles', () => {
  it('are found by uuid, by handle (any case) and by Cognito sub', async () => {
    const handle = uniqueHandle('Mixed');
    const sub = randomUUID();
    const created = await createUserProfile({ handle, display_name: 'Mixed Case', email: 'm@example.com', cognito_user_id: sub });
    expect(await findUserByUuid(created.uuid)).toEqual(created);
    expect(await findUserByHandle(handle.toUpperCase())).toEqual(created);
    expect(await findUserByCognitoSub(sub)).toEqual(created);
  });

  it('reject a handle already taken in another letter case, writing nothing', async () => {
    const handle = uniqueHandle('taken');
    await createUserProfile({ handle, display_name: 'First' });
    const uuid = randomUUID();
    await expect(createUserProfile({ uuid, handle: handle.toUpperCase(), display_name: 'Second' })).rejects.toThrow(
      ConflictError,
    );
    expect(await getItem(keys.userProfile(uuid))).toBeUndefined();
  });

  it.each([
    ['a NUL', 'Ada\u0000'],
    ['a newline (a forged log line)', 'Ada\nINFO admin logged in'],
    ['an ESC sequence', '\u001b[31mAda'],
    ['a bidi override', 'Ada \u202Enimda'],
    ['only zero-width characters', '\u200B\u200C'],
    ['HTML', '<script>alert(1)</script>'],
  ])('refuse a display name with %s, writing nothing', async (_label, display_name) => {
    const uuid = randomUUID();
    await expect(createUserProfile({ uuid, handle: uniqueHandle('name'), display_name })).rejects.toThrow(ValidationError);
    expect(await getItem(keys.userProfile(uuid))).toBeUndefined();
  });

  it('let exactly one of 20 concurrent sign-ups with the same handle win', async () => {
    const handle = uniqueHandle('race');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => createUserProfile({ handle, display_name: `Racer ${i}` })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .forEach((r) => expect(r.reason).toBeInstanceOf(ConflictError));
    const winner = (won[0] as PromiseFulfilledResult<{ uuid: string }>).value;
    expect((await getUserByHandle(handle)).uuid).toBe(winner.uuid);
  });

  it('reject invalid handles before touching the table', async () => {
    await expect(createUserProfile({ handle: 'bad#handle', display_name: 'X' })).rejects.toThrow(ValidationError);
    await expect(getUserByHandle('../etc')).rejects.toThrow(ValidationError);
  });

  it('report an unknown handle as not found', async () => {
    await expect(getUserByHandle(uniqueHandle('nobody'))).rejects.toThrow(NotFoundError);
  });

  it('link to a Cognito sub once, idempotently, and refuse a second sub', async () => {
    const handle = uniqueHandle('link');
    await createUserProfile({ handle, display_name: 'Linkable' });
    const sub = randomUUID();
    const linked = await linkCognitoSub(handle, sub);
    expect(linked.cognito_user_id).toBe(sub);
    expect(await linkCognitoSub(handle, sub)).toEqual(linked);
    expect(await findUserByCognitoSub(sub)).toEqual(linked);
    expect((await findUserByHandle(handle))?.cognito_user_id).toBe(sub);
    await expect(linkCognitoSub(handle, randomUUID())).rejects.toThrow(ConflictError);
  });
});

describe('registering a confirmed Cognito user', () => {
  it('links an unlinked profile with the same handle only when the email is verified', async () => {
    const handle = uniqueHandle('seeded');
    const seeded = await createUserProfile({ handle, display_name: 'Seeded', email: 'Seeded@Example.com' });
    const claim = { sub: randomUUID(), handle, display_name: 'Claimant', email: 'seeded@example.com' };

    await expect(registerCognitoUser({ ...claim, emailVerified: false })).rejects.toThrow(ConflictError);
    expect((await findUserByHandle(handle))?.cognito_user_id).toBeUndefined();

    const { profile, outcome } = await registerCognitoUser({ ...claim, emailVerified: true });
    expect(outcome).toBe('linked');
    expect(profile).toMatchObject({ uuid: seeded.uuid, cognito_user_id: claim.sub });
  });

  it('does not link a profile whose email only matches after Unicode case folding (Kelvin sign)', async () => {
    const handle = uniqueHandle('kat');
    await createUserProfile({ handle, display_name: 'Kat', email: 'kat@example.com' });
    const claim = { sub: randomUUID(), handle, display_name: 'Impostor', email: '\u212Aat@example.com', emailVerified: true };
    await expect(registerCognitoUser(claim)).rejects.toThrow(ConflictError);
    expect((await findUserByHandle(handle))?.cognito_user_id).toBeUndefined();
  });

  it('is idempotent for a retried trigger, and refuses a handle that belongs to someone else', async () => {
    const user = {
      sub: randomUUID(),
      handle: uniqueHandle('new'),
      display_name: 'New',
      email: 'n@example.com',
      emailVerified: true,
    };
    const [first, second] = await Promise.all([registerCognitoUser(user), registerCognitoUser(user)]);
    expect(first.profile).toEqual(second.profile);
    expect((await registerCognitoUser(user)).outcome).toBe('existing');
    await expect(registerCognitoUser({ ...user, sub: randomUUID(), email: 'other@example.com' })).rejects.toThrow(ConflictError);
  });

  it("a retried trigger whose twin creates the profile between its two reads gets the twin's profile, not a conflict", async () => {
    const user = {
      sub: randomUUID(),
      handle: uniqueHandle('twin'),
      display_name: 'Twin',
      email: 't@example.com',
      emailVerified: true,
    };
    // Hold the late call just after its read by sub (nothing there yet) until the twin has finished.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    const name = 'hold-first-sub-read';
    db().middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        const input = JSON.stringify((args as { input?: unknown }).input ?? {});
        if (context.commandName === 'GetItemCommand' && input.includes(`USER#SUB#${user.sub}`) && held++ === 0) await released;
        return out;
      },
      { step: 'initialize', name },
    );
    try {
      const late = registerCognitoUser(user);
      for (let wait = 0; held === 0; wait++) {
        if (wait > 2000) throw new Error('the late call never read by sub');
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const twin = await registerCognitoUser(user);
      expect(twin.outcome).toBe('created');
      release();
      expect(await late).toEqual({ profile: twin.profile, outcome: 'existing' });
    } finally {
      db().middlewareStack.remove(name);
    }
  });
});

describe('user access (revoke, disable, delete)', () => {
  const at = new Date('2026-12-01T12:00:00.400Z');
  const seconds = Math.floor(at.getTime() / 1000);

  async function linkedUser() {
    return createUserProfile({ handle: uniqueHandle('acc'), display_name: 'Access', cognito_user_id: randomUUID() });
  }

  /** The profile as each of its three items holds it. */
  async function copies(profile: { uuid: string; handle: string; cognito_user_id?: string }) {
    return Promise.all([
      getItem(keys.userProfile(profile.uuid)),
      getItem(keys.userHandle(profile.handle)),
      getItem(keys.userCognitoSub(profile.cognito_user_id as string)),
    ]);
  }

  it('revoke-tokens sets tokens_valid_after to the next whole second on all three items', async () => {
    const user = await linkedUser();
    const changed = await setUserAccess(user.handle, 'revoke-tokens', at);
    expect(changed.tokens_valid_after).toBe(seconds + 1);
    for (const item of await copies(user)) expect(item).toMatchObject({ uuid: user.uuid, tokens_valid_after: seconds + 1 });
    expect(await findUserByCognitoSub(user.cognito_user_id as string)).toEqual(changed);
  });

  it('disable, enable and delete change the three items alike; a deleted user is not found by handle', async () => {
    const user = await linkedUser();
    await setUserAccess(user.handle, 'disable', at);
    for (const item of await copies(user)) expect(item).toMatchObject({ disabled: true });
    await setUserAccess(user.handle, 'enable', at);
    for (const item of await copies(user)) expect(item).not.toHaveProperty('disabled');
    await setUserAccess(user.handle, 'delete', at);
    for (const item of await copies(user)) expect(item).toMatchObject({ deleted_at: at.toISOString() });
    await expect(getUserByHandle(user.handle)).rejects.toThrow(NotFoundError);
    await expect(setUserAccess(user.handle, 'enable', at)).rejects.toThrow(ConflictError);
    // The handle stays reserved.
    await expect(createUserProfile({ handle: user.handle, display_name: 'Taker' })).rejects.toThrow(ConflictError);
  });

  it('acceptToken refuses deleted and disabled users and sign-ins before tokens_valid_after', () => {
    const base = { uuid: randomUUID(), handle: 'h', display_name: 'H' };
    expect(() => acceptToken(base, 0)).not.toThrow();
    expect(() => acceptToken({ ...base, tokens_valid_after: 100 }, 99)).toThrow(UnauthenticatedError);
    expect(() => acceptToken({ ...base, tokens_valid_after: 100 }, 100)).not.toThrow();
    expect(() => acceptToken({ ...base, tokens_valid_after: 100 }, Number.NaN)).toThrow(UnauthenticatedError);
    expect(() => acceptToken({ ...base, disabled: true }, 200)).toThrow('this account is disabled');
    expect(() => acceptToken({ ...base, deleted_at: '2026-12-01T00:00:00.000Z' }, 200)).toThrow('this account was deleted');
  });

  it('an unknown handle is not found and writes nothing', async () => {
    await expect(setUserAccess(uniqueHandle('ghost'), 'delete', at)).rejects.toThrow(NotFoundError);
  });
});
