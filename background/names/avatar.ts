// Avatars: an image URL from a name record (http(s), data:, IPFS through the gateway setting) is
// fetched once by the background, bounded in size and time, and kept as a small data: URL. The popup
// never loads a remote image, so opening the inbox tells no image host anything.
import { toBase64 } from '../../src/xmtp/crypto/bytes.ts';
import { readCapped } from '../../src/read-capped.ts';
import { publicHttpUrl } from '../../src/public-host.ts';

/** Largest image fetched or accepted inline. */
export const MAX_AVATAR_BYTES = 2 * 1024 * 1024;
/** Largest avatar kept without shrinking (where the platform cannot shrink it, e.g. SVG). */
export const MAX_KEPT_BYTES = 48 * 1024;
/** Side of the square an avatar is shrunk to (twice the largest size the popup shows, for HiDPI). */
export const AVATAR_PX = 96;
const TIMEOUT_MS = 8000;
const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp|avif|svg\+xml)$/;

/** `ipfs://cid/path` and `ipns://…` through the gateway; http(s) and data: as they are; others none. */
export function gatewayUrl(uri: string, gateway: string): string | undefined {
  const u = uri.trim();
  const m = /^(ipfs|ipns):\/\/(?:ipfs\/)?([^\s]+)$/i.exec(u);
  if (m) return `${gateway.replace(/\/+$/, '')}/${m[1].toLowerCase()}/${m[2]}`;
  if (/^https?:\/\//i.test(u) || /^data:image\//i.test(u)) return u;
  return undefined;
}

export interface AvatarFetchOptions {
  /** allow loopback and private-network hosts (tests only: production never fetches them) */
  allowPrivateHosts?: boolean;
}

/** The avatar at `url` as a small data: URL, or undefined when it is not a usable image. */
export async function loadAvatar(url: string, opts: AvatarFetchOptions = {}): Promise<string | undefined> {
  const image = url.startsWith('data:') ? parseDataUrl(url) : await fetchImage(url, opts);
  return image && shrink(image);
}

interface Image {
  type: string;
  bytes: Uint8Array;
}

function parseDataUrl(url: string): Image | undefined {
  const m = /^data:(image\/[\w.+-]+)(;[^,]*)?,(.*)$/is.exec(url);
  if (!m || !IMAGE_TYPES.test(m[1].toLowerCase()) || url.length > (MAX_AVATAR_BYTES * 4) / 3 + 100) return undefined;
  try {
    const bytes = /;base64/i.test(m[2] ?? '') ? Uint8Array.from(atob(m[3].replace(/\s/g, '')), (c) => c.charCodeAt(0)) : new TextEncoder().encode(decodeURIComponent(m[3]));
    return { type: m[1].toLowerCase(), bytes };
  } catch {
    return undefined;
  }
}

async function fetchImage(url: string, opts: AvatarFetchOptions): Promise<Image | undefined> {
  const allowed = (u: string) => !!publicHttpUrl(u, { anyHost: opts.allowPrivateHosts });
  if (!allowed(url)) return undefined;
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'omit', referrerPolicy: 'no-referrer', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    return undefined;
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  // Gateways redirect (path to subdomain), so redirects are followed; where they ended is checked again.
  if (!res.ok || !IMAGE_TYPES.test(type) || !allowed(res.url || url)) {
    await res.body?.cancel().catch(() => {});
    return undefined;
  }
  const bytes = await readCapped(res, MAX_AVATAR_BYTES);
  if (!bytes) return undefined;
  return { type, bytes };
}

/** A square AVATAR_PX image where the platform can draw (service worker, event page); else as is if small. */
async function shrink(image: Image): Promise<string | undefined> {
  const canDraw = typeof OffscreenCanvas === 'function' && typeof createImageBitmap === 'function' && image.type !== 'image/svg+xml';
  if (canDraw) {
    try {
      const bitmap = await createImageBitmap(new Blob([image.bytes as BlobPart], { type: image.type }));
      const side = Math.min(bitmap.width, bitmap.height);
      const canvas = new OffscreenCanvas(AVATAR_PX, AVATAR_PX);
      const ctx = canvas.getContext('2d');
      if (!ctx || !side) return undefined;
      // centre crop to a square, as the round avatar shows it
      ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, AVATAR_PX, AVATAR_PX);
      bitmap.close();
      const blob = await canvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
      return `data:${blob.type};base64,${toBase64(new Uint8Array(await blob.arrayBuffer()))}`;
    } catch {
      return undefined; // not an image after all
    }
  }
  return image.bytes.length <= MAX_KEPT_BYTES ? `data:${image.type};base64,${toBase64(image.bytes)}` : undefined;
}
