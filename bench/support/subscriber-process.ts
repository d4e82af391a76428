// One server's subscribers held by a process of their own (bench/fanout-instances.ts), driven
// over IPC: each instance's events are parsed by their own event loop instead of queueing
// behind the other instances' events in the benchmark's. Both sides of the protocol are here.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { projectRoot } from './child-process.js';
import { ArrivalBoard, SubscriberGroup, type ReplaySeed } from './subscribers.js';

type Command =
  | { command: 'connect'; baseUrl: string; seed: ReplaySeed; sse: number; webSocket: number }
  | { command: 'await'; artifactId: string }
  | { command: 'arrivals' };

type Reply = { value: unknown } | { error: string };

/**
 * Per subscriber: for each artifact, when its events arrived, in epoch milliseconds
 * (performance.timeOrigin + performance.now(): sub-millisecond and comparable across processes).
 */
export type SubscriberArrivals = Record<string, number[]>[];

export interface SubscriberProcess {
  /** Connects `sse` + `webSocket` subscribers to `baseUrl`; resolves once every one is registered. */
  connect(baseUrl: string, seed: ReplaySeed, sse: number, webSocket: number): Promise<void>;
  /** Resolves once every subscriber has `artifactId`, or after the delivery timeout: how many still lack it. */
  awaitDelivery(artifactId: string): Promise<number>;
  arrivals(): Promise<SubscriberArrivals>;
  stop(): Promise<void>;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

export function startSubscriberProcess(): SubscriberProcess {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    cwd: projectRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  // One command at a time: each call waits for the reply to the one before it.
  let queue: Promise<unknown> = Promise.resolve();
  const call = <Value>(command: Command): Promise<Value> => {
    const result = queue.then(
      () =>
        new Promise<Value>((resolve, reject) => {
          const onExit = (code: number | null) => reject(new Error(`subscriber process exited (${code})`));
          child.once('exit', onExit);
          child.once('message', (reply: Reply) => {
            child.off('exit', onExit);
            if ('error' in reply) reject(new Error(reply.error));
            else resolve(reply.value as Value);
          });
          child.send(command);
        }),
    );
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    connect: (baseUrl, seed, sse, webSocket) => call({ command: 'connect', baseUrl, seed, sse, webSocket }),
    awaitDelivery: (artifactId) => call({ command: 'await', artifactId }),
    arrivals: () => call({ command: 'arrivals' }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The child's side: one group of subscribers, answering the parent's commands. */
function serveCommands(): void {
  const board = new ArrivalBoard();
  let group: SubscriberGroup | undefined;
  const subscribers = () => group?.subscribers ?? [];
  const handle = async (command: Command): Promise<unknown> => {
    switch (command.command) {
      case 'connect':
        group = new SubscriberGroup(command.baseUrl, board);
        await group.connect('SSE', command.sse, command.seed);
        await group.connect('WebSocket', command.webSocket, command.seed);
        return undefined;
      case 'await':
        await board.until(command.artifactId, subscribers(), 'delivery').catch(() => undefined);
        return subscribers().filter((subscriber) => !subscriber.arrivals.has(command.artifactId)).length;
      case 'arrivals':
        return subscribers().map((subscriber) =>
          Object.fromEntries(
            [...subscriber.arrivals].map(([artifactId, times]) => [
              artifactId,
              times.map((time) => performance.timeOrigin + time),
            ]),
          ),
        );
    }
  };
  process.on('message', (command: Command) => {
    handle(command).then(
      (value) => process.send!({ value } satisfies Reply),
      (error: unknown) =>
        process.send!({ error: error instanceof Error ? error.message : String(error) } satisfies Reply),
    );
  });
  // The benchmark is gone (finished or crashed): drop every socket with it.
  process.on('disconnect', () => process.exit(0));
}

if (process.send !== undefined && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) serveCommands();
