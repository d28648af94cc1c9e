import { fromUtf8, utf8 } from '../crypto/bytes.ts';
import { ContentTypeReaction } from './content-type.ts';
import type { ContentCodec } from './codec.ts';

export interface Reaction {
  reference: string;
  referenceInboxId?: string;
  action: 'added' | 'removed';
  schema: 'unicode' | 'shortcode' | 'custom';
  content: string;
}

export class ReactionCodec implements ContentCodec<Reaction> {
  readonly contentType = ContentTypeReaction;

  encode(r: Reaction) {
    // Key order is part of the bytes: action, reference, referenceInboxId (dropped if undefined), schema, content.
    const json = JSON.stringify({ action: r.action, reference: r.reference, referenceInboxId: r.referenceInboxId, schema: r.schema, content: r.content });
    return { type: ContentTypeReaction, parameters: {}, content: utf8(json) };
  }

  decode(encoded: { parameters: Record<string, string>; content: Uint8Array }): Reaction {
    const text = fromUtf8(encoded.content);
    try {
      const j = JSON.parse(text);
      if (j && typeof j === 'object') {
        const r: Reaction = { action: j.action, reference: j.reference, schema: j.schema, content: j.content };
        if (j.referenceInboxId !== undefined) r.referenceInboxId = j.referenceInboxId;
        return r;
      }
    } catch {
      // legacy form below
    }
    // Legacy form: metadata in parameters, the emoji as plain text.
    const p = encoded.parameters;
    return { action: p.action as Reaction['action'], reference: p.reference ?? '', schema: p.schema as Reaction['schema'], content: text };
  }

  fallback(r: Reaction) {
    if (r.action === 'added') return `Reacted “${r.content}” to an earlier message`;
    if (r.action === 'removed') return `Removed “${r.content}” from an earlier message`;
    return undefined;
  }

  /** As content-type-reaction 1.1.x shipped with SDK 13.0.4. */
  shouldPush(r: Reaction) {
    return r.action === 'added';
  }
}
