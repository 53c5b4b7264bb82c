"""Atomic writes: complete files or none, with the usual permissions."""

import os

import pytest

from trainlab.atomic import _umask, atomic_open, atomic_path, atomic_write_text


def test_atomic_writes_get_the_usual_file_mode(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write_text(path, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write_text(path, "old")
    with pytest.raises(RuntimeError), atomic_open(path, "w") as f:
        f.write("half")
        raise RuntimeError("killed mid-write")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_path_replaces_the_target_with_the_usual_file_mode(tmp_path):
    atomic_write_text(tmp_path / "reference.txt", "x")
    with atomic_path(tmp_path / "out.mp4", suffix=".mp4") as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".mp4")
        tmp.write_bytes(b"movie")
    assert (tmp_path / "out.mp4").read_bytes() == b"movie"
    assert _mode(tmp_path / "out.mp4") == _mode(tmp_path / "reference.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4", "reference.txt"]


def test_a_failure_inside_atomic_path_leaves_no_temporary_and_no_target(tmp_path):
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "out.mp4") as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder crashed")
    assert list(tmp_path.iterdir()) == []


def test_the_umask_is_read_once_not_set_and_restored_on_every_write(tmp_path, monkeypatch):
    calls = []
    real_umask = os.umask
    monkeypatch.setattr(os, "umask", lambda mask: calls.append(mask) or real_umask(mask))
    _umask.cache_clear()
    try:
        for name in ("a.txt", "b.txt", "c.txt"):
            atomic_write_text(tmp_path / name, "x")
    finally:
        _umask.cache_clear()
    assert len(calls) == 2  # one read: set to 0, then restore


def _mode(path) -> int:
    return path.stat().st_mode & 0o777
