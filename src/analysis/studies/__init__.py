"""One path from a client and a study to checked inputs.

:func:`load_study` is the first call of every study notebook; ``workbench validate``
calls :func:`check_study`, which runs exactly the same code and renders nothing. It

1. reads the client's ``client.yml`` strictly (:mod:`analysis.clients.config`);
2. applies the parameters a notebook set explicitly (every one that is not None,
   as the parameters cell leaves them), so ``client_id`` alone loads that client and
   an edited cell still overrides, even with the default value;
3. checks every parameter against the study's model (:mod:`analysis.clients.parameters`)
   and resolves every file inside the client's folder;
4. reads every file through its contract reader and runs the checks a model would
   otherwise fail on in a later cell: columns named by parameters exist, predictors
   vary, compared groups are not empty.

Where a section cannot be computed, the decision is taken here: the section is left
out with the reason (:meth:`StudyInputs.note`), or a constant predictor is dropped
with a warning. Errors are raised together as one :class:`~analysis.core.errors.InputError`.

This layer sits between the methods and the batch engine: it imports
``analysis.clients``, ``analysis.contracts``, the methods and the notebook display
(``analysis.report``), never ``analysis.render``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.clients.config import client_folder, load_client
from analysis.clients.parameters import STUDIES, StudyParameters, check_parameters, resolve_files
from analysis.clients.plan_record import PlanStatus
from analysis.core.errors import ConfigError, InputError
from analysis.ingest.record import stale_imports

if TYPE_CHECKING:
    from analysis.studies.training_impact.units import Units

#: The example client a notebook runs on when ``client_id`` is None (JupyterLab, nbval).
DEFAULT_CLIENT = "acme-learning"
#: Studies that read the client's measurement plan.
PLAN_STUDIES = ("training_impact", "evaluation_plan")


def shared_files(study: str) -> dict[str, Path]:
    """Return the files outside a client's folder that ``study`` reads, named for the inputs hash.

    readiness_alignment reads every instrument definition in ``data/instruments/`` (an
    instrument's items, scoring and bands decide what its report says), so a change to
    one renders its reports again. The cross-client benchmark files are hashed by the
    batch where it passes them. Other studies read only the client's own files.
    """
    from analysis.core import paths

    if study != "readiness_alignment" or not paths.INSTRUMENTS_DIR.is_dir():
        return {}
    return {f"instruments/{p.name}": p for p in sorted(paths.INSTRUMENTS_DIR.glob("*.yml"))}


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`check_study`: ``level`` is "error", "warning" or "note" (a section left out)."""

    level: str
    study: str
    message: str


@dataclass
class StudyInputs:
    """Checked inputs of one client and study: what a notebook works on.

    Attributes
    ----------
    params : StudyParameters
        The checked parameters (``inputs.params.conf_level``, ...).
    files : dict
        File parameters resolved inside the client's folder.
    tables : dict of DataFrame
        The files read through their contracts (and derived tables).
    skipped : dict of str
        Section -> why it is left out of this client's report, in the client's words.
    fixes : dict of str
        Section -> what the analyst sets to add it (a parameter of client.yml): said by
        ``workbench validate``, never printed in the report.
    warnings : list of str
        Caveats a reader should see (shown by the notebook, listed by ``validate``).
    units : Units or None
        The training study's outcome unit, currency, period and cost currency
        (:class:`~analysis.studies.training_impact.units.Units`); None for other studies.
    """

    study: str
    client_id: str
    client_name: str
    folder: Path
    params: StudyParameters
    files: dict[str, Any]
    tables: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    fixes: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    where: str = ""
    plan: PlanStatus | None = None
    synthetic: bool = False  # generated example data (client.yml synthetic: true)
    units: Units | None = None

    @property
    def plan_sentences(self) -> list[str]:
        """What the summary says about the client's measurement plan.

        The studies that read the plan state its standing (frozen or not); every study
        of a client says when the plan changed after it was frozen.
        """
        if self.plan is None:
            return []
        if self.study in PLAN_STUDIES or self.plan.edited_after_first_freeze:
            return self.plan.sentences()
        return []

    def runs(self, section: str) -> bool:
        """Return True when ``section`` can be computed for this client."""
        return section not in self.skipped

    def note(self, section: str) -> str:
        """Why ``section`` is left out (empty when it runs)."""
        return self.skipped.get(section, "")

    def skip(self, section: str, reason: str, fix: str = "") -> None:
        """Leave ``section`` out, with a reason and a fix.

        ``reason`` is in the client's words (the report's), ``fix`` what the analyst sets to
        add it (validate's only).
        """
        if section not in self.skipped and fix:
            self.fixes[section] = fix
        self.skipped.setdefault(section, reason)

    @property
    def conf_label(self) -> str:
        """The confidence level as shown in captions, e.g. ``95%``."""
        return f"{self.params.conf_level:.0%}"


def _preparers():
    from analysis.studies import (
        evaluation_plan,
        org_effectiveness,
        readiness_alignment,
        training_impact,
    )

    return {
        "evaluation_plan": evaluation_plan.prepare,
        "org_effectiveness": org_effectiveness.prepare,
        "training_impact": training_impact.prepare,
        "readiness_alignment": readiness_alignment.prepare,
    }


def explicit_overrides(study: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters a notebook set: every one that is not None.

    The parameters cell sets each parameter to None ("as in client.yml, else the
    default"), so a value typed there overrides client.yml even when it equals the
    model's default (conf_level = 0.95 against a client.yml with 0.9).
    """
    model = STUDIES[study]
    return {
        name: namespace[name]
        for name in model.model_fields
        if name in namespace and namespace[name] is not None
    }


def _blame(problem: str, context: str, overrides: Mapping[str, Any]) -> str:
    """Name the notebook, not client.yml, for a value the notebook set.

    The notebook sets it in a parameters cell or through papermill's ``-p``.
    """
    prefix = f"{context}: "
    if problem.startswith(prefix):
        rest = problem[len(prefix) :]
        key = re.match(r"[A-Za-z_]\w*", rest)
        if key and key[0] in overrides:
            return f"the notebook's parameters ({key[0]} = {overrides[key[0]]!r}): {rest}"
    return problem


def collect(
    study: str,
    client_id: str | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    clients_dir: Path | None = None,
) -> tuple[StudyInputs | None, list[str]]:
    """Return the checked inputs and every error (empty when the study can render).

    The one function behind :func:`load_study` and :func:`check_study`. An import that
    no longer matches its raw files or codebook (:func:`~analysis.ingest.record.stale_imports`)
    is refused with the messages ``workbench validate`` and ``render`` give, so a notebook
    run directly (papermill, JupyterLab) does not show the outdated import's numbers.
    """
    if study not in STUDIES:
        raise ConfigError(f"no study {study!r}; studies: {', '.join(STUDIES)}.")
    client_id = client_id or DEFAULT_CLIENT
    folder = client_folder(client_id, clients_dir)
    client = load_client(folder)
    stale = stale_imports(folder)  # a raw file or the codebook changed after `workbench import`
    if stale:
        return None, stale
    where = f"data/clients/{client_id}/client.yml"
    spec = client.studies.get(study)
    if spec is None:
        raise ConfigError(
            f"{where} has no study {study!r}; configured: {', '.join(client.studies)}. "
            f"Add '{study}:' under studies."
        )
    if overrides:
        values = {**spec.values, **overrides}
        context = f"{where}: studies.{study}"
        try:
            params: StudyParameters = check_parameters(study, values, context)
        except ConfigError as error:
            return None, [_blame(problem, context, overrides) for problem in error.problems]
        files, problems = resolve_files(params, folder, context)
        problems = [_blame(problem, context, overrides) for problem in problems]
    else:
        if spec.errors or spec.params is None:
            return None, list(spec.errors)
        params, files, problems = spec.params, spec.data_files, []
    if problems:
        return None, problems
    inputs = StudyInputs(
        study,
        client_id,
        client.display_name,
        folder,
        params,
        files,
        where=f"{where}: studies.{study}",
        plan=client.plan,
        synthetic=client.synthetic,
    )
    plan = client.plan
    if plan is not None and (
        plan.edited_after_first_freeze or (study in PLAN_STUDIES and not plan.frozen)
    ):
        inputs.warnings.append(
            " ".join(plan.sentences())
            + ("" if plan.frozen else f" Freeze it: `workbench plan freeze {client_id}`.")
        )
    errors: list[str] = []
    _preparers()[study](inputs, errors)
    return (None if errors else inputs), list(dict.fromkeys(errors))


def load_study(
    study: str, namespace: Mapping[str, Any] | str | None = None, **overrides: Any
) -> StudyInputs:
    """Return the checked inputs of one client's study: the first call of a study notebook.

    Parameters
    ----------
    study : str
        ``org_effectiveness``, ``training_impact`` or ``readiness_alignment``.
    namespace : mapping or str, optional
        The notebook's ``globals()`` (its ``client_id`` and parameters), or a client id.
        ``client_id`` None means the example client. Parameters that are not None
        override the client's client.yml.
    **overrides
        Further parameters (for a plain Python session).

    Raises
    ------
    InputError
        Every problem at once, each naming the file, column, rows and fix.
    """
    if isinstance(namespace, str) or namespace is None:
        client_id, given = namespace, {}
    else:
        client_id, given = namespace.get("client_id"), explicit_overrides(study, namespace)
    inputs, errors = collect(study, client_id, overrides={**given, **overrides})
    if errors or inputs is None:
        raise InputError(
            [f"The inputs of {study} for {client_id or DEFAULT_CLIENT} need fixing:", *errors]
        )
    return inputs


def check_study(client_id: str, study: str, clients_dir: Path | None = None) -> list[Problem]:
    """Return what :func:`load_study` would raise or warn for this client and study, as problems."""
    try:
        inputs, errors = collect(study, client_id, clients_dir=clients_dir)
    except InputError as error:
        return [Problem("error", study, message) for message in error.problems]
    problems = [Problem("error", study, message) for message in errors]
    if inputs is not None:
        problems += [Problem("warning", study, message) for message in inputs.warnings]
        problems += [
            Problem(
                "note",
                study,
                f"section {section} is left out: {reason}"
                + (f" To add it: {inputs.fixes[section]}." if section in inputs.fixes else ""),
            )
            for section, reason in inputs.skipped.items()
        ]
    return problems
