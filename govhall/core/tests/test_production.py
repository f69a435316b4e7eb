"""Production settings (docs/deploy.md, "Production environment"; docs/security.md,
"Security headers"): Django's deployment check is clean under the documented
environment, and every answer carries the security headers."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.test import Client, RequestFactory
from django.views.decorators.clickjacking import xframe_options_sameorigin

from govhall.core.csp import ContentSecurityPolicyMiddleware

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "docs" / "deploy.md"


def documented_environment(tmp_path) -> dict[str, str]:
    """The variables of the fenced block under "Production environment" in
    docs/deploy.md; a ``*_FILE`` secret gets a file of its own under tmp_path."""
    text = DEPLOY.read_text(encoding="utf-8")
    section = text[text.index("## Production environment"):]
    block = section[section.index("```sh") + 5:]
    block = block[:block.index("```")]
    env = {}
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, value = line.split("=", 1)
        env[name] = value
    for name in [n for n in env if n.endswith("_FILE")]:
        secret = tmp_path / name.lower()
        if "DATABASE_URL" in name:  # parsed, never connected to by the check
            secret.write_text("postgres://govhall:example@db.internal:5432/govhall\n")
        else:
            secret.write_text("k" + os.urandom(40).hex() + "\n")  # 81 characters, many distinct
        env[name] = str(secret)
    env["GOVHALL_VAR_DIR"] = str(tmp_path / "var")
    return env


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")}
    clean.update(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"], **env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          check=False, env=clean, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_the_deploy_check_is_clean_under_the_documented_production_environment(tmp_path):
    env = documented_environment(tmp_path)
    assert env["GOVHALL_DEBUG"] == "0" and env["GOVHALL_HSTS_SECONDS"] == "31536000"
    result = deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("change, warning", [
    ({"GOVHALL_HSTS_SECONDS": "0"}, "security.W004"),
    ({"GOVHALL_SSL_REDIRECT": "0"}, "security.W008"),
    ({"GOVHALL_SECURE_COOKIES": "0"}, "security.W012"),
])
def test_the_deploy_check_fails_without_each_protection(tmp_path, change, warning):
    result = deploy_check(documented_environment(tmp_path) | change)
    assert result.returncode != 0 and warning in result.stderr + result.stdout


def test_the_demo_on_plain_http_is_not_sent_to_https():
    # `make run`: DEBUG off, cookies over plain HTTP (the Makefile's overrides).
    script = "import django; django.setup(); from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVHALL_")}
    env.update(DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"], GOVHALL_VAR_DIR=str(ROOT / "var"),
               GOVHALL_DEBUG="0", GOVHALL_SECRET_KEY="d" * 60, GOVHALL_PUBLIC_URL="http://127.0.0.1:8000",
               GOVHALL_SECURE_COOKIES="0")
    result = subprocess.run([sys.executable, "-c", script], check=False, env=env, capture_output=True, text=True,
                            cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr


# --- the headers ---------------------------------------------------------------------------

def policy(answer) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in answer["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize("path", ["/", "/login/", "/no-such-page/", "/api/catalog/items/", "/workbench/",
                                  "/static/govhall/site.css", "/healthz"])
def test_every_answer_carries_the_policy_and_the_headers(client, db, path):
    answer = client.get(path)
    rules = policy(answer)
    assert rules["default-src"] == "default-src 'self'" and rules["object-src"] == "object-src 'none'"
    assert rules["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in answer["Content-Security-Policy"]
    assert "unsafe-eval" not in answer["Content-Security-Policy"]
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Referrer-Policy"] == "same-origin"
    if not path.startswith("/static/"):  # WhiteNoise answers above the frame-options middleware
        assert answer["X-Frame-Options"] == "DENY"
    assert answer["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in answer  # not configured


def test_hsts_only_when_configured_and_only_over_https(client, db, settings):
    assert "Strict-Transport-Security" not in client.get("/", secure=True)
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()  # the security middleware reads its settings once
    assert client.get("/", secure=True)["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/")  # plain HTTP: browsers would ignore it


def test_behind_the_tls_proxy_its_header_says_the_request_was_secure(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 600
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/"
    secure = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200 and secure["Strict-Transport-Security"].startswith("max-age=600")


def test_a_view_framed_by_our_own_pages_gets_frame_ancestors_self():
    @xframe_options_sameorigin
    def preview(request):
        return HttpResponse(b"%PDF-", content_type="application/pdf")

    def page(request):
        return HttpResponse("<p>")

    request = RequestFactory().get("/")
    framed = ContentSecurityPolicyMiddleware(XFrameOptionsMiddleware(preview))(request)
    assert framed["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    plain = ContentSecurityPolicyMiddleware(XFrameOptionsMiddleware(page))(RequestFactory().get("/"))
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]


def test_the_api_docs_page_runs_its_inline_script_by_nonce_only(client, db):
    answer = client.get("/api/docs/")
    assert answer.status_code == 200
    [nonce] = set(re.findall(r"'nonce-([^']+)'", answer["Content-Security-Policy"]))
    body = answer.content.decode()
    assert body.count(f'nonce="{nonce}"') == 2  # its <style> and its <script>
    assert len(re.findall(r"<script>|<style>", body)) == 0
    assert client.get("/api/docs/")["Content-Security-Policy"] != answer["Content-Security-Policy"]  # a new nonce


def test_no_template_writes_inline_script_style_or_handlers():
    """What the policy would refuse, found before a browser does: inline
    <script>/<style> without a nonce, style="" and on…="" attributes,
    javascript: links (the browser tests then run every page under the policy)."""
    found = []
    pattern = re.compile(r"""<script(?![^>]*\b(src|nonce)=)(?![^>]*type="application/json")[^>]*>|<style(?![^>]*nonce=)"""
                         r"""|\sstyle=["']|\son[a-z]+=["']|javascript:""", re.IGNORECASE)
    for folder in [ROOT / "govhall" / "templates", *ROOT.glob("govhall/*/templates")]:
        for template in folder.rglob("*.html"):
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not found, "\n".join(found)
