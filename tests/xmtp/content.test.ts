import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, hexToBytes, utf8 } from '../../src/xmtp/crypto/bytes.ts';
import { ContentRegistry } from '../../src/xmtp/content/registry.ts';
import { Compression, decodeEncodedContent, encodeEncodedContent } from '../../src/xmtp/content/encoded-content.ts';
import {
  ContentTypeText, ContentTypeReply, ContentTypeReaction, ContentTypeReadReceipt, ContentTypeAttachment,
  ContentTypeRemoteAttachment, contentType, parseContentType, contentTypeToString,
} from '../../src/xmtp/content/content-type.ts';
import { AttachmentCodec } from '../../src/xmtp/content/attachment.ts';
import { encryptRemoteContent, decryptRemoteContent, type RemoteAttachment } from '../../src/xmtp/content/remote-attachment.ts';
import { decompress } from '../../src/xmtp/content/compression.ts';
import { isXmtpError } from '../../src/xmtp/errors.ts';
import { CONTENT, V2_MESSAGE } from './vectors.ts';
import { randomBytes } from '../../src/xmtp/crypto/bytes.ts';
import { PrivateKeyBundle } from '../../src/xmtp/keys/private-key-bundle.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';
import { encodeV2Message } from '../../src/xmtp/messages/v2.ts';
import { contentFromJson } from '../../src/xmtp/json-view.ts';
import { MAX_CONTENT_BYTES, MAX_INLINE_ATTACHMENT_BYTES, MAX_MESSAGE_BYTES } from '../../src/xmtp/limits.ts';
import { ContentTypes } from '../../src/views.ts';

const registry = new ContentRegistry();

test('text encodes as the SDK does (16.4, 16.9)', async () => {
  assert.equal(bytesToHex((await registry.encode('hi')).bytes), CONTENT.textHi);
  const hello = await registry.encode('hello');
  assert.equal(bytesToHex(hello.bytes), V2_MESSAGE.encodedContent);
  assert.equal(hello.shouldPush, true);
  const d = await registry.decode(hexToBytes(CONTENT.textHi));
  assert.equal(d.content, 'hi');
  assert.equal(contentTypeToString(d.contentType), 'xmtp.org/text:1.0');
});

test('gzip-compressed text: field 5 before field 4, and reads back (16.9)', async () => {
  const p = await registry.encode('0123456789abc', { compression: Compression.Gzip });
  const hex = bytesToHex(p.bytes);
  // structure: type, parameters, then compression (28 01) before content (22 ..)
  assert.ok(hex.startsWith(CONTENT.textGzip.slice(0, CONTENT.textGzip.indexOf('280122') + 6)), hex);
  assert.equal((await registry.decode(p.bytes)).content, '0123456789abc');
  // the vector itself (gzip from another compressor) decodes
  assert.equal((await registry.decode(hexToBytes(CONTENT.textGzip))).content, '0123456789abc');
  // deflate = zlib format (78 ..)
  const d = decodeEncodedContent((await registry.encode('hello hello hello', { compression: Compression.Deflate })).bytes);
  assert.equal(d.compression, Compression.Deflate);
  assert.equal(d.content[0], 0x78);
});

