"""Run a few trials through real Optuna's RDBStorage and print when Optuna says they ran.

Debian's Optuna 3.1 writes its naive DATETIME columns in the LOCAL time of the process (TZ);
Optuna >= 5 writes UTC. This prints, for every trial, the instant Optuna means: the stored
naive datetime read as local time (Python's rule for naive datetimes), in ISO-8601 UTC.
Optuna 3.1's alembic head is older than the v3.2.0.a schema, hence skip_compatibility_check.

Usage: optuna_timed_trials.py STORAGE_URL STUDY_NAME TRIALS
Prints one JSON line: [{"number": N, "datetime_start": ISO, "datetime_complete": ISO}, ...]
"""
import json
import sys
import warnings
from datetime import timezone

import optuna

warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.WARNING)

url, study_name, trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
storage = optuna.storages.RDBStorage(url, skip_compatibility_check=True)
study = optuna.create_study(storage=storage, study_name=study_name, load_if_exists=True)
for _ in range(trials):
    trial = study.ask()
    study.tell(trial, trial.suggest_float("x", 0.0, 1.0))


def instant(naive_local):
    return naive_local.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


print(
    json.dumps(
        [
            {
                "number": trial.number,
                "datetime_start": instant(trial.datetime_start),
                "datetime_complete": instant(trial.datetime_complete),
            }
            for trial in storage.get_all_trials(study._study_id)
        ]
    )
)
