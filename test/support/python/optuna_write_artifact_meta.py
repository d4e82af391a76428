"""Writes an artifact's metadata the way upstream Optuna's upload_artifact does, from another process.

Debian's Optuna (3.1) predates ``optuna.artifacts``; upstream's upload_artifact writes the
metadata with exactly this call (optuna/artifacts/_upload.py):
``storage.set_trial_system_attr(trial_id, "artifacts:" + artifact_id, json.dumps(asdict(meta)))``
(or set_study_system_attr), through Optuna's own RDBStorage and SQLAlchemy connection.
Prints the new artifact id.

Usage: optuna_write_artifact_meta.py DB_PATH_OR_STORAGE_URL study|trial ID FILENAME
"""

import json
import sys
import uuid

from optuna.storages import RDBStorage


def main(argv):
    db_path, kind, owner_id, filename = argv[1], argv[2], int(argv[3]), argv[4]
    url = db_path if "://" in db_path else f"sqlite:///{db_path}"
    storage = RDBStorage(url, skip_compatibility_check=True)
    artifact_id = str(uuid.uuid4())
    meta = {"artifact_id": artifact_id, "filename": filename, "mimetype": "text/plain", "encoding": None}
    key = "artifacts:" + artifact_id
    if kind == "trial":
        storage.set_trial_system_attr(owner_id, key, json.dumps(meta))
    else:
        storage.set_study_system_attr(owner_id, key, json.dumps(meta))
    print(artifact_id)


if __name__ == "__main__":
    main(sys.argv)
