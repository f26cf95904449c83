"""Attachments on S3-compatible object storage (django-storages), against moto's S3 server on a
loopback ephemeral port, started by the test itself."""

import hashlib
import json

import boto3
import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from escala.mail import ingest, rawstore
from escala.mail.models import InboundMail
from escala.ops.backup import create_backup
from escala.privacy.actions import erase_requester
from tests.ops.conftest import escala
from tests.ops.fingerprint import fingerprint
from tests.tickets.factories import open_ticket

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 64


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def make_bucket(endpoint: str, name: str):  # noqa: ANN201
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **KEYS)
    s3.create_bucket(Bucket=name)
    return s3


def storage_settings(endpoint: str, bucket: str) -> dict:
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
        "rawmail": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
                "default_acl": None,
                "location": "rawmail",
                "file_overwrite": True,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def bucket(settings, s3_endpoint, request):
    name = f"escala-{request.node.name[:30].lower().replace('_', '-')}"
    s3 = make_bucket(s3_endpoint, name)
    settings.STORAGES = storage_settings(s3_endpoint, name)
    return s3, name


@pytest.mark.django_db
def test_attachments_live_in_the_bucket_and_are_served_through_the_policy(
    bucket, employee, customer, categories
):
    s3, name = bucket
    ticket = open_ticket(
        employee,
        category=categories["password"],
        attachments=[SimpleUploadedFile("informe.pdf", PDF, "application/pdf")],
    )
    attachment = ticket.messages.get().attachments.get()
    stored = s3.get_object(Bucket=name, Key=attachment.file.name)["Body"].read()
    assert stored == PDF
    owner = Client()
    owner.force_login(employee.user)
    response = owner.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    stranger = Client()
    stranger.force_login(customer.user)
    assert stranger.get(f"/attachments/{attachment.pk}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_between_buckets(
    bucket, s3_endpoint, employee, categories, tmp_path, other_database
):
    s3, _name = bucket
    open_ticket(
        employee,
        category=categories["password"],
        attachments=[
            SimpleUploadedFile("informe.pdf", PDF, "application/pdf"),
            SimpleUploadedFile("notas.txt", "ñ\n".encode(), "text/plain"),
        ],
    )
    archive = tmp_path / "s3.tar"
    manifest = create_backup(archive)
    files = {
        k[len("files/") :]: v["sha256"]
        for k, v in manifest["members"].items()
        if k.startswith("files/")
    }
    assert len(files) == 2
    make_bucket(s3_endpoint, "escala-restored")
    env = {
        "DATABASE_URL": other_database,
        "ESCALA_VAR_DIR": str(tmp_path / "var"),
        "ESCALA_S3_BUCKET": "escala-restored",
        "ESCALA_S3_ENDPOINT_URL": s3_endpoint,
        "ESCALA_S3_REGION": "us-east-1",
        "ESCALA_S3_ACCESS_KEY_ID": "testing",
        "ESCALA_S3_SECRET_ACCESS_KEY": "testing",
    }
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    for key, digest in files.items():
        body = s3.get_object(Bucket="escala-restored", Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == digest
    # A second restore into the now non-empty site is refused.
    again = escala(
        "-m", "escala.cli", "restore", str(archive), env={**env, "DATABASE_URL": other_database}
    )
    assert again.returncode != 0


def keys_in(s3, bucket: str, prefix: str) -> dict[str, str]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {
        o["Key"]: hashlib.sha256(
            s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        ).hexdigest()
        for o in listed
    }


def empty_bucket(s3, bucket: str) -> None:
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=o["Key"])


@pytest.mark.django_db(transaction=True)
def test_raw_mail_lives_in_the_bucket_and_survives_a_wipe_and_restore(
    bucket, s3_endpoint, settings, employee, categories, tmp_path, other_database
):
    s3, name = bucket
    settings.ESCALA_RAW_MAIL_STORE = "storage"
    raws = [
        f"From: Marta <marta@finanzas.example>\r\nSubject: Correo {n}\r\n"
        f"Message-ID: <s3-{n}@finanzas.example>\r\n\r\nHola {n}, ¿qué tal?\r\n".encode()
        for n in range(3)
    ]
    mails = [ingest.store(raw)[0] for raw in raws]
    ingest.process(mails[0].pk)
    for mail, raw in zip(mails, raws, strict=True):
        body = s3.get_object(Bucket=name, Key=f"rawmail/{mail.raw_key}")["Body"].read()
        assert body == raw
        assert bytes(InboundMail.objects.get(pk=mail.pk).raw) == raw
    open_ticket(
        employee,
        category=categories["password"],
        attachments=[SimpleUploadedFile("informe.pdf", PDF, "application/pdf")],
    )
    archive = tmp_path / "s3.tar"
    manifest = create_backup(archive)
    assert len([m for m in manifest["members"] if m.startswith("rawmail/")]) == 3
    before = json.loads(json.dumps(fingerprint()))
    make_bucket(s3_endpoint, "escala-raw-restored")
    env = {
        "DATABASE_URL": other_database,
        "ESCALA_VAR_DIR": str(tmp_path / "var"),
        "ESCALA_S3_BUCKET": "escala-raw-restored",
        "ESCALA_S3_ENDPOINT_URL": s3_endpoint,
        "ESCALA_S3_REGION": "us-east-1",
        "ESCALA_S3_ACCESS_KEY_ID": "testing",
        "ESCALA_S3_SECRET_ACCESS_KEY": "testing",
    }
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    source = keys_in(s3, name, "rawmail/")
    assert keys_in(s3, "escala-raw-restored", "rawmail/") == source
    # The disaster: the database and the whole bucket (attachments and raw mail) are gone.
    assert escala("-m", "escala.cli", "flush", "--no-input", env=env).returncode == 0
    empty_bucket(s3, "escala-raw-restored")
    done = escala("-m", "escala.cli", "restore", str(archive), env=env)
    assert done.returncode == 0, done.stderr
    assert keys_in(s3, "escala-raw-restored", "rawmail/") == source
    printed = escala(
        "-m", "tests.ops.fingerprint", env={**env, "DJANGO_SETTINGS_MODULE": "escala.settings"}
    )
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == before


@pytest.mark.django_db
def test_erasing_a_requester_deletes_their_raw_mail_from_the_bucket(bucket, settings, employee):
    s3, name = bucket
    settings.ESCALA_RAW_MAIL_STORE = "storage"
    raw = (
        f"From: Marta <{employee.email}>\r\nSubject: Baja\r\n"
        "Message-ID: <erase@finanzas.example>\r\n\r\nSoy Marta.\r\n"
    ).encode()
    mail = ingest.store(raw)[0]
    assert keys_in(s3, name, "rawmail/")
    erase_requester(requester=employee, by=None, reason="RGPD-9")
    assert keys_in(s3, name, "rawmail/") == {}
    mail.refresh_from_db()
    assert mail.raw_key == ""


@pytest.mark.django_db
def test_a_bucket_that_cannot_be_reached_refuses_the_mail_for_later(settings, employee):
    settings.ESCALA_RAW_MAIL_STORE = "storage"
    settings.STORAGES = storage_settings("http://127.0.0.1:9", "nowhere")
    settings.STORAGES["rawmail"]["OPTIONS"]["client_config"] = Config(
        connect_timeout=1, retries={"max_attempts": 1}
    )
    with pytest.raises(rawstore.Unavailable):
        ingest.store(b"From: a@b.example\r\nSubject: x\r\n\r\nx\r\n")
    assert not InboundMail.objects.exists()
