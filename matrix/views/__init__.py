"""The page: ``matrix/index.html``, rendered from the results files (``python -m matrix render``).

- :mod:`matrix.views.page`: the HTML skeleton, the static files inlined, write and staleness.
- :mod:`matrix.views.page_data`: the one JSON data blob the page's scripts build everything from
  (every cell and every text once; the picker's answers made by :mod:`matrix.why`).
- ``static/``: ``page.css``, ``table.js`` (tables, filters, details), ``ranges.js`` (the version
  ranges of ``matrix/README.md``), ``picker.js`` (my platform).
"""
