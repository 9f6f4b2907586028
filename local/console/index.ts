/**
 * Console: what the CloudWatch dashboard and the Athena query editor give in AWS, as one local web page
 * served by the gateway at `/` (server.ts, bundled from the repository's console/ folder at start), with a
 * read-only, bounded SQL box over the local lake (query.ts), the batch jobs' runs and rollback, and the
 * traffic controls.
 */
export { ConsoleQueryRunner } from './query';
export { buildConsole, createConsoleServer, localJobRollback } from './server';
