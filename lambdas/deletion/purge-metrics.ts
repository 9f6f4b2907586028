/**
 * Custom metrics of the lake purge (namespace RecoStream, dimension `service`), shared by the handler that
 * emits them and the alarm in lib/lake-purge.ts that reads them, so a rename cannot orphan the alarm.
 */
export const LAKE_PURGE_SERVICE = 'lake-purge';

export const LAKE_PURGE_METRICS = {
  /** Pending deletion requests past their lakeDeadline (the deadline alarm watches its Maximum). */
  overdue: 'DeletionRequestsOverdue',
  pending: 'DeletionRequestsPending',
  oldestPendingAgeHours: 'OldestPendingDeletionAgeHours',
  objectsRewritten: 'LakeObjectsRewritten',
  rowsRemoved: 'LakeRowsRemoved',
  quarantineRecordsRemoved: 'QuarantineRecordsRemoved',
  deliveryErrorRecordsRemoved: 'DeliveryErrorRecordsRemoved',
  failures: 'DeletionPurgeFailures',
} as const;
