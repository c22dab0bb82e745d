import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

/** What the receiver does with one request: answer (status, headers, body), hang, or reset the connection. */
export type Behaviour = (
  r: Received,
  n: number,
) => { status?: number; headers?: Record<string, string>; body?: string; delayMs?: number; reset?: boolean };

/** A real HTTP receiver on 127.0.0.1 that records every request and answers as `behaviour` says. */
export interface Receiver {
  url: string;
  received: Received[];
  behaviour: Behaviour;
  /** Requests being answered now, and the most at once so far. */
  open: number;
  maxOpen: number;
  close(): Promise<void>;
}

export async function startReceiver(behaviour: Behaviour = () => ({ status: 200 })): Promise<Receiver> {
  const sockets = new Set<import('node:net').Socket>();
  const receiver: Receiver = {
    url: '',
    received: [],
    behaviour,
    open: 0,
    maxOpen: 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        path: req.url ?? '/',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      receiver.received.push(r);
      receiver.open++;
      receiver.maxOpen = Math.max(receiver.maxOpen, receiver.open);
      const answer = receiver.behaviour(r, receiver.received.length);
      const respond = () => {
        receiver.open--;
        if (answer.reset) {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status ?? 200, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs);
      else respond();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
