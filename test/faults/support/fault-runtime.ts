/**
 * The parent side of runtime-child.ts: starts the local runtime in a child process on a fixed data directory
 * and port, sends it fault plans, drains it, and kills it with SIGKILL and starts it again on the same data.
 * Clients that lose their connection wait on `available()` (the next child's readiness), not on a timer.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { FaultPlan } from '../../../local/faults';
import type {
  ChildConfig,
  ChildMessage,
  DrainReport,
  ParentCommand,
  ParentRequest,
  RuntimeInfo,
} from './protocol';

const CHILD_SCRIPT = join(__dirname, 'runtime-child.ts');
const START_TIMEOUT_MS = 120_000;
const OUTPUT_LINES = 200;

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody waits for is not an unhandled one: callers that need the value await it.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class FaultRuntime {
  private child?: ChildProcess;
  private ready = deferred<RuntimeInfo>();
  private exited = deferred<void>();
  private readonly replies = new Map<number, Deferred<unknown>>();
  private nextId = 1;
  private held: string[] = [];
  private heldWaiters: Array<() => void> = [];
  private readonly output: string[] = [];
  /** Held calls seen over the whole run, by every child. */
  readonly heldLog: string[] = [];
  /** Seconds from spawn to ready, per start of the runtime process. */
  readonly startSeconds: number[] = [];
  starts = 0;

  private constructor(private readonly config: ChildConfig) {}

  static async start(config: ChildConfig): Promise<FaultRuntime> {
    const runtime = new FaultRuntime(config);
    runtime.spawn();
    await runtime.available();
    return runtime;
  }

  /** The running child's endpoints; resolves again once a restarted child is ready. */
  available(): Promise<RuntimeInfo> {
    return withTimeout(this.ready.promise, START_TIMEOUT_MS, 'the local runtime did not become ready');
  }

  setPlan(plan: FaultPlan): Promise<void> {
    return this.request({ command: 'plan', plan }) as Promise<void>;
  }

  drain(): Promise<DrainReport> {
    return this.request({ command: 'drain' }) as Promise<DrainReport>;
  }

  /** Resolves once `count` calls have been held by the current plan. */
  async waitForHeld(count: number, timeoutMs: number): Promise<readonly string[]> {
    const reached = new Promise<void>((resolve) => {
      const check = () => {
        if (this.held.length >= count) resolve();
        else this.heldWaiters.push(check);
      };
      check();
    });
    await withTimeout(reached, timeoutMs, `${count} held calls (got: ${this.held.join('; ') || 'none'})`);
    return [...this.held];
  }

  /** How `killWhenHeld` describes its two held calls. */
  static readonly HELD = /^(DynamoDB UpdateItem on .*ItemStats|answer to PutRecords \(records stored: \d+\))/;

  /**
   * Arms the kill: the consumer is held on an item-statistics write once two went through (so its batch has
   * written its profiles and part of its item rows), the next PutRecords has its records stored but is never
   * answered; once both are held, SIGKILL, and start again on the same data directory and port. `faults` stay on until then; `after` runs on the new
   * process (e.g. to set the faults again). `done` resolves with the held calls once the new process runs.
   */
  async killWhenHeld(
    faults: FaultPlan,
    after?: () => Promise<void>,
  ): Promise<{ readonly done: Promise<readonly string[]> }> {
    await this.setPlan({
      ...faults,
      holdDynamoWrite: { operation: 'UpdateItem', table: 'ItemStats', skip: 2 },
      holdPutRecordsAnswer: true,
    });
    const done = (async () => {
      const held = await this.waitForHeld(2, 60_000);
      await this.kill();
      await this.restart();
      await after?.();
      return held;
    })();
    // Awaited by the scenario; until then a failure must not count as unhandled.
    done.catch(() => undefined);
    return { done };
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.ready = deferred<RuntimeInfo>();
    child.kill('SIGKILL');
    await this.exited.promise;
  }

  /** Starts a new child on the same data directory and port. */
  async restart(): Promise<RuntimeInfo> {
    this.spawn();
    return this.available();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    try {
      await withTimeout(this.request({ command: 'stop' }), 60_000, 'graceful stop');
      child.disconnect();
      await withTimeout(this.exited.promise, 30_000, 'exit after stop');
    } catch {
      child.kill('SIGKILL');
      await this.exited.promise;
    }
  }

  /** The child's last lines of output, for failure messages. */
  recentOutput(): string {
    return this.output.join('\n');
  }

  private spawn(): void {
    this.held = [];
    this.exited = deferred<void>();
    const ready = this.ready;
    const child = fork(CHILD_SCRIPT, [], {
      execArgv: ['--require', require.resolve('tsx/cjs')],
      env: { ...process.env, RECOSTREAM_FAULT_CHILD: JSON.stringify(this.config) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.starts++;
    const spawnedAt = performance.now();
    ready.promise.then(
      () => this.startSeconds.push(Math.round((performance.now() - spawnedAt) / 100) / 10),
      () => undefined,
    );
    const keep = (chunk: Buffer) => {
      this.output.push(...chunk.toString().trimEnd().split('\n'));
      if (this.output.length > OUTPUT_LINES) this.output.splice(0, this.output.length - OUTPUT_LINES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') ready.resolve(message.info);
      else if (message.type === 'held') {
        this.held.push(message.description);
        this.heldLog.push(message.description);
        for (const waiter of this.heldWaiters.splice(0)) waiter();
      } else {
        const reply = this.replies.get(message.id);
        this.replies.delete(message.id);
        if (message.error !== undefined) reply?.reject(new Error(message.error));
        else reply?.resolve(message.result);
      }
    });
    child.on('exit', (code, signal) => {
      const reason = new Error(`runtime process exited (${signal ?? code}):\n${this.recentOutput()}`);
      ready.reject(reason);
      for (const reply of this.replies.values()) reply.reject(reason);
      this.replies.clear();
      this.exited.resolve();
    });
  }

  private request(body: ParentCommand): Promise<unknown> {
    const child = this.child;
    if (!child?.connected) return Promise.reject(new Error('the runtime process is not running'));
    const id = this.nextId++;
    const reply = deferred<unknown>();
    this.replies.set(id, reply);
    const request: ParentRequest = { ...body, id };
    child.send(request);
    return reply.promise;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
