"""Open an Optuna storage with real Optuna and print, as JSON, what Optuna sees.

Runs on Debian's python3-optuna 3.1 (/usr/bin/python3; CI installs it with apt). Optuna
3.1's own alembic head is older than the v3.2.0.a schema, so its compatibility check is
skipped and upstream Optuna's acceptance check (exactly one version_info row with
schema_version 12, alembic_version v3.2.0.a) is done here instead. Opening still runs
Optuna's create_all and version bookkeeping, which must find nothing to add.

Usage: optuna_inspect.py DATABASE_PATH_OR_URL  (a SQLite file, or a SQLAlchemy URL such as
postgresql+psycopg2://... or mysql+pymysql://...)
"""
import json
import math
import sys

import optuna
from optuna.distributions import distribution_to_json
from optuna.storages import RDBStorage
from sqlalchemy import text


def json_float(value):
    if value is None or math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def json_datetime(value):
    return None if value is None else value.isoformat(sep=" ")


def acceptance(storage):
    with storage.engine.connect() as connection:
        versions = connection.execute(text("SELECT schema_version FROM version_info")).fetchall()
        alembic = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    return {
        "accepted": len(versions) == 1 and versions[0][0] == 12 and alembic == ["v3.2.0.a"],
        "schema_versions": [row[0] for row in versions],
        "alembic_versions": alembic,
    }


def trial_view(trial):
    return {
        "trial_id": trial._trial_id,
        "number": trial.number,
        "state": trial.state.name,
        "values": None if trial.values is None else [json_float(value) for value in trial.values],
        "params": trial.params,
        "distributions": {name: json.loads(distribution_to_json(d)) for name, d in trial.distributions.items()},
        "intermediate_values": {str(step): json_float(value) for step, value in trial.intermediate_values.items()},
        "datetime_start": json_datetime(trial.datetime_start),
        "datetime_complete": json_datetime(trial.datetime_complete),
        "user_attrs": trial.user_attrs,
        "system_attrs": trial.system_attrs,
    }


def main(path_or_url):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = path_or_url if "://" in path_or_url else f"sqlite:///{path_or_url}"
    storage = RDBStorage(url, skip_compatibility_check=True)
    studies = []
    for study in storage.get_all_studies():
        studies.append({
            "study_id": study._study_id,
            "name": study.study_name,
            "directions": [direction.name for direction in study.directions],
            "user_attrs": study.user_attrs,
            "system_attrs": study.system_attrs,
            "trials": [trial_view(trial) for trial in storage.get_all_trials(study._study_id, deepcopy=False)],
        })
    result = {"optuna_version": optuna.__version__, **acceptance(storage), "studies": studies}
    storage.engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
