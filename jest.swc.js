// The transform every jest config shares. Transpile-only with SWC: ts-jest type-checks aws-cdk-lib per file
// (18 s and 2 GB for one test here); types are checked once for the whole project by `npm run lint`.
// @middy/core ships ES modules only, which jest's CommonJS loader refuses on Node 20: SWC turns it into
// CommonJS like our own sources, so node_modules/@middy is the one dependency folder not ignored.
module.exports = {
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
};
