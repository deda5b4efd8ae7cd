import os

from sktopo._cli import main


def test_demo_writes_pngs(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["demo", "-o", str(out), "--size", "24", "--stump-steps", "300",
                 "--vanilla-seconds", "0.3"]) == 0
    printed = capsys.readouterr().out
    for name in ("image_before.png", "image_after.png", "diagram.png",
                 "stump_vs_vanilla.png"):
        path = out / name
        assert path.exists() and os.path.getsize(path) > 0
        assert str(path) in printed
    assert "loss" in printed
    # the blobs comparison: both runs report their steps and the H0 bars above 50 left
    assert "start 2091.0 (14 bars)" in printed
    assert "  300 steps" in printed and "vanilla (W2)" in printed


def test_demo_without_comparison_and_bad_budgets(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["demo", "-o", str(out), "--size", "16", "--stump-steps", "0"]) == 0
    assert not (out / "stump_vs_vanilla.png").exists()
    assert "blobs" not in capsys.readouterr().out
    assert main(["demo", "-o", str(out), "--size", "16", "--stump-steps", "-1"]) == 2
    assert "--stump-steps" in capsys.readouterr().err
    assert main(["demo", "-o", str(out), "--size", "16", "--vanilla-seconds", "0"]) == 2
    assert "--vanilla-seconds" in capsys.readouterr().err


def run_cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "sktopo", *args], capture_output=True,
                          text=True, timeout=120)


def test_diagram_command_prints_and_plots(tmp_path):
    import numpy as np

    from sktopo._io import write_image

    image = np.full((9, 11), 200.0)
    image[2, 2], image[6, 8] = 10.0, 60.0
    path = tmp_path / "in.png"
    write_image(path, image)
    plot = tmp_path / "dgm.png"
    done = run_cli("diagram", str(path), "--dims", "0", "--plot", str(plot))
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in done.stdout.splitlines()
             if not line.startswith(("#", "dim"))]
    assert [(r[1], r[2], r[4], r[5]) for r in lines] == [
        # the merge happens at the first 200-pixel (in index order) touching (6, 8)
        ("10", "inf", "(2, 2)", "-"), ("60", "200", "(6, 8)", "(5, 7)")]
    assert plot.exists() and plot.stat().st_size > 0


def test_cli_errors_exit_2_without_traceback(tmp_path):
    done = run_cli("diagram", str(tmp_path / "missing.png"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "missing.png" in done.stderr
    done = run_cli("diagram", str(tmp_path / "x.png"), "--connectivity", "diagonal")
    assert done.returncode == 2 and "connectivity" in done.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("hello")
    done = run_cli("diagram", str(bad))
    assert done.returncode == 2 and "format" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli("nonsense")
    assert done.returncode == 2


def test_simplify_command_writes_a_simpler_image(tmp_path):
    import numpy as np

    from sktopo._io import read_image, write_image
    from sktopo.persistence import cubical_persistence

    rng = np.random.default_rng(0)
    image = np.full((24, 24), 200.0)
    image[6:12, 6:12] = 20.0
    image = np.clip(image + rng.normal(0, 15, image.shape), 0, 255)
    src, out = tmp_path / "noisy.png", tmp_path / "clean.npy"
    write_image(src, image)
    done = run_cli("simplify", str(src), "-o", str(out), "--solver", "vanilla",
                   "--threshold", "40", "--max-iter", "150")
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    result = read_image(out)
    assert result.shape == image.shape
    before = cubical_persistence(read_image(src), 0)[0].finite().lifetimes
    after = cubical_persistence(result, 0)[0].finite().lifetimes
    assert np.sum(after < 40) < np.sum(before < 40) / 3
    # --keep-range: the values stay in the input's range (the .npy keeps them unclipped)
    src_image = read_image(src)
    assert result.min() < src_image.min() or result.max() > src_image.max()
    done = run_cli("simplify", str(src), "-o", str(out), "--solver", "vanilla",
                   "--threshold", "40", "--max-iter", "150", "--keep-range")
    assert done.returncode == 0, done.stderr
    kept = read_image(out)
    assert src_image.min() <= kept.min() and kept.max() <= src_image.max()
    done = run_cli("simplify", str(src), "-o", str(out), "--threshold", "-1")
    assert done.returncode == 2 and "threshold" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli("simplify", str(src), "-o", str(tmp_path / "out.gif"))
    assert done.returncode == 2 and "format" in done.stderr


def test_help_for_each_command():
    for command in ("demo", "diagram", "simplify"):
        done = run_cli(command, "--help")
        assert done.returncode == 0 and "usage" in done.stdout
