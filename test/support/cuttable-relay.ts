// A TCP relay in front of a real server whose connections a test can cut, as a network does,
// and keep cut for a while: connections made meanwhile wait, unanswered, until released.
// For long-lived responses (an SSE stream) that only a dropped connection ends.
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CuttableRelay {
  /** `http://127.0.0.1:PORT`: the server, reached through the relay. */
  url: string;
  /** Drops every relayed connection; new ones wait until `release()`. */
  cutAndHold(): void;
  /** Relays the waiting connections and every new one again. */
  release(): void;
  /** Connections currently relayed to the server. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startCuttableRelay(serverUrl: string): Promise<CuttableRelay> {
  const target = new URL(serverUrl);
  const relayed = new Set<Socket>();
  const waiting: Socket[] = [];
  let holding = false;

  const relay = (client: Socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    relayed.add(client);
    const drop = () => {
      relayed.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const server = createServer((client) => {
    client.on('error', () => client.destroy());
    if (holding)
      waiting.push(client); // unread bytes stay buffered in the socket
    else relay(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cutAndHold() {
      holding = true;
      for (const client of [...relayed]) client.destroy();
    },
    release() {
      holding = false;
      for (const client of waiting.splice(0)) if (!client.destroyed) relay(client);
    },
    openConnections: () => relayed.size,
    async close() {
      for (const client of [...relayed, ...waiting]) client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
