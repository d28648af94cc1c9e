// Query and BatchQuery answers with bounded memory. A page is planned from the rows' keys and sizes
// (messages above INLINE_MAX_BYTES are not read yet) and cut at the response byte limit on a row
// boundary, with a cursor to continue from, as the official node's paging does. The JSON is then
// written row by row, the large messages fetched a few at a time, waiting for the client to read
// (backpressure): whatever a request asks for, it holds at most one fetch group, one envelope's JSON
// and the socket's buffer. Small answers (the usual case) still go out in one write with a
// Content-Length.
import type { ServerResponse } from 'node:http';
import { invalidArgument, ApiError, Code } from './errors.ts';
import { MAX_BATCH, MAX_PAGE, validateQuery, type ApiDeps } from './api.ts';
import { envelopeJson, envelopeJsonHead, pagingInfoJson, type QueryRequest, type SortDirection } from './json.ts';
import type { ListedEnvelope } from './store/types.ts';

/** Messages up to this size come with the page's first read; larger ones are fetched while writing. */
export const INLINE_MAX_BYTES = 4 * 1024;
/** Large messages are fetched in groups of at most this many bytes (at least one message). */
const FETCH_GROUP_BYTES = 256 * 1024;
/** Output is buffered up to this size: an answer that fits goes out in one write with a Content-Length. */
const BUFFER_BYTES = 64 * 1024;
/** A large message's base64 is written in slices of this many bytes (a multiple of 3: no padding inside). */
const SLICE_BYTES = 48 * 1024;

/** Bytes of one envelope's JSON (quotes and escapes of the topic, base64 of the message, field names). */
function envelopeJsonBytes(r: ListedEnvelope): number {
  return JSON.stringify(r.topic).length + String(r.ts).length + Math.ceil(r.size / 3) * 4 + 48;
}

interface Page {
  rows: ListedEnvelope[];
  /** The pagingInfo JSON. */
  paging: string;
  /** Bytes of the page's JSON. */
  bytes: number;
  /** Ended early by the byte budget. */
  truncated: boolean;
}

/** Reads one query's rows (keys, sizes, small messages) and cuts them at `budget` bytes (always ≥ 1 row). */
async function planPage(deps: ApiDeps, q: QueryRequest, budget: number): Promise<Page> {
  const pageSize = validateQuery(q);
  const direction: SortDirection = q.pagingInfo.direction === 1 ? 1 : 2;
  let rows: ListedEnvelope[];
  try {
    rows = await deps.store.list(
      { topics: q.contentTopics, startTimeNs: q.startTimeNs, endTimeNs: q.endTimeNs, cursor: q.pagingInfo.cursor, ascending: direction === 1, limit: pageSize },
      INLINE_MAX_BYTES,
    );
  } catch (err) {
    deps.log.error('store query failed', { err: String(err) });
    throw new ApiError(Code.INTERNAL, `querying envelopes: ${(err as Error).message}`);
  }
  let bytes = 0;
  let n = 0;
  for (const r of rows) {
    const b = envelopeJsonBytes(r) + 1;
    if (n > 0 && bytes + b > budget) break;
    bytes += b;
    n++;
  }
  const truncated = n < rows.length;
  const taken = truncated ? rows.slice(0, n) : rows;
  const last = taken[taken.length - 1];
  // A cursor is returned when the page is full, or cut short by the byte budget.
  const paging =
    last && (truncated || rows.length >= pageSize)
      ? pagingInfoJson(Math.min(pageSize, MAX_PAGE), { digest: last.digest, senderTimeNs: last.ts }, direction)
      : pagingInfoJson(0, null, direction);
  return { rows: taken, paging, bytes: bytes + paging.length + 32, truncated };
}

class ClientGone extends Error {}

/** JSON out, buffered up to BUFFER_BYTES, then streamed with backpressure. */
class JsonWriter {
  private buf: string[] = [];
  private size = 0;
  private streaming = false;
  constructor(private res: ServerResponse) {}

  async write(s: string): Promise<void> {
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= BUFFER_BYTES) await this.flush();
  }

  async end(): Promise<void> {
    const body = this.buf.join('');
    this.buf = [];
    if (!this.streaming) {
      this.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      this.res.end(body);
      return;
    }
    this.res.end(body);
  }

  private async flush(): Promise<void> {
    const res = this.res;
    if (res.destroyed) throw new ClientGone();
    if (!this.streaming) {
      this.streaming = true;
      res.writeHead(200, { 'Content-Type': 'application/json' });
    }
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (res.write(chunk)) return;
    // Wait for the client to read before producing more.
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', gone);
        resolve();
      };
      const gone = () => {
        res.off('drain', done);
        reject(new ClientGone());
      };
      res.once('drain', done);
      res.once('close', gone);
    });
  }
}

