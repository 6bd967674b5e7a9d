/**
 * User profiles. Three items per user, each a full copy of the profile, so lookup by uuid,
 * by handle and by Cognito sub is one GetItem each; the handle and sub items exist to make
 * DynamoDB itself enforce uniqueness (conditional puts in one transaction).
 *
 * Requests: create 1 (TransactWriteItems), each lookup 1 (GetItem), link 1 (TransactWriteItems).
 */
import { cacheConfig } from './config';
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from './errors';
import { newUuid } from './ids';
import { profileFromItem } from './items';
import { keys, type Key } from './keys';
import { ProfileCache } from './profile-cache';
import { batchGet, getItem, putIfAbsentAction, TransactionCancelledError, transactWrite, updateAction } from './table';
import type { UserProfile } from './types';
import { parseDisplayName } from './text';
import { isHandle, isUuid, parseHandle, parseUuid } from './validation';

export interface NewUserProfile {
  handle: string;
  display_name: string;
  email?: string;
  cognito_user_id?: string;
  /** Fixed ids are for seeds; a new user gets a random one. */
  uuid?: string;
}

const SUB = /^[A-Za-z0-9-]{1,128}$/;

function parseSub(value: unknown): string {
  if (typeof value === 'string' && SUB.test(value)) return value;
  throw new ValidationError('cognito_user_id is not a valid Cognito sub');
}

/** The profile's three items, named: by uuid, by handle, by Cognito sub (when linked). */
function profileItems(profile: UserProfile) {
  return {
    profile: { ...keys.userProfile(profile.uuid), ...profile },
    handle: { ...keys.userHandle(profile.handle), ...profile },
    sub: profile.cognito_user_id ? { ...keys.userCognitoSub(profile.cognito_user_id), ...profile } : undefined,
  };
}

/** Creates a profile; a handle taken case-insensitively (or a sub already linked) is a ConflictError. */
export async function createUserProfile(input: NewUserProfile): Promise<UserProfile> {
  const profile: UserProfile = {
    uuid: input.uuid === undefined ? newUuid() : parseUuid(input.uuid, 'uuid'),
    handle: parseHandle(input.handle),
    display_name: parseDisplayName(input.display_name),
  };
  if (input.email !== undefined) profile.email = String(input.email);
  if (input.cognito_user_id !== undefined) profile.cognito_user_id = parseSub(input.cognito_user_id);

  const items = profileItems(profile);
  try {
    await transactWrite({
      profile: putIfAbsentAction(items.profile),
      handle: putIfAbsentAction(items.handle),
      sub: items.sub && putIfAbsentAction(items.sub),
    });
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    if (error.failed('handle')) throw new ConflictError(`handle "${profile.handle}" is taken`);
    if (error.failed('sub')) throw new ConflictError('this Cognito user already has a profile');
    if (error.failed('profile')) throw new ConflictError('a user with this uuid exists');
    throw error;
  }
  profileCache().forget(profile);
  return profile;
}

/** `cacheable`: the read may be served by DAX on a stage that has it (never a consistent one). */
async function getProfile(key: Key, consistent = false, cacheable = false): Promise<UserProfile | undefined> {
  const item = await getItem(key, { consistent, cacheable });
  return item ? profileFromItem(item) : undefined;
}

export async function findUserByUuid(uuid: string): Promise<UserProfile | undefined> {
  return isUuid(uuid) ? getProfile(keys.userProfile(uuid)) : undefined;
}

export async function findUserByHandle(handle: string, consistent = false): Promise<UserProfile | undefined> {
  return isHandle(handle) ? getProfile(keys.userHandle(handle), consistent) : undefined;
}

export async function findUserByCognitoSub(sub: string): Promise<UserProfile | undefined> {
  return typeof sub === 'string' && SUB.test(sub) ? getProfile(keys.userCognitoSub(sub)) : undefined;
}

let profiles: ProfileCache | undefined;
function profileCache(): ProfileCache {
  const { profileMaxEntries, profileTtlMs } = cacheConfig();
  return (profiles ??= new ProfileCache({ maxEntries: profileMaxEntries, ttlMs: profileTtlMs }));
}

/**
 * The caller behind a verified token, by Cognito sub, cached per warm container
 * (domain/profile-cache.ts: bounded, PROFILE_CACHE_TTL_MS, 60 s by default, is how stale it may
 * be). Requests: 0 on a warm hit, else 1 GetItem. Authorisation (membership) is never cached.
 */
export function findCallerBySub(sub: string): Promise<UserProfile | undefined> {
  return profileCache().get(sub, findUserByCognitoSub);
}

/**
 * A profile by handle for display or lookup (pattern D's counterpart, the public route, the ops
 * reports): eventually consistent, so in a function that reads through DAX (domain/dax.ts: the
 * public route and the ops reports, not pattern D's) it may come from the cluster's item cache.
 * A deleted user is not found (its handle stays reserved).
 */
