import subprocess
import sys

from seqnlp import __version__
from seqnlp.cli import main


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_commands(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "Examples" in result.output


def test_unknown_command_is_usage_error(runner):
    result = runner.invoke(main, ["no-such-command"])
    assert result.exit_code == 2


def test_help_imports_neither_torch_nor_gensim():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from seqnlp.cli import main\n"
        "r = CliRunner().invoke(main, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('torch', 'gensim', 'sklearn', 'matplotlib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_training_into_an_existing_output_is_refused_before_torch_loads(tmp_path):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from seqnlp.cli import main\n"
        "for command in ('train-tagger', 'train-sentiment'):\n"
        f"    r = CliRunner().invoke(main, [command, '--output', {str(tmp_path)!r}])\n"
        "    assert r.exit_code == 1 and 'already exists; use --force' in r.output, r.output\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
