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

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  const secure = isHttps(request) ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}${secure}`,
  );
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  const secure = isHttps(request) ? '; Secure' : '';
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`);
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
  if (!SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (!csrfTokenMatches(token, typeof sent === 'string' ? sent : undefined)) {
      throw new DomainError('FORBIDDEN', `A write made with the console session must send its CSRF token in ${CSRF_HEADER}.`, {
        reason: 'csrf',
      });
    }
  }
  return { ...found, token };
}
