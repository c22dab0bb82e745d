/**
 * The baseline: a bare Fastify server in its own process that parses the JSON request body and
 * answers a fixed JSON body of the same size as a real validation result (read from the file named
 * on the command line), with no database, schemas, hooks or logging. `node --import tsx
 * bench/baseline.ts <port> <body.json>`; prints "listening" when ready.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const port = Number(process.argv[2]);
const body = JSON.parse(readFileSync(process.argv[3]!, 'utf8')) as Record<string, unknown>;
const app = Fastify({ logger: false });
app.post('/*', async () => body);
app.get('/*', async () => body);
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('listening\n');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void app.close().then(() => process.exit(0)));
