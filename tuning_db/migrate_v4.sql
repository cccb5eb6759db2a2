-- kiln tuning database, schema version 4 (from version 3): a record's
-- trace_json holds only its trace. Before, the tuner stored the search
-- knobs that made a schedule inside it ("knobs": {...}), and marked the
-- default schedule's trace with "source": "default"; readers had to parse
-- the trace to find either, and everything else about where a record came
-- from was guessed. Now both have columns of their own. This file never
-- changes.

-- The search-space knobs that built the schedule, a JSON object of
-- integers ({} for a schedule not made from knobs: the op's default).
ALTER TABLE records ADD COLUMN knobs_json TEXT NOT NULL DEFAULT '{}';

-- How the record was made: 'default' (the op's default schedule, measured
-- at the start of a tune), 'search' (a candidate of the search), 'confirm'
-- (a schedule measured again at the end of a tune, autotune/confirm.h),
-- 'import' (`kiln db import` of a line that does not say).
ALTER TABLE records ADD COLUMN source TEXT NOT NULL DEFAULT 'search'
  CHECK (source IN ('default', 'search', 'confirm', 'import'));

-- Sources of the existing records, from what they show (before their
-- traces lose the marks below). Within a workload, the first record of a
-- trace (its text, marks included) was its search trial, or the default's
-- measurement when the trace carries "source": "default"; a later record
-- of the same trace was a confirmation run: the tuner never proposes a
-- trace twice, and confirm_front_runners measures stored ones again. This
-- is how `kiln report` told them apart before version 4, so reports of an
-- old database stay the same. Two things cannot be known and are left to
-- that rule: an imported record is 'search', 'default' or 'confirm' like
-- the one it was exported from (an export of version 3 did not say it was
-- imported), and a default measured again by `kiln tune --retune` counts
-- as a confirmation of the first. A trace_json that is not JSON (never
-- written by kiln) is left as it is, a 'search' record without knobs.
UPDATE records SET source = 'default'
  WHERE CASE WHEN json_valid(trace_json)
             THEN json_extract(trace_json, '$.source') IS 'default' ELSE 0 END;
UPDATE records SET source = 'confirm'
  WHERE id NOT IN (SELECT min(id) FROM records GROUP BY workload_key, trace_json);

-- The knobs move to their column, and the trace keeps only itself.
-- json_remove copies every other value as it was written (numbers and
-- strings byte for byte), so a migrated trace reads exactly as this
-- kiln writes the same schedule, and both count as one schedule in best().
UPDATE records SET knobs_json = json_extract(trace_json, '$.knobs')
  WHERE CASE WHEN json_valid(trace_json)
             THEN json_type(trace_json, '$.knobs') IS 'object' ELSE 0 END;
UPDATE records SET trace_json = json_remove(trace_json, '$.knobs', '$.source')
  WHERE CASE WHEN json_valid(trace_json)
             THEN json_type(trace_json) IS 'object' AND
                  (json_type(trace_json, '$.knobs') IS NOT NULL OR
                   json_type(trace_json, '$.source') IS NOT NULL)
             ELSE 0 END;
