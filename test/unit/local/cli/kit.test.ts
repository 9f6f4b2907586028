/** The CLI kit: usage errors (exit 2) told apart from failures, parseArgs with positionals, the --local runtime. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  eventsStreamOf,
  isUsageError,
  localRuntime,
  parseCommandArgs,
  positiveInt,
  positiveNumberOption,
  UsageError,
} from '../../../../local/cli/kit';
import { writeRuntimeFile } from '../../../../local/runtime/runtime-file';

describe('CLI kit', () => {
  it('parses options and positionals, and an unknown option is a usage error', () => {
    const { values, positionals } = parseCommandArgs(['run', 'cf', '--local', '--limit', '5'], {
      local: { type: 'boolean', default: false },
      limit: { type: 'string' },
    });
    expect(values).toEqual({ local: true, limit: '5' });
    expect(positionals).toEqual(['run', 'cf']);
    let thrown: unknown;
    try {
      parseCommandArgs(['--nope'], { local: { type: 'boolean' } });
    } catch (error) {
      thrown = error;
    }
    expect(isUsageError(thrown)).toBe(true);
    expect(isUsageError(new Error('disk full'))).toBe(false);
    expect(isUsageError(new UsageError('bad'))).toBe(true);
  });

  it('accepts positive integers only', () => {
    expect(positiveInt('12', 'batch-size')).toBe(12);
    expect(() => positiveInt('0', 'batch-size')).toThrow("--batch-size must be a positive integer, got '0'");
    expect(() => positiveInt('1.5', 'limit')).toThrow(UsageError);
  });

  it('takes a positive number option, its fallback when absent, and names the flag when it is not one', () => {
    expect(positiveNumberOption('1.5', 24, '--horizon-hours')).toBe(1.5);
    expect(positiveNumberOption(undefined, 24, '--horizon-hours')).toBe(24);
    expect(() => positiveNumberOption('0', 24, '--horizon-hours')).toThrow(
      "--horizon-hours must be a positive number, got '0'",
    );
    expect(() => positiveNumberOption('soon', 60, '--visibility-seconds')).toThrow(UsageError);
  });

  it('finds the events stream among several, or asks for --stream', () => {
    expect(eventsStreamOf({ Only: 'a' })).toBe('a');
    expect(eventsStreamOf({ EventsStream1: 'events', Other: 'b' })).toBe('events');
    expect(() => eventsStreamOf({ A: 'a', B: 'b' })).toThrow(/pass --stream NAME/);
  });

  it('turns a missing runtime.json into a usage error, and reads a present one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-kit-'));
    try {
      expect(() => localRuntime(dir)).toThrow(UsageError);
      writeRuntimeFile(dir, { dynamoEndpoint: 'http://127.0.0.1:1', tables: {}, pid: process.pid });
      expect(localRuntime(dir).dynamoEndpoint).toBe('http://127.0.0.1:1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
