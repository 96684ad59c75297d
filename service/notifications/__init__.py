"""Notifications: what the worker sends, when, and how.

Events write outbox rows in their own transaction (``service.crud.outbox``);
``schedules`` adds the time-driven ones (check-ins, reminders, nudges, auto-end,
digests); ``messages`` turns a row into mail from the current data; ``delivery``
claims due rows, sends them through a ``transports`` transport, and retries with
back-off until a message is sent or dead. ``service.worker`` runs it all.
"""
