/**
 * The election of the one reporting process of a deployment (LEASEHOLD_REPORTS_ROLE=elected,
 * PostgreSQL only): a session-level advisory lock held on a connection of its own decides who
 * leads, and the `reports_leader` row (migration 0048) tells the others where it is.
 *
 * - The lock is the truth: PostgreSQL gives it back when the leader's session ends (the process
 *   dies, its connection drops), and the next process that tries takes it. The row only advertises
 *   the leader (address, process, term, heartbeat); a new leader bumps the term.
 * - Every process tries the lock once a heartbeat while it follows, and reads the row; the leader
 *   writes its heartbeat into the row. A leader whose connection fails steps down at once (it can
 *   no longer know that it holds the lock) and tries again after reconnecting.
 */
import pg from 'pg';
import type { Kysely } from 'kysely';

declare module '../../../platform/store/schema.js' {
  interface DB {
    reports_leader: ReportsLeaderTable;
  }
}

export interface ReportsLeaderTable {
  /** One row per election ('reports'). */
  name: string;
  process_id: string;
  url: string;
  pid: number;
  term: number;
  elected_at: number;
  heartbeat_at: number;
}

export const reportsLeaderMigration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('reports_leader')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('process_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer', (c) => c.notNull())
      .addColumn('term', 'bigint', (c) => c.notNull())
      .addColumn('elected_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('reports_leader').execute();
  },
};

/** The advisory lock's key: a constant of this election (pg_try_advisory_lock's bigint space). */
const LOCK_KEY = '7023519764251032617';
const ELECTION = 'reports';
/** Named, so an operator (and a test) can tell the election's connection from the pool's. */
export const ELECTION_CONNECTION_NAME = 'leasehold-reports-election';

export interface LeaderInfo {
  processId: string;
  url: string;
  pid: number;
  term: number;
  heartbeatAt: number;
}

export type ReportsRole = 'leader' | 'follower';

export interface LeadershipOptions {
  databaseUrl: string;
  processId: string;
  /** Where the other processes reach this one for reports. */
  url: string;
  heartbeatMs: number;
  now: () => number;
  log: (message: string) => void;
}

export class ReportsLeadership {
  role: ReportsRole = 'follower';
  /** The term this process leads in (while leader). */
  term: number | null = null;
  /** The leader as last read (or this process, while it leads). */
  leader: LeaderInfo | null = null;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking = false;

  constructor(readonly options: LeadershipOptions) {}

  get processId(): string {
    return this.options.processId;
  }

  /** The leader the row names, unless its heartbeat is too old to trust (then none is known). */
  knownLeader(): LeaderInfo | null {
    const l = this.leader;
    if (!l) return null;
    return this.options.now() - l.heartbeatAt > this.staleMs() ? null : l;
  }

  private staleMs(): number {
    return Math.max(5_000, 5 * this.options.heartbeatMs);
  }

  start(): void {
    const tick = () => {
      if (this.ticking || this.stopped) return;
      this.ticking = true;
      this.beat()
        .catch((error: unknown) => this.lost(error))
        .finally(() => (this.ticking = false));
    };
    this.timer = setInterval(tick, this.options.heartbeatMs);
    this.timer.unref();
    tick();
  }

  /** One heartbeat: connect if needed; lead (heartbeat) or try to lead, and learn who leads. */
  private async beat(): Promise<void> {
    const client = await this.connection();
    const now = this.options.now();
    if (this.role === 'leader') {
      const { rowCount } = await this.query(
        client,
        'UPDATE reports_leader SET heartbeat_at = $1 WHERE name = $2 AND term = $3 AND process_id = $4',
        [now, ELECTION, this.term, this.processId],
      );
      // Someone rewrote the row (an operator, a stale process): the lock still says we lead; reclaim it.
      if (rowCount === 0) await this.advertise(client, now);
      this.leader = { ...this.leader!, heartbeatAt: now };
      return;
    }
    const { rows } = await this.query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock($1::bigint) AS ok', [LOCK_KEY]);
    if (rows[0]?.ok) {
      await this.advertise(client, now);
      this.role = 'leader';
      this.options.log(`reports: this process leads (term ${this.term})`);
      return;
    }
    const read = await this.query<{ process_id: string; url: string; pid: number; term: string; heartbeat_at: string }>(
      client,
      'SELECT process_id, url, pid, term, heartbeat_at FROM reports_leader WHERE name = $1',
      [ELECTION],
    );
    const r = read.rows[0];
    this.leader = r ? { processId: r.process_id, url: r.url, pid: r.pid, term: Number(r.term), heartbeatAt: Number(r.heartbeat_at) } : null;
  }

  /** Writes this process into the row with the next term. */
  private async advertise(client: pg.Client, now: number): Promise<void> {
    const { rows } = await this.query<{ term: string }>(
      client,
      `INSERT INTO reports_leader (name, process_id, url, pid, term, elected_at, heartbeat_at)
       VALUES ($1, $2, $3, $4, 1, $5, $5)
       ON CONFLICT (name) DO UPDATE SET process_id = $2, url = $3, pid = $4, term = reports_leader.term + 1,
         elected_at = $5, heartbeat_at = $5
       RETURNING term`,
      [ELECTION, this.processId, this.options.url, process.pid, now],
    );
    this.term = Number(rows[0]!.term);
    this.leader = { processId: this.processId, url: this.options.url, pid: process.pid, term: this.term, heartbeatAt: now };
  }

  /** A query that must answer within a few heartbeats: a half-open connection would otherwise hang it. */
  private async query<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the election connection did not answer in time')),
        Math.max(3_000, 3 * this.options.heartbeatMs),
      );
    });
    try {
      return await Promise.race([client.query<R>(text, values), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      application_name: ELECTION_CONNECTION_NAME,
    });
    client.on('error', (error) => this.lost(error, client));
    client.on('end', () => this.lost(new Error('the election connection ended'), client));
    await client.connect();
    this.client = client;
    return client;
  }

  /** The connection failed: without it, this process cannot know it holds the lock, so it follows. */
  private lost(error: unknown, client: pg.Client | null = this.client): void {
    if (client !== this.client || client === null) return;
    this.client = null;
    void client.end().catch(() => {});
    if (this.role === 'leader') this.options.log(`reports: stepped down, the election connection failed (${String(error)})`);
    this.role = 'follower';
    this.term = null;
  }

  /** Gives the lead up (a graceful stop): the row's heartbeat is cleared so the others stop forwarding at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (this.role === 'leader') {
      await client
        .query('UPDATE reports_leader SET heartbeat_at = 0 WHERE name = $1 AND term = $2', [ELECTION, this.term])
        .catch(() => undefined);
    }
    this.role = 'follower';
    await client.end().catch(() => undefined);
  }
}
