"""Loading a table of shipped reference data into the database, row by row.

Each app that ships reference data keeps it as a plain table in its
`shipped.py`, with a `load()` that passes the rows here.  Loading is idempotent:
a row is found by its natural key and created if missing.  A shipped row whose
values differ from the table (a centre edited it in the admin, with a reason) is
reported and left as it is, unless the load is told to reset it: a hold rule a
centre switched on must not be switched off by a routine command.  A second load
changes nothing and writes no history.
"""

from dataclasses import dataclass, field

from tracker.lib.history import save_with_history

REASON = "Shipped reference data"


@dataclass
class Loaded:
    """What loading one model's table did: the keys of the rows created and updated."""

    model: str  # e.g. "regimens.RegimenTemplate"
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    differ: list[str] = field(default_factory=list)  # edited here, left alone
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    @property
    def matches_table(self) -> bool:
        """Whether the database held exactly the table before this load."""
        return not (self.created or self.updated or self.differ)

    def __str__(self):
        parts = [f"{len(self.created)} created", f"{len(self.updated)} updated"]
        if self.differ:
            parts.append(f"{len(self.differ)} kept as edited")
        text = f"{self.model}: {', '.join(parts)}, {self.unchanged} unchanged"
        rows = (("created", self.created), ("updated", self.updated))
        for verb, keys in (*rows, ("kept as edited (--reset sets them back)", self.differ)):
            if keys:
                text += f"\n  {verb}: {', '.join(keys)}"
        return text


def load_rows(model, rows, *, reset: bool = False) -> Loaded:
    """Make the database hold each `(key, values)` row of `rows`; rows not in the table stay.

    An existing row that differs is set back to the table only when `reset` is true.
    """
    loaded = Loaded(f"{model._meta.app_label}.{model.__name__}")
    for key, values in rows:
        name = " ".join(str(value) for value in key.values())
        obj = model.objects.filter(**key).first()
        if obj is None:
            save_with_history(model(**key, **values), by=None, reason=REASON)
            loaded.created.append(name)
            continue
        changed = [f for f, value in values.items() if getattr(obj, f) != value]
        if not changed:
            loaded.unchanged += 1
            continue
        if not reset:
            loaded.differ.append(name)
            continue
        for f in changed:
            setattr(obj, f, values[f])
        save_with_history(obj, by=None, reason=REASON, update_fields=changed)
        loaded.updated.append(name)
    return loaded
