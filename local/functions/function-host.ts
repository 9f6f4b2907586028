/**
 * Runs the app's Lambda functions locally: each handler is bundled with esbuild (as
 * NodejsFunction does for `cdk deploy`) and executed in worker threads, one invocation per worker
 * at a time, with the function's own environment and timeout. Workers are reused like warm
 * execution environments and added on demand up to a concurrency limit.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { BUNDLING } from '../../lib/bundling';
import type { LocalFunction } from '../topology';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../topology';

export class FunctionError extends Error {
  constructor(
    readonly functionId: string,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timing?: (timing: WorkerTiming) => void;
}

/** What the worker measured of one invocation (lambda-worker.js). */
interface WorkerTiming {
  readonly handlerMs: number;
  /** `host:port` -> ms during which at least one HTTP request to it was in flight. */
  readonly io: Readonly<Record<string, number>>;
}

/** Where one invocation's time went, as the host saw it. */
export interface InvocationProfile extends WorkerTiming {
  /** Waiting for a free execution environment (or for a new one to be created). */
  readonly acquireMs: number;
  /** From posting the event to the worker to its reply: handlerMs plus the message passing and queueing. */
  readonly invokeMs: number;
}

/** Collects the profiles of one function's invocations until stopped (FunctionHost.startProfile). */
export interface InvocationProfiler {
  readonly samples: readonly InvocationProfile[];
  stop(): void;
}

/** `--enable-source-maps` when the function's NODE_OPTIONS asks for it, as Lambda's Node runtime honours it. */
export function sourceMapFlag(env: Readonly<Record<string, string>>): string[] {
  return (env.NODE_OPTIONS ?? '').split(/\s+/).includes('--enable-source-maps')
    ? ['--enable-source-maps']
    : [];
}

class ExecutionEnvironment {
  private readonly pending = new Map<string, Pending>();
  readonly worker: Worker;
  /** Settles once the handler's module is loaded (the init phase), or fails with the worker. */
  readonly ready: Promise<void>;

