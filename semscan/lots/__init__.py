"""The QA lot database (``pip install "semscan[db]"``): lots, samples, immutable analyses,
lab values, versioned specifications, verdicts and an audit trail, in SQLite or PostgreSQL
(SQLAlchemy 2 + Alembic); and the process checks lots carry (:mod:`semscan.lots.process`).

Only this package imports SQLAlchemy, and only its database modules do
(:mod:`~semscan.lots.models`, :mod:`~semscan.lots.db`, :mod:`~semscan.lots.store`);
:mod:`~semscan.lots.specs` and :mod:`~semscan.lots.process` are plain Python.
"""
