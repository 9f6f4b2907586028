/**
 * dynalite answers CreateTable with CREATING and refuses the table's items until it turns ACTIVE, a moment
 * later; on a loaded machine the next request can land in that moment (a flaky ResourceNotFoundException in
 * job-runs-dynamo.test.ts under load). Here the moment is made long (createTableMs) so the race is certain:
 * a put right after CreateTable fails, a put after createActiveTable does not.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createActiveTable } from '../../../../local/emulators/provision';
import { localDocumentClient } from '../../../support/feature-tables';

// dynalite ships no types: the one call this test makes.
const dynalite: (options: { createTableMs: number }) => Server = require('dynalite');

let server: Server;
let endpoint: string;
beforeAll(async () => {
  server = dynalite({ createTableMs: 300 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const table = (TableName: string) => ({
  TableName,
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
});

it('refuses items while a table is CREATING, which is why tables are created with createActiveTable', async () => {
  const client = localDocumentClient(endpoint);
  await client.send(new CreateTableCommand(table('Racy')));
  await expect(client.send(new PutCommand({ TableName: 'Racy', Item: { id: 'a' } }))).rejects.toThrow(
    'Requested resource not found',
  );
  await createActiveTable(client, table('Ready'));
  await expect(client.send(new PutCommand({ TableName: 'Ready', Item: { id: 'a' } }))).resolves.toBeDefined();
});
