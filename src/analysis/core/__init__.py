"""Core: what every other part of :mod:`analysis` builds on, importing nothing of it.

* :mod:`~analysis.core.paths` - the one paths module (project root, data, notebooks, reports);
* :mod:`~analysis.core.errors` - the :class:`~analysis.core.errors.InputError` family;
* :mod:`~analysis.core.options` - option types checked once (conf_level, seeds, resamples);
* :mod:`~analysis.core.results` - result objects answering ``tidy()``, ``summary()``, ``plot()``;
* :mod:`~analysis.core.conclusions` - sentences decided by their intervals;
* :mod:`~analysis.core.plots` - figures of tidy results;
* :mod:`~analysis.core.moved` - former import paths, kept working with a FutureWarning.
"""
