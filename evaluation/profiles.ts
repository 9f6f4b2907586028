/**
 * A held-out user's profile as the stream consumer would hold it just before the held-out order: their
 * history folded by the consumer's own profile code (lambdas/consumer/profile.ts), with its bounds.
 */
import { updaterOptionsFromEnv } from '../lambdas/consumer/consumer-config';
import {
  applyEventToDraft,
  draftProfile,
  emptyProfile,
  finishProfile,
  type ProfileLimits,
} from '../lambdas/consumer/profile';
import type { Profile } from '../lambdas/shared/profile-record';
import type { HeldOutCase } from './protocols';

const LIMITS: ProfileLimits = updaterOptionsFromEnv().limits;

export function profileBefore(c: HeldOutCase, limits: ProfileLimits = LIMITS): Profile {
  const draft = draftProfile(emptyProfile(c.userKey));
  for (const event of c.history) applyEventToDraft(draft, event, limits);
  return finishProfile(draft, limits);
}
