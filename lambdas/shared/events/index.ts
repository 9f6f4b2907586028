export * from './json-schema';
export * from './json-shape';
export * from './lake-columns';
export * from './normalize';
export * from './schema';
export * from './segment';
