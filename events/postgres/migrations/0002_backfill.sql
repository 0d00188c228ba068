-- backfill marks an event entered from older paper records under the explicit
-- backfill permission (events.Metadata.Backfill). Rows written before this
-- migration were all ordinary entries.
ALTER TABLE events ADD COLUMN backfill boolean NOT NULL DEFAULT false;
