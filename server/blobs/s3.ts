// The blob store in an S3-compatible bucket (`--blobs s3://bucket/prefix`), for operators who run
// several node processes or keep files off the node's disk: AWS S3, MinIO, Ceph RGW, R2… through the
// AWS SDK's S3 client (loaded only when a bucket is configured).
//
// An upload streams to a temporary object while it is hashed (one PUT of the declared length, the
// payload unsigned so that nothing is buffered: the node holds a few chunks of it at a time); only
// once its bytes are known to hash to the id is it copied, server-side, to its name, so a reader never
// sees other bytes under an id. A temporary object left by a crash is the operator's to expire (a
// lifecycle rule on the prefix `tmp/`).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { BLOB_ID, digesting, type BlobStore, type StoredBlob } from './store.ts';

export interface S3Options {
  /** `s3://bucket` or `s3://bucket/prefix` */
  location: string;
  /** The service's URL, e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000. */
  endpoint: string;
  region?: string;
  accessKey: string;
  secretKey: string;
}

type Sdk = typeof import('@aws-sdk/client-s3');

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private constructor(private readonly sdk: Sdk, private readonly client: S3Client, private readonly bucket: string, private readonly prefix: string) {}

  /** Connects and checks the bucket (the node does not create it: its place and policy are the operator's). */
  static async open(o: S3Options): Promise<S3BlobStore> {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(o.location);
    if (!m) throw new Error(`${o.location}: expected s3://bucket or s3://bucket/prefix`);
    const sdk = await import('@aws-sdk/client-s3');
    const client = new sdk.S3Client({
      endpoint: o.endpoint,
      region: o.region ?? 'us-east-1',
      credentials: { accessKeyId: o.accessKey, secretAccessKey: o.secretKey },
      forcePathStyle: true,
      // Checksums only where S3 requires them: other S3-compatible services refuse the newer ones.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const bucket = m[1]!;
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
    } catch (e) {
      client.destroy();
      throw new Error(`the bucket ${bucket} at ${o.endpoint}: ${(e as Error).name} ${(e as Error).message}`);
    }
    return new S3BlobStore(sdk, client, bucket, m[2] ? m[2].replace(/\/?$/, '/') : '');
  }

  async put(id: string, body: AsyncIterable<Uint8Array>, size: number): Promise<StoredBlob> {
    const { PutObjectCommand, CopyObjectCommand, DeleteObjectCommand } = this.sdk;
    const tmp = `${this.prefix}tmp/${randomUUID()}`;
    const d = digesting(id, body, size);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: tmp, Body: Readable.from(d.chunks), ContentLength: size, ContentType: 'application/octet-stream' }));
      d.check();
      if ((await this.stat(id)) === undefined) {
        await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.prefix + id, CopySource: `${this.bucket}/${tmp}` }));
      }
      return { id, size: d.size() };
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmp })).catch(() => {});
    }
  }

  private async stat(id: string): Promise<number | undefined> {
    try {
      return (await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + id }))).ContentLength;
    } catch (e) {
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw e;
    }
  }

  async get(id: string): Promise<{ size: number; open(): Promise<Readable> } | undefined> {
    if (!BLOB_ID.test(id)) return undefined;
    const size = await this.stat(id);
    if (size === undefined) return undefined;
    return {
      size,
      open: async () => {
        const { Body } = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + id }));
        if (!(Body instanceof Readable)) throw new Error('the S3 client answered no stream'); // in Node it is the response
        return Body;
      },
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
