"""The compatibility matrix: every pattern x variant x start method, measured on every interpreter.

The following diagram and text describe the data flow through the package (stdlib only):

|================ host python3: python -m matrix ================|== one process group per case ==|

+--------------+     +-----------+     +-----------+            +-------------------------------+
| interpreters | ==> | engine    | ==> | cases     |            | supervise.Session             |
| (+ lanes/)   |     |           |     | cell ->   |            |                               |
| Facts of     |     | cells per |     | case.py   |            |  python -W default case.py    |
| each one     |     | interp.,  |     +-----------+            |    its workers, resource      |
| (probe.py)   |     | N jobs at | ==> +-----------+     =>     |    tracker, forkserver ...    |
+--------------+     | a time    |     | runner    |            |                               |
                     |           | <== | classify  |     <=     |  stdout, stderr, exit code;   |
                     |           |     | stderr    |            |  the group killed, semaphores |
                     +-----------+     +-----------+            |  removed (cleanup notes)      |
                           ||                                   +-------------------------------+
                           vv
                     +-----------+     +-----------+     +-------------------------------------+
                     | model     | ==> | store     | ==> | statements (+ expectations: what is |
                     | Record,   |     | results/  |     | expected, not measured) -> publish: |
                     | Facts     |     | <platform>|     |  README.md, index.html, data/, ...  |
                     | (schema)  |     | .json     |     +-------------------------------------+
                     +-----------+     +-----------+
                                             ^^
                                             || merge: results files from other machines

A run (``python -m matrix``: :mod:`matrix.cli` parses its arguments, :func:`matrix.engine.run`
owns the rest):

- :mod:`matrix.interpreters` finds every interpreter (PATH, pyenv, the :mod:`matrix.lanes`) and
  has each describe itself in a process of its own (:mod:`matrix.probe`): its :class:`Facts`;
  :mod:`matrix.plan` keeps those the run measures.
- :mod:`matrix.engine` first clears what a killed earlier run left (:mod:`matrix.leftovers`),
  lists the cells each interpreter can be asked about and runs them a few at a time (SIGTERM and
  SIGHUP stop it as Ctrl-C does: :mod:`matrix.stopping`); for each, :mod:`matrix.cases` writes the
  case script (the pattern's code, or a failure-mode / claim row of :mod:`matrix.failure_modes`)
  into a directory the interpreter sees.
- :func:`matrix.runner.run_script` runs the script in a :class:`matrix.supervise.Session`: a
  process group of its own, its pipes read as they fill, ended at exit, at the deadline or at a
  respawn loop's signature, with every process of the group killed and the POSIX semaphores it
  leaked removed. The runner classifies what the program does: ``ok``, ``wrong`` (exit 0, and the
  case reports a result other than the promised one), ``error`` (the parent's exception),
  ``hang`` (incl. a respawn loop, ended at the first repeat), ``crash``, with the children's
  exception as a separate ``cause`` and the ``detection``; :mod:`matrix.stderr` tells
  the parent's traceback from the children's (the case prelude marks them). A hang at the deadline
  is run again to confirm, ended early once the whole group is asleep for good
  (:mod:`matrix.asleep`).
- The engine makes a :class:`matrix.model.Record` of each outcome; :mod:`matrix.store` writes one
  results file per platform, every file read or written checked by :mod:`matrix.validate`
  (``matrix/results/``, described by ``matrix/schema.json``, which is generated from the model);
  :mod:`matrix.merge` brings in files measured elsewhere.
- :mod:`matrix.statements` turns the results files (and :mod:`matrix.expectations`, for the
  platforms not measured here) into version ranges per cell and OS x implementation;
  :mod:`matrix.why` answers from them for one platform (``python -m matrix why``).
- :mod:`matrix.publish` writes everything generated from the results files alone:
  :mod:`matrix.render` (``matrix/README.md``), :mod:`matrix.views` (``matrix/index.html``),
  :mod:`matrix.platforms` (``matrix/platforms/*.md``) and :mod:`matrix.export` (``matrix/data/``,
  and an entry in ``matrix/CHANGES.md`` when a cell changed); ``python -m matrix check`` says when
  they are stale.

:mod:`matrix.model` and the row list (:mod:`matrix.failure_modes`) import no other stage, and
every stage may import them; only ``python -m matrix`` (``__main__``) imports :mod:`matrix.cli`.
"""
