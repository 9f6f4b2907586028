/**
 * The local SDK clients reach the emulators over plain HTTP (the SDK's default HTTP/2 handler cannot), and
 * the document client leaves undefined attributes out, as the functions' own clients do.
 */
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  COMMAND_TIMEOUTS,
  localDocumentClient,
  localKinesisClient,
} from '../../../../local/emulators/clients';
import { startDynamo } from '../../../../local/emulators/dynalite';
import { startKinesalite } from '../../../../local/emulators/kinesalite';
import { createActiveTable } from '../../../../local/emulators/provision';

it('talks to kinesalite', async () => {
  const emulator = await startKinesalite({});
  const client = localKinesisClient(emulator.endpoint, { timeouts: COMMAND_TIMEOUTS });
  try {
    expect((await client.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
  } finally {
    client.destroy();
    await emulator.stop();
  }
});

it('writes items with undefined attributes to dynalite, without them', async () => {
  const emulator = await startDynamo({});
  const client = localDocumentClient(emulator.endpoint);
  try {
    await createActiveTable(client, {
      TableName: 'Items',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await client.send(new PutCommand({ TableName: 'Items', Item: { id: 'a', note: undefined } }));
    expect((await client.send(new GetCommand({ TableName: 'Items', Key: { id: 'a' } }))).Item).toEqual({
      id: 'a',
    });
  } finally {
    client.destroy();
    await emulator.stop();
  }
});
