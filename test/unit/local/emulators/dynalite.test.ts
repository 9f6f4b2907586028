/** dynalite on its worker thread keeps its tables and items in the data directory across a restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { localDocumentClient } from '../../../../local/emulators/clients';
import { startDynamo } from '../../../../local/emulators/dynalite';
import { createActiveTable } from '../../../../local/emulators/provision';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dynalite-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps items across a restart on the same data directory', async () => {
  const first = await startDynamo({ dataDir: dir });
  const client = localDocumentClient(first.endpoint);
  await createActiveTable(client, {
    TableName: 'Profiles',
    KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await client.send(new PutCommand({ TableName: 'Profiles', Item: { userId: 'u1', views: 3 } }));
  client.destroy();
  await first.stop();

  const second = await startDynamo({ dataDir: dir });
  const again = localDocumentClient(second.endpoint);
  try {
    const { Item } = await again.send(new GetCommand({ TableName: 'Profiles', Key: { userId: 'u1' } }));
    expect(Item).toEqual({ userId: 'u1', views: 3 });
  } finally {
    again.destroy();
    await second.stop();
  }
});