test('never compress what the official SDK cannot inflate (> 1000 bytes) or below 10 bytes', async () => {
  const big = 'x'.repeat(1001);
  assert.equal(decodeEncodedContent((await registry.encode(big, { compression: Compression.Deflate })).bytes).compression, undefined);
  assert.equal(decodeEncodedContent((await registry.encode('x'.repeat(1000), { compression: Compression.Deflate })).bytes).compression, Compression.Deflate);
  assert.equal(decodeEncodedContent((await registry.encode('short', { compression: Compression.Gzip })).bytes).compression, undefined);
  // we still read large compressed content written by others
  const bigCompressed = encodeEncodedContent({
    type: ContentTypeText, parameters: { encoding: 'UTF-8' }, compression: Compression.Gzip,
    content: new Uint8Array(await new Response(new Blob([utf8(big) as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()),
  });
  assert.equal((await registry.decode(bigCompressed)).content, big);
  await assert.rejects(decompress(new Uint8Array([1, 2, 3]), Compression.Gzip), (e) => isXmtpError(e, 'invalid_content'));
});

test('read receipt (16.9)', async () => {
  const p = await registry.encode({}, { contentType: ContentTypeReadReceipt });
  assert.equal(bytesToHex(p.bytes), CONTENT.readReceipt);
  assert.equal(p.shouldPush, false);
  assert.deepEqual((await registry.decode(p.bytes)).content, {});
});

test('reply with inner text and fallback (16.9)', async () => {
  const reply = { reference: 'ab'.repeat(32), contentType: ContentTypeText, content: 'yes' };
  const p = await registry.encode(reply, { contentType: ContentTypeReply });
  assert.equal(bytesToHex(p.bytes), CONTENT.reply);
  const d = await registry.decode(p.bytes);
  assert.deepEqual(d.content, reply);
  assert.equal(d.fallback, 'Replied with “yes” to an earlier message');
  // reply to a reaction: non-string content fallback
  const r2 = await registry.encode(
    { reference: 'cd', contentType: ContentTypeReaction, content: { reference: 'x', action: 'added', schema: 'unicode', content: '👍' } },
    { contentType: ContentTypeReply },
  );
  assert.equal((await registry.decode(r2.bytes)).fallback, 'Replied to an earlier message');
});

test('reaction: JSON key order, fallback, legacy form', async () => {
  const r = { reference: 'ab', action: 'added' as const, schema: 'unicode' as const, content: '👍' };
  const p = await registry.encode(r, { contentType: ContentTypeReaction });
  const ec = decodeEncodedContent(p.bytes);
  assert.equal(new TextDecoder().decode(ec.content), '{"action":"added","reference":"ab","schema":"unicode","content":"👍"}');
  assert.equal(p.fallback, 'Reacted “👍” to an earlier message');
  assert.equal(p.shouldPush, true);
  assert.deepEqual((await registry.decode(p.bytes)).content, r);
  const removed = await registry.encode({ ...r, action: 'removed' }, { contentType: ContentTypeReaction });
  assert.equal(removed.fallback, 'Removed “👍” from an earlier message');
  const legacy = encodeEncodedContent({
    type: ContentTypeReaction, parameters: { encoding: 'UTF-8', action: 'added', reference: 'ff', schema: 'shortcode' }, content: utf8(':smile:'),
  });
  assert.deepEqual((await registry.decode(legacy)).content, { action: 'added', reference: 'ff', schema: 'shortcode', content: ':smile:' });
});

test('attachment and remote attachment (encrypt, digest check, decrypt)', async () => {
  const att = { filename: 'a.txt', mimeType: 'text/plain', data: utf8('file body') };
  const p = await registry.encode(att, { contentType: ContentTypeAttachment });
  assert.equal(p.fallback, 'Can’t display "a.txt". This app doesn’t support attachments.');
  assert.deepEqual((await registry.decode(p.bytes)).content, att);

  const enc = await encryptRemoteContent(att, new AttachmentCodec(), registry);
  const remote: RemoteAttachment = {
    url: 'https://example.test/x', contentDigest: enc.digest, salt: enc.salt, nonce: enc.nonce, secret: enc.secret,
    scheme: 'https://', contentLength: enc.payload.length, filename: 'a.txt',
  };
  const rp = await registry.encode(remote, { contentType: ContentTypeRemoteAttachment });
  const decoded = (await registry.decode(rp.bytes)).content as RemoteAttachment;
  assert.deepEqual(decoded, remote);
  assert.deepEqual(await decryptRemoteContent(decoded, enc.payload, registry), att);
  const tampered = enc.payload.slice();
  tampered[0] ^= 1;
  await assert.rejects(decryptRemoteContent(decoded, tampered, registry), /digest does not match/);
  await assert.rejects(registry.encode({ ...remote, url: 'http://x' }, { contentType: ContentTypeRemoteAttachment }), /https/);
  await assert.rejects(registry.encode({ ...remote, url: 'http://127.0.0.1.example.com/blobs/x' }, { contentType: ContentTypeRemoteAttachment }), /https/);
  // a desktop user's own node: plain http on this machine
  for (const url of ['http://127.0.0.1:5555/blobs/ab', 'http://localhost:5555/blobs/ab', 'http://[::1]:5555/blobs/ab']) {
    assert.equal(((await registry.decode((await registry.encode({ ...remote, url }, { contentType: ContentTypeRemoteAttachment })).bytes)).content as RemoteAttachment).url, url);
  }
});

test('unknown content types are delivered with their fallback; newer major versions are unknown', async () => {
  const custom = contentType('example.com', 'poll', 1, 0);
  const bytes = encodeEncodedContent({ type: custom, parameters: {}, fallback: 'A poll', content: utf8('{}') });
  const d = await registry.decode(bytes);
  assert.equal(d.content, undefined);
  assert.equal(d.fallback, 'A poll');
  assert.ok(isXmtpError(d.error, 'unknown_content_type'));
  const text2 = encodeEncodedContent({ type: contentType('xmtp.org', 'text', 2, 0), parameters: { encoding: 'UTF-8' }, content: utf8('x') });
  assert.ok(isXmtpError((await registry.decode(text2)).error, 'unknown_content_type'));
  // text without the encoding parameter is invalid content, like in the SDK
  const bad = encodeEncodedContent({ type: ContentTypeText, parameters: {}, content: utf8('x') });
  assert.ok(isXmtpError((await registry.decode(bad)).error, 'invalid_content'));
  assert.deepEqual(parseContentType('xmtp.org/reply:1.0'), ContentTypeReply);
  assert.throws(() => parseContentType('nonsense'));
  await assert.rejects(registry.encode('x', { contentType: custom }), (e) => isXmtpError(e, 'unknown_content_type'));
});

test('the largest inline attachment, with a long name, fits in one envelope the node accepts', async () => {
  const keys = await PrivateKeyBundle.generate(privateKeySigner(randomBytes(32)));
  const { content, contentType: type } = contentFromJson(ContentTypes.attachment, {
    filename: 'f'.repeat(255) + '.bin',
    mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    data: Buffer.alloc(MAX_INLINE_ATTACHMENT_BYTES).toString('base64'),
  });
  const payload = await registry.encode(content, { contentType: type });
  const topic = '/xmtp/0/m-' + 'a'.repeat(64) + '/proto';
  const m = await encodeV2Message({ keys, topic, keyMaterial: randomBytes(32), payload: payload.bytes, createdNs: 1n, shouldPush: true });
  assert.ok(m.bytes.length <= MAX_MESSAGE_BYTES, `${m.bytes.length} bytes`);
  assert.ok(MAX_CONTENT_BYTES >= payload.bytes.length, 'and its content is within the decoding cap');
});
