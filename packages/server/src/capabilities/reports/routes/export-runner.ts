/**
 * The scheduled exports' runner, off the request path: each process's job looks for exports whose
 * next run is due and claims each by moving `next_run_at` on from the value it saw (a conditional
 * write: of several processes on one database exactly one moves it), writes the run, then
 * computes the CSV from the reporting store and delivers it. A failed delivery is tried again on
 * the webhooks' schedule (claimed the same way, by the run's `next_attempt_at`). A paused export
 * is not looked at; a run it started before the pause keeps its retries, as a job already started
 * outlives a suspended schedule.
 */
import { formatTimestamp } from '@leasehold/contract';
import { stringify } from 'csv-stringify/sync';
import type { Context } from '../../../platform/domain/context.js';
import { notFound } from '../../../platform/domain/errors.js';
import type { Services } from '../../../platform/http/services.js';
import { mailOf } from '../../portal/routes/wire.js';
import { systemContext } from '../../webhooks/dispatcher.js';
import { isSuccess, retryDelay } from '../../webhooks/schedule.js';
import { send } from '../../webhooks/sender.js';
import { webhookSettings } from '../../webhooks/settings.js';
import { signatureHeader } from '../../webhooks/signing.js';
import { EXPORT_SECRET_PURPOSE, nextRunAfter, periodBefore } from '../exports.js';
import type { ExportSchedulePort, ReportExportRecord, ReportExportRunRecord, SavedReportRecord } from '../ports.js';
import { ExportScheduleRepository } from '../store/report-exports.js';
import { runModelQuery } from '../store/model.js';
import { modelQueryOf, queryOut } from './query.js';
import { reportingOf } from './runtime.js';

/** How long a claimed attempt is this process's: longer than any delivery may take, so only a dead process loses it. */
export const ATTEMPT_CLAIM_MS = 5 * 60_000;
const BATCH = 50;

/** A saved report's rows over [from, to) as CSV with a header row: period (unless none), dimensions, measures. */
export async function exportCsv(
  services: Services,
  saved: SavedReportRecord,
  scope: { accountId: string; productId: string | null },
  from: number,
  to: number,
): Promise<{ csv: string; rows: number }> {
  const query = modelQueryOf(saved.query, from, to);
  const { store } = await reportingOf(services);
  const out = queryOut(query, await runModelQuery(store, scope, query));
  const columns = [...(query.granularity === 'none' ? [] : ['period']), ...query.dimensions, ...query.measures];
  const csv = stringify(
    out.rows.map((r) => columns.map((c) => (r as Record<string, unknown>)[c] ?? '')),
    { header: true, columns },
  );
  return { csv, rows: out.rows.length };
}

const day = (t: number) => formatTimestamp(t).slice(0, 10);
const fileName = (saved: SavedReportRecord, from: number) =>
  `${saved.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'report'}-${day(from)}.csv`;

export class ExportRunner {
  constructor(
    private readonly services: Services,
    private readonly port: ExportSchedulePort,
    private readonly random: () => number = Math.random,
  ) {}

  /** Starts the runs that are due and tries again the deliveries that are; resolves when they are written. */
  async tick(): Promise<number> {
    const now = this.services.clock.now();
    let done = 0;
    for (const due of await this.port.dueExports(now, BATCH)) {
      const ctx = systemContext(this.services, due.accountId);
      // A claim that fails (the database busy, gone for a moment) is left for the next run of the job.
      const run = await ctx.store
        .write(async (tx) => {
          const exp = await tx.reportExports.find(due.id);
          if (!exp || exp.nextRunAt !== due.nextRunAt || exp.pausedAt !== null) return undefined;
          // Runs missed while no server ran are not made up: the next one is after now.
          if (!(await tx.reportExports.advance(exp.id, due.nextRunAt, nextRunAfter(exp.cadence, exp.hour, Math.max(now, due.nextRunAt)))))
            return undefined;
          const period = periodBefore(exp.cadence, due.nextRunAt);
          const r: ReportExportRunRecord = {
            id: ctx.ids.next('reportExportRun'),
            exportId: exp.id,
            trigger: 'schedule',
            at: due.nextRunAt,
            ...period,
            rows: null,
            status: 'pending',
            attempts: 0,
            nextAttemptAt: now + ATTEMPT_CLAIM_MS,
            error: null,
          };
          await tx.reportExports.insertRun(r);
          return r;
        })
        .catch(() => undefined);
      if (run) {
        await this.attempt(due.accountId, run.id, run.nextAttemptAt!);
        done++;
      }
    }
    for (const due of await this.port.dueRuns(now, BATCH)) {
      const ctx = systemContext(this.services, due.accountId);
      const until = now + ATTEMPT_CLAIM_MS;
      if (await ctx.store.write((tx) => tx.reportExports.claimRun(due.id, due.nextAttemptAt, until)).catch(() => false)) {
        await this.attempt(due.accountId, due.id, until);
        done++;
      }
    }
    return done;
  }

