"""The store: the only place with SQL. Engine and pragmas, models, migrations, queries."""
