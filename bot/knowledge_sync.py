"""`cncf-bot knowledge sync`: the CNCF landscape, downloaded, checked and stored as a knowledge version.

A sync sends the ETag / Last-Modified of the last version it stored (a 304 is "no change"),
refuses a bad download with a one-line reason (an HTTP error, an HTML page, invalid or truncated
YAML, a file not in the landscape format, one that lost more than half of the CNCF projects), and
otherwise stores the facts as a new row of `knowledge_versions` when they changed. Curated text
is never touched: it ships with the code; only facts come from a sync. Replicas pick up the newest
version themselves (bot.knowledge_live).
"""
from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import yaml
from sqlalchemy import func, select

from knowledge.errors import KnowledgeError
from knowledge.landscape_import import data_date, dump_facts, parse_landscape_text
from knowledge.loader import DATA_DIR

from .db import Database
from .db.models import KnowledgeVersion

DEFAULT_URL = "https://raw.githubusercontent.com/cncf/landscape/master/landscape.yml"
MAX_BYTES = 64 * 1024 * 1024
TIMEOUT = 60


class SyncRefused(Exception):
    """A download that must not become the knowledge in force; str() is the one-line reason."""


@dataclass
class SyncResult:
    status: str  # "unchanged" | "stored"
    version: int | None = None
    changes: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        if self.status == "unchanged":
            return [f"no change: knowledge version {self.version or 'packaged'} stays in force"]
        c = self.changes
        out = [f"stored knowledge version {self.version} (landscape data of {c.get('data_date')})"]
        for key, label in (("promoted", "promoted"), ("added", "new"), ("archived", "archived"),
                           ("renamed", "renamed"), ("removed", "gone")):
            for line in c.get(key, []):
                out.append(f"  {label}: {line}")
        out.append(f"  {c.get('projects', 0)} CNCF projects, {c.get('entries', 0)} entries in all. "
                   f"Facts from the CNCF Landscape (https://landscape.cncf.io), CC-BY-4.0.")
        return out


def latest(db: Database) -> KnowledgeVersion | None:
    with db.read() as s:
        return s.scalar(select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(1))


def latest_id(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.max(KnowledgeVersion.id))) or 0


def packaged_facts() -> list[dict]:
    doc = yaml.load((DATA_DIR / "landscape.yaml").read_text(encoding="utf-8"),
                    Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return list((doc or {}).get("entries") or [])


def facts_of(text: str) -> list[dict]:
    doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return list((doc or {}).get("entries") or [])


def download(url: str, etag: str | None, last_modified: str | None, timeout: float = TIMEOUT
             ) -> tuple[int, bytes, dict]:
    headers = {"User-Agent": "cncf-bot knowledge sync", "Accept": "application/x-yaml, text/yaml, text/plain, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - an operator-given URL
            body = resp.read(MAX_BYTES + 1)
            if len(body) > MAX_BYTES:
                raise SyncRefused(f"the download is larger than {MAX_BYTES // (1024 * 1024)} MB")
            return resp.status, body, {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return 304, b"", {}
        raise SyncRefused(f"HTTP {exc.code} {exc.reason} from {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SyncRefused(f"cannot download {url}: {getattr(exc, 'reason', None) or exc}") from None


def changes_between(old: list[dict], new: list[dict]) -> dict:
    old_by, new_by = {e["id"]: e for e in old}, {e["id"]: e for e in new}
    rank = {"sandbox": 1, "incubating": 2, "graduated": 3}
    out: dict = {"promoted": [], "added": [], "archived": [], "renamed": [], "removed": [], "changed": 0}
    for eid, e in sorted(new_by.items()):
        was = old_by.get(eid)
        m = e.get("maturity")
        if was is None:
            if m:
                out["added"].append(f"{e['name']} ({m})")
            continue
        before = was.get("maturity")
        if m == "archived" and before != "archived":
            out["archived"].append(e["name"])
        elif m in rank and before != m and (before is None or rank.get(before, 0) < rank[m]):
            out["promoted"].append(f"{e['name']}: {before or 'not a CNCF project'} -> {m}")
        if was.get("name") != e.get("name"):
            out["renamed"].append(f"{was.get('name')} -> {e['name']}")
        if was != e:
            out["changed"] += 1
    out["removed"] = [old_by[i]["name"] for i in sorted(old_by.keys() - new_by.keys()) if old_by[i].get("maturity")]
    out["changed"] += len(new_by.keys() - old_by.keys()) + len(old_by.keys() - new_by.keys())
    out["projects"] = sum(1 for e in new if e.get("maturity"))
    out["entries"] = len(new)
    out["data_date"] = data_date(new)
    return out


def sync(db: Database, url: str = DEFAULT_URL, now: dt.datetime | None = None, timeout: float = TIMEOUT) -> SyncResult:
    """Download, check and store; SyncRefused (with the reason) leaves the version in force."""
    from knowledge.loader import load_catalog

    if not url.lower().startswith(("http://", "https://")):
        raise SyncRefused(f"{url!r} is not an http(s) URL of a landscape.yml")
    current = latest(db)
    same_source = current is not None and current.source_url == url
    status, body, headers = download(url, current.etag if same_source else None,
                                     current.last_modified if same_source else None, timeout)
    if status == 304:
        return SyncResult("unchanged", current.id if current else None)
    ctype = headers.get("content-type", "")
    head = body[:512].lstrip().lower()
    if "html" in ctype or head.startswith((b"<!doctype", b"<html", b"<")):
        raise SyncRefused(f"{url} sent an HTML page, not a landscape file")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SyncRefused(f"{url} did not send UTF-8 text") from None
    try:
        new = parse_landscape_text(text, url, descriptions=True)
    except KnowledgeError as exc:
        raise SyncRefused(str(exc).splitlines()[0][:300]) from None
    old = facts_of(current.facts) if current is not None else packaged_facts()
    old_projects = sum(1 for e in old if e.get("maturity"))
    new_projects = sum(1 for e in new if e.get("maturity"))
    if new_projects * 2 < old_projects:
        raise SyncRefused(f"the file lost more than half of the CNCF projects ({old_projects} -> {new_projects}); "
                          f"is it truncated?")
    facts = dump_facts(new, data_date(new))
    try:
        load_catalog(facts_text=facts, strict=False)
    except KnowledgeError as exc:
        raise SyncRefused(f"the facts do not load: {str(exc).splitlines()[0][:300]}") from None
    changes = changes_between(old, new)
    if current is not None and not changes["changed"]:
        with db.write() as s:  # the same facts: remember the validators so the next sync can get a 304
            row = s.get(KnowledgeVersion, current.id)
            row.etag, row.last_modified, row.source_url = headers.get("etag"), headers.get("last-modified"), url
        return SyncResult("unchanged", current.id)
    with db.write() as s:
        row = KnowledgeVersion(created_at=now or dt.datetime.now(dt.timezone.utc), source_url=url[:500],
                               etag=headers.get("etag"), last_modified=headers.get("last-modified"),
                               data_date=changes["data_date"], facts=facts, changes=changes)
        s.add(row)
        s.flush()
        version = row.id
    return SyncResult("stored", version, changes)
