import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blobTypeFor, isDisplayableImage } from '../src/inline-image.ts';

test('only raster images show inline; every other file is an octet-stream download', () => {
  for (const t of ['image/png', 'image/jpeg', 'image/jpg', 'image/gif', 'image/webp', 'image/avif', 'IMAGE/PNG', 'image/png; charset=binary']) {
    assert.equal(isDisplayableImage(t), true, t);
    assert.equal(blobTypeFor(t), t.split(';')[0].toLowerCase());
  }
  for (const t of ['image/svg+xml', 'text/html', 'application/xhtml+xml', 'text/xml', 'image/bmp', 'application/pdf', '', 'image/png,text/html', ' text/html ; x=image/png']) {
    assert.equal(isDisplayableImage(t), false, t);
    assert.equal(blobTypeFor(t), 'application/octet-stream', t);
  }
});
