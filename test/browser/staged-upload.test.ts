// A page on another origin uploads 200 MiB straight to the S3 bucket (s3rver) with a staged
// upload, reporting progress as it goes: the server (with --cors-origin for the page) only
// signs and completes; the bucket's own CORS rules, set as a user would (PutBucketCors,
// exposing ETag), let the page PUT the parts and read their ETags.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutBucketCorsCommand } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../src/stores/s3-store.js';
import { closeBrowser, closePage, launchBrowser, openPage } from '../support/browser.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from '../support/s3rver.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MiB = 1024 * 1024;
const fileSize = 200 * MiB;

interface PageUpload {
  artifactId: string;
  sha256: string;
  parts: number;
  /** upload.onprogress reports: how many, and the last total of bytes sent. */
  progressEvents: number;
  lastProgress: number;
}

/** Runs in the page: README's browser recipe (XMLHttpRequest for progress). */
function uploadFromPage(page: Page, serverUrl: string, studyId: number, size: number): Promise<PageUpload> {
  return page.evaluate(
    async ({ serverUrl, studyId, size }) => {
      const bytes = new Uint8Array(size);
      for (let offset = 0; offset < size; offset += 65536)
        crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
      const file = new File([bytes], 'checkpoint.bin');
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
        .map((byte) => byte.toString(16).padStart(2, '0'))
        .join('');

      const gql = async (query: string, variables: Record<string, unknown>) => {
        const response = await fetch(`${serverUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables }),
        });
        const { data, errors } = await response.json();
        if (errors) throw new Error(`${errors[0].extensions?.code}: ${errors[0].message}`);
        return data;
      };
      const put = (
        url: string,
        headers: { name: string; value: string }[],
        body: Blob,
        onProgress: (n: number) => void,
      ) =>
        new Promise<string | null>((resolve, reject) => {
          const xhr = new XMLHttpRequest();
          xhr.open('PUT', url);
          for (const { name, value } of headers) xhr.setRequestHeader(name, value);
          xhr.upload.onprogress = (event) => onProgress(event.loaded);
          xhr.onload = () =>
            xhr.status < 300 ? resolve(xhr.getResponseHeader('ETag')) : reject(new Error(xhr.responseText));
          xhr.onerror = () => reject(new Error('network error (CORS?)'));
          xhr.send(body);
        });

      let progressEvents = 0;
      let lastProgress = 0;
      const onProgress = (loaded: number) => {
        progressEvents += 1;
        lastProgress = loaded;
      };
      const { createArtifactUpload: ticket } = await gql(
        `mutation($i: CreateArtifactUploadInput!) { createArtifactUpload(input: $i) {
           token url headers { name value } parts { partNumber url size } } }`,
        { i: { studyId, filename: file.name, size: file.size } },
      );
      const parts: { partNumber: number; etag: string | null }[] = [];
      let offset = 0;
      for (const part of ticket.parts as { partNumber: number; url: string; size: number }[]) {
        const start = offset;
        const etag = await put(part.url, ticket.headers, file.slice(start, start + part.size), (n) =>
          onProgress(start + n),
        );
        parts.push({ partNumber: part.partNumber, etag });
        offset += part.size;
      }
      const { completeArtifactUpload } = await gql(
        `mutation($t: String!, $p: [CompletedPartInput!]) { completeArtifactUpload(token: $t, parts: $p) { artifactId } }`,
        { t: ticket.token, p: parts },
      );
      return {
        artifactId: completeArtifactUpload.artifactId,
        sha256: digest,
        parts: parts.length,
        progressEvents,
        lastProgress,
      };
    },
    { serverUrl, studyId, size },
  );
}

describe('a browser page on another origin uploads 200 MiB straight to S3', () => {
  let s3: RunningS3rver;
  let pageServer: Server;
  let pageOrigin: string;
  let server: TestServer;
  let browser: Browser;
  let page: Page | undefined;
  let studyId: number;
  const savedEnvironment = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3rver();
    pageServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>uploader</title>');
    });
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    // The bucket's CORS, as README tells users to set it.
    const client = createS3Client({ endpoint: s3.endpoint, forcePathStyle: true, credentials: s3rverCredentials });
    await client.send(
      new PutBucketCorsCommand({
        Bucket: s3.bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: [pageOrigin],
              AllowedMethods: ['PUT', 'GET', 'HEAD'],
              AllowedHeaders: ['Content-Type', 'x-amz-checksum-sha256'],
              ExposeHeaders: ['ETag'],
              MaxAgeSeconds: 3600,
            },
          ],
        },
      }),
    );
    client.destroy();
    process.env.AWS_ACCESS_KEY_ID = s3rverCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3rverCredentials.secretAccessKey;
    server = await startTestServer([
      ...['--artifact-store', `s3://${s3.bucket}`, '--s3-endpoint', s3.endpoint, '--s3-force-path-style'],
      ...['--cors-origin', pageOrigin, '--max-file-size', '1GiB'],
    ]);
    const study = await server.graphql<{ createStudy: { studyId: number } }>(
      'mutation { createStudy(name: "from a page") { studyId } }',
    );
    studyId = study.data!.createStudy.studyId;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await closePage(page);
    await closeBrowser(browser);
    await server?.stop();
    await new Promise((resolve) => pageServer?.close(resolve));
    await s3?.close();
    process.env = savedEnvironment;
  });

  it('in 64 MiB parts, with progress, and the server stores exactly those bytes', async () => {
    page = await openPage(browser, pageOrigin);
    const uploaded = await uploadFromPage(page, server.url, studyId, fileSize);
    expect(uploaded.parts).toBe(4);
    expect(uploaded.lastProgress).toBe(fileSize);
    expect(uploaded.progressEvents).toBeGreaterThan(4);

    const downloaded = await fetch(`${server.url}/artifacts/${uploaded.artifactId}`);
    const bytes = Buffer.from(await downloaded.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(uploaded.sha256);
  }, 180_000);
});
