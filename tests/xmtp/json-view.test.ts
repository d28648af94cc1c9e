import { test } from 'node:test';
import assert from 'node:assert/strict';
// JSON content (what pages and the popup send and read) to and from the core's content objects.
import { contentFromJson, contentToJson } from '../../src/xmtp/json-view.ts';
import { MAX_INLINE_ATTACHMENT_BYTES } from '../../src/xmtp/limits.ts';
import { ContentRegistry } from '../../src/xmtp/content/registry.ts';
import { contentTypeToString } from '../../src/xmtp/content/content-type.ts';
import { isXmtpError } from '../../src/xmtp/errors.ts';

const ContentTypes = {
  text: 'xmtp.org/text:1.0',
  reply: 'xmtp.org/reply:1.0',
  reaction: 'xmtp.org/reaction:1.0',
  readReceipt: 'xmtp.org/readReceipt:1.0',
  attachment: 'xmtp.org/attachment:1.0',
  remoteAttachment: 'xmtp.org/remoteStaticAttachment:1.0',
};

const registry = new ContentRegistry();

// view -> core content -> wire bytes -> decoded core content -> view: what a peer's message looks like to us.
async function roundTrip(contentType: string | undefined, view: unknown) {
  const { contentType: type, content } = contentFromJson(contentType, view);
  const payload = await registry.encode(content, { contentType: type });
  const decoded = await registry.decode(payload.bytes);
  assert.equal(decoded.error, undefined);
  return { type: contentTypeToString(decoded.contentType), view: contentToJson(decoded.contentType, decoded.content), fallback: decoded.fallback };
}

test('every standard content type survives view -> wire -> view', async () => {
  assert.deepEqual(await roundTrip(undefined, 'hello'), { type: ContentTypes.text, view: 'hello', fallback: undefined });
  const reply = await roundTrip(ContentTypes.reply, { reference: 'ab'.repeat(32), content: 'yes' });
  assert.deepEqual(reply.view, { reference: 'ab'.repeat(32), contentType: ContentTypes.text, content: 'yes' });
  assert.equal(reply.fallback, 'Replied with “yes” to an earlier message');
  const reaction = { reference: 'cd'.repeat(32), action: 'added', schema: 'unicode', content: '👍' };
  assert.deepEqual((await roundTrip(ContentTypes.reaction, reaction)).view, reaction);
  assert.deepEqual((await roundTrip(ContentTypes.readReceipt, {})).view, {});
  const attachment = { filename: 'a.txt', mimeType: 'text/plain', data: Buffer.from('file body').toString('base64') };
  assert.deepEqual((await roundTrip(ContentTypes.attachment, attachment)).view, attachment);
  const remote = {
    url: 'https://files.example.org/x', filename: 'big.bin', contentLength: 123456, contentDigest: 'ef'.repeat(32),
    scheme: 'https://', secret: '01'.repeat(32), salt: '02'.repeat(32), nonce: '03'.repeat(12),
  };
  assert.deepEqual((await roundTrip(ContentTypes.remoteAttachment, remote)).view, remote);
});

test('bad content views are refused with a reason', () => {
  const reason = (t: string | undefined, v: unknown) => {
    try {
      contentFromJson(t, v);
      return 'accepted';
    } catch (e) {
      assert.ok(isXmtpError(e, 'invalid_content'), String(e));
      return (e as Error).message;
    }
  };
  assert.match(reason(undefined, ''), /non-empty string/);
  assert.match(reason(undefined, { text: 'x' }), /non-empty string/);
  assert.match(reason('nonsense', 'x'), /authority\/type:major\.minor/);
  assert.match(reason(ContentTypes.reaction, { reference: 'x', action: 'loved', content: '❤' }), /action/);
  assert.match(reason(ContentTypes.reply, { reference: 'x', contentType: ContentTypes.reply, content: { reference: 'y', content: 'z' } }), /another reply/);
  assert.match(reason(ContentTypes.attachment, { filename: 'a', mimeType: 'b', data: 'not base64 !!!' }), /base64/);
  const big = Buffer.alloc(MAX_INLINE_ATTACHMENT_BYTES + 1).toString('base64');
  assert.match(reason(ContentTypes.attachment, { filename: 'a', mimeType: 'b', data: big }), /limited to 1,000,000 bytes/);
  assert.match(reason(ContentTypes.text, 'é'.repeat(MAX_INLINE_ATTACHMENT_BYTES / 2 + 1)), /text is limited to 1,000,000 bytes/);
  assert.match(reason(ContentTypes.attachment, { filename: 'a'.repeat(1001), mimeType: 'b', data: 'AA==' }), /filename must be at most 1000/);
  assert.match(reason(ContentTypes.remoteAttachment, { url: 'http://x', filename: 'f', contentLength: 1 }), /https/);
  assert.match(reason(ContentTypes.remoteAttachment, { url: 'https://x', filename: 'f', contentLength: 1, contentDigest: 'zz' }), /contentDigest/);
});

test('content that failed to decode has no JSON form (its fallback is shown instead)', () => {
  assert.equal(contentToJson({ authorityId: 'example.com', typeId: 'poll', versionMajor: 1, versionMinor: 0 }, undefined), null);
});
