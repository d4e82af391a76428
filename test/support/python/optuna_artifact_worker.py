"""A Python Optuna worker that uploads one artifact per trial to an S3 store, as upstream's
upload_artifact does: asks TRIALS trials of an existing study on the storage at URL, writes an
artifact for each, and tells it.

Debian's Optuna (3.1) predates ``optuna.artifacts``; upstream's upload_artifact
(optuna/artifacts/_upload.py) writes the metadata first, through Optuna's own storage call
``storage.set_trial_system_attr(trial_id, "artifacts:" + artifact_id, json.dumps(asdict(meta)))``,
then the bytes with the store's ``write`` (Boto3ArtifactStore, mirrored in
optuna_artifact_stores.py). Both are done here in that order.

Usage: optuna_artifact_worker.py URL STUDY_NAME TRIALS S3_ENDPOINT BUCKET
Prints "ready" and waits for one line on stdin before the first trial (so that the caller can
start every writer at once), then one JSON line per artifact written:
{"artifact_id", "trial_id", "filename", "size", "sha256"}; exits 0 when done.
"""
import hashlib
import io
import json
import os
import sys
import uuid

import optuna
from optuna.storages import RDBStorage

from optuna_artifact_stores import Boto3ArtifactStore, s3rver_client

url, study_name, trial_count, endpoint, bucket = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
optuna.logging.set_verbosity(optuna.logging.WARNING)
storage = RDBStorage(url, skip_compatibility_check=True)
study = optuna.load_study(study_name=study_name, storage=storage)
store = Boto3ArtifactStore(bucket, s3rver_client(endpoint))
print("ready", flush=True)
sys.stdin.readline()

for _ in range(trial_count):
    trial = study.ask()
    content = os.urandom(1024 + int.from_bytes(os.urandom(2), "big"))
    artifact_id = str(uuid.uuid4())
    filename = f"trial-{trial.number}.bin"
    meta = {"artifact_id": artifact_id, "filename": filename, "mimetype": "application/octet-stream", "encoding": None}
    storage.set_trial_system_attr(trial._trial_id, "artifacts:" + artifact_id, json.dumps(meta))
    store.write(artifact_id, io.BytesIO(content))
    study.tell(trial, float(trial.number))
    print(
        json.dumps(
            {
                "artifact_id": artifact_id,
                "trial_id": trial._trial_id,
                "filename": filename,
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        ),
        flush=True,
    )
