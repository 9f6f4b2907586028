export * from './json-schema';
export * from './normalize';
export * from './schema';
export * from './segment';
