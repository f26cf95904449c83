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


def test_writes_list_the_directory_only_when_it_may_be_full(tmp_path):
    cache = make(tmp_path, max_entries=100)
    with mock.patch.object(cache, "_list_cache_files", wraps=cache._list_cache_files) as listed:
        for n in range(9):
            cache.set(f"k{n}", n, timeout=60)
        assert listed.call_count == 1  # the first write; then it counts its own
        cache.set_many({f"m{n}": n for n in range(5)}, timeout=60)
        assert listed.call_count == 1
        cache.set("last", 1, timeout=60)
        assert listed.call_count == 2  # a tenth of MAX_ENTRIES written since: look again
    assert cache.get("k3") == 3
    assert cache.get_many(["m0", "m4"]) == {"m0": 0, "m4": 4}


def test_other_processes_files_are_seen_within_a_tenth_of_max_entries(tmp_path):
    mine, theirs = make(tmp_path, max_entries=100), make(tmp_path, max_entries=100)
    mine.set("first", 1, timeout=60)  # lists an empty directory
    theirs.set_many({f"t{n}": n for n in range(120)}, timeout=60)  # another process, over
    for n in range(10):
        mine.set(f"k{n}", n, timeout=60)
    assert len(mine._list_cache_files()) < 100  # culled within a tenth of MAX_ENTRIES writes


def test_cull_frequency_zero_empties_the_cache_when_full(tmp_path):
    cache = FileCache(str(tmp_path / "cache"), {"OPTIONS": {"MAX_ENTRIES": 5, "CULL_FREQUENCY": 0}})
    cache.set_many({f"k{n}": n for n in range(6)}, timeout=60)
    cache.set("new", 1, timeout=60)
    assert cache._list_cache_files() == [cache._key_to_file("new")]
