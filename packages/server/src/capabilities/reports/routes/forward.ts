/**
 * With LEASEHOLD_REPORTS_ROLE=elected, a follower holds no reporting store: the routes that read
 * it are forwarded to the elected leader over HTTP, with the caller's own credentials.
 *
 * - The follower has already authenticated and authorized the caller (the onRequest hook runs
 *   first), so a bad key is refused here without a hop; the leader authenticates the same
 *   credentials again and takes the scope (account, product) from them, never from anything the
 *   follower adds. No new trust between processes, so no shared secret.
 * - One hop at most: a forwarded request reaching a process that does not lead (the row was stale)
 *   is answered 503, never forwarded again.
 * - No leader known, or none answering within the timeout: 503 SERVICE_UNAVAILABLE with Retry-After.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { sendError } from '../../../platform/http/errors.js';

/** The routes that read the reporting store (the others read the main database and answer anywhere). */
const FORWARDED = new Set(['GET /v1/reports/status', 'GET /v1/reports/:name', 'POST /v1/reports/query', 'GET /v1/saved-reports/:id/run']);

/** Marks a forwarded request (its value: the follower's process id, for the leader's log). */
export const FORWARDED_HEADER = 'x-leasehold-reports-forwarded';
/** What the caller sent that the leader needs to answer as this process would. */
const PASSED_ON = ['authorization', 'cookie', 'accept', 'content-type', 'x-csrf-token'];
const RETRY_AFTER_S = 2;

export function installReportForwarding(app: App, services: Services, timeoutMs: () => number): void {
  app.addHook('preHandler', async (request, reply) => {
    const leadership = services.reportsLeadership;
    if (!leadership || leadership.role === 'leader') return;
    if (!FORWARDED.has(`${request.method} ${request.routeOptions.url}`)) return;
    if (request.headers[FORWARDED_HEADER] !== undefined)
      return unavailable(reply, 'This process does not hold the reporting store now.', 'not leader');
    const leader = leadership.knownLeader();
    if (!leader)
      return unavailable(reply, 'No process holds the reporting store now (an election is under way); retry shortly.', 'no leader');
    return forward(request, reply, leader.url, leadership.processId, timeoutMs());
  });
}

function unavailable(reply: FastifyReply, message: string, reason: string): FastifyReply {
  reply.header('retry-after', String(RETRY_AFTER_S));
  return sendError(reply, 'SERVICE_UNAVAILABLE', message, { reason });
}

async function forward(
  request: FastifyRequest,
  reply: FastifyReply,
  base: string,
  processId: string,
  timeoutMs: number,
): Promise<FastifyReply> {
  const headers: Record<string, string> = { [FORWARDED_HEADER]: processId, 'x-request-id': request.id };
  for (const name of PASSED_ON) {
    const v = request.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  let res: Response;
  let body: Buffer;
  try {
    res = await fetch(`${base}${request.url}`, {
      method: request.method,
      headers,
      body: request.method === 'POST' ? JSON.stringify(request.body ?? null) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    body = Buffer.from(await res.arrayBuffer());
  } catch (error) {
    request.log.warn(
      { leader: base, reason: error instanceof Error ? error.message : String(error) },
      'reports: the leader did not answer',
    );
    return unavailable(reply, 'The process holding the reporting store did not answer; retry shortly.', 'leader unreachable');
  }
  for (const name of ['content-type', 'content-disposition', 'retry-after']) {
    const v = res.headers.get(name);
    if (v !== null) reply.header(name, v);
  }
  reply.code(res.status);
  // The status says which process received the request, beside the one whose store answered.
  if (request.routeOptions.url === '/v1/reports/status' && res.status === 200) {
    const status = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    return reply.send(JSON.stringify({ ...status, process: { id: processId, role: 'follower' } }));
  }
  return reply.send(body);
}
