/**
 * Scheduled exports of saved reports: a cadence and a UTC hour, and a destination (an HTTPS URL
 * that gets the CSV signed as our webhooks are, or an email address that gets it attached). Each
 * run covers the whole period before it: yesterday, the last ISO week, the last month. Like saved
 * reports they are views, not licensing state: no event is recorded for them.
 */
import type { Context } from '../../platform/domain/context.js';
import { DomainError, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { refusalOfUrl } from '../webhooks/address-guard.js';
import type { UrlPolicy } from '../webhooks/endpoints.js';
import { newSigningSecret } from '../webhooks/signing.js';
import type { ExportCadence, ExportDestination, ReportExportRecord, ReportExportRunRecord } from './ports.js';

/** The master key's purpose for export signing secrets (apart from the webhook endpoints'). */
export const EXPORT_SECRET_PURPOSE = 'report-export-secret';
export const CADENCES: readonly ExportCadence[] = ['daily', 'weekly', 'monthly'];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const startOfDay = (t: number) => Math.floor(t / DAY) * DAY;
/** Monday 00:00 UTC of t's ISO week. */
const startOfWeek = (t: number) => startOfDay(t) - ((new Date(t).getUTCDay() + 6) % 7) * DAY;
const startOfMonth = (t: number, plus = 0) => {
  const d = new Date(t);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1);
};

/** The last whole period before `t`: [from, to). */
export function periodBefore(cadence: ExportCadence, t: number): { from: number; to: number } {
  if (cadence === 'daily') {
    const to = startOfDay(t);
    return { from: to - DAY, to };
  }
  if (cadence === 'weekly') {
    const to = startOfWeek(t);
    return { from: to - 7 * DAY, to };
  }
  return { from: startOfMonth(t, -1), to: startOfMonth(t) };
}

/** The first scheduled time after `t`: each day, each Monday, or each 1st of the month, at `hour` UTC. */
export function nextRunAfter(cadence: ExportCadence, hour: number, t: number): number {
  const h = hour * HOUR;
  if (cadence === 'daily') {
    const c = startOfDay(t) + h;
    return c > t ? c : c + DAY;
  }
  if (cadence === 'weekly') {
    const c = startOfWeek(t) + h;
    return c > t ? c : c + 7 * DAY;
  }
  const c = startOfMonth(t) + h;
  return c > t ? c : startOfMonth(t, 1) + h;
}

export interface ExportInput {
  savedReportId: string;
  cadence: ExportCadence;
  hour: number;
  destination: ExportDestination;
}

export interface ExportDeps {
  urlPolicy: UrlPolicy;
  /** Is an SMTP server configured (LEASEHOLD_SMTP_URL)? */
  mailConfigured: boolean;
}

/** Refuses a destination this server cannot or may not deliver to (the webhooks' SSRF guard for a URL). */
async function checkDestination(d: ExportDestination, deps: ExportDeps): Promise<void> {
  if (d.kind === 'email') {
    if (!deps.mailConfigured)
      throw new DomainError(
        'MAIL_NOT_CONFIGURED',
        'This server has no SMTP server configured (LEASEHOLD_SMTP_URL): it cannot send email.',
        {
          field: 'destination.to',
        },
      );
    return;
  }
  const refusal = await refusalOfUrl(d.url, deps.urlPolicy.allowPrivate, deps.urlPolicy.resolve);
  if (refusal) throw new DomainError('WEBHOOK_URL_REFUSED', `The export URL ${refusal}.`, { field: 'destination.url', reason: refusal });
}

async function requireExport(tx: Tx, id: string): Promise<ReportExportRecord> {
  const found = await tx.reportExports.find(id);
  if (!found) throw notFound('report export', id);
  return found;
}

