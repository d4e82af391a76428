// A browser's own EventSource on the live feed: when the connection drops, it reconnects by
// itself with Last-Event-ID, and the page ends with every artifact exactly once, in order —
// also those uploaded while it was disconnected.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeBrowser, closePage, launchBrowser, openPage } from '../support/browser.js';
import { startCuttableRelay, type CuttableRelay } from '../support/cuttable-relay.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { uploadMultipart } from '../support/multipart.js';
import { untilListening } from '../support/subscription-clients.js';
import { waitUntil } from '../support/wait-until.js';

let browser: Browser | undefined;
let server: TestServer;
let relay: CuttableRelay;
let page: Page | undefined;

beforeAll(async () => {
  server = await startTestServer(['--watch-interval', '3600']);
  await server.graphql('mutation { createStudy(name: "live feed") { studyId } }');
  relay = await startCuttableRelay(server.url);
  browser = await launchBrowser();
});

afterAll(async () => {
  await closePage(page);
  await closeBrowser(browser);
  await relay.close();
  await server.stop();
});

async function upload(filename: string): Promise<string> {
  const { body } = await uploadMultipart<{ uploadArtifact: { artifactId: string } }>(
    server.url,
    'mutation($file: Upload!) { uploadArtifact(studyId: 1, file: $file) { artifactId } }',
    { file: null },
    [{ variablePath: 'variables.file', content: Buffer.from(filename), filename }],
  );
  return body.data!.uploadArtifact.artifactId;
}

/** The artifact ids the page's EventSource has received, in order. */
const receivedIds = (openPage: Page): Promise<string[]> =>
  openPage.evaluate(() => (window as unknown as { received: string[] }).received);

async function untilReceived(openPage: Page, count: number): Promise<string[]> {
  await waitUntil(async () => (await receivedIds(openPage)).length >= count, `the page received ${count} events`);
  return receivedIds(openPage);
}

it('resumes after a dropped connection without a gap or a duplicate', async () => {
  // The page is of the relay's origin, so the feed is same-origin (no CORS involved).
  page = await openPage(browser!, `${relay.url}/healthz`);
  const query = 'subscription { artifactCreated { cursor artifact { artifactId } } }';
  await page.evaluate(
    (url) => {
      const received: string[] = [];
      Object.assign(window, { received });
      const source = new EventSource(url);
      source.addEventListener('next', (event) => {
        received.push(JSON.parse((event as MessageEvent<string>).data).data.artifactCreated.artifact.artifactId);
      });
    },
    `/graphql?query=${encodeURIComponent(query)}`,
  );
  await untilListening(server.services.events, 1);

  const beforeDrop = [await upload('one.txt'), await upload('two.txt')];
  expect(await untilReceived(page, 2)).toEqual(beforeDrop);

  relay.cutAndHold();
  await untilListening(server.services.events, 0);
  // Uploaded while the page is disconnected: only a resumed feed can deliver these.
  const whileAway = [await upload('three.txt'), await upload('four.txt')];
  relay.release();

  await untilListening(server.services.events, 1);
  const afterReconnect = [await upload('five.txt')];
  const expected = [...beforeDrop, ...whileAway, ...afterReconnect];
  await untilReceived(page, expected.length);
  // Nothing arrives twice: the list is exactly the uploads, in order.
  expect(await receivedIds(page)).toEqual(expected);
});
