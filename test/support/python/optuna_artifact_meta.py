"""Lists an owner's artifacts exactly the way upstream Optuna's get_all_artifact_meta does.

Debian's Optuna (3.1) predates ``optuna.artifacts``; the function below mirrors upstream
optuna/optuna optuna/artifacts/_list_artifact_meta.py line for line, on Optuna's own
RDBStorage (skip_compatibility_check: 3.1's alembic head is older than the v3.2.0.a schema).
Prints one JSON line: the list of metas, or {"error": "..."} when Optuna raises.

Usage: optuna_artifact_meta.py DB_PATH_OR_URL study|trial ID
"""

import json
import sys

from optuna.storages import RDBStorage

ARTIFACTS_ATTR_PREFIX = "artifacts:"


def get_all_artifact_meta(storage, kind, owner_id):
    if kind == "trial":
        system_attrs = storage.get_trial_system_attrs(owner_id)
    else:
        system_attrs = storage.get_study_system_attrs(owner_id)

    artifact_meta_list = []
    for attr_key, attr_json_string in system_attrs.items():
        if not attr_key.startswith(ARTIFACTS_ATTR_PREFIX):
            continue

        attr_content = json.loads(attr_json_string)
        artifact_meta = dict(
            artifact_id=attr_content["artifact_id"],
            filename=attr_content["filename"],
            mimetype=attr_content["mimetype"],
            encoding=attr_content["encoding"],
        )
        artifact_meta_list.append(artifact_meta)

    return artifact_meta_list


def main(argv):
    path_or_url, kind, owner_id = argv[1], argv[2], int(argv[3])
    url = path_or_url if "://" in path_or_url else f"sqlite:///{path_or_url}"
    storage = RDBStorage(url, skip_compatibility_check=True)
    try:
        print(json.dumps(get_all_artifact_meta(storage, kind, owner_id)))
    except Exception as error:  # what a user of Optuna would see raised
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))


if __name__ == "__main__":
    main(sys.argv)
