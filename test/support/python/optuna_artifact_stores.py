"""Reads and writes artifact bytes exactly the way upstream Optuna's artifact stores do.

The machine's Optuna (Debian's 3.1) predates ``optuna.artifacts``, so the store methods are
mirrored here line for line from upstream:
  - FileSystemArtifactStore: optuna/optuna, optuna/artifacts/_filesystem.py
  - Boto3ArtifactStore:      optuna/optuna, optuna/artifacts/_boto3.py
  - GCSArtifactStore:        optuna/optuna, optuna/artifacts/_gcs.py, with the one call it makes
                             of google-cloud-storage (Blob.download_as_bytes, a GET of the
                             object's media) spoken over HTTP: that library is not installed here
Each command prints one JSON line: the size and sha256 of the bytes read or written.

Usage:
  optuna_artifact_stores.py read-fs  BASE_PATH ARTIFACT_ID
  optuna_artifact_stores.py write-fs BASE_PATH ARTIFACT_ID SOURCE_FILE
  optuna_artifact_stores.py read-s3  ENDPOINT BUCKET ARTIFACT_ID
  optuna_artifact_stores.py write-s3 ENDPOINT BUCKET ARTIFACT_ID SOURCE_FILE
  optuna_artifact_stores.py read-gcs ENDPOINT BUCKET ARTIFACT_ID
"""

import hashlib
import io
import json
import os
import shutil
import sys


class FileSystemArtifactStore:
    """optuna/artifacts/_filesystem.py, without the experimental decorator."""

    def __init__(self, base_path):
        self._base_path = base_path

    def open_reader(self, artifact_id):
        filepath = os.path.join(self._base_path, artifact_id)
        return open(filepath, "rb")

    def write(self, artifact_id, content_body):
        filepath = os.path.join(self._base_path, artifact_id)
        with open(filepath, "wb") as f:
            shutil.copyfileobj(content_body, f)


class Boto3ArtifactStore:
    """optuna/artifacts/_boto3.py (avoid_buf_copy=False, the default)."""

    def __init__(self, bucket_name, client):
        self.bucket = bucket_name
        self.client = client

    def open_reader(self, artifact_id):
        obj = self.client.get_object(Bucket=self.bucket, Key=artifact_id)
        body = obj.get("Body")
        assert body is not None
        return body

    def write(self, artifact_id, content_body):
        buf = io.BytesIO()
        shutil.copyfileobj(content_body, buf)
        buf.seek(0)
        self.client.upload_fileobj(buf, self.bucket, artifact_id)


class GCSArtifactStore:
    """optuna/artifacts/_gcs.py: open_reader is `BytesIO(bucket.blob(artifact_id).download_as_bytes())`."""

    def __init__(self, endpoint, bucket_name):
        self._endpoint = endpoint
        self._bucket_name = bucket_name

    def open_reader(self, artifact_id):
        import urllib.parse
        import urllib.request

        name = urllib.parse.quote(artifact_id, safe="")
        url = f"{self._endpoint}/storage/v1/b/{self._bucket_name}/o/{name}?alt=media"
        with urllib.request.urlopen(url) as response:
            body = response.read()
        return io.BytesIO(body)


def s3rver_client(endpoint):
    import boto3
    from botocore.config import Config

    # s3rver accepts any signature; path-style because it has no virtual-host DNS.
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="S3RVER",
        aws_secret_access_key="S3RVER",
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )


def digest_of_reader(reader):
    sha256 = hashlib.sha256()
    size = 0
    while True:
        chunk = reader.read(1024 * 1024)
        if not chunk:
            break
        sha256.update(chunk)
        size += len(chunk)
    reader.close()
    return {"size": size, "sha256": sha256.hexdigest()}


def digest_of_file(path):
    with open(path, "rb") as f:
        return digest_of_reader(f)


def main(argv):
    command = argv[1]
    if command == "read-fs":
        base_path, artifact_id = argv[2:4]
        result = digest_of_reader(FileSystemArtifactStore(base_path).open_reader(artifact_id))
    elif command == "write-fs":
        base_path, artifact_id, source = argv[2:5]
        with open(source, "rb") as content_body:
            FileSystemArtifactStore(base_path).write(artifact_id, content_body)
        result = digest_of_file(source)
    elif command == "read-s3":
        endpoint, bucket, artifact_id = argv[2:5]
        store = Boto3ArtifactStore(bucket, s3rver_client(endpoint))
        result = digest_of_reader(store.open_reader(artifact_id))
    elif command == "write-s3":
        endpoint, bucket, artifact_id, source = argv[2:6]
        with open(source, "rb") as content_body:
            Boto3ArtifactStore(bucket, s3rver_client(endpoint)).write(artifact_id, content_body)
        result = digest_of_file(source)
    elif command == "read-gcs":
        endpoint, bucket, artifact_id = argv[2:5]
        result = digest_of_reader(GCSArtifactStore(endpoint, bucket).open_reader(artifact_id))
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
