// Transpile-only with SWC: ts-jest type-checks aws-cdk-lib per file (18 s and 2 GB for one test here).
// Types are checked once for the whole project by `npm run lint` (tsc --noEmit).
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
  ],
  // Integration tests start emulators; give them room on a 2-core box (a global option: jest ignores it per project).
  testTimeout: 120000,
};
