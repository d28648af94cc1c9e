#!/usr/bin/env node
// Renders the toolbar/store icons (icons/icon-<size>.png) from a few shapes, so the art lives in code:
// an indigo rounded square with a white speech bubble. Run after changing the drawing; output is committed.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
// Signed distance helpers in unit coordinates (0..1), 4x4 supersampled for anti-aliasing.
const roundRect = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.max(x0 + r, Math.min(x, x1 - r)), cy = Math.max(y0 + r, Math.min(y, y1 - r));
  return Math.hypot(x - cx, y - cy) <= r && x >= x0 && x <= x1 && y >= y0 && y <= y1;
};
const inTail = (x, y) => { // small triangle under the bubble's lower left
  const ax = 0.32, ay = 0.62, bx = 0.46, by = 0.62, cx = 0.28, cy = 0.8;
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by), d2 = s(x, y, bx, by, cx, cy), d3 = s(x, y, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};
function sample(x, y) {
  if (!roundRect(x, y, 0, 0, 1, 1, 0.22)) return null;
  const bubble = roundRect(x, y, 0.2, 0.24, 0.8, 0.64, 0.12) || inTail(x, y);
  const dot = [0.36, 0.5, 0.64].some((cx) => Math.hypot(x - cx, y - 0.44) < 0.045);
  if (bubble && !dot) return [255, 255, 255];
  return [79, 70, 229]; // indigo-600
}
mkdirSync(new URL('../icons/', import.meta.url), { recursive: true });
for (const size of [16, 32, 48, 128]) {
  const n = 4;
  const buf = png(size, (px, py) => {
    let r = 0, g = 0, b = 0, a = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const c = sample((px + (i + 0.5) / n) / size, (py + (j + 0.5) / n) / size);
      if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
    }
    return a ? [Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round((255 * a) / (n * n))] : [0, 0, 0, 0];
  });
  writeFileSync(new URL(`../icons/icon-${size}.png`, import.meta.url), buf);
}
console.log('wrote icons/icon-{16,32,48,128}.png');
