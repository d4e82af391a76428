// curl as the transfer client: a C client that is never the bottleneck, and the exact
// `curl -F operations=… -F map=… -F 0=@file` form of the GraphQL multipart request spec.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface CurlTransfer {
  status: number;
  uploadedBytes: number;
  downloadedBytes: number;
  /** curl's time_total: from connect to the last byte of the response. */
  seconds: number;
  /** The response body, when `bodyFile` was not given. */
  body: string;
}

const writeOut = '\n%{http_code} %{size_upload} %{size_download} %{time_total}';

/** Runs curl with `args`; the body goes to `bodyFile` (e.g. /dev/null) or is returned. */
export async function curl(args: string[], bodyFile?: string): Promise<CurlTransfer> {
  const output = bodyFile === undefined ? [] : ['-o', bodyFile];
  const { stdout } = await execFileAsync('curl', ['--silent', '--show-error', ...output, '-w', writeOut, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastNewline = stdout.lastIndexOf('\n');
  const [status, uploaded, downloaded, seconds] = stdout
    .slice(lastNewline + 1)
    .split(' ')
    .map(Number);
  return {
    status: status!,
    uploadedBytes: uploaded!,
    downloadedBytes: downloaded!,
    seconds: seconds!,
    body: stdout.slice(0, lastNewline),
  };
}

/** The multipart request spec's own curl example: one file as variable `file`. */
export function graphqlUploadArguments(url: string, query: string, filePath: string): string[] {
  return [
    url,
    '-H',
    'x-graphql-yoga-csrf: 1',
    '-F',
    `operations=${JSON.stringify({ query, variables: { file: null } })}`,
    '-F',
    'map={"0":["variables.file"]}',
    '-F',
    `0=@${filePath}`,
  ];
}
