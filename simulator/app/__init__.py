"""``btcsim app``: the interactive explorer in the browser.

:mod:`simulator.app.session` (the state: a file, its edits, the paths) and
:mod:`simulator.app.runs` (runs, tables, figures, files) are plain Python;
:mod:`simulator.app.page` and :mod:`simulator.app.inputs_panel` draw them with
Streamlit (the ``[app]`` extra).
"""
