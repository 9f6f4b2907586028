/**
 * How every function's handler is bundled, in one place: `cdk deploy` (NodejsFunction, recostream-function.ts)
 * and the local function host (local/functions/function-host.ts) both bundle with these esbuild settings,
 * so the code the local tests run is the code Lambda runs, and a local cold start loads what a Lambda one does.
 */
export const BUNDLING = {
  minify: true,
  // Stack traces only need file/line mappings; embedding the sources would double the bundle.
  sourcesContent: false,
  // Prefer the packages' ES module builds, which esbuild can tree-shake (the SDK's CJS builds it cannot):
  // the authorizer's bundle is 0.5 MB this way, 5.8 MB from the CJS builds with inline sources.
  mainFields: ['module', 'main'],
} as const;