/** Writes one page's JSON, fetching the large messages group by group. */
async function writePage(deps: ApiDeps, out: JsonWriter, page: Page): Promise<void> {
  await out.write('{"envelopes":[');
  const { rows } = page;
  let first = true;
  for (let i = 0; i < rows.length; ) {
    // The next group: small rows as they are, or large rows up to FETCH_GROUP_BYTES together.
    let j = i;
    let messages: Array<Buffer | null>;
    if (rows[i]!.message !== null) {
      while (j < rows.length && rows[j]!.message !== null) j++;
      messages = rows.slice(i, j).map((r) => r.message);
    } else {
      let bytes = 0;
      while (j < rows.length && rows[j]!.message === null && (j === i || bytes + rows[j]!.size <= FETCH_GROUP_BYTES)) bytes += rows[j++]!.size;
      messages = await deps.store.messages(rows.slice(i, j));
    }
    for (let k = i; k < j; k++) {
      const m = messages[k - i];
      if (!m) continue; // removed since the page was planned
      const sep = first ? '' : ',';
      first = false;
      if (m.length <= SLICE_BYTES) {
        await out.write(sep + envelopeJson(rows[k]!.topic, rows[k]!.ts, m));
        continue;
      }
      await out.write(sep + envelopeJsonHead(rows[k]!.topic, rows[k]!.ts));
      for (let o = 0; o < m.length; o += SLICE_BYTES) await out.write(m.subarray(o, o + SLICE_BYTES).toString('base64'));
      await out.write('"}');
    }
    i = j;
  }
  await out.write(`],"pagingInfo":${page.paging}}`);
}

/** Answers a Query: at most `maxBytes` of JSON (and at least one row), a cursor where it stopped. */
export async function answerQuery(deps: ApiDeps, res: ServerResponse, q: QueryRequest, maxBytes: number): Promise<void> {
  const page = await planPage(deps, q, maxBytes);
  if (page.truncated) deps.metrics.truncatedResponses.inc({ method: 'query' });
  const out = new JsonWriter(res);
  await guard(writePage(deps, out, page));
  await out.end();
}

/**
 * Answers a BatchQuery in order. Each sub-query is cut at `perQuery` bytes like a Query; once the
 * batch has used `maxBytes`, each further sub-query answers its first row and a cursor (an empty page
 * would read as "no more" to the SDK). The whole answer is therefore at most maxBytes plus one
 * envelope per sub-query.
 */
export async function answerBatch(deps: ApiDeps, res: ServerResponse, requests: QueryRequest[], perQuery: number, maxBytes: number): Promise<void> {
  if (requests.length > MAX_BATCH) throw invalidArgument(`cannot exceed ${MAX_BATCH} requests in single batch`);
  // Validate all first so a bad sub-query costs no database work; like the official node, a failing
  // sub-query fails the whole batch as INTERNAL with the inner status in the message.
  requests.forEach((r) => {
    try {
      validateQuery(r);
    } catch (err) {
      const e = err as ApiError;
      throw new ApiError(Code.INTERNAL, `rpc error: code = ${codeName(e.code)} desc = ${e.message}`);
    }
  });
  const out = new JsonWriter(res);
  let left = maxBytes;
  let truncated = false;
  const plan = async (r: QueryRequest) => {
    const page = await planPage(deps, r, Math.min(perQuery, Math.max(left, 0)));
    left -= page.bytes;
    truncated ||= page.truncated;
    return page;
  };
  // The first page is planned before anything is written, so its errors still get a status.
  let next = requests.length ? await plan(requests[0]!) : null;
  await guard(
    (async () => {
      await out.write('{"responses":[');
      for (let i = 0; next; i++) {
        if (i > 0) await out.write(',');
        await writePage(deps, out, next);
        next = i + 1 < requests.length ? await plan(requests[i + 1]!) : null;
      }
      await out.write(']}');
    })(),
  );
  if (truncated) deps.metrics.truncatedResponses.inc({ method: 'batch-query' });
  await out.end();
}

/** A client that went away while its answer was written is not an error of the node. */
async function guard(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClientGone) throw new ApiError(Code.CANCELLED, 'the client closed the connection');
    throw err;
  }
}

function codeName(code: number): string {
  const names: Record<number, string> = { 3: 'InvalidArgument', 13: 'Internal', 8: 'ResourceExhausted' };
  return names[code] ?? String(code);
}
