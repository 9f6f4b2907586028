#!/usr/bin/env node
/**
 * CDK app entry (`cdk.json`: `npx tsx bin/app.ts`). The app is assembled by `buildApp`, which tests and the
 * local runtime call in-process too, so all three see the same template. Stack settings come from context:
 * `npx cdk deploy -c streamMode=PROVISIONED -c shardCount=4 -c streamRetentionHours=48`.
 */
import { buildApp } from '../lib/app-builder';

buildApp();
