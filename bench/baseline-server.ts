// The yardstick for the transfer benchmarks: a bare node:http server that does nothing but
// move bytes, so "server / baseline" measures what the GraphQL server costs on top of Node.
//
//   node --import tsx bench/baseline-server.ts <folder>      prints "listening http://…"
//
//   POST /upload                 request body → pipeline(req, fs.createWriteStream) → <folder>/baseline-upload-N
//        ?fsync=1                then fsync the file before answering, as the artifact store does
//   GET  /download?file=NAME     pipeline(fs.createReadStream(<folder>/NAME), res)
//        &chunk=BYTES            read chunk size (highWaterMark); without it Node's default (64 KiB)
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const folder = resolve(process.argv[2] ?? '.');
let uploadCount = 0;

function pathInFolder(name: string): string | null {
  const path = resolve(folder, name);
  return path.startsWith(folder + sep) ? path : null;
}

async function receiveUpload(request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
  uploadCount += 1;
  const name = `baseline-upload-${uploadCount}`;
  const path = resolve(folder, name);
  const file = createWriteStream(path);
  await pipeline(request, file);
  if (url.searchParams.get('fsync') === '1') {
    const handle = await open(path, 'r');
    await handle.sync();
    await handle.close();
  }
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ file: name, bytes: file.bytesWritten }));
}

async function sendDownload(url: URL, response: ServerResponse): Promise<void> {
  const path = pathInFolder(url.searchParams.get('file') ?? '');
  if (path === null) {
    response.writeHead(400).end();
    return;
  }
  const chunk = url.searchParams.get('chunk');
  const { size } = await stat(path);
  response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
  await pipeline(createReadStream(path, chunk === null ? {} : { highWaterMark: Number(chunk) }), response);
}

const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const handled =
    request.method === 'POST' && url.pathname === '/upload'
      ? receiveUpload(request, url, response)
      : request.method === 'GET' && url.pathname === '/download'
        ? sendDownload(url, response)
        : Promise.resolve(void response.writeHead(404).end());
  handled.catch((error: unknown) => {
    process.stderr.write(`baseline-server: ${String(error)}\n`);
    if (!response.headersSent) response.writeHead(500).end();
    else response.destroy();
  });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