  constructor(
    bundlePath: string,
    fn: LocalFunction,
    env: Record<string, string>,
    onInit: (initMs: number) => void,
  ) {
    const created = performance.now();
    this.worker = new Worker(join(__dirname, 'lambda-worker.js'), {
      workerData: { bundlePath, handlerExport: fn.handlerExport },
      env,
      // The function's NODE_OPTIONS (the template sets --enable-source-maps): a worker takes such flags here.
      execArgv: sourceMapFlag(env),
      stdout: false,
      stderr: false,
    });
    this.ready = new Promise((resolveReady, rejectReady) => {
      this.worker.once('message', () => {
        onInit(performance.now() - created);
        resolveReady();
      });
      this.worker.once('error', rejectReady);
      this.worker.once('exit', (code) =>
        rejectReady(new Error(`execution environment exited with code ${code}`)),
      );
    });
    // A failed init is reported by the invocation that waits for it.
    this.ready.catch(() => undefined);
    this.worker.on(
      'message',
      (message: {
        id: string;
        ok: boolean;
        result?: unknown;
        error?: { name: string; message: string };
        timing?: WorkerTiming;
      }) => {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.timing) pending.timing?.(message.timing);
        if (message.ok) pending.resolve(message.result);
        else
          pending.reject(
            new FunctionError(fn.logicalId, message.error?.name ?? 'Error', message.error?.message ?? ''),
          );
      },
    );
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) =>
      this.failAll(new Error(`execution environment exited with code ${code}`)),
    );
  }

  invoke(
    event: unknown,
    context: Record<string, unknown>,
    timing?: (timing: WorkerTiming) => void,
  ): Promise<unknown> {
    const id = randomUUID();
    return new Promise((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise, reject, timing });
      this.worker.postMessage({ id, event, context: { ...context, awsRequestId: id } });
    });
  }

  private failAll(error: Error) {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

export interface FunctionHostOptions {
  /** Where bundles are written. */
  readonly buildDir: string;
  /** Variables every function gets: emulator endpoints, credentials, Powertools settings. */
  readonly baseEnvironment: Record<string, string>;
  /** Execution environments per function, like a reserved concurrency. */
  readonly maxConcurrency?: number;
  /**
   * Told of every init (loading a bundle in a new environment) that took longer than Lambda allows an init
   * (10 s): on a local machine that means it is overloaded, and requests that wait for that init may time out.
   */
  readonly onSlowInit?: (functionId: string, initMs: number) => void;
  /** What counts as slow. @default LAMBDA_INIT_LIMIT_MS */
  readonly slowInitMs?: number;
}

/** Lambda's limit on a function's init phase. */
export const LAMBDA_INIT_LIMIT_MS = 10_000;

export class FunctionHost {
  private readonly idle = new Map<string, ExecutionEnvironment[]>();
  private readonly busy = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly all: ExecutionEnvironment[] = [];
  private readonly bundles = new Map<string, string>();
  private readonly overrides = new Map<string, Record<string, string>>();
  private readonly profilers = new Map<string, Set<InvocationProfile[]>>();
  readonly invocations = new Map<string, number>();

  constructor(
    private readonly functions: ReadonlyMap<string, LocalFunction>,
    private readonly options: FunctionHostOptions,
  ) {}

  /** Bundles every function (in parallel) before the first invocation. */
  async prepare(): Promise<void> {
    mkdirSync(this.options.buildDir, { recursive: true });
    // Files handlers read at run time travel next to the bundle, as the CDK bundling copies them (sql/jobs).
    const sqlDir = resolve(__dirname, '..', '..', 'sql');
    if (existsSync(sqlDir)) cpSync(sqlDir, join(this.options.buildDir, 'sql'), { recursive: true });
    await Promise.all(
      [...this.functions.values()].map(async (fn) => {
        const outfile = join(this.options.buildDir, `${fn.logicalId}.js`);
        await build({
          entryPoints: [resolve(fn.entry)],
          outfile,
          bundle: true,
          platform: 'node',
          // The machine's Node (20) rather than the Lambda runtime's target.
          target: 'node20',
          format: 'cjs',
          ...BUNDLING,
          mainFields: [...BUNDLING.mainFields],
          sourcemap: 'linked',
          logLevel: 'silent',
        });
        this.bundles.set(fn.logicalId, outfile);
      }),
    );
  }

  /**
   * Records where each invocation of `functionId` spends its time (benchmarks): until `stop()`, every
   * invocation adds an InvocationProfile to `samples`.
   */
  startProfile(functionId: string): InvocationProfiler {
    const samples: InvocationProfile[] = [];
    const set = this.profilers.get(functionId) ?? new Set();
    set.add(samples);
    this.profilers.set(functionId, set);
    return { samples, stop: () => set.delete(samples) };
  }

  /**
   * Like a configuration update of a Lambda function: `environment` is laid over the function's own from now
   * on, and its idle execution environments are retired, so the next invocations start fresh ones.
   */
  async reconfigure(functionId: string, environment: Readonly<Record<string, string>>): Promise<void> {
    if (!this.functions.has(functionId)) throw new Error(`No local function ${functionId}`);
    this.overrides.set(functionId, { ...environment });
    const idle = this.idle.get(functionId) ?? [];
    this.idle.set(functionId, []);
    for (const environment of idle) {
      const index = this.all.indexOf(environment);
      if (index >= 0) this.all.splice(index, 1);
    }
    await Promise.all(idle.map((e) => e.worker.terminate()));
  }

  async invoke(functionId: string, event: unknown): Promise<unknown> {
    const fn = this.functions.get(functionId);
    if (!fn) throw new Error(`No local function ${functionId}`);
    const profilers = this.profilers.get(functionId);
    const profiling = profilers !== undefined && profilers.size > 0;
    const acquireStart = profiling ? performance.now() : 0;
    const environment = await this.acquire(fn);
    try {
      // A new environment's init (loading the bundle) is not part of the invocation's timeout.
      await environment.ready;
    } catch (error) {
      this.discard(fn.logicalId, environment);
      throw new FunctionError(fn.logicalId, 'Runtime.InitError', (error as Error).message);
    }
    const invokeStart = profiling ? performance.now() : 0;
    const record =
      profiling && profilers
        ? (timing: WorkerTiming) => {
            const profile: InvocationProfile = {
              ...timing,
              acquireMs: invokeStart - acquireStart,
              invokeMs: performance.now() - invokeStart,
            };
            for (const samples of profilers) samples.push(profile);
          }
        : undefined;
    this.invocations.set(functionId, (this.invocations.get(functionId) ?? 0) + 1);
    const timeoutMs = fn.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        environment.invoke(
          event,
          {
            functionName: fn.logicalId,
            functionVersion: '$LATEST',
            invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${fn.logicalId}`,
            memoryLimitInMB: String(fn.memoryMb),
            logGroupName: `/aws/lambda/${fn.logicalId}`,
            logStreamName: 'local',
            timeoutMs,
          },
          record,
        ),
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            // Like Lambda, a timed-out environment is not reused.
            void environment.worker.terminate();
            this.discard(fn.logicalId, environment);
            reject(
              new FunctionError(
                fn.logicalId,
                'Sandbox.Timedout',
                `Task timed out after ${fn.timeoutSeconds} seconds`,
              ),
            );
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.release(fn.logicalId, environment);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((e) => e.worker.terminate()));
  }

  private async acquire(fn: LocalFunction): Promise<ExecutionEnvironment> {
    const max = this.options.maxConcurrency ?? 4;
    for (;;) {
      const idle = this.idle.get(fn.logicalId)?.pop();
      if (idle) {
        this.busy.set(fn.logicalId, (this.busy.get(fn.logicalId) ?? 0) + 1);
        return idle;
      }
      const count = (this.busy.get(fn.logicalId) ?? 0) + (this.idle.get(fn.logicalId)?.length ?? 0);
      if (count < max) {
        const bundle = this.bundles.get(fn.logicalId);
        if (!bundle) throw new Error(`Function ${fn.logicalId} was not prepared`);
        const environment = new ExecutionEnvironment(
          bundle,
          fn,
          {
            ...this.options.baseEnvironment,
            ...fn.environment,
            ...this.overrides.get(fn.logicalId),
            AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
          },
          (initMs) => {
            if (initMs > (this.options.slowInitMs ?? LAMBDA_INIT_LIMIT_MS))
              this.options.onSlowInit?.(fn.logicalId, initMs);
          },
        );
        this.all.push(environment);
        this.busy.set(fn.logicalId, (this.busy.get(fn.logicalId) ?? 0) + 1);
        return environment;
      }
      await new Promise<void>((resolveWait) => {
        const queue = this.waiting.get(fn.logicalId) ?? [];
        queue.push(resolveWait);
        this.waiting.set(fn.logicalId, queue);
      });
    }
  }

  private release(functionId: string, environment: ExecutionEnvironment) {
    if (!this.all.includes(environment)) return;
    this.busy.set(functionId, (this.busy.get(functionId) ?? 1) - 1);
    const idle = this.idle.get(functionId) ?? [];
    idle.push(environment);
    this.idle.set(functionId, idle);
    this.waiting.get(functionId)?.shift()?.();
  }

  private discard(functionId: string, environment: ExecutionEnvironment) {
    const index = this.all.indexOf(environment);
    if (index >= 0) this.all.splice(index, 1);
    this.busy.set(functionId, (this.busy.get(functionId) ?? 1) - 1);
    this.waiting.get(functionId)?.shift()?.();
  }
}
