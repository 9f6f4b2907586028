/**
 * The CLI kit every `recostream` command is written with: where it prints (`CliIo`, tests pass their own),
 * the exit codes, the usage error that exits 2 with a pointer to `--help`, argument parsing with
 * `node:util` parseArgs, and reading the running local runtime's runtime.json as a usage error when it is
 * missing or stale.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type RuntimeFile, readRuntimeFile } from '../runtime/runtime-file';

/** Where a command prints: results to `out`, progress, problems and help-on-error to `err`. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const consoleIo: CliIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** Exit codes of every recostream command: done, failed, bad usage. */
export const OK = 0;
export const FAILED = 1;
export const USAGE = 2;

/** Bad arguments: the dispatcher prints the message and `Run recostream <command> --help`, and exits 2. */
export class UsageError extends Error {}

/** One subcommand of `recostream`. */
export interface Command<Deps = unknown> {
  readonly summary: string;
  run(args: readonly string[], io: CliIo, deps: Deps): Promise<number>;
}

/** parseArgs with positionals allowed (each command says what it does with them). */
export function parseCommandArgs<const O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
) {
  return parseArgs({ args: [...args], options, allowPositionals: true as const, strict: true as const });
}

/** node:util parseArgs errors (checked by code: under jest they come from another realm). */
export function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Whether `error` is one the user fixes by changing the arguments (exit 2), not a failure (exit 1). */
export function isUsageError(error: unknown): boolean {
  return error instanceof UsageError || isParseArgsError(error);
}

export function positiveInt(raw: string, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${name} must be a positive integer, got '${raw}'`);
  return value;
}

/**
 * The arguments after `replay`, the only subcommand of `dlq` and `quarantine`; or the exit code when there is
 * no subcommand (usage, exit 2) or help was asked for (exit 0). Another subcommand is a usage error.
 */
export function replayArguments(
  args: readonly string[],
  help: string,
  io: CliIo,
): readonly string[] | number {
  return subcommandArguments('replay', args, help, io);
}

/** The arguments after `name`, a command's only subcommand (`replay`, `reindex`); as replayArguments. */
export function subcommandArguments(
  name: string,
  args: readonly string[],
  help: string,
  io: CliIo,
): readonly string[] | number {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? io.err : io.out)(help);
    return sub === undefined ? USAGE : OK;
  }
  if (sub !== name) throw new UsageError(`unknown subcommand '${sub}': the only one is '${name}'`);
  return rest;
}

/** The running local runtime (`--local`): a missing or stale runtime.json is a usage error, with what to do. */
export function localRuntime(dataDir: string): RuntimeFile {
  try {
    return readRuntimeFile(dataDir);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The events stream among runtime.json's `streams` (logical id -> name). */
export function eventsStreamOf(streams: Readonly<Record<string, string>>): string {
  const entries = Object.entries(streams);
  const matches = entries.length === 1 ? entries : entries.filter(([id]) => /events/i.test(id));
  if (matches.length !== 1)
    throw new UsageError(
      `cannot tell the events stream among ${entries.length} stream(s) in runtime.json: pass --stream NAME`,
    );
  return (matches[0] as [string, string])[1];
}

/** A positive number option (`--horizon-hours 24`), `fallback` when absent; a usage error names the flag. */
export function positiveNumberOption(raw: string | undefined, fallback: number, flag: string): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!(Number.isFinite(value) && value > 0))
    throw new UsageError(`${flag} must be a positive number, got '${raw}'`);
  return value;
}
