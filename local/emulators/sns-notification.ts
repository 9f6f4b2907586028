/**
 * The one shape of a message published to a topic, as the local runtime reads it back: SNS's notification
 * envelope (what SNS delivers to an SQS subscriber without raw delivery), reduced to the fields a reader
 * uses. The local SNS endpoint stores each published message as one such line (sns-directory-store.ts), and
 * on moto a queue subscribed to the topic receives the same envelope (sns-topics.ts).
 */
import { z } from 'zod';

export const snsNotificationSchema = z.object({
  Type: z.literal('Notification'),
  MessageId: z.string(),
  TopicArn: z.string(),
  Subject: z.string().optional(),
  Message: z.string(),
  Timestamp: z.string(),
});

export type SnsNotification = z.infer<typeof snsNotificationSchema>;

/** Parses one envelope (a stored line or an SQS message body), naming where it came from when it is not one. */
export function parseSnsNotification(text: string, source: string): SnsNotification {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${source}: not JSON: ${text.slice(0, 120)}`);
  }
  const parsed = snsNotificationSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${source}: not an SNS notification: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
