import os

from sktopo._cli import main


def test_demo_writes_pngs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["demo", "-o", str(out), "--size", "24"]) == 0
    printed = capsys.readouterr().out
    for name in ("image_before.png", "image_after.png", "diagram.png"):
        path = out / name
        assert path.exists() and os.path.getsize(path) > 0
        assert str(path) in printed
    assert "loss" in printed
