/**
 * `npm run cost` (local/cost/main.ts) runs the cost command with the process's arguments, prints its output
 * and errors on the right streams, and exits with the command's code, or 2 when the command throws.
 */
import { costCommand } from '../../../../local/cost/command';

jest.mock('../../../../local/cost/command', () => ({ costCommand: jest.fn() }));
const command = jest.mocked(costCommand);

const argv = process.argv;
afterEach(() => {
  process.argv = argv;
  process.exitCode = undefined;
  jest.restoreAllMocks();
});

/** Loads main.ts afresh (it runs on load) and waits for the command's promise to settle. */
async function runMain(args: string[]): Promise<void> {
  process.argv = ['node', 'main.ts', ...args];
  jest.isolateModules(() => {
    require('../../../../local/cost/main');
  });
  await command.mock.results.at(-1)?.value.catch(() => undefined);
  await new Promise(setImmediate);
}

it("passes the arguments, prints on stdout and stderr, and exits with the command's code", async () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  command.mockImplementation(async (args, io) => {
    io.out(`table for ${args.join(' ')}`);
    io.err('a warning');
    return 1;
  });
  await runMain(['--events-per-day', '1000']);
  expect(command).toHaveBeenLastCalledWith(['--events-per-day', '1000'], expect.anything());
  expect(log).toHaveBeenCalledWith('table for --events-per-day 1000');
  expect(error).toHaveBeenCalledWith('a warning');
  expect(process.exitCode).toBe(1);
});

it('exits with 2 and the message when the command throws', async () => {
  const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  command.mockRejectedValue(new Error('no bench results'));
  await runMain([]);
  expect(error).toHaveBeenCalledWith('no bench results');
  expect(process.exitCode).toBe(2);
});
