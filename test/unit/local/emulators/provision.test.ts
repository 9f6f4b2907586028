/**
 * dynalite answers CreateTable with CREATING and refuses the table's items until it turns ACTIVE, a moment
 * later; on a loaded machine the next request can land in that moment (a flaky ResourceNotFoundException in
 * job-runs-dynamo.test.ts under load). Here the moment is made long (createTableMs) so the race is certain:
 * a put right after CreateTable fails, a put after createActiveTable does not. The CREATING table lives on a
 * server of its own whose moment (CREATING_MS) outlasts any put on a loaded machine; with one short moment for both,
 * a put delayed past it by load found the table ACTIVE and the test failed.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createActiveTable } from '../../../../local/emulators/provision';
import { localDocumentClient } from '../../../support/feature-tables';

// dynalite ships no types: the one call this test makes.
const dynalite: (options: { createTableMs: number }) => Server = require('dynalite');

/** How long the racy table stays CREATING: longer than any put on a loaded machine takes. */
const CREATING_MS = 10_000;

// dynalite's CREATING timer must not hold the process open once the test is done.
const setTimeoutOriginal = global.setTimeout;
beforeAll(() => {
  jest.spyOn(global, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
    const timer = setTimeoutOriginal(callback, ms);
    if (ms === CREATING_MS) timer.unref();
    return timer;
  }) as typeof setTimeout);
});
afterAll(() => jest.restoreAllMocks());

const servers: Server[] = [];
async function startDynalite(createTableMs: number): Promise<string> {
  const server = dynalite({ createTableMs });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(() => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))));

const table = (TableName: string) => ({
  TableName,
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
});

it('refuses items while a table is CREATING, which is why tables are created with createActiveTable', async () => {
  const slow = localDocumentClient(await startDynalite(CREATING_MS));
  await slow.send(new CreateTableCommand(table('Racy')));
  await expect(slow.send(new PutCommand({ TableName: 'Racy', Item: { id: 'a' } }))).rejects.toThrow(
    'Requested resource not found',
  );
  const client = localDocumentClient(await startDynalite(300));
  await createActiveTable(client, table('Ready'));
  await expect(client.send(new PutCommand({ TableName: 'Ready', Item: { id: 'a' } }))).resolves.toBeDefined();
});
