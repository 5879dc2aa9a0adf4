"""The shipped example data is exactly what the generators produce (nothing edited by hand)."""

from analysis.core import paths
from analysis.datasets.examples import EXAMPLES, write_examples


def test_shipped_examples_match_the_generators(tmp_path):
    write_examples(tmp_path)
    for client_id in EXAMPLES:
        for name in sorted(p.name for p in (tmp_path / client_id).iterdir()):
            shipped = (paths.CLIENTS_DIR / client_id / name).read_bytes()
            assert shipped == (tmp_path / client_id / name).read_bytes(), (
                f"{client_id}/{name} differs; run `workbench examples --overwrite`"
            )
