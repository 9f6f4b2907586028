export * from './json-schema';
export * from './lake-columns';
export * from './normalize';
export * from './schema';
export * from './segment';
