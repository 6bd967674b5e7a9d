import { groupUuidOfMessagePartition, isMessagePartition, keys, userUuidOfConversationPartition } from '../../domain/keys';

const group = '5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44';
const user = '6f1c2a8e-1d4b-4c6e-9a51-0b7f3e2d4c11';

describe('keys', () => {
  it('keep the original Cruddur message and conversation-row shapes', () => {
    expect(keys.message(group, '2026-01-01T00:00:00.000000Z')).toEqual({ pk: `MSG#${group}`, sk: '2026-01-01T00:00:00.000000Z' });
    expect(keys.conversation(user, '2026-01-01T00:00:00.000000Z')).toEqual({
      pk: `GRP#${user}`,
      sk: '2026-01-01T00:00:00.000000Z',
    });
  });

  it('read the conversation back from a message partition key, and nothing from other items', () => {
    expect(groupUuidOfMessagePartition(keys.messagePartition(group))).toBe(group);
    expect(isMessagePartition(keys.messagePartition(group))).toBe(true);
    for (const other of [
      keys.conversationPartition(user),
      keys.membership(group, user).pk,
      keys.pair(user, group).pk,
      keys.userProfile(user).pk,
    ]) {
      expect(groupUuidOfMessagePartition(other)).toBeUndefined();
    }
  });

  it('read the member back from a conversation-row partition key, and nothing from a message', () => {
    expect(userUuidOfConversationPartition(keys.conversationPartition(user))).toBe(user);
    expect(userUuidOfConversationPartition(keys.messagePartition(group))).toBeUndefined();
  });

  it('give every item kind its own partition prefix, so no key of one kind is a key of another', () => {
    const pks = [
      keys.messagePartition(group),
      keys.conversationPartition(user),
      keys.membershipPartition(group),
      keys.pair(user, group).pk,
      keys.userProfile(user).pk,
      keys.userHandle('ada').pk,
      keys.userCognitoSub(user).pk,
      keys.idempotency(user, 'k').pk,
    ];
    const prefixes = pks.map((pk) => pk.replace(/[0-9a-f-]{36}.*$|ada$|k$/, ''));
    expect(new Set(prefixes).size).toBe(pks.length);
  });
});

describe('README entity table', () => {
  it('lists every item kind domain/keys.ts builds (partition prefix and sort key)', () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const readme = readFileSync(require('node:path').join(__dirname, '..', '..', 'README.md'), 'utf8') as string;
    const table = readme.slice(readme.indexOf('| item | pk | sk |'), readme.indexOf('Messages and conversation rows keep'));
    expect(table.length).toBeGreaterThan(0);
    // Every builder, with digits as arguments: the text before the first digit is the fixed prefix.
    const built = Object.values(keys).map((build) =>
      (build as (...args: string[]) => string | { pk: string; sk: string })('0', '1'),
    );
    const missing: string[] = [];
    for (const key of built) {
      if (typeof key === 'string') continue; // partition builders repeat the item builders' pk
      const prefix = key.pk.split(/[01]/)[0]!;
      const sk = /[01]/.test(key.sk) ? key.sk.split(/[01]/)[0]! : key.sk;
      if (!table.includes(`\`${prefix}`)) missing.push(`pk ${prefix}`);
      if (sk !== '' && !table.includes(`\`${sk}`)) missing.push(`sk ${sk} of ${prefix}`);
    }
    expect(built.length).toBeGreaterThanOrEqual(8);
    expect(missing).toEqual([]);
  });
});
