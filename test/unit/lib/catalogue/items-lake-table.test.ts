/**
 * The catalogue in the lake: the Glue table `items` reads the JSON lines `PUT /v1/items` appends under `items/`
 * (partition projection on the day, the columns of lambdas/shared/catalogue-lake.ts), and the catalogue function
 * may write that prefix only.
 */
import { Match } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { ITEM_CHANGE_COLUMNS, ITEMS_LAKE_TABLE } from '../../../../lambdas/shared/catalogue-lake';
import { logicalIdOf, synthApp } from '../helpers';

const { stack, dataStack, template } = synthApp();

describe('items Glue table', () => {
  it('is a JSON table over items/ with the change columns and a projected day partition', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: { Ref: logicalIdOf(stack.dataLake.database) },
      TableInput: Match.objectLike({
        Name: ITEMS_LAKE_TABLE,
        PartitionKeys: [Match.objectLike({ Name: 'dt', Type: 'string' })],
        Parameters: Match.objectLike({
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'storage.location.template': Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/items/dt=\\$\\{dt\\}/$')])],
          }),
        }),
        StorageDescriptor: Match.objectLike({
          Columns: ITEM_CHANGE_COLUMNS.map((c) => Match.objectLike({ Name: c.name, Type: c.type })),
          SerdeInfo: Match.objectLike({ SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' }),
        }),
      }),
    });
  });

  it('is written by the catalogue function, on the items/ prefix (and refused requests on quarantine/) only', () => {
    const fn = stack.itemCatalogue.putItemsFunction;
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          ITEMS_LAKE_PREFIX: 'items/',
          ITEMS_LAKE_BUCKET_NAME: { Ref: logicalIdOf(dataStack.lake.bucket) },
        }),
      },
    });
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalIdOf(fn.role as IRole) }] },
    });
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
          .Statement,
    );
    // Accepted changes go to items/, refused requests to quarantine/ (with the ingest API's); nothing else.
    const puts = statements.filter((s) => JSON.stringify(s).includes('s3:PutObject'));
    const prefixes = JSON.stringify(puts).match(/"\/[^"]*\*"/g);
    expect(prefixes?.sort()).toEqual(['"/items/*"', '"/quarantine/*"']);
  });
});
