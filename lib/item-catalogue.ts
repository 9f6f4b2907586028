import { Duration, Validations } from 'aws-cdk-lib';
import { AuthorizationType, LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CATALOGUE_ROUTE } from '../lambdas/shared/catalogue';
import { ITEMS_PREFIX, QUARANTINE_PREFIX } from '../lambdas/shared/lake-layout';
import { SERVICES } from '../lambdas/shared/metric-names';
import { checkRulesConfig, RULES_ENV, type RulesConfigInput } from '../lambdas/shared/recommend-rules';
import { roleAuthorizer } from './private/role-authorizer';
import { RecoFunction } from './recostream-function';

export interface ItemCatalogueProps {
  /** The API that gets `PUT /v1/items` (the public ingest API, whose clients hold keys). */
  readonly api: RestApi;
  /** Where keys live (hashed); the catalogue authorizer takes those with role `admin` or `catalog`. */
  readonly writeKeysTable: ITable;
  /** The Items table (`protectedTable(scope, 'ItemsTable', 'itemId', key)`, in the data stack). */
  readonly itemsTable: ITable;
  /**
   * The lake bucket: accepted changes are appended under `items/` (the Glue table `items`), refused
   * requests kept under `quarantinePrefix` (the Glue table `quarantine`, with the ingest API's).
   */
  readonly lakeBucket: IBucket;
  /** @default 'quarantine/' */
  readonly quarantinePrefix?: string;
  /**
   * The recommendation API's rules (RecommendationApi `rules`), validated here too: the writer keeps the
   * promoted-items row of their promotion filter (lambdas/shared/promoted-items.ts).
   * @default no rules
   */
  readonly rules?: RulesConfigInput;
}

/**
 * The item catalogue: the Items table (partition key `itemId`: title, category, price, currency,
 * availability, createdAt, attributes, updatedAt) and `PUT /v1/items`, which writes only the fields a
 * request names (UpdateItem). The recommendation API reads the table per request to leave out unavailable
 * items and to show titles and prices (RecommendationApi `itemsTable`). Every accepted change is also
 * appended to the lake under `items/` (Glue table `items`, lib/catalogue/items-lake-table.ts); every
 * refused request is kept under `quarantine/` with its reason (source `catalogue-api`).
 *
 * The route has its own REQUEST authorizer (the write-key authorizer's code with ACCEPTED_ROLES
 * admin,catalog), uncached like the admin one, so a revoked catalogue key is refused at once.
 */
export class ItemCatalogue extends Construct {
  public readonly itemsTable: ITable;
  public readonly authorizerFunction: RecoFunction;
  public readonly putItemsFunction: RecoFunction;
  /** RECOMMEND_RULES of every function that writes items: whose promotion filter they index. */
  private readonly rulesJson: string;

  constructor(scope: Construct, id: string, props: ItemCatalogueProps) {
    super(scope, id);
    this.itemsTable = props.itemsTable;
    this.rulesJson = props.rules ? JSON.stringify(checkRulesConfig(props.rules)) : '';

    const { function: authorizerFunction, authorizer } = roleAuthorizer(this, {
      writeKeysTable: props.writeKeysTable,
      roles: ['admin', 'catalog'],
      serviceName: 'catalogue-authorizer',
      description:
        'Catalogue REQUEST authorizer: the key in the Authorization header must have role admin or catalog',
      functionId: 'AuthorizerFunction',
      authorizerId: 'Authorizer',
    });
    this.authorizerFunction = authorizerFunction;

    this.putItemsFunction = new RecoFunction(this, 'PutItemsFunction', {
      entry: 'lambdas/catalogue/handler.ts',
      serviceName: SERVICES.catalogue,
      description: 'PUT /v1/items: validates catalogue items and updates the fields they name',
      memorySize: 512,
      timeout: Duration.seconds(20),
      environment: { [RULES_ENV]: this.rulesJson },
    })
      .bindTable(this.itemsTable, 'ITEMS_TABLE_NAME', 'update')
      .bindBucketPrefixWriter(props.lakeBucket, ITEMS_PREFIX, 'ITEMS_LAKE_BUCKET_NAME', 'ITEMS_LAKE_PREFIX')
      .bindBucketPrefixWriter(
        props.lakeBucket,
        props.quarantinePrefix ?? QUARANTINE_PREFIX,
        'QUARANTINE_BUCKET_NAME',
        'QUARANTINE_PREFIX',
      );

    const method = props.api.root
      .resourceForPath(CATALOGUE_ROUTE.path)
      .addMethod(
        CATALOGUE_ROUTE.method,
        new LambdaIntegration(this.putItemsFunction, { proxy: true, allowTestInvoke: false }),
        { authorizer, authorizationType: AuthorizationType.CUSTOM },
      );
    Validations.of(method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Catalogue feeds call this method with an admin or catalog key checked by a Lambda REQUEST authorizer ' +
        '(role in the WriteKeys table), not as Cognito users.',
    });
  }

  /**
   * Lets a function fill items besides the API (the consumer's catalogue fill): UpdateItem on the Items
   * table (ITEMS_TABLE_NAME) and the rules (RECOMMEND_RULES), so the items it fills join the promoted-items
   * row exactly as the writer's do.
   */
  grantFill(fn: RecoFunction): void {
    fn.bindTable(this.itemsTable, 'ITEMS_TABLE_NAME', 'update').addEnvironment(RULES_ENV, this.rulesJson);
  }
}
