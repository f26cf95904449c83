"""The file cache's set_many (escala.core.filecache): every key written, the directory listed
once per call instead of once per key, and still kept near MAX_ENTRIES."""

from unittest import mock

from escala.core.filecache import FileCache


def make(tmp_path, max_entries: int = 300) -> FileCache:
    return FileCache(str(tmp_path / "cache"), {"OPTIONS": {"MAX_ENTRIES": max_entries}})


def test_set_many_writes_every_key_and_lists_the_directory_once(tmp_path):
    cache = make(tmp_path)
    data = {f"live:stamp:ticket:{n}": f"t{n}" for n in range(50)}
    with mock.patch.object(cache, "_list_cache_files", wraps=cache._list_cache_files) as listed:
        assert cache.set_many(data, timeout=60) == []
    assert listed.call_count == 1
    assert cache.get_many(list(data)) == data
    cache.set_many({"live:stamp:ticket:1": "again"}, timeout=60)
    assert cache.get("live:stamp:ticket:1") == "again"


def test_the_directory_is_culled_as_the_stock_backend_does(tmp_path):
    cache = make(tmp_path, max_entries=30)
    cache.set_many({f"k{n}": n for n in range(40)}, timeout=60)  # over by one call's keys
    assert len(cache._list_cache_files()) == 40
    cache.set_many({"one": 1}, timeout=60)  # the next write makes room first
    assert len(cache._list_cache_files()) < 30


def test_an_expired_key_is_gone(tmp_path):
    cache = make(tmp_path)
    cache.set_many({"short": 1}, timeout=-1)
    assert cache.get("short") is None
