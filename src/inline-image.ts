// The one allow-list of attachment types shown inline. A received file is the peer's bytes under the
// peer's MIME type: as a blob: URL of the extension it would render with the extension's origin
// (text/html, or an SVG, which can carry scripts). So only these raster types are shown, and every
// other file is a download whose Blob says nothing but application/octet-stream.

const INLINE_IMAGE = /^image\/(png|jpe?g|gif|webp|avif)$/;

const essence = (mimeType: string) => mimeType.split(';')[0]!.trim().toLowerCase();

/** An image type the popup shows inline (png, jpeg, gif, webp, avif; never SVG). */
export function isDisplayableImage(mimeType: string): boolean {
  return INLINE_IMAGE.test(essence(mimeType));
}

/** The type a received file's Blob gets: its own when shown inline, else application/octet-stream. */
export function blobTypeFor(mimeType: string): string {
  return isDisplayableImage(mimeType) ? essence(mimeType) : 'application/octet-stream';
}
