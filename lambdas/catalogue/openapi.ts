/**
 * OpenAPI 3.1 document of the catalogue route `PUT /v1/items` (served by the ingest API, stack output
 * ApiUrl), generated from the zod contract in lambdas/shared/catalogue.ts like the recommendation API's
 * document; docs/openapi/catalogue.json is this document, and a test keeps the two equal.
 */
import { jsonSchema } from '../recommend/openapi';
import {
  CATALOGUE_ROUTE,
  CatalogueRequestSchema,
  CatalogueResponseSchema,
  MAX_CATALOGUE_ITEMS,
} from '../shared/catalogue';

const errorSchema = {
  type: 'object',
  required: ['message', 'code'],
  properties: {
    message: { type: 'string' },
    code: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export function buildCatalogueOpenApiDocument(serverUrl?: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'RecoStream item catalogue',
      version: '1.0.0',
      description:
        'Items with their title, category, price, availability and attributes. Served by the ingest API; ' +
        'authenticate like the ingest routes (`Authorization: Basic base64(<key>:)`) with an admin key or a key ' +
        'of role `catalog` (`recostream keys create --role catalog`).',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ key: [] }],
    paths: {
      [CATALOGUE_ROUTE.path]: {
        [CATALOGUE_ROUTE.method.toLowerCase()]: {
          operationId: 'putItems',
          summary: `Create or update up to ${MAX_CATALOGUE_ITEMS} catalogue items`,
          description:
            'Only `itemId` is required. A field an item names is set (null removes it); fields it does not name ' +
            'keep their stored value; `attributes` is replaced as a whole. `out_of_stock` and `discontinued` ' +
            'items are never recommended, from the next recommendation request on. A request is validated as ' +
            'a whole: one invalid item refuses it and nothing is written.',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PutItemsRequest' } } },
          },
          responses: {
            '200': {
              description: 'Every item was written.',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PutItemsResponse' } } },
            },
            '400': error('invalid_json, invalid_items or duplicate_item; `errors` names each field.'),
            '401': { description: 'No Authorization header.' },
            '403': { description: 'Unknown or revoked key, or a key without role admin or catalog.' },
            '413': error(`too_many_items: more than ${MAX_CATALOGUE_ITEMS} items.`),
            '415': error('Content-Type is not application/json.'),
            '503': error('write_failed: some items were not written; `retry` lists their ids (Retry-After).'),
          },
        },
      },
    },
    components: {
      securitySchemes: { key: { type: 'http', scheme: 'basic' } },
      schemas: {
        PutItemsRequest: jsonSchema(CatalogueRequestSchema, 'input'),
        PutItemsResponse: jsonSchema(CatalogueResponseSchema, 'output'),
        Error: errorSchema,
      },
    },
  };
}
