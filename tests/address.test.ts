import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksumError } from '../src/address.ts';

test('EIP-55: a checksummed address passes, one case means no checksum, a wrong capital is a typo', () => {
  const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed'; // the EIP's own example
  assert.equal(checksumError(good), undefined);
  assert.equal(checksumError(good.toLowerCase()), undefined);
  assert.equal(checksumError('0x' + good.slice(2).toUpperCase()), undefined);
  const typo = good.replace('aAeb', 'aaeb');
  assert.match(checksumError(typo) ?? '', /typo.*EIP-55/);
  assert.equal(checksumError('not an address'), undefined, 'shape is checked elsewhere');
});
