// Which COMPLETE trial is best in each single-objective study, as upstream Optuna's
// `find_{max,min}_value_trial_id` ranks them: by value type (-inf < finite < +inf), then value,
// in the study's direction; ties go to the earliest trial. One statement for every dialect.
import { sql, type SQL } from 'drizzle-orm';

/**
 * The statement selecting (study_id, trial_id) of each study's best trial; `studyIdIn` is the
 * dialect's `t.study_id IN (…)` condition for the studies asked about.
 */
export function bestTrialIdsStatement(studyIdIn: SQL): SQL {
  return sql`SELECT study_id, trial_id FROM (
      SELECT t.study_id, t.trial_id, ROW_NUMBER() OVER (
        PARTITION BY t.study_id
        ORDER BY
          (CASE v.value_type WHEN 'INF_NEG' THEN -1 WHEN 'INF_POS' THEN 1 ELSE 0 END)
            * (CASE d.direction WHEN 'MAXIMIZE' THEN -1 ELSE 1 END),
          v.value * (CASE d.direction WHEN 'MAXIMIZE' THEN -1 ELSE 1 END),
          t.trial_id
      ) AS row_position
      FROM trials t
      JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0
      JOIN study_directions d ON d.study_id = t.study_id AND d.objective = 0
      WHERE ${studyIdIn} AND t.state = 'COMPLETE'
        AND (SELECT count(*) FROM study_directions n WHERE n.study_id = t.study_id) = 1
    ) ranked WHERE row_position = 1`;
}
