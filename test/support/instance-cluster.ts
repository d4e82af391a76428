// Several server instances as users run them behind a load balancer: real `node` processes of
// the production entry on one Optuna database and one s3rver bucket, each on a port of its own,
// and nginx in front of them (round-robin). An instance can be killed (kill -9) and restarted
// on the same port, so nginx finds it again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './database-daemon.js';
import { startNginx, type RunningNginx } from './nginx.js';
import { s3rverCredentials, startS3rver, type RunningS3rver } from './s3rver.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export interface ClusterInstance {
  /** `http://127.0.0.1:PORT`, the instance itself (not through nginx). */
  url: string;
  port: number;
  process: ServerProcess;
}

export interface InstanceCluster {
  storageUrl: string;
  s3: RunningS3rver;
  nginx: RunningNginx;
  instances: ClusterInstance[];
  /** Where the instances spool uploads (the S3 store spools under TMPDIR; file names carry the pid). */
  spoolDirectory: string;
  /** The environment the instances run with (s3rver's credentials, TMPDIR). */
  environment: Record<string, string>;
  /** The storage and store arguments, for the `check` command on the same database and bucket. */
  storeArgs(): string[];
  /** The instance whose process has this pid. */
  instanceWithPid(pid: number): ClusterInstance | undefined;
  /** kill -9 of one instance; `restart` starts it again on the same port with the same arguments. */
  kill9(instance: ClusterInstance): Promise<void>;
  restart(instance: ClusterInstance): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  storageUrl: string;
  instances: number;
  /** Added to every instance's command line. */
  extraArgs?: string[];
}

export async function startInstanceCluster(options: ClusterOptions): Promise<InstanceCluster> {
  const { storageUrl } = options;
  const s3 = await startS3rver();
  const temporary = mkdtempSync(join(tmpdir(), 'optuna-cluster-'));
  const environment = {
    AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TMPDIR: temporary,
  };
  const storeArgs = () => [
    storageUrl,
    '--artifact-store',
    `s3://${s3.bucket}`,
    '--s3-endpoint',
    s3.endpoint,
    '--s3-force-path-style',
  ];
  // nginx's port first: every instance is told it as its public URL.
  const nginxPort = await freePort();
  const ports: number[] = [];
  for (let index = 0; index < options.instances; index++) ports.push(await freePort());
  const argsOf = (port: number) => [
    ...storeArgs(),
    '--port',
    String(port),
    '--public-url',
    `http://127.0.0.1:${nginxPort}`,
    // nginx passes the public Host on (`proxy_set_header Host $host`): its name, without a port.
    '--allowed-host',
    '127.0.0.1',
    ...(options.extraArgs ?? []),
  ];

  const instances: ClusterInstance[] = [];
  let nginx: RunningNginx | undefined;
  const stopAll = async () => {
    await nginx?.stop();
    await Promise.all(instances.map((instance) => instance.process.stop()));
    await s3.close();
    rmSync(temporary, { recursive: true, force: true });
  };
  try {
    // All at once, as a deployment starts them: on an empty database they create Optuna's schema once.
    const starting = ports.map((port) => startServerProcess(argsOf(port), environment));
    const started = await Promise.allSettled(starting);
    started.forEach((result, index) => {
      if (result.status === 'fulfilled')
        instances.push({ url: result.value.url, port: ports[index]!, process: result.value });
    });
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    nginx = await startNginx(
      nginxPort,
      ports.map((port) => `127.0.0.1:${port}`),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    storageUrl,
    s3,
    nginx,
    instances,
    spoolDirectory: join(temporary, 'optuna-artifacts-spool'),
    environment,
    storeArgs,
    instanceWithPid: (pid) => instances.find((instance) => instance.process.child.pid === pid),
    kill9: (instance) => instance.process.kill9(),
    async restart(instance) {
      instance.process = await startServerProcess(argsOf(instance.port), environment);
      instance.url = instance.process.url;
    },
    stop: stopAll,
  };
}
