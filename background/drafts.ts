// Drafts: what a person typed in a conversation and has not sent, kept across popup closes. They live
// in storage.session (memory only: never written to disk, gone when the browser closes) and are
// dropped when the inbox locks, since a locked inbox shows nothing of its conversations.
import { platform } from './platform.ts';

const KEY = 'drafts';
/** drafts kept per account (the oldest go first) and characters per draft */
export const MAX_DRAFTS = 200;
export const MAX_DRAFT_CHARS = 10_000;

type Stored = Record<string, Record<string, { text: string; at: number }>>;

async function read(): Promise<Stored> {
  const v = (await platform().session.get(KEY))[KEY];
  return v && typeof v === 'object' ? (v as Stored) : {};
}

export async function getDraft(account: string, topic: string): Promise<string> {
  return (await read())[account]?.[topic]?.text ?? '';
}

/** Keeps `text` as the draft of a conversation; an empty text removes it. */
export async function setDraft(account: string, topic: string, text: string): Promise<void> {
  const all = await read();
  const mine = { ...all[account] };
  if (text) mine[topic] = { text: text.slice(0, MAX_DRAFT_CHARS), at: Date.now() };
  else delete mine[topic];
  const kept = Object.entries(mine)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, MAX_DRAFTS);
  await platform().session.set({ [KEY]: { ...all, [account]: Object.fromEntries(kept) } });
}

/** Locked: no draft stays readable. */
export async function clearDrafts(): Promise<void> {
  await platform().session.remove(KEY);
}
