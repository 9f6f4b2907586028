import { nextFireTime, parseScheduleExpression } from '../../../../local/jobs/schedule-expression';

const t = (iso: string) => Date.parse(iso);

describe('schedule expressions', () => {
  it('fires a rate schedule on multiples of the period from the start', () => {
    const spec = parseScheduleExpression('rate(15 minutes)');
    expect(spec).toEqual({ kind: 'rate', periodMs: 900_000 });
    expect(nextFireTime(spec, t('2026-11-26T00:14:59Z'), t('2026-11-26T00:00:00Z'))).toBe(
      t('2026-11-26T00:15:00Z'),
    );
    expect(nextFireTime(spec, t('2026-11-26T00:15:00Z'), t('2026-11-26T00:00:00Z'))).toBe(
      t('2026-11-26T00:30:00Z'),
    );
  });

  it('fires the nightly cron at 02:00 UTC', () => {
    const spec = parseScheduleExpression('cron(0 2 * * ? *)', 'Etc/UTC');
    expect(nextFireTime(spec, t('2026-11-26T05:40:00Z'), 0)).toBe(t('2026-11-27T02:00:00Z'));
    expect(nextFireTime(spec, t('2026-11-26T01:59:30Z'), 0)).toBe(t('2026-11-26T02:00:00Z'));
  });

  it('understands lists, ranges, steps and day names', () => {
    const spec = parseScheduleExpression('cron(0/30 8-9 ? * MON-FRI *)');
    // 2026-11-28 is a Saturday: the next fire is Monday 08:00.
    expect(nextFireTime(spec, t('2026-11-27T09:30:00Z'), 0)).toBe(t('2026-11-30T08:00:00Z'));
    expect(nextFireTime(spec, t('2026-11-30T08:00:00Z'), 0)).toBe(t('2026-11-30T08:30:00Z'));
  });

  it('refuses what it cannot run', () => {
    expect(() => parseScheduleExpression('cron(0 2 L * ? *)')).toThrow(
      'L, W and # are not supported locally',
    );
    expect(() => parseScheduleExpression('rate(15 minutes)', 'Europe/Paris')).toThrow(
      'only runs UTC schedules',
    );
    expect(() => parseScheduleExpression('every day')).toThrow("Unsupported schedule expression 'every day'");
  });
});
