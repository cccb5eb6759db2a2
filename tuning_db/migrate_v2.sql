-- kiln tuning database, schema version 2 (from version 1): every record
-- gets a uuid, its identity in every database it is exported to. Before,
-- `kiln db import` told records apart by workload, trace and created
-- second, so two runs of one schedule in the same second (the tuner's
-- confirmation runs) became one. This file never changes.

ALTER TABLE records ADD COLUMN uuid TEXT;

-- Existing records get random version-4 UUIDs, 8-4-4-4-12 lower-case hex
-- ("4" starts the third group, one of 8, 9, a, b the fourth). randomblob()
-- and random() come from SQLite's generator, seeded from /dev/urandom;
-- each row evaluates them again.
UPDATE records SET uuid =
  lower(hex(randomblob(4))) || '-' ||
  lower(hex(randomblob(2))) || '-' ||
  '4' || substr(lower(hex(randomblob(2))), 2) || '-' ||
  substr('89ab', 1 + (random() & 3), 1) || substr(lower(hex(randomblob(2))), 2) || '-' ||
  lower(hex(randomblob(6)));

CREATE UNIQUE INDEX records_by_uuid ON records (uuid);

-- ALTER TABLE cannot add NOT NULL to a column; this trigger holds new rows
-- to it instead (kiln gives each record its uuid when it is added).
CREATE TRIGGER records_need_uuid BEFORE INSERT ON records WHEN NEW.uuid IS NULL
BEGIN
  SELECT RAISE(ABORT, 'a record needs a uuid');
END;
