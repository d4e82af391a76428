"""Act as a Python Optuna process sharing the database: write to a study through Optuna's own
RDBStorage in a tight loop (new trials with params, intermediate values and user attributes,
study user attributes, finished trials) until stdin closes.

Prints "ready" after the first round has committed, "writes N" after every round, and at the
end one JSON line: {"writes": N, "trials": N, "errors": [...]}. Every storage call counts as a
write; an exception (such as "database is locked") is recorded and the loop goes on.

Runs on Debian's python3-optuna 3.1 (/usr/bin/python3). Optuna 3.1's alembic head is older
than the v3.2.0.a schema the server writes, hence skip_compatibility_check.

Usage: optuna_writer.py DATABASE_PATH_OR_STORAGE_URL STUDY_NAME [MAX_SECONDS]
"""
import json
import sys
import threading
import time
import warnings

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.WARNING)

database_path, study_name = sys.argv[1], sys.argv[2]
max_seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0

stop = threading.Event()


def wait_for_stdin_to_close():
    sys.stdin.read()
    stop.set()


threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()

url = database_path if "://" in database_path else f"sqlite:///{database_path}"
storage = optuna.storages.RDBStorage(url, skip_compatibility_check=True)
study_id = storage.get_study_id_from_name(study_name)
distribution = FloatDistribution(0.0, 1.0)

writes = 0
trials = 0
errors = []
started = time.monotonic()
round_number = 0


def write(call, *args):
    global writes
    try:
        call(*args)
        writes += 1
    except Exception as error:  # noqa: BLE001 — every failure is what the test wants to see
        errors.append(f"{type(error).__name__}: {error}")


while not stop.is_set() and time.monotonic() - started < max_seconds:
    try:
        trial_id = storage.create_new_trial(study_id)
        writes += 1
        trials += 1
    except Exception as error:  # noqa: BLE001
        errors.append(f"{type(error).__name__}: {error}")
        continue
    value = (round_number % 100) / 100
    write(storage.set_trial_param, trial_id, "x", value, distribution)
    write(storage.set_trial_intermediate_value, trial_id, 0, value)
    write(storage.set_trial_user_attr, trial_id, "round", round_number)
    write(storage.set_study_user_attr, study_id, "last_round", round_number)
    write(storage.set_trial_state_values, trial_id, TrialState.COMPLETE, [value])
    if round_number == 0:
        print("ready", flush=True)
    round_number += 1
    print(f"writes {writes}", flush=True)

print(json.dumps({"writes": writes, "trials": trials, "errors": errors[:20], "error_count": len(errors)}), flush=True)
