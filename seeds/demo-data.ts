/**
 * Demo data, written for this project. Fixed ids make the seed idempotent and let docs
 * and tests name the demo users and conversations.
 */
import type { NewUserProfile } from '../domain/users';

export interface DemoUser extends NewUserProfile {
  uuid: string;
  email: string;
  /** Only for the local Cognito: demo accounts on a machine that never leaves localhost. */
  password: string;
}

export const demoUsers = {
  ada: {
    uuid: '6f1c2a8e-1d4b-4c6e-9a51-0b7f3e2d4c11',
    handle: 'ada',
    display_name: 'Ada Okafor',
    email: 'ada@example.com',
    password: 'Demo-Passw0rd!',
  },
  ben: {
    uuid: '2b9e7d40-5c3a-4f18-8e62-7a1d9c0b5e22',
    handle: 'ben',
    display_name: 'Ben Lindqvist',
    email: 'ben@example.com',
    password: 'Demo-Passw0rd!',
  },
  chioma: {
    uuid: '9d4a1f63-8e2b-4a07-b3c9-5f6e2d1a7c33',
    handle: 'chioma',
    display_name: 'Chioma Reyes',
    email: 'chioma@example.com',
    password: 'Demo-Passw0rd!',
  },
} satisfies Record<string, DemoUser>;

export interface DemoConversation {
  message_group_uuid: string;
  members: [DemoUser, DemoUser];
  /** [speaker index into members, text], oldest first, one minute apart. */
  lines: Array<[0 | 1, string]>;
  /** How long before "now" the last line was sent. */
  endsMinutesAgo: number;
}

const longConversation: Array<[0 | 1, string]> = [
  [0, 'Morning! Did the tide tables app ever ship?'],
  [1, 'It did, last night at 11. Three users so far, two of them are my parents.'],
  [0, 'That is a perfectly respectable launch.'],
  [1, 'My mum already filed a bug report. She wants the moon phases in colour.'],
  [0, 'Honestly, fair. Grey moons are a bit bleak.'],
  [1, 'I told her it was a design choice. She did not accept that.'],
  [0, 'Are you still storing the readings in that one big JSON file?'],
  [1, 'Please do not say it like that.'],
  [0, 'I am only asking because my harbour sensor sends one reading every ten seconds.'],
  [1, 'Ah. That would make the file… large.'],
  [0, 'About eight thousand lines a day, per sensor.'],
  [1, 'Okay, the JSON file era is over. What would you use?'],
  [0, 'A table keyed by sensor, sorted by time. Then a day is one range query.'],
  [1, 'And "last reading" is just the newest item in the partition?'],
  [0, 'Exactly. Read it backwards, take one.'],
  [1, 'That feels almost too simple.'],
  [0, 'The trick is deciding the keys before you write anything else.'],
  [1, 'Which is the opposite of how I built the app.'],
  [0, 'Everyone builds it that way once.'],
  [1, 'Did you?'],
  [0, 'My first chat app stored every conversation under the word "chat".'],
  [1, 'Just the one word?'],
  [0, 'One partition, all of humanity. It worked for nine users.'],
  [1, 'What happened with the tenth?'],
  [0, 'The tenth was my cousin, who sends forty stickers a minute.'],
  [1, 'Load testing by family. The oldest method.'],
  [0, 'Anyway, if you want, I can look at your schema on Saturday.'],
  [1, 'Yes please. I will bring coffee and excuses.'],
  [0, 'Bring the coffee, I have enough excuses of my own.'],
  [1, 'Deal. The place by the ferry?'],
  [0, 'The one with the wobbly tables, yes.'],
  [1, 'I will fold a napkin for the short leg in advance.'],
  [0, 'A true engineer.'],
  [1, 'Should I migrate the old readings before Saturday or after?'],
  [0, 'After. Write the new path first, then backfill.'],
  [1, 'So the app keeps working while the old data moves.'],
  [0, 'Right, and you can compare both for a week before switching.'],
  [1, 'My mum will notice if the moon phases disappear.'],
  [0, 'Then the moon phases go in the first batch.'],
  [1, 'In colour?'],
  [0, 'In colour. Tell her it was her idea.'],
  [1, 'It was her idea.'],
  [0, 'Then it is a well-tested requirement.'],
  [1, 'See you Saturday, ten o’clock.'],
  [0, 'Ten it is. Bring the sensor logs too.'],
];

export const demoConversations: DemoConversation[] = [
  {
    message_group_uuid: '5a7e3c19-2f4d-4b8a-9c61-3e0d8f7b2a44',
    members: [demoUsers.ada, demoUsers.ben],
    lines: longConversation,
    endsMinutesAgo: 0,
  },
  {
    message_group_uuid: 'c3e8b2d5-7a1f-4e96-8d40-1b5c9a6f3e55',
    members: [demoUsers.chioma, demoUsers.ada],
    lines: [
      [0, 'Ada, are you coming to the meetup on Thursday?'],
      [1, 'Planning to. Is it the one about offline-first apps?'],
      [0, 'That one. I am giving a lightning talk on sync conflicts.'],
      [1, 'Then I am definitely coming. Front row.'],
      [0, 'Please do not heckle.'],
      [1, 'Only supportive heckling, I promise.'],
    ],
    endsMinutesAgo: 180,
  },
];
