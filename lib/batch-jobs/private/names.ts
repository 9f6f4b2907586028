/** `record-failure` -> `RecordFailure`: the construct ids of the jobs' functions, machines and schedules. */
export function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