  /**
   * Runs an export now over the last whole period (the schedule is left as it is), and answers the
   * run as it ended. A paused export runs too, once, and stays paused: run now is a person asking
   * for this one run (to try a destination before resuming, say), not the schedule.
   */
  async runNow(ctx: Context, exportId: string): Promise<ReportExportRunRecord> {
    const now = ctx.clock.now();
    const run = await ctx.store.write(async (tx) => {
      const exp = await tx.reportExports.find(exportId);
      if (!exp) throw notFound('report export', exportId);
      const r: ReportExportRunRecord = {
        id: ctx.ids.next('reportExportRun'),
        exportId: exp.id,
        trigger: 'manual',
        at: now,
        ...periodBefore(exp.cadence, now),
        rows: null,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now + ATTEMPT_CLAIM_MS,
        error: null,
      };
      await tx.reportExports.insertRun(r);
      return r;
    });
    return (await this.attempt(ctx.store.scope.accountId, run.id, run.nextAttemptAt!)) ?? run;
  }

  /** One attempt at a run this process has claimed until `claimedUntil`; writes its outcome. */
  private async attempt(accountId: string, runId: string, claimedUntil: number): Promise<ReportExportRunRecord | undefined> {
    const ctx = systemContext(this.services, accountId);
    const loaded = await ctx.store.read(async (tx) => {
      const run = await tx.reportExports.findRun(runId);
      const exp = run && (await tx.reportExports.find(run.exportId));
      const saved = exp && (await tx.savedReports.find(exp.savedReportId));
      return run && { run, exp, saved };
    });
    if (!loaded) return undefined;
    const { run, exp, saved } = loaded;
    let rows = run.rows;
    let error: string | null;
    let lastTry = false;
    if (!exp || !saved) {
      error = exp ? 'the saved report was deleted' : 'the export was deleted';
      lastTry = true;
    } else {
      try {
        const out = await exportCsv(this.services, saved, { accountId, productId: exp.productId }, run.from, run.to);
        rows = out.rows;
        error = await this.deliver(exp, saved, run, out.csv);
      } catch (e) {
        error = (e as Error).message ?? String(e);
      }
    }
    const attempts = run.attempts + 1;
    const delay = error === null || lastTry ? null : retryDelay(attempts, this.random);
    const now = this.services.clock.now();
    const next: ReportExportRunRecord = {
      ...run,
      rows,
      attempts,
      error,
      status: error === null ? 'delivered' : delay === null ? 'failed' : 'pending',
      nextAttemptAt: error === null || delay === null ? null : now + delay,
    };
    const settled = await ctx.store.write((tx) => tx.reportExports.settleRun(next, claimedUntil));
    return settled ? next : undefined;
  }

  /** Sends the CSV; answers null when it was delivered, else why not. */
  private async deliver(
    exp: ReportExportRecord,
    saved: SavedReportRecord,
    run: ReportExportRunRecord,
    csv: string,
  ): Promise<string | null> {
    if (exp.destination.kind === 'email') {
      const { mail } = mailOf(this.services);
      if (!mail) return 'no SMTP server is configured (LEASEHOLD_SMTP_URL)';
      try {
        await mail.send({
          to: exp.destination.to,
          subject: `Report "${saved.name}", ${day(run.from)} to ${day(run.to - 1)}`,
          text: `The saved report "${saved.name}" from ${formatTimestamp(run.from)} to ${formatTimestamp(run.to)} (exclusive) is attached as CSV.\n`,
          attachments: [{ filename: fileName(saved, run.from), content: csv, contentType: 'text/csv; charset=utf-8' }],
        });
        return null;
      } catch (e) {
        return `mail not sent: ${(e as Error).message ?? String(e)}`;
      }
    }
    const s = webhookSettings();
    const secret = this.services.secrets.decrypt(EXPORT_SECRET_PURPOSE, exp.secretSealed!);
    const timestamp = Math.floor(this.services.clock.now() / 1000);
    const result = await send({
      url: exp.destination.url,
      body: csv,
      contentType: 'text/csv; charset=utf-8',
      headers: {
        'webhook-id': run.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader([secret], run.id, timestamp, csv),
        'user-agent': 'Leasehold-Exports/1',
        'x-leasehold-export': exp.id,
        'x-leasehold-period': `${formatTimestamp(run.from)}/${formatTimestamp(run.to)}`,
      },
      timeoutMs: s.timeoutMs,
      allowPrivateNetworks: s.allowPrivateNetworks,
      now: () => this.services.clock.now(),
    });
    if (isSuccess(result.status)) return null;
    return result.error ?? `the receiver answered ${result.status}`;
  }
}

/** One runner per process (per Services: tests run several servers in one process). */
const runners = new WeakMap<Services, ExportRunner>();

export function exportRunnerOf(services: Services): ExportRunner {
  let r = runners.get(services);
  if (!r) {
    r = new ExportRunner(services, new ExportScheduleRepository(services.store.database));
    runners.set(services, r);
  }
  return r;
}
