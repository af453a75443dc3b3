-- Deleted in Autotask is a state of the ticket itself. The run columns alone lose it as soon as
-- another Autotask ticket is put on the same run, and the poller would then find it again on
-- every pass.
ALTER TABLE tickets ADD COLUMN autotask_deleted_at timestamptz;

UPDATE tickets t SET autotask_deleted_at = d.deleted_at
FROM (SELECT autotask_ticket_id, min(autotask_ticket_deleted_at) AS deleted_at
      FROM job_runs WHERE autotask_ticket_deleted_at IS NOT NULL
      GROUP BY autotask_ticket_id) d
WHERE t.autotask_ticket_id = d.autotask_ticket_id;
