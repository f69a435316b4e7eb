"""Attachments in an S3-compatible object store (GOVHALL_S3_BUCKET): a
handed-in scan goes to the bucket, not to the local folder, and comes back
through the workbench after the permission check. moto's server plays the
object store (MinIO or a government cloud's in production)."""

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from govhall.cases import services as cases
from govhall.cases.tests.conftest import desk  # noqa: F401 (fixture)
from govhall.test import sample_pdf

BUCKET = "govhall-media"
ROOT = Path(__file__).resolve().parents[3]
KEYS = {"aws_access_key_id": "govhall", "aws_secret_access_key": "secret-for-the-test", "region_name": "cn-north-1"}


@pytest.fixture(scope="module")
def object_store():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # moto keeps its buckets per process, not per server: start empty.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10)
    client = boto3.client("s3", endpoint_url=endpoint, **KEYS)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": KEYS["region_name"]})
    yield endpoint, client
    server.stop()


@pytest.fixture
def s3_media(settings, object_store):
    endpoint, client = object_store
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "location": "hall", "endpoint_url": endpoint, "region_name": KEYS["region_name"],
        "access_key": KEYS["aws_access_key_id"], "secret_key": KEYS["aws_secret_access_key"],
        "default_acl": "private", "file_overwrite": False,
    }}}
    return client


def test_a_handed_in_scan_is_stored_in_the_bucket_and_served_after_the_check(client, desk, s3_media, settings):  # noqa: F811
    scan = sample_pdf("身份证复印件")
    draft = cases.case_draft_create(actor=desk.applicant, item_version=desk.version, center=desk.district,
                                    applicant_name="张三", applicant_id_number=desk.applicant.id_number,
                                    applicant_phone=desk.applicant.phone)
    material = next(m for m in desk.version.materials.all() if m.handed_in_required)
    cases.case_material_attach(actor=desk.applicant, case=draft, material_order=material.order, filename="id.pdf",
                               content=scan)
    record = draft.materials.get()

    stored = s3_media.get_object(Bucket=BUCKET, Key=f"hall/{record.file.name}")
    assert stored["Body"].read() == scan
    assert not (settings.MEDIA_ROOT / record.file.name).exists()
    # Private objects: no public read grant on them.
    grants = s3_media.get_object_acl(Bucket=BUCKET, Key=f"hall/{record.file.name}")["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee")) for grant in grants)

    client.force_login(desk.applicant)
    answer = client.get(reverse("portal_my_case_file", args=[draft.number, record.pk]))
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == scan
    client.force_login(desk.clerk_b)  # another department's clerk
    assert client.get(reverse("portal_my_case_file", args=[draft.number, record.pk])).status_code in (403, 404)


def test_the_bucket_and_its_keys_come_from_the_environment(tmp_path):
    secret = tmp_path / "s3-secret"
    secret.write_text("from-a-credentials-file\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")}
    env.update(DJANGO_SETTINGS_MODULE="govhall.settings", GOVHALL_VAR_DIR=str(ROOT / "var"),
               GOVHALL_S3_BUCKET="hall-files", GOVHALL_S3_ENDPOINT_URL="https://oss.example.gov.cn",
               GOVHALL_S3_ACCESS_KEY_ID="hall", GOVHALL_S3_SECRET_ACCESS_KEY_FILE=str(secret))
    shown = subprocess.run(
        [sys.executable, "-c", ("import django, json; django.setup(); from django.conf import settings; "
                               "print(json.dumps(settings.STORAGES['default']))")],
        env=env, capture_output=True, text=True, cwd=ROOT, check=True)
    storage = json.loads(shown.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"].items() >= {"bucket_name": "hall-files", "endpoint_url": "https://oss.example.gov.cn",
                                     "access_key": "hall", "secret_key": "from-a-credentials-file",
                                     "default_acl": "private"}.items()
