"""The review desk: messages aduana held in the MTA's hold queue, and what reviewers do with them.

Modules::

    hold_mark     the X-Aduana-Hold header aduana adds to every message it holds
    hold_queue    Postfix's hold queue through postqueue, postcat and postsuper
    desk          list, show, release (after a re-check) and delete, each audited
    commands      ``aduana quarantine ...``
    backlog       the daemon's gauges of the hold-queue backlog by clause

Its settings (the ``quarantine`` section of aduana.yaml) are in config/quarantine.py.
Nothing heavy is imported here.
"""
