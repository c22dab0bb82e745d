import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ImportKind, ImportReport, ImportRowResult } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { DomainError } from '../../platform/domain/errors.js';
import { eachInTransactions } from './run.js';
import { applyCsvRow, checkHeader, refOf } from './csv-rows.js';
import type { ImportDeps, Upserted } from './upserts.js';

/** How many rows of each sort the report lists; the counts count them all. */
const LISTED_REFUSED = 10_000;
const LISTED_OTHERS = 1_000;

interface Row {
  line: number;
  cells: Record<string, string>;
}

/**
 * The rows of a CSV stream as they arrive, each with the line it starts on. The header is
 * checked before the first row. A row the parser cannot read (a broken quote, a wrong number of
 * cells) comes as a refusal at its line, and the rows after it still come.
 */
async function* rowsOf(kind: ImportKind, source: Readable): AsyncGenerator<Row | { line: number; broken: DomainError }> {
  let headerError: DomainError | undefined;
  const unreadable: Array<{ line: number; broken: DomainError }> = [];
  const parser = source.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        const line = (error as (Error & { lines?: number }) | undefined)?.lines ?? 0;
        const message = error?.message ?? 'unreadable row';
        unreadable.push({ line, broken: new DomainError('INVALID_REQUEST', `The row cannot be read: ${message}`, { field: 'csv' }) });
      },
      columns: (header: string[]) => {
        try {
          checkHeader(kind, header);
        } catch (error) {
          headerError = error as DomainError;
        }
        return header;
      },
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    if (headerError) break;
    // `lines` counts to the end of the record; a quoted cell spanning lines starts earlier.
    const spans = Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    const line = info.lines - spans;
    // The parser may have read (and skipped) rows past this one already: they come in line order.
    while (unreadable.length > 0 && unreadable[0]!.line < line) yield unreadable.shift()!;
    yield { line, cells: record };
  }
  if (headerError) {
    source.destroy();
    throw headerError;
  }
  yield* unreadable.splice(0);
}

/**
 * A CSV import of customers, entitlements or activations, streamed: rows are read and applied as
 * they arrive, so a file of any size passes through in constant memory.
 *
 * Per row, not all or nothing: each row commits in its own transaction, or is refused with its
 * line, a stable code and the column at fault, and the import goes on. Rows are matched by
 * externalRef (a device by entitlement and fingerprint), so the corrected file can be sent again:
 * what was imported is `unchanged` the second time. A dry run tries every row in one transaction
 * that is rolled back at the end — later rows see what earlier ones would have made — and changes
 * nothing.
 */
export async function importCsv(
  ctx: Context,
  deps: ImportDeps,
  kind: ImportKind,
  source: Readable,
  opts: { dryRun: boolean },
): Promise<ImportReport> {
  const report: ImportReport = {
    kind,
    dryRun: opts.dryRun,
    counts: { rows: 0, created: 0, updated: 0, unchanged: 0, refused: 0 },
    results: [],
    truncated: false,
  };
  let listedOthers = 0;
  const note = (result: ImportRowResult) => {
    report.counts.rows++;
    report.counts[result.outcome]++;
    const room = result.outcome === 'refused' ? report.counts.refused <= LISTED_REFUSED : ++listedOthers <= LISTED_OTHERS;
    if (room) report.results.push(result);
    else report.truncated = true;
  };
  const refuse = (line: number, ref: string | null, error: DomainError) =>
    note({
      line,
      outcome: 'refused',
      ref,
      id: null,
      code: error.code,
      message: error.message,
      field: typeof error.details?.['field'] === 'string' ? error.details['field'] : null,
    });
  type Item = Row | { line: number; broken: DomainError };
  await eachInTransactions<Item, Upserted | null>(ctx, opts.dryRun, rowsOf(kind, source), {
    apply: async (tx, item) => ('broken' in item ? null : applyCsvRow(tx, ctx, deps, kind, item.cells)),
    done: (item, done) => {
      if ('broken' in item) return refuse(item.line, null, item.broken);
      note({
        line: item.line,
        outcome: done!.outcome,
        ref: refOf(kind, item.cells),
        id: opts.dryRun && done!.outcome === 'created' ? null : done!.id,
        code: null,
        message: null,
        field: null,
        ...(done!.changes ? { changes: done!.changes } : {}),
      });
    },
    refuse: (item, error) => refuse(item.line, 'broken' in item ? null : refOf(kind, item.cells), error),
  });
  return report;
}