export async function getUserByHandle(handle: string): Promise<UserProfile> {
  const parsed = parseHandle(handle);
  const user = await getProfile(keys.userHandle(parsed), false, true);
  if (!user || user.deleted_at !== undefined) throw new NotFoundError(`no user with handle "${handle}"`);
  return user;
}

/**
 * The profile behind a public `@handle`, cached per warm container like the caller's (same
 * bound, same invalidation): it authorises nothing, so a display name up to one TTL old is
 * harmless. Unknown handles are not cached: a user who signs up is found at once.
 * Requests: 0 on a warm hit, else 1 GetItem.
 */
export async function getPublicProfile(handle: string): Promise<UserProfile> {
  const user = await profileCache().getByHandle(parseHandle(handle), (h) => getProfile(keys.userHandle(h), false, true));
  if (!user || user.deleted_at !== undefined) throw new NotFoundError(`no user with handle "${handle}"`);
  return user;
}

/**
 * The profiles of `handles` (already parsed), by lower-cased handle: 1 BatchGetItem per 100
 * handles. Handles with no profile, or a deleted one, are missing from the map.
 */
export async function findUsersByHandles(handles: string[]): Promise<Map<string, UserProfile>> {
  const items = await batchGet(handles.map((handle) => keys.userHandle(handle)));
  // A deleted user is not found here either: nobody can add them to a group.
  const live = items.map(profileFromItem).filter((profile) => profile.deleted_at === undefined);
  return new Map(live.map((profile) => [profile.handle.toLowerCase(), profile]));
}

/**
 * Whether a verified token still speaks for its user: refused when the user is deleted or
 * disabled, or signed in (`authTime`, the token's `auth_time`, epoch seconds) before the
 * profile's `tokens_valid_after`. Called with the caller's profile as authenticate() holds it
 * (cached for at most PROFILE_CACHE_TTL_MS), so that TTL bounds how long a revocation takes.
 */
export function acceptToken(profile: UserProfile, authTime: number): void {
  if (profile.deleted_at !== undefined) throw new UnauthenticatedError('this account was deleted');
  if (profile.disabled) throw new UnauthenticatedError('this account is disabled');
  if (profile.tokens_valid_after !== undefined && !(authTime >= profile.tokens_valid_after)) {
    throw new UnauthenticatedError('this session was revoked; sign in again');
  }
}

export type AccessAction = 'revoke-tokens' | 'disable' | 'enable' | 'delete';

/**
 * Ops (`sls invoke -f userAccess`): ends a user's sessions, disables or re-enables the user,
 * or marks the user deleted. Every action but `enable` refuses every token of a sign-in up to
 * now (`tokens_valid_after` = the next whole second: a sign-in in the same second as the
 * action is refused too, and signs in again a second later); `disable` and `delete` also refuse
 * later ones, `enable` lifts `disable` (tokens from before it stay refused). A deleted profile
 * stays, with its handle reserved (a new account cannot take it, nor start a conversation
 * with it: the handle is "not found"); deletion is final.
 *
 * The profile's three items change in one transaction, each only if it still is this user's.
 * Requests: 1 GetItem (consistent) + 1 TransactWriteItems.
 */
export async function setUserAccess(handle: string, action: AccessAction, now: Date = new Date()): Promise<UserProfile> {
  const profile = await findUserByHandle(parseHandle(handle), true);
  if (!profile) throw new NotFoundError(`no user with handle "${handle}"`);
  if (profile.deleted_at !== undefined && action !== 'delete') throw new ConflictError(`@${profile.handle} was deleted`);
  const validAfter = Math.floor(now.getTime() / 1000) + 1;
  const values: Record<string, unknown> = { ':uuid': profile.uuid };
  let update: string;
  const changed: UserProfile = { ...profile };
  if (action === 'enable') {
    update = 'REMOVE disabled';
    delete changed.disabled;
  } else {
    const sets = ['tokens_valid_after = :after'];
    values[':after'] = validAfter;
    changed.tokens_valid_after = validAfter;
    if (action === 'disable') {
      sets.push('disabled = :true');
      values[':true'] = true;
      changed.disabled = true;
    }
    if (action === 'delete' && profile.deleted_at === undefined) {
      sets.push('deleted_at = :deleted');
      values[':deleted'] = now.toISOString();
      changed.deleted_at = now.toISOString();
    }
    update = `SET ${sets.join(', ')}`;
  }
  const sameUser = { if: 'attribute_exists(pk) AND #uuid = :uuid', values };
  const change = (key: Key) => {
    const action = updateAction(key, update, sameUser);
    // `uuid` is a DynamoDB reserved word: the condition names it through an alias.
    if (action.Update) action.Update.ExpressionAttributeNames = { '#uuid': 'uuid' };
    return action;
  };
  try {
    await transactWrite({
      profile: change(keys.userProfile(profile.uuid)),
      handle: change(keys.userHandle(profile.handle)),
      sub: profile.cognito_user_id ? change(keys.userCognitoSub(profile.cognito_user_id)) : undefined,
    });
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    throw new ConflictError(`the profile of @${profile.handle} changed meanwhile; run it again`, { cause: error });
  }
  profileCache().forget(profile);
  return changed;
}

