"""The exam service: config, app factory, database, exam rules, committee actions, audit log, CLI."""
