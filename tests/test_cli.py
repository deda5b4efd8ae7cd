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


def test_cli_errors_exit_2_without_traceback(tmp_path, capsys):
    import pytest

    assert main(["diagram", str(tmp_path / "missing.png")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "missing.png" in err
    with pytest.raises(SystemExit) as done:
        main(["diagram", str(tmp_path / "x.png"), "--connectivity", "diagonal"])
    assert done.value.code == 2 and "connectivity" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("hello")
    assert main(["diagram", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "format" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as done:
        main(["nonsense"])
    assert done.value.code == 2


def test_simplify_command_writes_a_simpler_image(tmp_path, capsys):
    from types import SimpleNamespace

    def run_cli(*args):     # in this process: a subprocess costs seconds of imports
        code = main(list(args))
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

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


def png(path, array, mode=None):
    from PIL import Image

    Image.fromarray(array, mode=mode).save(path)
    return str(path)


def read_png(path):
    import numpy as np
    from PIL import Image

    with Image.open(path) as img:
        return img.mode, np.asarray(img)


def test_simplify_keeps_the_inputs_bit_depth_and_reads_rgb(tmp_path, capsys):
    import numpy as np

    rng = np.random.default_rng(0)
    rgb = png(tmp_path / "rgb.png", (rng.random((20, 24, 3)) * 255).astype(np.uint8))
    deep = png(tmp_path / "deep.png", (rng.random((20, 24)) * 60000).astype(np.uint16))
    fast = ["--solver", "vanilla", "--max-iter", "5", "-q"]
    assert main(["simplify", rgb, "-o", str(tmp_path / "a.png"), *fast]) == 0
    mode, out = read_png(tmp_path / "a.png")
    assert mode == "L" and out.dtype == np.uint8          # 8-bit RGB in: 8-bit gray out
    assert "luminance" in capsys.readouterr().err
    assert main(["simplify", deep, "-o", str(tmp_path / "b.png"), *fast]) == 0
    mode, out = read_png(tmp_path / "b.png")
    assert mode.startswith("I") and out.max() > 255      # 16-bit in: 16-bit out
    assert main(["simplify", rgb, "--channel", "1", "-o", str(tmp_path / "c.png"),
                 *fast]) == 0
    assert "luminance" not in capsys.readouterr().err


def test_exact_simplify_of_a_color_png_keeps_its_promises_in_the_file(tmp_path, capsys):
    """A color image's luminance is not integer: simplified as floats and rounded when
    written, the 8-bit PNG kept pairs below the threshold (18 in H0 and 29 in H1 on the
    astronaut at t = 12.3). The PNG's integers are simplified instead (GUDHI on the
    file: none below t, the change below t from the rounded luminance)."""
    import numpy as np

    from sktopo.utils._testing import gudhi_lifetimes

    rng = np.random.default_rng(0)
    rgb = png(tmp_path / "rgb.png", (rng.random((30, 34, 3)) * 255).astype(np.uint8))
    t = 12.3                       # before: 2 pairs below t left in H0, 1 in H1
    assert main(["simplify", rgb, "-o", str(tmp_path / "out.png"), "--threshold", str(t),
                 "--dims", "0", "1", "-q"]) == 0
    mode, out = read_png(tmp_path / "out.png")
    assert mode == "L"
    luminance = np.rint(read_png(rgb)[1] @ np.array([0.299, 0.587, 0.114]))
    after = gudhi_lifetimes(out.astype(float), "full")
    for d in (0, 1):
        assert not np.any((after[d] > 0) & (after[d] < t))
    assert np.abs(out - luminance).max() < t


def test_png_output_of_a_small_real_range_warns(tmp_path, capsys):
    """Real values in 0..1 written to a PNG are rounded to 0 and 1 (before the
    simplification): a warning says so and names the outputs that keep them; a color
    image's luminance (real, but spanning 0..255) is not warned about."""
    import numpy as np

    src = tmp_path / "unit.npy"
    np.save(src, np.random.default_rng(0).random((12, 14)))
    assert main(["simplify", str(src), "-o", str(tmp_path / "out.png"),
                 "--threshold", "0.1", "-q"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "2 level(s)" in err and ".tif or .npy" in err
    assert main(["simplify", str(src), "-o", str(tmp_path / "out.npy"),
                 "--threshold", "0.1", "-q"]) == 0
    assert "warning" not in capsys.readouterr().err
    rgb = png(tmp_path / "rgb.png", (np.random.default_rng(1).random((12, 14, 3)) * 255)
              .astype(np.uint8))
    assert main(["simplify", rgb, "-o", str(tmp_path / "gray.png"), "--threshold", "20",
                 "-q"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_write_image_clips_to_the_inputs_depth_with_a_warning(tmp_path):
    import numpy as np
    import pytest

    from sktopo._io import write_image

    like = png(tmp_path / "in.png", np.zeros((4, 5), dtype=np.uint8))
    values = np.linspace(0, 292, 20).reshape(4, 5)       # the astronaut's 0..292
    with pytest.warns(UserWarning, match="clipped"):
        write_image(tmp_path / "out.png", values, like=like)
    mode, out = read_png(tmp_path / "out.png")
    assert mode == "L" and out.max() == 255 and out[0, 1] > 0    # not a black 16-bit PNG


def test_output_folders_are_created_only_on_request(tmp_path, capsys):
    import numpy as np

    src = png(tmp_path / "in.png", np.zeros((8, 8), dtype=np.uint8))
    target = tmp_path / "missing" / "deeper" / "o.png"
    assert main(["simplify", src, "-o", str(target), "-q"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "--parents" in err and "Traceback" not in err
    assert not (tmp_path / "missing").exists()
    assert main(["diagram", src, "--plot", str(target)]) == 2
    assert not (tmp_path / "missing").exists()
    assert main(["simplify", src, "-o", str(target), "--parents", "-q", "--solver",
                 "vanilla", "--max-iter", "2"]) == 0
    assert target.exists()


def test_options_that_would_do_nothing_exit_2(tmp_path, capsys):
    import numpy as np

    image = np.zeros((12, 10), dtype=np.uint8)
    image[3, 3], image[8, 6] = 200, 100
    src = png(tmp_path / "in.png", image)
    out = str(tmp_path / "o.png")
    for option, value in [("--threshold", "1e9"), ("--block-size", "16"),
                          ("--block-size", "0")]:
        assert main(["simplify", src, "-o", out, option, value]) == 2
        err = capsys.readouterr().err
        assert option in err and "Traceback" not in err
    assert not os.path.exists(out)


def test_version_and_plain_text_help(capsys):
    import pytest

    import sktopo

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"sktopo {sktopo.__version__}"
    for command in ([], ["demo"], ["diagram"], ["simplify"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        text = capsys.readouterr().out
        assert "usage" in text
        assert not any(rst in text for rst in ("``", ":func:", ":class:", ":mod:"))


def test_diagram_into_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    import numpy as np

    # a noise image prints thousands of lines, more than a pipe holds
    src = png(tmp_path / "noise.png",
              (np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8))
    proc = subprocess.Popen([sys.executable, "-m", "sktopo", "diagram", src],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"#")      # what `| head -1` does
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Broken pipe" not in err and "Traceback" not in err and err == ""