/**
 * Links an existing profile (found by handle) to a Cognito sub. Idempotent for the same
 * sub; a profile linked to a different sub, or a sub linked to another profile, is a conflict.
 */
export async function linkCognitoSub(handle: string, sub: string): Promise<UserProfile> {
  const profile = await getUserByHandle(handle);
  const cognitoUserId = parseSub(sub);
  if (profile.cognito_user_id === cognitoUserId) return profile;
  const linked: UserProfile = { ...profile, cognito_user_id: cognitoUserId };
  const unlinkedOrSame = {
    if: 'attribute_exists(pk) AND (attribute_not_exists(cognito_user_id) OR cognito_user_id = :sub)',
    values: { ':sub': cognitoUserId },
  };
  try {
    await transactWrite({
      profile: updateAction(keys.userProfile(profile.uuid), 'SET cognito_user_id = :sub', unlinkedOrSame),
      handle: updateAction(keys.userHandle(profile.handle), 'SET cognito_user_id = :sub', unlinkedOrSame),
      sub: putIfAbsentAction({ ...keys.userCognitoSub(cognitoUserId), ...linked }),
    });
  } catch (error) {
    if (!(error instanceof TransactionCancelledError)) throw error;
    if (error.failed('sub')) throw new ConflictError('this Cognito user is linked to another profile');
    if (error.failed('profile') || error.failed('handle')) {
      throw new ConflictError(`handle "${profile.handle}" is linked to another Cognito user`);
    }
    throw error;
  }
  profileCache().forget(linked);
  return linked;
}

export interface CognitoUser {
  sub: string;
  /** `preferred_username` */
  handle: string;
  /** `name` */
  display_name: string;
  email?: string;
  /** Cognito's `email_verified`: only a proven address may claim an existing profile. */
  emailVerified: boolean;
}

export type RegistrationOutcome = 'existing' | 'linked' | 'created';

/**
 * The profile of a confirmed Cognito user (PostConfirmation trigger, syncCognitoUsers).
 * Idempotent, because Cognito retries triggers: a profile already linked to the sub is
 * returned as is; an unlinked profile with this handle and the same, verified email (a
 * seeded or pre-Cognito user) is linked; otherwise a new profile is created. A handle that belongs
 * to someone else is a ConflictError.
 * Requests: 1 GetItem when linked already; else 1-2 GetItem + 1 TransactWriteItems.
 */
export async function registerCognitoUser(user: CognitoUser): Promise<{ profile: UserProfile; outcome: RegistrationOutcome }> {
  const sub = parseSub(user.sub);
  // Consistent reads: a retried trigger must see what its twin wrote a moment ago.
  const existing = await getProfile(keys.userCognitoSub(sub), true);
  if (existing) return { profile: existing, outcome: 'existing' };

  const handle = parseHandle(user.handle, 'preferred_username');
  const holder = await getProfile(keys.userHandle(handle), true);
  if (holder) {
    // the twin of a retried trigger created it between our two reads: same sub, same result
    if (holder.cognito_user_id === sub) return { profile: holder, outcome: 'existing' };
    const sameEmail = !!holder.email && !!user.email && sameEmailAddress(holder.email, user.email);
    if (holder.cognito_user_id || !sameEmail || !user.emailVerified) throw new ConflictError(`handle "${handle}" is taken`);
    return { profile: await linkCognitoSub(holder.handle, sub), outcome: 'linked' };
  }
  try {
    const profile = await createUserProfile({
      handle,
      display_name: user.display_name,
      cognito_user_id: sub,
      ...(user.email !== undefined ? { email: user.email } : {}),
    });
    return { profile, outcome: 'created' };
  } catch (error) {
    // A concurrent retry of the same trigger won the race: same sub, same result.
    const winner = error instanceof ConflictError ? await getProfile(keys.userCognitoSub(sub), true) : undefined;
    if (winner) return { profile: winner, outcome: 'existing' };
    throw error;
  }
}

/**
 * Email addresses compared as mail systems do for the domain and as Cognito does for the
 * whole address: case-insensitively in ASCII only. `toLowerCase()` would fold look-alikes
 * such as the Kelvin sign (U+212A) into `k` and let `\u212Aat@…` claim `kat@…`'s profile.
 */
export function sameEmailAddress(a: string, b: string): boolean {
  const asciiLower = (text: string) => text.replace(/[A-Z]/g, (char) => char.toLowerCase());
  return asciiLower(a) === asciiLower(b);
}
