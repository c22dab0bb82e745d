import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenMatches, resolveSession, SESSION_TTL_MS, type StaffSessionRecord } from '../sessions.js';
import type { StaffUserRecord } from '../staff-users.js';
import { DomainError } from '../../../platform/domain/errors.js';
import type { Services } from '../../../platform/http/services.js';

/** Console sign-in: the session cookie (HttpOnly) and the header that must echo its CSRF token on writes. */
export const SESSION_COOKIE = 'leasehold_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface StaffPrincipal {
  user: StaffUserRecord;
  session: StaffSessionRecord;
  token: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** Secure when the request came over TLS, directly or through a proxy that says so. */
function isHttps(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  return request.protocol === 'https' || (typeof forwarded === 'string' && forwarded.split(',')[0]!.trim() === 'https');
}

/** Sets an HttpOnly, SameSite=Lax cookie (Secure over TLS); a `maxAgeSeconds` of 0 clears it. */
export function setCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  cookie: { name: string; value: string; path: string; maxAgeSeconds: number },
): void {
  const secure = isHttps(request) ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${cookie.name}=${cookie.value}; Path=${cookie.path}; HttpOnly; SameSite=Lax; Max-Age=${cookie.maxAgeSeconds}${secure}`,
  );
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  setCookie(request, reply, { name: SESSION_COOKIE, value: token, path: '/', maxAgeSeconds: Math.floor(SESSION_TTL_MS / 1000) });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  setCookie(request, reply, { name: SESSION_COOKIE, value: '', path: '/', maxAgeSeconds: 0 });
}

/**
 * A write made with a session cookie must carry the session's CSRF token in a header, which a page
 * on another origin cannot read or forge; reads pass. Throws FORBIDDEN (reason csrf) otherwise.
 */
export function requireCsrf(request: FastifyRequest, sessionToken: string, what: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  const sent = request.headers[CSRF_HEADER];
  if (!csrfTokenMatches(sessionToken, typeof sent === 'string' ? sent : undefined)) {
    throw new DomainError('FORBIDDEN', `A write made with the ${what} must send its CSRF token in ${CSRF_HEADER}.`, { reason: 'csrf' });
  }
}

/**
 * The staff user behind the request's session cookie, or undefined when there is no live session.
 * A write made with the cookie must carry the session's CSRF token in a header, which a page on
 * another origin cannot read or forge; SameSite=Lax already keeps the cookie off cross-site posts.
 */
export async function authenticateStaff(services: Services, request: FastifyRequest): Promise<StaffPrincipal | undefined> {
  const token = readCookie(request, SESSION_COOKIE);
  if (!token) return undefined;
  const found = await resolveSession({ staff: services.store.staff, clock: services.clock }, token);
  if (!found) return undefined;
  requireCsrf(request, token, 'console session');
  return { ...found, token };
}
