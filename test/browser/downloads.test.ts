// A browser downloads a `.csv.gz` artifact: the saved file, and what fetch() reads in the
// page, are the uploaded bytes (a Content-Encoding header would have them gunzipped).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeBrowser, closePage, launchBrowser, openPage } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let browser: Browser | undefined;
let server: TestServer;
let page: Page | undefined;
let artifactId: string;
const compressed = gzipSync(Buffer.from('trial,value\n0,0.25\n1,0.125\n'.repeat(200)));

beforeAll(async () => {
  server = await startTestServer();
  await server.graphql('mutation { createStudy(name: "downloads") { studyId } }');
  const { body } = await uploadMultipart<{
    uploadArtifact: { artifactId: string; mimetype: string; encoding: string };
  }>(
    server.url,
    'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId mimetype encoding } }',
    { file: null },
    [{ variablePath: 'variables.file', content: compressed, filename: 'metrics.csv.gz' }],
  );
  expect(body.data!.uploadArtifact).toMatchObject({ mimetype: 'text/csv', encoding: 'gzip' });
  artifactId = body.data!.uploadArtifact.artifactId;
  browser = await launchBrowser();
  page = await openPage(browser, `${server.url}/healthz`);
});

afterAll(async () => {
  await closePage(page);
  await closeBrowser(browser);
  await server.stop();
});

it("saves the stored bytes from a ?download=1 link, under the artifact's name", async () => {
  const downloading = page!.waitForEvent('download');
  await page!.evaluate((href) => {
    const link = document.createElement('a');
    link.href = href;
    link.textContent = 'download';
    document.body.append(link);
    link.click();
  }, `/artifacts/${artifactId}?download=1`);
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('metrics.csv.gz');
  const savedPath = join(server.directory, 'saved-by-browser');
  await download.saveAs(savedPath);
  expect(sha256(await readFile(savedPath))).toBe(sha256(compressed));
});

it('hands fetch() in the page the stored bytes', async () => {
  const fetchedHex = await page!.evaluate(async (href) => {
    const bytes = await (await fetch(href)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  }, `/artifacts/${artifactId}`);
  expect(fetchedHex).toBe(sha256(compressed));
});
