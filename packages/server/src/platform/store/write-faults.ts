import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** The error an armed WriteFaults throws; nothing else raises it. */
export class InjectedFault extends Error {
  constructor(readonly statement: number) {
    super(`injected fault after write statement ${statement}`);
    this.name = 'InjectedFault';
  }
}

/**
 * Fault injection for the write path, for tests: armed with N, it throws after the Nth statement
 * that write transactions execute (counted across transactions, from the arming), once. Walking N
 * from 1 until a write succeeds puts a failure after every statement of that write, which is how
 * the suites prove that a write which fails half-way commits nothing.
 *
 * Unarmed it costs one property read per write transaction: `plugin()` answers null and the
 * transaction runs as it would without it.
 */
export class WriteFaults {
  private remaining = 0;
  private counted = 0;
  /** How many faults were thrown since the last arm (0 or 1). */
  fired = 0;

  arm(afterStatement: number): void {
    if (!Number.isInteger(afterStatement) || afterStatement < 1) throw new Error('arm with a statement number from 1');
    this.remaining = afterStatement;
    this.counted = 0;
    this.fired = 0;
  }

  disarm(): void {
    this.remaining = 0;
  }

  get armed(): boolean {
    return this.remaining > 0;
  }

  /** The plugin a write transaction runs through while armed; null otherwise. */
  plugin(): KyselyPlugin | null {
    return this.remaining > 0 ? this.counter : null;
  }

  private readonly counter: KyselyPlugin = {
    transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => args.node,
    transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
      if (this.remaining === 0) return args.result;
      this.counted++;
      if (--this.remaining === 0) {
        this.fired++;
        throw new InjectedFault(this.counted);
      }
      return args.result;
    },
  };
}
