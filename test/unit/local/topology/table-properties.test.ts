/**
 * The table properties the local runtime provisions are read through a schema: CDK's table (with properties
 * dynalite does not need) passes, and a table that does not fit is refused naming the table and the field.
 */
import { tablePropertiesOf } from '../../../../local/topology/table-properties';

it('keeps the key schema, attributes and TTL attribute of a CDK table, and drops the rest', () => {
  const properties = tablePropertiesOf('Profiles', {
    KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    SSESpecification: { SSEEnabled: true },
    TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
  });
  expect(properties).toEqual({
    KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
    TimeToLiveSpecification: { AttributeName: 'expiresAt' },
  });
});

it('names the table and the field of a key schema it cannot provision', () => {
  expect(() =>
    tablePropertiesOf('ItemStats', {
      KeySchema: [{ AttributeName: 'itemId', KeyType: 'PARTITION' }],
      AttributeDefinitions: [],
    }),
  ).toThrow(/Table ItemStats: .*KeySchema\.0\.KeyType/);
  expect(() => tablePropertiesOf('Empty', { AttributeDefinitions: [] })).toThrow(/Table Empty: .*KeySchema/);
});