/** A new export; a URL destination's signing secret is answered here once and kept sealed. */
export async function createExport(
  ctx: Context,
  input: ExportInput,
  deps: ExportDeps,
): Promise<{ record: ReportExportRecord; secret: string | null }> {
  // The URL is checked before the transaction: a DNS answer may take a while.
  await checkDestination(input.destination, deps);
  const secret = input.destination.kind === 'url' ? newSigningSecret() : null;
  return ctx.store.write(async (tx) => {
    const saved = await tx.savedReports.find(input.savedReportId);
    if (!saved)
      throw new DomainError('UNKNOWN_REFERENCE', `No saved report ${JSON.stringify(input.savedReportId)} in this account.`, {
        field: 'savedReportId',
      });
    const now = ctx.clock.now();
    const record: ReportExportRecord = {
      id: ctx.ids.next('reportExport'),
      savedReportId: saved.id,
      productId: saved.productId,
      cadence: input.cadence,
      hour: input.hour,
      destination: input.destination,
      secretSealed: secret === null ? null : ctx.secrets.encrypt(EXPORT_SECRET_PURPOSE, secret),
      nextRunAt: nextRunAfter(input.cadence, input.hour, now),
      pausedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await tx.reportExports.insert(record);
    return { record, secret };
  });
}

export function getExport(ctx: Context, id: string): Promise<ReportExportRecord> {
  return ctx.store.read((tx) => requireExport(tx, id));
}

export function listExports(ctx: Context, page: PageRequest): Promise<Page<ReportExportRecord>> {
  return ctx.store.read((tx) => tx.reportExports.list(page));
}

/** What a PATCH may change: the schedule, the destination, and whether the job runs it (`paused`). */
export type ExportPatch = Partial<Pick<ExportInput, 'cadence' | 'hour' | 'destination'>> & { paused?: boolean };

/**
 * When the export runs next after a change made at `now`, and whether it is paused. Pausing keeps
 * the first pause's time (a repeated pause changes nothing); resuming starts again from now, so
 * the runs missed while paused are not made up; a new cadence or hour is computed from now.
 */
export function scheduleAfter(
  current: ReportExportRecord,
  cadence: ExportCadence,
  hour: number,
  paused: boolean | undefined,
  now: number,
): { nextRunAt: number; pausedAt: number | null } {
  const resuming = paused === false && current.pausedAt !== null;
  const pausedAt = paused === undefined ? current.pausedAt : paused ? (current.pausedAt ?? now) : null;
  const unchanged = !resuming && cadence === current.cadence && hour === current.hour;
  return { nextRunAt: unchanged ? current.nextRunAt : nextRunAfter(cadence, hour, now), pausedAt };
}

/**
 * Changes the schedule or the destination, or pauses or resumes the export (see scheduleAfter).
 * A destination that becomes a URL gets a new signing secret (answered once); a URL changed for
 * another keeps its own.
 */
export async function updateExport(
  ctx: Context,
  id: string,
  patch: ExportPatch,
  deps: ExportDeps,
): Promise<{ record: ReportExportRecord; secret: string | null }> {
  if (patch.destination) await checkDestination(patch.destination, deps);
  return ctx.store.write(async (tx) => {
    const current = await requireExport(tx, id);
    const destination = patch.destination ?? current.destination;
    let secret: string | null = null;
    let secretSealed = destination.kind === 'url' ? current.secretSealed : null;
    if (destination.kind === 'url' && secretSealed === null) {
      secret = newSigningSecret();
      secretSealed = ctx.secrets.encrypt(EXPORT_SECRET_PURPOSE, secret);
    }
    const now = ctx.clock.now();
    const cadence = patch.cadence ?? current.cadence;
    const hour = patch.hour ?? current.hour;
    const record: ReportExportRecord = {
      ...current,
      cadence,
      hour,
      destination,
      secretSealed,
      ...scheduleAfter(current, cadence, hour, patch.paused, now),
      updatedAt: now,
    };
    await tx.reportExports.update(record);
    return { record, secret };
  });
}

export function deleteExport(ctx: Context, id: string): Promise<void> {
  return ctx.store.write(async (tx) => {
    await requireExport(tx, id);
    await tx.reportExports.delete(id);
  });
}

export function listRuns(ctx: Context, id: string, page: PageRequest): Promise<Page<ReportExportRunRecord>> {
  return ctx.store.read(async (tx) => {
    await requireExport(tx, id);
    return tx.reportExports.runs(id, page);
  });
}
