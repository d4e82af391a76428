"""A Python Optuna worker of a distributed run: asks and tells TRIALS trials of an existing study
on the storage at URL (one process = one worker), then prints the numbers it got as JSON.

Usage: optuna_trial_worker.py URL STUDY_NAME TRIALS
Prints "ready" and waits for one line on stdin before the first trial, so that the caller can
start several workers (and its own writes) at the same moment. Runs on Debian's Optuna 3.1,
whose alembic head is older than the v3.2.0.a schema: its compatibility check is skipped.
"""
import json
import sys

import optuna
from optuna.storages import RDBStorage

url, study_name, trial_count = sys.argv[1], sys.argv[2], int(sys.argv[3])
optuna.logging.set_verbosity(optuna.logging.WARNING)
storage = RDBStorage(url, skip_compatibility_check=True)
study = optuna.load_study(study_name=study_name, storage=storage)
print("ready", flush=True)
sys.stdin.readline()
numbers = []
for _ in range(trial_count):
    trial = study.ask()
    numbers.append(trial.number)
    study.tell(trial, float(trial.number))
print(json.dumps(numbers), flush=True)
