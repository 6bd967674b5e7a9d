/**
 * (3) Scale: the same page read against a small and a large data set, interleaved.
 * Pattern B for a user with few vs many conversations; pattern A for a conversation with
 * few vs many messages. Cost should grow with the page, not with the data.
 */
import { listMessageGroups } from '../../domain/list-message-groups';
import { listMessages } from '../../domain/list-messages';
import { formatMicros } from '../../domain/time';
import type { Figures } from '../lib/figures';
import { startEngine } from '../lib/local-engine';
import { generator } from '../lib/random';
import { conversationItems, messageItems, newProfile, pastMicros, profileItems, writeItems } from '../lib/seed-data';
import { measurePair } from '../lib/stats';

export interface Settings {
  conversations: { small: number; large: number };
  messages: { small: number; large: number };
  iterations: number;
  warmup: number;
}

const RATIO_TARGET = { max: 1.3 };
const PAGE = 50;

export async function scale(figures: Figures, settings: Settings): Promise<void> {
  const engine = await startEngine();
  try {
    const gen = generator(3);
    const small = newProfile(gen, 'small');
    const large = newProfile(gen, 'large');
    const base = pastMicros(400);

    // Pattern B: `small` and `large` each talk to a crowd; only their own rows matter here.
    const crowd = (owner: typeof small, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const other = newProfile(gen, 'c');
        return conversationItems(owner, other, gen.uuid(), gen.text(2, 10), formatMicros(base + i * 1_000_000));
      }).flat();
    // Pattern A: two conversations between the same two people would break the pair rule, so
    // each has its own partner.
    const partnerSmall = newProfile(gen, 'ps');
    const partnerLarge = newProfile(gen, 'pl');
    const groupSmall = gen.uuid();
    const groupLarge = gen.uuid();
    const seedStarted = Date.now();
    await writeItems([...[small, large, partnerSmall, partnerLarge].flatMap(profileItems)]);
    await writeItems(crowd(small, settings.conversations.small));
    await writeItems(crowd(large, settings.conversations.large));
    const end = pastMicros(1);
    await writeItems([
      ...conversationItems(small, partnerSmall, groupSmall, 'hi', formatMicros(end)),
      ...conversationItems(large, partnerLarge, groupLarge, 'hi', formatMicros(end)),
    ]);
    await writeItems(messageItems(gen, groupSmall, [small, partnerSmall], settings.messages.small, end));
    await writeItems(messageItems(gen, groupLarge, [large, partnerLarge], settings.messages.large, end));
    const seedSeconds = (Date.now() - seedStarted) / 1000;

    // The same page on both sides: the small user has only `small` conversations, so a page
    // of small-1 (the domain reads one more row to know whether a next page exists) makes both
    // queries read exactly `small` rows. With a page of 50 the small side would read 10 rows and
    // the large side 51, and the ratio would measure the page, not the data (see BENCHMARKS.md).
    const bPage = settings.conversations.small - 1;
    const b = await measurePair(
      settings.iterations,
      settings.warmup,
      () => listMessageGroups(large.uuid, { limit: bPage }),
      () => listMessageGroups(small.uuid, { limit: bPage }),
    );
    const bName = `3.B.conversations_${settings.conversations.large}_vs_${settings.conversations.small}.page_${bPage}`;
    figures.addSummary(`3.B.conversations_${settings.conversations.small}.page_${bPage}`, b.floor);
    figures.addSummary(`3.B.conversations_${settings.conversations.large}.page_${bPage}`, b.ours);
    figures.add(`${bName}.p50_ratio`, b.ratioP50, RATIO_TARGET);

    const a = await measurePair(
      settings.iterations,
      settings.warmup,
      () => listMessages(groupLarge, large.uuid, { limit: PAGE }),
      () => listMessages(groupSmall, small.uuid, { limit: PAGE }),
    );
    const aName = `3.A.messages_${settings.messages.large}_vs_${settings.messages.small}.page_${PAGE}`;
    figures.addSummary(`3.A.messages_${settings.messages.small}.page_${PAGE}`, a.floor);
    figures.addSummary(`3.A.messages_${settings.messages.large}.page_${PAGE}`, a.ours);
    figures.add(`${aName}.p50_ratio`, a.ratioP50, RATIO_TARGET);
    figures.add('3.seed_duration_ms', seedSeconds * 1000, undefined, 'BatchWriteItem, 8 requests in flight');
  } finally {
    await engine.stop();
  }
}
